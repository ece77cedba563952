"""Regenerate the notebooks (outputs cleared). Run: python notebooks/make_notebooks.py

``tutorial.ipynb`` walks a new user through the library on the shipped data sets. Each study
notebook tells one study: what was published, the library calls themselves step by step
(``import reliability as rl``, read the data, call the function, show the result and a plot
inline), each with what it shows and what it does not, then the study's comparison table and
plots as the runner produces them. Plots are drawn inline (``%matplotlib inline``); nothing
sets a backend. ``pip install ".[notebooks]"`` (or ``.[dev]``) installs what runs them.
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

SETUP = """%matplotlib inline
import pandas as pd
import reliability as rl"""

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
        [("## How precise is 22 of 24, and which kappas does it allow?\n\n"
          "`agreement_range` takes only what was published. It shows the interval of the "
          "agreement and the smallest and largest kappa of every 2x2 table with 22 agreements. "
          "It does not say which of those tables happened.",
          '''r = rl.agreement_range(22, 24)
print(r.summary())'''),
         ("## Kappa for one assumed table\n\n"
          "The loader rebuilds the 24 pairs under stated assumptions (here one disagreement "
          "each way, 2 agreed conversions). Kappa and its interval hold only under those "
          "assumptions.",
          '''from reliability.datasets import load_ofsted_2017_short_inspections

pairs = load_ofsted_2017_short_inspections(disagreement_split=(1, 1), n_converted_agreed=2)
print(pd.crosstab(pairs["inspector_a"], pairs["inspector_b"]))
print(rl.cohen_kappa(pairs[["inspector_a", "inspector_b"]]).summary())'''),
         ("## How many pairs would a useful estimate need?\n\n"
          "The number of parallel inspections for a 95% interval of +/-0.05 around the "
          "observed agreement. It says nothing about the cost of parallel inspections.",
          '''from reliability.consistency import n_for_agreement

print(n_for_agreement(0.917, 0.05))''')],
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
        [("## The closed form at one reliability\n\n"
          "`latent_consistency` takes the grade distribution (Outstanding .. Inadequate) and "
          "a reliability, and gives the chance that two independent inspections agree. It "
          "assumes the latent-normal model; it does not estimate the reliability of real "
          "inspections.",
          '''print(rl.latent_consistency([0.14, 0.77, 0.08, 0.02], 0.7).summary())'''),
         ("## Against reliability\n\n"
          "The share of schools that would get a different grade, for reliabilities from 0.5 "
          "to 0.95.",
          '''rel = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
different = [rl.latent_consistency([0.14, 0.77, 0.08, 0.02], r).estimates["p_change"].estimate
             for r in rel]
ax = pd.Series(different, index=rel).plot(marker="o", ylim=(0, 0.6),
                                         title="Share of schools graded differently twice")
ax.set_xlabel("reliability of one inspection"); ax.set_ylabel("share graded differently");''')],
        "Even at a reliability of 0.9, about one school in six would get a different grade; "
        "at 0.7, one in four. Grades of Requires improvement and Inadequate are the least "
        "repeatable because they are rare."),
    "textbook": (
        "# Textbook examples\n\nThe worked examples every agreement program is checked "
        "against: Shrout & Fleiss (1979) Table 2 (six ICC forms), Fleiss (1971) "
        "psychiatric diagnoses (Fleiss' kappa) and Krippendorff (2011) section D (alpha at "
        "four levels, with missing data).",
        [("## Six ICC forms (Shrout & Fleiss 1979)\n\n"
          "Six targets rated by four judges. The forms differ in whether judges are a sample "
          "(absolute agreement) or fixed (consistency) and whether one rating or the mean of "
          "four is used; the table says which is which. Six targets give wide intervals.",
          '''from reliability.datasets import load_shrout_fleiss1979

print(rl.icc(load_shrout_fleiss1979(), shape="wide").summary())'''),
         ("## Fleiss' kappa (Fleiss 1971)\n\n"
          "30 patients, six psychiatrists each, five diagnoses.",
          '''from reliability.datasets import load_fleiss1971

print(rl.fleiss_kappa(load_fleiss1971(), shape="wide").summary())''')],
        "All printed values are reproduced to the printed precision."),
    "inspector-leniency": (
        "# Are some inspectors more lenient?\n\nBokhove, Jerrim & Sims (2023) found that "
        "primary schools were graded below Good more often when the lead inspector was a "
        "woman (36.4% vs 33.1%). Inspector-level data are not public, so we reproduce the "
        "analysis on synthetic inspections calibrated to the published shares, with a known "
        "inspector effect, and check that ordinal and binomial mixed models recover it.",
        [("## The synthetic inspections\n\n"
          "Grades 1 (Outstanding) to 4 (Inadequate), the lead inspector and whether she is a "
          "woman; the generator's gender effect and inspector SD are known.",
          '''import numpy as np
from reliability.studies.inspector_leniency import calibrate, simulate

theta, beta = calibrate()
print("generator thresholds", theta.round(3), "female effect", round(beta, 3))
data, u = simulate(np.random.default_rng(1), theta, beta)
data.groupby("female")["below_good"].mean()'''),
         ("## The ordinal mixed model\n\n"
          "A cumulative-logit model with a random intercept per inspector: the gender effect "
          "as an odds ratio, and the inspector SD. A positive inspector effect means worse "
          "grades.",
          '''fit = rl.ordinal_mixed("grade ~ female + (1|inspector_id)", data)
print(fit.summary())'''),
         ("## Each inspector's effect\n\n"
          "The caterpillar plot: every inspector's estimated effect with its 95% interval, "
          "drawn as a band because there are hundreds. Most intervals include 0: the "
          "estimates are too uncertain to rank inspectors.",
          '''fit.plot(direction=("more lenient", "harsher"))''')],
        "The models recover the generator's gender effect and inspector variance; the "
        "caterpillar plot shows how uncertain any one inspector's effect is, which is why "
        "rankings of inspectors are off by default in reports."),
    "lesson-observation": (
        "# Lesson observation: how many observers?\n\nA G-study of simulated lesson "
        "observations (lessons crossed with observers) estimates the variance due to "
        "lessons, observers and their interaction; the D-study asks how many observers are "
        "needed for a generalizability coefficient of 0.7 or 0.8.",
        [("## The G study\n\n"
          "Simulated scores with known variance components (printed first), then the "
          "estimated ones. The lesson share is what observers agree on.",
          '''import numpy as np
from reliability.studies.lesson_observation import simulate, TRUE

data = simulate(np.random.default_rng(1))
g = rl.g_study(data, unit="lesson", facets=("observer",), score="score")
print("true components:", TRUE)
print(g.summary())'''),
         ("## The D study: how many observers?\n\n"
          "The coefficients if each lesson were scored by more observers, and the smallest "
          "number for 0.8. It assumes new observers are like these ones.",
          '''print(g.minimal_design(0.8))
rl.plots.plot_d_study(g, target=0.8)''')],
        "Single observations are unreliable; averaging over observers helps, at a cost the "
        "D-study makes explicit. Published single-observation reliabilities (Ofsted 2019, "
        "MET) are shown as context."),
    "grades-vs-context": (
        "# Grades and deprivation (synthetic, known truth)\n\nSimulated national inspections "
        "with a known dependence of grades on deprivation (its population table is known "
        "exactly, so are tau-b, gamma and Somers' d): the grade distribution by band, "
        "Kendall tau-b, Goodman-Kruskal gamma, Somers' d and a trend test, compared with "
        "the generator's truth.",
        [("## The population the data are drawn from\n\n"
          "Band x grade probabilities and the associations they imply: the truth the study "
          "compares its estimates with.",
          '''from reliability.studies.grades_vs_context import true_table, true_associations

p = true_table()
print(p.round(4))
print("population associations:", true_associations(p))''')],
        "The estimated association matches the truth; national published shares by FSM "
        "quintile are shown as context (different population)."),
    "real-grades-vs-deprivation": (
        "# Real grades and deprivation: West Midlands, August 2023\n\nOfsted's official "
        "statistics for the West Midlands (2,417 schools): grades by IDACI quintile, "
        "ordinal association and trend, by phase; how far the overall grade is one "
        "judgement (agreement with quality of education, and among the four key "
        "judgements); and previous vs latest grade.",
        [("## Read the data\n\n"
          "The file as Ofsted published it, cleaned in memory; the date matters because "
          "grades change at each inspection.",
          '''from reliability.datasets import load_ofsted_outcomes_2023_west_midlands

wm = load_ofsted_outcomes_2023_west_midlands()
print(wm.attrs["attribution"], "- data as at", wm.attrs["as_at"])'''),
         ("## Grades by IDACI quintile\n\n"
          "Shares with Wilson intervals in each quintile (5 = most deprived), Kendall's tau-b "
          "and a trend test. An association, not a cause.",
          '''res = rl.grade_context(wm["overall_effectiveness"], wm["deprivation_rank"],
                       categories=["Outstanding", "Good", "Requires improvement", "Inadequate"])
print(res.summary())
shares = res.to_frame().pivot(index="band", columns="grade", values="proportion")
shares[res.categories].plot.bar(stacked=True, ylabel="share of schools",
                                xlabel="IDACI quintile (5 = most deprived)",
                                title="Overall effectiveness by deprivation");''')],
        "Previous vs latest grade mixes real change with unreliability: its disagreement "
        "bounds from above what unreliability alone would cause; it is not a reliability "
        "estimate. National figures are context for a different population.\n\nContains "
        "public sector information licensed under the Open Government Licence v3.0."),
    "real-grades-vs-progress": (
        "# Real grades and pupils' progress: KS2 2019\n\nDfE's 2019 Key Stage 2 progress "
        "scores of about 16,000 primary schools with the school's Ofsted rating at the "
        "time: mean progress by rating, the ordinal association, and how it fades with the "
        "age of the rating.",
        [("## Mean progress by rating\n\n"
          "Mainstream schools only (special schools' progress scores are not comparable). "
          "Means hide the spread within each rating.",
          '''from reliability.datasets import load_ks2_2019_progress

ks2 = load_ks2_2019_progress()
mainstream = ks2[ks2["school_record_type"] == "mainstream"]
print(len(ks2), "schools;", len(mainstream), "mainstream")
means = mainstream.groupby("ofsted_rating", observed=True)[
    ["reading_progress", "writing_progress", "maths_progress"]].mean().round(2)
means.plot.barh(title="Mean KS2 progress by Ofsted rating", xlabel="progress score");
means''')],
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
        [("## Correlations of the areas\n\n"
          "Polychoric correlations and the effective number of independent areas, on "
          "simulated report cards whose generator is known. Simulated data say nothing about "
          "real inspections.",
          '''from reliability.datasets._report_cards import simulate_report_cards, REPORT_CARD_AREAS

cards, truth = simulate_report_cards(20_000, seed=1)
res = rl.area_structure(cards, areas=list(REPORT_CARD_AREAS), seed=1)
print(res.summary())'''),
         ("## One area by deprivation",
          '''from reliability.areas import area_context

area_context(cards, areas=["achievement"], context="idaci_quintile").to_frame()''')],
        "The areas share a strong school factor, but the effective number of independent "
        "areas is well above 1: on these (simulated) data they do not say one thing six "
        "times. Every number except ASCL's calibration is an assumption of the generator."),
    "report-cards-mi": (
        "# Report cards from a management-information file\n\nThe same questions asked of "
        "a file in the layout of Ofsted's report-card management information (a synthetic "
        "file shipped with the library; the layout is assumed, see docs/areas.md).",
        [("## Read the file and correlate the areas",
          '''from reliability.datasets import load_report_cards_synthetic_mi

cards = load_report_cards_synthetic_mi()
print(cards.attrs["columns"])
res = rl.area_structure(cards, areas=cards.attrs["areas"][:6], seed=1)
print(res.summary())'''),
         ("## Old grade against new area grade\n\n"
          "How the previous single-word grade maps onto the new achievement grade. Different "
          "instruments: the table does not say whether either is right.",
          '''from reliability.areas import framework_transition

framework_transition(cards, old="previous_overall_effectiveness", new="achievement").table''')],
        "The old single-word grade and the new achievement grade are different instruments: "
        "their table describes how one maps onto the other, not whether either is right."),
}


def _notebook(cells) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = cells
    return nb


def _steps(steps):
    cells = []
    for text, code in steps:
        cells += [nbf.v4.new_markdown_cell(text), nbf.v4.new_code_cell(code)]
    return cells


def make(name: str) -> nbf.NotebookNode:
    story, steps, conclusion = STORIES[name]
    return _notebook([
        nbf.v4.new_markdown_cell(story),
        nbf.v4.new_code_cell(SETUP),
        *_steps(steps),
        nbf.v4.new_markdown_cell("## The study: each reproduced figure beside its target\n\n"
                                 "The study runner repeats the analysis and compares each "
                                 "figure with its published value or known truth."),
        nbf.v4.new_code_cell(RUN.format(name=name)),
        nbf.v4.new_markdown_cell("## Tables, plots and assumptions"),
        nbf.v4.new_code_cell(SHOW),
        nbf.v4.new_markdown_cell("## What it shows\n\n" + conclusion),
        nbf.v4.new_code_cell(CHECK),
    ])

TUTORIAL_INTRO = (
    "# Tutorial: how reliable are inspection grades?\n\n"
    "Four questions a researcher asks of inspection judgements, each answered with a few "
    "calls on data shipped with the library (no download):\n\n"
    "1. **Do two inspectors agree?** Agreement and Cohen's kappa with a confidence interval.\n"
    "2. **How many inspectors are needed?** An ICC, then a G study and its D study.\n"
    "3. **Are some inspectors more lenient?** A mixed model with an inspector effect, its "
    "caterpillar and forest plots.\n"
    "4. **Do grades go with deprivation?** Grades by IDACI quintile, with intervals and a "
    "trend test.\n\n"
    "Every result object has `.summary()` (text), `.to_frame()` or `.to_dict()` (numbers) "
    "and, for models, `.plot()`. Install what runs this notebook with "
    "`pip install \"inspection-reliability[notebooks]\"`; the same questions without code: "
    "`reliability app` (docs/app.md).")

TUTORIAL = [
    ("## 1. Do two inspectors agree?\n\n"
     "In autumn 2016 Ofsted sent two inspectors independently to 24 short inspections; they "
     "agreed on 22 (Ofsted 2017). The published report gives only that count, so the loader "
     "rebuilds the 24 pairs from two stated assumptions: how the 2 disagreements split, and "
     "how many of the 22 agreements were \"converts to a full inspection\".",
     """from reliability.datasets import load_ofsted_2017_short_inspections

