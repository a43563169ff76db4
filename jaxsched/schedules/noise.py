"""Multiplicative noise on any schedule (timm's ``noise_range_t`` / ``noise_pct``), jit-able."""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import (
    Schedule,
    child_field,
    schedule_class,
    static_field,
    steps_field,
    value_field,
)
from jaxsched.core.types import ScheduleFn, Steps, Value
from jaxsched.schedules import noise_rng as rng

__all__ = ["Noise", "with_noise"]

_SEED_MIN, _SEED_MAX = -(2**31), 2**31 - 1


@schedule_class("with_noise")
class Noise(Schedule):
    """``f(t) (1 + n_t)`` inside the noise range, ``f(t)`` outside. See :func:`with_noise`."""

    schedule: Schedule = child_field()
    noise_pct: Any = value_field()
    noise_std: Any = value_field()
    noise_type: str = static_field()
    seed: Any = steps_field()
    noise_start: Any = steps_field()
    noise_end: Any = steps_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        base = self.schedule._eval(c)
        pct = c.value(self.noise_pct)
        active = c.ge(c.steps(self.noise_start))
        if self.noise_end is not None:
            active = xp.logical_and(active, xp.logical_not(c.ge(c.steps(self.noise_end))))
        bits = rng.random_bits(rng.as_int(c, self.seed), rng.step_index(c))
        if self.noise_type == "uniform":
            n = rng.uniform_noise(c, bits, pct)
        else:
            n = rng.truncated_normal_noise(c, bits, pct, c.value(self.noise_std))
        return xp.where(active, base + base * n, base)


@register("with_noise")
def with_noise(
    schedule: ScheduleFn,
    noise_pct: Value = 0.67,
    noise_std: Value = 1.0,
    noise_type: str = "normal",
    seed: int = 42,
    noise_start: Steps = 0,
    noise_end: Steps | None = None,
) -> Noise:
    r"""Multiply a schedule by ``1 + n_t``, with ``n_t`` deterministic noise drawn per step.

    .. math::
      g(t) = \begin{cases}
        f(t)\,(1 + n_t), & S \le t < E \\
        f(t), & \text{otherwise}
      \end{cases}
      \qquad
      n_t \sim \begin{cases}
        \mathcal{U}(-p, p), & \text{uniform} \\
        \mathcal{N}(0, \sigma^2) \text{ conditioned on } |n_t| \le p, & \text{normal}
      \end{cases}

    ``n_t`` is a pure function of ``(seed, t)``: a counter-based generator built from 32-bit
    integer hashing with array-API integer ops that never overflow int32, so the same count gives
    the same noise in ``jax.numpy`` (under ``jit``, int32), NumPy, torch and ``array_api_strict``
    (the integer draws are identical bit for bit; the floats agree to the dtype's precision).
    The normal noise is drawn by inverse CDF (no redraw loop). See
    :mod:`jaxsched.schedules.noise_rng` for the exact algorithm. Outside the range the child's
    value is returned untouched. Float counts use the noise of ``floor(t)``; counts past
    ``2**31 - 1`` reuse the noise of step ``2**31 - 1``.

    Args:
      schedule: the schedule to perturb (a jaxsched Schedule, or a callable ``count -> value``
        written with ``jax.numpy``).
      noise_pct: ``0 <= p <= 1``, the bound on the relative noise ``|n_t|`` (traceable;
        default 0.67, timm's). ``p = 0`` leaves the schedule unchanged.
      noise_std: ``sigma > 0``, the standard deviation of the normal noise before truncation
        (traceable; default 1.0, which is timm's distribution; ignored for ``"uniform"``).
      noise_type: ``"normal"`` (default) or ``"uniform"`` (static).
      seed: an integer in ``[-2**31, 2**31 - 1]`` (traceable as an int array; default 42).
      noise_start: ``S >= 0``, first noisy step (default 0).
      noise_end: ``E >= S``, first step without noise again; ``None`` (default): noisy from
        ``S`` on.

    Returns:
      A :class:`Noise` schedule.

    Raises:
      ValueError: ``noise_pct`` outside ``[0, 1]``, ``noise_std <= 0``, a seed out of range or
        non-integral, a negative step, ``noise_end < noise_start``, an unknown ``noise_type``.
      TypeError: ``schedule`` is not callable, or an argument of the wrong type.

    Example:
      >>> import jaxsched, numpy as np
      >>> base = jaxsched.cosine_decay(1.0, 100)
      >>> s = jaxsched.with_noise(base, noise_pct=0.1, noise_start=10, noise_end=50)
      >>> t = np.arange(100)
      >>> bool(np.all(s.evaluate(t[:10], np) == base.evaluate(t[:10], np)))
      True
      >>> rel = s.evaluate(t[10:50], np) / base.evaluate(t[10:50], np) - 1
      >>> bool(np.all(np.abs(rel) <= 0.1)), bool(np.any(rel != 0))
      (True, True)

    Equivalents:
      timm: ``Scheduler(noise_range_t=(S, E) or S, noise_type=..., noise_pct=p,
      noise_seed=seed)``; ``noise_std`` must be 1.0 (timm stores it but never uses it). The
      distribution is the same (timm redraws ``randn`` until ``|n| < p``; the endpoint ``p``
      itself has probability 0), the numbers differ: timm seeds a ``torch.Generator`` with
      ``seed + t``, which no other backend reproduces. timm's factory gives the range as
      fractions of ``t_initial``: pass ``S = round(frac * t_initial)``.
    """
    from jaxsched.core.sequence import Function

    v.callable_("schedule", schedule)
    child = schedule if isinstance(schedule, Schedule) else Function(schedule)
    noise_type = v.choice("noise_type", noise_type, ("normal", "uniform"))
    pct = v.real("noise_pct", noise_pct, ge=0, le=1,
                 hint=" (a relative bound: noise_pct > 1 could make the value negative)")
    std = v.real("noise_std", noise_std, gt=0)
    seed = v.integer("seed", seed)
    if not v.is_traced(seed) and not np.all((seed >= _SEED_MIN) & (seed <= _SEED_MAX)):
        raise ValueError(
            f"`seed` must be in [-2**31, 2**31 - 1], got {seed!r}; reduce it modulo 2**32"
        )
    start = v.steps("noise_start", noise_start)
    end = v.steps("noise_end", noise_end, allow_none=True)
    if end is not None and not v.is_traced(start) and not v.is_traced(end):
        if end < start:
            raise ValueError(
                f"`noise_end` must be >= `noise_start` ({start!r}), got {end!r}"
            )
    return Noise(child, pct, std, noise_type, seed, start, end)
