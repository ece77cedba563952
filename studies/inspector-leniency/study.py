"""Thin entry point: the study's code is ``reliability.studies.inspector_leniency``.

``python studies/inspector-leniency/study.py [--out DIR] [--seed S]`` runs it; the runner's ``--path``
option also accepts this folder (it reads ``STUDY``).
"""

import sys

from reliability.cli import main
from reliability.studies import get_study

STUDY = get_study("inspector-leniency")

if __name__ == "__main__":
    sys.exit(main(["study", "run", "inspector-leniency", *sys.argv[1:]]))
