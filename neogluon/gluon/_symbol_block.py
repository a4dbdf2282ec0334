"""``SymbolBlock``: a block that runs a given Symbol graph (e.g. an imported
``-symbol.json``).

Called on NDArrays it runs its graph through the same cached-graph path as a
hybridized ``HybridBlock`` (:func:`._graph_run.run_graph`: compiled, frozen or
monitored). Called on Symbols, as when a parent traces itself, it composes its
graph into the caller's, so an imported model can sit inside a hybridized
network and be exported with it.
"""

from __future__ import annotations

import os
from typing import Any

from ..base import MXNetError
from ._graph_run import flatten
from ._graph_run import regroup
from ._hybrid_block import HybridBlock
from ._hybrid_block import _sym
from .parameter import ParameterDict

__all__ = ["SymbolBlock"]


class SymbolBlock(HybridBlock):
    """A block built from a Symbol graph (e.g. one loaded from ``-symbol.json``).

    Parameters
    ----------
    outputs : Symbol or list of Symbol
        The graph outputs.
    inputs : Symbol or list of Symbol
        Input variables.
    params : ParameterDict, optional
        Parameters to share; other graph arguments become new Parameters named
        exactly as the graph's variables.

    Examples
    --------
    >>> import neogluon as mx
    >>> net = mx.gluon.SymbolBlock.imports(
    ...     'model-symbol.json', ['data'], 'model-0000.params')  # doctest: +SKIP
    """

    @staticmethod
    def imports(
        symbol_file,
        input_names,
        param_file=None,
        ctx=None,
        allow_missing=False,
        ignore_extra=False,
    ):
        """Load a model exported by ``HybridBlock.export`` or Module checkpoints."""
        sym = _sym()
        symbol = sym.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        if param_file is None:
            inputs = [sym.var(i, dtype="float32") for i in input_names]
        else:
            inputs = [sym.var(i) for i in input_names]
        ret = SymbolBlock(symbol, inputs)
        if param_file is not None:
            ret.collect_params().load(
                param_file,
                ctx,
                allow_missing,
                ignore_extra,
                cast_dtype=True,
                dtype_source="saved",
            )
        return ret

    def __init__(self, outputs, inputs, params=None):
        super().__init__(prefix="", params=None)
        sym = _sym()
        self._prefix = ""
        self._params = ParameterDict("", params)
        if isinstance(inputs, sym.Symbol) and len(inputs.list_outputs()) == 1:
            inputs = [inputs]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        syms, self._in_format = flatten(inputs, "input")
        out, self._out_format = flatten(outputs, "output")
        out = sym.Group(out)
        input_names = set()
        for s in syms:
            if len(s.get_internals().list_outputs()) != 1:
                raise ValueError(
                    f"SymbolBlock inputs must be variables, but {s.name} is an "
                    "operator output."
                )
            input_names.add(s.name)
        self._input_names = [s.name for s in syms]
        # As in MXNet 1.9.1, row_sparse variables are refused (AssertionError).
        from ..symbol.graph import STYPE_ID

        rsp = str(STYPE_ID["row_sparse"])
        for node in out.get_internals():
            if node.attr("__storage_type__") == rsp:
                raise AssertionError(
                    f"SymbolBlock doesn't support Parameter '{node.name}' because "
                    "its storage type is 'row_sparse'. Build the block with a "
                    "dense variable, or use a Block with a row_sparse Parameter "
                    "(row_sparse_data)."
                )
        self._sym_outputs = out
        arg_params = out.list_arguments()
        aux_params = out.list_auxiliary_states()
        from ..symbol.infer import infer_types

        try:
            types = infer_types(out, {})
        except MXNetError:
            types = {}
        for name in arg_params:
            if name not in input_names:
                self.params.get(
                    name,
                    allow_deferred_init=True,
                    dtype=types.get(name) or "float32",
                )
        for name in aux_params:
            if name not in input_names:
                self.params.get(
                    name,
                    grad_req="null",
                    allow_deferred_init=True,
                    dtype=types.get(name) or "float32",
                )
        self._graph_params = [
            self.params[n] for n in arg_params + aux_params if n not in input_names
        ]
        # Registered under their names less the common prefix, as in MXNet, so
        # save_parameters of a parent writes 'backbone.conv0_weight'.
        names = list(self._params.keys())
        cut = len(os.path.commonprefix(names)) if names else 0
        self._reg_params = {k[cut:]: v for k, v in self._params.items()}
        self._compiled = None

    def forward(self, x, *args):
        """Run the graph on NDArrays, or compose it when called on Symbols."""
        if isinstance(x, _sym().Symbol):
            return self._compose(x, *args)
        return self._call_cached(x, *args)

    def _graph_of(self, args) -> tuple[list[str], Any, Any, list]:
        """The loaded graph, fed by the arrays in ``args`` in input order."""
        flat = self._inputs_of(args, "")
        return list(self._input_names), self._sym_outputs, self._out_format, flat

    def _inputs_of(self, args, what: str) -> list:
        """``args`` flattened, checked to hold one item per graph input."""
        flat, _ = flatten(list(args), "input")
        n = sum(a is not None for a in flat)
        if n != len(self._input_names):
            raise ValueError(
                f"SymbolBlock expects {len(self._input_names)} inputs "
                f"{self._input_names}, got {n}{what}."
            )
        return flat

    def _compile(self, symbol):
        # One compiled graph serves every argument structure (the cache keys
        # differ only in how the same inputs are nested).
        if self._compiled is None:
            self._compiled = super()._compile(symbol)
        return self._compiled

    def _compose(self, *args):
        """The loaded graph with its input variables replaced by ``args``
        (Symbols): an imported model inside a parent that is traced or
        hybridized. Its parameters stay variables of the same names, which
        the parent's graph binds to this block's Parameters."""
        syms = [a for a in self._inputs_of(args, " Symbols") if a is not None]
        out = self._sym_outputs(**dict(zip(self._input_names, syms, strict=True)))
        if len(out.list_outputs()) == 1 and self._out_format == 0:
            return out
        res, _ = regroup([out[i] for i in range(len(out))], self._out_format)
        return res

    def _export_symbol(self):
        return self._sym_outputs

    def _clear_cached_op(self) -> None:
        super()._clear_cached_op()
        self._compiled = None

    def cast(self, dtype) -> None:
        self._clear_cached_op()
        for name, p in self.params.items():
            if name.endswith(
                ("running_var", "moving_var", "running_mean", "moving_mean")
            ):
                continue
            p.cast(dtype)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise MXNetError("SymbolBlock runs its loaded graph; hybrid_forward is unused")
