"""neogluon.interop: NDArray/Block <-> torch.Tensor/nn.Module, state dicts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon import interop
from neogluon.base import MXNetError
from neogluon.gluon import nn

RTOL, ATOL = 1e-6, 1e-7


def _mlp(in_units: int | None = 5) -> nn.HybridSequential:
    net = nn.HybridSequential()
    kw = {} if in_units is None else {"in_units": in_units}
    net.add(nn.Dense(8, activation="tanh", **kw), nn.Dense(3, in_units=8))
    net.initialize(mx.init.Xavier())
    return net


def _data(seed: int = 0, shape=(4, 5)):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g), torch.randn(shape[0], 3, generator=g)


# --------------------------------------------------------------------------- arrays
def test_ndarray_tensor_roundtrip_shares_memory():
    a = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
    t = interop.to_torch(a)
    t[0, 0] = 10.0
    assert a.asnumpy()[0, 0] == 10.0
    b = interop.from_torch(t)
    b[1, 1] = -1.0
    assert t[1, 1].item() == -1.0
    with pytest.raises(TypeError, match="NDArray"):
        interop.to_torch(np.zeros(2))


# --------------------------------------------------------------------------- to_torch_module
def test_to_torch_module_names_and_memory(tmp_path):
    net = nn.HybridSequential()
    net.add(nn.Dense(8, in_units=5), nn.Dense(3, in_units=8))
    net.add(nn.BatchNorm(in_channels=3))
    net.initialize(mx.init.Xavier())
    m = interop.to_torch_module(net)
    f = str(tmp_path / "net.params")
    net.save_parameters(f)
    keys = sorted(mx.nd.load(f).keys())
    assert sorted(m.state_dict().keys()) == keys
    assert sorted(k for k, _ in m.named_parameters()) == [
        "0.bias",
        "0.weight",
        "1.bias",
        "1.weight",
        "2.beta",
        "2.gamma",
    ]
    assert sorted(k for k, _ in m.named_buffers()) == [
        "2.running_mean",
        "2.running_var",
    ]
    w = dict(m.named_parameters())["0.weight"]
    assert isinstance(w, torch.nn.Parameter) and w.requires_grad
    with torch.no_grad():
        w[0, 0] = 42.0  # torch write -> gluon
    assert net[0].weight.data().asnumpy()[0, 0] == 42.0
    net[0].weight.data()[1, 1] = -7.0  # gluon write -> torch
    assert w[1, 1].item() == -7.0
    rm = dict(m.named_buffers())["2.running_mean"]
    net[2].running_mean.set_data(mx.nd.ones((3,)) * 3)
    assert torch.equal(rm, torch.full((3,), 3.0))


def test_to_torch_module_forward_and_backward_match_gluon():
    net = _mlp()
    m = interop.to_torch_module(net)
    x, _ = _data()
    xg = mx.nd.array(x.numpy())
    for p in net.collect_params().values():
        p.zero_grad()
    with mx.autograd.record():
        yg = net(xg)
        (yg * yg).sum().backward()
    out = m(x)
    assert isinstance(out, torch.Tensor) and out.requires_grad
    np.testing.assert_allclose(out.detach().numpy(), yg.asnumpy(), RTOL, ATOL)
    (out * out).sum().backward()
    for k, p in m.named_parameters():
        gp = dict(net._collect_params_with_prefix())[k]
        np.testing.assert_allclose(
            p.grad.numpy(), gp.grad().asnumpy(), 1e-5, 1e-6, err_msg=k
        )


def test_input_gradient_flows_through_wrapped_block():
    net = _mlp()
    m = interop.to_torch_module(net)
    x, _ = _data()
    x.requires_grad_(True)
    m(x).sum().backward()
    xg = mx.nd.array(x.detach().numpy())
    xg.attach_grad()
    with mx.autograd.record():
        net(xg).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xg.grad.asnumpy(), 1e-5, 1e-6)


@pytest.mark.parametrize("hybridize", [False, True])
def test_torch_optimizer_matches_gluon_trainer(hybridize):
    """torch.optim.SGD on the wrapper == gluon Trainer('sgd') on the block."""
    net_g = _mlp()
    net_t = _mlp()
    for (_, a), (_, b) in zip(
        sorted(net_g._collect_params_with_prefix().items()),
        sorted(net_t._collect_params_with_prefix().items()),
        strict=True,
    ):
        b.set_data(a.data())
    if hybridize:
        net_t.hybridize()
    batch = 4
    trainer = mx.gluon.Trainer(net_g.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = mx.gluon.loss.L2Loss()
    m = interop.to_torch_module(net_t)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    for step in range(4):
        x, y = _data(step)
        with mx.autograd.record():
            loss = loss_fn(net_g(mx.nd.array(x.numpy())), mx.nd.array(y.numpy()))
        loss.backward()
        trainer.step(batch)
        opt.zero_grad()
        out = m(x)
        # L2Loss: 0.5 * mean over features; Trainer rescales the sum by 1/batch.
        tloss = (0.5 * (out - y) ** 2).mean(dim=1).sum() / batch
        tloss.backward()
        opt.step()
    for k, p in net_t._collect_params_with_prefix().items():
        ref = net_g._collect_params_with_prefix()[k].data().asnumpy()
        np.testing.assert_allclose(p.data().asnumpy(), ref, RTOL, ATOL, err_msg=k)
    # The torch Parameters are the Gluon weights (updated in place).
    np.testing.assert_array_equal(
        dict(m.named_parameters())["0.weight"].detach().numpy(),
        net_t[0].weight.data().asnumpy(),
    )


def test_wrapped_block_inside_torch_sequential_trains():
    net = _mlp()
    seq = torch.nn.Sequential(interop.to_torch_module(net), torch.nn.Linear(3, 1))
    names = [k for k, _ in seq.named_parameters()]
    assert names[:2] == ["0.0.weight", "0.0.bias"]
    before = net[0].weight.data().asnumpy().copy()
    opt = torch.optim.Adam(seq.parameters(), lr=0.01)
    x, _ = _data()
    for _ in range(2):
        opt.zero_grad()
        seq(x).pow(2).mean().backward()
        opt.step()
    assert not np.allclose(before, net[0].weight.data().asnumpy())


def test_train_eval_map_to_gluon_modes():
    net = nn.HybridSequential()
    net.add(nn.Dense(6, in_units=4), nn.BatchNorm(in_channels=6), nn.Dropout(0.5))
    net.initialize()
    m = interop.to_torch_module(net)
    x = torch.randn(16, 4)
    rm = dict(m.named_buffers())["1.running_mean"]
    m.train()
    y = m(x)
    assert (y == 0).float().mean().item() > 0.2  # dropout active
    # As in MXNet, BatchNorm updates its running stats during backward.
    y.sum().backward()
    assert not torch.equal(rm, torch.zeros(6))  # running stats updated, shared
    np.testing.assert_array_equal(rm.numpy(), net[1].running_mean.data().asnumpy())
    m.eval()
    snapshot = rm.clone()
    with torch.no_grad():
        y1 = m(x)
        y2 = m(x)
    assert torch.equal(y1, y2) and not y1.requires_grad
    assert torch.equal(rm, snapshot)  # predict mode: stats untouched
    ref = net(mx.nd.array(x.numpy())).asnumpy()  # gluon predict mode
    np.testing.assert_allclose(y1.numpy(), ref, RTOL, ATOL)


def test_deferred_block_needs_example_inputs():
    net = _mlp(in_units=None)
    with pytest.raises(RuntimeError, match="example_inputs"):
        interop.to_torch_module(net)
    m = interop.to_torch_module(net, example_inputs=torch.zeros(2, 5))
    assert dict(m.named_parameters())["0.weight"].shape == (8, 5)


def test_uninitialized_block_errors():
    net = nn.Dense(3, in_units=2)
    with pytest.raises(RuntimeError, match=r"not initialized.*initialize\(\)"):
        interop.to_torch_module(net)
    with pytest.raises(RuntimeError, match="not initialized"):
        interop.state_dict(net)
    with pytest.raises(TypeError, match="gluon Block"):
        interop.to_torch_module(torch.nn.Linear(2, 2))


def test_wrapper_follows_gluon_reallocation_and_refuses_to_move():
    net = _mlp()
    m = interop.to_torch_module(net)
    w = dict(m.named_parameters())["0.weight"]
    opt = torch.optim.SGD(m.parameters(), lr=1.0)
    net.initialize(mx.init.One(), force_reinit=True)  # new Gluon arrays
    m(torch.zeros(1, 5)).sum().backward()
    assert w is dict(m.named_parameters())["0.weight"]
    assert torch.equal(w.detach(), torch.ones(8, 5))
    opt.step()
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), w.detach().numpy())
    with pytest.raises(MXNetError, match="reset_ctx"):
        m.double()
    m.float()  # a no-op conversion is fine


# --------------------------------------------------------------------------- state dicts
def test_state_dict_shares_memory_and_loads(tmp_path):
    net = _mlp()
    sd = interop.state_dict(net)
    f = str(tmp_path / "a.params")
    net.save_parameters(f)
    assert sorted(sd) == sorted(mx.nd.load(f))
    sd["1.bias"][0] = 5.0
    assert net[1].bias.data().asnumpy()[0] == 5.0
    other = _mlp(in_units=None)  # deferred: shapes come from the values
    res = interop.load_state_dict(other, sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    x = mx.nd.ones((2, 5))
    np.testing.assert_array_equal(other(x).asnumpy(), net(x).asnumpy())
    # A torch module's own state dict loads too (here: the wrapper's).
    third = _mlp()
    interop.load_state_dict(third, interop.to_torch_module(net).state_dict())
    np.testing.assert_array_equal(third(x).asnumpy(), net(x).asnumpy())


def test_load_state_dict_strict_errors():
    net = _mlp()
    sd = dict(interop.state_dict(net))
    del sd["0.bias"]
    sd["9.weight"] = torch.zeros(1)
    with pytest.raises(MXNetError, match=r"missing keys \['0.bias'\].*9.weight"):
        interop.load_state_dict(_mlp(), sd)
    res = interop.load_state_dict(_mlp(), sd, strict=False)
    assert res.missing_keys == ["0.bias"] and res.unexpected_keys == ["9.weight"]
    with pytest.raises(ValueError, match="shape incompatible"):
        interop.load_state_dict(
            _mlp(), {**interop.state_dict(net), "0.bias": torch.zeros(3)}
        )


# --------------------------------------------------------------------------- from_torch_module
class _TwoOut(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 3)

    def forward(self, x):
        y = self.lin(x)
        return y, y.sum(dim=1, keepdim=True)


def test_from_torch_module_params_share_memory():
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    blk = interop.from_torch_module(tm, prefix="tm_")
    names = list(blk.collect_params().keys())
    assert names == [
        "tm_0_weight",
        "tm_0_bias",
        "tm_1_weight",
        "tm_1_bias",
        "tm_1_running_mean",
        "tm_1_running_var",
        "tm_1_num_batches_tracked",
    ]
    p = blk.collect_params()["tm_0_weight"]
    p.data()[0, 0] = 9.0
    assert tm[0].weight[0, 0].item() == 9.0
    with torch.no_grad():
        tm[0].bias[1] = -3.0
    assert p.grad_req == "write"
    assert blk.collect_params()["tm_0_bias"].data().asnumpy()[1] == -3.0
    assert blk.collect_params()["tm_1_running_mean"].grad_req == "null"
    x = mx.nd.random.uniform(shape=(5, 4))
    tm.eval()
    with torch.no_grad():
        ref = tm(x.to_torch()).numpy()
    np.testing.assert_allclose(blk(x).asnumpy(), ref, RTOL, ATOL)
    blk.initialize()  # values come from torch: no warning, nothing changes
    np.testing.assert_allclose(blk(x).asnumpy(), ref, RTOL, ATOL)


@pytest.mark.parametrize("hybridize", [False, True])
def test_torch_module_in_hybrid_sequential_trains_like_torch(hybridize):
    torch.manual_seed(0)
    lin = torch.nn.Linear(5, 6)
    ref = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh())
    ref[0].load_state_dict(lin.state_dict())
    net = nn.HybridSequential()
    net.add(interop.from_torch_module(lin), nn.Activation("tanh"), nn.Dense(2))
    net.initialize(mx.init.Xavier())  # the Dense infers in_units=6 through torch
    if hybridize:
        net.hybridize()
    net(mx.nd.zeros((1, 5)))
    head = torch.nn.Linear(6, 2)
    with torch.no_grad():
        head.weight.copy_(net[2].weight.data().to_torch())
        head.bias.copy_(net[2].bias.data().to_torch())
    ref.append(head)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.2})
    opt = torch.optim.SGD(ref.parameters(), lr=0.2)
    w_obj = lin.weight
    for step in range(3):
        x, _ = _data(step)
        with mx.autograd.record():
            out = net(mx.nd.array(x.numpy()))
            loss = (out * out).sum()
        loss.backward()
        trainer.step(4)
        opt.zero_grad()
        ((ref(x) ** 2).sum() / 4).backward()
        opt.step()
    assert lin.weight is w_obj  # updated in place
    np.testing.assert_allclose(
        lin.weight.detach().numpy(), ref[0].weight.detach(), 1e-5, 1e-6
    )
    np.testing.assert_allclose(
        lin.bias.detach().numpy(), ref[0].bias.detach(), 1e-5, 1e-6
    )
    np.testing.assert_allclose(
        net[2].weight.data().asnumpy(), ref[2].weight.detach(), 1e-5, 1e-6
    )


def test_torch_module_modes_buffers_and_outputs():
    tm = torch.nn.Sequential(torch.nn.BatchNorm1d(4), torch.nn.Dropout(0.5))
    blk = interop.from_torch_module(tm)
    rm = blk.collect_params()[blk.prefix + "0_running_mean"]
    x = mx.nd.random.uniform(shape=(32, 4)) + 1.0
    y = blk(x)  # predict mode: running stats (0, 1), no dropout
    np.testing.assert_allclose(y.asnumpy(), x.asnumpy() / np.sqrt(1 + 1e-5), 1e-5)
    assert not tm.training
    with mx.autograd.record():
        y = blk(x)
    assert tm.training
    assert (y.asnumpy() == 0).mean() > 0.2
    assert rm.data().asnumpy().min() > 0.05  # torch updated the shared buffer
    np.testing.assert_array_equal(rm.data().asnumpy(), tm[0].running_mean.numpy())
    two = interop.from_torch_module(_TwoOut(), num_outputs=2)
    a, b = two(mx.nd.ones((2, 4)))
    assert a.shape == (2, 3) and b.shape == (2, 1)
    with pytest.raises(MXNetError, match="num_outputs=2"):
        interop.from_torch_module(_TwoOut())(mx.nd.ones((2, 4)))
    ident = interop.from_torch_module(torch.nn.Identity())
    z = mx.nd.ones((2,))
    out = ident(z)
    out[:] = 5  # outputs never alias inputs (MXNet semantics)
    assert z.asnumpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="torch.nn.Module"):
        interop.from_torch_module(nn.Dense(2))


def test_torch_module_hybridized_matches_eager_and_saves(tmp_path):
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    net = nn.HybridSequential()
    net.add(interop.from_torch_module(tm), nn.Dense(2, in_units=4))
    net.initialize()
    x = mx.nd.random.uniform(shape=(3, 3))
    eager = net(x).asnumpy()
    net.hybridize()
    np.testing.assert_allclose(net(x).asnumpy(), eager, RTOL, ATOL)
    f = str(tmp_path / "n.params")
    net.save_parameters(f)
    keys = sorted(mx.nd.load(f))
    assert keys == ["0.0_bias", "0.0_weight", "1.bias", "1.weight"]
    with torch.no_grad():
        tm[0].weight.zero_()
    net.load_parameters(f)
    assert tm[0].weight.abs().sum().item() > 0  # loaded into the torch module
    np.testing.assert_allclose(net(x).asnumpy(), eager, RTOL, ATOL)


def test_roundtrip_gluon_torch_gluon():
    net = _mlp()
    back = interop.from_torch_module(interop.to_torch_module(net))
    x = mx.nd.random.uniform(shape=(2, 5))
    np.testing.assert_allclose(back(x).asnumpy(), net(x).asnumpy(), RTOL, ATOL)
    # Gradients reach the original Gluon weights through both wrappers.
    w = back.collect_params()[back.prefix + "0_weight"]
    with mx.autograd.record():
        back(x).sum().backward()
    with mx.autograd.record():
        net(x).sum().backward()
    np.testing.assert_allclose(
        w.grad().asnumpy(), net[0].weight.grad().asnumpy(), 1e-5, 1e-6
    )
    w.data()[0, 0] = 3.0
    assert net[0].weight.data().asnumpy()[0, 0] == 3.0


def test_to_torch_state_dict_loads_into_equivalent_torch_net():
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(4, 3, in_channels=3),
        nn.BatchNorm(in_channels=4),
        nn.Activation("relu"),
        nn.Flatten(),
        nn.Dense(6, in_units=4 * 4 * 4),
        nn.LayerNorm(in_channels=6),
    )
    net.initialize(mx.init.Xavier())
    net[1].running_mean.set_data(mx.nd.array([0.1, -0.2, 0.3, 0.0]))
    net[1].running_var.set_data(mx.nd.array([1.5, 0.5, 2.0, 1.0]))
    net[1].gamma.set_data(mx.nd.array([1.0, 2.0, 0.5, 1.5]))
    net[5].beta.set_data(mx.nd.array([0.1] * 6))
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(64, 6),
        torch.nn.LayerNorm(6),
    )
    sd = interop.to_torch_state_dict(net)
    ref.load_state_dict(sd)  # strict: every torch key present, none extra
    ref.eval()
    x = mx.nd.random.uniform(shape=(2, 3, 6, 6))
    with torch.no_grad():
        out = ref(x.to_torch()).numpy()
    np.testing.assert_allclose(out, net(x).asnumpy(), 1e-5, 1e-6)
    sd["0.weight"][0, 0, 0, 0] = 7.0  # shares memory with the block
    assert net[0].weight.data().asnumpy()[0, 0, 0, 0] == 7.0


def test_torch_block_follows_casts_on_either_side():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    blk = interop.from_torch_module(tm)
    x = mx.nd.random.uniform(shape=(5, 3))
    ref = blk(x).asnumpy()
    blk.cast("float64")  # gluon side moves the torch tensors
    assert tm[0].weight.dtype == torch.float64
    assert tm[1].num_batches_tracked.dtype == torch.int64  # counters stay ints
    np.testing.assert_allclose(blk(x.astype("float64")).asnumpy(), ref, 1e-6)
    tm.float()  # torch side replaces buffers; the block follows
    out = blk(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), ref, 1e-6)
    mean = blk.collect_params()[blk.prefix + "1_running_mean"]
    assert mean.data().to_torch().data_ptr() == tm[1].running_mean.data_ptr()


@pytest.mark.gpu
def test_interop_on_gpu():
    net = _mlp()
    net.reset_ctx(mx.gpu(0))
    m = interop.to_torch_module(net)
    w = dict(m.named_parameters())["0.weight"]
    assert w.is_cuda
    x = torch.randn(4, 5, device="cuda")
    m(x).sum().backward()
    assert w.grad is not None and w.grad.is_cuda
    torch.optim.SGD(m.parameters(), lr=0.1).step()
    np.testing.assert_array_equal(
        w.detach().cpu().numpy(), net[0].weight.data().asnumpy()
    )
    tm = torch.nn.Linear(5, 2).cuda()
    blk = interop.from_torch_module(tm)
    assert blk.collect_params()[blk.prefix + "weight"].list_ctx() == [mx.gpu(0)]
    trainer = mx.gluon.Trainer(blk.collect_params(), "sgd", {"learning_rate": 0.1})
    before = tm.weight.detach().clone()
    xg = mx.nd.ones((3, 5), ctx=mx.gpu(0))
    with mx.autograd.record():
        loss = blk(xg).sum()
    loss.backward()
    trainer.step(3)
    # d(sum)/dW = column sums of ones = 1 per row/col entry: W -= 0.1 * 3 / 3
    torch.testing.assert_close(tm.weight.detach(), before - 0.1)
