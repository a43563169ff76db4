"""The PyTorch bridge: the same Schedule objects driving ``torch.optim`` optimizers.

``Scheduler(optimizer, schedule, momentum=..., weight_decay=...)`` is a
``torch.optim.lr_scheduler.LRScheduler``: after ``k`` calls of ``step()`` every group's learning
rate is ``schedule(k) * scale[group]``, its momentum (``momentum``, or ``betas[0]`` with the other
betas untouched) is ``momentum(k)`` and its weight decay ``weight_decay(k)``. Values are computed
from the step alone (closed form): never chained, never read back from ``group["lr"]``, with no
call-order dependency and no step-order warning.

Two modes:

- ``mode="host"`` (default): float64 NumPy evaluation, ahead of time in vectorised chunks
  (``chunk_size`` steps per hyperparameter, a few KiB), so a ``step()`` is a list lookup and a
  few dict writes.
- ``mode="device"``: every scheduled value is a 0-d tensor on the optimizer's device, updated in
  place from a device step counter with torch ops (a table of ``chunk_size`` steps on the
  device gathered by the counter: three tensor ops per step): no ``.item()``, no host sync. Use
  it with capturable/fused optimizers, ``torch.compile`` (the compiled step sees a tensor whose
  value changes: no recompiles) and CUDA graphs.

Progress in tokens or samples: ``Scheduler(opt, schedule, progress="tokens")`` drives the
schedules by the data consumed instead of the update count. ``step(tokens=n)`` advances the
progress by the batch's ``n`` tokens (Megatron-LM's ``step(increment)``), and the values
written are ``schedule(P)`` with ``P`` the tokens consumed so far, an exact Python int kept in
``state_dict()``. Use it when the batch size is only known as the run goes; with a batch table
known ahead, ``jaxsched.by_tokens`` gives the same values from the update count, in either mode.

Importing ``jaxsched`` never imports this module or torch.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.optim.lr_scheduler import EPOCH_DEPRECATION_WARNING, LRScheduler

from jaxsched.compose.replan import Replan, ReplanThen
from jaxsched.config import from_config as _from_config
from jaxsched.core import validate as v
from jaxsched.core.registry import signature
from jaxsched.core.schedule import Schedule
from jaxsched.torch import device as _device

__all__ = ["Scheduler"]

_STATE_VERSION = 2
_MAX_STEP = 2**53  # the largest step a checkpoint may hold: float64 counts are exact up to it
# what load_state_dict(..., allow_changes=...) may let differ between a checkpoint and the scheduler
_CHANGEABLE = ("schedule", "momentum", "weight_decay", "scales", "plateau", "mode")
_V1_KEYS = frozenset({"version", "last_epoch", "step_count", "scales", "plateau"})
_V2_KEYS = _V1_KEYS | {"groups", "mode", "schedules", "plateau_config"}
# keys a version-2 checkpoint may hold (absent in checkpoints written before they existed)
_V2_OPTIONAL = frozenset({"progress"})
_PROGRESS_UNITS = ("tokens", "samples")
_MAX_PROGRESS = 2**63 - 1  # the schedules read the progress as an int64 NumPy count

# attributes torch's LRScheduler exposes that a closed-form scheduler holds fixed
_READ_ONLY = frozenset({"optimizer", "base_lrs", "last_epoch"})


def _initial_lrs(optimizer: torch.optim.Optimizer, last_epoch: int) -> list[Any]:
    """Each group's ``"initial_lr"``, set as torch's ``LRScheduler.__init__`` does.

    A fresh scheduler (``last_epoch == -1``) sets ``group.setdefault("initial_lr", group["lr"])``
    (a tensor lr is cloned): the first scheduler on an optimizer fixes the base, later ones and
    ones built after ``optimizer.load_state_dict`` reuse it. A resumed one (``last_epoch >= 0``)
    requires it in every group.

    Raises:
      KeyError: ``last_epoch >= 0`` and a group has no ``"initial_lr"`` (torch's message).
    """
    groups = optimizer.param_groups
    if last_epoch == -1:
        for g in groups:
            lr = g["lr"]
            g.setdefault("initial_lr", lr.clone() if isinstance(lr, torch.Tensor) else lr)
    else:
        for i, g in enumerate(groups):
            if "initial_lr" not in g:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                    "scheduler with last_epoch >= 0 (load the optimizer's state_dict first, or use "
                    "last_epoch=-1 for a fresh run)"
                )
    return [g["initial_lr"] for g in groups]


def _snapshot(optimizer: torch.optim.Optimizer) -> list[tuple[dict, dict]]:
    """Each group's entries, and a copy of each tensor entry's value (see ``_restore``)."""
    return [(dict(g), {k: x.detach().clone() for k, x in g.items() if isinstance(x, torch.Tensor)})
            for g in optimizer.param_groups]


def _restore(optimizer: torch.optim.Optimizer, snap: list[tuple[dict, dict]]) -> None:
    """Put the groups back as ``_snapshot`` found them: a construction that raises leaves the
    optimizer unchanged (no ``initial_lr``, ``lr``, ``max_lr``... written by a failed build)."""
    for g, (entries, tensors) in zip(optimizer.param_groups, snap):
        for k in [k for k in g if k not in entries]:
            del g[k]
        g.update(entries)
        for k, t in tensors.items():
            with torch.no_grad():
                g[k].copy_(t)


def _groups_changed(now: int, built: int) -> RuntimeError:
    return RuntimeError(
        f"The number of param groups in the `optimizer` ({now}) differs from when the Scheduler "
        f"was initialized ({built}): its schedules and scales are fixed per group at "
        "construction, so a group added later has none; build a new Scheduler after "
        "optimizer.add_param_group (resume it with load_state_dict(..., "
        "allow_changes=...) or step_to)")


def _check_plateau_groups(plateau: Any, n: int) -> None:
    """Array options of a plateau config must hold one entry per param group."""
    import dataclasses

    for f in dataclasses.fields(plateau):
        x = getattr(plateau, f.name)
        if isinstance(x, str) or np.ndim(x) == 0:
            continue
        shape = np.shape(x)
        if len(shape) != 1 or shape[0] != n:
            got = shape[0] if len(shape) == 1 else f"shape {shape}"
            raise ValueError(
                f"`{f.name}` of `plateau` must have one entry per param group ({n}), got {got}"
            )


def _fingerprint(s: Schedule) -> str:
    """A stable fingerprint of a schedule: its class name and a SHA-256 of its ``to_config()`` JSON
    (of its ``repr`` when it holds a user function: two different lambdas then look alike)."""
    try:
        text = json.dumps(s.to_config(), sort_keys=True, default=repr)
    except (TypeError, ValueError):
        text = "repr:" + repr(s)
    return f"{type(s).__name__}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _replans(s: Schedule, fingerprint: str, step: Any) -> bool:
    """Whether ``s`` is ``jaxsched.replan(old, at=k, ...)`` of the schedule with this fingerprint,
    and the checkpoint's step is ``<= k``: its past is the checkpoint's, so it may resume it."""
    if not isinstance(s, (Replan, ReplanThen)) or v.is_traced(s.at) or np.ndim(s.at) != 0:
        return False
    try:
        same = _fingerprint(s.schedule) == fingerprint
    except TypeError:
        return False
    return same and _is_int(step) and step <= float(s.at)


def _plain(x: Any) -> Any:
    """A plateau option as plain data (str, bool, int, float or a list of numbers)."""
    if isinstance(x, (str, bool, int, float)) or x is None:
        return x
    a = np.asarray(x)
    return a.item() if a.ndim == 0 else a.tolist()


def _plateau_settings(plateau: Any) -> dict[str, Any]:
    import dataclasses

    return {f.name: _plain(getattr(plateau, f.name)) for f in dataclasses.fields(plateau)}


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _first_bad(values: Any, counts: Any, kind: str) -> tuple[int, float] | None:
    """The first (step, value) of ``values`` outside the range of ``kind``, or ``None``.

    ``lr`` and ``weight_decay`` must be finite and ``>= 0``; ``momentum`` in ``[0, 1)``.
    """
    a = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(a) | (a < 0)
    if kind == "momentum":
        bad |= a >= 1
    if not np.any(bad):
        return None
    i = int(np.argmax(bad))
    return int(np.asarray(counts)[i]), float(a[i])


def _bad_value_error(kind: str, where: str, step: int, value: float) -> ValueError:
    rng = "[0, 1)" if kind == "momentum" else "finite and >= 0"
    label = {"lr": "Invalid learning rate", "momentum": "Invalid momentum value",
             "weight_decay": "Invalid weight_decay value"}[kind]
    return ValueError(f"{label}: {where} gives {value!r} at step {step} (it must stay {rng}, as "
                      "torch's optimizers require)")


def _check_schedules(kind: str, name: str, scheds: list[Schedule] | None) -> None:
    """Evaluate each concrete schedule on the host over the checked steps (0..20000, then a
    geometric sample up to 2**31) and refuse one that leaves its range (see ``_first_bad``)."""
    if scheds is None:
        return
    from jaxsched.training.hyperparams import _CHECK_COUNTS

    seen: set[int] = set()
    for i, s in enumerate(scheds):
        if id(s) in seen:
            continue
        seen.add(id(s))
        try:
            vals = s.evaluate(_CHECK_COUNTS, np)
        except Exception:  # traced or device leaves: checked chunk by chunk instead
            continue
        bad = _first_bad(vals, _CHECK_COUNTS, kind)
        if bad is not None:
            where = f"`{name}`" if all(x is s for x in scheds) else f"`{name}` of param group {i}"
            raise _bad_value_error(kind, where, *bad)


def _load_error(field: str, checkpoint: Any, ours: Any, allow: str | None = None) -> ValueError:
    hint = (f"; to load it anyway keeping this scheduler's value, pass "
            f"allow_changes=({allow!r},)") if allow else ""
    return ValueError(f"load_state_dict: `{field}` differs: the checkpoint holds {checkpoint!r}, this "
                      f"scheduler holds {ours!r}{hint}")


def _bad_field(field: str, got: Any, expected: str) -> ValueError:
    return ValueError(f"load_state_dict: `{field}` must be {expected}; the checkpoint holds {got!r}")


def _as_schedule(name: str, s: Any) -> Schedule | None:
    if s is None:
        return None
    if isinstance(s, Mapping):
        return _from_config(s)
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        from jaxsched.schedules.polynomial import constant_schedule

        return constant_schedule(s)
    if not isinstance(s, Schedule):
        raise TypeError(
            f"`{name}` must be a jaxsched Schedule, a config dict or a number, got "
            f"{type(s).__name__}"
        )
    if s._value_shape:
        raise ValueError(
            f"`{name}` must be a scalar schedule, got a vector-valued {type(s).__name__} (values "
            f"of shape {tuple(s._value_shape)}); jaxsched.torch.ValueScheduler writes vectors"
        )
    return s


def _per_group(name: str, s: Any, n: int) -> list[Schedule] | None:
    if isinstance(s, (list, tuple)):
        if len(s) != n:
            raise ValueError(f"`{name}` must have one schedule per param group ({n}), got {len(s)}")
        return [_as_schedule(f"{name}[{i}]", x) for i, x in enumerate(s)]
    one = _as_schedule(name, s)
    return None if one is None else [one] * n


class Scheduler(LRScheduler):
    r"""Drive a torch optimizer with jaxsched schedules (closed form; host or device).

    After ``k`` calls of ``step()``:

    .. math::
      \text{lr}_g = s(k)\, a_g, \quad m_g = m(k), \quad \lambda_g = w(k)

    where ``a_g`` is the group's scale. Construction writes the step-0 values (``k = 0``).

    Args:
      optimizer: a ``torch.optim.Optimizer``.
      schedule: the learning-rate schedule: a jaxsched Schedule, a config dict (any name
        ``jaxsched.from_config`` accepts), or a list with one per param group.
      momentum: optional momentum schedule, written to ``group["momentum"]`` or, when the group
        has ``betas``, to ``betas[0]`` (other betas untouched). Values must stay in ``[0, 1)``.
      weight_decay: optional weight-decay schedule, written to ``group["weight_decay"]``.
      scales: per-group learning-rate multipliers (a list), or ``None`` to read each group's
        ``scale_key`` entry (default 1.0).
      scale_key: the group key holding a multiplier (``"lr_scale"`` as timm; Cerebras'
        ``"adjust_learning_rate"`` works too).
      mode: ``"host"`` or ``"device"`` (see the module docstring).
      chunk_size: host mode: steps evaluated ahead per chunk (default 2048: a few tens of KiB
        per param group). Device mode: the rows of the table on the device (see
        ``jaxsched.torch.device``; at least the CUDA-graph replays between host ``step()``s).
      plateau: optional ``jaxsched.plateau_config(...)`` / ``plateau_from_torch(...)``: a
        metric-driven factor (the same state machine as the JAX transformation), multiplied into
        the learning rate; report metrics with ``step(metric)`` or ``report(metric)``. Array
        options (e.g. ``min_lr=[...]`` with ``base_lr=[...]``) hold one entry per param group.
      last_epoch: ``-1`` for a fresh run. ``k >= 0`` resumes as torch does (build the scheduler
        after ``optimizer.load_state_dict``): every group must hold ``"initial_lr"``, and after
        construction ``last_epoch`` is ``k + 1`` with the values of step ``k + 1`` written.
        ``load_state_dict`` resumes too, in any order.
      progress: ``None`` (the schedules read the update count), ``"tokens"`` or ``"samples"``:
        the schedules read the data consumed, advanced by ``step(tokens=n)`` /
        ``step(samples=n)`` (Megatron-LM's ``step(increment)``): after steps with
        ``n_0, ..., n_{k-1}`` the values written are ``schedule(n_0 + ... + n_{k-1})``, for
        update ``k``. The progress is an exact Python int (``consumed``), saved in
        ``state_dict()`` and restored by ``load_state_dict``. Host mode only (each step
        evaluates the schedules at one point in float64 NumPy: tens of microseconds); resume
        through ``load_state_dict`` (``last_epoch >= 0`` cannot know the progress).

    Torch's observable contract, kept where a closed form can:

    - ``initial_lr``: construction sets ``group.setdefault("initial_lr", group["lr"])`` in
      every group (torch's rule), and ``base_lrs`` is the list of those values. A second
      scheduler on the same optimizer, or one built after ``optimizer.load_state_dict``, sees
      the first base, not the current (decayed) ``group["lr"]``; ``from_config`` gives names
      relative to the optimizer's learning rate (``torch.*``, ``hf.*``, ...) that base.
    - ``step(epoch)`` (deprecated in torch, supported via its closed form): jumps to step
      ``epoch`` (``last_epoch = epoch``, values of step ``epoch``) and emits torch's
      ``EPOCH_DEPRECATION_WARNING`` (a ``UserWarning``). A fractional epoch (torch's
      ``CosineAnnealingWarmRestarts.step(2.3)``) writes the schedules' values at that point
      (host mode) with ``last_epoch = floor(epoch)``; a later ``step()`` goes on to the whole
      step ``floor(epoch) + 1``. Without ``plateau`` the first
      positional argument is ``epoch`` (``LRScheduler.step(epoch)``); with ``plateau`` it is the
      metric (``ReduceLROnPlateau.step(metrics, epoch=None)``). ``step()`` is unchanged.
    - Read-only attributes: ``optimizer``, ``base_lrs`` (a copy per read), ``last_epoch``, and,
      for a scheduler built by ``from_config``, the config's own parameter names with their
      defaults (``sched.T_max``, ``sched.eta_min``, ``sched.total_steps`` of ``OneCycleLR``, ...;
      names the bridge already uses, such as ``mode``, keep the bridge's meaning). Setting one
      raises ``AttributeError``: the schedule is immutable; move with ``step``/``step_to``/
      ``load_state_dict`` or build a new scheduler.

    Raises:
      ValueError: a momentum schedule for an optimizer with neither ``momentum`` nor ``betas``
        (with torch's words, "optimizer must support momentum or beta1 ...");
        momentum leaving ``[0, 1)``; a learning rate (schedule times scale) or weight decay that
        is negative or non-finite ("Invalid learning rate: ``lr schedule`` gives ... at step
        ...": checked on the host over steps 0 to 20000 and a geometric sample up to 2**31 at
        construction; in host mode also each chunk as it is evaluated); wrong number of scales
        or schedules; bad ``mode``; ``last_epoch < -1``; a plateau array option whose length is
        not the number of groups.
      KeyError: ``last_epoch >= 0`` and a param group without ``"initial_lr"`` (as torch).
      TypeError: a schedule that is not a Schedule, a config or a number.

    A construction that raises leaves the optimizer's param groups as they were (no
    ``initial_lr`` or other key written). The number of param groups is fixed at construction:
    ``step()`` after ``optimizer.add_param_group`` raises ``RuntimeError`` (torch's words, "The
    number of param groups in the ``optimizer`` ... differs"), as a group added later has no
    schedule.

    Example:
      >>> import torch, jaxsched
      >>> from jaxsched.torch import Scheduler
      >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1, momentum=0.9)
      >>> sched = Scheduler(opt, jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 10, 100))
      >>> for _ in range(10):
      ...     opt.step(); sched.step()
      >>> round(sched.get_last_lr()[0], 6)
      0.1

    Equivalents:
      torch: any ``lr_scheduler`` (closed form, not chainable). Lightning:
      ``{"scheduler": sched, "interval": "step"}``; with ``plateau``, add
      ``"monitor": name, "reduce_on_plateau": True`` (Lightning passes the metric only to
      schedulers so flagged, or to instances of ``ReduceLROnPlateau``). HF Trainer:
      ``optimizers=(opt, sched)``. timm loops: ``step(epoch)``, or ``step_to(num_updates)``
      for ``step_update``.
      Cerebras: ``ScalePerParamLR`` via ``scale_key="adjust_learning_rate"``. timm: ``lr_scale``.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        schedule: Any,
        *,
        momentum: Any = None,
        weight_decay: Any = None,
        scales: Sequence[float] | None = None,
        scale_key: str = "lr_scale",
        mode: str = "host",
        chunk_size: int = 2048,
        plateau: Any = None,
        last_epoch: int = -1,
        progress: str | None = None,
    ) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"`optimizer` must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        snap = _snapshot(optimizer)
        try:
            self._init(optimizer, schedule, momentum, weight_decay, scales, scale_key, mode,
                       chunk_size, plateau, last_epoch, progress)
        except BaseException:
            _restore(optimizer, snap)  # a failed construction leaves the optimizer as it was
            raise

    def _init(self, optimizer: torch.optim.Optimizer, schedule: Any, momentum: Any,
              weight_decay: Any, scales: Sequence[float] | None, scale_key: str, mode: str,
              chunk_size: int, plateau: Any, last_epoch: int, progress: str | None) -> None:
        last_epoch = v.integer("last_epoch", last_epoch, ge=-1)
        if progress is not None:
            progress = v.choice("progress", progress, _PROGRESS_UNITS)
            if mode == "device":
                raise ValueError(
                    f"`progress={progress!r}` needs mode='host': device mode reads a device step "
                    f"counter, and the {progress} consumed are a host integer")
            if last_epoch != -1:
                raise ValueError(
                    f"`last_epoch` must be -1 with `progress={progress!r}` (got {last_epoch}): the "
                    f"step count does not give the {progress} consumed; resume with "
                    "load_state_dict, whose checkpoint holds them")
        self.progress = progress
        self._consumed = 0
        self._optimizer = optimizer
        self._base_lrs = _initial_lrs(optimizer, last_epoch)
        groups = optimizer.param_groups
        n = len(groups)
        self._n_groups = n
        self.mode = v.choice("mode", mode, ("host", "device"))
        self.chunk_size = v.integer("chunk_size", chunk_size, ge=1)
        self._lr = _per_group("schedule", schedule, n)
        if self._lr is None:
            raise TypeError("`schedule` must be a jaxsched Schedule, a config dict or a number")
        self._mom = _per_group("momentum", momentum, n)
        self._wd = _per_group("weight_decay", weight_decay, n)
        if scales is None:
            scales = [float(g.get(scale_key, 1.0)) for g in groups]
        if len(scales) != n:
            raise ValueError(f"`scales` must have one entry per param group ({n}), got {len(scales)}")
        self.scales = [float(v.real(f"scales[{i}]", a, ge=0)) for i, a in enumerate(scales)]
        _check_schedules("lr", "lr schedule", self._lr)
        _check_schedules("weight_decay", "weight_decay", self._wd)
        if self._mom is not None:
            from jaxsched.training.hyperparams import _check_values

            for i, g in enumerate(groups):
                if "betas" not in g and "momentum" not in g:
                    keys = sorted(k for k in g if k != "params")
                    raise ValueError(
                        f"`momentum` was given but param group {i} of {type(optimizer).__name__} has "
                        f"neither 'momentum' nor 'betas' (its keys: {keys}; torch: optimizer must "
                        "support momentum or beta1 with `cycle_momentum` option enabled)"
                    )
                _check_values("momentum", self._mom[i], lo=0.0, hi=1.0, hi_open=True)
        if self._wd is not None:
            for i, g in enumerate(groups):
                if "weight_decay" not in g:
                    raise ValueError(f"`weight_decay` was given but param group {i} has no 'weight_decay'")
        self.plateau = plateau
        self._plateau_state = None
        if plateau is not None:
            _check_plateau_groups(plateau, n)
            from jaxsched.training.plateau_rule import plateau_init

            self._plateau_state = plateau_init(plateau, xp=np, dtype=np.float64)
        self._dev = None  # device mode: the device tensors (jaxsched.torch.device)
        if self.mode == "device":
            _device.setup(self)
        self._chunks: dict[str, tuple[int, list]] = {}
        self._rows: tuple | None = None  # host mode: (start, lr rows, momentum rows, wd rows)
        self._last_epoch = last_epoch
        self._step_count = 1  # as torch after its initial step
        self._write(last_epoch + 1)  # fresh: step 0; resumed at k (torch's rule): step k + 1

    # ------------------------------------------------------------------ torch's attributes
    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """The optimizer this scheduler drives (read-only)."""
        return self._optimizer

    @property
    def base_lrs(self) -> list[Any]:
        """Each group's ``"initial_lr"`` at construction, as torch's ``base_lrs`` (a copy)."""
        return [x.clone() if isinstance(x, torch.Tensor) else x for x in self._base_lrs]

    @property
    def last_epoch(self) -> int:
        """The current step: ``k`` after ``k`` calls of ``step()`` (read-only)."""
        return self._last_epoch

    @property
    def _plateau_state(self) -> Any:
        """The plateau state as a ``PlateauState`` of Python numbers (``None`` without plateau).

        Host and device mode both run the rule in Python floats (``HostPlateau``: the same
        float64 values as the array rule, microseconds per report); assigning a state (any
        arrays or numbers) loads it into that rule.
        """
        host = self.__dict__.get("_plateau_host")
        return None if host is None else host.state()

    @_plateau_state.setter
    def _plateau_state(self, state: Any) -> None:
        if state is None:
            self.__dict__["_plateau_host"] = None
            self.__dict__["_rows"] = None  # rows hold the factors: computed again
            return
        from jaxsched.training.plateau_rule import HostPlateau

        host = self.__dict__.get("_plateau_host")
        if host is None or host.config is not self.plateau:
            host = HostPlateau(self.plateau, len(self.optimizer.param_groups))
        host.load(state)
        self.__dict__["_plateau_host"] = host
        self.__dict__["_rows"] = None  # rows hold the factors: computed again

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _READ_ONLY or name in self.__dict__.get("_hparams", ()):
            raise self._read_only(name)
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in _READ_ONLY or name in self.__dict__.get("_hparams", ()):
            raise self._read_only(name)
        super().__delattr__(name)

    @staticmethod
    def _read_only(name: str) -> AttributeError:
        how = ("move with step(), step_to(k) or load_state_dict()" if name == "last_epoch"
               else "build a new Scheduler (e.g. Scheduler.from_config with other params)")
        return AttributeError(
            f"`{name}` is read-only: a jaxsched Scheduler's schedule is immutable (closed "
            f"form); {how}"
        )

    # No __getattr__: the config's parameters (``from_config``) are plain instance attributes,
    # guarded by __setattr__/__delattr__, so attribute reads stay on CPython's fast path.

    def __repr__(self) -> str:
        """The schedule(s), mode, step and number of param groups.

        One schedule shared by every group is shown once; per-group schedules as a list.

        Example:
          >>> import torch, jaxsched
          >>> from jaxsched.torch import Scheduler
          >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
          >>> Scheduler(opt, jaxsched.constant_schedule(0.1))
          jaxsched.torch.Scheduler(schedule=Constant(value=0.1), mode='host', last_epoch=0, groups=1)
        """
        def one(scheds: list | None) -> str:
            assert scheds is not None
            first = scheds[0]
            if all(s is first for s in scheds):
                return repr(first)
            return "[" + ", ".join(repr(s) for s in scheds) + "]"

        parts = [f"schedule={one(self._lr)}"]
        for name, scheds in (("momentum", self._mom), ("weight_decay", self._wd)):
            if scheds is not None:
                parts.append(f"{name}={one(scheds)}")
        if self.plateau is not None:
            parts.append(f"plateau={self.plateau!r}")
        if any(a != 1.0 for a in self.scales):
            parts.append(f"scales={self.scales}")
        parts += [f"mode={self.mode!r}", f"last_epoch={self.last_epoch}"]
        if self.progress is not None:
            parts.append(f"{self.progress}={self._consumed}")
        parts.append(f"groups={len(self.optimizer.param_groups)}")
        return f"jaxsched.torch.Scheduler({', '.join(parts)})"

    # ------------------------------------------------------------------ values
    def _host_values(self, kind: str, k: int) -> list[float]:
        """Each group's value of ``kind`` at step ``k`` (float64, chunked ahead)."""
        scheds = {"lr": self._lr, "momentum": self._mom, "weight_decay": self._wd}[kind]
        start, table = self._chunks.get(kind, (-1, []))
        span = self.chunk_size if self.progress is None else 1  # progress jumps by the batch
        if not (0 <= k - start < span) or not table:
            start = k
            counts = np.arange(k, k + span, dtype=np.int64)
            cache: dict[int, list] = {}
            table = []
            for s in scheds:
                key = id(s)
                if key not in cache:
                    vals = np.asarray(s.evaluate(counts, np), dtype=np.float64)
                    bad = _first_bad(vals, counts, kind)
                    if bad is not None:  # past the steps checked at construction
                        raise _bad_value_error(kind, "the " + ("lr schedule" if kind == "lr" else kind),
                                               *bad)
                    cache[key] = vals.tolist()
                table.append(cache[key])
            self._chunks[kind] = (start, table)
        i = k - start
        return [col[i] for col in table]

    def _plateau_factors(self) -> list[float]:
        """Each group's plateau factor (one scale, or one per group for array options)."""
        n = len(self.scales)
        host = self.__dict__.get("_plateau_host")
        if host is None:
            return [1.0] * n
        scales = host.scales
        return list(scales) if len(scales) == n else scales * n

    def get_lr(self) -> list[float]:
        """The learning rates for the current step (closed form; never reads ``group["lr"]``)."""
        return [x * a * f for x, a, f in zip(self._host_values("lr", self._position(self.last_epoch)),
                                             self.scales, self._plateau_factors())]

    def _position(self, k: int) -> int:
        """Where the schedules are read: step ``k``, or the progress consumed."""
        return k if self.progress is None else self._consumed

    @property
    def consumed(self) -> int:
        """The tokens (or samples) consumed, with ``progress``: the sum of every ``step(tokens=n)``
        (an exact Python int; 0 without ``progress``)."""
        return self._consumed

    _get_closed_form_lr = get_lr

    @property
    def _last_lr(self) -> list[Any]:
        """torch's ``_last_lr``: the learning rates written by the last step, as a new list (of
        the live tensors in device mode). A step stores the row it wrote; the list is made
        here, when read."""
        return list(self.__dict__["_last_vals"])

    @_last_lr.setter
    def _last_lr(self, lrs: Any) -> None:
        self.__dict__["_last_vals"] = lrs

    def get_last_lr(self) -> list[Any]:
        """The learning rates of the current step: a new list each call (floats in host mode;
        tensor clones in device mode, never the live tensors)."""
        if self.mode == "device":  # cloned on read: a step() copies nothing
            return [t.clone() for t in self._last_lr]
        return self._last_lr

    def current_values(self) -> list[dict[str, float]]:
        """Every scheduled value per group, as Python floats (snapshots; valid before stepping).

        Returns:
          One dict per param group with ``"lr"`` and, when scheduled, ``"momentum"`` and
          ``"weight_decay"``.
        """
        k = self._position(max(self.last_epoch, 0))
        out = [{"lr": x * a * f} for x, a, f in zip(self._host_values("lr", k), self.scales,
                                                    self._plateau_factors())]
        for kind, scheds in (("momentum", self._mom), ("weight_decay", self._wd)):
            if scheds is not None:
                for d, x in zip(out, self._host_values(kind, k)):
                    d[kind] = x
        return out

    # ------------------------------------------------------------------ stepping
    def step(self, metrics: Any = None, epoch: Any = None, *,  # type: ignore[override]
             tokens: Any = None, samples: Any = None) -> None:
        """Advance one optimizer update, or jump to ``epoch`` (torch's deprecated form).

        Args:
          metrics: with ``plateau``: a metric reported first (as ``ReduceLROnPlateau.step``).
            Without ``plateau`` a positional argument is torch's ``epoch``
            (``LRScheduler.step(epoch)``).
          epoch: jump to this step (``last_epoch = epoch``, the values of step ``epoch``) with
            torch's ``EPOCH_DEPRECATION_WARNING``; prefer ``step_to(epoch)``. A fractional
            epoch (host mode) writes the values at that point, ``last_epoch = floor(epoch)``.
          tokens: with ``progress="tokens"``: the tokens this update consumed (an integer
            ``>= 0``, or a 0-d integer tensor, read with ``.item()``); the progress advances by
            it and the values for the progress reached are written.
          samples: the same with ``progress="samples"``.

        Raises:
          ValueError: ``epoch`` is negative, not finite, or fractional in device mode; with
            ``progress``: no amount, both
            ``tokens`` and ``samples``, the other unit, a negative amount, or ``epoch``;
            ``tokens``/``samples`` given to a scheduler without ``progress`` (its schedules
            are in steps).
          TypeError: an amount that is not an integer.
          RuntimeError: the optimizer's number of param groups changed since construction.

        Example:
          >>> import torch, jaxsched
          >>> from jaxsched.torch import Scheduler
          >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
          >>> lr = jaxsched.linear_schedule(1.0, 0.0, 10_000)  # over 10,000 tokens
          >>> sched = Scheduler(opt, lr, progress="tokens")
          >>> for n in (4096, 2048):  # each batch's tokens, known as it comes
          ...     opt.step(); sched.step(tokens=n)
          >>> sched.consumed, round(opt.param_groups[0]["lr"], 6)
          (6144, 0.3856)
        """
        groups = self._optimizer.param_groups
        if len(groups) != self._n_groups:  # a group added since construction has no schedule
            raise _groups_changed(len(groups), self._n_groups)
        if tokens is not None or samples is not None or self.progress is not None:
            self._step_progress(metrics, epoch, tokens, samples)
            return
        if epoch is None and (metrics is None or self.plateau is not None):
            # step() and, with plateau, step(metric): the calls of every training loop. Reads
            # are attribute loads; writes go to __dict__ (no read-only check per write).
            d = self.__dict__
            if metrics is not None:  # the plateau rule in Python floats (HostPlateau)
                if type(metrics) is not float:
                    metrics = _metric_value(metrics)
                if self._plateau_host.update(metrics):
                    self._factors_changed(rewrite=False)  # the next step's values follow
            d["_step_count"] = self._step_count + 1
            k = self._last_epoch + 1
            rows = self._rows  # host mode: (start, lr rows, momentum rows, wd rows, n, extras)
            if rows is not None and 0 <= k - rows[0] < rows[4]:
                # values were computed with the chunk (lr times scale and plateau factor):
                # index and write
                d["_last_epoch"] = k
                i = k - rows[0]
                row = rows[1][i]
                for g, lr in zip(groups, row):
                    now = g["lr"]
                    if now is lr:  # a constant stretch: the group holds this very value
                        continue
                    if type(now) is float or not isinstance(now, torch.Tensor):
                        g["lr"] = lr
                    else:
                        now.fill_(lr)
                if rows[5]:
                    self._write_extras(rows, i)
                d["_last_vals"] = row  # _last_lr makes a list of it when read
                return
            if self._dev is not None and k > 0:  # device mode: advance the device counter
                d["_last_epoch"] = k
                _device.advance(self)
                d["_last_vals"] = self._device_lr  # live tensors; get_last_lr() clones
                return
            self._write(k, advance=True)
            return
        if metrics is not None and self.plateau is None:
            metrics, epoch = None, metrics  # LRScheduler.step(epoch)
        e = epoch.item() if isinstance(epoch, torch.Tensor) else epoch
        fraction = isinstance(e, (float, np.floating)) and not float(e).is_integer()
        if fraction:
            e = float(e)
            if not (math.isfinite(e) and e >= 0):
                raise ValueError(f"`epoch` must be finite and >= 0 (torch: Expected non-negative "
                                 f"epoch, but got {e})")
            if self.mode == "device":
                raise ValueError(f"a fractional `epoch` ({e}) needs mode='host': device mode "
                                 "reads its values from a table of whole steps")
        else:
            k = int(v.integer("epoch", e, ge=0))
        warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        if metrics is not None:
            self.report(metrics)
        self._step_count += 1
        if fraction:
            self._write_at(e)
        else:
            self._write(k)

    def _write_at(self, t: float) -> None:
        """``step(epoch)`` with a fractional epoch ``t`` (torch's ``CosineAnnealingWarmRestarts``
        takes one): the values of the schedules at ``t`` (closed form, float64), written once;
        ``last_epoch`` becomes ``floor(t)``, so a later ``step()`` continues at the whole step
        ``floor(t) + 1``."""
        counts = np.asarray([t], dtype=np.float64)
        vals = {}
        for kind, scheds in (("lr", self._lr), ("momentum", self._mom), ("weight_decay", self._wd)):
            if scheds is None:
                continue
            out = []
            for s in scheds:
                x = np.asarray(s.evaluate(counts, np), dtype=np.float64)
                if _first_bad(x, counts, kind) is not None:
                    raise _bad_value_error(kind, "the " + ("lr schedule" if kind == "lr" else kind),
                                           t, float(x[0]))  # type: ignore[arg-type]
                out.append(float(x[0]))
            vals[kind] = out
        lrs = [x * a * f for x, a, f in zip(vals["lr"], self.scales, self._plateau_factors())]
        self._last_epoch = math.floor(t)
        for g, lr in zip(self.optimizer.param_groups, lrs):
            if isinstance(g["lr"], torch.Tensor):
                g["lr"].fill_(lr)
            else:
                g["lr"] = lr
        for g, m in zip(self.optimizer.param_groups, vals.get("momentum", ())):
            _set_momentum(g, m)
        for g, w in zip(self.optimizer.param_groups, vals.get("weight_decay", ())):
            if isinstance(g["weight_decay"], torch.Tensor):
                g["weight_decay"].fill_(w)
            else:
                g["weight_decay"] = w
        self._last_lr = lrs

    def _step_progress(self, metrics: Any, epoch: Any, tokens: Any, samples: Any) -> None:
        """``step(tokens=n)`` / ``step(samples=n)``: advance the progress by ``n``, one update."""
        given = [(k, x) for k, x in (("tokens", tokens), ("samples", samples)) if x is not None]
        unit = self.progress
        if unit is None:
            name = given[0][0]
            raise ValueError(
                f"`{name}` was given, but this scheduler's schedules read the update count: build "
                f"it with progress={name!r} for schedules in {name}, or call step()")
        if len(given) == 2:
            raise ValueError(f"pass either `tokens` or `samples` to step, not both (this scheduler "
                             f"counts {unit})")
        if not given:
            raise ValueError(f"this scheduler counts {unit} (progress={unit!r}): call "
                             f"step({unit}=n) with the {unit} of the update")
        name, n = given[0]
        if name != unit:
            raise ValueError(f"`{name}` was given, but this scheduler counts {unit} "
                             f"(progress={unit!r}): call step({unit}=n)")
        if epoch is not None or (metrics is not None and self.plateau is None):
            raise ValueError(f"`epoch` cannot be given with progress={unit!r}: the {unit} "
                             "consumed, not a step, place the schedules")
        if isinstance(n, torch.Tensor):
            if n.numel() != 1 or n.is_floating_point() or n.is_complex() or n.dtype is torch.bool:
                raise TypeError(f"`{name}` must be an integer (a 0-d integer tensor), got a tensor "
                                f"of dtype {n.dtype} and shape {tuple(n.shape)}")
            n = n.item()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"`{name}` must be an integer number of {name}, got {n!r}")
        n = int(n)
        if n < 0:
            raise ValueError(f"`{name}` must be >= 0 (the {name} this update consumed), got {n}")
        if self._consumed + n > _MAX_PROGRESS:
            raise ValueError(f"`{name}`: the progress would pass 2**63 - 1 ({self._consumed} + {n})")
        if metrics is not None:  # plateau: the metric first, as step(metric)
            if self._plateau_host.update(_metric_value(metrics)):
                self._factors_changed(rewrite=False)
        self._step_count += 1
        self._consumed += n
        self._write(self._last_epoch + 1)

    def step_to(self, k: int) -> None:
        """Jump to step ``k`` (e.g. a known optimizer step count) and write its values.

        Raises:
          ValueError: ``k < 0``; a scheduler with ``progress`` (the schedules read the data
            consumed; restore it with ``load_state_dict``).
        """
        if self.progress is not None:
            raise ValueError(f"step_to cannot be used with progress={self.progress!r}: the "
                             f"{self.progress} consumed place the schedules; restore a checkpoint "
                             "with load_state_dict")
        self._write(int(v.integer("k", k, ge=0)))

    def report(self, metric: Any) -> None:
        """Feed a metric to the plateau state machine (see ``plateau``) and rewrite the values."""
        if self.plateau is None:
            raise ValueError("`report` needs a scheduler built with `plateau=`")
        self._report(metric)

    def _report(self, metric: Any) -> None:
        """The plateau rule on one metric (``HostPlateau``: the array rule's float64 values in
        Python floats); the values are rewritten only when a factor changed."""
        if self._plateau_host.update(_metric_value(metric)):
            self._factors_changed(rewrite=True)

    def _factors_changed(self, rewrite: bool) -> None:
        """A plateau factor changed: rescale the values computed ahead and, once stepping has
        begun, rewrite the current step's values (``rewrite``; ``step(metric)`` writes the next
        step's). Host mode rescales the chunk's rows (no schedule evaluation; one row for a
        constant stretch), device mode the table's lr columns and the current row."""
        if self.mode == "device":
            if self._last_epoch >= 0:
                _device.rescale(self)
            return
        rows = self._rows
        if rows is not None:
            start, table = self._chunks["lr"]
            if start == rows[0]:
                self._rows = (start, self._lr_rows(table), *rows[2:])
            else:  # the raw chunk moved on (get_lr of another step): evaluate it again
                self._rows = None
        if rewrite and self._last_epoch >= 0:
            self._write(self._last_epoch)

    def _write(self, k: int, advance: bool = False) -> None:
        first = self.last_epoch < 0
        self._last_epoch = k
        if self.mode == "device":
            if advance and not first:
                _device.advance(self)
            else:
                _device.jump(self, k)
            self._last_lr = self._device_lr  # live tensors; get_last_lr() clones
            return
        pos = k if self.progress is None else self._consumed
        rows = self._rows
        if rows is None or not 0 <= pos - rows[0] < rows[4]:
            rows = self._rows = self._build_rows(pos)
        i = pos - rows[0]
        lrs = rows[1][i]
        groups = self.optimizer.param_groups
        for g, lr in zip(groups, lrs):
            if isinstance(g["lr"], torch.Tensor):
                g["lr"].fill_(lr)
            else:
                g["lr"] = lr
        self._write_extras(rows, i)
        self._last_lr = lrs

    def _write_extras(self, rows: tuple, i: int) -> None:
        groups = self.optimizer.param_groups
        if rows[2] is not None:
            for g, m in zip(groups, rows[2][i]):
                _set_momentum(g, m)
        if rows[3] is not None:
            for g, w in zip(groups, rows[3][i]):
                if isinstance(g["weight_decay"], torch.Tensor):
                    g["weight_decay"].fill_(w)
                else:
                    g["weight_decay"] = w

    def _build_rows(self, k: int) -> tuple:
        """For the chunk of steps from ``k``: per-step tuples of every group's final values (the
        learning rate times the group's scale and plateau factor), so that a ``step()`` is an
        index and a few dict writes.

        Returns:
          ``(k, lr rows, momentum rows or None, weight-decay rows or None, number of rows,
          whether momentum or weight decay is scheduled)``.
        """
        out: list = [k]
        for kind, scheds in (("lr", self._lr), ("momentum", self._mom), ("weight_decay", self._wd)):
            if scheds is None:
                out.append(None)
                continue
            self._chunks.pop(kind, None)
            self._host_values(kind, k)  # evaluates the chunk that starts at k
            table = self._chunks[kind][1]
            out.append(self._lr_rows(table) if kind == "lr" else list(zip(*table)))
        out.append(len(out[1]))  # the number of rows
        out.append(out[2] is not None or out[3] is not None)  # momentum or weight decay
        return tuple(out)

    def _lr_rows(self, table: list[list[float]]) -> list[tuple]:
        """The rows of final learning rates, ``(value * scale) * factor``, from the chunk's
        columns of schedule values (one column per group). Also run when a plateau factor
        changes: a constant chunk (a constant schedule, or one past its end) is one row."""
        factors = (self._plateau_factors() if self.__dict__.get("_plateau_host") is not None
                   else None)
        n = len(table[0])
        if all(col[0] != 0.0 and col.count(col[0]) == n for col in table):
            # (zeros are left alone: 0.0 == -0.0, and the sign of each value is kept)
            row = [col[0] * a for col, a in zip(table, self.scales)]
            if factors is not None:
                row = [x * f for x, f in zip(row, factors)]
            return [tuple(row)] * n  # the same float objects each step: see step()
        if factors is None:
            cols = [[x * a for x in col] for col, a in zip(table, self.scales)]
        else:
            cols = [[(x * a) * f for x in col] for col, a, f in zip(table, self.scales, factors)]
        return list(zip(*cols))

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The step and the configuration it belongs to, as plain data only (loads with
        ``torch.load(weights_only=True)``).

        Returns:
          A dict with ``version`` (2), ``last_epoch``, ``step_count``, ``scales``, ``plateau`` (the
          plateau state, or ``None``) and, checked by ``load_state_dict``: ``groups`` (the number of
          param groups), ``mode``, ``schedules`` (a fingerprint per group of the ``lr``,
          ``momentum`` and ``weight_decay`` schedules: class name and a hash of ``to_config()``,
          or of the ``repr`` for a schedule holding a user function; ``None`` when not scheduled)
          and ``plateau_config`` (the plateau's settings, or ``None``); with ``progress``, also
          ``progress``: ``{"unit": "tokens" or "samples", "consumed": int}`` (exact).
        """
        plateau = None
        if self._plateau_state is not None:
            plateau = {k: np.asarray(x).item() if np.ndim(x) == 0 else np.asarray(x).tolist()
                       for k, x in self._plateau_state._asdict().items() if x is not None}
        out = {
            "version": _STATE_VERSION,
            "last_epoch": int(self.last_epoch),
            "step_count": int(self._step_count),
            "scales": list(self.scales),
            "plateau": plateau,
            "groups": len(self.scales),
            "mode": self.mode,
            "schedules": self._fingerprints(),
            "plateau_config": None if self.plateau is None else _plateau_settings(self.plateau),
        }
        if self.progress is not None:
            out["progress"] = {"unit": self.progress, "consumed": int(self._consumed)}
        return out

    def _fingerprints(self) -> dict[str, list[str] | None]:
        out: dict[str, list[str] | None] = {}
        for kind, scheds in (("lr", self._lr), ("momentum", self._mom), ("weight_decay", self._wd)):
            if scheds is None:
                out[kind] = None
                continue
            memo: dict[int, str] = {}
            for x in scheds:
                if id(x) not in memo:
                    memo[id(x)] = _fingerprint(x)
            out[kind] = [memo[id(x)] for x in scheds]
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], *,
                        allow_changes: Sequence[str] | str = ()) -> None:
        """Restore the step (and plateau state) and rewrite the optimizer's values for it.

        Works whatever the order relative to ``optimizer.load_state_dict``: the values written
        are a function of the restored step only. Every field is checked before anything
        changes: its type and range (``last_epoch`` an integer in ``[0, 2**53]``, ``scales``
        finite and ``>= 0``, ...), and that the checkpoint belongs to this configuration: the
        same number of param groups, the same schedules (by fingerprint), ``scales``, plateau
        (present or not, and its settings) and ``mode``.

        Args:
          state_dict: a dict from ``state_dict()``.
          allow_changes: names of deliberate changes to accept (a subset of ``"schedule"``,
            ``"momentum"``, ``"weight_decay"``, ``"scales"``, ``"plateau"``, ``"mode"``): the
            checkpoint's step (and plateau state) is restored and this scheduler's configuration
            kept, e.g. ``load_state_dict(state, allow_changes=("scales",))`` after retuning the
            per-group scales. ``"plateau"`` also accepts a plateau added (it starts fresh) or
            removed (its state is dropped). The number of param groups cannot change.

        A schedule built by ``jaxsched.replan(old, at=k, ...)`` resumes a checkpoint of ``old``
        saved at a step ``<= k`` without ``allow_changes``: its values up to ``k`` are ``old``'s,
        so the checkpoint's past is its own.

        A checkpoint of format version 1 (jaxsched before these checks: no ``groups``, ``mode``,
        ``schedules`` or ``plateau_config``) still loads: its ``scales``, group count (the length
        of ``scales``) and plateau presence are checked, and a ``DeprecationWarning`` says that the
        schedules and mode could not be; save a new checkpoint to have them checked.

        Raises:
          ValueError: a field is missing, unknown, of the wrong type or out of range, or differs
            from this scheduler (the message names the field, the checkpoint's value and this
            scheduler's); an unknown name in ``allow_changes``; an unsupported ``version``.
          TypeError: ``state_dict`` is not a mapping.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"`state_dict` must be a dict from Scheduler.state_dict(), got "
                            f"{type(state_dict).__name__}")
        allow = (allow_changes,) if isinstance(allow_changes, str) else tuple(allow_changes)
        for name in allow:
            if name not in _CHANGEABLE:
                raise ValueError(f"`allow_changes` holds {name!r}; valid names are {list(_CHANGEABLE)} "
                                 "(the number of param groups cannot change)")
        version = state_dict.get("version")
        if version not in (1, _STATE_VERSION) or not _is_int(version):
            raise ValueError(f"unsupported state_dict version {version!r}; expected {_STATE_VERSION} (or "
                             "1, from older jaxsched)")
        keys = _V1_KEYS if version == 1 else _V2_KEYS
        optional = frozenset() if version == 1 else _V2_OPTIONAL
        missing, unknown = sorted(keys - set(state_dict)), sorted(set(state_dict) - keys - optional)
        if missing:
            raise ValueError(f"load_state_dict: the checkpoint (version {version}) has no {missing}")
        if unknown:
            raise ValueError(f"load_state_dict: the checkpoint holds unknown keys {unknown}")
        n = len(self.scales)
        last_epoch, step_count = state_dict["last_epoch"], state_dict["step_count"]
        if not _is_int(last_epoch) or not 0 <= last_epoch <= _MAX_STEP:
            raise _bad_field("last_epoch", last_epoch, "an integer in [0, 2**53]")
        if not _is_int(step_count) or not 0 <= step_count <= _MAX_STEP + 1:
            raise _bad_field("step_count", step_count, "an integer in [0, 2**53 + 1]")
        scales = state_dict["scales"]
        if not isinstance(scales, (list, tuple)):
            raise _bad_field("scales", scales, "a list with one number per param group")
        groups = state_dict["groups"] if version > 1 else len(scales)
        if not _is_int(groups) or groups < 1:
            raise _bad_field("groups", groups, "an integer >= 1")
        if groups != n:
            raise _load_error("groups", groups, n)
        if len(scales) != n:
            raise _bad_field("scales", scales, f"a list with one number per param group ({n})")
        for i, a in enumerate(scales):
            if not _is_real(a) or not np.isfinite(a) or a < 0:
                raise _bad_field(f"scales[{i}]", a, "a finite number >= 0")
        if [float(a) for a in scales] != self.scales and "scales" not in allow:
            raise _load_error("scales", list(scales), self.scales, "scales")
        consumed = self._check_progress(state_dict.get("progress"))
        if version > 1:
            self._check_config(state_dict, allow, last_epoch if consumed is None else consumed)
        else:
            warnings.warn(
                "load_state_dict: this checkpoint has state_dict version 1 (older jaxsched), which "
                "holds no fingerprint of the schedules and no mode: only the step, group count, "
                "scales and plateau presence were checked; save a new checkpoint to check them all",
                DeprecationWarning, stacklevel=2)
        plateau_state = self._check_plateau_state(state_dict["plateau"], allow)
        # everything checked: now restore
        self._step_count = int(step_count)
        if plateau_state is not None:
            self._plateau_state = plateau_state
        self._consumed = 0 if consumed is None else consumed
        self._chunks = {}
        self._rows = None
        self._write(int(last_epoch))

    def _check_progress(self, saved: Any) -> int | None:
        """The checkpoint's progress (``None`` when it counts steps), checked against ours."""
        if saved is not None:
            if (not isinstance(saved, Mapping) or set(saved) != {"unit", "consumed"}
                    or saved["unit"] not in _PROGRESS_UNITS):
                raise _bad_field("progress", saved, "None or {'unit': 'tokens' or 'samples', "
                                 "'consumed': int}")
            consumed = saved["consumed"]
            if not _is_int(consumed) or not 0 <= consumed <= _MAX_PROGRESS:
                raise _bad_field("progress['consumed']", consumed, "an integer in [0, 2**63 - 1]")
        theirs = None if saved is None else saved["unit"]
        if theirs != self.progress:
            raise _load_error("progress", f"schedules in {theirs or 'steps'}",
                              f"schedules in {self.progress or 'steps'}")
        return None if saved is None else int(saved["consumed"])

    def _check_config(self, state: Mapping[str, Any], allow: tuple[str, ...], position: int) -> None:
        """The checkpoint's mode, schedule fingerprints and plateau settings match (or may change)."""
        mode = state["mode"]
        if mode not in ("host", "device"):
            raise _bad_field("mode", mode, "'host' or 'device'")
        if mode != self.mode and "mode" not in allow:
            raise _load_error("mode", mode, self.mode, "mode")
        ours = self._fingerprints()
        theirs = state["schedules"]
        if not isinstance(theirs, Mapping) or set(theirs) != set(ours):
            raise _bad_field("schedules", theirs, f"a dict with the keys {sorted(ours)}")
        n = len(self.scales)
        for kind, field in (("lr", "schedule"), ("momentum", "momentum"), ("weight_decay", "weight_decay")):
            got = theirs[kind]
            if got is not None and (not isinstance(got, (list, tuple)) or len(got) != n
                                    or not all(isinstance(x, str) for x in got)):
                raise _bad_field(f"schedules[{kind!r}]", got, f"None or {n} fingerprint strings")
            if field in allow:
                continue
            if (got is None) != (ours[kind] is None):
                raise _load_error(field, "a schedule" if got is not None else "none",
                                  "a schedule" if ours[kind] is not None else "none", field)
            if got is not None and ours[kind] is not None:
                shared = len(set(got)) == 1 and len(set(ours[kind])) == 1  # one schedule each side
                mine = {"lr": self._lr, "momentum": self._mom, "weight_decay": self._wd}[kind]
                for i, (x, y) in enumerate(zip(got, ours[kind])):
                    if x != y and not _replans(mine[i], x, position):
                        where = field if shared else f"{field} (param group {i})"
                        raise _load_error(where, x, y, field)
        cfg = state["plateau_config"]
        if cfg is not None and not isinstance(cfg, Mapping):
            raise _bad_field("plateau_config", cfg, "None or a dict of plateau settings")
        if "plateau" in allow:
            return
        if (cfg is None) != (self.plateau is None):
            raise _load_error("plateau", "a plateau" if cfg is not None else "none",
                              "a plateau" if self.plateau is not None else "none", "plateau")
        if cfg is not None:
            mine = _plateau_settings(self.plateau)
            for k in sorted(set(cfg) | set(mine)):
                if cfg.get(k) != mine.get(k):
                    raise _load_error(f"plateau.{k}", cfg.get(k), mine.get(k), "plateau")

    def _check_plateau_state(self, saved: Any, allow: tuple[str, ...]) -> Any:
        """The checkpoint's plateau state, checked and converted (``None``: keep the current one)."""
        if (saved is None) != (self.plateau is None):
            if "plateau" in allow:
                return None  # a plateau added (starts fresh) or removed (state dropped)
            raise _load_error("plateau", "plateau state" if saved is not None else "none",
                              "a plateau" if self.plateau is not None else "none", "plateau")
        if saved is None:
            return None
        from jaxsched.training.plateau_rule import PlateauState

        # greedy's rolling window (window_values, window_fill) only with smoothing
        current = {k: x for k, x in self._plateau_state._asdict().items() if x is not None}
        if not isinstance(saved, Mapping) or set(saved) != set(current):
            raise _bad_field("plateau", saved, f"a dict with the keys {sorted(current)}")
        out = {}
        for k, now in current.items():
            now = np.asarray(now)
            x = saved[k]
            flat = x if isinstance(x, (list, tuple)) else [x]
            ok = all(_is_real(e) for e in flat)
            if ok and np.issubdtype(now.dtype, np.integer):
                # greedy's num_bad is negative while good evaluations run
                signed = k == "num_bad" and self.plateau.semantics == "greedy"
                ok = all(_is_int(e) and (signed or e >= 0) for e in flat)
            elif ok and k == "scale":
                ok = all(np.isfinite(e) and e >= 0 for e in flat)
            elif ok:  # NaN: a running mean or sum, the window, Paddle's first metric as best
                nan_ok = k in ("avg", "window_values") or (
                    k == "best" and self.plateau.semantics == "paddle")
                ok = not any(np.isnan(e) for e in flat) or nan_ok
            if ok and k == "window_fill":
                ok = all(e <= self.plateau.smooth_window for e in flat)
            if not ok:
                raise _bad_field(f"plateau[{k!r}]", x, f"{now.dtype} values"
                                 + (", finite and >= 0" if k == "scale" else "")
                                 + (f", at most {self.plateau.smooth_window}"
                                    if k == "window_fill" else ""))
            arr = np.asarray(x, dtype=now.dtype)
            if arr.shape != now.shape:
                raise _bad_field(f"plateau[{k!r}]", x, f"of shape {now.shape} (this scheduler's plateau)")
            out[k] = arr
        return PlateauState(**out)

    # ------------------------------------------------------------------ factories
    @classmethod
    def from_config(cls, optimizer: torch.optim.Optimizer, cfg: Mapping[str, Any] | str | os.PathLike,
                    **kwargs: Any) -> Scheduler:
        r"""Build from any config ``jaxsched.from_config`` accepts (a dict, a JSON/YAML file, a whole
        DeepSpeed config file).

        Names relative to the optimizer's learning rate (``torch.*``, ``hf.*``, ``timm.*``, a
        DeepSpeed ``WarmupCosineLR`` ...) get each group's ``"initial_lr"`` as ``lr`` when the
        config does not set it (one schedule per group, as torch's ``base_lrs``; set from
        ``group["lr"]`` when absent, as torch does). Schedulers that cycle momentum
        (``torch.OneCycleLR``, ``torch.CyclicLR``, DeepSpeed ``OneCycle``) also drive
        momentum/``betas[0]``: only ``cycle_momentum=False`` leaves momentum alone, and any
        error building the momentum schedule propagates (``ValueError``/``TypeError`` naming
        the parameter), as torch raises for an optimizer without momentum. A DeepSpeed
        ``"scheduler"`` block loads as it is. The config's parameters, with the defaults of its
        name, are read-only attributes of the result (``sched.T_max``, ``sched.gamma``, ...).
        Metric-driven names (``torch.ReduceLROnPlateau``, ``hf.reduce_lr_on_plateau``,
        ``timm.plateau``) give a scheduler with their ``plateau`` (per-group ``base_lr`` and
        ``min_lr`` when the groups differ): ``step(metric)`` writes the lr the peer writes.
        HF's ``polynomial``, ``cosine_with_min_lr`` and ``cosine_warmup_with_min_lr`` build
        their lambda from ``optimizer.defaults["lr"]`` and apply it to every group's lr, as HF
        does (``polynomial`` ends a group at ``group_lr * lr_end / defaults_lr``). A
        ``ValueError`` of a ``torch.*`` name carries torch's own message for the parameter
        (``"... (torch: Expected float between 0 and 1 pct_start, but got 1.1)"``), and a build
        that raises leaves the optimizer's param groups as they were.

        Per-group lists, wherever torch or DeepSpeed take them (``CyclicLR(base_lr=[...],
        max_lr=[...], base_momentum=[...], max_momentum=[...])``, ``OneCycleLR(max_lr=[...])``,
        ``LambdaLR``/``MultiplicativeLR(lr_lambda=[f, g])``, ``SWALR(swa_lr=[...])``, DeepSpeed
        ``WarmupLR(warmup_max_lr=[...])``, ``OneCycle(cycle_max_lr=[...])``, also inside the
        children of ``SequentialLR``/``ChainedScheduler``), give group ``g`` the schedule of
        entry ``g``, as torch's ``_format_param``:

        .. math:: \text{lr}_g(k) = s[\,p \mapsto p_g\,](k)

        Each list must hold one entry per param group (``ValueError`` in torch's wording:
        ``"max_lr must have the same length as optimizer.param_groups. max_lr has 3 values,
        param_groups has 2."``).

        Example:
          >>> import torch
          >>> from jaxsched.torch import Scheduler
          >>> ps = [torch.nn.Parameter(torch.zeros(1)) for _ in range(2)]
          >>> opt = torch.optim.SGD([{"params": [ps[0]]}, {"params": [ps[1]]}], lr=0.1,
          ...                       momentum=0.9)
          >>> s = Scheduler.from_config(opt, {"type": "torch.CyclicLR", "params": {
          ...     "base_lr": [0.01, 0.001], "max_lr": [0.1, 0.01], "step_size_up": 2}})
          >>> [round(g["lr"], 6) for g in opt.param_groups]
          [0.01, 0.001]

        Equivalents:
          torch: ``CyclicLR(opt, base_lr=[...], max_lr=[...])`` and the other schedulers by
          name, on the same optimizer. DeepSpeed: the engine's ``"scheduler"`` block.
        """
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"`optimizer` must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        snap = _snapshot(optimizer)
        try:
            return cls._build_from_config(optimizer, cfg, kwargs)
        except BaseException:
            _restore(optimizer, snap)  # a failed build leaves the optimizer as it was
            raise

    @classmethod
    def _build_from_config(cls, optimizer: torch.optim.Optimizer, cfg: Any,
                           kwargs: dict[str, Any]) -> Scheduler:
        from jaxsched.config.groups import split_groups
        from jaxsched.config.loader import _REGISTRY, load_config

        cfg = load_config(cfg)  # a dict, a JSON/YAML file, or a whole DeepSpeed config
        name = cfg["type"]
        fn = _REGISTRY.get(name)
        params = dict(cfg.get("params") or {})
        n = len(optimizer.param_groups)
        last_epoch = v.integer("last_epoch", kwargs.get("last_epoch", -1), ge=-1)
        parts = split_groups(cfg, n)  # per-group lists: one config per group (lengths checked)
        base_lrs = _torch_group_keys(name, params, optimizer, last_epoch)
        relative = fn is not None and "lr" in signature(fn).parameters and "lr" not in params
        shared = None  # HF names whose lambda reads optimizer.defaults["lr"] (see below)
        if relative:
            lrs = [float(lr) for lr in _initial_lrs(optimizer, last_epoch)]
            shared = _hf_defaults_lr(name, optimizer, lrs)
            parts = [{**c, "params": {**c["params"], "lr": lr if shared is None else shared}}
                     for c, lr in zip(parts or [cfg] * n, lrs)]
        schedule = _from_config(cfg) if parts is None else [_from_config(c) for c in parts]
        if shared is not None:  # HF: group_lr * lambda(k), the lambda built from defaults["lr"]
            from jaxsched.compose.transforms import scale

            schedule = [x if lr == shared else scale(x, lr / shared) for x, lr in zip(schedule, lrs)]
        if "momentum" not in kwargs and _cycles_momentum(fn, params):
            try:
                kwargs["momentum"] = (_from_config(cfg, hyperparam="momentum") if parts is None
                                      else [_from_config(c, hyperparam="momentum") for c in parts])
            except (ValueError, TypeError) as e:
                raise type(e)(
                    f"the momentum schedule of {name!r} (it cycles momentum: cycle_momentum=True) "
                    f"cannot be built: {e}"
                ) from e
        schedule = _metric_driven(name, schedule, kwargs)
        sched = cls(optimizer, schedule, **kwargs)
        hparams = _hparams(fn, params, sched)
        sched.__dict__.update(hparams)  # read-only attributes (see __setattr__)
        object.__setattr__(sched, "_hparams", hparams)
        if base_lrs is not None:
            object.__setattr__(sched, "_base_lrs", base_lrs)
        return sched


# HF schedulers whose lambda depends on an lr, computed from optimizer.defaults["lr"] (polynomial's
# lr_init; min_lr turned into a rate): transformers/optimization.py (transformers 5.x)
_HF_DEFAULTS_LR = frozenset({"hf.polynomial", "hf.cosine_with_min_lr", "hf.cosine_warmup_with_min_lr"})


def _hf_defaults_lr(name: str, optimizer: torch.optim.Optimizer, lrs: list[float]) -> float | None:
    """``optimizer.defaults["lr"]`` for an HF name in ``_HF_DEFAULTS_LR`` whose groups do not all
    share it, else ``None``. HF applies ``group_lr * lambda(k)`` to every group with ``lambda``
    built from the default lr (``polynomial`` ends each group at ``group_lr * lr_end /
    defaults_lr``); ``Scheduler.from_config`` builds the schedule with ``lr=defaults_lr`` and
    scales it by ``group_lr / defaults_lr`` per group, as HF's loop applies it."""
    if name not in _HF_DEFAULTS_LR:
        return None
    lr0 = optimizer.defaults.get("lr")
    try:
        lr0 = float(lr0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lr0) and lr0 > 0) or all(lr == lr0 for lr in lrs):
        return None
    return lr0


def _metric_driven(name: str, schedule: Any, kwargs: dict[str, Any]) -> Any:
    """For a metric-driven name (``torch.ReduceLROnPlateau``, ``timm.plateau``, ...), whose
    config gives :class:`~jaxsched.PlateauSchedule` (one per group): the groups' schedules, with
    their plateaus joined into ``kwargs["plateau"]`` (per-group ``base_lr`` and ``min_lr``
    arrays when the groups differ). Other schedules are returned unchanged."""
    from jaxsched.training.plateau import PlateauSchedule

    specs = schedule if isinstance(schedule, list) else [schedule]
    if not any(isinstance(s, PlateauSchedule) for s in specs):
        return schedule
    if kwargs.get("plateau") is not None:
        raise ValueError(f"{name!r} is metric-driven and brings its own plateau: do not pass "
                         "`plateau=` as well")
    first = specs[0].plateau
    base = [float(s.plateau.base_lr) for s in specs]
    floor = [float(s.plateau.min_lr) for s in specs]
    top = [None if s.plateau.max_lr is None else float(s.plateau.max_lr) for s in specs]
    if len(set(base)) > 1 or len(set(floor)) > 1 or len(set(top)) > 1:
        import dataclasses

        first = dataclasses.replace(first, base_lr=np.asarray(base), min_lr=np.asarray(floor))
        if first.max_lr is not None:  # hf.greedy
            first = dataclasses.replace(first, max_lr=np.asarray(top))
    kwargs["plateau"] = first
    return [s.schedule for s in specs] if isinstance(schedule, list) else schedule.schedule


def _cycles_momentum(fn: Any, params: Mapping[str, Any]) -> bool:
    """Whether the config asks for a momentum schedule: its name has one (a ``hyperparam``
    parameter: torch ``CyclicLR``/``OneCycleLR``, DeepSpeed ``OneCycle``) and its
    ``cycle_momentum`` (default of the name) is not ``False``. Only then is momentum skipped:
    every error building a momentum schedule the config asks for propagates."""
    if fn is None:
        return False
    sig = signature(fn).parameters
    if "hyperparam" not in sig:
        return False
    p = sig.get("cycle_momentum")
    flag = params.get("cycle_momentum", True if p is None else p.default)
    return flag is not False


def _group_values(name: str, x: Any, n: int) -> list[float]:
    if isinstance(x, (list, tuple)):
        if len(x) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has {len(x)} "
                f"values, param_groups has {n}."
            )
        return [float(e) for e in x]
    return [float(x)] * n