pairs = load_ofsted_2017_short_inspections(disagreement_split=(1, 1), n_converted_agreed=2)
pd.crosstab(pairs["inspector_a"], pairs["inspector_b"])"""),
    ("Percent agreement and Cohen's kappa, each with its 95% interval. Kappa corrects the "
     "agreement for what two inspectors would reach by chance with these shares of "
     "decisions. **What it does not show**: the interval covers sampling error only, not "
     "the assumptions made above.",
     """ratings = pairs[["inspector_a", "inspector_b"]]
print(rl.percent_agreement(ratings).summary())
kappa = rl.cohen_kappa(ratings)
print(kappa.summary())"""),
    ("How much does kappa depend on the unpublished detail? The same 22 of 24 under other "
     "assumptions about the agreed conversions:",
     """rows = []
for n_conv in range(1, 7):
    k = rl.cohen_kappa(load_ofsted_2017_short_inspections(
        disagreement_split=(1, 1), n_converted_agreed=n_conv)[["inspector_a", "inspector_b"]])
    rows.append({"agreed conversions": n_conv, "kappa": k.estimate,
                 "ci_low": k.ci.low, "ci_high": k.ci.high})
kappas = pd.DataFrame(rows).set_index("agreed conversions")
ax = kappas["kappa"].plot(marker="o", yerr=[kappas["kappa"] - kappas["ci_low"],
                                           kappas["ci_high"] - kappas["kappa"]],
                          capsize=3, ylim=(-0.4, 1.05), title="Kappa of 22 agreements in 24")
