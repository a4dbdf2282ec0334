"""tools/check_torch_boundary.py on small code samples that must pass or fail."""

from __future__ import annotations

import textwrap

import pytest

from tools import check_torch_boundary as cb


def _tensor(src: str) -> list[str]:
    return [code for _, code in cb.tensor_accesses_in(textwrap.dedent(src))]


def _imports(src: str) -> list[int]:
    return cb.torch_imports_in(textwrap.dedent(src))


# ------------------------------------------------------------ ._data (check 2)
MUST_PASS = {
    "own attribute": """
        class ArrayDataset:
            def __init__(self, data):
                self._data = data
            def __getitem__(self, i):
                return self._data[i]
        """,
    "own attribute of a subclass": """
        class MNIST(_DownloadedDataset):
            def _get_data(self):
                self._data = nd.array(images)
                del self._data
        """,
    "classmethod": """
        class C:
            @classmethod
            def f(cls):
                return cls._data
        """,
    "own attribute through getattr": """
        class C:
            def f(self):
                return getattr(self, "_data", None)
        """,
    "other names": """
        x.data
        x._data_buffer
        x.data_
        y = "_data"
        d["_data"]
        getattr(x, "data")
        """,
    "self in a nested function": """
        class Parameter:
            def f(self):
                return [lambda: self._data for _ in range(2)]
        """,
}

MUST_FAIL = {
    "read": ("w._data", ["w._data"]),
    "write": ("out._data = t", ["out._data"]),
    "delete": ("del out._data", ["out._data"]),
    "augmented": ("w._data += g", ["w._data"]),
    "subscript base": ("arrs[0]._data", ["arrs[0]._data"]),
    "call result": ("p.data(ctx)._data.detach()", ["p.data(ctx)._data"]),
    "attribute of self": ("self.weight._data", ["self.weight._data"]),
    "super": ("super()._data", ["super()._data"]),
    "in comprehension": (
        "[w._data for w in weights]",
        ["w._data"],
    ),
    "getattr": ('getattr(x, "_data")', ["getattr(x, '_data')"]),
    "setattr": ('setattr(x, "_data", t)', ["setattr(x, '_data', t)"]),
    "hasattr": ('hasattr(x, "_data")', ["hasattr(x, '_data')"]),
    "object.__setattr__": (
        'object.__setattr__(x, "_data", t)',
        ["object.__setattr__(x, '_data', t)"],
    ),
    "object.__getattribute__": (
        'object.__getattribute__(x, "_data")',
        ["object.__getattribute__(x, '_data')"],
    ),
    "attrgetter": (
        'operator.attrgetter("_data")',
        ["operator.attrgetter('_data')"],
    ),
    "NDArray subclass": (
        """
        class Mine(NDArray):
            def raw(self):
                return self._data
        """,
        ["self._data"],
    ),
    "qualified NDArray subclass": (
        """
        class Mine(nd.NDArray):
            def raw(self):
                return self._data
        """,
        ["self._data"],
    ),
    "method of a plain class reaching another object": (
        """
        class Dataset:
            def f(self, other):
                return other._data
        """,
        ["other._data"],
    ),
}


@pytest.mark.parametrize("name", sorted(MUST_PASS))
def test_tensor_access_passes(name):
    assert _tensor(MUST_PASS[name]) == []


@pytest.mark.parametrize("name", sorted(MUST_FAIL))
def test_tensor_access_fails(name):
    src, expected = MUST_FAIL[name]
    assert _tensor(src) == expected


def test_tensor_access_reports_lines():
    src = "a = 1\nb = w._data\nc = 2\nd = g._data\n"
    assert [line for line, _ in cb.tensor_accesses_in(src)] == [2, 4]


def test_nested_class_inside_ndarray_subclass_is_its_own():
    src = """
    class Mine(NDArray):
        class Inner:
            def f(self):
                return self._data
        def g(self):
            return self._data
    """
    assert [line for line, _ in cb.tensor_accesses_in(textwrap.dedent(src))] == [7]


# ------------------------------------------------------------ torch imports
@pytest.mark.parametrize(
    "src",
    [
        "import torch",
        "import torch.nn as nn",
        "import numpy, torch",
        "from torch import nn",
        "from torch.utils.data import DataLoader",
        "def f():\n    import torch\n",
        "importlib.import_module('torch.cuda')",
        "__import__('torch')",
    ],
)
def test_torch_import_fails(src):
    assert _imports(src) != []


