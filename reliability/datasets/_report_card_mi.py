"""Reader for Ofsted management information on report-card inspections (from November 2025).

One row per school, one column per evaluation area graded on the five-point report-card
scale (:data:`reliability.scales.REPORT_CARD`), a safeguarding column (met / not met) and, where
the file has them, the previous graded inspection's judgements on the 2005-2024 scale.

No real report-card MI file could be obtained here, so the layout is an assumption modelled
on Ofsted's earlier MI files (see ``docs/datasets.md``): column names are matched by pattern
(case, spacing, hyphens and "well-being"/"wellbeing" variants ignored), so a later release with
renamed columns still loads, and both numeric codes (1 = Exceptional) and labels are read.
The shipped example ``datasets/ofsted_report_cards_synthetic_mi.csv`` is synthetic
(:func:`reliability.datasets.simulate_report_cards`), made by
``tests/data/scripts/make_report_card_mi.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError
from reliability._io import read_csv
from reliability.scales import OFSTED_GRADES, REPORT_CARD, SAFEGUARDING, label_key

__all__ = ["read_report_card_inspections", "load_report_cards_synthetic_mi",
           "REPORT_CARD_COLUMNS"]

# canonical name -> pattern on label_key(column name); "previous" columns are matched first
REPORT_CARD_COLUMNS = [
    ("urn", r"^urn$", "id"),
    ("school_name", r"^school name$", "text"),
    ("phase", r"^(ofsted )?phase$", "text"),
    ("region", r"^(ofsted )?region$", "text"),
    ("idaci_quintile", r"idaci.*quintile|quintile.*idaci", "int"),
    ("inspection_start_date", r"^(report card )?inspection (start )?date$", "date"),
    ("previous_overall_effectiveness",
     r"^previous (graded |full )?(inspection )?overall effectiveness$", "grade4"),
    ("previous_quality_of_education", r"^previous quality of education$", "grade4"),
    ("inclusion", r"^inclusion$", "grade5"),
    ("curriculum_and_teaching", r"^curriculum (and|&) teaching$", "grade5"),
    ("achievement", r"^achievement$", "grade5"),
    ("attendance_and_behaviour", r"^attendance (and|&) behavio(u)?r$", "grade5"),
    ("personal_development_and_wellbeing",
     r"^personal development( (and|&) well ?being)?$", "grade5"),
    ("leadership_and_governance", r"^leadership( (and|&) governance)?$", "grade5"),
    ("early_years", r"^early years( provision)?( \(where applicable\))?$", "grade5"),
    ("sixth_form", r"^sixth form( provision)?( \(where applicable\))?$", "grade5"),
    ("safeguarding", r"^safeguarding( standards)?( met\??)?$", "safeguarding"),
]
_MISSING = {"", "na", "n/a", "null", ".", "not judged", "not applicable", "9"}


def _to_scale(series: pd.Series, scale, column: str) -> pd.Series:
    keys = series.astype("string").map(lambda v: label_key(v) if v is not pd.NA else "")
    out = pd.Series(pd.NA, index=series.index, dtype="object")
    lookup = {label_key(lab): lab for lab in scale.labels}
    lookup.update({label_key(a): lab for a, lab in scale.aliases})
    lookup.update({str(c): lab for c, lab in zip(scale.codes, scale.labels)})
    lookup.update({f"{c}.0": lab for c, lab in zip(scale.codes, scale.labels)})
    mapped = keys.map(lookup)
    bad = mapped.isna() & ~keys.isin(_MISSING) & series.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReliabilityError(f"column {column!r} row {i + 1} has {series.iloc[i]!r}, not a "
                               f"grade of the {scale.name} scale ({', '.join(scale.labels)})")
    out[mapped.notna()] = mapped[mapped.notna()]
    return pd.Series(pd.Categorical(out, categories=list(scale.labels), ordered=True),
                     index=series.index, name=series.name)


def read_report_card_inspections(path, *, encoding=None) -> pd.DataFrame:
    """Read an Ofsted report-card MI CSV into canonical columns.

    Returns a DataFrame with the columns of :data:`REPORT_CARD_COLUMNS` that the file has:
    ``urn`` as text, each area an ordered Categorical of the report-card labels (best first),
    ``safeguarding`` Met / Not met, previous judgements on the 2005-2024 scale. The mapping of
    canonical to original column names is in ``frame.attrs["columns"]``.
    """
    raw = read_csv(path, encoding=encoding, dtype=str, keep_default_na=False)
    taken, out = {}, {}
    for canonical, pattern, kind in REPORT_CARD_COLUMNS:
        for col in raw.columns:
            if col in taken.values():
                continue
            if re.search(pattern, label_key(col)):
                taken[canonical] = col
                break
    areas = [c for c, _, k in REPORT_CARD_COLUMNS if k == "grade5" and c in taken]
    if "urn" not in taken or not areas:
        raise ReliabilityError(
            f"{path}: not a report-card MI file: need a URN column and at least one evaluation "
            f"area (inclusion, achievement, ...); columns are {list(raw.columns)[:12]}")
    for canonical, _, kind in REPORT_CARD_COLUMNS:
        if canonical not in taken:
            continue
        col = raw[taken[canonical]]
        blank = col.str.strip().str.casefold().isin(_MISSING)
        if kind == "id" or kind == "text":
            out[canonical] = col.str.strip().mask(blank)
        elif kind == "int":
            out[canonical] = pd.to_numeric(col.mask(blank), errors="coerce").astype("Int64")
        elif kind == "date":
            out[canonical] = pd.to_datetime(col.mask(blank), dayfirst=True, errors="coerce")
        elif kind == "grade5":
            out[canonical] = _to_scale(col, REPORT_CARD, taken[canonical])
        elif kind == "grade4":
            out[canonical] = _to_scale(col, OFSTED_GRADES, taken[canonical])
        else:
            out[canonical] = _to_scale(col, SAFEGUARDING, taken[canonical])
    frame = pd.DataFrame(out)
    frame.attrs["columns"] = dict(taken)
    frame.attrs["areas"] = areas
    return frame


def load_report_cards_synthetic_mi() -> pd.DataFrame:
    """The shipped synthetic report-card MI file (layout assumed; values simulated)."""
    from importlib.resources import as_file

    from reliability.datasets._files import shipped_files

    with as_file(shipped_files() / "ofsted_report_cards_synthetic_mi.csv") as p:
        return read_report_card_inspections(p)
