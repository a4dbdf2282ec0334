"""neogluon against MXNet 1.9.1's import surface (recorded from real MXNet).

``tests/fixtures/mxnet-1.9.1/surface/surface.json`` is written by
``tools/dump_surface.py`` in the reference environment. For every recorded
module: it imports as a real module (``find_spec`` finds it, so ``import
mxnet.x.y`` works through the alias), and every name resolves and is
call-compatible (rules in ``tests/api/_surface.py``). Known gaps are listed,
each with its reason, in ``tests/api/surface_allowlist.txt``; a module test
fails on any gap not listed there. The overall share of present and compatible
names (placeholders that raise MXNetError on use included) must stay at or
above ``THRESHOLD``. Full report: ``python -m tests.api._surface``.
"""

from __future__ import annotations

import warnings

import pytest

from . import _surface as S

#: Present-and-compatible share (module names and class methods together),
#: raised as gaps close: 98.58% (4104 of 4163) when last set. The remaining
#: gaps (surface_allowlist.txt) are mostly contrib operators not registered yet.
THRESHOLD = 98.5

SURFACE = S.load_surface()
ALLOWLIST = S.load_allowlist()


@pytest.fixture(scope="module")
def results():
    return S.check_all(SURFACE)


def _unexpected(res: S.Result) -> dict[str, str]:
    """Gaps not in the allowlist (an allowlisted missing module covers its names)."""
    module_allowed = S.allowed(res.module, ALLOWLIST) is not None
    return {
        p: why
        for p, why in S.failures(res).items()
        if S.allowed(p, ALLOWLIST) is None
        and not (why == "module missing" and module_allowed)
    }


@pytest.mark.parametrize("mx_name", sorted(SURFACE["modules"]))
def test_module(results, mx_name):
    modules, _ = results
    res = next(r for r in modules if r.module == mx_name)
    bad = _unexpected(res)
    assert not bad, (
        f"{mx_name}: {len(bad)} names missing or incompatible:\n"
        + "\n".join(f"  {p}: {why}" for p, why in sorted(bad.items()))
    )


def test_class_methods(results):
    _, methods = results
    bad = {}
    for res in methods:
        bad.update(_unexpected(res))
    assert not bad, f"{len(bad)} methods missing or incompatible:\n" + "\n".join(
        f"  {p}: {why}" for p, why in sorted(bad.items())
    )


def test_coverage_threshold(results):
    modules, methods = results
    total, ok, placeholder = S.summary(modules + methods)
    share = 100.0 * (ok + placeholder) / total
    print(
        f"\nMXNet 1.9.1 surface: {ok + placeholder}/{total} = {share:.2f}% present and "
        f"compatible ({placeholder} placeholders raising MXNetError)"
    )
    assert share >= THRESHOLD, S.report(modules, methods)


def test_allowlist_entries_are_current(results):
    """Every allowlist entry still matches a gap (stale ones are reported)."""
    modules, methods = results
    gaps = {}
    for res in modules + methods:
        gaps.update(S.failures(res))
    stale = [
        pat
        for pat, _ in ALLOWLIST
        if not any(S.allowed(p, [(pat, "-")]) is not None for p in gaps)
    ]
    if stale:
        # Other work may register operators at any time: warn, do not fail.
        warnings.warn(
            "surface_allowlist.txt entries that no longer match a gap (remove them): "
            + ", ".join(stale),
            stacklevel=1,
        )
    assert len(ALLOWLIST) > 0


def test_compare_rules():
    """The call-compatibility rules on small hand-written cases."""
    p = S.parse_sig
    assert (
        S.compare(
            p("data=, weight=, kernel=, out=, name=, **kwargs"),
            p("data=, weight=, kernel=, *, out=, name="),
        )
        is None
    )
    assert "positional #0" in S.compare(p("base, exp"), p("lhs, rhs"))
    assert "keyword 'stype'" in S.compare(
        p("shape, ctx=, dtype=, stype="), p("shape, ctx=, dtype=")
    )
    assert S.compare(p("a, b="), p("*args, **kwargs")) is None
    assert "*args" in S.compare(p("*shape, **kwargs"), p("shape, **kwargs"))
    assert "optional" in S.compare(p("data="), p("data"))
    assert "does not have" in S.compare(p("a"), p("a, b"))
    assert S.compare(p("a, /, b="), p("x, /, b=")) is None
