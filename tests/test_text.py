"""neogluon/_text.py: the one home of the shape formatters."""

from __future__ import annotations

import neogluon as mx
from neogluon._text import fmt_shape
from neogluon._text import fmt_shape_x
from neogluon._text import fmt_shapes
from neogluon._text import indent


def test_fmt_shape_partial_and_known():
    assert fmt_shape((1, 0, 28)) == "(1, ?, 28)"
    assert fmt_shape(None) == "?"
    assert fmt_shape((3,)) == "(3,)"
    assert fmt_shape((0, 4), partial=False) == "(0, 4)"
    assert fmt_shape((), partial=False) == "()"


def test_fmt_shape_x_is_ndarray_repr_format():
    assert fmt_shape_x((2, 3)) == "2x3"
    assert fmt_shape_x(()) == ""
    assert repr(mx.nd.ones((2, 3))).endswith("<NDArray 2x3 @cpu(0)>")


def test_fmt_shapes_nested_as_summary_prints_them():
    a, b = mx.nd.ones((2, 3)), mx.nd.ones((0, 4))
    assert fmt_shapes(a) == "(2, 3)"
    assert fmt_shapes([a, (b, [mx.nd.ones(())])]) == "(2, 3), [(0, 4), [()]]"
    assert fmt_shapes([a, None, "x"]) == "(2, 3), None, 'x'"
    assert fmt_shapes(None) == "None"
    assert fmt_shapes([]) == ""


def test_indent_keeps_first_line():
    assert indent("a\nb\nc", 2) == "a\n  b\n  c"
