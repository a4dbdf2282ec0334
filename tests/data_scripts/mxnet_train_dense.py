"""A small training script written for MXNet 1.x, unchanged.

``tests/test_cli.py`` runs it with ``neogluon run`` (which makes ``import
mxnet`` resolve to neogluon). It prints one line per step and a final line
``ARGS <argv>`` so the test can check what the script saw.
"""

import sys

import mxnet as mx
import mxnet.gluon.nn
import mxnet.ndarray as F
from mxnet import autograd
from mxnet import gluon
from mxnet.gluon import nn


def build():
    net = nn.HybridSequential()
    net.add(nn.Dense(16, activation="relu"), mxnet.gluon.nn.Dense(3))
    return net


if __name__ == "__main__":
    mx.random.seed(1)
    net = build()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    x = mx.nd.random.uniform(shape=(8, 5))
    y = F.array([0, 1, 2, 0, 1, 2, 0, 1])
    for step in range(2):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(x.shape[0])
        print(f"step {step} loss {loss.mean().asscalar():.6f}")
    print("MXNET_IS", mx.__name__, mx.__version__, type(x).__module__)
    print("ARGS", sys.argv)
