"""Thin entry point: the study's code is ``reliability.studies.report_cards``.

``python studies/report-cards/study.py [--out DIR] [--seed S]`` runs it; the runner's ``--path``
option also accepts this folder (it reads ``STUDY``).
"""

import sys

from reliability.cli import main
from reliability.studies import get_study

STUDY = get_study("report-cards")

if __name__ == "__main__":
    sys.exit(main(["study", "run", "report-cards", *sys.argv[1:]]))
