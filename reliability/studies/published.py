"""Published figures each study compares with: the studies' declared comparison targets.

These are *targets*, not results: the study computes its own value from data and the
runner compares it with the entry here. Every entry carries its citation (``source``),
where it is printed (``where``), a tolerance and the reason for the tolerance (``note``).
Tolerances for printed figures are half a unit in the last printed decimal. Entries of
``kind="context"`` are published figures for a different population (national vs
regional, another period): they are shown beside ours and never pass or fail.

Each target carries its original citation (``source``, ``where``); values printed in the
reference data sets are also in ``tests/data/*.expected.json`` (``published`` fields).
"""

from __future__ import annotations

OFSTED_2017 = ("Ofsted (2017), 'Do two inspectors inspecting the same school make consistent "
               "decisions? A study of the reliability of Ofsted's new short inspections', "
               "Ofsted ref. 170004")
FLEISS_1971 = ("Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. "
               "Psychological Bulletin 76(5), 378-382")
SHROUT_FLEISS = ("Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in "
                 "assessing rater reliability. Psychological Bulletin 86(2), 420-428")
KRIPP = ("Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg "
         "School for Communication, University of Pennsylvania")
BOKHOVE_2023 = ("Bokhove, C., Jerrim, J. & Sims, S. (2023). Are some school inspectors more "
                "lenient than others? School Effectiveness and School Improvement 34(4), 419-441")
OFSTED_2019 = ("Ofsted (2019), 'Inspecting education quality: lesson observation and workbook "
               "scrutiny'")
COE_2014 = ("Coe, R., Aloisi, C., Higgins, S. & Major, L. E. (2014). What makes great "
            "teaching? Sutton Trust")
SCHOOLRATINGS = ("schoolratings.co.uk, 'Does Ofsted measure schools or postcodes' (about 14,000 "
                 "full inspections 2022-2025, FSM quintiles)")
HUTCHINSON = ("Hutchinson, J. (2016). School inspection in England: is there room to improve? "
              "Education Policy Institute")
OFSTED_2024_NATIONAL = ("Ofsted, state-funded schools inspections and outcomes as at 31 August "
                        "2024 (official statistics)")
OFSTED_2023_BANDS = "Ofsted (2023) data-band comparison"

_HALF = "half a unit in the last printed decimal"

