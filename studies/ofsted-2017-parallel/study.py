"""Thin entry point: the study's code is ``reliability.studies.ofsted_2017_parallel``.

``python studies/ofsted-2017-parallel/study.py [--out DIR] [--seed S]`` runs it; the runner's ``--path``
option also accepts this folder (it reads ``STUDY``).
"""

import sys

from reliability.cli import main
from reliability.studies import get_study

STUDY = get_study("ofsted-2017-parallel")

if __name__ == "__main__":
    sys.exit(main(["study", "run", "ofsted-2017-parallel", *sys.argv[1:]]))
