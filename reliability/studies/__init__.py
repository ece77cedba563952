"""Studies that reproduce published figures, and the runner behind ``reliability study``.

Each study's code lives in ``reliability/studies/<name>.py`` (so it is installed with the
library; the top-level ``studies/<name>/`` folder of the repository holds its README and a
thin ``study.py``). The library never imports the top-level ``studies/`` folder.

* :class:`Study`, :class:`StudyContext`, :class:`Figure` - the study specification.
* :func:`list_studies`, :func:`get_study` - the registry.
* :func:`run_study`, :func:`write_outputs` - run and write ``results.json`` + HTML report.
"""

from __future__ import annotations

import importlib

from reliability._errors import ReliabilityError, suggest
from reliability.studies._core import Figure, Study, StudyContext, StudyOutcome, compare_value
from reliability.studies.runner import DEFAULT_SEED, load_study_file, run_study, write_outputs

# name -> module defining STUDY; order = order of ``study list`` and ``study run --all``.
REGISTRY = {
    "ofsted-2017-parallel": "reliability.studies.ofsted_2017_parallel",
    "inspector-leniency": "reliability.studies.inspector_leniency",
    "lesson-observation": "reliability.studies.lesson_observation",
    "grades-vs-context": "reliability.studies.grades_vs_context",
    "classification-consistency": "reliability.studies.classification_consistency",
    "textbook": "reliability.studies.textbook",
    "real-grades-vs-deprivation": "reliability.studies.real_grades_vs_deprivation",
    "real-grades-vs-progress": "reliability.studies.real_grades_vs_progress",
    "report-cards": "reliability.studies.report_cards",
    "report-cards-mi": "reliability.studies.report_cards_mi",
}


def list_studies() -> list[str]:
    """Names of the built-in studies, in run order."""
    return list(REGISTRY)


def get_study(name: str) -> Study:
    """The built-in study called ``name``."""
    if name not in REGISTRY:
        raise ReliabilityError(f"unknown study {name!r}{suggest(name, list(REGISTRY))}; "
                               f"known: {', '.join(REGISTRY)}")
    return importlib.import_module(REGISTRY[name]).STUDY


__all__ = ["DEFAULT_SEED", "Figure", "REGISTRY", "Study", "StudyContext", "StudyOutcome",
           "compare_value", "get_study", "list_studies", "load_study_file", "run_study",
           "write_outputs"]
