"""Cosine decay, warmup + cosine decay, and SGDR (optax names and semantics)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import (
    cosine_blend,
    cosine_pair,
    interpolate,
    known_positive,
    known_to_equal,
)
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field, value_field
from jaxsched.core.sequence import Sequence, boundary_list, join_schedules
from jaxsched.core.types import Steps, Value
from jaxsched.schedules.polynomial import linear_schedule

__all__ = [
    "Cosine",
    "cosine_decay",
    "cosine_decay_schedule",
    "warmup_cosine_decay_schedule",
    "sgdr_schedule",
]


@schedule_class("cosine_decay")
class Cosine(Schedule):
    """``E + (I - E) C(min(t, D)/D)^q`` with ``C(p) = (1 + cos(pi p))/2``. See :func:`cosine_decay`."""

    init_value: Any = value_field()
    decay_steps: Any = steps_field()
    end_value: Any = value_field()
    exponent: Any = value_field()

    def _formula(self, c, *, init_value, decay_steps, end_value, exponent):
        total = c.as_float(decay_steps)
        elapsed = c.clip_t(total)
        remaining = total - elapsed  # exact: D - min(t, D)
        if known_to_equal(self.exponent, 1.0):  # optax's default: one sine, no power
            return cosine_blend(c, init_value, end_value, elapsed, remaining, total,
                                self.init_value, self.end_value, known_positive(self.decay_steps))
        left, done = cosine_pair(c, elapsed, remaining, total)
        return interpolate(c, init_value, end_value, left, done, exponent)

    def _start_value(self, c):
        # D > 0: the value at step 0 is init_value (D = 0 is end_value from step 0)
        return c.value(self.init_value) if known_positive(self.decay_steps) else None


@register("cosine_decay")
def cosine_decay(
    init_value: Value, decay_steps: Steps, end_value: Value = 0.0, exponent: Value = 1.0
) -> Cosine:
    r"""Half-cosine decay from ``init_value`` to ``end_value`` over ``decay_steps``, then held.

    .. math::
      f(t) = E + (I - E)\left[\tfrac12\left(1 + \cos\frac{\pi \min(t, D)}{D}\right)\right]^{q}

    The factor is computed as ``sin(pi/2 * (D - t)/D)**2``, which keeps relative precision in
    float32 near the end of long decays.

    Args:
      init_value: value at step 0 (real; traceable).
      decay_steps: ``D >= 0`` optimizer steps to reach ``end_value`` (``D = 0``: ``end_value``
        from step 0).
      end_value: final value (real; traceable; default 0).
      exponent: ``q >= 0``, the power of the cosine factor (default 1).

    Returns:
      A :class:`Cosine` schedule.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.cosine_decay(1.0, 10, end_value=0.1)
      >>> round(float(s(5)), 6), float(s(10)), float(s(50))
      (0.55, 0.10000000149011612, 0.10000000149011612)

    Equivalents:
      optax: ``cosine_decay_schedule(I, D, alpha=E/I, exponent=q)``. torch:
      ``CosineAnnealingLR(T_max=D, eta_min=E)`` up to ``D`` (torch is periodic past ``D``).
      Keras: ``CosineDecay(I, D, alpha=E/I)``. Cerebras: ``CosineDecayLR(I, E, D)``.
    """
    return Cosine(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps),
        v.real("end_value", end_value),
        v.real("exponent", exponent, ge=0),
    )


@register("cosine_decay_schedule")
def cosine_decay_schedule(
    init_value: Value, decay_steps: Steps, alpha: Value = 0.0, exponent: Value = 1.0
) -> Cosine:
    r"""optax's cosine decay: from ``init_value`` to ``alpha * init_value`` over ``decay_steps``.

    .. math::
      f(t) = I\left((1 - \alpha)\left[\tfrac12\left(1 + \cos\frac{\pi\min(t, D)}{D}\right)\right]^q
      + \alpha\right)

    Args:
      init_value: value at step 0 (real; traceable).
      decay_steps: ``D >= 0`` optimizer steps (``D = 0``: ``alpha * init_value`` from step 0).
      alpha: final value as a fraction of ``init_value`` (real; traceable; default 0).
      exponent: ``q >= 0`` (default 1).

    Returns:
      A :class:`Cosine` schedule with ``end_value = alpha * init_value``.

    Example:
      >>> import jaxsched
      >>> round(float(jaxsched.cosine_decay_schedule(1.0, 10)(5)), 6)
      0.5

    Equivalents:
      optax: ``cosine_decay_schedule`` (optax raises for ``decay_steps = 0`` and is not clamped
      at negative counts: ``t = -5, D = 10`` gives ``0.5 I``; jaxsched holds ``I``).
      torch: ``CosineAnnealingLR(T_max=D, eta_min=alpha*lr)`` up to ``D``.
    """
    init = v.real("init_value", init_value)
    a = v.real("alpha", alpha)
    end = a * init
    return cosine_decay(init, decay_steps, end, exponent)


@register("warmup_cosine_decay_schedule")
def warmup_cosine_decay_schedule(
    init_value: Value,
    peak_value: Value,
    warmup_steps: Steps,
    decay_steps: Steps,
    end_value: Value = 0.0,
    exponent: Value = 1.0,
) -> Sequence:
    r"""Linear warmup to ``peak_value``, then cosine decay to ``end_value``.

    ``decay_steps`` is the *total* length, warmup included (optax's convention).

    .. math::
      f(t) = \begin{cases}
        I + (P - I)\,t/W, & t < W \\
        E + (P - E)\left[\tfrac12\left(1 + \cos\frac{\pi\min(t - W,\, D - W)}{D - W}\right)
        \right]^q, & t \ge W
      \end{cases}

    With ``peak_value = 0`` the decay phase is 0 (optax ignores ``end_value`` there).

    Args:
      init_value: value at step 0 (real; traceable).
      peak_value: value at step ``warmup_steps`` (real; traceable).
      warmup_steps: ``W >= 0`` optimizer steps of linear warmup.
      decay_steps: ``D >= W``, total steps (warmup + decay). ``D = W`` jumps to ``end_value``
        right after the warmup.
      end_value: final value (real; traceable; default 0).
      exponent: ``q >= 0`` (default 1).

    Returns:
      A sequence schedule (linear warmup, cosine decay).

    Raises:
      ValueError: ``decay_steps < warmup_steps``, a negative step count, a non-finite value.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.warmup_cosine_decay_schedule(0.1, 1.0, 4, 12, end_value=0.05)
      >>> [round(float(x), 6) for x in s.evaluate(np.array([0, 2, 4, 8, 12, 20]), np)]
      [0.1, 0.55, 1.0, 0.525, 0.05, 0.05]

    Equivalents:
      optax: ``warmup_cosine_decay_schedule`` (optax raises for ``D = W``).
      HF: ``cosine`` is periodic past its end; Keras: ``CosineDecay(warmup_target=...)`` counts
      ``decay_steps`` after warmup. DeepSpeed: ``WarmupCosineLR`` (shifted by one step).
    """
    warm, decay, w, _ = _warmup_cosine_parts(init_value, peak_value, warmup_steps, decay_steps,
                                             end_value, exponent)
    return join_schedules([warm, decay], boundary_list(w))


def _warmup_cosine_parts(init_value: Value, peak_value: Value, warmup_steps: Steps,
                         decay_steps: Steps, end_value: Value = 0.0,
                         exponent: Value = 1.0) -> tuple[Any, Any, Any, Any]:
    """The checked warmup and decay of :func:`warmup_cosine_decay_schedule`, ``W`` and ``D``."""
    w = v.steps("warmup_steps", warmup_steps)
    d = v.steps(
        "decay_steps",
        decay_steps,
        hint="",
    )
    if not v.is_traced(w) and not v.is_traced(d) and d < w:
        raise ValueError(
            f"`decay_steps` must be >= `warmup_steps` ({w!r}), got {d!r}; decay_steps includes "
            f"the warmup: did you mean decay_steps={w!r}+{d!r}?"
        )
    peak = v.real("peak_value", peak_value)
    end = v.real("end_value", end_value)
    if v.is_traced(peak) or v.is_traced(end):
        import jax.numpy as jnp

        end = jnp.where(jnp.asarray(peak) == 0, 0.0, end)
    elif peak == 0:
        end = 0.0
    warm = linear_schedule(v.real("init_value", init_value), peak, w)
    decay = cosine_decay(peak, d - w, end, exponent)
    return warm, decay, w, d


@register("sgdr_schedule")
def sgdr_schedule(cosine_kwargs: Iterable[Mapping[str, Any]]) -> Sequence:
    r"""SGDR: warmup-cosine cycles joined end to end (optax's form).

    Cycle ``i`` is ``warmup_cosine_decay_schedule(**cosine_kwargs[i])``; cycle ``i + 1``
    starts at the cumulative sum of the previous cycles' ``decay_steps``.

    Args:
      cosine_kwargs: an iterable of dicts, each with the arguments of
        :func:`warmup_cosine_decay_schedule` (``init_value``, ``peak_value``,
        ``warmup_steps``, ``decay_steps``, and optionally ``end_value``, ``exponent``).

    Returns:
      A sequence schedule.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.sgdr_schedule([
      ...     dict(init_value=0.0, peak_value=1.0, warmup_steps=1, decay_steps=3),
      ...     dict(init_value=0.0, peak_value=0.5, warmup_steps=1, decay_steps=3)])
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(8), np)]
      [0.0, 1.0, 0.5, 0.0, 0.5, 0.25, 0.0, 0.0]

    Equivalents:
      optax: ``sgdr_schedule``. torch: ``CosineAnnealingWarmRestarts`` (no warmup, equal or
      growing periods). timm: ``CosineLRScheduler`` with cycles.
    """
    if isinstance(cosine_kwargs, Mapping) or not isinstance(cosine_kwargs, Iterable):
        raise TypeError(
            f"`cosine_kwargs` must be an iterable of dicts, got {type(cosine_kwargs).__name__}"
        )
    parts: list[tuple[Any, Any, Any, Any]] = []  # (warmup, decay, W, D) of each cycle
    starts: list[Any] = []  # where each cycle after the first starts
    traced = False
    total: Any = 0
    for i, kw in enumerate(cosine_kwargs):
        if not isinstance(kw, Mapping):
            raise TypeError(f"`cosine_kwargs[{i}]` must be a dict, got {type(kw).__name__}")
        try:
            parts.append(_warmup_cosine_parts(**kw))
        except TypeError as e:
            raise TypeError(f"`cosine_kwargs[{i}]`: {e}") from e
        if i > 0:
            starts.append(total)
        d = parts[-1][3]  # checked by _warmup_cosine_parts
        traced = traced or v.is_traced(parts[-1][2]) or v.is_traced(d)
        total = total + d
    if not parts:
        raise ValueError("`cosine_kwargs` must hold at least one cycle, got none")
    if traced:  # each cycle a sequence of its own, joined (boundaries traced)
        cycles = [join_schedules([warm, decay], boundary_list(w)) for warm, decay, w, _ in parts]
        return join_schedules(cycles, boundary_list(*starts))
    # concrete: the flat sequence that joining the cycles' own sequences gives (each cycle's
    # warmup and decay placed at its start), without building those sequences
    pieces, bounds = [parts[0][0], parts[0][1]], [parts[0][2]]
    for (warm, decay, w, _), start in zip(parts[1:], starts):
        pieces += [warm, decay]
        bounds += [start, start + w]
    # the pieces are checked schedules and the bounds sums of checked counts: the sequence
    # join_schedules would build, without checking them again
    return Sequence(tuple(pieces), v.sorted_steps("boundaries", bounds))
