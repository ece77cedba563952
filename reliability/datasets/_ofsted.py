"""Readers for Ofsted / DfE school-inspection CSV files (real, messy, public data).

Judgement categories are ordered categoricals in Ofsted's own code order, best to worst:
``Outstanding < Good < Requires improvement < Inadequate``, so ``frame[col].cat.codes + 1`` is
Ofsted's grade (1..4) and "<" reads as "better than". Ofsted's ``9`` (not judged / not
applicable), ``8``, ``NULL``, ``Not judged`` and empty cells are missing (``NaN``). Grade
words are matched case-insensitively; the pre-2012 word ``Satisfactory`` maps to grade 3 and
``Special measures`` / ``Serious weaknesses`` (written in some files instead of 4) to grade 4.
"""

from __future__ import annotations

import re
from importlib.resources import as_file

import numpy as np
import pandas as pd

from reliability.datasets._files import shipped_files
from reliability._errors import ReliabilityError, suggest
from reliability._io import read_csv
from reliability.data import label_key
from reliability.scales import OFSTED_GRADES

__all__ = ["GRADES", "read_ofsted_inspections", "load_ofsted_outcomes_2023_west_midlands",
           "load_ks2_2019_progress", "OGL_ATTRIBUTION", "RATING_REFERENCE_DATE"]

GRADES = OFSTED_GRADES.labels
GRADE_DTYPE = pd.CategoricalDtype(list(GRADES), ordered=True)
OGL_ATTRIBUTION = ("Contains public sector information licensed under the Open Government "
                   "Licence v3.0.")
#: Start of the 2019/20 school year: the date the 2018/19 KS2 results are "as at" for
#: ``rating_age_years`` (results were published in the autumn of 2019).
RATING_REFERENCE_DATE = pd.Timestamp("2019-09-01")

_TEXT_GRADES = {label_key(lab): OFSTED_GRADES.code_of(lab)
                for lab in (*OFSTED_GRADES.labels, *(a for a, _ in OFSTED_GRADES.aliases))}

# canonical name -> (regex on the lower-cased, whitespace-collapsed column name, kind)
# Order matters: the first canonical name whose pattern matches a column claims it.
_COLUMNS = [
    ("urn", r"^urn$", "id"),
    ("laestab", r"^laestab$", "id"),
    ("school_name", r"^school name$", "text"),
    ("ofsted_phase", r"^(ofsted )?phase$", "text"),
    ("type_of_education", r"^type of education$", "text"),
    ("ofsted_region", r"^ofsted region$", "text"),
    ("region", r"^region$", "text"),
    ("local_authority", r"^local authority$", "text"),
    ("idaci_quintile", r"idaci.*quintile|quintile.*idaci", "int"),
    ("total_pupils", r"^total (number of )?pupils$", "int"),
    ("previous_inspection_number", r"^previous (graded )?inspection number$", "text"),
    ("previous_inspection_start_date", r"^previous (graded )?inspection start date$", "date"),
    ("previous_inspection_end_date", r"^previous (graded )?inspection end date$", "date"),
    ("previous_publication_date", r"^previous (graded inspection )?publication date$", "date"),
    ("previous_overall_effectiveness",
     r"^previous (graded |full )?(inspection )?overall effectiveness$", "grade"),
    ("previous_category_of_concern", r"^previous category of concern$", "text"),
    ("previous_quality_of_education", r"^previous quality of education$", "grade"),
    ("previous_behaviour_and_attitudes", r"^previous behaviour and attitudes$", "grade"),
    ("previous_personal_development", r"^previous personal development$", "grade"),
    ("previous_leadership_and_management",
     r"^previous (effectiveness of )?leadership and management$", "grade"),
    ("previous_safeguarding_effective", r"^previous safeguarding is effective\??$", "yesno"),
    ("previous_early_years_provision", r"^previous early years provision", "grade"),
    ("previous_sixth_form_provision", r"^previous sixth form provision", "grade"),
    ("inspection_number", r"^inspection number( of latest (graded |full )?inspection)?$", "text"),
    ("inspection_type", r"^inspection type$", "text"),
    ("inspection_start_date", r"^inspection start date( of latest (graded |full )?inspection)?$",
     "date"),
    ("inspection_end_date", r"^inspection end date( of latest (graded |full )?inspection)?$",
     "date"),
    ("publication_date", r"^publication date( of latest (graded |full )?inspection)?$", "date"),
    ("overall_effectiveness", r"^overall effectiveness$", "grade"),
    ("category_of_concern", r"^category of concern$", "text"),
    ("quality_of_education", r"^quality of education$", "grade"),
    ("behaviour_and_attitudes", r"^behaviour and attitudes$", "grade"),
    ("personal_development", r"^personal development$", "grade"),
    ("leadership_and_management", r"^(effectiveness of )?leadership and management$", "grade"),
    ("safeguarding_effective", r"^safeguarding is effective\??$", "yesno"),
    ("early_years_provision", r"^early years provision", "grade"),
    ("sixth_form_provision", r"^sixth form provision", "grade"),
]
#: Canonical columns that must be found in every file.
REQUIRED = ("urn", "overall_effectiveness", "inspection_start_date")
_PUBLISHED_NAMES = {
    "urn": "URN", "overall_effectiveness": "Overall effectiveness",
    "inspection_start_date": "Inspection start date",
}

