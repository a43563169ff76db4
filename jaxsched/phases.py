"""Phases of a schedule: where its pieces (warmup, stable, decay, cycles, ...) start and end.

``phases(schedule, num_steps)`` lists the phases that start before ``num_steps`` as
:class:`Phase` records (``start`` inclusive, ``end`` exclusive, ``label``). Plots mark their
boundaries and ``jaxsched show`` prints them as a table.

A phase starts at the first optimizer update that a new piece of the formula governs: the first
update after a warmup of ``W`` steps is ``W``; a one-cycle phase ending at the fractional step
``e`` is followed by a phase starting at ``floor(e) + 1``. Composites (joins, warmups, offsets,
restarts, products) combine their children's phases, shifted to the parent's time. Schedules with
no declared pieces (a range test, a lambda) are one phase.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Phase", "phases"]

_MAX_PHASES = 500  # periodic schedules: at most this many phases are listed


@dataclasses.dataclass(frozen=True)
class Phase:
    """One phase: optimizer updates ``start <= k < end`` (``end`` None: open-ended)."""

    start: int
    end: int | None
    label: str


def phases(schedule: Any, num_steps: int | None = None) -> list[Phase]:
    """The phases of ``schedule`` that start before ``num_steps`` (all of them if None).

    Args:
      schedule: a :class:`jaxsched.Schedule` with concrete (not traced) hyperparameters.
      num_steps: the horizon in optimizer updates (``>= 1``), or None for every phase (periodic
        schedules then list their first 500).

    Returns:
      Phases in order, contiguous from 0; the last one ends at ``num_steps`` (None if not given).

    Raises:
      TypeError: ``schedule`` is not a Schedule, or its hyperparameters are traced.
      ValueError: ``num_steps`` is not an integer >= 1.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=100)
      >>> [(p.start, p.end, p.label) for p in phases(s, 120)]
      [(0, 10, 'linear warmup'), (10, 100, 'cosine decay'), (100, 120, 'end value')]
    """
    from jaxsched.core.schedule import Schedule

    if not isinstance(schedule, Schedule):
        raise TypeError(f"`schedule` must be a jaxsched Schedule, got {type(schedule).__name__}")
    if num_steps is not None:
        if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
            raise ValueError(f"`num_steps` must be an integer >= 1, got {num_steps!r}")
        num_steps = int(num_steps)
    limit = num_steps if num_steps is not None else math.inf
    starts: dict[int, str] = {}
    for start, label in sorted(_starts(schedule, limit), key=lambda x: x[0]):
        if start < limit and start not in starts:
            starts[start] = label
    if 0 not in starts:
        starts[0] = _name(schedule)
    keys = sorted(starts)[:_MAX_PHASES]
    ends: list[int | None] = [*keys[1:], num_steps]
    return [Phase(k, e, starts[k]) for k, e in zip(keys, ends)]


# --------------------------------------------------------------------------- helpers
def _num(x: Any) -> float:
    """A concrete hyperparameter as a Python float (TypeError for tracers)."""
    try:
        return float(np.asarray(x, dtype=np.float64))
    except Exception as err:  # jax tracers refuse the conversion
        raise TypeError(
            "phases need concrete hyperparameters; got a traced value "
            f"({type(x).__name__}): call phases() outside jit/vmap"
        ) from err


def _nums(x: Any) -> list[float]:
    try:
        return [float(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]
    except Exception as err:
        raise TypeError("phases need concrete hyperparameters (outside jit/vmap)") from err


def _first_after(x: float) -> int:
    """The first integer step governed by a piece that starts at the real step ``x``."""
    return max(int(math.ceil(x - 1e-9)), 0)


def _name(s: Any) -> str:
    return (getattr(s, "_config_name", None) or type(s).__name__).replace("_", " ")


def _shift(pairs: list[tuple[int, str]], by: int) -> list[tuple[int, str]]:
    return [(k + by, label) for k, label in pairs]


def _starts(s: Any, limit: float) -> list[tuple[int, str]]:
    rule = _RULES.get(type(s).__name__)
    if rule is None:
        return [(0, _name(s))]
    return rule(s, limit)


# --------------------------------------------------------------------------- rules per class
def _sequence(s: Any, limit: float) -> list[tuple[int, str]]:
    bounds = [0, *(_first_after(b) for b in _nums(s.boundaries))]
    out: list[tuple[int, str]] = []
    for i, child in enumerate(s.schedules):
        end = bounds[i + 1] if i + 1 < len(bounds) else limit
        out += [(k, lab) for k, lab in _shift(_starts(child, limit - bounds[i]), bounds[i]) if k < end]
    return out


def _warmup(s: Any, limit: float) -> list[tuple[int, str]]:
    w = _first_after(_num(s.warmup_steps))
    head = [(0, f"{s.shape} warmup")] if w > 0 else []
    return head + _shift(_starts(s.schedule, limit - w), w)


def _offset(s: Any, limit: float) -> list[tuple[int, str]]:
    b = _first_after(_num(s.start))
    head = [(0, "hold")] if b > 0 else []
    return head + _shift(_starts(s.schedule, limit - b), b)


def _replan(s: Any, limit: float) -> list[tuple[int, str]]:
    k = int(_num(s.at))
    head = [p for p in _starts(s.schedule, limit) if p[0] <= k]
    if hasattr(s, "total_steps"):
        return head + [(k + 1, f"re-planned to end at {int(_num(s.total_steps))}")]
    tail = [(max(k + start, k + 1), label) for start, label in _starts(s.then, limit - k)]
    return head + [(start, f"new plan: {label}") for start, label in tail if start < limit]


def _stretch(s: Any, limit: float) -> list[tuple[int, str]]:
    r = _num(s.ratio)
    inner = _starts(s.schedule, limit / r if r > 0 else limit)
    return [(int(np.ceil(start * r)), label) for start, label in inner]


def _child(s: Any, limit: float) -> list[tuple[int, str]]:
    return _starts(s.schedule, limit)


def _union(s: Any, limit: float) -> list[tuple[int, str]]:
    return [p for child in s.schedules for p in _starts(child, limit)]


def _span(label: str, steps_attr: str, begin_attr: str | None = None, end_label: str = "end value"):
    """Rule for ``[hold until begin], label for steps, then end_label``."""

    def rule(s: Any, limit: float) -> list[tuple[int, str]]:
        b = _first_after(_num(getattr(s, begin_attr))) if begin_attr else 0
        n = _num(getattr(s, steps_attr))
        head = [(0, "hold")] if b > 0 else []
        main = label(s) if callable(label) else label
        return head + [(b, main), (b + _first_after(n), end_label)] if n > 0 else head + [(b, end_label)]

    return rule


def _poly_label(s: Any) -> str:
    i, e = _num(s.init_value), _num(s.end_value)
    trend = "decay" if i > e else "warmup" if i < e else "constant"
    return f"linear {trend}" if _num(s.power) == 1.0 else f"polynomial {trend} (power {_num(s.power):g})"


def _exponential(s: Any, limit: float) -> list[tuple[int, str]]:
    b = _first_after(_num(s.transition_begin))
    return ([(0, "hold")] if b > 0 else []) + [(b, "exponential decay")]


def _boundaries(attr: str, label: str) -> Callable[[Any, float], list[tuple[int, str]]]:
    def rule(s: Any, limit: float) -> list[tuple[int, str]]:
        pts = [_first_after(b) for b in _nums(getattr(s, attr))]
        return [(0, "initial")] + [(k, f"{label} {i + 1}") for i, k in enumerate(pts)]

    return rule


def _periodic(period: float, labels: tuple[str, ...], lengths: tuple[float, ...], limit: float):
    out, t, i = [], 0.0, 0
    while t < limit and len(out) < _MAX_PHASES:
        for lab, n in zip(labels, lengths):
            out.append((_first_after(t), f"{lab} {i + 1}"))
            t += n
        i += 1
        if period <= 0:
            break
    return out


def _step_decay(s: Any, limit: float) -> list[tuple[int, str]]:
    p = _num(s.step_size)
    return _periodic(p, ("step",), (p,), limit)


def _cyclic(s: Any, limit: float) -> list[tuple[int, str]]:
    up, down = _num(s.step_size_up), _num(s.step_size_down)
    return _periodic(up + down, ("up", "down"), (up, down), limit)


def _one_cycle(s: Any, limit: float) -> list[tuple[int, str]]:
    n, pct = _num(s.total_steps), _num(s.pct_start)
    e1 = pct * n - 1.0
    if s.three_phase:
        ends, labels = [e1, 2 * pct * n - 2.0], ["up", "down", "annihilate"]
    else:
        ends, labels = [e1], ["up", "anneal"]
    starts = [0] + [int(math.floor(e)) + 1 for e in ends]
    out = [(k, lab) for k, lab in zip(starts, labels)]
    return out + [(max(int(n), 1), "end value")]


def _one_cycle_decay(s: Any, limit: float) -> list[tuple[int, str]]:
    s1, s2 = int(_num(s.cycle_first_step_size)), int(_num(s.cycle_second_step_size))
    tail = "decay" if _num(s.decay_step_size) > 0 else "hold"
    return [(0, "up"), (s1, "down"), (s1 + s2, tail)]


def _wsd(s: Any, limit: float) -> list[tuple[int, str]]:
    n, w = _num(s.total_steps), _num(s.warmup_steps)
    if s.decay_steps is not None:
        start = n - _num(s.decay_steps)
    elif s.decay_start is not None:
        start = _num(s.decay_start)
    else:
        start = n - math.floor(_num(s.decay_fraction) * n + 0.5)
    return [(0, "warmup"), (_first_after(w), "stable"), (_first_after(start), "decay"),
            (_first_after(n), "end value")]


def _cycles(s: Any, limit: float) -> list[tuple[int, str]]:
    p, m = _num(s.period), _num(s.period_mult)
    cap = math.inf if s.cycle_limit is None else _num(s.cycle_limit)
    out, t, i = [], 0.0, 0
    while t < limit and i < cap and len(out) < _MAX_PHASES:
        out.append((_first_after(t), f"cycle {i + 1}"))
        t += p * m**i
        i += 1
    if i >= cap and t < limit:
        out.append((_first_after(t), "end value"))
    return out


def _hard_restarts(s: Any, limit: float) -> list[tuple[int, str]]:
    n, w, k = _num(s.total_steps), _num(s.warmup_steps), _num(s.num_cycles)
    out = [(0, "linear warmup")] if w > 0 else []
    span = max(n - w, 0.0)
    for i in range(int(min(k, _MAX_PHASES))):
        out.append((_first_after(w + i * span / k), f"cycle {i + 1}"))
    return out + [(_first_after(n), "end value")]


def _inverse_sqrt(s: Any, limit: float) -> list[tuple[int, str]]:
    w = _first_after(_num(s.warmup_steps))
    return ([(0, "linear warmup")] if w > 0 else []) + [(w, "inverse sqrt decay")]


_RULES: dict[str, Callable[[Any, float], list[tuple[int, str]]]] = {
    "Sequence": _sequence,
    "Warmup": _warmup,
    "Offset": _offset,
    "Scale": _child,
    "Clip": _child,
    "Noise": _child,
    "Product": _union,
    "Sum": _union,
    "Minimum": _union,
    "Maximum": _union,
    "Replan": _replan,
    "ReplanThen": _replan,
    "Stretch": _stretch,
    "Polynomial": _span(_poly_label, "transition_steps", "transition_begin"),
    "Cosine": _span("cosine decay", "decay_steps"),
    "PolynomialDecay": _span("polynomial decay", "decay_steps"),
    "PolynomialKDecay": _span("polynomial k-decay", "decay_steps"),
    "TanhDecay": _span("tanh decay", "decay_steps"),
    "SWAAnneal": _span("anneal", "anneal_steps", end_label="swa value"),
    "Exponential": _exponential,
    "PiecewiseConstant": _boundaries("boundaries", "boundary"),
    "PiecewiseInterpolate": _boundaries("boundaries", "knot"),
    "PiecewiseValues": _boundaries("boundaries", "boundary"),
    "MultiStepDecay": _boundaries("milestones", "milestone"),
    "StepDecay": _step_decay,
    "Cyclic": _cyclic,
    "CyclicMomentum": _cyclic,
    "OneCycle": _one_cycle,
    "OneCycleMomentum": _one_cycle,
    "OneCycleWithDecay": _one_cycle_decay,
    "OneCycleWithDecayMomentum": _one_cycle_decay,
    "WarmupStableDecay": _wsd,
    "Repeat": _cycles,
    "CosineRestarts": _cycles,
    "CosineHardRestarts": _hard_restarts,
    "InverseSqrtDecay": _inverse_sqrt,
}
