"""lme4-style formulas: ``"y ~ x1 + x2 + (1|group)"``, ``"... + (1|inspector) + (1|school)"``.

The fixed part is built by formulaic (treatment coding, names such as
``phase[T.secondary]``); random terms are parsed here: ``(1|g)``, several of them
(crossed or nested factors), ``(1|a:b)`` (one level per observed combination of a and b)
and ``(1|a/b)``, lme4's shorthand for ``(1|a) + (1|a:b)``; random slopes for one grouping
factor: ``(1 + x|g)`` (correlated), ``(1|g) + (0 + x|g)`` and ``(1 + x||g)`` (uncorrelated).
Rows with a missing value in any variable used are dropped with a
:class:`~reliability._errors.DataWarning` that counts them (R's ``na.omit``).

Formulas are untrusted input (they arrive from files, web forms and colleagues): formulaic
evaluates each term with Python's ``eval``, so every term of the fixed part is parsed with
:mod:`ast` first and refused unless it uses only the data's columns, numbers, arithmetic and
the transforms in :data:`ALLOWED_TRANSFORMS`; it is then evaluated with that allow-list as its
only context. See ``docs/models.md``.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reliability._errors import DataWarning, ReliabilityError, require_columns, show

#: Transforms a formula may call (formulaic's own, plus ``sqrt``/``abs``/``log1p``), and the
#: contrast constructors usable inside ``C()``. Nothing else is callable from a formula.
ALLOWED_TRANSFORMS = ("C", "I", "Q", "log", "log2", "log10", "log1p", "exp", "exp2", "exp10",
                      "sqrt", "abs", "center", "scale", "standardize", "poly", "bs", "cr", "cs",
                      "cc", "lag", "Treatment", "Sum", "Helmert", "Poly", "Diff")
_ALLOWED_CONTRASTS = ("treatment", "sum", "helmert", "poly", "diff")
_SAFE_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_SAFE_UNARY = (ast.UAdd, ast.USub, ast.Not)
_SAFE_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_MAX_CONSTANT_EXPONENT = 100


class UnsafeFormulaError(ReliabilityError):
    """A formula term that could run code: anything beyond columns, numbers and allowed transforms."""


def _refuse(term, why):
    raise UnsafeFormulaError(
        f"formula term {term!r} is not allowed ({why}): formulas may use the data's columns, "
        "numbers, + - * / ** and the transforms " + ", ".join(ALLOWED_TRANSFORMS))


def _is_constant_tree(node) -> bool:
    return all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp)) or
               isinstance(n, (ast.operator, ast.unaryop)) for n in ast.walk(node))


def _check_python_term(expr: str, columns) -> set:
    """Refuse a formulaic python-evaluated term unless every node is on the allow-list.

    The walk is an allow-list, not a deny-list: attribute access, subscripts, lambdas,
    comprehensions, starred and keyword-splat arguments, f-strings and any name that is neither
    a column nor an allowed transform are refused, so ``np.os.system``, ``x.__class__``,
    ``getattr``, ``open`` or ``__import__`` never reach ``eval``.
    """
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        _refuse(expr, f"not an expression: {exc.msg}")
    cols = set(map(str, columns))
    used = set()

    def visit(node, *, callee=False):
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str, bool, type(None))):
                _refuse(expr, f"constant {node.value!r}")
            return
        if isinstance(node, ast.Name):
            if "__" in node.id:
                _refuse(expr, f"name {node.id!r}")
            if callee:
                if node.id not in ALLOWED_TRANSFORMS:
                    _refuse(expr, f"{node.id!r} is not an allowed transform")
            elif node.id not in cols:
                _refuse(expr, f"{node.id!r} is not a column of the data")
            else:
                used.add(node.id)
            return
        if isinstance(node, ast.Attribute):
            # only contr.treatment(...) and its siblings, the spelling formulaic documents
            if (callee and isinstance(node.value, ast.Name) and node.value.id == "contr"
                    and node.attr in _ALLOWED_CONTRASTS):
                return
            _refuse(expr, f"attribute access '.{node.attr}'")
        if isinstance(node, ast.Call):
            visit(node.func, callee=True)
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name == "Q" and not (len(node.args) == 1 and not node.keywords
                                    and isinstance(node.args[0], ast.Constant)
                                    and node.args[0].value in cols):
                _refuse(expr, "Q() takes one quoted column name")
            if name == "Q":
                used.add(node.args[0].value)
            for a in node.args:
                if isinstance(a, ast.Starred):
                    _refuse(expr, "starred argument")
                visit(a)
            for k in node.keywords:
                if k.arg is None or "__" in k.arg:
                    _refuse(expr, "keyword unpacking")
                visit(k.value)
            return
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _SAFE_BINOPS):
                _refuse(expr, f"operator {type(node.op).__name__}")
            for side in (node.left, node.right):
                if isinstance(side, (ast.List, ast.Tuple)) or (
                        isinstance(side, ast.Constant) and isinstance(side.value, str)):
                    _refuse(expr, "arithmetic on text or lists")
            if isinstance(node.op, ast.Pow) and _is_constant_tree(node.left) \
                    and _is_constant_tree(node.right):
                _refuse(expr, "a power of two constants")
            if isinstance(node.op, ast.Pow) and _is_constant_tree(node.right):
                # 9**9**9 would hang the process: constant exponents are bounded
                if not (isinstance(node.right, ast.Constant)
                        and isinstance(node.right.value, (int, float))
                        and abs(node.right.value) <= _MAX_CONSTANT_EXPONENT):
                    _refuse(expr, f"constant exponents are limited to {_MAX_CONSTANT_EXPONENT}")
            visit(node.left)
            visit(node.right)
            return
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _SAFE_UNARY):
                _refuse(expr, f"operator {type(node.op).__name__}")
            return visit(node.operand)
        if isinstance(node, ast.Compare):
            if not all(isinstance(o, _SAFE_COMPARE) for o in node.ops):
                _refuse(expr, "comparison operator")
            visit(node.left)
            for c in node.comparators:
                visit(c)
            return
        if isinstance(node, (ast.List, ast.Tuple)):
            for e in node.elts:
                if not isinstance(e, ast.Constant):
                    _refuse(expr, "lists may hold constants only")
                visit(e)
            return
        _refuse(expr, f"{type(node).__name__} expressions")

    visit(tree)
    return used


def check_fixed_part(fixed: str, columns):
    """Parse the fixed part with formulaic and refuse any term outside the allow-list.

    Returns the sorted data columns the fixed part uses (formulaic's ``required_variables``
    misses those inside stateful transforms such as ``center(x)``).
    """
    from formulaic import Formula
    from formulaic.parser.types import Factor

    try:
        parsed = Formula(fixed)
    except Exception as exc:  # formulaic's parse errors are not ValueErrors
        raise ReliabilityError(f"cannot parse the fixed part {fixed!r}: {exc}") from exc
    cols = set(map(str, columns))
    used = set()
    for term in parsed:
        for factor in term.factors:
            if factor.eval_method == Factor.EvalMethod.PYTHON:
                used |= _check_python_term(factor.expr, cols)
            elif factor.eval_method == Factor.EvalMethod.LOOKUP:
                if factor.expr not in cols:
                    require_columns(pd.DataFrame(columns=list(columns)), [factor.expr])
                used.add(factor.expr)
    return sorted(used)


def formula_context():
    """The only names a formula term can see besides the columns (formulaic adds its own
    transforms, which the AST check has already limited to the allow-list)."""
    return {"sqrt": np.sqrt, "abs": np.abs, "log1p": np.log1p, "__builtins__": {}}


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warn_at_caller(message, category):
    """Warn at the caller's line: the first frame outside the library (decorators and
    helpers make a fixed ``stacklevel`` point inside it)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _PACKAGE_DIR + os.sep):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_RE_TERM = re.compile(r"\(\s*([^|()]+?)\s*(\|\|?)\s*([^|()]+?)\s*\)")