# Windows-1252 bytes 0x80-0x9F that were decoded as Latin-1 upstream end up as the C1 control
# characters U+0080-U+009F (e.g. an en dash shows as '\x96'); map them back.
_C1_FIX = {}
for _b in range(0x80, 0xA0):
    try:
        _C1_FIX[_b] = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        pass


def _norm(name) -> str:
    return re.sub(r"\s+", " ", str(name).strip().lower())


def _snake(name) -> str:
    s = re.sub(r"[^0-9a-z]+", "_", _norm(name)).strip("_")
    return s or "column"


def _to_int(series: pd.Series, column: str) -> pd.Series:
    num = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & (num.isna() | (num.notna() & (num % 1 != 0)))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReliabilityError(
            f"column {column!r} must hold whole numbers; row {row + 1} has {series.iloc[row]!r}")
    return num.astype("Int64")


def _to_grade(series: pd.Series):
    """Map codes 1-4 or grade words to the ordered categorical; count what became missing."""
    text = series.astype("string").str.strip().str.lower()
    num = pd.to_numeric(text, errors="coerce")
    code = num.where(num.isin([1, 2, 3, 4]))
    code = code.fillna(text.map({u: _TEXT_GRADES.get(label_key(u)) for u in text.dropna().unique()}))
    out = pd.Categorical.from_codes(code.fillna(0).astype(int).to_numpy() - 1, dtype=GRADE_DTYPE)
    not_judged = int((series.notna() & code.isna()).sum())
    return pd.Series(out, index=series.index), not_judged


def _to_date(series: pd.Series, column: str):
    text = series.astype("string").str.strip()
    out = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    bad = int((text.notna() & out.isna()).sum())
    return out, bad


def _to_yesno(series: pd.Series):
    text = series.astype("string").str.strip().str.lower()
    out = text.map({"yes": True, "no": False}).astype("boolean")
    return out, int((series.notna() & out.isna()).sum())


def _is_report_card_layout(columns) -> bool:
    from reliability.datasets._report_card_mi import REPORT_CARD_COLUMNS

    keys = [label_key(c) for c in columns]
    # areas that exist only in report cards (early years, sixth form and personal development
    # are judged in both frameworks)
    only_new = ("inclusion", "curriculum_and_teaching", "achievement", "attendance_and_behaviour")
    areas = [p for name, p, _ in REPORT_CARD_COLUMNS if name in only_new]
    return any(re.search(r"^urn$", k) for k in keys) and any(
        re.search(p, k) for p in areas for k in keys)


