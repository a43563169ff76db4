"""Cyclical schedules: torch's ``CyclicLR`` (learning rate and momentum) and TFA's exponential one.

The one-cycle family lives in :mod:`jaxsched.schedules.onecycle` (torch ``OneCycleLR``) and
:mod:`jaxsched.schedules.onecycle_decay` (DeepSpeed ``OneCycle``); both are re-exported here, so
``jaxsched.<name>`` reaches them.

For integer counts and integer step sizes the cycle arithmetic is integral (cycle number and
position inside the cycle come from integer floor division), so cycle boundaries are exact for
counts and step sizes up to ``2**31 - 1`` (a cycle ``U + D`` longer than int32 holds is never
formed: the count is then in the first cycle).
"""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.arrays import nonneg_div
from jaxsched.core.numerics import below_one, int_sum_exceeds, safe_den, safe_pow
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = [
    "Cyclic",
    "CyclicMomentum",
    "cyclic_schedule",
    "cyclic_momentum",
    "exponential_cyclic_schedule",
]

_MODES = ("triangular", "triangular2", "exp_range")
_SCALE_MODES = ("cycle", "iterations")


def _cycle_factor(c, up, down, mode, gamma, scale_mode):
    """``s(t) * scale(z)`` of torch's ``CyclicLR``: the height of the triangle times its scale."""
    xp = c.xp
    if c.is_int(up) and c.is_int(down):
        # a cycle U + D longer than the integer dtype holds (int32: U, D up to 2**31 - 1 each)
        # is longer than any count: the count is in the first cycle, never form the sum
        long = int_sum_exceeds(c, up, down)
        total = xp.where(long, xp.ones_like(up), up + down)
        total_safe = xp.where(total > 0, total, xp.ones_like(total))
        q = xp.where(long, xp.zeros_like(c.n), nonneg_div(xp, c.n, total_safe))
        r = c.n - q * total_safe  # position inside the cycle, exact
        rising = r <= up
        rf = c.as_float(r)
        # steps left to the end of the cycle, D - (r - U) on the way down: exact, no overflow
        back = c.as_float(down - xp.where(rising, down, r - up))
    else:
        total = c.as_float(up) + c.as_float(down)
        q = xp.floor(c.t / safe_den(c, total))
        rf = xp.minimum(xp.maximum(c.t - q * total, c.const(0.0)), total)
        rising = rf <= c.as_float(up)
        back = total - rf
    s = xp.where(rising, rf / safe_den(c, c.as_float(up)), back / safe_den(c, c.as_float(down)))
    if mode == "triangular":
        return s
    z = c.as_float(q) + 1.0 if scale_mode == "cycle" else c.t
    if mode == "triangular2":
        return s * xp.pow(c.const(0.5), z - 1.0)
    return s * safe_pow(c, gamma, z)


@schedule_class("cyclic_schedule")
class Cyclic(Schedule):
    """``B + (M - B) s(t) scale(z)``: torch's cyclical learning rate. See :func:`cyclic_schedule`."""

    base_value: Any = value_field()
    max_value: Any = value_field()
    step_size_up: Any = steps_field()
    step_size_down: Any = steps_field()
    mode: str = static_field()
    gamma: Any = value_field()
    scale_mode: str = static_field()

    def _formula(self, c, *, base_value, max_value, step_size_up, step_size_down, mode, gamma,
                 scale_mode):
        h = _cycle_factor(c, step_size_up, step_size_down, mode, gamma, scale_mode)
        return base_value + (max_value - base_value) * h


@schedule_class("cyclic_momentum")
class CyclicMomentum(Schedule):
    """``M_m - (M_m - B_m) s(t) scale(z)``: torch's inverse momentum cycle. See :func:`cyclic_momentum`."""

    base_momentum: Any = value_field()
    max_momentum: Any = value_field()
    step_size_up: Any = steps_field()
    step_size_down: Any = steps_field()
    mode: str = static_field()
    gamma: Any = value_field()
    scale_mode: str = static_field()

    def _formula(self, c, *, base_momentum, max_momentum, step_size_up, step_size_down, mode, gamma,
                 scale_mode):
        h = _cycle_factor(c, step_size_up, step_size_down, mode, gamma, scale_mode)
        # a momentum declared < 1 may round to 1 in float32: held below 1
        return below_one(c, max_momentum - (max_momentum - base_momentum) * h)