@dataclass(frozen=True)
class Design:
    """Validated model inputs: response, fixed design, grouping codes."""

    response: str
    y: np.ndarray
    X: np.ndarray              # fixed-effect design without the intercept column
    names: list                # names of the columns of X
    has_intercept: bool
    groups: tuple              # names of the random-intercept factors, in formula order
    codes: tuple               # integer level index per row, one array per factor
    levels: tuple              # level labels, one array per factor
    n_dropped: int
    fixed_rhs: str
    frame: pd.DataFrame        # the rows used (for profiles / predictions)
    spec: object = None        # formulaic ModelSpec (to build rows for predictions)
    rows: np.ndarray = None    # 1-based row number in the input of each row used (errors)
    predictors: tuple = ()     # data columns the fixed part uses
    slopes: object = None      # SlopeDesign when a random term has slopes (one factor)
    membership: object = None  # MembershipDesign of a (1 | mm(a, b, c)) term


@dataclass(frozen=True)
class RandomSpec:
    """One random term after expansion: ``lhs`` is "1" (an intercept), "1 + x" or "0 + x"."""

    lhs: str
    group: str

    @property
    def intercept_only(self) -> bool:
        return self.lhs == "1"

    def __str__(self) -> str:
        return f"({self.lhs} | {self.group})"


