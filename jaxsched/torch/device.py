"""Device mode of :class:`jaxsched.torch.Scheduler`: values as 0-d tensors updated in place.

At construction every schedule is copied once with its hyperparameters as tensors on the
optimizer's device, each group's learning rate (and ``betas[0]`` when momentum is scheduled)
becomes a 0-d tensor there, and a 0-d int64 step counter is created.

The values are a table on the device: ``chunk_size`` rows (one per step, from the device
counter at the last refill) and one column per scheduled value (each group's learning rate
times its scale and plateau factor, each group's momentum). A refill evaluates the schedule's
formula with torch ops on ``counter + arange(chunk_size)``: keyed by the device counter, it
reads nothing back. A ``step()`` is three tensor ops, all in place on tensors made at
construction: one ``add_`` of the pair (step counter, row index), a ``minimum`` that holds the
row index inside the table, and one ``index_select`` of the row into a row buffer whose 0-d views are the
groups' learning rates (and ``betas[0]``); a group tensor that is not such a view (the user's
own, or one ``optimizer.load_state_dict`` put in the group) gets one ``_foreach_copy_``.
Nothing is read back to the host (no ``.item()``, no sync) and no tensor is created from host
data, so a ``torch.compile``d training step sees the same tensors every step (no recompiles)
and the update can be captured in a CUDA graph (the captured ``step()`` replays those ops).

The host counts its ``step()`` calls and refills when the table runs out. Steps the host does
not see (replays of a CUDA graph that captured ``step()``) still advance the device counter
and read the table, whose rows reach ``chunk_size`` steps past the last refill; past that the
last row holds. Pass a ``chunk_size`` of at least the number of replays between two
host-side ``step()`` calls (a refill is one formula evaluation on the device).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import torch

__all__ = ["setup", "advance", "jump", "rescale", "materialize"]


def materialize(schedule: Any, device: torch.device) -> Any:
    """A copy of ``schedule`` whose numeric leaves are tensors on ``device``."""
    import jax

    def leaf(x: Any) -> Any:
        if isinstance(x, torch.Tensor):
            return x.to(device)
        arr = np.asarray(x)
        if np.issubdtype(arr.dtype, np.integer):
            return torch.as_tensor(arr.astype(np.int64), device=device)
        return torch.as_tensor(arr.astype(np.float32), device=device)

    return jax.tree_util.tree_map(leaf, schedule)


def _device_of(optimizer: torch.optim.Optimizer) -> torch.device:
    for g in optimizer.param_groups:
        for p in g["params"]:
            return p.device
    return torch.device("cpu")


class _Table:
    """The device tensors of one scheduler and the host's count of rows left (a plain object:
    attribute writes here skip the Scheduler's read-only checks)."""

    __slots__ = ("counters", "index", "step_inc", "limits", "arange", "raw", "table", "colscale",
                 "row", "views", "lr_views", "mom_views", "size", "left", "mom")

    def __init__(self, device: torch.device, size: int, cols: int, groups: int, mom: bool) -> None:
        f32, i64 = torch.float32, torch.int64
        # one int64 pair, [step, row index]: one add_ of a (1, 1) tensor advances both (a tensor
        # operand: no Python scalar to wrap), one minimum with (int64 max, size - 1) holds the
        # row index inside the table
        self.counters = torch.zeros((2,), dtype=i64, device=device)
        self.index = self.counters[1:]
        self.step_inc = torch.ones((2,), dtype=i64, device=device)
        self.limits = torch.tensor([torch.iinfo(i64).max, size - 1], dtype=i64, device=device)
        self.arange = torch.arange(size, dtype=i64, device=device)
        self.raw = torch.zeros((size, cols), dtype=f32, device=device)  # unscaled values
        self.table = torch.zeros((size, cols), dtype=f32, device=device)  # raw * colscale
        self.colscale = torch.ones((cols,), dtype=f32, device=device)
        # the row buffer: index_select writes the step's values here; a group's lr (betas[0])
        # the bridge creates is a 0-d view into it, so the gather is the write. A tensor the
        # user gave (or optimizer.load_state_dict put in the group) is kept and copied into.
        self.row = torch.zeros((1, cols), dtype=f32, device=device)
        self.views = [self.row[0, c] for c in range(cols)]
        self.lr_views = self.views[:groups]
        self.mom_views = self.views[groups:]
        self.size = size
        self.left = 0  # host-side: rows left in the table
        self.mom = mom


