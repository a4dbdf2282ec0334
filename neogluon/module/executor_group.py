"""``mx.module.executor_group``: data parallelism over several executors.

:class:`DataParallelExecutorGroup` binds one :class:`~neogluon.symbol.executor.Executor`
per context and splits every batch between them along each input's batch
axis (the ``'N'`` of its ``DataDesc.layout``), as MXNet 1.9.1's group does.
Outputs and input gradients are concatenated back along the batch axis of
their ``__layout__`` attribute (axis 0 when there is none).

All contexts of neogluon's CPU are the same torch device, so several CPU
contexts only split the work into smaller executors: results are the same
as MXNet's multi-device results (the gradients of the slices are summed by
the module's update), not faster.

Memory sharing (bucketing): an executor group bound with ``shared_group``
takes the parameter arrays (and their gradients and auxiliary states) of the
shared group's executors, and reuses the memory of its other inputs through
``shared_data_arrays`` (one dict per context, name -> array) when they are
large enough.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from .. import context as ctx
from .. import ndarray as nd
from .._dtypes import dtype_name
from ..base import MXNetError
from ..io import DataDesc

__all__ = ["DataParallelExecutorGroup"]


def _split_input_slice(batch_size: int, work_load_list) -> list[slice]:
    """Split ``batch_size`` examples into one slice per workload share
    (MXNet's rounding: Python's ``round`` per share, the last one takes what
    the rounding left, slices are clipped to the batch)."""
    total = sum(work_load_list)
    counts = [round(w * batch_size / total) for w in work_load_list]
    if sum(counts) < batch_size:
        counts[-1] += batch_size - sum(counts)
    slices = []
    end = 0
    for n in counts:
        begin = int(min(end, batch_size))
        end = int(min(begin + n, batch_size))
        if begin >= end:
            raise ValueError(
                f"Too many slices: a batch of {batch_size} cannot be split over "
                f"{len(work_load_list)} contexts with workloads {list(work_load_list)} "
                "(some splits would be empty). Use a larger batch or fewer contexts."
            )
        slices.append(slice(begin, end))
    return slices


def _load_general(data, targets, major_axis) -> None:
    """Copy ``data`` (one array, or one per context) into ``targets``."""
    for d_src, d_targets, axis in zip(data, targets, major_axis, strict=False):
        if isinstance(d_targets, nd.NDArray):
            d_src.copyto(d_targets)
        elif isinstance(d_src, (list, tuple)):
            for src, dst in zip(d_src, d_targets, strict=False):
                src.copyto(dst)
        else:
            for slice_idx, d_dst in d_targets:
                if axis >= 0 and (
                    slice_idx.start != 0 or d_src.shape[axis] != slice_idx.stop
                ):
                    part = nd.slice_axis(
                        d_src, axis=axis, begin=slice_idx.start, end=slice_idx.stop
                    )
                    part.copyto(d_dst)
                else:
                    d_src.copyto(d_dst)


def _load_whole(data, targets) -> bool:
    """Copy each array of ``data`` into its one-context target when all have
    the target's shape (a whole batch); False, copying nothing, otherwise."""
    if len(data) != len(targets):
        return False
    for src, ((_, dst),) in zip(data, targets, strict=True):
        if not isinstance(src, nd.NDArray) or src.shape != dst.shape:
            return False
    for src, ((_, dst),) in zip(data, targets, strict=True):
        src.copyto(dst)
    return True


def _load_data(batch, targets, major_axis) -> None:
    if isinstance(batch, list):
        per_input = [[b.data[i] for b in batch] for i in range(len(targets))]
        dsts = [[dst for _, dst in t] for t in targets]
        _load_general(per_input, dsts, major_axis)
    else:
        _load_general(batch.data, targets, major_axis)


def _load_label(batch, targets, major_axis) -> None:
    if isinstance(batch, list):
        per_input = [[b.label[i] for b in batch] for i in range(len(targets))]
        dsts = [[dst for _, dst in t] for t in targets]
        _load_general(per_input, dsts, major_axis)
    else:
        _load_general(batch.label, targets, major_axis)


def _merge_multi_context(outputs, major_axis) -> list:
    """One array per output: the per-context arrays concatenated along the
    batch axis (the first context's array when the axis is -1)."""
    rets = []
    for tensors, axis in zip(outputs, major_axis, strict=False):
        if axis >= 0 and len(tensors) > 1:
            rets.append(
                nd.concat(
                    *[t.as_in_context(tensors[0].context) for t in tensors], dim=axis
                )
            )
        else:
            rets.append(tensors[0])
    return rets