@dataclass(frozen=True)
class SlopeDesign:
    """The random part of a model with random slopes for ONE grouping factor.

    ``Z`` holds the q effect columns (formula order; ``(Intercept)`` for an intercept),
    ``blocks`` the indices of the effects in each covariance block (one block per term;
    effects of different blocks are uncorrelated), ``specs`` the formulaic specs of the
    terms (to build the columns of new rows).
    """

    group: str
    Z: np.ndarray
    effects: tuple
    blocks: tuple
    specs: tuple
    terms: tuple


def _split_lhs(lhs, grp, formula):
    """(intercept?, [slope terms]) of a random term's left side, lme4's rules: an intercept
    unless ``0`` or ``-1`` says otherwise."""
    text = lhs.strip()
    intercept = True
    if re.search(r"(^|[+\s])-\s*1\s*($|\+)", text):
        intercept = False
        text = re.sub(r"-\s*1\s*($|(?=\+))", "", text).strip()
        text = re.sub(r"\+\s*\+", "+", text).strip("+ ") or "0"
    tokens = [t.strip() for t in text.split("+")]
    if any(not t for t in tokens):
        raise ReliabilityError(f"random term ({lhs}|{grp}) in {formula!r} has an empty effect")
    slopes = []
    for t in tokens:
        if t == "1":
            intercept = True
        elif t == "0":
            intercept = False
        else:
            slopes.append(t)
    if not intercept and not slopes:
        raise ReliabilityError(f"random term ({lhs}|{grp}) in {formula!r} has no effect: use "
                               "(1|group) for a random intercept")
    return intercept, slopes


