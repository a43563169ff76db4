"""The learning-rate range test for PyTorch: ``lr_find(model, optimizer, loss_fn, loader)``.

The learning rate is driven by :class:`jaxsched.torch.Scheduler` with the same sweep as the JAX
finder (:func:`jaxsched.training.lr_finder.sweep_schedule`), the loss is smoothed and checked for
divergence in the same way, and the result is the same :class:`jaxsched.training.lr_finder.LRFindResult`.
The model (parameters, buffers, gradients, train/eval mode) and the optimizer (state and param
groups) are restored exactly afterwards, also when the sweep raises. Importing ``jaxsched``
never imports this module or torch.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from jaxsched.core import validate as v
from jaxsched.torch.scheduler import Scheduler
from jaxsched.training.lr_finder import (
    LRFindResult,
    _check_options,
    _Recorder,
    batch_source,
    progress_bar,
    sweep_schedule,
    warmup_steps,
)

__all__ = ["lr_find"]


def _to_device(x: Any, device: torch.device) -> Any:
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    if isinstance(x, Mapping):
        return {k: _to_device(val, device) for k, val in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_to_device(val, device) for val in x)
    return x


def _split(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError(
        f"each batch must be a pair (inputs, targets), got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else "")
    )


def lr_find(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    loader: Any,
    *,
    min_lr: float = 1e-7,
    max_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    smoothing: float = 0.98,
    diverge_factor: float | None = 4.0,
    device: Any = None,
    accumulation_steps: int = 1,
    skip_start: int = 10,
    skip_end: int = 5,
    progress: bool = False,
) -> LRFindResult:
    """Run the learning-rate range test on a torch model; leave model and optimizer as they were.

    Update ``k`` runs ``accumulation_steps`` micro-batches (``loss_fn(model(inputs), targets)``,
    each divided by ``accumulation_steps`` before ``backward``), then ``optimizer.step()`` with
    every param group's learning rate at ``lrs[k]`` (written by ``jaxsched.torch.Scheduler``);
    the recorded loss is the mean over the micro-batches. Smoothing, early stop and suggestions
    are those of :func:`jaxsched.training.lr_finder.lr_find`.

    Afterwards the model's ``state_dict`` (parameters and buffers), its gradients and
    train/eval mode, and the optimizer's ``state_dict`` (state such as momentum buffers and
    Adam moments, and the param groups' hyperparameters, ``lr`` included) are restored to
    bit-identical values, also when an exception interrupts the sweep. The random number
    generators are not restored (dropout and shuffling consume them).

    Args:
      model: the ``torch.nn.Module`` (trained in ``train()`` mode during the sweep).
      optimizer: the optimizer over the model's parameters.
      loss_fn: ``loss_fn(outputs, targets) -> scalar tensor``.
      loader: an iterable of ``(inputs, targets)`` batches (a ``DataLoader``; re-iterated when
        shorter than the sweep) or a callable ``step -> batch``.
      min_lr, max_lr: the sweep's first and last learning rates (``0 < min_lr < max_lr``).
      num_steps: optimizer updates in the sweep (``>= 2``).
      mode: ``"exp"`` (geometric, default) or ``"linear"``.
      smoothing: EMA weight in ``[0, 1)``.
      diverge_factor: ``> 1``, or None to never stop early.
      device: where each batch's tensors are moved (default: the device of the model's first
        parameter). The model itself is never moved.
      accumulation_steps: micro-batches per optimizer update (``>= 1``).
      skip_start, skip_end: points ignored at each end by the steepest-descent suggestion.
      progress: show a tqdm progress bar on stderr.

    Returns:
      A :class:`jaxsched.training.lr_finder.LRFindResult`.

    Raises:
      ValueError: a bad bound, count, mode, smoothing, factor or ``accumulation_steps``.
      TypeError: ``model``/``optimizer`` of the wrong type, a batch that is not a pair.

    Example:
      >>> import torch
      >>> torch.manual_seed(0) and None
      >>> model = torch.nn.Linear(4, 1)
      >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
      >>> x = torch.randn(64, 4); y = x.sum(1, keepdim=True)
      >>> before = [p.clone() for p in model.parameters()]
      >>> r = lr_find(model, opt, torch.nn.functional.mse_loss, [(x, y)], min_lr=1e-4,
      ...             max_lr=10.0, num_steps=50)
      >>> r.stopped_early, all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
      (True, True)
      >>> opt.param_groups[0]["lr"]
      0.1

    Equivalents:
      PyTorch Lightning ``Tuner.lr_find`` (exponential or linear sweep, early stop at
      ``early_stop_threshold`` x best, steepest-gradient suggestion); fastai ``Learner.lr_find``
      (its ``minimum`` suggestion is the minimum / 10, ``steep`` the steepest slope);
      torch-lr-finder ``LRFinder.range_test`` (``step_mode`` exp/linear, ``smooth_f``,
      ``diverge_th``, ``reset()`` to restore the state); DeepSpeed ``LRRangeTest`` provides the
      sweep schedule only. Differences: the smoothing weight here is the EMA's decay (0.98, i.e.
      torch-lr-finder's ``smooth_f=0.02``), and the state is restored without a call.
    """


    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"`optimizer` must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    v.callable_("loss_fn", loss_fn)
    sweep = sweep_schedule(min_lr, max_lr, num_steps, mode)
    n = int(num_steps)
    beta, factor, skip_start, skip_end = _check_options(smoothing, diverge_factor, skip_start, skip_end)
    accum = int(v.integer("accumulation_steps", accumulation_steps, ge=1))
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    device = torch.device(device)
    get = batch_source(loader)

    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(optimizer.state_dict())
    saved_grads = [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]
    was_training = model.training
    rec = _Recorder(beta, factor)
    bar = progress_bar(n, progress)
    lrs = np.asarray(sweep.evaluate(np.arange(n), np), dtype=np.float64)
    stopped = False
    try:
        model.train()
        sched = Scheduler(optimizer, sweep)
        optimizer.zero_grad(set_to_none=True)
        for k in range(n):
            total = 0.0
            for j in range(accum):
                inputs, targets = _split(_to_device(get(k * accum + j), device))
                loss = loss_fn(model(inputs), targets)
                (loss / accum).backward()
                total += float(loss.detach()) / accum
            optimizer.step()
            sched.step()
            optimizer.zero_grad(set_to_none=True)
            diverged = rec.add(total)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lr=f"{lrs[k]:.2e}", loss=f"{total:.4g}", refresh=False)
            if diverged:
                stopped = k < n - 1
                break
    finally:
        if bar is not None:
            bar.close()
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_opt)
        with torch.no_grad():
            for p, g in zip(model.parameters(), saved_grads):
                p.grad = g
        model.train(was_training)
    return LRFindResult.from_record(lrs[: len(rec.losses)], rec.losses, rec.smoothed, stopped,
                                    skip_start=skip_start, skip_end=skip_end,
                                    warmup=warmup_steps(beta))