def read_ofsted_inspections(path, *, encoding=None, idaci_most_deprived: int = 5) -> pd.DataFrame:
    """Read an Ofsted schools management-information / official-statistics CSV into a tidy frame.

    One row per school, with the latest and previous graded-inspection judgements. Columns are
    matched by pattern (case- and whitespace-insensitive), so releases that rename
    ``"IDACI quintile"`` to ``"The income deprivation affecting children index (IDACI)
    quintile"`` or ``"Previous full inspection overall effectiveness"`` to ``"Previous graded
    inspection overall effectiveness"`` give the same schema.

    Both frameworks load from this one call: a report-card MI file (one column per evaluation
    area on the five-point scale, no overall grade; from November 2025) is recognised by its
    columns and read by :func:`read_report_card_inspections` (``attrs["framework"]`` is
    ``"report_card_2025"``; ``"ofsted_2005"`` for the graded framework).

    Parameters
    ----------
    path : str or path-like
        The CSV file (only read, never written; no network access).
    encoding : str, optional
        Default: UTF-8, then Windows-1252 (Ofsted's original releases are Windows-1252).
    idaci_most_deprived : {5, 1}
        Which IDACI quintile is the most deprived. Ofsted's files do not say; in the West
        Midlands 2023 file the below-Good share rises with the quintile, implying 5.

    Returns
    -------
    DataFrame
        Canonical columns first, always present (all-missing if the file lacks them): ``urn``
        (Int64), ``laestab``, ``school_name``, ``ofsted_phase``, ``type_of_education``,
        ``ofsted_region``, ``region``, ``local_authority``, ``idaci_quintile`` (Int64, as
        published), ``deprivation_rank`` (Int64, 1 = least deprived ... 5 = most deprived),
        ``total_pupils``, latest inspection (``inspection_number``, ``inspection_type``,
        ``inspection_start_date``, ``inspection_end_date``, ``publication_date``,
        ``overall_effectiveness``, ``category_of_concern``, ``quality_of_education``,
        ``behaviour_and_attitudes``, ``personal_development``, ``leadership_and_management``,
        ``safeguarding_effective`` (boolean), ``early_years_provision``,
        ``sixth_form_provision``), and the same
        with a ``previous_`` prefix. Every other column follows, its name in snake_case
        (values as read, ids/texts unchanged apart from the C1 fix below).

    Cleaning steps
    --------------
    1. ``NULL`` and empty cells are missing; leading pandas index columns (``Unnamed: 0``)
       are dropped.
    2. Ids (URN, LAESTAB) and counts become integers (``103120.0`` -> ``103120``); a
       non-integral id raises :class:`ReliabilityError` naming the row.
    3. Dates DD/MM/YYYY -> datetime64; unparseable dates become NaT (counted).
    4. Judgements: codes 1-4 or the grade words -> ordered categorical (best to worst, see
       the module notes); ``9``/``8``/``Not judged``/other -> missing (counted).
    5. ``Safeguarding is effective?`` Yes/No -> True/False, ``9`` -> missing.
    6. Text: Windows-1252 bytes mis-decoded upstream as C1 control characters (``\\x96``) are
       replaced by the intended character (``\\x96`` -> en dash); count in ``attrs``.

    ``frame.attrs["cleaning"]`` records counts of every step; ``attrs["column_map"]`` maps
    canonical names to the published column names found.

    Raises
    ------
    ReliabilityError
        If a required column (URN, Overall effectiveness, Inspection start date) is missing
        (the message names it and suggests the closest column), or if
        ``idaci_most_deprived`` is not 1 or 5.
    """
    if idaci_most_deprived not in (1, 5):
        raise ReliabilityError(
            f"idaci_most_deprived must be 1 or 5; got {idaci_most_deprived!r}")
    raw = read_csv(path, encoding=encoding, dtype=str, na_values=["NULL", "null"],
                   keep_default_na=True)
    index_cols = [c for c in raw.columns if re.fullmatch(r"Unnamed: \d+", str(c))]
    raw = raw.drop(columns=index_cols)
    cleaning = {"index_columns_dropped": len(index_cols)}

    # C1 fix on all text
    n_c1 = 0
    for col in raw.columns:
        s = raw[col]
        has = s.str.contains("[\x80-\x9f]", regex=True, na=False)
        if has.any():
            n_c1 += int(has.sum())
            raw.loc[has, col] = s[has].str.translate(_C1_FIX)
    cleaning["cells_c1_characters_fixed"] = n_c1

    claimed: dict[str, str] = {}
    used = set()
    norm = {c: _norm(c) for c in raw.columns}
    for canon, pattern, _kind in _COLUMNS:
        for col in raw.columns:
            if col not in used and re.search(pattern, norm[col]):
                claimed[canon] = col
                used.add(col)
                break
    missing = [c for c in REQUIRED if c not in claimed]
    if missing and "overall_effectiveness" in missing and _is_report_card_layout(raw.columns):
        # a report-card MI file (from November 2025): no overall grade, one column per area
        from reliability.datasets._report_card_mi import read_report_card_inspections

        frame = read_report_card_inspections(path, encoding=encoding)
        frame.attrs["framework"] = "report_card_2025"
        return frame
    if missing:
        names = [_PUBLISHED_NAMES[c] for c in missing]
        free = [c for c in raw.columns if c not in used]
        hints = "; ".join(f"{n!r}{suggest(n, free)}" for n in names)
        raise ReliabilityError(
            f"required column(s) not found in {path}: {hints}; columns present: "
            + ", ".join(map(repr, list(raw.columns)[:15])) + (" ..." if raw.shape[1] > 15 else ""))

    out = {}
    not_judged, bad_dates = {}, {}
    for canon, _pattern, kind in _COLUMNS:
        col = claimed.get(canon)
        s = raw[col] if col is not None else pd.Series(pd.NA, index=raw.index, dtype="string")
        if kind == "id" or kind == "int":
            out[canon] = _to_int(s, col or canon)
        elif kind == "text":
            out[canon] = s.astype("string").str.strip()
        elif kind == "date":
            out[canon], bad = _to_date(s, col or canon)
            if bad:
                bad_dates[canon] = bad
        elif kind == "grade":
            out[canon], nj = _to_grade(s)
            not_judged[canon] = nj
        elif kind == "yesno":
            out[canon], nj = _to_yesno(s)
            not_judged[canon] = nj
        if canon == "idaci_quintile":
            q = out[canon]
            bad = q.notna() & ~q.isin([1, 2, 3, 4, 5])
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise ReliabilityError(
                    f"column {col!r}: IDACI quintile must be 1-5; row {row + 1} has {q.iloc[row]}")
            out["deprivation_rank"] = q if idaci_most_deprived == 5 else 6 - q
    frame = pd.DataFrame(out, index=raw.index)
    for col in raw.columns:
        if col not in used:
            name = _snake(col)
            while name in frame.columns:
                name += "_raw"
            frame[name] = raw[col]
    cleaning["judgement_cells_not_judged_or_missing_code"] = not_judged
    cleaning["unparseable_dates"] = bad_dates
    cleaning["rows_without_graded_inspection"] = int(frame["overall_effectiveness"].isna().sum()
                                                     - not_judged.get("overall_effectiveness", 0))
    frame = frame.reset_index(drop=True)
    frame.attrs.update({
        "column_map": {k: claimed.get(k) for k, _p, _k in _COLUMNS},
        "cleaning": cleaning,
        "idaci_most_deprived": idaci_most_deprived,
        "framework": "ofsted_2005",
        "grade_order": "best to worst: Outstanding < Good < Requires improvement < Inadequate "
                       "(category code + 1 = Ofsted grade)",
    })
    return frame


