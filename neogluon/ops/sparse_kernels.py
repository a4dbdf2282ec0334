"""Torch kernels on sparse components (CSR and row_sparse storage).

A CSR matrix is ``(values (nnz,), indptr (rows+1,), indices (nnz,))`` and a
row_sparse array is ``(values (k, *shape[1:]), indices (k,))``, indices int64
and (as MXNet requires) sorted and unique. Every function here takes and
returns those torch tensors; the array classes live in
``neogluon.ndarray.sparse``.
"""

from __future__ import annotations

import warnings

import torch

from ..base import MXNetError

__all__ = [
    "check_csr",
    "check_rsp",
    "csr_rows",
    "csr_sort_columns",
    "csr_to_dense",
    "rsp_to_dense",
    "dense_to_csr",
    "dense_to_rsp",
    "rsp_union",
    "rsp_intersect",
    "csr_union",
    "csr_intersect",
    "csr_slice",
    "csr_concat0",
    "csr_dot_dense",
    "csr_t_dot_dense",
    "rsp_dot_dense",
    "rsp_retain",
]

_I64 = torch.int64


def _fmt(t: torch.Tensor, n: int = 8) -> str:
    vals = t.reshape(-1)[:n].tolist()
    more = ", ..." if t.numel() > n else ""
    return "[" + ", ".join(str(v) for v in vals) + more + "]"


def check_csr(values, indptr, indices, shape, where: str) -> None:
    """Raise MXNetError unless the components form a valid CSR ``shape`` matrix."""
    if len(shape) != 2:
        raise MXNetError(f"{where}: a CSR array is 2-D, got shape {tuple(shape)}")
    rows, cols = shape
    if values.dim() != 1 or indices.dim() != 1 or indptr.dim() != 1:
        raise MXNetError(
            f"{where}: data, indices and indptr must be 1-D, got shapes "
            f"{tuple(values.shape)}, {tuple(indices.shape)}, {tuple(indptr.shape)}"
        )
    if indptr.shape[0] != rows + 1:
        raise MXNetError(
            f"{where}: indptr has {indptr.shape[0]} entries, expected rows + 1 = "
            f"{rows + 1} for shape {tuple(shape)}"
        )
    nnz = values.shape[0]
    if indices.shape[0] != nnz:
        raise MXNetError(
            f"{where}: indices has {indices.shape[0]} entries but data has {nnz}; "
            "they must have one entry per stored value"
        )
    if int(indptr[0]) != 0 or int(indptr[-1]) != nnz:
        raise MXNetError(
            f"{where}: indptr must start at 0 and end at nnz={nnz}, got "
            f"{_fmt(indptr)} (first {int(indptr[0])}, last {int(indptr[-1])})"
        )
    if rows and bool((indptr[1:] < indptr[:-1]).any()):
        raise MXNetError(f"{where}: indptr must be non-decreasing, got {_fmt(indptr)}")
    if nnz:
        lo, hi = int(indices.min()), int(indices.max())
        if lo < 0 or hi >= cols:
            raise MXNetError(
                f"{where}: column indices must lie in [0, {cols}) for shape "
                f"{tuple(shape)}, got values in [{lo}, {hi}]"
            )
        if nnz > 1:
            same_row = csr_rows(indptr, nnz)
            bad = (indices[1:] <= indices[:-1]) & (same_row[1:] == same_row[:-1])
            if bool(bad.any()):
                r = int(same_row[1:][bad][0])
                raise MXNetError(
                    f"{where}: column indices of row {r} are not sorted and unique: "
                    f"{_fmt(indices[int(indptr[r]) : int(indptr[r + 1])])}; sort "
                    "them (scipy: m.sort_indices(); m.sum_duplicates())"
                )


def csr_sort_columns(values, indptr, indices, shape):
    """``(values, indices)`` with the column indices of every row in ascending
    order (the same matrix: MXNet and scipy accept unsorted rows). Components
    that are not a CSR structure are returned as they are, for check_csr to
    report."""
    nnz = indices.shape[0]
    rows = indptr.shape[0] - 1
    if (
        nnz < 2
        or len(shape) != 2
        or values.dim() != 1
        or values.shape[0] != nnz
        or rows != shape[0]
        or int(indptr[0]) != 0
        or int(indptr[-1]) != nnz
        or bool((indptr[1:] < indptr[:-1]).any())
    ):
        return values, indices
    key = csr_rows(indptr, nnz) * max(int(shape[1]), 1) + indices
    if bool((key[1:] >= key[:-1]).all()):
        return values, indices
    order = torch.argsort(key, stable=True)
    return values[order], indices[order]


