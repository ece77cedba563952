"""Thin entry point: the study's code is ``reliability.studies.real_grades_vs_progress``.

``python studies/real-grades-vs-progress/study.py [--out DIR] [--seed S]`` runs it; the runner's ``--path``
option also accepts this folder (it reads ``STUDY``).
"""

import sys

from reliability.cli import main
from reliability.studies import get_study

STUDY = get_study("real-grades-vs-progress")

if __name__ == "__main__":
    sys.exit(main(["study", "run", "real-grades-vs-progress", *sys.argv[1:]]))