ax.axhline(0, color="grey", lw=0.8)
ax.set_ylabel("Cohen's kappa (95% CI)");
kappas.round(3)"""),
    ("`agreement_range` does this over every table with 22 agreements, from the published "
     "count alone:",
     """print(rl.agreement_range(22, 24).summary())"""),
    ("## 2. How many inspectors are needed?\n\n"
     "Simulated lesson observations: 40 lessons, each scored by the same 4 observers, with "
     "known variance components. The ICC says how much of the variation in one score is "
     "between lessons (the part observers agree on). ICC(A,1) is the reliability of one "
     "observer's score; ICC(A,k) of the mean of the 4.",
     """from reliability.datasets import simulate_lesson_observations

obs = simulate_lesson_observations(40, 4, 1, seed=1)
print(obs.attrs["truth"])
res = rl.icc(obs, unit="lesson", rater="observer", rating="score")
print(res.summary())"""),
    ("The G study splits the variance into lessons, observers and the rest; the D study "
     "projects the reliability of the mean of *n* observers. **What it does not show**: new "
     "observers are assumed to be like these ones, and the lessons like these lessons.",
     """g = rl.g_study(obs, unit="lesson", facets=("observer",), score="score")
print(g.summary())
print(g.minimal_design(0.8))"""),
    ("The D-study curve: reliability (E\u03c1\u00b2 for comparing lessons, \u03a6 for an absolute "
     "standard) against the number of observers, with the 0.8 target.",
     """rl.plots.plot_d_study(g, target=0.8)"""),
    ("## 3. Are some inspectors more lenient?\n\n"
     "20,000 synthetic inspections by 800 inspectors, generated with a known inspector effect "
     "(SD 0.4 on the logit scale) and small effects of the inspector's characteristics. "
     "Grades are 1 = Outstanding to 4 = Inadequate.",
     """from reliability.datasets import load_inspections_synthetic

