"""The learning-rate range test: a linear (DeepSpeed ``LRRangeTest``) or geometric sweep."""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = ["RangeTest", "lr_range_test"]


@schedule_class("lr_range_test")
class RangeTest(Schedule):
    """``m (1 + r x)`` or ``m e^{r x}`` with ``x = t/T``, capped at ``max_value``.

    See :func:`lr_range_test`.
    """

    min_value: Any = value_field()
    step_size: Any = steps_field()
    step_rate: Any = value_field()
    staircase: bool = static_field()
    mode: str = static_field()
    max_value: Any = value_field()

    def _formula(self, c, *, min_value, step_size, step_rate, staircase, mode, max_value):
        xp = c.xp
        if staircase:
            x = c.floordiv(step_size)
        else:
            size = c.as_float(step_size)
            x = c.t / safe_den(c, size)
        g = step_rate * x
        if mode == "linear":
            out = min_value * (1.0 + g)
            return out if max_value is None else xp.minimum(out, max_value)
        # exponential: the exponent is capped at log(max/min), where the value is max_value itself
        top = xp.log(safe_den(c, max_value) / safe_den(c, min_value))
        grown = min_value * xp.exp(xp.minimum(g, top))
        return xp.where(g >= top, max_value, grown)


@register("lr_range_test")
def lr_range_test(
    min_value: Value,
    step_size: Steps = 2000,
    step_rate: Value = 1.0,
    staircase: bool = False,
    mode: str = "linear",
    max_value: Value | None = None,
) -> RangeTest:
    r"""Learning-rate range test: a value growing from ``min_value``, linearly or geometrically.

    .. math::
      x = \frac{t}{T}\ \left(\lfloor t/T \rfloor \text{ if staircase}\right), \qquad
      f(t) = \begin{cases}
        \min\left(m\,(1 + r x),\ M\right), & \text{linear} \\
        \min\left(m\, e^{r x},\ M\right), & \text{exponential}
      \end{cases}

    ``step_rate`` is the growth per ``step_size`` steps: linear adds ``r m``, exponential
    multiplies by ``e^r``. Recipes for a sweep from ``lo`` to ``hi`` over ``N`` steps (the LR
    finder's): geometric, ``lr_range_test(lo, step_size=N, step_rate=math.log(hi / lo),
    mode="exponential", max_value=hi)``, i.e. ``f(t) = lo (hi/lo)^{t/N}``; linear,
    ``lr_range_test(lo, step_size=N, step_rate=hi / lo - 1, max_value=hi)``. Once the cap is
    reached the value is exactly ``max_value`` and held.

    Args:
      min_value: ``m``, the value at step 0 (``>= 0``; ``> 0`` for ``"exponential"``;
        traceable).
      step_size: ``T > 0`` optimizer steps per unit of ``x`` (default 2000, DeepSpeed's).
      step_rate: ``r >= 0``, the growth per ``step_size`` steps (default 1.0; traceable).
      staircase: if True, ``x`` is floored: the value changes every ``step_size`` steps
        (static).
      mode: ``"linear"`` (default, DeepSpeed's form) or ``"exponential"`` (static).
      max_value: ``M >= m``, a cap held once reached (traceable). ``None`` (default): no cap,
        linear only; ``"exponential"`` requires it (the value would overflow).

    Returns:
      A :class:`RangeTest` schedule.

    Raises:
      ValueError: ``step_size <= 0``, ``step_rate < 0``, ``min_value < 0`` (``<= 0`` for
        exponential), ``max_value < min_value``, exponential without ``max_value``, an unknown
        ``mode``, a non-finite value.
      TypeError: a non-numeric value, a non-bool ``staircase``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.lr_range_test(0.1, step_size=2, step_rate=1.0)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]
      >>> g = jaxsched.lr_range_test(1e-4, step_size=4, step_rate=np.log(1e4),
      ...                            mode="exponential", max_value=1.0)
      >>> [round(float(x), 6) for x in g.evaluate(np.arange(6), np)]
      [0.0001, 0.001, 0.01, 0.1, 1.0, 1.0]

    Equivalents:
      DeepSpeed: ``LRRangeTest(lr_range_test_min_lr=m, lr_range_test_step_size=T,
      lr_range_test_step_rate=r, lr_range_test_staircase=...)`` is the linear mode with no cap,
      step for step: DeepSpeed writes ``m`` at construction and evaluates ``it + 1`` with
      ``it = k - 1`` after ``k`` calls of ``step()``, so update ``k`` uses ``f(k)`` (no shift).
      Per-group ``min_lr`` lists are one schedule per group. fastai / ``torch-lr-finder``:
      the exponential recipe above.
    """
    mode = v.choice("mode", mode, ("linear", "exponential"))
    staircase = v.boolean("staircase", staircase)
    if mode == "exponential":
        lo = v.real("min_value", min_value, gt=0, hint=" (a geometric sweep starts above 0)")
    else:
        lo = v.real("min_value", min_value, ge=0)
    size = v.steps("step_size", step_size, positive=True)
    rate = v.real("step_rate", step_rate, ge=0)
    if max_value is None and mode == "exponential":
        raise ValueError(
            "`max_value` is required when mode='exponential', got None; pass the end of the "
            "sweep, e.g. max_value=10.0 (a geometric sweep without a cap overflows)"
        )
    hi = v.real("max_value", max_value, allow_none=True)
    if hi is not None and not v.is_traced(hi) and not v.is_traced(lo) and hi < lo:
        raise ValueError(f"`max_value` must be >= `min_value` ({lo!r}), got {hi!r}")
    return RangeTest(lo, size, rate, staircase, mode, hi)