def _cycle_args(step_size_up, step_size_down, mode, gamma, scale_mode):
    up = v.steps("step_size_up", step_size_up, positive=True,
                 hint=" (the rising half of each cycle must last at least one step)")
    down = up if step_size_down is None else v.steps("step_size_down", step_size_down)
    mode = v.choice("mode", mode, _MODES)
    g = v.real("gamma", gamma, ge=0, le=1,
               hint=" (exp_range scales the amplitude by gamma**z; gamma > 1 grows without bound)")
    if scale_mode is None:
        scale_mode = "iterations" if mode == "exp_range" else "cycle"
    scale_mode = v.choice("scale_mode", scale_mode, _SCALE_MODES, hint=" (or None for the default)")
    return up, down, mode, g, scale_mode


@register("cyclic_schedule")
def cyclic_schedule(
    base_value: Value,
    max_value: Value,
    step_size_up: Steps = 2000,
    step_size_down: Steps | None = None,
    mode: str = "triangular",
    gamma: Value = 1.0,
    scale_mode: str | None = None,
) -> Cyclic:
    r"""Cyclical learning rate (Smith, 2017): triangles between ``base_value`` and ``max_value``.

    .. math:: f(t) = B + (M - B)\, s(t)\, \mathrm{scale}(z)

    With ``C = U + D`` (``U = step_size_up``, ``D = step_size_down``), the cycle number
    ``k = floor(t / C) + 1``, the position ``r = t - (k - 1) C``, ``s = r / U`` for ``r <= U``
    else ``(C - r) / D``, and ``scale(z)`` is 1 (triangular), ``2**-(z - 1)`` (triangular2) or
    ``gamma**z`` (exp_range) at ``z = k`` (``scale_mode="cycle"``) or ``z = t``
    (``"iterations"``).

    It is periodic on purpose (with a decaying amplitude for ``triangular2``/``exp_range``).
    Under JAX float32, ``gamma`` is rounded to float32 and ``gamma**t`` carries ``t`` times that
    rounding (relative ``~3e-8 t``); enable ``jax_enable_x64`` for long ``exp_range`` runs.

    Args:
      base_value: ``B``, the value at the start of every cycle (real; traceable).
      max_value: ``M``, the value at the top of the first cycle (real; traceable).
      step_size_up: ``U > 0`` optimizer steps from ``B`` up to the peak (default 2000).
      step_size_down: ``D >= 0`` optimizer steps from the peak back down (default ``None``: equal
        to ``step_size_up``; ``D = 0`` gives a rising sawtooth).
      mode: ``"triangular"``, ``"triangular2"`` (amplitude halved every cycle) or ``"exp_range"``
        (amplitude times ``gamma**t``); static.
      gamma: ``0 <= gamma <= 1``, the base of ``exp_range`` (traceable; default 1).
      scale_mode: ``"cycle"`` or ``"iterations"``: what ``z`` the scale is evaluated at (static;
        default ``None``: ``"iterations"`` for ``exp_range``, else ``"cycle"``, as torch).

    Returns:
      A :class:`Cyclic` schedule.

    Raises:
      ValueError: ``step_size_up <= 0``, ``step_size_down < 0``, ``gamma`` outside ``[0, 1]``,
        a non-finite value, an unknown ``mode``/``scale_mode``.
      TypeError: a numeric argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.cyclic_schedule(0.1, 1.0, step_size_up=2, step_size_down=3,
      ...                              mode="triangular2")
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(8), np)]
      [0.1, 0.55, 1.0, 0.7, 0.4, 0.1, 0.325, 0.55]

    Equivalents:
      torch: ``CyclicLR(base_lr=B, max_lr=M, step_size_up=U, step_size_down=D, mode, gamma)``
      (the lr after ``t`` calls of ``step()``). torch ignores ``scale_mode`` for its built-in
      modes (it forces the defaults above); an explicit ``scale_mode`` here equals torch's
      ``scale_fn=`` the mode's function with that ``scale_mode``. TensorFlow Addons:
      ``TriangularCyclicalLearningRate``/``Triangular2CyclicalLearningRate(B, M, step_size=U)``
      with ``U = D``; see :func:`exponential_cyclic_schedule`. Momentum: :func:`cyclic_momentum`.
    """
    up, down, mode, g, scale_mode = _cycle_args(step_size_up, step_size_down, mode, gamma,
                                                 scale_mode)
    return Cyclic(v.real("base_value", base_value), v.real("max_value", max_value), up, down, mode,
                  g, scale_mode)


def _momentum(name: str, x: Any) -> Any:
    return v.real(name, x, ge=0, lt=1, hint=" (a momentum or beta1 must lie in [0, 1))")


