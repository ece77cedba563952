"""lme4-style formulas: ``"y ~ x1 + x2 + (1|group)"``.

The fixed part is built by formulaic (treatment coding, names such as
``phase[T.secondary]``); random-intercept terms ``(1|g)`` are parsed here.
Rows with a missing value in any variable used are dropped with a
:class:`~reliability._errors.DataWarning` that counts them (R's ``na.omit``).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reliability._errors import DataWarning, ReliabilityError, require_columns

_RE_TERM = re.compile(r"\(\s*([^|()]+?)\s*\|\s*([^()]+?)\s*\)")


@dataclass(frozen=True)
class Design:
    """Validated model inputs: response, fixed design, grouping codes."""

    response: str
    y: np.ndarray
    X: np.ndarray              # fixed-effect design without the intercept column
    names: list                # names of the columns of X
    has_intercept: bool
    group: str | None
    codes: np.ndarray | None   # integer group index per row
    levels: np.ndarray | None  # group labels
    n_dropped: int
    fixed_rhs: str
    frame: pd.DataFrame        # the rows used (for profiles / predictions)
    spec: object = None        # formulaic ModelSpec (to build rows for predictions)


def parse_formula(formula: str):
    """Split an lme4 formula into (response, fixed rhs, [random grouping columns])."""
    if not isinstance(formula, str) or "~" not in formula:
        raise ReliabilityError(f"formula {formula!r} must look like 'y ~ x1 + x2 + (1|group)'")
    lhs, rhs = formula.split("~", 1)
    response = lhs.strip()
    if not response:
        raise ReliabilityError(f"formula {formula!r} has no response on the left of '~'")
    groups = []
    for lhs_re, grp in _RE_TERM.findall(rhs):
        if lhs_re.strip() != "1":
            raise ReliabilityError(
                f"random term ({lhs_re}|{grp}) in {formula!r}: only random intercepts (1|group) "
                "are supported")
        groups.append(grp.strip())
    fixed = _RE_TERM.sub("", rhs)
    fixed = re.sub(r"\+\s*\+", "+", fixed)
    fixed = re.sub(r"^\s*\+|\+\s*$", "", fixed.strip()).strip()
    if not fixed:
        fixed = "1"
    return response, fixed, groups


def build_design(formula: str, data, *, require_group: bool = True) -> Design:
    """Parse ``formula`` against ``data`` (DataFrame or CSV path) into a :class:`Design`."""
    from formulaic import Formula, model_matrix

    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        from reliability._io import read_csv
        data = read_csv(data)
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    response, fixed, groups = parse_formula(formula)
    if len(groups) > 1:
        raise ReliabilityError(
            f"formula {formula!r} has {len(groups)} random terms ({', '.join(groups)}); crossed "
            "random intercepts are not implemented yet: fit one grouping factor at a time")
    if require_group and not groups:
        raise ReliabilityError(f"formula {formula!r} needs a random intercept such as (1|inspector_id)")
    try:
        needed = sorted(Formula(fixed).required_variables)
    except Exception as exc:  # formulaic's parse errors are not ValueErrors
        raise ReliabilityError(f"cannot parse the fixed part {fixed!r} of {formula!r}: {exc}") from exc
    cols = [response] + [c for c in needed if c in data.columns or c not in ("C", "np")] + groups
    cols = list(dict.fromkeys(cols))
    require_columns(data, cols)
    frame = data[cols]
    keep = frame.notna().all(axis=1).to_numpy()
    n_dropped = int((~keep).sum())
    if n_dropped:
        bad = [c for c in cols if frame[c].isna().any()]
        warnings.warn(f"dropped {n_dropped} of {len(frame)} rows with a missing value in "
                      f"{', '.join(map(repr, bad))}", DataWarning, stacklevel=3)
        frame = frame.loc[keep]
    if len(frame) == 0:
        raise ReliabilityError("no complete rows left after dropping missing values")
    frame = frame.reset_index(drop=True)
    try:
        mm = model_matrix(fixed, frame, na_action="raise")
    except Exception as exc:
        raise ReliabilityError(f"cannot build the design of {fixed!r}: {exc}") from exc
    spec = getattr(mm, "model_spec", None)
    mm = pd.DataFrame(mm)
    names = [str(c) for c in mm.columns]
    has_intercept = "Intercept" in names
    Xdf = mm.drop(columns=["Intercept"]) if has_intercept else mm
    X = np.asarray(Xdf, dtype=float)
    names = [str(c) for c in Xdf.columns]
    if not np.all(np.isfinite(X)):
        j = int(np.where(~np.isfinite(X).all(axis=0))[0][0])
        raise ReliabilityError(f"column {names[j]!r} has non-finite values")
    _check_rank(X, names, has_intercept)
    codes = levels = None
    group = groups[0] if groups else None
    if group is not None:
        codes, levels = pd.factorize(frame[group], sort=True)
        levels = np.asarray(levels)
    return Design(response=response, y=frame[response].to_numpy(), X=X, names=names,
                  has_intercept=has_intercept, group=group, codes=codes, levels=levels,
                  n_dropped=n_dropped, fixed_rhs=fixed, frame=frame, spec=spec)


def _check_rank(X, names, has_intercept):
    """Raise naming the predictors that are constant or linear combinations of others."""
    n, p = X.shape
    if p == 0:
        return
    scale = np.sqrt((X ** 2).mean(axis=0))
    scale[scale == 0] = 1.0
    Z = X / scale
    if has_intercept:
        Z = np.column_stack([np.ones(n), Z])
    # Greedy: add columns one by one; a column whose residual vanishes is aliased.
    q, r = np.linalg.qr(Z)
    d = np.abs(np.diag(r))
    tol = max(Z.shape) * np.finfo(float).eps * 1e4 * max(d.max(), 1.0)
    off = 1 if has_intercept else 0
    bad = [names[j - off] for j in range(off, Z.shape[1]) if d[j] <= tol]
    if bad:
        raise ReliabilityError(
            "collinear predictors: " + ", ".join(map(repr, bad)) + " are constant or linear "
            "combinations of earlier columns (or the intercept); drop them from the formula")
