"""Schedules under a varying batch size: a schedule driven by the data consumed, and a learning
rate scaled with the batch size.

The optimizer counts updates; with a batch-size ramp an update no longer stands for a fixed
amount of data. :func:`by_samples` / :func:`by_tokens` evaluate any schedule at the samples (or
tokens) consumed before the update, ``lr(k) = f(S(k))`` with ``S`` the exact cumulative sum of a
:class:`~jaxsched.PiecewiseInteger` batch schedule, so "warm up over 2e9 tokens, decay over the
last 20% of tokens" means the same whatever the ramp. :func:`batch_scaled` couples a learning
rate to the batch size: ``lr(k) = f(k) (B(k) / B_0)^a``, the linear (``a = 1``) and
square-root (``a = 1/2``) scaling rules.
"""

from __future__ import annotations

from typing import Any

from jaxsched.compose.transforms import _child
from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import (
    Schedule,
    child_field,
    schedule_class,
    static_field,
    steps_field,
    value_field,
)
from jaxsched.core.types import ScheduleFn, Value
from jaxsched.schedules.batch import PiecewiseInteger

__all__ = ["DataClock", "BatchScaled", "by_samples", "by_tokens", "batch_scaled"]

_RULES = {"linear": 1.0, "sqrt": 0.5}


@schedule_class("by_tokens")
class DataClock(Schedule):
    """``f(S(t) * tokens_per_sample)``: a schedule in samples or tokens. See :func:`by_tokens`."""

    schedule: Schedule = child_field()
    batch_sizes: PiecewiseInteger = child_field()
    tokens_per_sample: Any = steps_field()

    def _eval(self, c: _xp.Count) -> Any:
        per = c.steps(self.tokens_per_sample)
        return self.schedule._eval(self.batch_sizes._consumed(c, per))


@schedule_class("batch_scaled")
class BatchScaled(Schedule):
    """``f(t) * (B(t) / base_batch_size) ** a``. See :func:`batch_scaled`."""

    schedule: Schedule = child_field()
    batch_sizes: Schedule = child_field()
    base_batch_size: Any = value_field()
    rule: str = static_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        ratio = self.batch_sizes._eval(c) / safe_den(c, c.value(self.base_batch_size))
        ratio = xp.maximum(ratio, c.const(0.0))
        factor = ratio if self.rule == "linear" else xp.sqrt(ratio)
        return self.schedule._eval(c) * factor


def _batches(name: str, b: Any) -> PiecewiseInteger:
    if not isinstance(b, PiecewiseInteger):
        raise TypeError(
            f"`{name}` must be a batch-size table (piecewise_integer, batch_size_ramp, "
            f"rampup_batch_size), got {type(b).__name__}: the data consumed is its exact "
            "cumulative sum")
    return b


@register("by_tokens")
def by_tokens(schedule: ScheduleFn, batch_sizes: PiecewiseInteger, tokens_per_sample: int) -> DataClock:
    r"""Drive a schedule by the tokens consumed under a varying batch size.

    .. math:: g(k) = f\bigl(L\, S(k)\bigr), \qquad S(k) = \sum_{j < k} B(j)

    ``S(k)`` is the number of samples consumed by updates ``0..k-1`` (so update 0 sees 0 tokens,
    as a schedule in steps sees step 0), computed exactly from the batch table
    (:meth:`~jaxsched.PiecewiseInteger.samples_at`), and ``L`` the tokens per sample (the
    sequence length). Every step hyperparameter of ``f`` is then a number of tokens:
    ``by_tokens(warmup_stable_decay(3e-4, total_steps=10**11, warmup_steps=2 * 10**9,
    decay_fraction=0.2), ramp, 4096)`` warms up over 2e9 tokens and decays over the last 20% of
    1e11 tokens, wherever the batch ramp puts them.

    The tokens are exact integers on the host and under JAX with x64; under JAX without x64 the
    count is float32 (exact up to ``2**24``, within float32 rounding beyond: a boundary of ``f``
    can move by a relative ``2**-24`` of the run, far less than one update's tokens).

    Args:
      schedule: ``f``, any schedule in tokens.
      batch_sizes: the global batch size per update, a :class:`~jaxsched.PiecewiseInteger`
        (:func:`~jaxsched.piecewise_integer`, :func:`~jaxsched.batch_size_ramp`,
        :func:`~jaxsched.rampup_batch_size`; its table is traceable).
      tokens_per_sample: ``L >= 1``, the sequence length (traceable as an integer).

    Returns:
      A :class:`DataClock` schedule (an ``optax.Schedule`` of the update count).

    Raises:
      TypeError: ``batch_sizes`` is not a batch table; ``schedule`` is not callable.
      ValueError: ``tokens_per_sample`` is not an integer ``>= 1``.

    Example:
      >>> import jaxsched, numpy as np
      >>> ramp = jaxsched.piecewise_integer([2], [1, 2])  # 1 sample, then 2 per update
      >>> lr = jaxsched.by_tokens(jaxsched.linear_schedule(0.0, 1.0, 40), ramp, 8)
      >>> [round(float(x), 2) for x in lr.evaluate(np.arange(5), np)]  # tokens 0, 8, 16, 32, 48
      [0.0, 0.2, 0.4, 0.8, 1.0]

    Equivalents:
      Megatron-LM: ``--lr-warmup-samples``/``--lr-decay-samples`` with ``--rampup-batch-size``
      (its scheduler is stepped by the batch's samples); Levanter: schedules over
      ``global_data_offset_by_step``; OLMo: ``scheduler.units: tokens``.
    """
    tps = v.integer("tokens_per_sample", tokens_per_sample, ge=1)
    return DataClock(_child("schedule", schedule), _batches("batch_sizes", batch_sizes), tps)