@register("cyclic_momentum")
def cyclic_momentum(
    base_momentum: Value = 0.8,
    max_momentum: Value = 0.9,
    step_size_up: Steps = 2000,
    step_size_down: Steps | None = None,
    mode: str = "triangular",
    gamma: Value = 1.0,
    scale_mode: str | None = None,
) -> CyclicMomentum:
    r"""torch's momentum cycle: inverse to :func:`cyclic_schedule`, from ``max`` down to ``base``.

    .. math:: m(t) = M_m - (M_m - B_m)\, s(t)\, \mathrm{scale}(z)

    A momentum that rounds to 1 in the formula's dtype (``1 - 1e-9`` in float32) is held at
    the largest float below 1, so the value stays in ``[0, 1)`` there too.

    With ``C = U + D`` (``U = step_size_up``, ``D = step_size_down``), the cycle number
    ``k = floor(t / C) + 1``, the position ``r = t - (k - 1) C``, ``s = r / U`` for ``r <= U``
    else ``(C - r) / D``, and ``scale(z)`` is 1 (triangular), ``2**-(z - 1)`` (triangular2) or
    ``gamma**z`` (exp_range) at ``z = k`` (``scale_mode="cycle"``) or ``z = t``
    (``"iterations"``).

    Args:
      base_momentum: ``B_m`` in ``[0, 1)``, the momentum at the lr peak (traceable; default 0.8).
      max_momentum: ``M_m`` in ``[0, 1)``, the momentum at the start of each cycle (traceable;
        default 0.9).
      step_size_up, step_size_down, mode, gamma, scale_mode: as in :func:`cyclic_schedule`.

    Returns:
      A :class:`CyclicMomentum` schedule (use it with ``optax.inject_hyperparams`` for
      ``momentum``/``b1``).

    Raises:
      ValueError: a momentum outside ``[0, 1)``, and the errors of :func:`cyclic_schedule`.
      TypeError: a numeric argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> m = jaxsched.cyclic_momentum(0.8, 0.9, step_size_up=2)
      >>> [round(float(x), 6) for x in m.evaluate(np.arange(5), np)]
      [0.9, 0.85, 0.8, 0.85, 0.9]

    Equivalents:
      torch: the ``momentum`` (or ``betas[0]``) that ``CyclicLR(..., cycle_momentum=True,
      base_momentum, max_momentum)`` writes after ``t`` calls of ``step()``.
    """
    up, down, mode, g, scale_mode = _cycle_args(step_size_up, step_size_down, mode, gamma,
                                                 scale_mode)
    return CyclicMomentum(_momentum("base_momentum", base_momentum),
                          _momentum("max_momentum", max_momentum), up, down, mode, g, scale_mode)


@register("exponential_cyclic_schedule")
def exponential_cyclic_schedule(
    base_value: Value,
    max_value: Value,
    step_size: Steps,
    gamma: Value = 1.0,
    scale_mode: str = "iterations",
) -> Cyclic:
    r"""Symmetric cycles whose amplitude decays as ``gamma**t`` (TensorFlow Addons' name).

    .. math::
      f(t) = B + (M - B)\,\max\!\left(0,\ 1 - \left|\tfrac{t}{S} - 2k + 1\right|\right)
      \gamma^{z}, \quad k = \left\lfloor 1 + \tfrac{t}{2S} \right\rfloor

    with ``z = t`` (``scale_mode="iterations"``, the default) or ``z = k`` (``"cycle"``). It is
    :func:`cyclic_schedule` with ``mode="exp_range"`` and ``step_size_up = step_size_down = S``.

    Args:
      base_value: ``B`` (real; traceable).
      max_value: ``M`` (real; traceable).
      step_size: ``S > 0`` optimizer steps of each half cycle.
      gamma: ``0 <= gamma <= 1`` (traceable; default 1).
      scale_mode: ``"iterations"`` (default) or ``"cycle"``; static.

    Returns:
      A :class:`Cyclic` schedule (``to_config`` gives this call, ``exponential_cyclic_schedule``).

    Raises:
      ValueError: ``step_size <= 0``, ``gamma`` outside ``[0, 1]``, an unknown ``scale_mode``.
      TypeError: a numeric argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.exponential_cyclic_schedule(0.0, 1.0, step_size=2, gamma=0.5)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(5), np)]
      [0.0, 0.25, 0.25, 0.0625, 0.0]

    Equivalents:
      TensorFlow Addons: ``ExponentialCyclicalLearningRate(initial_learning_rate=B,
      maximal_learning_rate=M, step_size=S, scale_mode, gamma)``. torch: ``CyclicLR(B, M,
      step_size_up=S, mode="exp_range", gamma=gamma)``.
    """
    s = v.steps("step_size", step_size, positive=True)
    # None is not a mode here (TFA's default is "iterations"; cyclic_schedule's None would pick it)
    scale_mode = v.choice("scale_mode", scale_mode, ("iterations", "cycle"))
    return cyclic_schedule(base_value, max_value, s, s, "exp_range", gamma, scale_mode)
