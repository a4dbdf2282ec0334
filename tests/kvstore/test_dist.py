"""dist_sync over torch.distributed: two Gloo worker processes on 127.0.0.1.

Each worker (``_dist_worker.py``) trains on its half of every batch; the
gradients are summed over the workers and ``step(8)`` rescales by the global
batch, so both must end with the weights of MXNet 1.9.1's two-context
``'device'`` run (context ``r`` saw worker ``r``'s half): fixture
``kvstore/trainer_device`` (and ``trainer_device_2bit`` with 2bit
compression, which MXNet applies per context as we apply it per worker).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tests.conftest import load_fixture

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_dist_worker.py")
TIMEOUT_S = 60
RTOL, ATOL = 1e-5, 1e-6


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_workers(inp: Path, out_dir: Path, world: int = 2) -> list[str]:
    port = _free_port()
    procs = []
    logs = []
    try:
        for rank in range(world):
            env = dict(os.environ)
            env.update(
                RANK=str(rank),
                LOCAL_RANK=str(rank),
                WORLD_SIZE=str(world),
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=str(port),
                GLOO_SOCKET_IFNAME="lo",
                OMP_NUM_THREADS="1",
                PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
            )
            log = open(out_dir / f"log{rank}.txt", "w+")  # noqa: SIM115
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(WORKER), str(inp), str(out_dir)],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + TIMEOUT_S
        for p in procs:
            p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        texts = []
        for log in logs:
            log.seek(0)
            texts.append(log.read())
            log.close()
    for rank, p in enumerate(procs):
        if p.returncode != 0:
            raise AssertionError(
                f"worker {rank} exited with {p.returncode} (killed after "
                f"{TIMEOUT_S} s if negative); its output:\n{texts[rank][-3000:]}"
            )
    return texts


def test_dist_sync_two_gloo_workers(tmp_path):
    fx = load_fixture("kvstore", "trainer_device")
    fx2 = load_fixture("kvstore", "trainer_device_2bit")
    assert np.array_equal(fx["x"], fx2["x"]) and np.array_equal(fx["w0"], fx2["w0"])
    inp = tmp_path / "in.npz"
    np.savez(inp, w0=fx["w0"], b0=fx["b0"], x=fx["x"], y=fx["y"])
    _run_workers(inp, tmp_path)
    res = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(2)]

    ones = np.ones((2, 3), np.float32)
    for r, out in enumerate(res):
        assert int(out["rank"]) == r and int(out["num_workers"]) == 2
        assert str(out["type"]) == "dist_sync"
        np.testing.assert_array_equal(out["init"], ones)  # rank 0's value
        # (1 + 10) from rank 0 plus (2 + 10) from rank 1
        np.testing.assert_array_equal(out["push"], 23 * ones)
        np.testing.assert_array_equal(out["pushpull_b"], 3 * np.arange(4))
        np.testing.assert_array_equal(out["pushpull_c"], [100.0])
        np.testing.assert_array_equal(out["broadcast"], np.arange(4))
        # SGD on the summed gradient 1 + 2: 1 - 0.5 * 3
        np.testing.assert_allclose(out["sgd"], [-0.5] * 3)
        # Trainer: the first step gives every worker rank 0's weights
        np.testing.assert_array_equal(out["probe"], np.ones((2, 3)))

    for tag, ref, upd in (
        ("upd_on_kv", fx, True),
        ("allreduce", fx, False),
        ("2bit", fx2, True),
    ):
        for r, out in enumerate(res):
            assert bool(out[f"{tag}.update_on_kvstore"]) is upd
            for k in ("weight", "bias"):
                np.testing.assert_allclose(
                    out[f"{tag}.{k}"],
                    ref[k],
                    rtol=RTOL,
                    atol=ATOL,
                    err_msg=f"{tag} worker {r} {k}",
                )