def _prepare_group2ctxs(group2ctxs, ctx_len: int) -> list:
    """``group2ctxs`` as one dict (or None) per context."""
    if group2ctxs is None:
        return [None] * ctx_len
    if isinstance(group2ctxs, list):
        if len(group2ctxs) != ctx_len:
            raise ValueError(
                f"group2ctxs has {len(group2ctxs)} entries; expected one per "
                f"context ({ctx_len})."
            )
        return group2ctxs
    if isinstance(group2ctxs, dict):
        ret: list = [{} for _ in range(ctx_len)]
        for k, v in group2ctxs.items():
            if isinstance(v, ctx.Context):
                ctxs = [v] * ctx_len
            elif len(v) == 1:
                ctxs = list(v) * ctx_len
            else:
                if len(v) != ctx_len:
                    raise ValueError(
                        f"group2ctxs['{k}'] has {len(v)} contexts; expected 1 or {ctx_len}."
                    )
                ctxs = list(v)
            for i in range(ctx_len):
                ret[i][k] = ctxs[i]
        return ret
    raise TypeError(
        "group2ctxs must be a dict of str to Context (or list of Context), or a "
        f"list of such dicts (one per context); got {type(group2ctxs).__name__}."
    )


def _check_shape(desc) -> tuple:
    shape = desc.shape
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(d, (int, np.integer)) for d in shape
    ):
        raise TypeError(
            f"The shape of input '{desc.name}' must be a tuple of ints, got "
            f"{type(shape).__name__} {shape!r}."
        )
    return tuple(int(d) for d in shape)