insp = load_inspections_synthetic()
print(insp["grade"].value_counts().sort_index())
insp.head()"""),
    ("A cumulative-logit mixed model with a random intercept for each inspector (as R's "
     "`ordinal::clmm`). A positive coefficient or inspector effect means worse grades. The "
     "inspector SD is compared with 0 by a likelihood-ratio test.",
     """fit = rl.ordinal_mixed("grade ~ female + hmi + years_exp_c + (1|inspector_id)", insp)
print(fit.summary())
print("true inspector SD:", insp.attrs["truth"]["re_sd"])"""),
    ("The caterpillar plot: each inspector's estimated effect with its 95% interval, in "
     "order. With 800 inspectors the intervals are drawn as a band and only the extremes are "
     "named. **What it does not show**: a ranking. Most intervals include 0, and inspectors "
     "visit different schools, so an effect may be the schools' rather than the "
     "inspector's.",
     """fit.plot(direction=("more lenient", "harsher"))"""),
    ("The same model on the first 40 inspectors only: each has its own labelled row:",
     """some = insp[insp["inspector_id"] <= 40]
rl.ordinal_mixed("grade ~ female + (1|inspector_id)", some).plot(
    direction=("more lenient", "harsher"))"""),
    ("The fixed effects as odds ratios (above 1: worse grades), on a log axis:",
     """print(fit.odds_ratios().round(3))
