"""Sparse algebra of ``H = Lambda Z'WZ Lambda + I`` for several random-intercept factors.

``Z = [Z_1 ... Z_m]`` has one 1 per row and factor, so every diagonal block ``Z_k'WZ_k`` is
diagonal. The factor with most levels (schools, say) is absorbed exactly (its block is
diagonal: a Schur complement, Henderson 1984 ch. 4), leaving a system ``S`` over the other
factors' levels (inspectors, regions), which is factorised densely by Cholesky (or by a
sparse LU when it is large). That gives, at the cost of one small factorisation:

* ``log|H|`` (the Laplace / REML determinant),
* solves ``H x = g`` for any number of right-hand sides (Newton steps, implicit derivatives),
* the elements of ``H^-1`` on the pattern of ``Z'Z`` (conditional variances, and the
  ``diag(Z Lambda H^-1 Lambda Z')`` that the analytic gradient of the Laplace likelihood
  needs: a selected inverse, computed from the pairs of nonzeros within each absorbed row).

Everything is integer-coded and vectorised (``np.bincount``, CSR index arithmetic); the
pattern is analysed once per data set and reused for every parameter value.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from reliability._reml import large_system_threads

DENSE_MAX = 5000   # rest systems up to this size are factorised densely
_DENSE_POOL = 4    # spare dense buffers kept per structure (a crossed fit holds two at once)
_ZERO_ROWS = 256   # row blocks in which a reused buffer's lower triangle is cleared


class RandomBlocks:
    """Structure of ``Z`` for ``m`` random-intercept factors.

    Parameters
    ----------
    codes : sequence of int arrays (one per factor, length n, values 0..G_k-1)
    sizes : sequence of int (G_k)
    """

    def __init__(self, codes, sizes):
        self.m = len(codes)
        self.codes = [np.asarray(c, dtype=np.intp) for c in codes]
        self.sizes = [int(g) for g in sizes]
        self.n = len(self.codes[0])
        self.a = int(np.argmax(self.sizes))              # absorbed factor
        self.rest = [k for k in range(self.m) if k != self.a]
        self.Ga = self.sizes[self.a]
        offs = np.cumsum([0] + [self.sizes[k] for k in self.rest])
        self.rest_off = {k: int(offs[j]) for j, k in enumerate(self.rest)}
        self.qr = int(offs[-1])
        self.q = self.Ga + self.qr
        # position of each factor's block in the full vector (absorbed first, then the rest)
        self.full_off = {self.a: 0}
        self.full_off.update({k: self.Ga + self.rest_off[k] for k in self.rest})
        self.rest_factor = np.concatenate(
            [np.full(self.sizes[k], k, dtype=np.intp) for k in self.rest]) \
            if self.rest else np.zeros(0, dtype=np.intp)
        n, ca = self.n, self.codes[self.a]
        # Z' as a sparse q x n matrix (rows in full order) for group sums of many columns.
        rows = np.concatenate([self.codes[k] + self.full_off[k] for k in range(self.m)])
        cols = np.tile(np.arange(n), self.m)
        self.Zt = sp.csr_matrix((np.ones(n * self.m), (rows, cols)), shape=(self.q, n))
        self.full_factor = np.empty(self.q, dtype=np.intp)
        for k in range(self.m):
            self.full_factor[self.full_off[k]:self.full_off[k] + self.sizes[k]] = k
        self.rr = None
        if not self.rest:
            return
        # H_ar pattern: absorbed level x rest level, CSR with rows sorted.
        rc = [self.codes[k] + self.rest_off[k] for k in self.rest]
        keys = np.concatenate([ca.astype(np.int64) * self.qr + r for r in rc])
        uniq, inv = np.unique(keys, return_inverse=True)
        self.ar_inv = inv.reshape(len(self.rest), n)      # entry of (obs, rest factor j)
        self.ar_rows = (uniq // self.qr).astype(np.intp)
        self.ar_cols = (uniq % self.qr).astype(np.intp)
        self.ar_nnz = len(uniq)
        self.ar_indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(self.ar_rows, minlength=self.Ga))]).astype(np.intp)
        self.ar_col_factor = self.rest_factor[self.ar_cols]
        # all ordered pairs (e1, e2) of entries within one absorbed row (selected inverse)
        lens = np.diff(self.ar_indptr)
        reps = lens[self.ar_rows]                          # row length, per entry
        e1 = np.repeat(np.arange(self.ar_nnz), reps)
        start = self.ar_indptr[self.ar_rows[e1]]
        # offset within the row: for each e1, 0..len-1
        within = np.arange(len(e1)) - np.repeat(np.cumsum(reps) - reps, reps)
        self.pair1, self.pair2 = e1, start + within
        # the lower triangle of E'E (S without its diagonal part) on the dense rest system:
        # its flat positions, and which of them each pair (e1 >= e2 by column) adds to
        c1, c2 = self.ar_cols[self.pair1], self.ar_cols[self.pair2]
        low = c1 >= c2
        self.low_pairs = np.flatnonzero(low)
        self.low_pos, self.low_inv = np.unique(c1[low].astype(np.int64) * self.qr + c2[low],
                                               return_inverse=True)
        self._free_dense = []           # dense rest-system buffers no factor holds (see _dense)
        # rest x rest off-diagonal pattern (three or more factors)
        if len(self.rest) > 1:
            ks = []
            for i, j in [(i, j) for i in range(len(rc)) for j in range(i + 1, len(rc))]:
                ks.append(rc[i].astype(np.int64) * self.qr + rc[j])
            allk = np.concatenate(ks)
            u2, inv2 = np.unique(allk, return_inverse=True)
            self.rr = (u2 // self.qr, u2 % self.qr, inv2,
                       np.tile(np.arange(n), len(ks)), len(u2))

    # -- assembly --------------------------------------------------------------------------
    def factorize(self, w, lam):
        """Factorise ``H = Lambda Z'WZ Lambda + I`` for weights ``w`` (n) and scales ``lam`` (m)."""
        return _Factor(self, np.asarray(w, float), np.asarray(lam, float))

    def group_sums(self, M):
        """``Z'M`` in the full order (q x ...)."""
        out = self.Zt @ M
        return np.asarray(out)

    def expand(self, x):
        """``Z x`` for x in the full order (q or q x k) -> n (x k)."""
        return np.asarray(self.Zt.T @ x)

    def lam_full(self, lam):
        return np.asarray(lam, float)[self.full_factor]

    def _dense(self, owner):
        """A ``qr x qr`` buffer for ``owner`` (a factor or an inverse), handed back for reuse
        when ``owner`` is collected. Each evaluation of a crossed fit factorises and inverts
        one such system (128 MB at 4,000 inspectors); a fresh array each time faulted its
        pages in again, which measured 0.08-0.2 s per array inside a fit (0.4 s for memory
        the process had never touched, on the benchmark VM) against 0.01 s for clearing the
        lower triangle of a reused one."""
        buf = self._free_dense.pop() if self._free_dense else np.empty((self.qr, self.qr))
        weakref.finalize(owner, self._give_back, buf).atexit = False
        return buf

    def _give_back(self, buf):
        if len(self._free_dense) < _DENSE_POOL:
            self._free_dense.append(buf)


