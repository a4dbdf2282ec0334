"""mx.profiler facade over torch.profiler.

No MXNet fixtures: the trace and the table are torch's events (documented in
neogluon/profiler.py), so the tests check the MXNet API contract: the calls,
a valid Chrome-trace JSON file with events, a table naming the ops, pause and
resume, and clear errors.
"""

from __future__ import annotations

import json

import pytest

import neogluon as mx
from neogluon import profiler


@pytest.fixture(autouse=True)
def clean_profiler(tmp_path):
    profiler.set_config(filename=str(tmp_path / "profile.json"))
    profiler.dumps(reset=True)
    yield
    profiler.set_state("stop")
    profiler.dumps(reset=True)
    profiler._State.traces = []
    profiler._State.counters = []
    profiler.set_config(filename="profile.json")


def _work():
    a = mx.nd.ones((4, 5))
    b = mx.nd.dot(a, mx.nd.ones((5, 3)))
    (b + 1).asnumpy()


def _names(trace):
    return [e.get("name", "") for e in trace["traceEvents"]]


def test_run_stop_dump_writes_chrome_trace(tmp_path):
    fname = tmp_path / "profile.json"
    profiler.set_config(profile_all=True, aggregate_stats=True, filename=str(fname))
    profiler.set_state("run")
    _work()
    profiler.set_state("stop")
    profiler.dump()
    trace = json.loads(fname.read_text())
    names = _names(trace)
    complete = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
    assert complete and all("ts" in e and "dur" in e for e in complete)
    assert any(n.startswith("aten::") for n in names)
    assert any("mm" in n for n in names)


def test_dumps_table_and_json():
    profiler.set_state("run")
    _work()
    profiler.set_state("stop")
    table = profiler.dumps()
    assert "Profile Statistics" in table and "operator" in table
    # Eager operators appear under MXNet's names; torch's kernels run inside.
    assert "_plus_scalar" in table and "dot" in table
    assert "aten::add" not in table
    stats = json.loads(profiler.dumps(format="json", sort_by="count"))
    ops = stats["Time"]["operator"]
    assert stats["Unit"]["Time"] == "ms"
    assert ops["_plus_scalar"]["Count"] == 1  # MXNet's key (the table: Total Count)
    rec = ops["_plus_scalar"]
    assert rec["Min"] <= rec["Avg"] <= rec["Max"] <= rec["Total"] + 1e-9
    # descending by total (default) within the category
    body = table.split("operator\n=================\n", 1)[1].split("\n\n", 1)[0]
    lines = body.splitlines()[2:]
    assert len(lines) >= 2
    totals = [float(ln[40:].split()[1]) for ln in lines]
    assert totals == sorted(totals, reverse=True)
    profiler.dumps(reset=True)
    assert "_plus_scalar" not in profiler.dumps()


def test_dumps_while_running_keeps_profiling():
    profiler.set_state("run")
    _work()
    assert "_plus_scalar" in profiler.dumps(reset=True)
    mx.nd.ones((2,)).__mul__(3).asnumpy()
    profiler.set_state("stop")
    assert "_mul_scalar" in profiler.dumps()


def test_pause_resume():
    profiler.set_state("run")
    profiler.pause()
    (mx.nd.ones((3,)) * 2).asnumpy()
    profiler.resume()
    (mx.nd.ones((3,)) + 2).asnumpy()
    profiler.set_state("stop")
    table = profiler.dumps()
    assert "_plus_scalar" in table
    assert "_mul_scalar" not in table


def test_dump_not_finished_continues(tmp_path):
    fname = tmp_path / "profile.json"
    profiler.set_state("run")
    _work()
    profiler.dump(finished=False)
    first = _names(json.loads(fname.read_text()))
    assert "aten::add" in first
    (mx.nd.ones((3,)) * 2).asnumpy()
    profiler.dump()
    second = _names(json.loads(fname.read_text()))
    # As MXNet, the file keeps everything since profiling started.
    assert "aten::mul" in second and "aten::add" in second
    # A finished dump clears the recorded events.
    profiler.set_state("run")
    (mx.nd.ones((3,)) - 2).asnumpy()
    profiler.dump()
    third = _names(json.loads(fname.read_text()))
    assert "aten::sub" in third and "aten::mul" not in third


def test_domain_task_frame_event_counter_marker(tmp_path):
    fname = tmp_path / "profile.json"
    dom = profiler.Domain("mydomain")
    assert str(dom) == "mydomain"
    profiler.set_state("run")
    task = dom.new_task("mytask")
    task.start()
    _work()
    task.stop()
    with profiler.Event("myevent"):
        (mx.nd.ones((2,)) + 1).asnumpy()
    frame = dom.new_frame("myframe")
    frame.start()
    frame.stop()
    counter = dom.new_counter("mycounter", 5)
    counter += 3
    counter.decrement(2)
    assert counter.value == 6
    dom.new_marker("mymarker").mark()
    profiler.set_state("stop")
    table = profiler.dumps()
    assert "mydomain::mytask" in table and "Event::myevent" in table
    profiler.dump()
    trace = json.loads(fname.read_text())
    names = _names(trace)
    for n in ("mydomain::mytask", "mydomain::myframe", "mydomain::mymarker"):
        assert n in names
    counts = [
        e["args"]["mycounter"]
        for e in trace["traceEvents"]
        if e.get("ph") == "C" and e["name"] == "mycounter"
    ]
    assert counts == [5, 8, 6]
    with pytest.raises(mx.MXNetError, match="without start"):
        task.stop()


def test_errors():
    with pytest.raises(ValueError, match="'run' or 'stop'.*'start'"):
        profiler.set_state("start")
    with pytest.raises(ValueError, match="unknown keyword.*profile_everything"):
        profiler.set_config(profile_everything=True)
    with pytest.raises(ValueError, match="invalid format 'csv'"):
        profiler.dumps(format="csv")
    with pytest.raises(ValueError, match="invalid sort_by 'name'"):
        profiler.dumps(sort_by="name")
    with pytest.raises(mx.MXNetError, match="server"):
        profiler.set_state("run", profile_process="server")
    with pytest.raises(ValueError, match="'worker' or 'server'"):
        profiler.pause(profile_process="gpu")


def test_lazy_attribute():
    assert mx.profiler is profiler


def test_memory_table_with_profile_memory():
    profiler.set_config(profile_memory=True)
    try:
        profiler.dumps(reset=True)
        profiler.set_state("run")
        x = mx.nd.ones((256, 256))
        y = (x * 2).asnumpy()
        del x
        profiler.set_state("stop")
        stats = json.loads(profiler.dumps(format="json"))
        assert stats["Unit"] == {"Time": "ms", "Memory": "kB"}
        cpu = stats["Memory"]["Device Storage"]["Memory: cpu/0"]
        assert set(cpu) == {"Count", "Min", "Max", "Avg"}
        # Two 256 KiB float32 arrays were alive at once.
        assert cpu["Count"] >= 2 and cpu["Max"] >= 2 * 262.144 - 1e-6
        assert cpu["Avg"] == pytest.approx((cpu["Max"] - cpu["Min"]) / 2)
        assert "Device Storage" in profiler.dumps()
        assert y.shape == (256, 256)
    finally:
        profiler.set_config(profile_memory=False)
        profiler.dumps(reset=True)


def test_memory_key_present_without_memory_profiling():
    profiler.set_config(profile_all=False, profile_memory=False)
    profiler.dumps(reset=True)
    profiler.set_state("run")
    _work()
    profiler.set_state("stop")
    stats = json.loads(profiler.dumps(format="json"))
    assert stats["Memory"] == {}
