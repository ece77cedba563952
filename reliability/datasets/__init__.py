"""Data sets and loaders: real Ofsted/DfE data, classic reliability examples, simulators.

Real data carry the attribution "Contains public sector information licensed under the Open
Government Licence v3.0." See ``docs/datasets.md`` and ``datasets/README.md``.
"""

from ._ofsted import (GRADES, OGL_ATTRIBUTION, RATING_REFERENCE_DATE, load_ks2_2019_progress,
                      load_ofsted_outcomes_2023_west_midlands, read_ofsted_inspections)
from ._parallel import ParallelInspections
from ._report_card_mi import load_report_cards_synthetic_mi, read_report_card_inspections
from ._report_cards import simulate_report_cards
from ._reference import (load_brennan_synthetic1, load_fleiss1971, load_inspections_synthetic,
                         load_krippendorff_example, load_ofsted_2017_short_inspections,
                         load_shrout_fleiss1979, load_vcd_sexualfun)
from ._simulate import simulate_lesson_observations, simulate_national_inspections

__all__ = [
    "GRADES", "OGL_ATTRIBUTION", "RATING_REFERENCE_DATE", "ParallelInspections",
    "load_brennan_synthetic1", "load_fleiss1971", "load_inspections_synthetic",
    "load_krippendorff_example", "load_ks2_2019_progress", "load_ofsted_2017_short_inspections",
    "load_ofsted_outcomes_2023_west_midlands", "load_shrout_fleiss1979", "load_vcd_sexualfun",
    "load_report_cards_synthetic_mi", "read_ofsted_inspections", "read_report_card_inspections",
    "simulate_lesson_observations", "simulate_national_inspections", "simulate_report_cards",
]
