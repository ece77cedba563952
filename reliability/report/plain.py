"""Numbers and sentences for people, and small-cell suppression that cannot be undone.

Everything a user report says in words is built here from result objects (never typed in):

* :func:`pct`, :func:`number`, :func:`p_text` - numbers as a reader writes them: ``16%``,
  ``2,417``, ``0.12``, ``< 0.0001`` (never ``2.0000`` or ``5.551e-17``);
* :func:`suppress_table` - primary and complementary suppression of a table of counts with
  its row and column totals shown, so that no hidden cell can be recovered by subtraction;
* :func:`group_share` - the share of a group of grades (e.g. "Requires improvement or
  Inadequate") in one band, with its Wilson interval, or ``None`` when showing it would
  reveal a hidden cell;
* :func:`grade_bars` - the chart of grades by band: stacked bars, the group's share with
  its interval on top, colour-blind-safe colours, alt text.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["pct", "number", "p_text", "join_words", "suppress_table", "group_share",
           "grade_bars", "PALETTES"]

#: Okabe & Ito (2008) colour-blind-safe colours, best grade first.
PALETTES = {
    2: ("#0072B2", "#D55E00"),
    3: ("#0072B2", "#E69F00", "#D55E00"),
    4: ("#0072B2", "#56B4E9", "#E69F00", "#D55E00"),
    5: ("#0072B2", "#56B4E9", "#BBBBBB", "#E69F00", "#D55E00"),
}


def pct(p, *, digits: int | None = None) -> str:
    """A proportion as a percentage for a sentence: ``0.1594 -> '16%'``.

    Shares below 1% (but above 0) keep one decimal (``0.4%``) so they do not read as 0%.
    """
    if p is None or not math.isfinite(float(p)):
        return "not available"
    v = 100 * float(p)
    if digits is None:
        digits = 1 if 0 < abs(v) < 1 else 0
    return f"{v:.{digits}f}%"


def number(v, *, digits: int = 2, trim: bool = False) -> str:
    """A number for people: integers (and integral floats) as integers with thousands
    separators, other values to ``digits`` decimals, ``< 0.0001`` for tiny positives,
    never scientific notation. ``trim`` (table cells): trailing zeros cut and values of a
    million or more without decimals. The one number formatter of every report (the HTML
    cells call it too)."""
    if v is None:
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return "—"
    if f.is_integer() and abs(f) < 1e15:
        return f"{int(f):,}"
    if 0 < abs(f) < 1e-4:
        return "< 0.0001" if f > 0 else "> -0.0001"
    if trim:
        if abs(f) >= 1e6:
            return f"{f:,.0f}"
        text = f"{f:,.{digits}f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    if abs(f) < 10 ** -digits:
        return f"{f:.4f}".rstrip("0")
    return f"{f:,.{digits}f}"


def p_text(p) -> str:
    """A p-value: ``p < 0.0001``, ``p = 0.003``, ``p = 0.21``."""
    if p is None or not math.isfinite(float(p)):
        return "p not available"
    p = float(p)
    if p < 1e-4:
        return "p < 0.0001"
    if p < 0.01:
        return f"p = {p:.4f}".rstrip("0")
    return f"p = {p:.2f}"


def join_words(words) -> str:
    """``['a', 'b', 'c'] -> 'a, b or c'``."""
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


# --------------------------------------------------------------------------- suppression
def suppress_table(counts, min_cell: int, *, groups=None, hidden=None, hidden_rows=None,
                   whole_rows: bool = False):
    """Hidden cells of a table of counts whose row and column totals are published.

    Primary suppression hides every count from 1 to ``min_cell - 1`` (a zero reveals no
    school and stays). Complementary suppression then hides further cells until no row,
    column or the line of column totals has exactly one hidden entry, so no hidden count is
    the difference of published ones. The complement chosen in a row is the smallest shown
    cell, preferring one in the same ``groups`` entry (a list of column-index tuples, e.g.
    the grades a sentence adds together) so that the group's total stays publishable.
    ``hidden`` / ``hidden_rows`` add cells / row totals hidden for other reasons.
    ``whole_rows``: a row with a hidden cell hides all its cells (as when a row also shows
    a mean that, with its ``n``, would give two hidden cells back); the complement of a
    column is then the row that protects the most such columns at once.

    Returns
    -------
    hidden : ndarray of bool, shape of ``counts``
    hidden_row_totals : ndarray of bool (one per row)
    hidden_col_totals : ndarray of bool (one per column)
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim == 1:
        c = c[None, :]
    R, C = c.shape
    min_cell = int(min_cell)
    primary = (c > 0) & (c < min_cell)
    hidden = primary if hidden is None else (primary | np.asarray(hidden, bool).reshape(R, C))
    col_tot = c.sum(axis=0)
    row_tot = c.sum(axis=1)
    hid_row = (row_tot > 0) & (row_tot < min_cell)
    if hidden_rows is not None:
        hid_row = hid_row | np.asarray(hidden_rows, bool)
    hid_col = (col_tot > 0) & (col_tot < min_cell)
    group_of = {}
    for g in groups or ():
        for j in g:
            group_of[j] = tuple(g)

    # a cell in a row or column whose total is 0 is known to be 0: it protects nothing
    known = (row_tot == 0)[:, None] | (col_tot == 0)[None, :]

    def pick(values, shown, prefer):
        """Smallest shown non-zero cell, in ``prefer`` if possible; a zero only as a last
        resort, and never one known from a zero total."""
        cand = [j for j in range(len(values)) if shown[j]]
        if not cand:
            return None
        for pool in ([j for j in cand if j in prefer and values[j] > 0],
                     [j for j in cand if values[j] > 0], cand):
            if pool:
                return min(pool, key=lambda j: (values[j], j))
        return None

    def settle():
        nonlocal hidden, hid_row, hid_col
        for _ in range(4 * (R + 1) * (C + 1)):
            changed = False
            if whole_rows:
                grow = hidden.any(axis=1) & ~hidden.all(axis=1)
                if grow.any():
                    hidden[grow] = True
                    changed = True
                single = [j for j in range(C) if not hid_col[j] and hidden[:, j].sum() == 1
                          and c[:, j].sum() > 0]
                if single:
                    free = [i for i in range(R) if not hidden[i].any() and row_tot[i] > 0]
                    if free:
                        best = max(free, key=lambda i: (sum(c[i, j] > 0 for j in single),
                                                        -row_tot[i], -i))
                        if any(c[best, j] > 0 for j in single):
                            hidden[best] = True
                            continue
            # rows: C cells + the row total
            for i in range(R):
                if hid_row[i]:
                    if not hidden[i].all():
                        hidden[i] = True
                        changed = True
                    continue
                if hidden[i].sum() == 1:
                    j0 = int(np.flatnonzero(hidden[i])[0])
                    j = pick(c[i], ~hidden[i] & ~known[i], group_of.get(j0, ()))
                    if j is None:
                        hid_row[i] = True
                    else:
                        hidden[i, j] = True
                    changed = True
            # columns: R cells + the column total
            for j in range(C):
                if hid_col[j]:
                    if not hidden[:, j].all():
                        hidden[:, j] = True
                        changed = True
                    continue
                if hidden[:, j].sum() == 1:
                    i = pick(c[:, j], ~hidden[:, j] & ~known[:, j], ())
                    if i is None:
                        hid_col[j] = True
                    else:
                        hidden[i, j] = True
                    changed = True
            # the line of column totals adds up to the grand total (published)
            if hid_col.sum() == 1:
                j0 = int(np.flatnonzero(hid_col)[0])
                j = pick(col_tot, ~hid_col, group_of.get(j0, ()))
                if j is not None:
                    hid_col[j] = True
                    changed = True
            # and so does the line of row totals
            if hid_row.sum() == 1:
                i = pick(row_tot, ~hid_row, ())
                if i is not None:
                    hid_row[i] = True
                    changed = True
            if not changed:
                break

    settle()
    # the rules above keep every line with none or two or more hidden entries; a pattern of
    # zeros can still pin a hidden cell down (the bounds x >= 0 do it): check every small
    # cell with a linear programme and hide its row total while one is pinned
    for _ in range(R + C + 2):
        pinned = [cell for cell in zip(*np.nonzero(primary & hidden))
                  if _pinned(c, hidden, hid_row, hid_col, cell)]
        if not pinned:
            break
        i, j = pinned[0]
        if not hid_row[i]:
            hid_row[i] = True
        elif not hid_col[j]:
            hid_col[j] = True
        else:
            break
        settle()
    return hidden, hid_row, hid_col


