"""Contexts: naming, scoping, device errors."""

from __future__ import annotations

import threading

import pytest
import torch

import neogluon as mx
from neogluon import nd
from neogluon.base import MXNetError


def test_context_basics():
    assert str(mx.cpu()) == "cpu(0)" and repr(mx.gpu(1)) == "gpu(1)"
    assert str(mx.cpu_pinned()) == "cpu_pinned(0)"
    assert mx.Context("cpu", 0) == mx.cpu() and mx.cpu() != mx.gpu()
    assert hash(mx.gpu(2)) == hash(mx.Context(mx.gpu(2)))
    assert mx.gpu(2).device_typeid == 2 and mx.gpu(2).device_type == "gpu"
    with pytest.raises(ValueError, match="Unknown device type"):
        mx.Context("tpu")
    assert mx.current_context() == mx.cpu()
    assert mx.context.num_gpus() == (
        torch.cuda.device_count() if torch.cuda.is_available() else 0
    )


def test_with_context_nests_and_is_thread_local():
    seen = []
    with mx.cpu(1):
        assert mx.current_context() == mx.cpu(1)
        c = mx.cpu(2)
        with c:
            with c:
                assert mx.current_context() == mx.cpu(2)
            assert mx.current_context() == mx.cpu(2)
        assert mx.current_context() == mx.cpu(1)
        t = threading.Thread(target=lambda: seen.append(mx.current_context()))
        t.start()
        t.join()
    assert seen == [mx.cpu()]
    assert mx.current_context() == mx.cpu()
    with mx.cpu(1):
        x = nd.ones((2,))
        y = nd.random.uniform(shape=(2,))
    # MXNet 1.9.1 gives cpu(1) for both (checked in the reference environment).
    assert x.context == mx.cpu(1) and y.context == mx.cpu(1)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_gpu_allocation_without_cuda_names_the_device():
    g = mx.gpu(0)  # creating the context never fails
    with pytest.raises(MXNetError, match=r"Cannot allocate an array on gpu\(0\)"):
        with g:
            nd.zeros((2,))
    with pytest.raises(MXNetError, match=r"gpu\(3\)"):
        nd.array([1, 2], ctx=mx.gpu(3))
    with pytest.raises(MXNetError, match="does not exist"):
        mx.context.gpu_memory_info(0)
    assert nd.ones((1,)).as_in_context(mx.cpu()).context == mx.cpu()


@pytest.mark.gpu
def test_gpu_arrays():
    x = nd.ones((2, 3), ctx=mx.gpu(0))
    assert x.context == mx.gpu(0)
    assert x.as_in_context(mx.gpu(0)) is x
    y = x.copyto(mx.cpu())
    assert y.context == mx.cpu()
    free, total = mx.context.gpu_memory_info(0)
    assert 0 < free <= total


def test_deprecated_class_level_default_ctx():
    # MXNet 1.9.1's own tests still read ``mx.Context.default_ctx``.
    with pytest.warns(DeprecationWarning, match="default_ctx has been deprecated"):
        assert mx.Context.default_ctx == mx.current_context()
    try:
        with pytest.warns(DeprecationWarning):
            mx.Context.default_ctx = mx.cpu(1)
        assert mx.current_context() == mx.cpu(1)
    finally:
        with pytest.warns(DeprecationWarning):
            mx.Context.default_ctx = mx.cpu(0)
