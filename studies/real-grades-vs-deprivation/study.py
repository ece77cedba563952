"""Thin entry point: the study's code is ``reliability.studies.real_grades_vs_deprivation``.

``python studies/real-grades-vs-deprivation/study.py [--out DIR] [--seed S]`` runs it; the runner's ``--path``
option also accepts this folder (it reads ``STUDY``).
"""

import sys

from reliability.cli import main
from reliability.studies import get_study

STUDY = get_study("real-grades-vs-deprivation")

if __name__ == "__main__":
    sys.exit(main(["study", "run", "real-grades-vs-deprivation", *sys.argv[1:]]))