def _torch_group_keys(name: str, params: Mapping[str, Any], optimizer: torch.optim.Optimizer,
                      last_epoch: int) -> list[float] | None:
    """The group keys torch's ``OneCycleLR`` and ``CyclicLR`` write on a fresh run, and their
    ``base_lrs`` (``None`` for other names: the groups' ``initial_lr``).

    ``OneCycleLR`` sets ``initial_lr = max_lr / div_factor``, ``max_lr`` and
    ``min_lr = initial_lr / final_div_factor`` in every group (overwriting); ``CyclicLR`` sets
    ``lr = base_lr`` before ``initial_lr`` is defaulted, and its ``base_lrs`` are ``base_lr``.
    Both, when they cycle momentum, set each group's ``max_momentum`` and ``base_momentum``;
    ``SWALR`` sets each group's ``swa_lr``. (A build that fails afterwards restores the groups.)
    """
    groups = optimizer.param_groups
    n = len(groups)
    if last_epoch == -1 and name in _MOMENTUM_DEFAULTS and params.get("cycle_momentum", True):
        lo, hi = _MOMENTUM_DEFAULTS[name]
        for g, b, m in zip(groups, _group_values("base_momentum", params.get("base_momentum", lo), n),
                           _group_values("max_momentum", params.get("max_momentum", hi), n)):
            g["max_momentum"] = m
            g["base_momentum"] = b
    if name == "torch.SWALR" and "swa_lr" in params and last_epoch == -1:
        for g, x in zip(groups, _group_values("swa_lr", params["swa_lr"], n)):
            g["swa_lr"] = x
    if name == "torch.OneCycleLR" and "max_lr" in params:
        if last_epoch == -1:
            div = float(params.get("div_factor", 25.0))
            final = float(params.get("final_div_factor", 1e4))
            for g, mx in zip(groups, _group_values("max_lr", params["max_lr"], n)):
                g["initial_lr"] = mx / div
                g["max_lr"] = mx
                g["min_lr"] = g["initial_lr"] / final
        return None
    if name == "torch.CyclicLR" and "base_lr" in params:
        base = _group_values("base_lr", params["base_lr"], n)
        if last_epoch == -1:
            for g, lr in zip(groups, base):
                if isinstance(g["lr"], torch.Tensor):
                    g["lr"].fill_(lr)
                else:
                    g["lr"] = lr
        return base
    return None