PUBLISHED: dict[str, dict[str, dict]] = {
    "ofsted-2017-parallel": {
        "agreement": {"value": 0.917, "tolerance": 0.0005, "source": OFSTED_2017,
                      "where": "summary (22 of 24 agreed; also Spielman 2017 speech)",
                      "label": "Proportion of pairs agreeing (22/24)", "note": _HALF},
        "agreement_ci_lower": {"kind": "derived", "value": 0.74, "tolerance": 0.005, "source": OFSTED_2017,
                               "where": "Wilson 95% CI as restated in published_figures.md",
                               "label": "Wilson 95% CI, lower", "note": _HALF},
        "agreement_ci_upper": {"kind": "derived", "value": 0.98, "tolerance": 0.005, "source": OFSTED_2017,
                               "where": "Wilson 95% CI as restated in published_figures.md",
                               "label": "Wilson 95% CI, upper", "note": _HALF},
        "kappa_min": {"kind": "derived", "value": -0.04, "tolerance": 0.005, "source": OFSTED_2017,
                      "where": "range of kappa over the unpublished split (published_figures.md)",
                      "label": "Cohen's kappa, smallest over consistent 2x2 tables",
                      "note": _HALF},
        "kappa_max": {"kind": "derived", "value": 0.83, "tolerance": 0.005, "source": OFSTED_2017,
                      "where": "range of kappa over the unpublished split (published_figures.md)",
                      "label": "Cohen's kappa, largest over consistent 2x2 tables",
                      "note": _HALF},
    },
    "textbook": {
        "fleiss_kappa": {"value": 0.430, "tolerance": 0.0005, "source": FLEISS_1971,
                         "where": "p. 381, kappa = .430 (30 patients, 6 psychiatrists, 5 "
                                  "diagnoses)", "label": "Fleiss' kappa", "note": _HALF},
        **{f"ICC({a})": {"value": v, "tolerance": 0.005, "source": SHROUT_FLEISS,
                         "where": "Table 4", "label": f"ICC({a})", "note": _HALF}
           for a, v in (("1,1", 0.17), ("2,1", 0.29), ("3,1", 0.71), ("1,4", 0.44),
                        ("2,4", 0.62), ("3,4", 0.91))},
        **{f"alpha_{lvl}": {"value": v, "tolerance": 0.0005, "source": KRIPP,
                            "where": "section D (4 coders, 12 units, missing values)",
                            "label": f"Krippendorff's alpha, {lvl}", "note": _HALF}
           for lvl, v in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                          ("ratio", 0.797))},
    },
    "inspector-leniency": {
        "below_good_female": {"kind": "calibration", "value": 0.364, "tolerance": 0.02, "source": BOKHOVE_2023,
                              "where": "primary schools, female lead inspector",
                              "label": "Share graded RI or Inadequate, female lead (primary)",
                              "note": "the synthetic data are calibrated to this figure; "
                                      "tolerance about 3 sampling SEs at 20,000 inspections "
                                      "by 1,376 inspectors (design effect about 1.6)"},
        "below_good_male": {"kind": "calibration", "value": 0.331, "tolerance": 0.02, "source": BOKHOVE_2023,
                            "where": "primary schools, male lead inspector",
                            "label": "Share graded RI or Inadequate, male lead (primary)",
                            "note": "as above"},
        "below_good_gap": {"kind": "calibration", "value": 0.033, "tolerance": 0.025, "source": BOKHOVE_2023,
                           "where": "primary schools, 36.4% vs 33.1%",
                           "label": "Gap in below-Good share, female minus male (primary)",
                           "note": "about 3 sampling SEs of the difference (clustered by "
                                   "inspector) at 20,000 inspections"},
    },
    "lesson-observation": {
        "ofsted_2019_reliability": {"value": 0.6, "kind": "context", "source": OFSTED_2019,
                                    "where": "lesson-observation indicators, pairs of "
                                             "inspectors, 350+ lessons",
                                    "label": "Reliability of lesson-observation indicators "
                                             "(Ofsted 2019, about 0.6)",
                                    "note": "different population and instrument"},
        "coe_single_lower": {"value": 0.24, "kind": "context", "source": COE_2014,
                             "where": "MET project summary",
                             "label": "Reliability of one lesson observation, lowest (MET)",
                             "note": "different population (US teachers)"},
        "coe_single_upper": {"value": 0.68, "kind": "context", "source": COE_2014,
                             "where": "MET project summary",
                             "label": "Reliability of one lesson observation, highest (MET)",
                             "note": "different population (US teachers)"},
    },
    "grades-vs-context": {
        **{f"schoolratings_ri_inadequate_q{i}": {
            "value": v, "kind": "context", "source": SCHOOLRATINGS,
            "where": f"FSM quintile {i} (1 = least deprived)",
            "label": f"RI or Inadequate share, FSM quintile {i} (England 2022-25)",
            "note": "different population (England, FSM not the simulated band)"}
           for i, v in enumerate((0.018, 0.035, 0.040, 0.056, 0.080), start=1)},
    },
    "classification-consistency": {
        "exempt_outstanding_lost": {"value": 0.80, "kind": "context",
                                    "source": "Ofsted (2022), re-inspection of formerly exempt "
                                              "outstanding schools, 2021/22",
                                    "where": "'more than 80% lost the grade'",
                                    "label": "Formerly exempt Outstanding schools that lost "
                                             "the grade on re-inspection",
                                    "note": "mixes real change over 10+ years with "
                                            "unreliability; not a consistency estimate"},
    },
    "real-grades-vs-deprivation": {
        **{f"schoolratings_ri_inadequate_q{i}": {
            "value": v, "kind": "context", "source": SCHOOLRATINGS,
            "where": f"FSM quintile {i} (1 = least deprived)",
            "label": f"RI or Inadequate share, FSM quintile {i} (England 2022-25)",
            "note": "different population: England, FSM quintiles, full inspections 2022-25; "
                    "ours: West Midlands, IDACI quintiles, latest graded inspection"}
           for i, v in enumerate((0.018, 0.035, 0.040, 0.056, 0.080), start=1)},
        **{f"national_2024_{g}": {
            "value": v, "kind": "context", "source": OFSTED_2024_NATIONAL,
            "where": "all state-funded schools at 31 August 2024",
            "label": f"Share {g.replace('_', ' ')} (England, August 2024)",
            "note": "different population: England a year later"}
           for g, v in (("outstanding", 0.14), ("good", 0.77),
                        ("requires_improvement", 0.08), ("inadequate", 0.02))},
    },
    "real-grades-vs-progress": {
        "hutchinson_primary_outstanding_low_fsm": {
            "value": 0.25, "kind": "context", "source": HUTCHINSON,
            "where": "primaries, lowest-FSM quintile judged Outstanding",
            "label": "Primaries judged Outstanding, lowest-FSM quintile (England 2016)",
            "note": "different population and question; context only"},
        "ofsted_2023_band_match_primary": {
            "value": 0.68, "kind": "context", "source": OFSTED_2023_BANDS,
            "where": "primary inspections",
            "label": "Grade matched the performance-data band, primaries (England)",
            "note": "different population and measure; context only"},
    },
}


def targets_for(name: str) -> dict:
    """The published targets of study ``name`` (an empty dict if it declares none)."""
    return {k: dict(v) for k, v in PUBLISHED.get(name, {}).items()}
