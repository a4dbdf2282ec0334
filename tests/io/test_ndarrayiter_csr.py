"""NDArrayIter over CSR inputs (CSRNDArray or scipy.sparse.csr_matrix), as
MXNet 1.9.1 supports them: only with last_batch_handle='discard'; batches are
CSR row slices; shuffling keeps the rows of data and label together."""

import numpy as np
import pytest
import scipy.sparse as sp

import neogluon as mx


def _dense(n=10, m=6):
    rng = np.random.RandomState(0)
    d = rng.rand(n, m).astype(np.float32)
    d[d < 0.6] = 0
    return d


@pytest.mark.parametrize(
    "make", [lambda d: mx.nd.array(d).tostype("csr"), sp.csr_matrix]
)
def test_csr_needs_discard(make):
    dns = _dense()
    for handle in ("pad", "roll_over"):
        with pytest.raises(NotImplementedError, match="discard"):
            mx.io.NDArrayIter({"data": make(dns)}, dns, 3, last_batch_handle=handle)


def test_csr_batches_are_row_slices():
    dns = _dense()
    it = mx.io.NDArrayIter(
        mx.nd.sparse.array(sp.csr_matrix(dns)), dns, 3, last_batch_handle="discard"
    )
    batches = list(it)
    assert len(batches) == 3  # 10 rows, batch 3: the incomplete last one dropped
    for i, b in enumerate(batches):
        assert b.data[0].stype == "csr"
        np.testing.assert_array_equal(b.data[0].asnumpy(), dns[3 * i : 3 * i + 3])
        np.testing.assert_array_equal(b.label[0].asnumpy(), dns[3 * i : 3 * i + 3])


def test_csr_shuffle_keeps_rows_together():
    dns = _dense()
    dns[:, 0] = np.arange(10)  # row id in column 0 (kept: nonzero from row 1)
    label = np.arange(10, dtype=np.float32)
    it = mx.io.NDArrayIter(
        {"csr_data": sp.csr_matrix(dns), "dns_data": dns},
        label,
        2,
        shuffle=True,
        last_batch_handle="discard",
    )
    seen = []
    for b in it:
        names = [d.name for d in it.provide_data]
        arrays = dict(zip(names, b.data, strict=True))
        assert arrays["csr_data"].stype == "csr"
        np.testing.assert_array_equal(
            arrays["csr_data"].asnumpy(), arrays["dns_data"].asnumpy()
        )
        np.testing.assert_array_equal(
            arrays["csr_data"].asnumpy()[:, 0], b.label[0].asnumpy()
        )
        seen.extend(b.label[0].asnumpy().tolist())
    assert sorted(seen) == list(range(10))
