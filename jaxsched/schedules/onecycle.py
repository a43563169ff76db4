"""One-cycle schedules: torch's ``OneCycleLR`` (learning rate and momentum).

DeepSpeed's ``OneCycle`` (a triangle, then an inverse-time decay) is in
:mod:`jaxsched.schedules.onecycle_decay`. optax's one-cycle pair is in
:mod:`jaxsched.schedules.piecewise`.
"""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import below_one, cosine_tail, safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = ["OneCycle", "OneCycleMomentum", "one_cycle", "one_cycle_momentum"]

_STRATEGIES = ("cos", "linear")


def _one_cycle(c, total_steps, pct_start, anneal_strategy, three_phase, knots):
    """torch's phases, the value going from ``knots[i]`` to ``knots[i + 1]`` in phase ``i``."""
    xp = c.xp
    n_total = c.as_float(total_steps)
    if c.is_int(total_steps):  # hold the value of step N - 1 from there on (exact for ints)
        last = xp.maximum(total_steps - 1, xp.zeros_like(total_steps))
        n = xp.minimum(c.n, last)
        t = c.as_float(n)
        tail = c.as_float(last - n)
    else:
        last = xp.maximum(n_total - 1.0, c.const(0.0))
        t = xp.minimum(c.t, last)
        tail = last - t
    e1 = pct_start * n_total - 1.0
    if three_phase:
        ends = [e1, 2.0 * pct_start * n_total - 2.0, n_total - 1.0]
    else:
        ends = [e1, n_total - 1.0]
    starts = [c.const(0.0)] + ends[:-1]
    # the first phase with t <= end (else the last): nested wheres from the last phase back
    remaining, elapsed, length = tail, t - starts[-1], ends[-1] - starts[-1]
    hi, lo = knots[-2], knots[-1]
    for i in range(len(ends) - 2, -1, -1):
        inside = t <= ends[i]
        remaining = xp.where(inside, ends[i] - t, remaining)
        elapsed = xp.where(inside, t - starts[i], elapsed)
        length = xp.where(inside, ends[i] - starts[i], length)
        hi = xp.where(inside, knots[i], hi)
        lo = xp.where(inside, knots[i + 1], lo)
    # start * w(remaining) + end * w(elapsed): both weights from differences, so the value keeps
    # relative precision at both ends of a phase (no cancellation); a phase of length 0 is at its end
    if anneal_strategy == "cos":
        w_hi = cosine_tail(c, remaining, length)
        w_lo = cosine_tail(c, elapsed, length)
    else:
        w_hi = xp.where(length > 0, remaining / safe_den(c, length), c.const(0.0))
        w_lo = xp.where(length > 0, elapsed / safe_den(c, length), c.const(0.0))
    w_lo = xp.where(length > 0, w_lo, c.const(1.0))
    return hi * w_hi + lo * w_lo


@schedule_class("one_cycle")
class OneCycle(Schedule):
    """torch's ``OneCycleLR`` learning rate. See :func:`one_cycle`."""

    max_value: Any = value_field()
    total_steps: Any = steps_field()
    pct_start: Any = value_field()
    anneal_strategy: str = static_field()
    div_factor: Any = value_field()
    final_div_factor: Any = value_field()
    three_phase: bool = static_field()

    def _formula(self, c, *, max_value, total_steps, pct_start, anneal_strategy, div_factor,
                 final_div_factor, three_phase):
        initial = max_value / div_factor
        low = initial / final_div_factor
        knots = [initial, max_value, initial, low] if three_phase else [initial, max_value, low]
        return _one_cycle(c, total_steps, pct_start, anneal_strategy, three_phase, knots)


@schedule_class("one_cycle_momentum")
class OneCycleMomentum(Schedule):
    """torch's ``OneCycleLR`` momentum. See :func:`one_cycle_momentum`."""

    base_momentum: Any = value_field()
    max_momentum: Any = value_field()
    total_steps: Any = steps_field()
    pct_start: Any = value_field()
    anneal_strategy: str = static_field()
    three_phase: bool = static_field()

    def _formula(self, c, *, base_momentum, max_momentum, total_steps, pct_start, anneal_strategy,
                 three_phase):
        knots = [max_momentum, base_momentum, max_momentum]
        if three_phase:
            knots.append(max_momentum)
        # a momentum declared < 1 may round to 1 in float32: held below 1
        return below_one(c, _one_cycle(c, total_steps, pct_start, anneal_strategy, three_phase,
                                       knots))