class _LowerSymmetric:
    """A symmetric matrix held by its lower triangle (what LAPACK potri writes): element
    look-ups swap indices into the triangle, so the full matrix is never symmetrised."""

    def __init__(self, low, owner=None):
        self.low = low
        self._owner = owner         # the factor whose reused buffer ``low`` lives in

    def __getitem__(self, idx):
        i, j = (np.asarray(k) for k in idx)
        return self.low[np.maximum(i, j), np.minimum(i, j)]

    def diagonal(self):
        return np.diag(self.low).copy()


class _Factor:
    """A factorised ``H`` with solves, log-determinant and selected inverse elements."""

    def __init__(self, B: RandomBlocks, w, lam):
        self.B = B
        la = lam[B.a]
        ca = B.codes[B.a]
        self.Da = la * la * np.bincount(ca, w, B.Ga) + 1.0
        self.logdet = float(np.log(self.Da).sum())
        if not B.rest:
            return
        diag_r = np.concatenate([lam[k] ** 2 * np.bincount(B.codes[k], w, B.sizes[k]) + 1.0
                                 for k in B.rest])
        wsum = np.bincount(B.ar_inv.ravel(), np.tile(w, len(B.rest)), B.ar_nnz)
        self.har = la * lam[B.ar_col_factor] * wsum          # H_ar entries (CSR data)
        self.Har = sp.csr_matrix((self.har, B.ar_cols, B.ar_indptr), shape=(B.Ga, B.qr))
        off = None
        if B.rr is not None:
            r1, r2, inv2, obs2, nnz2 = B.rr
            off = lam[B.rest_factor[r1]] * lam[B.rest_factor[r2]] * \
                np.bincount(inv2, w[obs2], nnz2)
        self.dense = B.qr <= DENSE_MAX
        if self.dense:
            self._factor_dense(diag_r, off)
        else:
            E = sp.csr_matrix((self.har / np.sqrt(self.Da[B.ar_rows]), B.ar_cols, B.ar_indptr),
                              shape=(B.Ga, B.qr))
            S = sp.diags(diag_r) - (E.T @ E)
            if off is not None:
                O = sp.csr_matrix((off, (B.rr[0], B.rr[1])), shape=(B.qr, B.qr))
                S = S + O + O.T
            self.lu = splu(sp.csc_matrix(S), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                           options={"SymmetricMode": True})
            self.logdet += float(np.log(np.abs(self.lu.U.diagonal())).sum())

    def _factor_dense(self, diag_r, off):
        """Cholesky of ``S = diag_r - E'E (+ the rest-rest block)`` in a reused buffer.

        Only S's lower triangle is written (LAPACK reads one triangle): ``E'E`` from the
        pairs of entries within each absorbed row, summed onto their flat positions by
        ``np.bincount``, where forming the sparse product and densifying it took 4x longer.
        """
        B = self.B
        pairs = B.low_pairs
        e1, e2 = B.pair1[pairs], B.pair2[pairs]
        vals = self.har[e1] * self.har[e2] / self.Da[B.ar_rows[e1]]
        S = B._dense(self)
        for i in range(0, B.qr, _ZERO_ROWS):            # the lower triangle, by row blocks
            S[i:i + _ZERO_ROWS, :i + _ZERO_ROWS] = 0.0
        flat = S.reshape(-1)
        flat[B.low_pos] = -np.bincount(B.low_inv, vals, len(B.low_pos))
        flat[::B.qr + 1] += diag_r
        if off is not None:
            S[B.rr[1], B.rr[0]] += off          # (r1 < r2): its mirror is in the lower part
        # S's C-ordered lower triangle read column-major (S.T, no copy) is the upper
        # triangle of S.T = S: LAPACK factorises it in place, where cho_factor on the C array
        # first copies 8 q^2 bytes (measured 0.30 s against 0.20 s at q = 4,000).
        with large_system_threads(B.qr):
            factor, info = sla.lapack.dpotrf(S.T, lower=0, overwrite_a=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError(f"the rest system is not positive definite "
                                        f"(potrf info = {info})")
        self.cho = (factor, False)
        self.inverse = None         # S^-1's lower triangle (C order), once rest_inverse ran
        self.logdet += 2.0 * float(np.log(np.diag(factor)).sum())

    def _solve_rest(self, r):
        if not self.dense:
            return self.lu.solve(r)
        if self.inverse is None:
            return sla.cho_solve(self.cho, r, check_finite=False)
        # after rest_inverse the buffer holds S^-1 (lower triangle, C order = upper of its
        # column-major view): a symmetric product, as cheap as the two triangular solves
        a = self.inverse.T
        if r.ndim == 1:
            return sla.blas.dsymv(1.0, a, r, lower=0)
        return sla.blas.dsymm(1.0, a, np.asfortranarray(r), side=0, lower=0)

    def solve(self, g):
        """``H^-1 g`` for g in the full order (q or q x k)."""
        B = self.B
        g = np.asarray(g, float)
        ga, gr = g[:B.Ga], g[B.Ga:]
        Da = self.Da if g.ndim == 1 else self.Da[:, None]
        if not B.rest:
            return ga / Da
        ya = ga / Da
        xr = self._solve_rest(gr - self.Har.T @ ya)
        xa = (ga - self.Har @ xr) / Da
        return np.concatenate([xa, xr], axis=0)

    def rest_inverse(self):
        """Dense ``S^-1`` (rest levels x rest levels).

        From the Cholesky factor by LAPACK ``potri`` (n^3 flops, a third of solving against
        the identity), in place: the factor's later solves (the chord steps of the next
        evaluation) multiply by ``S^-1`` instead. The sparse-LU path (large rest systems)
        solves against the identity. The result is valid while this factor lives (it holds
        the factor, whose buffer is reused once both are gone).
        """
        if self.dense:
            if self.inverse is None:
                # in place: the factor is not needed after (solves then use S^-1 itself), and
                # a second buffer would be 8 q^2 more bytes to copy and to keep
                with large_system_threads(self.B.qr):
                    inv, info = sla.lapack.dpotri(self.cho[0], lower=0, overwrite_c=1)
                if info != 0:
                    raise np.linalg.LinAlgError(f"potri failed (info = {info})")
                self.inverse = inv.T                # upper, column-major = lower, C
                self.cho = None
            return _LowerSymmetric(self.inverse, owner=self)
        return _LowerSymmetric(np.tril(self.lu.solve(np.eye(self.B.qr))))

    def selected_inverse(self):
        """Elements of ``H^-1``: (diag in full order, entries on the H_ar pattern, S^-1)."""
        B = self.B
        if not B.rest:
            return 1.0 / self.Da, np.zeros(0), None
        Sinv = self.rest_inverse()
        h = self.har
        # (H_ar S^-1)[row, col of e1] = sum_{e2 in row} h[e2] S^-1[col e2, col e1]
        HS = np.bincount(B.pair1, h[B.pair2] * Sinv[B.ar_cols[B.pair2], B.ar_cols[B.pair1]],
                         B.ar_nnz)
        quad = np.bincount(B.ar_rows, h * HS, B.Ga)          # (H_ar S^-1 H_ar')_bb
        diag_a = 1.0 / self.Da + quad / self.Da ** 2
        off_ar = -HS / self.Da[B.ar_rows]                    # H^-1[absorbed row, rest col]
        return np.concatenate([diag_a, Sinv.diagonal()]), off_ar, Sinv

    def zlhz_diag(self, lam):
        """``diag(Z Lambda H^-1 Lambda Z')`` per observation, and the full diag of ``H^-1``."""
        B = self.B
        diag, off_ar, Sinv = self.selected_inverse()
        s = np.zeros(B.n)
        for k in range(B.m):
            s += lam[k] ** 2 * diag[B.full_off[k] + B.codes[k]]
        for j, k in enumerate(B.rest):
            s += 2.0 * lam[B.a] * lam[k] * off_ar[B.ar_inv[j]]
        if B.rr is not None:
            rc = [B.codes[k] + B.rest_off[k] for k in B.rest]
            for i in range(len(rc)):
                for j in range(i + 1, len(rc)):
                    s += 2.0 * lam[B.rest[i]] * lam[B.rest[j]] * Sinv[rc[i], rc[j]]
        return s, diag
