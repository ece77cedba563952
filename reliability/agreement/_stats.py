"""Sufficient statistics of one set of ratings, computed once and shared by every coefficient.

Every agreement coefficient, its SE and its bootstrap is a function of sums over units of
per-unit quantities (a unit's category counts, its ratings by each rater, the cell of a
rater pair). Units with the same ratings -- the same category from the same raters, or for
counts input the same counts row -- contribute identical terms. :class:`UnitStats`
therefore reduces the ratings once to their distinct *patterns* and the number of units
with each (``freq``); the coefficients are then computed from ``G`` patterns with weights
``freq`` rather than from ``n`` units (5 ** 4 = 625 patterns at most for 4 raters and 4
grades, whatever the number of units). The bootstrap resamples units as before and sums
the resampling counts within patterns (``inference.bootstrap_units(groups=...)``), so its
results are those of the unit-level computation too.

When the patterns cannot be keyed exactly in 53 bits (many raters), every unit is its own
pattern (``freq`` all ones): the same formulas, at the unit level. ``COMPRESS = False``
forces that path (the tests compare the two).

:func:`unit_stats` caches one object per :class:`~reliability.data.Ratings`, so
``agreement()`` computes the counts, pattern table and rater margins once for the whole
table of coefficients.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

#: Reduce units to distinct rating patterns (False: one pattern per unit; for tests).
COMPRESS = True
_KEY_BITS = 52
_BLOCK = 1 << 20
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_DIGITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def offer_digits(rt, digits) -> None:
    """Keep (weakly by ``rt``) the units x raters block of ``code + 1`` (0 = not rated)
    that wide input was coded through (:func:`reliability.data.wide_digits`): the first
    :func:`unit_stats` of ``rt`` keys the unit patterns from it instead of scattering the
    long arrays back into a block, and then lets it go."""
    if _CACHE.get(rt) is None:
        _DIGITS[rt] = digits


def unit_stats(rt) -> UnitStats:
    """The :class:`UnitStats` of ``rt``, computed once per Ratings object."""
    per = _CACHE.get(rt)
    if per is None:
        per = {}
        _CACHE[rt] = per
    st = per.get(COMPRESS)
    if st is None:
        st = UnitStats(rt, compress=COMPRESS, digits=_DIGITS.pop(rt, None))
        per[COMPRESS] = st
    return st


class UnitStats:
    """Distinct rating patterns of a :class:`~reliability.data.Ratings` with their frequencies.

    Attributes
    ----------
    n : int
        Number of units.
    G : int
        Number of patterns (``n`` when uncompressed).
    group : ndarray of int or None
        Pattern of each unit (None: pattern ``i`` is unit ``i``).
    freq : ndarray of float
        Number of units with each pattern.
    counts : ndarray (G, q) of int
        Category counts of each pattern (r_ik of Fleiss / Gwet).
    unit, rater, code : ndarray
        Long arrays of the patterns' ratings (``unit`` is the pattern index); raters only.
    """

    def __init__(self, rt, *, compress: bool = True, digits=None):
        # A weak reference: the cache maps each Ratings to its stats weakly, and a strong
        # one back would keep every Ratings ever analysed alive.
        self._rt = weakref.ref(rt)
        self.q = rt.n_categories
        self.n = rt.n_units
        self.has_raters = rt.has_raters
        self.r = rt.n_raters if rt.has_raters else 0
        self._families: dict = {}
        self._pairs: dict = {}
        self.group = self._patterns(rt, digits) if compress else None
        if self.group is None:
            self.G = self.n
            self.freq = np.ones(self.n)
            if self.has_raters:
                self.unit, self.rater, self.code = rt.unit, rt.rater, rt.code

    @property
    def rt(self):
        """The Ratings these statistics describe."""
        return self._rt()

    # ------------------------------------------------------------------ patterns
    def _patterns(self, rt, digits=None):
        """Pattern of each unit, or None when not worth it or not exactly keyable.

        ``digits``: the dense block of ``code + 1`` when the caller has it (see
        :func:`unit_stats`)."""
        n, q = self.n, self.q
        if n < 2:
            return None
        if self.has_raters:
            base = q + 1                           # digit 0 = not rated by that rater
            if self.r * np.log2(base) > _KEY_BITS:
                return None
            # Each unit's key is sum_j (code + 1) * base**j over its raters j: the digits
            # are scattered into a dense units x raters block of small integers (1 byte a
            # cell), then summed column by column in int64 (exact: below 2**52).
            r = self.r
            if (digits is not None and base < 128 and digits.dtype == np.int8
                    and digits.shape == (n, r)):
                dense = digits
            else:
                dense = np.zeros(n * r, dtype=np.int8 if base < 128 else np.int32)
                fdt = np.int32 if n * r < 2 ** 31 else np.int64
                for s in range(0, len(rt.code), _BLOCK):   # a loop over blocks of ratings
                    flat = np.multiply(rt.unit[s:s + _BLOCK], fdt(r), dtype=fdt)
                    flat += rt.rater[s:s + _BLOCK]
                    digit = rt.code[s:s + _BLOCK] + dense.dtype.type(1)
                    dense[flat] = digit
            dense = dense.reshape(n, r)
            # by blocks of units: only the key (8 bytes a unit) and the digits are held,
            # not a column-sized int64 temporary per rater as well
            weights = np.int64(base) ** np.arange(r, dtype=np.int64)
            key = np.empty(n, dtype=np.int64)
            for s in range(0, n, _BLOCK):                   # a loop over blocks of units
                block = key[s:s + _BLOCK]
                block[:] = dense[s:s + _BLOCK, 0]
                for j in range(1, r):                       # a loop over raters
                    block += dense[s:s + _BLOCK, j] * weights[j]
            del dense
        else:
            counts = rt.counts
            base = int(counts.max()) + 1
            if q * np.log2(base) > _KEY_BITS:
                return None
            key = counts @ (float(base) ** np.arange(q))
        if base ** (self.r if self.has_raters else q) <= max(4 * n, 1 << 16):
            # Few possible keys: count them directly (no hashing); groups in key order.
            # The float keys become int64 keys and then groups in their own memory (8
            # bytes a unit rather than 24; for 1e8 ratings that is 450 MB less at the peak).
            if key.dtype != np.int64:
                ikey = key.view(np.int64)
                for s in range(0, n, _BLOCK):             # a loop over blocks of units
                    ikey[s:s + _BLOCK] = key[s:s + _BLOCK]
                key = ikey
            seen = np.bincount(key)
            uniq = np.flatnonzero(seen)
            if len(uniq) == n:
                return None
            remap = np.zeros(len(seen), dtype=np.int64)
            remap[uniq] = np.arange(len(uniq))
            group = key
            for s in range(0, n, _BLOCK):
                np.take(remap, key[s:s + _BLOCK], out=group[s:s + _BLOCK], mode="clip")
            self.freq = seen[uniq].astype(float)
        else:
            group, uniq = pd.factorize(key)
            if len(uniq) == n:
                return None
            self.freq = np.bincount(group, minlength=len(uniq)).astype(float)
        G = self.G = len(uniq)
        digits = (np.asarray(uniq, dtype=np.int64)[:, None]
                  // (np.int64(base) ** np.arange(self.r if self.has_raters else q))) % base
        if self.has_raters:
            codes = (digits - 1).astype(np.int32)        # G x r, -1 where not rated
            self._codes = codes
            u, j = np.nonzero(codes >= 0)
            self.unit, self.rater, self.code = u.astype(np.int64), j.astype(np.int32), codes[u, j]
            self._counts = np.bincount(self.unit * q + self.code,
                                       minlength=G * q).reshape(G, q)
        else:
            self._counts = digits
        return group.astype(np.int64, copy=False)

    # ------------------------------------------------------------------ derived
    @property
    def counts(self) -> np.ndarray:
        """Category counts of each pattern (G x q; built on first use when uncompressed)."""
        if self.group is None:
            return self.rt.counts
        return self._counts

    @property
    def ratings_per_pattern(self) -> np.ndarray:
        if self.group is None:
            return self.rt.ratings_per_unit
        return self._counts.sum(axis=1)

    @property
    def max_ratings(self) -> int:
        return int(self.ratings_per_pattern.max()) if self.G else 0

    @property
    def codes(self) -> np.ndarray:
        """Dense pattern x rater matrix of category codes, -1 where missing."""
        if self.group is None:
            return self.rt.codes
        return self._codes

    @property
    def rater_counts(self) -> np.ndarray:
        """Rater x category counts over all units (``Ratings.rater_counts``)."""
        if self.group is None:
            return self.rt.rater_counts
        return np.bincount(self.rater.astype(np.int64) * self.q + self.code,
                           weights=self.freq[self.unit],
                           minlength=self.r * self.q).reshape(self.r, self.q)

    def weighted_sum(self, x) -> np.ndarray:
        """Sum over units of a per-pattern quantity ``x`` (G, ...)."""
        return np.tensordot(self.freq, x, axes=(0, 0))

    def pair(self, first: int = 0, second: int = 1) -> PairCells:
        """The units rated by both raters, as cells of their q x q table."""
        key = (first, second)
        if key not in self._pairs:
            self._pairs[key] = PairCells(self, first, second)
        return self._pairs[key]

    def family(self, key, make):
        """A coefficient family built once per weights (``make()`` on first use)."""
        fam = self._families.get(key)
        if fam is None:
            fam = self._families[key] = make()
        return fam


class PairCells:
    """Two raters' table and, for the bootstrap over their common units, each unit's cell."""

    def __init__(self, st: UnitStats, first: int, second: int):
        self.st, self.first, self.second = st, first, second
        q = st.q
        codes = st.codes
        both = (codes[:, first] >= 0) & (codes[:, second] >= 0)
        self._both = both
        self._cell = codes[:, first].astype(np.int64) * q + codes[:, second]
        w = st.freq[both] if st.group is not None else None
        self.table = np.bincount(self._cell[both], weights=w,
                                 minlength=q * q).reshape(q, q).astype(float)
        self.n = int(round(self.table.sum()))

    @property
    def groups(self) -> np.ndarray:
        """Cell (0..q*q-1) of each common unit, in unit order (the bootstrap's groups)."""
        st = self.st
        if st.group is None:
            return self._cell[self._both]
        g = st.group[self._both[st.group]]
        return self._cell[g]