# torch's default (base_momentum, max_momentum) of the schedulers that cycle momentum
_MOMENTUM_DEFAULTS = {"torch.CyclicLR": (0.8, 0.9), "torch.OneCycleLR": (0.85, 0.95)}


def _hparams(fn: Any, params: Mapping[str, Any], sched: Scheduler) -> dict[str, Any]:
    """The config's parameters with the defaults of its constructor (torch's attribute names),
    less the names the scheduler already has (``mode`` stays the bridge's mode)."""
    out: dict[str, Any] = {}
    if fn is not None:
        for name, p in signature(fn).parameters.items():
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is not p.empty:
                out[name] = p.default
        out.pop("hyperparam", None)
        out.pop("lr", None)  # the optimizer's lr, accepted by every torch name: an attribute only if set
    out.update(params)
    if fn is not None and "max_lr" in out and "base_lr" in out:  # torch's CyclicLR.max_lrs
        n = len(sched.scales)
        try:
            out["max_lrs"] = _group_values("max_lr", out["max_lr"], n)
        except (TypeError, ValueError):
            pass
    if out.get("total_steps", 0) is None and out.get("epochs") and out.get("steps_per_epoch"):
        out["total_steps"] = out["epochs"] * out["steps_per_epoch"]  # torch's OneCycleLR.total_steps
    return {k: x for k, x in out.items()
            if k.isidentifier() and k not in sched.__dict__ and not hasattr(type(sched), k)}


def _metric_value(metric: Any) -> float:
    """A reported metric as a Python float (a tensor is detached and read: one host sync)."""
    if isinstance(metric, torch.Tensor):
        return float(metric.detach().cpu())
    return float(metric)


def _set_momentum(group: dict, m: float) -> None:
    if "betas" in group:
        betas = group["betas"]
        if isinstance(betas[0], torch.Tensor):
            betas[0].fill_(m)
        else:
            group["betas"] = (m, *tuple(betas)[1:])
    else:
        group["momentum"] = m

