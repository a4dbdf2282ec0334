"""The reference signatures of MXNet's ``_np_*`` operators (``mxnet._numpy_op_doc``).

MXNet 1.9.1 documents each of its ``_np_*`` operators by a Python function of
this module whose signature is the one of the ``mx.np`` function the operator
stands for; its tests check that every registered ``_np_*`` operator has an
entry here and that ``mx.np``'s function has the same signature
(``numpy_op_signature._get_builtin_op``). Each entry here calls that ``mx.np``
function.
"""

from __future__ import annotations

from . import numpy as _np

__all__: list[str] = []


def _np_all(a, axis=None, keepdims=False, out=None):
    """Whether all elements along ``axis`` are true (bool)."""
    return _np.all(a, axis=axis, keepdims=keepdims, out=out)


def _np_amax(a, axis=None, keepdims=False, out=None):
    """The maximum along ``axis`` (same as ``max``)."""
    return _np.amax(a, axis=axis, keepdims=keepdims, out=out)


def _np_amin(a, axis=None, keepdims=False, out=None):
    """The minimum along ``axis`` (same as ``min``)."""
    return _np.amin(a, axis=axis, keepdims=keepdims, out=out)


def _np_any(a, axis=None, keepdims=False, out=None):
    """Whether any element along ``axis`` is true (bool)."""
    return _np.any(a, axis=axis, keepdims=keepdims, out=out)


def _np_atleast_1d(*arys):
    """The inputs viewed with at least one dimension."""
    return _np.atleast_1d(*arys)


def _np_atleast_2d(*arys):
    """The inputs viewed with at least two dimensions."""
    return _np.atleast_2d(*arys)


def _np_atleast_3d(*arys):
    """The inputs viewed with at least three dimensions."""
    return _np.atleast_3d(*arys)


def _np_copy(a, out=None):
    """A copy of ``a``."""
    return _np.copy(a, out=out)


def _np_cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum along ``axis`` (of the flattened array when None)."""
    return _np.cumsum(a, axis=axis, dtype=dtype, out=out)


def _np_diag(array, k=0):
    """The ``k``-th diagonal of a 2-d array, or a 2-d array with a 1-d input on it."""
    return _np.diag(array, k=k)


def _np_diagflat(array, k=0):
    """A 2-d array with the flattened input on the ``k``-th diagonal."""
    return _np.diagflat(array, k=k)


def _np_diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonals of the ``axis1``/``axis2`` planes."""
    return _np.diagonal(a, offset=offset, axis1=axis1, axis2=axis2)


def _np_dot(a, b, out=None):
    """Dot product (matrix product for 2-d operands)."""
    return _np.dot(a, b, out=out)


def _np_max(a, axis=None, keepdims=False, out=None):
    """The maximum along ``axis``."""
    return _np.max(a, axis=axis, keepdims=keepdims, out=out)


def _np_min(a, axis=None, keepdims=False, out=None):
    """The minimum along ``axis``."""
    return _np.min(a, axis=axis, keepdims=keepdims, out=out)


def _np_moveaxis(a, source, destination):
    """The axes ``source`` moved to ``destination``."""
    return _np.moveaxis(a, source, destination)


def _np_prod(a, axis=None, dtype=None, out=None, keepdims=False):
    """The product along ``axis``."""
    return _np.prod(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def _np_product(a, axis=None, dtype=None, out=None, keepdims=False):
    """The product along ``axis`` (same as ``prod``)."""
    return _np.product(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def _np_repeat(a, repeats, axis=None):
    """Each element repeated ``repeats`` times along ``axis``."""
    return _np.repeat(a, repeats, axis=axis)


def _np_reshape(a, newshape, order="C", out=None):
    """The data of ``a`` with shape ``newshape``."""
    return _np.reshape(a, newshape, order=order, out=out)


def _np_roll(a, shift, axis=None):
    """Elements shifted by ``shift`` along ``axis``, wrapping around."""
    return _np.roll(a, shift, axis=axis)


def _np_sometrue(a, axis=None, keepdims=False, out=None):
    """Whether any element along ``axis`` is true (same as ``any``)."""
    return _np.sometrue(a, axis=axis, keepdims=keepdims, out=out)


def _np_squeeze(a, axis=None, out=None):
    """The axes of length one removed."""
    return _np.squeeze(a, axis=axis, out=out)


def _np_sum(a, axis=None, dtype=None, keepdims=False, initial=None, out=None):
    """The sum along ``axis``."""
    return _np.sum(
        a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, out=out
    )


def _np_trace(a, offset=0, axis1=0, axis2=1, out=None):
    """The sums along diagonals."""
    return _np.trace(a, offset=offset, axis1=axis1, axis2=axis2, out=out)


def _np_transpose(a, axes=None):
    """The axes permuted (reversed when ``axes`` is None)."""
    return _np.transpose(a, axes=axes)
