"""Levanter's learning-rate schedule and data-mixture weights by their own names.

- ``levanter.lr_scheduler``: the ``optimizer`` block's schedule (stanford-crfm/levanter
  ``src/levanter/optim/config.py``, ``OptimizerConfig.lr_scheduler`` and ``_get_cycle_minima``):
  ``learning_rate``, ``min_lr_ratio``, ``warmup``, ``decay``, ``rewarmup``, ``cycles`` or
  ``cycle_length``, ``lr_schedule`` in ``constant``/``cosine``/``linear``, over
  ``num_train_steps``. Each of ``warmup``/``decay``/``rewarmup`` is a fraction of a cycle
  (``<= 1``) or a whole number of steps (``> 1``, as Levanter's ``_convert_frac_or_steps``); steps
  need cycles of one length (they become the fraction ``k / L``).
- ``levanter.train_weights``: the data block's ``train_weights``, a dict or a list of
  ``[start, {name: weight}]`` stages (``src/levanter/data/mixture.py``, ``MixtureDataset``),
  as :func:`jaxsched.mixture_weights`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.schedules.mixture import MixtureWeights, mixture_weights
from jaxsched.schedules.wsd_cycles import WSDCycles, wsd_cycles

__all__ = ["levanter_lr_scheduler", "levanter_train_weights"]

_SHAPES = {"cosine": "cosine", "linear": "linear", "constant": "linear"}


def _frac_or_steps(name: str, x: Any, lengths: list[int]) -> float:
    """Levanter's fraction (``<= 1``) or whole steps (``> 1``) as a fraction of each cycle."""
    x = v.real(name, x, ge=0)
    if x <= 1:
        return float(x)
    if x % 1:
        raise ValueError(f"`{name}` must be a fraction in [0, 1] or a whole number of steps, got "
                         f"{x!r} (Levanter's rule)")
    if len(set(lengths)) != 1:
        raise ValueError(f"`{name}` = {x!r} steps needs cycles of one length, got lengths "
                         f"{lengths}: give it as a fraction of a cycle")
    length = lengths[0]
    if x > length:
        raise ValueError(f"`{name}` = {x!r} steps exceeds the cycle length {length}")
    f = x / length
    while math.floor(f * length) < x:  # int(f L) must give back the steps
        f = math.nextafter(f, 2.0)
    return min(f, 1.0)


def _points(n: int, cycles: Any, cycle_length: Any) -> tuple[Any, list[int]]:
    """``(cycles argument for wsd_cycles, cycle lengths)`` from Levanter's options."""
    if cycles is not None and cycle_length is not None:
        raise ValueError("give at most one of `cycles` and `cycle_length` (Levanter's rule)")
    if cycle_length is not None:
        if isinstance(cycle_length, Sequence) and not isinstance(cycle_length, (str, bytes)):
            ends = np.cumsum([v.integer(f"cycle_length[{i}]", c, ge=1)
                              for i, c in enumerate(cycle_length)]).tolist()
            if ends and ends[-1] > n:
                raise ValueError(f"`cycle_length` entries sum to {ends[-1]} > `num_train_steps` "
                                 f"{n}")
        else:
            c = v.real("cycle_length", cycle_length, gt=0)
            length = int(c * n) if c <= 1 else int(c)
            if c > 1 and c % 1:
                raise ValueError(f"`cycle_length` must be a fraction or whole steps, got {c!r}")
            if length < 1:
                raise ValueError(f"`cycle_length` gives cycles of {length} steps")
            ends = [i * length for i in range(1, n // length)]
        points = [0] + [e for e in ends if e != n] + [n]
    elif isinstance(cycles, Sequence) and not isinstance(cycles, (str, bytes)):
        ends = [v.integer(f"cycles[{i}]", c, ge=1) for i, c in enumerate(cycles)]
        points = [0] + [e for e in ends if e != n] + [n]
    else:
        count = 1 if cycles is None else v.integer("cycles", cycles, ge=1)
        points = [0] + [int(n / count * (i + 1)) for i in range(count - 1)] + [n]
    inner = points[1:-1]
    lengths = [b - a for a, b in zip(points[:-1], points[1:])]
    return (inner if inner else 1), lengths


@register("levanter.lr_scheduler")
def levanter_lr_scheduler(
    num_train_steps: Any,
    learning_rate: Any = 6e-4,
    min_lr_ratio: Any = 0.1,
    warmup: Any = 0.01,
    decay: Any = None,
    rewarmup: Any = 0.0,
    cycles: Any = None,
    cycle_length: Any = None,
    lr_schedule: str = "cosine",
) -> WSDCycles:
    """Levanter's ``OptimizerConfig.lr_scheduler(num_train_steps)`` as :func:`jaxsched.wsd_cycles`.

    ``constant`` holds ``learning_rate`` after each (re)warmup (the decay target is the lr
    itself). Levanter's own defaults; the deprecated ``cooldown`` and ``haps`` are not taken.
    """
    n = v.integer("num_train_steps", num_train_steps, ge=1)
    shape = v.choice("lr_schedule", lr_schedule, tuple(_SHAPES),
                     hint=" (an LrSchedule object such as `power` or `inv_sqrt` is not taken)")
    lr = v.real("learning_rate", learning_rate, ge=0)
    ratio = v.real("min_lr_ratio", min_lr_ratio, ge=0)
    ends, lengths = _points(int(n), cycles, cycle_length)
    w0 = _frac_or_steps("warmup", warmup, lengths[:1])
    w = _frac_or_steps("rewarmup", rewarmup, lengths[1:] or lengths)
    d = None if decay is None else _frac_or_steps("decay", decay, lengths)
    end = lr if shape == "constant" else lr * ratio
    return wsd_cycles(lr, n, ends, warmup=w0, rewarmup=w, decay=d, end_value=end,
                      decay_shape=_SHAPES[shape])


@register("levanter.train_weights")
def levanter_train_weights(train_weights: Mapping[str, Any] | Sequence[Any]) -> MixtureWeights:
    """Levanter's ``train_weights`` (a dict, or ``[[start, {name: weight}], ...]``), piecewise
    constant stages normalised to sum 1, as :func:`jaxsched.mixture_weights`. Levanter's starts
    count sequences: divide them by the batch size for steps."""
    return mixture_weights(train_weights)