@register("by_samples")
def by_samples(schedule: ScheduleFn, batch_sizes: PiecewiseInteger) -> DataClock:
    r"""Drive a schedule by the samples consumed under a varying batch size.

    .. math:: g(k) = f\bigl(S(k)\bigr), \qquad S(k) = \sum_{j < k} B(j)

    :func:`by_tokens` with one token per sample: every step hyperparameter of ``f`` counts
    samples.

    Args:
      schedule: ``f``, any schedule in samples.
      batch_sizes: the global batch size per update, a :class:`~jaxsched.PiecewiseInteger`.

    Returns:
      A :class:`DataClock` schedule (its repr and config show this call).

    Example:
      >>> import jaxsched, numpy as np
      >>> ramp = jaxsched.batch_size_ramp(16, 64, 3, multiple=16)
      >>> lr = jaxsched.by_samples(jaxsched.linear_schedule(0.0, 1.0, 200), ramp)
      >>> ramp.samples_at(np.arange(5), np).tolist()
      [0.0, 16.0, 48.0, 96.0, 160.0]
      >>> [round(float(x), 2) for x in lr.evaluate(np.arange(5), np)]
      [0.0, 0.08, 0.24, 0.48, 0.8]

    Equivalents:
      Megatron-LM ``--lr-warmup-samples``, ``--lr-decay-samples`` (the scheduler is stepped
      by the consumed samples).
    """
    return by_tokens(schedule, batch_sizes, 1)


@register("batch_scaled")
def batch_scaled(
    schedule: ScheduleFn,
    batch_sizes: ScheduleFn,
    base_batch_size: Value,
    rule: str = "linear",
) -> BatchScaled:
    r"""Scale a learning rate with the batch size: the linear or square-root scaling rule.

    .. math:: g(k) = f(k) \left(\frac{B(k)}{B_0}\right)^{a}, \qquad
      a = 1 \ (\texttt{linear}),\quad a = \tfrac12 \ (\texttt{sqrt})

    ``f`` is the learning rate tuned at batch size ``B_0``; under a batch ramp ``B(k)`` the
    rate follows the batch (Goyal et al. 2017 for SGD: linear; Adam-type optimizers: square
    root, Malladi et al. 2022).

    Args:
      schedule: ``f``, the learning rate at batch size ``B_0``.
      batch_sizes: ``B(k)``, any batch-size schedule (:func:`~jaxsched.batch_size_ramp`,
        :func:`~jaxsched.rampup_batch_size`, :func:`~jaxsched.piecewise_integer`, ...).
      base_batch_size: ``B_0 > 0`` (real; traceable).
      rule: ``"linear"`` or ``"sqrt"`` (static).

    Returns:
      A :class:`BatchScaled` schedule.

    Raises:
      ValueError: ``base_batch_size <= 0``; an unknown ``rule``.
      TypeError: a schedule that is not callable.

    Example:
      >>> import jaxsched, numpy as np
      >>> ramp = jaxsched.piecewise_integer([2], [64, 256])
      >>> lr = jaxsched.batch_scaled(jaxsched.constant_schedule(1e-3), ramp, 256, "sqrt")
      >>> [float(x) for x in lr.evaluate(np.arange(4), np)]
      [0.0005, 0.0005, 0.001, 0.001]

    Equivalents:
      none in optax, torch or the large-scale frameworks: each scales its lr by hand when the
      batch size changes.
    """
    kind = v.choice("rule", rule, tuple(_RULES))
    return BatchScaled(_child("schedule", schedule), _child("batch_sizes", batch_sizes),
                       v.real("base_batch_size", base_batch_size, gt=0), kind)
