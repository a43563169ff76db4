"""Device mode of :class:`jaxsched.torch.Scheduler`: values as 0-d tensors updated in place.

At construction every schedule is copied once with its hyperparameters as tensors on the
optimizer's device, each group's learning rate (and ``betas[0]`` when momentum is scheduled)
becomes a 0-d tensor there, and a 0-d int64 step counter is created. A ``step()`` then runs only
torch ops on that device: ``counter += 1``, the schedule's formula, ``lr.copy_(value * scale)``.
Nothing is read back to the host (no ``.item()``, no sync) and no tensor is created from host
data, so a ``torch.compile``d training step sees the same tensors every step (no recompiles)
and the update can be captured in a CUDA graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["setup_device", "write_device", "materialize"]


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


def setup_device(sched: Any) -> None:
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
    for g in opt.param_groups:
        lr = g["lr"]
        if not (isinstance(lr, torch.Tensor) and lr.device == device and lr.ndim == 0):
            g["lr"] = torch.tensor(float(lr), dtype=torch.float32, device=device)
        if sched._mom is not None:
            b = tuple(g["betas"])
            if not (isinstance(b[0], torch.Tensor) and b[0].device == device):
                g["betas"] = (torch.tensor(float(b[0]), dtype=torch.float32, device=device), *b[1:])
    sched._device_step = torch.zeros((), dtype=torch.int64, device=device)
    sched._device_lr = [g["lr"] for g in opt.param_groups]


def write_device(sched: Any, k: int, advance: bool = False) -> None:
    """Write the values of step ``k``: ``advance`` increments the device counter in place
    (capturable); otherwise the counter is set to ``k`` (a jump: resume, ``step_to``)."""
    if advance:
        sched._device_step.add_(1)
    else:
        sched._device_step.fill_(k)
    factors = sched._plateau_factors()  # host state, updated by report()
    done: dict[int, torch.Tensor] = {}
    groups = sched.optimizer.param_groups
    for g, s, a, factor in zip(groups, sched._dev_lr, sched.scales, factors):
        if id(s) not in done:
            done[id(s)] = s.evaluate(sched._device_step, torch)
        g["lr"].copy_(done[id(s)] * (a * factor))
    if sched._dev_mom is not None:
        for g, s in zip(groups, sched._dev_mom):
            if id(s) not in done:
                done[id(s)] = s.evaluate(sched._device_step, torch)
            g["betas"][0].copy_(done[id(s)])
    sched._device_lr = [g["lr"] for g in groups]