def _total(total_steps: Any, epochs: Any, steps_per_epoch: Any) -> Any:
    hint = " (pass total_steps, or epochs and steps_per_epoch)"
    e = v.integer("epochs", epochs, gt=0, allow_none=True, hint=hint)
    spe = v.integer("steps_per_epoch", steps_per_epoch, gt=0, allow_none=True, hint=hint)
    if (e is None) != (spe is None):
        given, missing = ("epochs", "steps_per_epoch") if spe is None else ("steps_per_epoch", "epochs")
        raise ValueError(f"`{missing}` must be given with `{given}`, got None{hint}")
    if total_steps is None:
        if e is None:
            raise ValueError(f"`total_steps` must be given, got None{hint}")
        return e * spe
    n = v.integer("total_steps", total_steps, gt=0, hint=hint)
    if e is not None and not any(v.is_traced(x) for x in (n, e, spe)) and n != e * spe:
        raise ValueError(
            f"`total_steps` must equal epochs * steps_per_epoch ({e} * {spe} = {e * spe}) when "
            f"both are given, got {n}; pass only one of them"
        )
    return n


def _phase_args(pct_start: Any, anneal_strategy: str, three_phase: bool) -> tuple:
    pct = v.real("pct_start", pct_start, ge=0, le=1)
    strategy = v.choice("anneal_strategy", anneal_strategy, _STRATEGIES)
    return pct, strategy, v.boolean("three_phase", three_phase)


@register("one_cycle")
def one_cycle(
    max_value: Value,
    total_steps: Steps | None = None,
    epochs: Steps | None = None,
    steps_per_epoch: Steps | None = None,
    pct_start: Value = 0.3,
    anneal_strategy: str = "cos",
    div_factor: Value = 25.0,
    final_div_factor: Value = 1e4,
    three_phase: bool = False,
) -> OneCycle:
    r"""torch's one-cycle policy: warm up to ``max_value``, then anneal far below the start.

    With ``N`` total steps, ``I = M / div_factor`` and ``L = I / final_div_factor``, the phases end
    (as floats) at ``e_1 = p N - 1`` and ``e_2 = N - 1`` (two phases: ``I -> M -> L``), or at
    ``e_1 = p N - 1``, ``e_2 = 2 p N - 2``, ``e_3 = N - 1`` (three phases:
    ``I -> M -> I -> L``). Step ``t`` is in the first phase ``i`` with ``t <= e_i`` (else the
    last), which runs from ``s_i = e_{i-1}`` (``s_1 = 0``) to ``e_i``:

    .. math::
      f(t) = v_{i-1}\, w\!\left(\frac{e_i - t}{e_i - s_i}\right)
        + v_{i}\, w\!\left(\frac{t - s_i}{e_i - s_i}\right), \quad
      w(x) = \begin{cases} \sin^2(\pi x / 2), & \text{cos} \\ x, & \text{linear}\end{cases}

    for ``t <= N - 1``; from ``N - 1`` on the value of step ``N - 1`` is held (``L``, except
    when the last phase is empty, e.g. ``pct_start = 1``). A zero-length phase is at its end.
    As in torch, a small ``N`` can make ``e_1 < 0`` (step 0 is then past the peak) and a
    non-integer ``p N`` means the peak ``M`` is never hit exactly. Under JAX float32 the phase
    ends are rounded to float32 (a shift of about ``6e-8 p N`` steps).

    Args:
      max_value: ``M``, the peak (real; traceable).
      total_steps: ``N >= 1`` optimizer steps of the cycle (an integer), or ``None`` to use
        ``epochs * steps_per_epoch``.
      epochs: with ``steps_per_epoch`` (both integers ``>= 1``), the alternative to
        ``total_steps``; not stored (``to_config`` records ``total_steps``).
      steps_per_epoch: optimizer steps per epoch.
      pct_start: ``p`` in ``[0, 1]``, the fraction of ``N`` spent rising (traceable; 0.3).
      anneal_strategy: ``"cos"`` (default) or ``"linear"``; static.
      div_factor: ``> 0``; the cycle starts at ``M / div_factor`` (traceable; default 25).
      final_div_factor: ``> 0``; it ends at ``M / (div_factor * final_div_factor)`` (traceable;
        default 1e4).
      three_phase: ``False``: ``I -> M -> L``; ``True``: ``I -> M -> I -> L`` (static).

    Returns:
      A :class:`OneCycle` schedule.

    Raises:
      ValueError: neither ``total_steps`` nor ``epochs`` and ``steps_per_epoch`` (or both,
        inconsistent); a count ``<= 0`` or not an integer; ``pct_start`` outside ``[0, 1]``;
        a factor ``<= 0``; an unknown ``anneal_strategy``.
      TypeError: an argument of the wrong type.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.one_cycle(1.0, total_steps=10)
      >>> [round(float(x), 6) for x in s.evaluate(np.array([0, 1, 2, 3, 9, 10, 50]), np)]
      [0.04, 0.52, 1.0, 0.950485, 4e-06, 4e-06, 4e-06]

    Equivalents:
      torch: ``OneCycleLR(max_lr=M, total_steps=N, pct_start, anneal_strategy, div_factor,
      final_div_factor, three_phase)``: the lr after ``t`` calls of ``step()``, for
      ``t <= N - 1``. torch raises past ``N`` and extrapolates at ``t = N`` (the mirror image
      of step ``N - 2``); jaxsched holds the final value. torch raises for ``p N = 1``
      (division by zero at step 0); jaxsched gives ``M`` there. Momentum:
      :func:`one_cycle_momentum`. optax: :func:`cosine_onecycle_schedule` and
      :func:`linear_onecycle_schedule` (integer knots, one step later).
    """
    pct, strategy, three = _phase_args(pct_start, anneal_strategy, three_phase)
    return OneCycle(
        v.real("max_value", max_value),
        _total(total_steps, epochs, steps_per_epoch),
        pct,
        strategy,
        v.real("div_factor", div_factor, gt=0),
        v.real("final_div_factor", final_div_factor, gt=0),
        three,
    )


