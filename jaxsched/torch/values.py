"""Any value of a torch training run on a schedule: a param-group key or an object's attribute.

:class:`jaxsched.torch.Scheduler` drives a group's ``lr``, its momentum (``momentum`` or
``betas[0]``) and its ``weight_decay``. :class:`ValueScheduler` drives everything else with the
same closed form: after ``k`` calls of ``step()`` each target holds ``schedule(k)``
(``betas[1]``, ``eps``, a custom group key, a dropout's ``p``, an EMA's ``decay``, a loss
weight), and its ``state_dict`` resumes it exactly. Values are evaluated on the host in float64,
ahead of time in chunks, and written into the targets: a float key or attribute gets a float; a
tensor (a capturable optimizer's ``betas``, an EMA's decay buffer) is filled in place, keeping
its device and dtype; one entry of a tuple or list (``betas[1]``) is replaced, the others kept.
A vector-valued schedule (:func:`jaxsched.mixture_weights`) writes a list of floats (a tensor
target of as many elements is copied into), e.g. a weighted sampler's ``weights``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from jaxsched.core.schedule import Schedule
from jaxsched.torch.scheduler import _fingerprint

__all__ = ["ValueScheduler"]

_STATE_VERSION = 1
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")
_ATTR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _schedule(where: str, s: Any) -> Schedule:
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        from jaxsched.schedules.polynomial import constant_schedule

        return constant_schedule(float(s))
    if not isinstance(s, Schedule):
        raise TypeError(f"{where} must be a jaxsched Schedule or a number, got {s!r} of type "
                        f"{type(s).__name__}")
    return s


def _fill(t: torch.Tensor, value: Any) -> None:
    """Write ``value`` into the tensor ``t`` in place (its device and dtype kept)."""
    if isinstance(value, list):  # a vector-valued schedule: the tensor takes its components
        t.copy_(torch.as_tensor(value, dtype=t.dtype).reshape(t.shape))
    else:
        t.fill_(value)


class _GroupKey:
    """``group[name]`` or ``group[name][index]`` in some param groups."""

    def __init__(self, optimizer: torch.optim.Optimizer, spec: str, groups: Sequence[int]):
        m = _KEY.match(spec) if isinstance(spec, str) else None
        if m is None:
            raise ValueError(f"`keys` entry {spec!r} must be a param-group key such as 'eps' or an "
                             f"indexed one such as 'betas[1]'")
        self.spec, self.name = spec, m.group(1)
        self.index = None if m.group(2) is None else int(m.group(2))
        self.groups = [optimizer.param_groups[g] for g in groups]
        for g, group in zip(groups, self.groups):
            if self.name not in group:
                raise ValueError(f"`keys` entry {spec!r}: param group {g} has no key "
                                 f"{self.name!r} (it has {sorted(group)})")
            if self.index is not None:
                cur = group[self.name]
                if not isinstance(cur, (tuple, list)) or self.index >= len(cur):
                    raise ValueError(f"`keys` entry {spec!r}: param group {g}'s {self.name!r} is "
                                     f"{cur!r}, which has no entry {self.index}")

    def write(self, value: Any) -> None:
        for group in self.groups:
            if self.index is None:
                cur = group[self.name]
                if isinstance(cur, torch.Tensor):
                    _fill(cur, value)
                else:
                    group[self.name] = value
                continue
            cur = group[self.name]
            item = cur[self.index]
            if isinstance(item, torch.Tensor):
                _fill(item, value)
                continue
            new = list(cur)
            new[self.index] = value
            group[self.name] = tuple(new) if isinstance(cur, tuple) else new


class _Attribute:
    """``obj.a.b`` (a dotted path) of an object."""

    def __init__(self, obj: Any, path: str):
        if not isinstance(path, str) or not _ATTR.match(path):
            raise ValueError(f"`attributes` entry {path!r} must be an attribute name such as 'p' or "
                             f"a dotted path such as 'ema.decay'")
        *head, self.attr = path.split(".")
        self.spec = f"{type(obj).__name__}.{path}"
        owner = obj
        for part in head:
            if not hasattr(owner, part):
                raise ValueError(f"`attributes` entry {path!r}: {type(owner).__name__} has no "
                                 f"attribute {part!r}")
            owner = getattr(owner, part)
        if not hasattr(owner, self.attr):
            raise ValueError(f"`attributes` entry {path!r}: {type(owner).__name__} has no "
                             f"attribute {self.attr!r}")
        self.owner = owner

    def write(self, value: Any) -> None:
        cur = getattr(self.owner, self.attr)
        if isinstance(cur, torch.Tensor):
            _fill(cur, value)
        else:
            setattr(self.owner, self.attr, value)


class ValueScheduler:
    """Puts any param-group key or object attribute on a schedule, closed form, resumable.

    After ``k`` calls of :meth:`step` every target holds ``schedule(k)`` (update ``k``'s value,
    the same step rule as :class:`jaxsched.torch.Scheduler`); construction writes
    ``schedule(last_epoch + 1)`` (``schedule(0)`` for a fresh run).

    Args:
      optimizer: the optimizer whose param groups ``keys`` refers to (needed with ``keys``).
      keys: ``{key: schedule}``: a param-group key (``"eps"``, ``"weight_decay"``, a custom key)
        or one entry of a tuple/list key (``"betas[1]"``), each a Schedule or a number.
      attributes: ``[(object, "attr", schedule), ...]``: an attribute (or a dotted path,
        ``"ema.decay"``) of any object: a dropout module's ``p``, an EMA helper's ``decay``.
      groups: the param-group indices ``keys`` applies to (default: every group).
      last_epoch: the last finished step, ``-1`` for a fresh run (as torch's schedulers).
      chunk_size: steps evaluated ahead per schedule (host float64; default 2048).

    Raises:
      ValueError: a key missing from a group, an index out of range, an attribute missing, a
        malformed key, a non-finite value, or nothing to schedule.
      TypeError: a schedule that is neither a Schedule nor a number.

    Example:
      >>> import torch, jaxsched
      >>> from jaxsched.torch import ValueScheduler
      >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
      >>> opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
      >>> vs = ValueScheduler(opt, {"betas[1]": jaxsched.linear_schedule(0.95, 0.999, 10)},
      ...                     attributes=[(model[1], "p", jaxsched.linear_schedule(0.5, 0.0, 10))])
      >>> for _ in range(5):
      ...     vs.step()
      >>> round(opt.param_groups[0]["betas"][1], 6), model[1].p
      (0.9745, 0.25)

    Equivalents:
      timm's ``ModelEmaV3`` warmup and BYOL's momentum (:func:`jaxsched.ema_warmup`,
      :func:`jaxsched.cosine_momentum`) on an EMA object's ``decay``; Composer's and
      Lightning's callbacks that set a hyperparameter per step; a hand-written
      ``group["eps"] = f(step)`` in a loop, made resumable.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer | None = None,
        keys: Mapping[str, Any] | None = None,
        *,
        attributes: Sequence[tuple[Any, str, Any]] | None = None,
        groups: Sequence[int] | None = None,
        last_epoch: int = -1,
        chunk_size: int = 2048,
    ):
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"`last_epoch` must be an int >= -1, got {last_epoch!r}")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"`chunk_size` must be an int >= 1, got {chunk_size!r}")
        self._targets: list[Any] = []
        self._schedules: list[Schedule] = []
        if keys:
            if optimizer is None or not hasattr(optimizer, "param_groups"):
                raise ValueError(f"`optimizer` must be a torch optimizer to schedule `keys`, got "
                                 f"{optimizer!r}")
            n = len(optimizer.param_groups)
            idx = list(range(n)) if groups is None else list(groups)
            for g in idx:
                if isinstance(g, bool) or not isinstance(g, int) or not 0 <= g < n:
                    raise ValueError(f"`groups` must hold param-group indices in [0, {n}), got "
                                     f"{list(groups or [])!r}")
            for spec, s in keys.items():
                self._targets.append(_GroupKey(optimizer, spec, idx))
                self._schedules.append(_schedule(f"`keys[{spec!r}]`", s))
        for i, entry in enumerate(attributes or ()):
            if not isinstance(entry, (tuple, list)) or len(entry) != 3:
                raise TypeError(f"`attributes[{i}]` must be (object, 'attr', schedule), got "
                                f"{entry!r}")
            obj, path, s = entry
            self._targets.append(_Attribute(obj, path))
            self._schedules.append(_schedule(f"`attributes[{i}]`", s))
        if not self._targets:
            raise ValueError("nothing to schedule: give `keys` (with `optimizer`) or `attributes`")
        self.optimizer = optimizer
        self.chunk_size = chunk_size
        self._chunk_start = -1
        self._cols: list[list[Any]] | None = None
        self.last_epoch = last_epoch + 1
        self._write()

    # ------------------------------------------------------------------ values
    @property
    def targets(self) -> list[str]:
        """The scheduled targets, as named in ``state_dict``."""
        return [t.spec for t in self._targets]

    def _values(self, k: int) -> list[Any]:
        """Each target's value at step ``k``: a float, or a list for a vector-valued schedule."""
        start = k - k % self.chunk_size
        if self._cols is None or start != self._chunk_start:
            counts = np.arange(start, start + self.chunk_size, dtype=np.int64)
            memo: dict[int, list[Any]] = {}
            cols = []
            for j, s in enumerate(self._schedules):
                if id(s) not in memo:
                    col = np.asarray(s.evaluate(counts, np), dtype=np.float64)
                    bad = ~np.isfinite(col)
                    if bad.any():
                        i = int(np.argwhere(bad)[0][0])
                        raise ValueError(f"the schedule of {self._targets[j].spec!r} gives "
                                         f"{col[i].tolist()!r} at step {start + i}: a scheduled "
                                         f"value must be finite")
                    memo[id(s)] = col.tolist()  # Python floats (or lists of them): cheap reads
                cols.append(memo[id(s)])
            self._cols, self._chunk_start = cols, start
        return [col[k - start] for col in self._cols]

    def _write(self) -> None:
        for target, value in zip(self._targets, self._values(self.last_epoch)):
            target.write(value)

    def current_values(self) -> dict[str, Any]:
        """``{target: value}`` at the current step (a snapshot; a list for a vector schedule)."""
        return dict(zip(self.targets, self._values(self.last_epoch)))

    def step(self) -> None:
        """Advance one step and write every target's value for it."""
        self.last_epoch += 1
        self._write()

    def step_to(self, k: int) -> None:
        """Jump to step ``k`` (``>= 0``) and write its values."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"`k` must be an int >= 0, got {k!r}")
        self.last_epoch = int(k)
        self._write()

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Plain data (loads with ``torch.load(weights_only=True)``): ``version``,
        ``last_epoch``, ``targets`` (their names) and ``schedules`` (a fingerprint per target:
        class name and a hash of ``to_config()``)."""
        return {
            "version": _STATE_VERSION,
            "last_epoch": int(self.last_epoch),
            "targets": self.targets,
            "schedules": [_fingerprint(s) for s in self._schedules],
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Resume: check that the checkpoint schedules the same targets with the same schedules,
        then write the values of its step.

        Raises:
          ValueError: a missing or malformed field, or targets or schedules that differ (the
            message names the field).
        """
        if not isinstance(state_dict, Mapping):
            raise ValueError(f"load_state_dict: expected a dict, got {type(state_dict).__name__}")
        missing = {"version", "last_epoch", "targets", "schedules"} - set(state_dict)
        if missing:
            raise ValueError(f"load_state_dict: missing field(s) {sorted(missing)}")
        if state_dict["version"] != _STATE_VERSION:
            raise ValueError(f"load_state_dict: `version` must be {_STATE_VERSION}, got "
                             f"{state_dict['version']!r}")
        k = state_dict["last_epoch"]
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError(f"load_state_dict: `last_epoch` must be an int >= 0; the checkpoint "
                             f"holds {k!r}")
        for name, ours in (("targets", self.targets),
                           ("schedules", [_fingerprint(s) for s in self._schedules])):
            if list(state_dict[name]) != ours:
                raise ValueError(f"load_state_dict: `{name}` differs: the checkpoint holds "
                                 f"{list(state_dict[name])!r}, this scheduler holds {ours!r}")
        self.last_epoch = k
        self._write()

    def __repr__(self) -> str:
        pairs = ", ".join(f"{t!r}: {s!r}" for t, s in zip(self.targets, self._schedules))
        return f"ValueScheduler({{{pairs}}}, last_epoch={self.last_epoch})"
