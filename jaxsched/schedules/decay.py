"""Step, multistep, multiplicative and piecewise-constant decays (torch, Cerebras, timm, Keras).

Every boundary here is exact for integer counts up to ``2**31 - 1``: the number of decays is
counted with integer arithmetic (``count // step_size``, ``searchsorted``), never from a float32
division. Multistep and piecewise tables compile to a bounded graph (one ``searchsorted`` and
one gather, whatever the number of milestones).

Exponential decay, continuous and staircase, with a delayed begin and an end clamp, is
:func:`jaxsched.exponential_decay` (optax's name): ``step_decay(I, T, r)`` is its staircase
form with ``transition_begin = 0``. The smooth decays of the catalog are in
:mod:`jaxsched.schedules.inverse` (inverse time, inverse square root) and
:mod:`jaxsched.schedules.annealing` (Keras' cycling polynomial, timm's tanh), re-exported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import capped_growth, may_grow, safe_pow
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field, value_field
from jaxsched.core.types import Steps, StepsList, Value, Values
from jaxsched.schedules.annealing import PolynomialDecay, TanhDecay, polynomial_decay, tanh_decay
from jaxsched.schedules.inverse import (
    InverseSqrtDecay,
    InverseTimeDecay,
    inverse_sqrt_decay,
    inverse_time_decay,
)

__all__ = [
    "StepDecay",
    "MultiStepDecay",
    "MultiplicativeDecay",
    "PiecewiseValues",
    "step_decay",
    "multistep_decay",
    "multiplicative_decay",
    "piecewise_constant_values",
    "InverseTimeDecay",
    "InverseSqrtDecay",
    "PolynomialDecay",
    "TanhDecay",
    "inverse_time_decay",
    "inverse_sqrt_decay",
    "polynomial_decay",
    "tanh_decay",
]


@schedule_class("step_decay")
class StepDecay(Schedule):
    """``I r^floor(t / step_size)``. See :func:`step_decay`."""

    init_value: Any = value_field()
    step_size: Any = steps_field()
    decay_rate: Any = value_field()

    def _formula(self, c, *, init_value, step_size, decay_rate):
        power = safe_pow(c, decay_rate, c.floordiv(step_size))
        return capped_growth(c, init_value, power) if may_grow(self.decay_rate) else (
            init_value * power)


@schedule_class("multistep_decay")
class MultiStepDecay(Schedule):
    """``I r^(number of milestones <= t)``. See :func:`multistep_decay`."""

    init_value: Any = value_field()
    milestones: Any = steps_field()
    decay_rate: Any = value_field()

    def _formula(self, c, *, init_value, milestones, decay_rate):
        passed = c.xp.astype(c.searchsorted(milestones), c.dtype)
        power = safe_pow(c, decay_rate, passed)
        return capped_growth(c, init_value, power) if may_grow(self.decay_rate) else (
            init_value * power)


@schedule_class("multiplicative_decay")
class MultiplicativeDecay(Schedule):
    """``I f^t``. See :func:`multiplicative_decay`."""

    init_value: Any = value_field()
    factor: Any = value_field()

    def _formula(self, c, *, init_value, factor):
        power = safe_pow(c, factor, c.t)
        return capped_growth(c, init_value, power) if may_grow(self.factor) else init_value * power


@schedule_class("piecewise_constant_values")
class PiecewiseValues(Schedule):
    """``values[i]`` for ``boundaries[i-1] <= t < boundaries[i]``. See :func:`piecewise_constant_values`."""

    boundaries: Any = steps_field()
    values: Any = value_field()

    def _formula(self, c, *, boundaries, values):
        return _xp.take(c.xp, values, c.searchsorted(boundaries))


@register("step_decay")
def step_decay(init_value: Value, step_size: Steps, decay_rate: Value = 0.1) -> StepDecay:
    r"""Multiply ``init_value`` by ``decay_rate`` every ``step_size`` optimizer steps.

    .. math:: f(t) = I\, r^{\lfloor t / S \rfloor}

    The new value applies *at* the step ``k S``. For integer counts and an integer
    ``step_size`` the floor is integer arithmetic, exact up to ``2**31 - 1``.

    Args:
      init_value: value for steps ``0 .. S - 1`` (real; traceable).
      step_size: ``S > 0``, optimizer steps between decays; a float is allowed (timm's
        ``decay_t``), the floor is then taken of ``t / S`` (traceable).
      decay_rate: ``r >= 0``, the factor applied at each decay (default 0.1; traceable). ``r > 1``
        grows: ``r**k`` is held at the largest finite float32 (``3.4e38``) and the value within
        ``+-3.4e38``, never ``inf`` (torch's ``StepLR`` overflows to ``inf``).

    Returns:
      A :class:`StepDecay` schedule.

    Raises:
      ValueError: ``step_size <= 0``, ``decay_rate < 0``, or a non-finite value.
      TypeError: a non-numeric argument (a bool, a string, ``None``).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.step_decay(1.0, step_size=3, decay_rate=0.5)
      >>> [float(x) for x in s.evaluate(np.arange(8), np)]
      [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]

    Equivalents:
      torch: ``StepLR(step_size=S, gamma=r)`` with the base lr as ``I``. Cerebras:
      ``StepLR(initial_learning_rate=I, step_size=S, gamma=r)``. timm:
      ``StepLRScheduler(decay_t=S, decay_rate=r)`` (timm's default ``decay_rate`` is 1).
      Keras: ``ExponentialDecay(I, S, r, staircase=True)``. optax / jaxsched:
      ``exponential_decay(I, S, r, staircase=True)``.
    """
    return StepDecay(
        v.real("init_value", init_value),
        v.steps("step_size", step_size, positive=True),
        v.real("decay_rate", decay_rate, ge=0),
    )


@register("multistep_decay")
def multistep_decay(init_value: Value, milestones: StepsList, decay_rate: Value = 0.1) -> MultiStepDecay:
    r"""Multiply ``init_value`` by ``decay_rate`` at each milestone step.

    .. math:: f(t) = I\, r^{\#\{i:\ m_i \le t\}}

    The new value applies *at* the milestone. A milestone listed twice applies ``r**2`` there
    (torch counts milestones as a multiset). The milestones are looked up with
    ``searchsorted``, so the graph does not grow with their number.

    Args:
      init_value: value before the first milestone (real; traceable).
      milestones: optimizer steps ``>= 0`` in non-decreasing order, duplicates allowed (a
        list or a 1-D array; traceable as an array). Empty: a constant.
      decay_rate: ``r >= 0``, the factor applied at each milestone (default 0.1; traceable);
        ``r > 1`` grows, capped as in :func:`step_decay`.

    Returns:
      A :class:`MultiStepDecay` schedule.

    Raises:
      ValueError: unsorted or negative milestones, ``decay_rate < 0``, a non-finite value.
      TypeError: ``milestones`` is not a sequence of numbers, or another argument is not a
        number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.multistep_decay(1.0, [2, 2, 5], decay_rate=0.5)
      >>> [float(x) for x in s.evaluate(np.arange(7), np)]
      [1.0, 1.0, 0.25, 0.25, 0.25, 0.125, 0.125]

    Equivalents:
      torch: ``MultiStepLR(milestones, gamma=r)`` (torch also accepts unsorted milestones and
      sorts them; jaxsched asks for them sorted). Cerebras: ``MultiStepLR(I, gamma=r,
      milestones)``. timm: ``MultiStepLRScheduler(decay_t=m, decay_rate=r)`` decays one step
      *earlier*, at ``m_i - 1`` (it counts milestones ``<= t + 1``): its values are
      ``multistep_decay(I, [max(m - 1, 0) for m in decay_t], r)``.
      optax / jaxsched: ``piecewise_constant_schedule(I, {m: r})`` for distinct milestones.
    """
    return MultiStepDecay(
        v.real("init_value", init_value),
        v.sorted_steps(
            "milestones", milestones, hint=" (list the milestone steps in increasing order)"
        ),
        v.real("decay_rate", decay_rate, ge=0),
    )


@register("multiplicative_decay")
def multiplicative_decay(init_value: Value, factor: Value) -> MultiplicativeDecay:
    r"""Multiply the value by ``factor`` at every optimizer step.

    .. math:: f(t) = I\, f^{\,t}

    Evaluated in closed form (no product accumulated step by step), so it has no drift. A
    factor above 1 grows without bound; it would overflow float32 within the int32 horizon
    (``1.01**t`` passes ``3.4e38`` at ``t = 8,900``), so ``f**t`` is held at the largest finite
    float32 (``3.4e38``) and the value within ``+-3.4e38``: never ``inf`` or ``nan``, the same
    value on every backend (torch's ``MultiplicativeLR`` overflows to ``inf``).

    Args:
      init_value: value at step 0 (real; traceable).
      factor: ``f >= 0``, the per-step factor (``f = 0``: 0 from step 1 on; traceable).

    Returns:
      A :class:`MultiplicativeDecay` schedule.

    Raises:
      ValueError: ``factor < 0`` or a non-finite value.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.multiplicative_decay(1.0, 0.5)
      >>> [float(x) for x in s.evaluate(np.arange(4), np)]
      [1.0, 0.5, 0.25, 0.125]

    Equivalents:
      torch: ``MultiplicativeLR(lr_lambda=lambda k: f)`` (a constant factor; torch accumulates
      the product recursively) and ``ExponentialLR(gamma=f)``. Cerebras:
      ``MultiplicativeLR(I, coefficient=f)``. optax / jaxsched: ``exponential_decay(I, 1, f)``.
    """
    return MultiplicativeDecay(
        v.real("init_value", init_value), v.real("factor", factor, ge=0)
    )


def _value_table(name: str, values: Any, n: int) -> Any:
    """``values`` checked as ``n`` finite reals: a float64 array, or a JAX array if traced."""
    hint = f" (one value per piece: len(boundaries) + 1 = {n})"
    if v.is_traced(values) or (hasattr(values, "shape") and hasattr(values, "dtype")):
        shape = tuple(values.shape)
        if len(shape) != 1 or shape[0] != n:
            raise ValueError(f"`{name}` must have shape ({n},), got {shape}{hint}")
        if v.is_traced(values):
            return values
        return np.asarray(v.real(name, values), dtype=np.float64).reshape(-1)
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(
            f"`{name}` must be a sequence of numbers, got {values!r} of type "
            f"{type(values).__name__}"
        )
    items = list(values)
    if len(items) != n:
        raise ValueError(f"`{name}` must have {n} entries, got {len(items)}{hint}")
    checked = [v.real(f"{name}[{i}]", x) for i, x in enumerate(items)]
    if any(v.is_traced(x) for x in checked):
        import jax.numpy as jnp

        return jnp.stack([jnp.asarray(x, dtype=jnp.result_type(float)) for x in checked])
    return np.asarray(checked, dtype=np.float64).reshape(-1)


@register("piecewise_constant_values")
def piecewise_constant_values(boundaries: StepsList, values: Values) -> PiecewiseValues:
    r"""Piecewise constant schedule given by absolute values between step boundaries.

    .. math:: f(t) = v_i \quad \text{for } b_i \le t < b_{i+1},
      \quad b_0 = 0,\ b_{n+1} = \infty

    The new value applies *at* its boundary step. The piece is looked up with
    ``searchsorted``, so the graph does not grow with the number of pieces.

    Args:
      boundaries: ``n`` optimizer steps ``>= 0`` in non-decreasing order (a list or 1-D array;
        traceable as an array). Equal boundaries skip the piece between them.
      values: ``n + 1`` finite reals: ``values[0]`` before ``boundaries[0]``, ``values[i]``
        from ``boundaries[i - 1]`` on (a list or 1-D array; traceable).

    Returns:
      A :class:`PiecewiseValues` schedule.

    Raises:
      ValueError: unsorted or negative boundaries, ``len(values) != len(boundaries) + 1``, a
        non-finite value.
      TypeError: an argument is not a sequence of numbers.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.piecewise_constant_values([2, 4], [1.0, 0.5, 0.25])
      >>> [float(x) for x in s.evaluate(np.arange(6), np)]
      [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

    Equivalents:
      Cerebras: ``PiecewiseConstantLR(learning_rates=values, milestones=boundaries)``. Keras:
      ``PiecewiseConstantDecay(boundaries, values)`` keeps the *old* value at the boundary step
      itself: for integer boundaries it is ``piecewise_constant_values([b + 1 for b in
      boundaries], values)``. optax: ``piecewise_constant_schedule`` takes multiplicative
      scales instead of values. torch: ``SequentialLR`` of ``ConstantLR`` pieces.
    """
    b = v.sorted_steps(
        "boundaries", boundaries, hint=" (list the boundary steps in increasing order)"
    )
    n = int(np.shape(b)[0])
    return PiecewiseValues(b, _value_table("values", values, n + 1))
