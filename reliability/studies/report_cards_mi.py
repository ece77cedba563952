"""The ``report-cards-mi`` study (its code is in :mod:`reliability.studies.report_cards`)."""

from reliability.studies.report_cards import STUDY_MI as STUDY

__all__ = ["STUDY"]