fit.plot("forest", direction=("better grades", "worse grades"))"""),
    ("## 4. Do grades go with deprivation?\n\n"
     "Ofsted's official statistics for the 2,417 schools of the West Midlands, as at "
     "31 August 2023. `deprivation_rank` is the IDACI quintile with 5 = most deprived.",
     """from reliability.datasets import load_ofsted_outcomes_2023_west_midlands

wm = load_ofsted_outcomes_2023_west_midlands()
print(wm.attrs["attribution"], "- data as at", wm.attrs["as_at"])
primary = wm[wm["ofsted_phase"] == "Primary"]
len(primary)"""),
    ("The grade distribution in each quintile with Wilson intervals, Kendall's tau-b and a "
     "trend test. **What it does not show**: a cause. Schools in deprived areas differ in "
     "many ways this does not adjust for, and each grade is from the school's latest "
     "inspection, some of them years old.",
     """res = rl.grade_context(primary["overall_effectiveness"], primary["deprivation_rank"],
                       categories=["Outstanding", "Good", "Requires improvement", "Inadequate"])
print(res.summary())"""),
    ("The share of primary schools graded Requires improvement or Inadequate in each "
     "quintile, with its interval:",
     """import numpy as np
from reliability.inference import wilson_interval

bands = []
for b in res.bands:
    k = b["counts"]["Requires improvement"] + b["counts"]["Inadequate"]
    lo, hi = wilson_interval(k, b["n"])
    bands.append({"quintile": b["band"], "share": k / b["n"], "low": lo, "high": hi, "n": b["n"]})
bands = pd.DataFrame(bands).set_index("quintile")
ax = (100 * bands["share"]).plot.bar(yerr=[100 * (bands["share"] - bands["low"]),
                                           100 * (bands["high"] - bands["share"])],
                                     capsize=4, color="#D55E00",
                                     title="Primary schools below Good, West Midlands 2023")
ax.set_xlabel("IDACI quintile (1 = least deprived, 5 = most)")
ax.set_ylabel("% Requires improvement or Inadequate (95% CI)");
bands.round(3)"""),
    ("## Where next\n\n"
     "* The same questions on your own file, with a plain-English report: `reliability "
     "report` (CLI) or `reliability app` (browser).\n"
     "* Each study notebook in this folder reproduces one published result.\n"
     "* The options of every function: docs/options.md.\n\n"
     "Contains public sector information licensed under the Open Government Licence v3.0.",
     None),
]


def make_tutorial() -> nbf.NotebookNode:
    cells = [nbf.v4.new_markdown_cell(TUTORIAL_INTRO), nbf.v4.new_code_cell(SETUP)]
    for text, code in TUTORIAL:
        cells.append(nbf.v4.new_markdown_cell(text))
        if code is not None:
            cells.append(nbf.v4.new_code_cell(code))
    return _notebook(cells)



if __name__ == "__main__":
    nbf.write(make_tutorial(), HERE / "tutorial.ipynb")
    print("wrote tutorial")
    for name in STORIES:
        nbf.write(make(name), HERE / f"{name}.ipynb")
        print("wrote", name)