def _shipped(name):
    return shipped_files().joinpath(name)


def load_ofsted_outcomes_2023_west_midlands(*, idaci_most_deprived: int = 5) -> pd.DataFrame:
    """West Midlands schools in Ofsted's "State-funded schools inspections and outcomes as at
    31 August 2023" (official statistics published 14 November 2023).

    2,417 open state-funded schools (all phases), one row per school, with the latest graded
    inspection (to July 2023), the previous graded inspection and the latest ungraded one.

    Source: Ofsted official statistics; file as saved by github.com/foomatia/Project_3,
    ``Resources/west_midlands_df.csv`` (commit a40bbca73f49e893140711fb587454a4ac696edc),
    shipped byte-for-byte as ``ofsted_outcomes_2023-08-31_west_midlands.csv`` (sha256
    0bdf4cf8651275efde666c3d498996e2ab8db41faba83c5d10fc9e43fa497f46).
    Licence: Crown copyright, Open Government Licence v3.0. "Contains public sector
    information licensed under the Open Government Licence v3.0." Show the date of any grade
    you display: grades change at each inspection. Data as at 31 August 2023.

    Cleaning: everything :func:`read_ofsted_inspections` does, which for this file means:
    the pandas index column ``Unnamed: 0`` is dropped; float ids (``103120.0``) become
    integers; DD/MM/YYYY dates are parsed; ``9`` (not judged: the four key judgements exist
    only under the 2019 framework) becomes missing; ``Safeguarding is effective?`` Yes/No/9
    becomes True/False/missing; the category text ``Schools \\x96 Section 8 conversion``
    (a Windows-1252 en dash mis-decoded upstream) becomes ``Schools – Section 8 conversion``;
    the 22 schools without a graded inspection have all judgements missing.

    Parameters
    ----------
    idaci_most_deprived : {5, 1}
        Which IDACI quintile is the most deprived. The file does not say; the data imply 5
        (the below-Good share rises with the quintile). ``deprivation_rank`` (1 = least
        deprived, 5 = most) is derived from this choice; ``idaci_quintile`` is as published.
    """
    with as_file(_shipped("ofsted_outcomes_2023-08-31_west_midlands.csv")) as p:
        frame = read_ofsted_inspections(p, encoding="utf-8",
                                        idaci_most_deprived=idaci_most_deprived)
    frame.attrs.update({
        "source": "Ofsted, State-funded schools inspections and outcomes as at 31 August 2023 "
                  "(West Midlands rows); via github.com/foomatia/Project_3 "
                  "a40bbca73f49e893140711fb587454a4ac696edc",
        "licence": "Open Government Licence v3.0",
        "attribution": OGL_ATTRIBUTION,
        "as_at": "2023-08-31",
    })
    return frame