def _pinned(c, hidden, hid_row, hid_col, cell) -> bool:
    """Whether the published numbers (shown cells, shown row and column totals, the grand
    total) leave a hidden cell a single value."""
    from scipy.optimize import linprog

    cells = list(zip(*np.nonzero(hidden)))
    idx = {ij: k for k, ij in enumerate(cells)}
    nv = len(cells)
    A, b = [], []
    R, C = c.shape
    for i in range(R):
        if not hid_row[i]:
            a = np.zeros(nv)
            for j in range(C):
                if hidden[i, j]:
                    a[idx[i, j]] = 1
            A.append(a)
            b.append(c[i].sum() - c[i][~hidden[i]].sum())
    for j in range(C):
        if not hid_col[j]:
            a = np.zeros(nv)
            for i in range(R):
                if hidden[i, j]:
                    a[idx[i, j]] = 1
            A.append(a)
            b.append(c[:, j].sum() - c[:, j][~hidden[:, j]].sum())
    A.append(np.ones(nv))
    b.append(c[hidden].sum())
    obj = np.zeros(nv)
    obj[idx[tuple(cell)]] = 1
    lo = linprog(obj, A_eq=np.array(A), b_eq=np.array(b), bounds=(0, None), method="highs")
    hi = linprog(-obj, A_eq=np.array(A), b_eq=np.array(b), bounds=(0, None), method="highs")
    if not (lo.success and hi.success):
        return False
    return (-hi.fun) - lo.fun < 0.5