def check_rsp(values, indices, shape, where: str) -> None:
    """Raise MXNetError unless the components form a valid row_sparse array."""
    if len(shape) < 1:
        raise MXNetError(f"{where}: a row_sparse array has ndim >= 1, got shape ()")
    if indices.dim() != 1:
        raise MXNetError(
            f"{where}: indices must be 1-D, got shape {tuple(indices.shape)}"
        )
    if values.dim() != len(shape) or tuple(values.shape[1:]) != tuple(shape[1:]):
        raise MXNetError(
            f"{where}: data has shape {tuple(values.shape)}, expected (k,) + "
            f"{tuple(shape[1:])} for a row_sparse array of shape {tuple(shape)}"
        )
    k = indices.shape[0]
    if values.shape[0] != k:
        raise MXNetError(
            f"{where}: data has {values.shape[0]} rows but indices has {k} entries"
        )
    if k:
        lo, hi = int(indices.min()), int(indices.max())
        if lo < 0 or hi >= shape[0]:
            raise MXNetError(
                f"{where}: row indices must lie in [0, {shape[0]}) for shape "
                f"{tuple(shape)}, got values in [{lo}, {hi}]"
            )
        if k > 1 and bool((indices[1:] <= indices[:-1]).any()):
            raise MXNetError(
                f"{where}: row indices must be sorted and unique, got {_fmt(indices)}"
            )


def csr_rows(indptr: torch.Tensor, nnz: int) -> torch.Tensor:
    """The row of every stored value."""
    n = indptr.shape[0] - 1
    counts = indptr[1:] - indptr[:-1]
    return torch.repeat_interleave(
        torch.arange(n, device=indptr.device), counts, output_size=nnz
    )


def csr_to_dense(values, indptr, indices, shape) -> torch.Tensor:
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    if values.numel():
        out[csr_rows(indptr, values.shape[0]), indices] = values
    return out


def rsp_to_dense(values, indices, shape) -> torch.Tensor:
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    if indices.numel():
        out[indices] = values
    return out


def dense_to_csr(t: torch.Tensor):
    if t.dim() != 2:
        raise MXNetError(
            f"cast_storage: csr storage needs a 2-D array, got shape {tuple(t.shape)}"
        )
    nz = t != 0
    counts = nz.sum(1)
    indptr = torch.zeros(t.shape[0] + 1, dtype=_I64, device=t.device)
    torch.cumsum(counts, 0, out=indptr[1:])
    indices = nz.nonzero()[:, 1].contiguous()
    return t[nz].contiguous(), indptr, indices


def dense_to_rsp(t: torch.Tensor):
    if t.dim() == 0:
        raise MXNetError("cast_storage: row_sparse storage needs ndim >= 1, got ()")
    flat = t.reshape(t.shape[0], -1) if t.shape[0] else t.reshape(0, 1)
    keep = (flat != 0).any(1)
    indices = keep.nonzero()[:, 0].contiguous()
    return t[indices].contiguous(), indices