_KS2_PROGRESS = {"READPROG": "reading", "WRITPROG": "writing", "MATPROG": "maths"}


def load_ks2_2019_progress(*, reference_date=RATING_REFERENCE_DATE) -> pd.DataFrame:
    """Key Stage 2 progress scores 2018/19 for 16,355 primary schools in England, with the
    school's Ofsted rating at that time.

    Source: DfE 2018/19 KS2 performance tables (final), as saved by github.com/waiky8/eng-schools,
    ``england_ks2final.csv`` (commit 71cbd5ac63503feae00c4ae5caeeeab02166f6d7), shipped
    byte-for-byte as ``ks2_2019_progress_with_ofsted_rating.csv`` (sha256
    5c07eeb9d0cf525c1bef707e3db2f455a1daf4eda24ee2f6a006f43700c131e6). The Ofsted rating and
    its date were read from Ofsted's published reports by that repository's own script, not
    taken from an Ofsted statistics file. Licence: Open Government Licence v3.0. "Contains
    public sector information licensed under the Open Government Licence v3.0."

    Returns
    -------
    DataFrame
        ``urn`` (Int64), ``school_name``, ``postcode``, ``postcode_district``, ``town``,
        ``school_record_type`` (categorical mainstream/special), ``school_type``, ``gender``,
        ``religion``, ``phase``, ``latitude``, ``longitude``, ``web``,
        ``{reading,writing,maths}_progress`` (float, 0 = national average),
        ``{reading,writing,maths}_progress_band`` (Int64 1-5 as published),
        ``ofsted_rating`` (ordered categorical, best to worst), ``inspection_date``
        (datetime64), ``rating_age_years`` (years from ``inspection_date`` to
        ``reference_date``; negative if the inspection came after it).

    Cleaning steps
    --------------
    1. ``RECTYPE`` 1/2 -> ``school_record_type`` mainstream/special.
    2. Progress columns are text because of ``SUPP`` (suppressed, small cohorts), ``LOWCOV``
       (low coverage: too few pupils with KS1 results) and blanks: all become NaN; counts are
       in ``attrs["suppressed"]``, ``attrs["other_codes"]`` and ``attrs["blank"]``. Bands
       (``*_DESCR``) that are not numbers become missing.
    3. ``OFSTEDRATING`` -> ordered categorical (``Requires Improvement`` spelt as Ofsted's
       ``Requires improvement``); empty (no rating found: 2,671 schools) -> missing.
    4. ``INSPECTIONDT`` YYYYMMDD floats -> dates.
    5. ``COLOUR1``/``COLOUR2`` (plot colours added by the source repository) are dropped.

    Parameters
    ----------
    reference_date : date-like
        Date the rating's age is measured to (default 2019-09-01, the start of the school
        year in which the 2018/19 results were published). The age varies from months to
        13 years: a confounder for any validity analysis.
    """
    with as_file(_shipped("ks2_2019_progress_with_ofsted_rating.csv")) as p:
        raw = read_csv(p, encoding="utf-8", dtype=str)
    ref = pd.Timestamp(reference_date)
    out = pd.DataFrame({
        "urn": _to_int(raw["URN"], "URN"),
        "school_name": raw["SCHNAME"].astype("string"),
        "postcode": raw["PCODE"].astype("string"),
        "postcode_district": raw["PCODE2"].astype("string"),
        "town": raw["TOWN"].astype("string"),
        "school_record_type": pd.Categorical(
            raw["RECTYPE"].map({"1": "mainstream", "2": "special"}),
            categories=["mainstream", "special"]),
        "school_type": raw["SCHTYPE"].astype("string"),
        "gender": raw["GENDER"].astype("string"),
        "religion": raw["RELIGION"].astype("string"),
        "phase": raw["PHASE"].astype("string"),
        "latitude": pd.to_numeric(raw["LATITUDE"]),
        "longitude": pd.to_numeric(raw["LONGITUDE"]),
        "web": raw["WEB"].astype("string"),
    })
    bad_type = raw["RECTYPE"].notna() & out["school_record_type"].isna()
    if bad_type.any():
        row = int(np.flatnonzero(bad_type.to_numpy())[0])
        raise ReliabilityError(f"RECTYPE must be 1 or 2; row {row + 1} has {raw['RECTYPE'][row]!r}")
    suppressed, blank, other_codes = {}, {}, {}
    for col, subject in _KS2_PROGRESS.items():
        text = raw[col].str.strip()
        num = pd.to_numeric(text, errors="coerce")
        suppressed[f"{subject}_progress"] = int((text == "SUPP").sum())
        blank[f"{subject}_progress"] = int(text.isna().sum())
        codes = text[text.notna() & num.isna()].value_counts()
        other_codes[f"{subject}_progress"] = {str(k): int(v) for k, v in codes.items()
                                              if k != "SUPP"}
        out[f"{subject}_progress"] = num
        band = raw[f"{col}_DESCR"].str.strip()
        out[f"{subject}_progress_band"] = pd.to_numeric(band, errors="coerce").astype("Int64")
    out["ofsted_rating"], _ = _to_grade(raw["OFSTEDRATING"])
    date_num = pd.to_numeric(raw["INSPECTIONDT"])
    out["inspection_date"] = pd.to_datetime(
        date_num.astype("Int64").astype("string"), format="%Y%m%d", errors="raise")
    out["rating_age_years"] = (ref - out["inspection_date"]).dt.days / 365.25
    out.attrs.update({
        "source": "DfE 2018/19 KS2 performance tables; Ofsted rating scraped by "
                  "github.com/waiky8/eng-schools 71cbd5ac63503feae00c4ae5caeeeab02166f6d7",
        "licence": "Open Government Licence v3.0",
        "attribution": OGL_ATTRIBUTION,
        "suppressed": suppressed,
        "blank": blank,
        "other_codes": other_codes,
        "n_without_rating": int(out["ofsted_rating"].isna().sum()),
        "reference_date": str(ref.date()),
        "grade_order": "best to worst: Outstanding < Good < Requires improvement < Inadequate",
    })
    return out