class DataParallelExecutorGroup:
    """Executors of one symbol on several contexts, fed slices of each batch.

    Parameters
    ----------
    symbol : Symbol
        The graph.
    contexts : list of Context
        One executor per context.
    workload : list of int
        Share of the batch per context.
    data_shapes, label_shapes : list of DataDesc or (name, shape)
        Inputs (full batch); ``label_shapes`` may be None.
    param_names : list of str
        Arguments that are parameters (gradients kept, shared with a shared group).
    for_training : bool
        Without it no gradient is computed (``grad_req`` becomes ``'null'``).
    inputs_need_grad : bool
        Compute the gradients of the data inputs.
    shared_group : DataParallelExecutorGroup, optional
        Group whose parameters and input memory this one shares.
    fixed_param_names : list of str, optional
        Parameters that get no gradient.
    grad_req : str, list or dict
        ``'write'``, ``'add'`` or ``'null'``; per argument with a list
        (``list_arguments`` order) or a dict.
    state_names : list of str, optional
        Inputs that are states (set with :meth:`set_states`).
    group2ctxs : dict or list of dict, optional
        ``ctx_group`` attribute -> context. Arguments, gradients and
        auxiliary states of variables in a group are allocated on the
        group's context; the operators run where their inputs are (on CPU
        all contexts are one device).
    """

    def __init__(
        self,
        symbol,
        contexts,
        workload,
        data_shapes,
        label_shapes,
        param_names,
        for_training: bool,
        inputs_need_grad: bool,
        shared_group=None,
        logger=logging,
        fixed_param_names=None,
        grad_req="write",
        state_names=None,
        group2ctxs=None,
    ) -> None:
        self.param_names = list(param_names)
        self.arg_names = symbol.list_arguments()
        self.aux_names = symbol.list_auxiliary_states()
        self.symbol = symbol
        self.contexts = list(contexts)
        self.workload = list(workload)
        self.group2ctxs = _prepare_group2ctxs(group2ctxs, len(self.contexts))
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self.logger = logger
        self._total_exec_bytes = 0
        self.fixed_param_names = list(fixed_param_names or [])
        self.state_names = list(state_names or [])

        if not for_training:
            grad_req = "null"
        data_shapes = [
            x if isinstance(x, DataDesc) else DataDesc(*x) for x in data_shapes
        ]
        if label_shapes is not None:
            label_shapes = [
                x if isinstance(x, DataDesc) else DataDesc(*x) for x in label_shapes
            ]
        data_names = [x.name for x in data_shapes]
        self.grad_req = self._decide_grad_req(grad_req, data_names)

        if shared_group is not None:
            self.shared_data_arrays = shared_group.shared_data_arrays
        else:
            self.shared_data_arrays = [{} for _ in self.contexts]

        self.batch_size = None
        self.slices = None
        self.execs: list = []
        self._default_execs = None
        self.data_arrays = None
        self.label_arrays = None
        self.param_arrays = None
        self.state_arrays = None
        self.grad_arrays = None
        self.aux_arrays = None
        self.input_grad_arrays = None
        self.data_shapes = None
        self.label_shapes = None
        self.data_names = None
        self.label_names = None
        self.data_layouts = None
        self.label_layouts = None
        self.output_names = symbol.list_outputs()
        self.num_outputs = len(self.output_names)
        self.output_layouts = [
            DataDesc.get_batch_axis(symbol[i].attr("__layout__"))
            for i in range(self.num_outputs)
        ]
        self.bind_exec(data_shapes, label_shapes, shared_group)

    def _decide_grad_req(self, grad_req, data_names) -> dict:
        def default(k: str, req: str) -> str:
            if k in self.param_names:
                return "null" if k in self.fixed_param_names else req
            if k in data_names:
                return req if self.inputs_need_grad else "null"
            return "null"

        if isinstance(grad_req, str):
            return {k: default(k, grad_req) for k in self.arg_names}
        if isinstance(grad_req, (list, tuple)):
            if len(grad_req) != len(self.arg_names):
                raise ValueError(
                    f"grad_req has {len(grad_req)} entries but the symbol has "
                    f"{len(self.arg_names)} arguments {self.arg_names}."
                )
            return dict(zip(self.arg_names, grad_req, strict=True))
        if isinstance(grad_req, dict):
            reqs = {k: default(k, "write") for k in self.arg_names}
            reqs.update(grad_req)
            return reqs
        raise ValueError(
            f"grad_req must be a str, list, tuple or dict; got {type(grad_req).__name__}."
        )

    # ------------------------------------------------------------ binding
    def decide_slices(self, data_shapes) -> list[int]:
        """Batch axis of each input; sets ``batch_size`` and ``slices``."""
        if not data_shapes:
            raise ValueError("decide_slices: no input shapes given.")
        major_axis = [DataDesc.get_batch_axis(x.layout) for x in data_shapes]
        for (name, shape), axis in zip(data_shapes, major_axis, strict=True):
            if axis == -1:
                continue
            batch_size = shape[axis]
            if self.batch_size is not None:
                if batch_size != self.batch_size:
                    raise MXNetError(
                        f"all data must have the same batch size: batch_size = "
                        f"{self.batch_size}, but {name} has shape {shape}"
                    )
            else:
                self.batch_size = batch_size
                self.slices = _split_input_slice(self.batch_size, self.workload)
        return major_axis

    def _collect_arrays(self) -> None:
        if self.slices:
            self.data_arrays = [
                [(self.slices[i], e.arg_dict[name]) for i, e in enumerate(self.execs)]
                for name, _ in self.data_shapes
            ]
        else:
            self.data_arrays = [
                [(slice(i, i + 1), e.arg_dict[name]) for i, e in enumerate(self.execs)]
                for name, _ in self.data_shapes
            ]
        self.state_arrays = [
            [e.arg_dict[name] for e in self.execs] for name in self.state_names
        ]
        if self.label_shapes is not None:
            self.label_arrays = [
                [(self.slices[i], e.arg_dict[name]) for i, e in enumerate(self.execs)]
                for name, _ in self.label_shapes
            ]
        else:
            self.label_arrays = None
        self.param_arrays = [
            [e.arg_arrays[i] for e in self.execs]
            for i, name in enumerate(self.arg_names)
            if name in self.param_names
        ]
        if self.for_training:
            self.grad_arrays = [
                [e.grad_arrays[i] for e in self.execs]
                for i, name in enumerate(self.arg_names)
                if name in self.param_names
            ]
        else:
            self.grad_arrays = None
        data_names = [x[0] for x in self.data_shapes]
        if self.inputs_need_grad:
            self.input_grad_arrays = [
                [e.grad_arrays[self.arg_names.index(name)] for e in self.execs]
                for name in data_names
                if name in self.arg_names
            ]
        else:
            self.input_grad_arrays = None
        self.aux_arrays = [
            [e.aux_arrays[i] for e in self.execs] for i in range(len(self.aux_names))
        ]

    def bind_exec(
        self, data_shapes, label_shapes, shared_group=None, reshape=False
    ) -> None:
        """Bind (or, with ``reshape``, reshape) one executor per context."""
        if not reshape and self.execs:
            raise MXNetError("bind_exec: executors are already bound; use reshape.")
        for desc in list(data_shapes) + list(label_shapes or []):
            _check_shape(desc)
        self.batch_size = None
        self.data_layouts = self.decide_slices(data_shapes)
        if label_shapes is not None:
            self.label_layouts = self.decide_slices(label_shapes)
        for i in range(len(self.contexts)):
            data_i = self._sliced_shape(data_shapes, i, self.data_layouts)
            label_i = (
                self._sliced_shape(label_shapes, i, self.label_layouts)
                if label_shapes is not None
                else []
            )
            if reshape:
                shapes = {d.name: tuple(d.shape) for d in data_i + label_i}
                self.execs[i] = self._default_execs[i].reshape(
                    allow_up_sizing=True, **shapes
                )
            else:
                self.execs.append(self._bind_ith_exec(i, data_i, label_i, shared_group))
        self.data_shapes = data_shapes
        self.label_shapes = label_shapes
        self.data_names = [d.name for d in data_shapes]
        if label_shapes is not None:
            self.label_names = [d.name for d in label_shapes]
        self._collect_arrays()

    def reshape(self, data_shapes, label_shapes) -> None:
        """Rebind for new input shapes, sharing memory with the first binding."""
        if data_shapes == self.data_shapes and label_shapes == self.label_shapes:
            return
        if self._default_execs is None:
            self._default_execs = list(self.execs)
        self.bind_exec(data_shapes, label_shapes, reshape=True)

    def _bind_ith_exec(self, i, data_shapes, label_shapes, shared_group):
        """Allocate (or share) the arrays of executor ``i`` and bind it."""
        from ..ndarray.ndarray import zeros
        from ..ops.registry import shape_known
        from ..symbol.executor import _prefix_view
        from ..symbol.executor import group_context
        from ..symbol.infer import infer_shapes
        from ..symbol.infer import infer_types
        from ..symbol.infer import unknown_shape_message
        from ..symbol.storage import grad_stypes
        from ..symbol.storage import var_stypes

        shared_exec = None if shared_group is None else shared_group.execs[i]
        context = self.contexts[i]
        shared_buffer = self.shared_data_arrays[i]
        input_shapes = {
            d.name: _check_shape(d) for d in list(data_shapes) + list(label_shapes)
        }
        input_types = {d.name: dtype_name(d.dtype) for d in data_shapes}
        attrs = self.symbol.attr_dict()
        for name in self.symbol.list_inputs():
            code = attrs.get(name, {}).get("__dtype__")
            if name in input_types and code is not None and code != "-1":
                input_types[name] = dtype_name(nd._DTYPE_MX_TO_NP[int(code)])
        input_types.update({d.name: dtype_name(d.dtype) for d in label_shapes})

        shapes = infer_shapes(self.symbol, input_shapes)
        names = self.arg_names + self.aux_names
        bad = [n for n in names if not shape_known(shapes.get(n))]
        if bad:
            raise MXNetError("bind: " + unknown_shape_message(shapes, bad))
        types = infer_types(self.symbol, input_types)

        def dt(n: str) -> str:
            return types.get(n) or "float32"

        new_bytes = 0
        group2ctx = self.group2ctxs[i] or {}

        def place(n: str):
            return group_context(attrs, n, group2ctx, context)

        # Parameters declared sparse (var(stype=...)) and the gradients MXNet
        # infers as row_sparse are allocated in that storage type.
        param_stypes = var_stypes(self.symbol)
        grad_stypes_ = grad_stypes(self.symbol, param_stypes)

        def alloc(n: str, stype: str | None = None):
            nonlocal new_bytes
            arr = zeros(shapes[n], ctx=place(n), dtype=dt(n), stype=stype)
            new_bytes += arr.size * np.dtype(arr.dtype).itemsize
            return arr

        args, grads, aux = {}, {}, {}
        for n in self.arg_names:
            shape = tuple(shapes[n])
            req = self.grad_req.get(n, "null")
            if (
                shared_exec is not None
                and n in self.param_names
                and n in shared_exec.arg_dict
            ):
                arr = shared_exec.arg_dict[n]
                if arr.shape != shape:
                    raise MXNetError(
                        f"bind: shared parameter '{n}' has shape {arr.shape} in the "
                        f"shared executor but this symbol needs {shape}."
                    )
                args[n] = arr
                if req != "null":
                    g = shared_exec.grad_dict.get(n)
                    grads[n] = g if g is not None else alloc(n, grad_stypes_.get(n))
                continue
            if n in self.param_names:
                args[n] = alloc(n, param_stypes.get(n))
            else:
                old = shared_buffer.get(n)
                if (
                    old is not None
                    and old.dtype == np.dtype(dt(n))
                    and old.size >= math.prod(shape)
                ):
                    args[n] = _prefix_view(old, shape)
                else:
                    args[n] = alloc(n)
                    shared_buffer[n] = args[n]
            if req != "null":
                grads[n] = alloc(n, grad_stypes_.get(n))
        for n in self.aux_names:
            shape = tuple(shapes[n])
            if (
                shared_exec is not None
                and n in shared_exec.aux_dict
                and shared_exec.aux_dict[n].shape == shape
            ):
                aux[n] = shared_exec.aux_dict[n]
            else:
                aux[n] = alloc(n)
        executor = self.symbol.bind(
            context, args, args_grad=grads, grad_req=self.grad_req, aux_states=aux
        )
        self._total_exec_bytes += new_bytes
        return executor

    def _sliced_shape(self, shapes, i: int, major_axis) -> list:
        sliced = []
        for desc, axis in zip(shapes, major_axis, strict=True):
            shape = list(desc.shape)
            if axis >= 0:
                shape[axis] = self.slices[i].stop - self.slices[i].start
            sliced.append(DataDesc(desc.name, tuple(shape), desc.dtype, desc.layout))
        return sliced

    # ------------------------------------------------------------ parameters
    def set_params(self, arg_params, aux_params, allow_extra: bool = False) -> None:
        """Copy parameter values into every executor."""
        for e in self.execs:
            e.copy_params_from(arg_params, aux_params, allow_extra_params=allow_extra)

    def get_params(self, arg_params: dict, aux_params: dict) -> None:
        """Copy the executors' parameters (averaged over contexts) into
        ``arg_params`` / ``aux_params`` in place."""
        for name, block in zip(self.param_names, self.param_arrays, strict=False):
            weight = sum(w.copyto(ctx.cpu()) for w in block) / len(block)
            weight.astype(arg_params[name].dtype).copyto(arg_params[name])
        for name, block in zip(self.aux_names, self.aux_arrays, strict=True):
            weight = sum(w.copyto(ctx.cpu()) for w in block) / len(block)
            weight.astype(aux_params[name].dtype).copyto(aux_params[name])

    # ------------------------------------------------------------ computation
    def forward(self, data_batch, is_train=None) -> None:
        """Load the batch (sliced per context) and run every executor."""
        if is_train is None:
            is_train = self.for_training
        if len(self.execs) == 1 and not isinstance(data_batch, list):
            # One context: each input's whole batch into the bound array.
            label = getattr(data_batch, "label", None)
            if _load_whole(data_batch.data, self.data_arrays) and (
                self.label_arrays is None
                or not label
                or _load_whole(label, self.label_arrays)
            ):
                self.execs[0].forward(is_train=is_train)
                return
        _load_data(data_batch, self.data_arrays, self.data_layouts)
        if isinstance(data_batch, list):
            if self.label_arrays is not None and data_batch and data_batch[0].label:
                _load_label(data_batch, self.label_arrays, self.label_layouts)
        elif self.label_arrays is not None and getattr(data_batch, "label", None):
            _load_label(data_batch, self.label_arrays, self.label_layouts)
        for e in self.execs:
            e.forward(is_train=is_train)

    def get_output_shapes(self) -> list:
        """``(name, shape)`` of each output for the whole batch."""
        shapes = [o.shape for o in self.execs[0].outputs]
        result = []
        for key, shape, axis in zip(
            self.symbol.list_outputs(), shapes, self.output_layouts, strict=False
        ):
            shape = list(shape)
            if axis >= 0:
                shape[axis] = self.batch_size
            result.append((key, tuple(shape)))
        return result

    def get_outputs(self, merge_multi_context: bool = True, begin: int = 0, end=None):
        """Outputs of the last forward: merged over contexts, or per context."""
        if end is None:
            end = self.num_outputs
        outputs = [[e.outputs[i] for e in self.execs] for i in range(begin, end)]
        if merge_multi_context:
            outputs = _merge_multi_context(outputs, self.output_layouts)
        return outputs

    def get_states(self, merge_multi_context: bool = True):
        """The state arrays, ``[[state1_dev1, state1_dev2], ...]``."""
        if merge_multi_context:
            raise MXNetError(
                "get_states: merge_multi_context=True is not supported (as in "
                "MXNet); pass merge_multi_context=False."
            )
        return self.state_arrays

    def set_states(self, states=None, value=None) -> None:
        """Set the states from arrays (one list per state, one array per
        context) or to one scalar ``value``."""
        if states is not None:
            if value is not None:
                raise ValueError("set_states: give either states or value, not both.")
            _load_general(states, self.state_arrays, (0,) * len(states))
        else:
            if value is None:
                raise ValueError("set_states: give states or value.")
            for d_dst in self.state_arrays:
                for dst in d_dst:
                    dst[:] = value

    def get_input_grads(self, merge_multi_context: bool = True):
        """Gradients of the data inputs (bound with ``inputs_need_grad``)."""
        if not self.inputs_need_grad:
            raise MXNetError(
                "get_input_grads: bind with inputs_need_grad=True to get input gradients."
            )
        if merge_multi_context:
            return _merge_multi_context(self.input_grad_arrays, self.data_layouts)
        return self.input_grad_arrays

    def backward(self, out_grads=None) -> None:
        """Backward on every executor (head gradients sliced per context)."""
        if not self.for_training:
            raise MXNetError(
                "backward: re-bind with for_training=True to run backward."
            )
        if out_grads is None:
            if len(self.execs) == 1:
                self.execs[0].backward()
                return
            out_grads = []
        elif isinstance(out_grads, nd.NDArray):
            out_grads = [out_grads]
        for i, (e, islice) in enumerate(zip(self.execs, self.slices, strict=False)):
            sliced = []
            for grad, axis in zip(out_grads, self.output_layouts, strict=False):
                if axis >= 0:
                    part = nd.slice_axis(
                        grad, axis=axis, begin=islice.start, end=islice.stop
                    )
                    sliced.append(part.as_in_context(self.contexts[i]))
                else:
                    sliced.append(grad.copyto(self.contexts[i]))
            e.backward(out_grads=sliced or None)

    def update_metric(self, eval_metric, labels, pre_sliced: bool = False) -> None:
        """Update ``eval_metric`` with each executor's outputs and its labels."""
        whole = len(self.execs) == 1
        if whole and not pre_sliced and self.label_layouts is not None:
            # One context: each label as it is when it holds the whole batch.
            stop = self.slices[0].stop
            if self.slices[0].start == 0 and all(
                axis < 0 or (axis == 0 and label.shape[0] == stop)
                for label, axis in zip(labels, self.label_layouts, strict=False)
            ):
                e = self.execs[0]
                eval_metric.update_dict(
                    dict(zip(self.label_names or [], labels, strict=False)),
                    dict(zip(self.output_names, e.outputs, strict=False)),
                )
                return
        for k, (e, islice) in enumerate(zip(self.execs, self.slices, strict=False)):
            if not pre_sliced:
                labels_slice = []
                for label, axis in zip(labels, self.label_layouts or [], strict=False):
                    if axis == 0 and whole and islice == slice(0, label.shape[0]):
                        labels_slice.append(label)  # one context: the whole batch
                    elif axis == 0:
                        labels_slice.append(label[islice])
                    elif axis > 0:
                        labels_slice.append(
                            nd.slice_axis(
                                label, axis=axis, begin=islice.start, end=islice.stop
                            ).as_in_context(label.context)
                        )
                    else:
                        labels_slice.append(label)
            else:
                labels_slice = labels[k]
            labels_ = dict(zip(self.label_names or [], labels_slice, strict=False))
            preds = dict(zip(self.output_names, e.outputs, strict=False))
            eval_metric.update_dict(labels_, preds)

    def install_monitor(self, mon) -> None:
        """Install ``mon`` (an ``mx.monitor.Monitor``) on every executor."""
        for e in self.execs:
            mon.install(e)