def group_share(count_row, hidden_row, group, *, n: int, min_cell: int, confidence=0.95):
    """Share of ``group`` (column indices) in one band, or ``None`` if it must not be shown.

    The group's total may be shown when it is at least ``min_cell`` and holds none or at
    least two of the row's hidden cells, and the rest of the row likewise (otherwise the
    total, less the shown cells, is a hidden cell).
    """
    from reliability.inference import wilson_interval

    count_row = np.asarray(count_row, float)
    hidden_row = np.asarray(hidden_row, bool)
    inside = np.zeros(len(count_row), bool)
    inside[list(group)] = True
    k = float(count_row[inside].sum())
    if n <= 0 or (0 < k < min_cell) or (0 < n - k < min_cell):
        return None
    if hidden_row[inside].sum() == 1 or hidden_row[~inside].sum() == 1:
        return None
    lo, hi = wilson_interval(k, n, confidence)
    return {"count": int(k), "n": int(n), "share": k / n, "ci": [float(lo), float(hi)],
            "ci_level": float(confidence)}


# --------------------------------------------------------------------------- chart
def grade_bars(band_labels, counts, hidden, categories, *, group=(), group_label="",
               shares=None, xlabel="", title=""):
    """Stacked bars of the grade mix in each band, worst grades at the bottom, so that the
    share of ``group`` (the worst grades, e.g. "Requires improvement or Inadequate") is the
    height of the lower segments; it is marked with its interval. Hidden cells are drawn as
    one grey hatched segment per bar (inside the group when the group's share is shown), so
    the chart shows only what the tables show.

    Returns ``(figure, alt_text)``.
    """
    import matplotlib

    from reliability.plots._style import new_figure
    from matplotlib.patches import Patch

    counts = np.asarray(counts, float)
    hidden = np.asarray(hidden, bool)
    k = len(categories)
    colours = PALETTES.get(k) or tuple(matplotlib.colormaps["cividis"](np.linspace(0, 1, k)))
    n = counts.sum(axis=1)
    nb = len(band_labels)
    x = np.arange(nb)
    fig, ax = new_figure((max(6.5, 1.0 * nb + 4), 4.2))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n[:, None] > 0, counts / np.where(n > 0, n, 1)[:, None], 0.0)
    group = tuple(group)
    in_group = np.zeros(k, bool)
    in_group[list(group)] = True
    bottom = np.zeros(nb)
    grey = dict(facecolor="#dddddd", hatch="///", edgecolor="#777777", linewidth=0.4)
    used_grey = False

    def hidden_segment(mask_cols, rows):
        nonlocal bottom, used_grey
        h = np.where(hidden & mask_cols[None, :], share, 0.0).sum(axis=1) * rows
        if h.any():
            ax.bar(x, 100 * h, bottom=100 * bottom, **grey)
            bottom = bottom + h
            used_grey = True

    group_shown = np.array([shares is not None and shares[i] is not None for i in range(nb)])
    for j in reversed(range(k)):            # worst grade first, at the bottom
        seg = np.where(hidden[:, j], 0.0, share[:, j])
        ax.bar(x, 100 * seg, bottom=100 * bottom, color=colours[j], edgecolor="white",
               linewidth=0.6)
        bottom = bottom + seg
        if group and j == min(group):       # the group is complete: its hidden cells here
            hidden_segment(in_group, group_shown.astype(float))
    # everything else hidden goes on top
    rest_cols = np.ones(k, bool) if not group else ~in_group
    hidden_segment(rest_cols, np.ones(nb))
    if group:
        hidden_segment(in_group, (~group_shown).astype(float))
    handles = [Patch(color=colours[j], label=str(categories[j])) for j in range(k)]
    if used_grey:
        handles.append(Patch(label="not shown (small numbers)", **grey))
    if shares is not None:
        sx = [i for i in range(nb) if shares[i] is not None]
        if sx:
            est = np.array([100 * shares[i]["share"] for i in sx])
            lo = np.array([100 * shares[i]["ci"][0] for i in sx])
            hi = np.array([100 * shares[i]["ci"][1] for i in sx])
            yerr = [np.maximum(est - lo, 0), np.maximum(hi - est, 0)]
            h = ax.errorbar(np.array(sx), est, yerr=yerr, fmt="D", color="black",
                            markersize=5, capsize=5, lw=1.4)
            h.set_label(f"{group_label}: share with 95% CI")
            handles.append(h)
    ax.set_xticks(x)
    ax.set_xticklabels([str(b) for b in band_labels], fontsize=9)
    ax.set_ylim(0, 108)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("Share of schools (%)")
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=11)
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False)
    for i, ni in enumerate(n):
        ax.text(i, 101, f"n = {int(ni):,}", ha="center", va="bottom", fontsize=8, color="#333")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    parts = []
    for i, b in enumerate(band_labels):
        s = shares[i] if shares is not None else None
        parts.append(f"{b}: {pct(s['share'])} {group_label}" if s else f"{b}: not shown")
    alt = (f"Stacked bar chart of the grades in each {xlabel or 'band'}. " + "; ".join(parts)
           + ".")
    return fig, alt