def setup(sched: Any) -> None:
    """Make the device tensors: the groups' 0-d values, the counter, the table and its buffers."""
    opt = sched.optimizer
    device = _device_of(opt)
    sched._device = device
    if sched._wd is not None:
        raise ValueError(
            "`weight_decay` schedules need mode='host': torch optimizers read weight_decay as a "
            "Python number"
        )
    if sched._mom is not None and any("betas" not in g for g in opt.param_groups):
        raise ValueError(
            "device mode schedules momentum through betas[0] only; this optimizer reads "
            "'momentum' as a Python number: use mode='host'"
        )
    cache: dict[int, Any] = {}

    def dev(s: Any) -> Any:
        if id(s) not in cache:
            cache[id(s)] = materialize(s, device)
        return cache[id(s)]

    sched._dev_lr = [dev(s) for s in sched._lr]
    sched._dev_mom = None if sched._mom is None else [dev(s) for s in sched._mom]
    groups = opt.param_groups
    n = len(groups)
    d = sched._dev = _Table(device, sched.chunk_size, n if sched._mom is None else 2 * n, n,
                            sched._mom is not None)
    sched._device_step = d.counters[0]  # the step: a 0-d int64 view
    for i, g in enumerate(groups):
        lr = g["lr"]
        if not (isinstance(lr, torch.Tensor) and lr.device == device and lr.ndim == 0):
            d.views[i].fill_(float(lr))
            g["lr"] = d.views[i]
        if sched._mom is not None:
            b = tuple(g["betas"])
            if not (isinstance(b[0], torch.Tensor) and b[0].device == device):
                d.views[n + i].fill_(float(b[0]))
                g["betas"] = (d.views[n + i], *b[1:])
    _set_colscale(sched)
    lrs = [g["lr"] for g in groups]
    sched._device_lr = d.lr_views if all(map(operator.is_, lrs, d.lr_views)) else lrs


def _set_colscale(sched: Any) -> None:
    """Each learning-rate column's multiplier: the group's scale times its plateau factor."""
    col = sched._dev.colscale
    for c, (a, f) in enumerate(zip(sched.scales, sched._plateau_factors())):
        col[c].fill_(a * f)


def _refill(sched: Any) -> None:
    """Evaluate the table for the ``chunk_size`` steps from the device counter (torch ops)."""
    d = sched._dev
    _set_colscale(sched)  # scales and plateau factors may have been loaded since
    counts = torch.add(sched._device_step, d.arange)
    done: dict[int, torch.Tensor] = {}
    for c, s in enumerate(sched._dev_lr + (sched._dev_mom or [])):
        if id(s) not in done:
            done[id(s)] = s.evaluate(counts, torch)
        d.raw[:, c].copy_(done[id(s)])
    d.index.zero_()
    torch.mul(d.raw, d.colscale, out=d.table)
    d.left = d.size - 1


def _gather(sched: Any, d: _Table) -> None:
    """Write the table's row of the device counter into the groups' tensors (sync-free)."""
    torch.index_select(d.table, 0, d.index, out=d.row)
    groups = sched._optimizer.param_groups
    for g, view in zip(groups, d.lr_views):
        if g["lr"] is not view:
            return _copy_out(sched, d, groups)
    if d.mom:
        for g, view in zip(groups, d.mom_views):
            if g["betas"][0] is not view:
                return _copy_out(sched, d, groups)
    if sched._device_lr is not d.lr_views:  # what get_last_lr() reads
        sched.__dict__["_device_lr"] = d.lr_views


def _copy_out(sched: Any, d: _Table, groups: list[dict]) -> None:
    """Some group holds a tensor that is not a view of the row (the user's own, or one
    ``optimizer.load_state_dict`` put there): copy the row into every group's tensors."""
    dst = [g["lr"] for g in groups]
    if d.mom:
        dst += [g["betas"][0] for g in groups]
    torch._foreach_copy_(dst, d.views)
    if not all(map(operator.is_, dst, sched._device_lr)):
        sched.__dict__["_device_lr"] = dst[:len(groups)]


def advance(sched: Any) -> None:
    """One ``step()``: the device counter and row index advance in place (one ``add_``, then a
    ``minimum`` that holds the row index inside the table; capturable), then the row is
    gathered into the groups' tensors; a refill when the host has used the table up."""
    d = sched._dev
    c = d.counters
    c.add_(d.step_inc)  # step and row index
    d.left -= 1
    if d.left < 0:
        _refill(sched)
    else:  # replays of a captured step() that the host did not see hold the last row
        torch.minimum(c, d.limits, out=c)
    _gather(sched, d)


def jump(sched: Any, k: int) -> None:
    """Set the device counter to step ``k`` (construction, resume, ``step_to``) and refill."""
    sched._device_step.fill_(k)
    _refill(sched)
    _gather(sched, sched._dev)


def rescale(sched: Any) -> None:
    """After a plateau factor changed: rescale the table's learning-rate columns and rewrite
    the current step's values (torch ops only; no counter change)."""
    _set_colscale(sched)
    d = sched._dev
    torch.mul(d.raw, d.colscale, out=d.table)
    _gather(sched, d)
