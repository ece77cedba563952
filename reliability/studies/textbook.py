"""Textbook examples: Fleiss (1971), Shrout & Fleiss (1979), Krippendorff (2011)."""

from __future__ import annotations

from reliability.studies._core import Study

ICC_FORMS = {"ICC(1,1)": "ICC1", "ICC(2,1)": "ICC2", "ICC(3,1)": "ICC3",
             "ICC(1,4)": "ICC1k", "ICC(2,4)": "ICC2k", "ICC(3,4)": "ICC3k"}


def _estimate(res):
    """A coefficient's point estimate from an Estimate-like result or a number."""
    return float(getattr(res, "estimate", res))


def run(ctx) -> None:
    import pandas as pd

    from reliability import agreement, datasets
    from reliability.icc import icc

    ctx.source("Published example data shipped with the library (reliability.datasets): "
               "Shrout & Fleiss 1979 Table 2 (load_shrout_fleiss1979), Fleiss 1971 Table 1 "
               "(load_fleiss1971), Krippendorff 2011 section D (load_krippendorff_example).")
    res = icc(datasets.load_shrout_fleiss1979(), shape="wide")
    rows = []
    for key, form in ICC_FORMS.items():
        f = res.forms[form] if hasattr(res, "forms") else res[form]
        ctx.compare(key, f.estimate)
        rows.append({"form": key, "estimate": f.estimate, "ci_lower": f.ci[0],
                     "ci_upper": f.ci[1]})
    ctx.table("shrout-fleiss", pd.DataFrame(rows),
              caption="Shrout & Fleiss (1979): the six ICC forms (exact F-based 95% CIs)")

    fk = agreement.fleiss_kappa(datasets.load_fleiss1971(), shape="wide")
    ctx.compare("fleiss_kappa", _estimate(fk))

    kd = datasets.load_krippendorff_example()
    krows = []
    for level in ("nominal", "ordinal", "interval", "ratio"):
        a = agreement.krippendorff_alpha(kd, shape="wide", level=level)
        ctx.compare(f"alpha_{level}", _estimate(a))
        krows.append({"level": level, "alpha": _estimate(a)})
    ctx.table("krippendorff", pd.DataFrame(krows),
              caption="Krippendorff's alpha for the four levels of measurement (section D data)")
    ctx.assume("Krippendorff's ordinal metric uses the observed marginal frequencies "
               "(rank sums), as in Krippendorff (2011); other programs' 'ordinal' weights "
               "differ.")


STUDY = Study(
    name="textbook",
    title="Textbook examples: Fleiss (1971), Shrout & Fleiss (1979), Krippendorff (2011)",
    description="The classic worked examples every agreement program is checked against: "
                "Fleiss' kappa for 6 psychiatrists' diagnoses of 30 patients, the six "
                "intraclass correlations of Shrout & Fleiss' 6 x 4 table, and Krippendorff's "
                "alpha at four levels of measurement with missing data.",
    run=run,
    data="Published example tables from the three papers.",
)
