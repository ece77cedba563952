"""Regenerate the study notebooks (outputs cleared). Run: python notebooks/make_notebooks.py

Each notebook tells one study: what was published, what we compute and how, the library
calls themselves, then the study's comparison table and plots as the runner produces them.
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

RUN = '''from reliability.studies import get_study, run_study
import pandas as pd
from IPython.display import Image, display

outcome = run_study(get_study({name!r}), seed=20240601)
print("status:", outcome.status)
if outcome.error:
    print(outcome.error)
pd.DataFrame([f.to_dict() for f in outcome.figures])[
    ["label", "value", "published", "tolerance", "status", "kind", "source"]]'''

SHOW = '''for t in outcome.tables:
    print(t.caption)
    display(pd.DataFrame(list(t.rows), columns=list(t.columns)))
for p in outcome.plots:
    print(p.caption)
    display(Image(data=p.png))
for a in outcome.assumptions:
    print("Assumption:", a)'''

CHECK = '''# The study must reproduce every compared figure (context figures never fail; a study
# that compares nothing is "descriptive").
assert outcome.status in ("pass", "descriptive"), outcome.error or [f.to_dict() for f in outcome.figures
                                                  if f.status in ("fail", "error")]'''

STORIES = {
    "ofsted-2017-parallel": (
        "# Ofsted 2017: do two inspectors reach the same decision?\n\n"
        "In autumn 2016 Ofsted sent two inspectors, independently and on the same day, to 24 "
        "good primary schools receiving a short inspection. Each decided whether the school "
        "remained good or the inspection converted to a full one. They agreed in **22 of 24**.\n\n"
        "Three questions: how precise is 22/24 (its Wilson interval), what does it say about "
        "chance-corrected agreement (kappa) when the split of the disagreements and the "
        "conversion rate were not published, and how many parallel inspections a useful "
        "estimate would need.",
        '''import pandas as pd
from reliability.consistency import agreement_range, n_for_agreement
from reliability.datasets import load_ofsted_2017_short_inspections
pairs = load_ofsted_2017_short_inspections(disagreement_split=(1, 1), n_converted_agreed=2)
print(pd.crosstab(pairs["inspector_a"], pairs["inspector_b"]))
r = agreement_range(22, 24)
print(r.summary())
print(n_for_agreement(0.917, 0.05))''',
        "Kappa can be anything from about -0.04 to 0.83: with 24 pairs and an unknown "
        "conversion rate, 22/24 is compatible with almost no agreement beyond chance. The "
        "agreement itself is known only to within about +/-0.12; about 120 pairs would be "
        "needed for +/-0.05."),
    "classification-consistency": (
        "# How often would a re-inspection give a different grade?\n\n"
        "If a school were inspected twice, independently, with nothing changed, how often "
        "would the grade differ? We simulate pairs of inspections from a latent-normal model "
        "with the national grade distribution and a chosen reliability, and compare the "
        "simulated share of different grades, and the library's closed form, with the "
        "generator's exact value.",
        '''from reliability.consistency import latent_consistency
print(latent_consistency([0.14, 0.77, 0.08, 0.02], 0.7).summary())''',
        "Even at a reliability of 0.9, about one school in six would get a different grade; "
        "at 0.7, one in four. Grades of Requires improvement and Inadequate are the least "
        "repeatable because they are rare."),
    "textbook": (
        "# Textbook examples\n\nThe worked examples every agreement program is checked "
        "against: Shrout & Fleiss (1979) Table 2 (six ICC forms), Fleiss (1971) "
        "psychiatric diagnoses (Fleiss' kappa) and Krippendorff (2011) section D (alpha at "
        "four levels, with missing data).",
        '''from reliability.agreement import fleiss_kappa
from reliability.icc import icc
from reliability.datasets import load_fleiss1971, load_shrout_fleiss1979
print(icc(load_shrout_fleiss1979(), shape="wide").summary())
print(fleiss_kappa(load_fleiss1971(), shape="wide"))''',
        "All printed values are reproduced to the printed precision."),
    "inspector-leniency": (
        "# Are some inspectors more lenient?\n\nBokhove, Jerrim & Sims (2023) found that "
        "primary schools were graded below Good more often when the lead inspector was a "
        "woman (36.4% vs 33.1%). Inspector-level data are not public, so we reproduce the "
        "analysis on synthetic inspections calibrated to the published shares, with a known "
        "inspector effect, and check that ordinal and binomial mixed models recover it.",
        '''import numpy as np
from reliability.studies.inspector_leniency import calibrate, simulate
theta, beta = calibrate()
print("generator thresholds", theta.round(3), "female effect", round(beta, 3))
data, u = simulate(np.random.default_rng(1), theta, beta)
print(data.groupby("female")["below_good"].mean())
# The study below fits ordinal_mixed("grade ~ female + (1|inspector_id)", data) and the
# binomial model for below Good; fit.summary(), fit.odds_ratios(), fit.random_effects().''',
        "The models recover the generator's gender effect and inspector variance; the "
        "caterpillar plot shows how uncertain any one inspector's effect is, which is why "
        "rankings of inspectors are off by default in reports."),
    "lesson-observation": (
        "# Lesson observation: how many observers?\n\nA G-study of simulated lesson "
        "observations (lessons crossed with observers) estimates the variance due to "
        "lessons, observers and their interaction; the D-study asks how many observers are "
        "needed for a generalizability coefficient of 0.7 or 0.8.",
        '''import numpy as np
from reliability.gtheory import g_study
from reliability.studies.lesson_observation import simulate, TRUE
data = simulate(np.random.default_rng(1))
g = g_study(data, unit="lesson", facets=("observer",), score="score")
print("true components:", TRUE)
print(g.summary())
print(g.minimal_design(0.8))''',
        "Single observations are unreliable; averaging over observers helps, at a cost the "
        "D-study makes explicit. Published single-observation reliabilities (Ofsted 2019, "
        "MET) are shown as context."),
    "grades-vs-context": (
        "# Grades and deprivation (synthetic, known truth)\n\nSimulated national inspections "
        "with a known dependence of grades on deprivation (its population table is known "
        "exactly, so are tau-b, gamma and Somers' d): the grade distribution by band, "
        "Kendall tau-b, Goodman-Kruskal gamma, Somers' d and a trend test, compared with "
        "the generator's truth.",
        '''from reliability.studies.grades_vs_context import true_table, true_associations
p = true_table()
print("population band x grade probabilities:")
print(p.round(4))
print("population associations:", true_associations(p))''',
        "The estimated association matches the truth; national published shares by FSM "
        "quintile are shown as context (different population)."),
    "real-grades-vs-deprivation": (
        "# Real grades and deprivation: West Midlands, August 2023\n\nOfsted's official "
        "statistics for the West Midlands (2,417 schools): grades by IDACI quintile, "
        "ordinal association and trend, by phase; how far the overall grade is one "
        "judgement (agreement with quality of education, and among the four key "
        "judgements); and previous vs latest grade.",
        '''from reliability.datasets import load_ofsted_outcomes_2023_west_midlands
from reliability.validity import grade_context
wm = load_ofsted_outcomes_2023_west_midlands()
print(wm.attrs["attribution"], "- data as at", wm.attrs["as_at"])
res = grade_context(wm["overall_effectiveness"], wm["deprivation_rank"],
                    categories=["Outstanding", "Good", "Requires improvement", "Inadequate"])
print(res.summary())''',
        "Previous vs latest grade mixes real change with unreliability: its disagreement "
        "bounds from above what unreliability alone would cause; it is not a reliability "
        "estimate. National figures are context for a different population.\n\nContains "
        "public sector information licensed under the Open Government Licence v3.0."),
    "real-grades-vs-progress": (
        "# Real grades and pupils' progress: KS2 2019\n\nDfE's 2019 Key Stage 2 progress "
        "scores of about 16,000 primary schools with the school's Ofsted rating at the "
        "time: mean progress by rating, the ordinal association, and how it fades with the "
        "age of the rating.",
        '''from reliability.datasets import load_ks2_2019_progress
ks2 = load_ks2_2019_progress()
mainstream = ks2[ks2["school_record_type"] == "mainstream"]
print(len(ks2), "schools;", len(mainstream), "mainstream")
print(mainstream.groupby("ofsted_rating", observed=True)[
    ["reading_progress", "writing_progress", "maths_progress"]].mean().round(2))''',
        "Older ratings say less about current progress. Special schools are excluded (their "
        "progress scores are not comparable).\n\nContains public sector information licensed "
        "under the Open Government Licence v3.0."),
    "report-cards": (
        "# Report cards: do the evaluation areas say different things?\n\nSince November "
        "2025 each school inspection grades six evaluation areas on five points (Exceptional "
        ".. Urgent improvement). If the areas were one judgement written six times (a halo), "
        "their polychoric correlations would be near 1 and one factor would explain them. "
        "This study simulates a national year whose truth is known and checks that the "
        "library recovers it.",
        '''from reliability.datasets._report_cards import simulate_report_cards, REPORT_CARD_AREAS
from reliability.areas import area_structure, area_context
cards, truth = simulate_report_cards(20_000, seed=1)
res = area_structure(cards, areas=list(REPORT_CARD_AREAS), seed=1)
print(res.summary())
area_context(cards, areas=["achievement"], context="idaci_quintile").to_frame()''',
        "The areas share a strong school factor, but the effective number of independent "
        "areas is well above 1: on these (simulated) data they do not say one thing six "
        "times. Every number except ASCL's calibration is an assumption of the generator."),
    "report-cards-mi": (
        "# Report cards from a management-information file\n\nThe same questions asked of "
        "a file in the layout of Ofsted's report-card management information (a synthetic "
        "file shipped with the library; the layout is assumed, see docs/areas.md).",
        '''from reliability.datasets._report_card_mi import load_report_cards_synthetic_mi
from reliability.areas import area_structure, framework_transition
cards = load_report_cards_synthetic_mi()
print(cards.attrs["columns"])
res = area_structure(cards, areas=cards.attrs["areas"][:6], seed=1)
print(res.summary())
framework_transition(cards, old="previous_overall_effectiveness", new="achievement").table''',
        "The old single-word grade and the new achievement grade are different instruments: "
        "their table describes how one maps onto the other, not whether either is right."),
}


def make(name: str) -> nbf.NotebookNode:
    story, demo, conclusion = STORIES[name]
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbf.v4.new_markdown_cell(story),
        nbf.v4.new_code_cell("%matplotlib inline"),
        nbf.v4.new_markdown_cell("## The library calls"),
        nbf.v4.new_code_cell(demo),
        nbf.v4.new_markdown_cell("## The study: each reproduced figure beside its target"),
        nbf.v4.new_code_cell(RUN.format(name=name)),
        nbf.v4.new_markdown_cell("## Tables, plots and assumptions"),
        nbf.v4.new_code_cell(SHOW),
        nbf.v4.new_markdown_cell("## What it shows\n\n" + conclusion),
        nbf.v4.new_code_cell(CHECK),
    ]
    return nb


if __name__ == "__main__":
    for name in STORIES:
        nbf.write(make(name), HERE / f"{name}.ipynb")
        print("wrote", name)