def parse_terms(formula: str):
    """Split an lme4 formula into (response, fixed rhs, [RandomSpec]).

    ``(1|g)``, ``(1 + x|g)`` (correlated intercept and slope), ``(x|g)`` (the same: lme4's
    implicit intercept), ``(0 + x|g)`` (a slope alone), ``(1 + x||g)`` (lme4's shorthand for
    ``(1|g) + (0 + x|g)``: uncorrelated), ``(1|a:b)`` and ``(1|a/b)`` = ``(1|a) + (1|a:b)``.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise ReliabilityError(f"formula {formula!r} must look like 'y ~ x1 + x2 + (1|group)'")
    lhs, rhs = formula.split("~", 1)
    response = lhs.strip()
    if not response:
        raise ReliabilityError(f"formula {formula!r} has no response on the left of '~'")
    terms = []
    for lhs_re, bar, grp in _RE_TERM.findall(rhs):
        parts = [p.strip() for p in grp.split("/")]
        if any(not p or any(not c.strip() for c in p.split(":")) for p in parts):
            raise ReliabilityError(f"random term ({lhs_re}|{grp}) in {formula!r} has an empty "
                                   "factor name")
        intercept, slopes = _split_lhs(lhs_re, grp, formula)
        if bar == "||":
            lhss = (["1"] if intercept else []) + [f"0 + {t}" for t in slopes]
        elif slopes:
            lhss = [("1 + " if intercept else "0 + ") + " + ".join(slopes)]
        else:
            lhss = ["1"]
        # (1|a/b/c) = (1|a) + (1|a:b) + (1|a:b:c), as lme4
        for j in range(len(parts)):
            name = ":".join(c.strip() for p in parts[:j + 1] for c in p.split(":"))
            for text in lhss:
                spec = RandomSpec(text, name)
                if spec.intercept_only and spec in terms:
                    raise ReliabilityError(f"random term (1|{name}) appears twice in {formula!r}")
                terms.append(spec)
    fixed = _RE_TERM.sub("", rhs)
    fixed = re.sub(r"\+(\s*\+)+", "+", fixed)
    fixed = re.sub(r"^\s*\+|\+\s*$", "", fixed.strip()).strip()
    if not fixed:
        fixed = "1"
    return response, fixed, terms


def has_random_slopes(formula) -> bool:
    """True when ``formula`` (a string) has a random term other than ``(1|g)``."""
    if not isinstance(formula, str) or "~" not in formula:
        return False
    try:
        return any(not t.intercept_only for t in parse_terms(formula)[2])
    except ReliabilityError:
        return False


def parse_formula(formula: str):
    """Split an lme4 formula into (response, fixed rhs, [random-intercept grouping columns]).

    Random-intercept formulas only; :func:`parse_terms` also parses random slopes.
    """
    response, fixed, terms = parse_terms(formula)
    for t in terms:
        if not t.intercept_only:
            raise ReliabilityError(
                f"random term {t} in {formula!r} has random slopes: parse_formula splits "
                "formulas with random intercepts (1|group) only (parse_terms handles slopes)")
    return response, fixed, [t.group for t in terms]


def build_design(formula: str, data, *, require_group: bool = True,
                 response_kind: str = "numeric") -> Design:
    """Parse ``formula`` against ``data`` (DataFrame or CSV path) into a :class:`Design`.

    ``response_kind``: "ordinal" (numbers or labels), "numeric". Rows are
    named 1-based in errors, as elsewhere in the library.
    """
    from formulaic import model_matrix

    if not isinstance(formula, str):
        hint = (": the formula comes first, e.g. linear_mixed('grade ~ x + (1|inspector)', data)"
                if isinstance(data, str) and "~" in data else "")
        raise ReliabilityError(f"the formula must be a string such as 'grade ~ x + (1|inspector)'"
                               f"; got {type(formula).__name__}{hint}")
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        from reliability._io import read_csv
        data = read_csv(data)
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    from reliability.models._membership import membership_design, split_membership
    mm = split_membership(formula)
    if mm is not None:      # (1 | mm(a, b, c)): reliability.models._membership
        rest, mm_lhs, mm_args = mm
        if parse_terms(rest)[2]:
            raise ReliabilityError(f"{formula!r}: a multiple-membership term cannot be combined "
                                   "with other random terms (one random term only)")
        import dataclasses
        design = build_design(rest, data, require_group=False, response_kind=response_kind)
        return dataclasses.replace(design, membership=membership_design(
            mm_lhs, mm_args, data, design, formula))
    response, fixed, terms = parse_terms(formula)
    groups = list(dict.fromkeys(t.group for t in terms))
    slope_terms = [t for t in terms if not t.intercept_only]
    if slope_terms and len(groups) > 1:
        raise ReliabilityError(
            f"random slopes are supported with one grouping factor; {formula!r} has random "
            f"terms for {', '.join(map(repr, groups))}: keep the terms of one factor (e.g. "
            f"{slope_terms[0]})")
    group_cols = list(dict.fromkeys(c for g in groups for c in g.split(":")))
    if require_group and not groups:
        raise ReliabilityError(f"formula {formula!r} needs a random intercept such as (1|inspector_id)")
    needed = check_fixed_part(fixed, data.columns)
    # the random terms' left sides pass the same allow-list as the fixed part
    needed = sorted(set(needed).union(*[check_fixed_part(t.lhs, data.columns)
                                        for t in slope_terms]))
    # A response that is also a grouping factor or a predictor explains itself: the fit is
    # perfect (or degenerate) and its numbers mean nothing.
    if response in group_cols:
        raise ReliabilityError(f"response {response!r} is also a grouping factor in {formula!r}: "
                               "group by another column (e.g. (1|inspector_id))")
    if response in needed:
        raise ReliabilityError(f"response {response!r} is also a predictor in {formula!r}: "
                               "drop it from the right of '~'")
    cols = [response] + [c for c in needed if c in data.columns] + group_cols
    cols = list(dict.fromkeys(cols))
    require_columns(data, cols)
    frame = data[cols]
    for c in needed:
        if c in frame.columns and c != response:
            _check_mostly_numeric(frame[c], c)
    keep = frame.notna().all(axis=1).to_numpy()
    n_dropped = int((~keep).sum())
    if n_dropped:
        bad = [c for c in cols if frame[c].isna().any()]
        warn_at_caller(f"dropped {n_dropped} of {len(frame)} rows with a missing value in "
                       f"{', '.join(map(repr, bad))}", DataWarning)
        frame = frame.loc[keep]
    if len(frame) == 0:
        raise ReliabilityError("no complete rows left after dropping missing values")
    if len(frame) < 2:
        raise ReliabilityError(f"{formula!r} needs at least 2 complete rows; the data have "
                               f"{len(frame)}")
    positions = np.flatnonzero(keep)
    frame = frame.reset_index(drop=True)
    frame[response] = _check_response(frame[response], response, response_kind, positions)
    try:
        mm = model_matrix(fixed, frame, na_action="raise", context=formula_context())
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
    codes, levels = [], []
    for g in groups:
        c, lev = _factor_codes(frame, g.split(":"))
        if len(lev) < 2:
            raise ReliabilityError(
                f"random term (1|{g}) has a single level ({show(lev[0])}) in the rows used: a "
                "group variance needs at least 2 groups (drop the term, or add groups)")
        codes.append(c)
        levels.append(lev)
    slopes = _slope_design(terms, frame, formula) if slope_terms else None
    return Design(response=response, y=frame[response].to_numpy(), X=X, names=names,
                  has_intercept=has_intercept, groups=tuple(groups), codes=tuple(codes),
                  levels=tuple(levels),
                  n_dropped=n_dropped, fixed_rhs=fixed, frame=frame, spec=spec,
                  rows=positions + 1, predictors=tuple(c for c in needed if c != response),
                  slopes=slopes)


def _slope_design(terms, frame, formula) -> SlopeDesign:
    """The effect columns of the random terms of one factor (formulaic, R's coding: ``0 +
    phase`` of a text column gives one indicator per level, as lme4)."""
    from formulaic import model_matrix

    Zs, effects, blocks, specs = [], [], [], []
    for t in terms:
        try:
            mm = model_matrix(t.lhs, frame, na_action="raise", context=formula_context())
        except Exception as exc:
            raise ReliabilityError(f"cannot build the random term {t}: {exc}") from exc
        specs.append(getattr(mm, "model_spec", None))
        mm = pd.DataFrame(mm)
        cols = ["(Intercept)" if str(c) == "Intercept" else str(c) for c in mm.columns]
        twice = [c for c in cols if c in effects]
        if twice:
            raise ReliabilityError(f"random effect {twice[0]!r} of {t.group!r} appears in two "
                                   f"terms of {formula!r}")
        blocks.append(tuple(range(len(effects), len(effects) + len(cols))))
        effects += cols
        Zs.append(np.asarray(mm, dtype=float))
    Z = np.column_stack(Zs)
    if not np.all(np.isfinite(Z)):
        j = int(np.where(~np.isfinite(Z).all(axis=0))[0][0])
        raise ReliabilityError(f"random effect {effects[j]!r} has non-finite values")
    q, r = np.linalg.qr(Z / np.maximum(np.sqrt((Z ** 2).mean(axis=0)), 1e-300))
    d = np.abs(np.diag(r))
    bad = [effects[j] for j in range(Z.shape[1]) if d[j] <= max(Z.shape) * 1e-12 * d.max()]
    if bad:
        raise ReliabilityError(
            f"random effects {', '.join(map(repr, bad))} of {terms[0].group!r} are zero or "
            "linear combinations of the other effects (e.g. an intercept with an indicator for "
            "every level): their covariance is not identified")
    return SlopeDesign(group=terms[0].group, Z=Z, effects=tuple(effects), blocks=tuple(blocks),
                       specs=tuple(specs), terms=tuple(str(t) for t in terms))


def _is_text(col) -> bool:
    """Object or string (incl. pyarrow) columns; numbers and booleans are not text."""
    return pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)


def _check_mostly_numeric(col, name):
    """A text column that is numbers but for a few cells is a data error, not a factor."""
    if not _is_text(col):
        return
    present = col.notna().to_numpy()
    num = pd.to_numeric(col, errors="coerce").notna().to_numpy()
    bad = present & ~num
    if bad.any() and (present & num).sum() > bad.sum():
        i = int(np.flatnonzero(bad)[0])
        raise ReliabilityError(
            f"column {name!r} is numeric except row {i + 1}, which has {show(col.iloc[i])}; "
            f"fix or blank that cell ({int(bad.sum())} such cell(s))")


def _check_response(y, name, kind, positions):
    """Validate the response once: numbers (finite) or, for ``kind="ordinal"``, also labels.

    Labels (text, or a Categorical) are returned as they are; the models order them from
    their ``categories`` option (``models._api._ordered_response``).
    """
    if isinstance(y.dtype, pd.CategoricalDtype):
        if kind == "ordinal":
            return y
        y = y.astype(object)
    if _is_text(y):
        num = pd.to_numeric(y, errors="coerce")
        bad = num.isna().to_numpy()
        if bad.all():
            if kind == "ordinal":
                return y
            values = ", ".join(map(show, pd.unique(y)[:4]))
            raise ReliabilityError(f"response {name!r} must be numeric; it holds text ({values})")
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ReliabilityError(f"response {name!r} row {int(positions[i]) + 1} has "
                                   f"{show(y.iloc[i])}, not a number")
        y = num
    if y.dtype == bool:
        return y
    vals = np.asarray(y, dtype=float)
    fin = np.isfinite(vals)
    if not fin.all():
        i = int(np.flatnonzero(~fin)[0])
        raise ReliabilityError(f"response {name!r} row {int(positions[i]) + 1} has {vals[i]!r}: "
                               "values must be finite")
    return y


def _factor_codes(frame, columns):
    """Integer codes and labels of a factor or of the interaction of several (``a:b``)."""
    c, lev = pd.factorize(frame[columns[0]], sort=True)
    labels = [np.asarray(lev)]
    key = c.astype(np.int64)
    parts = [c]
    for col in columns[1:]:
        ci, li = pd.factorize(frame[col], sort=True)
        key = key * len(li) + ci
        parts.append(ci)
        labels.append(np.asarray(li))
    if len(columns) == 1:
        return c, labels[0]
    # levels are the observed combinations only (as lme4's a:b)
    uniq, codes = np.unique(key, return_inverse=True)
    first = np.zeros(len(uniq), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    names = np.array([":".join(str(labels[j][parts[j][i]]) for j in range(len(columns)))
                      for i in first], dtype=object)
    return codes.astype(np.intp), names


def _check_rank(X, names, has_intercept):
    """Raise naming the predictors that are constant or linear combinations of others."""
    n, p = X.shape
    if p == 0:
        return
    from reliability.models._quadrature import column_scale
    Z = X / column_scale(X)
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
