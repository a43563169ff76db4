"""Keras 3's learning-rate schedules by their own names: ``keras.CosineDecay``, ...

Each name takes the class's own arguments and defaults (``name`` included, accepted and
ignored) and returns the native schedule whose value at count ``k`` is ``schedule(k)``, the lr
of optimizer update ``k`` (Keras calls ``schedule(iterations)`` and increments ``iterations``
after the update). Keras computes in the dtype of ``initial_learning_rate``, float32 for a
Python float (and its JAX backend evaluates ``cos``/``log`` in float32 even under x64); jaxsched
computes in float64 on the host and in float32 (float64 under x64) in JAX, with forms that keep
relative precision in the tails, so it agrees with Keras to Keras's own float32 rounding.

Deliberate differences: ``CosineDecayRestarts`` locates restarts exactly (Keras's float32
``log`` could misplace one on an exact boundary) and rejects ``t_mul < 1``;
``PiecewiseConstantDecay`` needs sorted boundaries ``>= 0`` and is exact for integer counts
(the boundary step keeps the old value, as in Keras); ``decay_rate`` must be ``>= 0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.compose.warmup import warmup
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.schedules.annealing import polynomial_decay
from jaxsched.schedules.cosine import cosine_decay, cosine_decay_schedule
from jaxsched.schedules.decay import inverse_time_decay, piecewise_constant_values
from jaxsched.schedules.exponential import exponential_decay
from jaxsched.schedules.restarts import cosine_restarts

__all__ = [
    "cosine_decay_keras",
    "cosine_decay_restarts_keras",
    "exponential_decay_keras",
    "inverse_time_decay_keras",
    "piecewise_constant_decay_keras",
    "polynomial_decay_keras",
]


def _name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string, got {name!r} of type {type(name).__name__}")


def _decay_steps(name: str, x: Any) -> Any:
    return v.steps(name, x, positive=True)


@register("keras.CosineDecay")
def cosine_decay_keras(
    initial_learning_rate: Any, decay_steps: Any, alpha: Any = 0.0, name: str = "CosineDecay",
    warmup_target: Any = None, warmup_steps: Any = 0,
) -> Schedule:
    """Keras ``CosineDecay``: optional linear warmup to ``warmup_target``, then a clamped cosine.

    Without ``warmup_target`` (``warmup_steps`` is then ignored, as in Keras) it is
    :func:`jaxsched.cosine_decay_schedule` ``(I, decay_steps, alpha)``. With a target ``P`` it
    is :func:`jaxsched.warmup` ``(cosine_decay(P, decay_steps, alpha * P), warmup_steps, I)``:
    ``decay_steps`` **excludes** the warmup and ``alpha`` is relative to the target.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "keras.CosineDecay", "params": {
      ...     "initial_learning_rate": 0.0, "decay_steps": 4, "alpha": 0.1,
      ...     "warmup_target": 1.0, "warmup_steps": 2}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(8), np)]
      [0.0, 0.5, 1.0, 0.8682, 0.55, 0.2318, 0.1, 0.1]
    """
    _name(name)
    init = v.real("initial_learning_rate", initial_learning_rate)
    d = _decay_steps("decay_steps", decay_steps)
    alpha = v.real("alpha", alpha)
    w = v.steps("warmup_steps", warmup_steps)  # checked even when ignored (no warmup_target)
    if warmup_target is None:
        return cosine_decay_schedule(init, d, alpha)
    peak = v.real("warmup_target", warmup_target)
    return warmup(cosine_decay(peak, d, alpha * peak), w, init)


@register("keras.CosineDecayRestarts")
def cosine_decay_restarts_keras(
    initial_learning_rate: Any, first_decay_steps: Any, t_mul: Any = 2.0, m_mul: Any = 1.0,
    alpha: Any = 0.0, name: str = "SGDRDecay",
) -> Schedule:
    """Keras ``CosineDecayRestarts``: SGDR with period growth ``t_mul`` and peak decay ``m_mul``.

    :func:`jaxsched.cosine_restarts` ``(I, first_decay_steps, t_mul, end_value=alpha * I,
    decay=m_mul, decay_mode="amplitude")``: cycle ``i`` goes from
    ``I ((1 - alpha) m_mul**i + alpha)`` down to ``alpha * I`` (``alpha`` is not decayed).
    An integral ``t_mul`` such as Keras's default 2.0 restarts on the integer steps.
    """
    _name(name)
    init = v.real("initial_learning_rate", initial_learning_rate)
    alpha = v.real("alpha", alpha)
    return cosine_restarts(
        init,
        _decay_steps("first_decay_steps", first_decay_steps),
        v.real("t_mul", t_mul, ge=1, hint=" (Keras's formula breaks for t_mul < 1)"),
        alpha * init,
        v.real("m_mul", m_mul, ge=0),
        decay_mode="amplitude",
    )


@register("keras.ExponentialDecay")
def exponential_decay_keras(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: bool = False,
    name: str = "ExponentialDecay",
) -> Schedule:
    """Keras ``ExponentialDecay``: ``I * decay_rate**(t / decay_steps)`` (floored if staircase).

    :func:`jaxsched.exponential_decay` ``(I, decay_steps, decay_rate, staircase=staircase)``;
    a fractional ``decay_steps`` is allowed.
    """
    _name(name)
    return exponential_decay(
        v.real("initial_learning_rate", initial_learning_rate),
        _decay_steps("decay_steps", decay_steps),
        v.real("decay_rate", decay_rate, ge=0),
        staircase=v.boolean("staircase", staircase),
    )


@register("keras.InverseTimeDecay")
def inverse_time_decay_keras(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: bool = False,
    name: str = "InverseTimeDecay",
) -> Schedule:
    """Keras ``InverseTimeDecay``: ``I / (1 + decay_rate * t / decay_steps)`` (floored if staircase).

    :func:`jaxsched.inverse_time_decay` ``(I, decay_steps, decay_rate, staircase)``.
    """
    _name(name)
    return inverse_time_decay(
        v.real("initial_learning_rate", initial_learning_rate),
        _decay_steps("decay_steps", decay_steps),
        v.real("decay_rate", decay_rate, ge=0),
        v.boolean("staircase", staircase),
    )


@register("keras.PiecewiseConstantDecay")
def piecewise_constant_decay_keras(
    boundaries: Any, values: Any, name: str = "PiecewiseConstant",
) -> Schedule:
    """Keras ``PiecewiseConstantDecay``: ``values[i]`` for ``b[i-1] < t <= b[i]``.

    **The boundary step keeps the old value** (optax, torch and Cerebras switch *at* it): for
    integer counts this is :func:`jaxsched.piecewise_constant_values` with boundaries
    ``floor(b) + 1``. ``len(values)`` must be ``len(boundaries) + 1``.
    """
    _name(name)
    b = v.sorted_steps("boundaries", boundaries, hint=" (Keras expects increasing boundaries)")
    if isinstance(values, (list, tuple)) and len(values) != np.shape(b)[0] + 1:
        raise ValueError(
            f"`values` must have len(boundaries) + 1 = {np.shape(b)[0] + 1} entries, got "
            f"{len(values)}"
        )
    if v.is_traced(b) or not isinstance(b, np.ndarray):
        import jax.numpy as jnp

        shifted = jnp.floor(b) + 1
    elif np.issubdtype(b.dtype, np.integer):
        shifted = b + 1
    else:
        shifted = np.floor(b) + 1
    return piecewise_constant_values(shifted, values)


@register("keras.PolynomialDecay")
def polynomial_decay_keras(
    initial_learning_rate: Any, decay_steps: Any, end_learning_rate: Any = 0.0001,
    power: Any = 1.0, cycle: bool = False, name: str = "PolynomialDecay",
) -> Schedule:
    """Keras ``PolynomialDecay`` (default end lr ``1e-4``, not 0), optionally cycling.

    :func:`jaxsched.polynomial_decay` ``(I, decay_steps, end_learning_rate, power, cycle)``.
    With ``cycle`` the period grows to ``decay_steps * ceil(t / decay_steps)``: the value is
    ``end_learning_rate`` at every multiple of ``decay_steps`` and restarts one step later.
    """
    _name(name)
    return polynomial_decay(
        v.real("initial_learning_rate", initial_learning_rate),
        _decay_steps("decay_steps", decay_steps),
        v.real("end_learning_rate", end_learning_rate),
        v.real("power", power, ge=0),
        v.boolean("cycle", cycle),
    )
