"""Thin entry point: the study's code is ``reliability.studies.grades_vs_context``.

``python studies/grades-vs-context/study.py [--out DIR] [--seed S]`` runs it; the runner's ``--path``
option also accepts this folder (it reads ``STUDY``).
"""

import sys

from reliability.cli import main
from reliability.studies import get_study

STUDY = get_study("grades-vs-context")

if __name__ == "__main__":
    sys.exit(main(["study", "run", "grades-vs-context", *sys.argv[1:]]))
