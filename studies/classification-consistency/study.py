"""Thin entry point: the study's code is ``reliability.studies.classification_consistency``.

``python studies/classification-consistency/study.py [--out DIR] [--seed S]`` runs it; the runner's ``--path``
option also accepts this folder (it reads ``STUDY``).
"""

import sys

from reliability.cli import main
from reliability.studies import get_study

STUDY = get_study("classification-consistency")

if __name__ == "__main__":
    sys.exit(main(["study", "run", "classification-consistency", *sys.argv[1:]]))