@register("one_cycle_momentum")
def one_cycle_momentum(
    base_momentum: Value = 0.85,
    max_momentum: Value = 0.95,
    total_steps: Steps | None = None,
    epochs: Steps | None = None,
    steps_per_epoch: Steps | None = None,
    pct_start: Value = 0.3,
    anneal_strategy: str = "cos",
    three_phase: bool = False,
) -> OneCycleMomentum:
    r"""torch's one-cycle momentum: ``max -> base -> max`` against the learning rate.

    The phases of :func:`one_cycle`, with the knot values ``M_m -> B_m -> M_m`` (two phases) or
    ``M_m -> B_m -> M_m -> M_m`` (three phases):

    .. math::
      m(t) = v_{i-1}\, w\!\left(\frac{e_i - t}{e_i - s_i}\right)
        + v_{i}\, w\!\left(\frac{t - s_i}{e_i - s_i}\right)

    A momentum that rounds to 1 in the formula's dtype (``1 - 1e-9`` in float32) is held at
    the largest float below 1, so the value stays in ``[0, 1)`` there too.

    Args:
      base_momentum: ``B_m`` in ``[0, 1)``, the momentum at the lr peak (traceable; 0.85).
      max_momentum: ``M_m`` in ``[0, 1)``, at the start and end (traceable; default 0.95).
      total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, three_phase: as in
        :func:`one_cycle`.

    Returns:
      A :class:`OneCycleMomentum` schedule.

    Raises:
      ValueError: a momentum outside ``[0, 1)``, and the errors of :func:`one_cycle`.
      TypeError: an argument of the wrong type.

    Example:
      >>> import jaxsched, numpy as np
      >>> m = jaxsched.one_cycle_momentum(total_steps=10)
      >>> [round(float(x), 6) for x in m.evaluate(np.array([0, 1, 2, 3, 9, 20]), np)]
      [0.95, 0.9, 0.85, 0.854952, 0.95, 0.95]

    Equivalents:
      torch: the ``momentum`` (or ``betas[0]``) that ``OneCycleLR(..., cycle_momentum=True,
      base_momentum, max_momentum)`` writes after ``t`` calls of ``step()``.
    """
    pct, strategy, three = _phase_args(pct_start, anneal_strategy, three_phase)
    hint = " (a momentum or beta1 must lie in [0, 1))"
    return OneCycleMomentum(
        v.real("base_momentum", base_momentum, ge=0, lt=1, hint=hint),
        v.real("max_momentum", max_momentum, ge=0, lt=1, hint=hint),
        _total(total_steps, epochs, steps_per_epoch),
        pct,
        strategy,
        three,
    )