@pytest.mark.parametrize(
    "src",
    [
        "import torchvision",
        "from . import torch",
        "from .torch_compat import x",
        "import numpy as torch_like",
        "importlib.import_module(name)",
        "x = 'torch'",
    ],
)
def test_torch_import_passes(src):
    assert _imports(src) == []


# ------------------------------------------------------------ the lists
def _tree(tmp_path, files: dict[str, str]):
    for rel, src in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(src), encoding="utf-8")
    return cb.offenders(tmp_path)


def test_offenders_respect_the_lists(tmp_path):
    imports, tensors, _ = _tree(
        tmp_path,
        {
            "neogluon/ndarray/core.py": "import torch\nx._data\n",
            "neogluon/ops/k.py": "import torch\nx._data\n",
            "neogluon/interop.py": "import torch\nx._data\n",
            # an import adapter, but not a tensor adapter
            "neogluon/kvstore/kvstore.py": "import torch\nv._data\n",
            "neogluon/optimizer/sgd.py": "import torch\nw._data\n",
            "neogluon/gluon/data/dataset.py": "class D:\n    def f(self):\n"
            "        return self._data\n",
        },
    )
    assert imports == ["neogluon/optimizer/sgd.py:1"]
    assert tensors == [
        "neogluon/kvstore/kvstore.py:2: v._data",
        "neogluon/optimizer/sgd.py:2: w._data",
    ]


def test_tensor_adapters_are_adapters():
    # A module may touch the private tensor only where it may import torch.
    for entry in cb.TENSOR_ADAPTERS:
        assert entry in cb.ADAPTERS, entry


def test_temporary_entries_name_existing_files():
    # A stale TEMPORARY entry must go once its file is gone or split.
    for entry in cb.TEMPORARY:
        assert (cb.ROOT / entry).exists(), entry


def test_repository_is_clean():
    assert cb.offenders() == ([], [], [])


# ------------------------------------------------------------ ._ag, _new (check 3)
def _engine(src: str, **kw) -> list[str]:
    return [code for _, code in cb.engine_accesses_in(textwrap.dedent(src), **kw)]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("w._ag", ["w._ag"]),
        ("d._ag.fresh = True", ["d._ag"]),
        ("self._ag = None", ["self._ag"]),
        ("p.data()._ag is None", ["p.data()._ag"]),
        ('getattr(x, "_ag", None)', ["getattr(x, '_ag', None)"]),
        ('setattr(x, "_ag", r)', ["setattr(x, '_ag', r)"]),
        ('operator.attrgetter("_ag")', ["operator.attrgetter('_ag')"]),
        ("from ..ndarray.ndarray import _new", ["from ..ndarray.ndarray import _new"]),
        (
            "from neogluon.ndarray._core import _new",
            ["from neogluon.ndarray._core import _new"],
        ),
    ],
)
def test_engine_internals_fail(src, expected):
    assert _engine(src) == expected


@pytest.mark.parametrize(
    "src",
    [
        "x._agg",
        "x.ag",
        "x._fresh_grad = False",
        "autograd.is_variable(x)",
        'getattr(x, "grad")',
        'd["_ag"]',
        "from ..ndarray.ndarray import NDArray, from_torch",
        "from .other import _new",
    ],
)
def test_engine_internals_pass(src):
    assert _engine(src) == []


def test_engine_internals_respect_their_owners(tmp_path):
    _, _, internals = _tree(
        tmp_path,
        {
            "neogluon/ndarray/sparse.py": "arr._ag = None\n",
            "neogluon/autograd.py": "from .ndarray.ndarray import _new\nv._ag\n",
            # in the engine: may import _new, may not touch _ag
            "neogluon/symbol/executor.py": "from ..ndarray.ndarray import _new\n",
            "neogluon/ops/custom.py": "x._ag\n",
            "neogluon/gluon/trainer.py": "ag = arr._ag\n",
            "neogluon/kvstore/kvstore.py": "from ..ndarray.ndarray import _new\n",
        },
    )
    assert internals == [
        "neogluon/gluon/trainer.py:1: arr._ag",
        "neogluon/kvstore/kvstore.py:1: from ..ndarray.ndarray import _new",
        "neogluon/ops/custom.py:1: x._ag",
    ]