def _index_of(keys: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
    return torch.searchsorted(keys, where)


def rsp_union(va, ia, vb, ib, sign: float = 1.0):
    """Rows of ``a + sign * b`` over the union of both row sets."""
    idx = torch.unique(torch.cat([ia, ib]))
    dt = torch.promote_types(va.dtype, vb.dtype)
    out = torch.zeros((idx.shape[0], *va.shape[1:]), dtype=dt, device=va.device)
    if ia.numel():
        out.index_add_(0, _index_of(idx, ia), va.to(dt))
    if ib.numel():
        out.index_add_(0, _index_of(idx, ib), vb.to(dt), alpha=sign)
    return out, idx


def rsp_mul_union(va, ia, vb, ib):
    """``a * b`` stored over the union of both row sets (MXNet's layout:
    rows present in only one operand hold zeros)."""
    idx = torch.unique(torch.cat([ia, ib]))
    out = torch.zeros((idx.shape[0], *va.shape[1:]), dtype=va.dtype, device=va.device)
    common, pa, pb = ia[torch.isin(ia, ib)], None, None
    if common.numel():
        pa = _index_of(ia, common)
        pb = _index_of(ib, common)
        out[_index_of(idx, common)] = va[pa] * vb[pb]
    return out, idx


def rsp_intersect(va, ia, vb, ib, fn):
    """Rows present in both, combined with ``fn``."""
    common = ia[torch.isin(ia, ib)]
    pa = _index_of(ia, common)
    pb = _index_of(ib, common)
    return fn(va[pa], vb[pb]), common


def _csr_keys(indptr, indices, ncols):
    rows = csr_rows(indptr, indices.shape[0])
    return rows * ncols + indices


def _csr_from_keys(vals, keys, shape):
    rows = torch.div(keys, shape[1], rounding_mode="floor")
    cols = keys - rows * shape[1]
    counts = torch.bincount(rows, minlength=shape[0])
    indptr = torch.zeros(shape[0] + 1, dtype=_I64, device=keys.device)
    torch.cumsum(counts, 0, out=indptr[1:])
    return vals, indptr, cols


def csr_union(a, b, shape, sign: float = 1.0):
    (va, pa, ia), (vb, pb, ib) = a, b
    ka = _csr_keys(pa, ia, shape[1])
    kb = _csr_keys(pb, ib, shape[1])
    vals, keys = rsp_union(va, ka, vb, kb, sign)
    return _csr_from_keys(vals, keys, shape)


def csr_intersect(a, b, shape, fn):
    (va, pa, ia), (vb, pb, ib) = a, b
    ka = _csr_keys(pa, ia, shape[1])
    kb = _csr_keys(pb, ib, shape[1])
    vals, keys = rsp_intersect(va, ka, vb, kb, fn)
    return _csr_from_keys(vals, keys, shape)


def csr_slice(values, indptr, indices, r0, r1, c0, c1):
    """Rows ``r0:r1`` and columns ``c0:c1`` of a CSR matrix."""
    lo, hi = int(indptr[r0]), int(indptr[r1])
    v = values[lo:hi]
    ind = indices[lo:hi]
    ptr = indptr[r0 : r1 + 1] - lo
    if c0 is None:
        return v.clone(), ptr.clone(), ind.clone()
    keep = (ind >= c0) & (ind < c1)
    rows = csr_rows(ptr, ind.shape[0])
    counts = torch.bincount(rows[keep], minlength=r1 - r0)
    nptr = torch.zeros(r1 - r0 + 1, dtype=_I64, device=values.device)
    torch.cumsum(counts, 0, out=nptr[1:])
    return v[keep].clone(), nptr, ind[keep] - c0


def csr_concat0(parts):
    vals = torch.cat([p[0] for p in parts])
    inds = torch.cat([p[2] for p in parts])
    ptrs = [parts[0][1]]
    off = parts[0][1][-1]
    for p in parts[1:]:
        ptrs.append(p[1][1:] + off)
        off = off + p[1][-1]
    return vals, torch.cat(ptrs), inds


def _torch_csr(values, indptr, indices, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sparse CSR support is in beta"
        return torch.sparse_csr_tensor(
            indptr, indices, values, size=tuple(shape), check_invariants=False
        )


def csr_dot_dense(values, indptr, indices, shape, rhs: torch.Tensor) -> torch.Tensor:
    """``csr @ rhs`` (rhs 1-D or 2-D dense), dense result."""
    vec = rhs.dim() == 1
    r = rhs.reshape(-1, 1) if vec else rhs
    if values.numel() == 0:
        out = torch.zeros((shape[0], r.shape[1]), dtype=values.dtype, device=r.device)
    elif values.dtype in (torch.float32, torch.float64):
        out = torch.sparse.mm(_torch_csr(values, indptr, indices, shape), r)
    else:
        rows = csr_rows(indptr, values.shape[0])
        out = torch.zeros((shape[0], r.shape[1]), dtype=values.dtype, device=r.device)
        out.index_add_(0, rows, values[:, None] * r[indices])
    return out.reshape(-1) if vec else out


def csr_t_dot_dense(values, indptr, indices, shape, rhs: torch.Tensor):
    """``csr.T @ rhs`` as row_sparse ``(values, rows)``: the rows are the
    distinct column indices of the CSR matrix."""
    vec = rhs.dim() == 1
    r = rhs.reshape(-1, 1) if vec else rhs
    rows_out = torch.unique(indices)
    rows = csr_rows(indptr, values.shape[0])
    out = torch.zeros((rows_out.shape[0], r.shape[1]), dtype=values.dtype,
                      device=r.device)  # fmt: skip
    if values.numel():
        out.index_add_(0, _index_of(rows_out, indices), values[:, None] * r[rows])
    return (out.reshape(-1) if vec else out), rows_out


def rsp_dot_dense(values, indices, shape, rhs: torch.Tensor) -> torch.Tensor:
    out = torch.zeros((shape[0], rhs.shape[1]), dtype=values.dtype, device=rhs.device)
    if indices.numel():
        out[indices] = values @ rhs
    return out


def rsp_retain(values, indices, keep: torch.Tensor):
    """MXNet's retain: every requested row is stored (zero where ``indices``
    lacks it)."""
    rows = torch.unique(keep)
    out = torch.zeros((rows.shape[0], *values.shape[1:]), dtype=values.dtype,
                      device=values.device)  # fmt: skip
    if indices.numel() and rows.numel():
        pos = torch.searchsorted(indices, rows).clamp(max=indices.shape[0] - 1)
        hit = indices[pos] == rows
        out[hit] = values[pos[hit]]
    return out, rows


def csr_take_rows(values, indptr, indices, rows: torch.Tensor):
    """The CSR matrix made of rows ``rows`` (in that order, repeats allowed)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    nptr = torch.zeros(rows.shape[0] + 1, dtype=_I64, device=values.device)
    torch.cumsum(counts, 0, out=nptr[1:])
    total = int(nptr[-1])
    offs = torch.arange(total, device=values.device) - torch.repeat_interleave(
        nptr[:-1], counts, output_size=total
    )
    pos = torch.repeat_interleave(starts, counts, output_size=total) + offs
    return values[pos], nptr, indices[pos]
