"""Integer-valued schedules held as tables: batch-size ramps and piecewise batch sizes, with the
exact step <-> samples map under a varying batch size.

A batch-size schedule changes value at a handful of steps, so it is held as a table: step
boundaries ``K_1 <= ... <= K_m`` and integer values ``b_0, ..., b_m`` (``b_i`` from step ``K_i``
on, ``K_0 = 0``). The same table gives the cumulative data consumed, exactly, in closed form:

.. math::
  S(k) = C_i + (k - K_i)\\, b_i \\quad (K_i \\le k < K_{i+1}), \\qquad
  C_i = \\sum_{j < i} (K_{j+1} - K_j)\\, b_j

``S(k)`` (:meth:`PiecewiseInteger.samples_at`) is the number of samples consumed by updates
``0 .. k-1``, the data offset at which update ``k``'s batch starts (Levanter's
``global_data_offset_by_step``); :meth:`PiecewiseInteger.step_at` is its inverse (the update whose
batch holds a given sample index). :func:`jaxsched.by_samples` and :func:`jaxsched.by_tokens`
drive any schedule by that clock.

**Integer values.** The values are returned in the namespace's float dtype (a strong float32
under JAX, float64 on the host), holding exact integers: every value is checked to be at most
``2**24`` (the largest range of integers float32 holds exactly). Step boundaries are compared
as integers, so they are exact for integer counts up to ``2**31 - 1`` under JAX.

**The cumulative map's precision.** ``samples_at``/``step_at`` are computed in 64-bit integers
wherever the namespace has them (NumPy, torch, JAX under ``jax_enable_x64``): exact, then
returned as float64 (exact up to ``2**53``, about 9e15 samples or tokens). Under JAX without x64
they are computed in float32: exact up to ``2**24`` and within float32 rounding (relative
``2**-24``) beyond; use the host (NumPy) or x64 for exact token counts of a large run.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field
from jaxsched.core.types import Steps, StepsList

__all__ = [
    "PiecewiseInteger",
    "piecewise_integer",
    "batch_size_ramp",
    "rampup_batch_size",
    "MAX_EXACT_INTEGER",
]

#: The largest integer value an integer schedule may take: float32 holds every integer up to it.
MAX_EXACT_INTEGER = 2**24

_RAMP_SHAPES = ("linear", "exponential")


def _wide_ints(c: _xp.Count) -> bool:
    """Whether the namespace's integer dtype is 64-bit (exact cumulative sums)."""
    return c.n is not None and "64" in str(c.int_dtype)


@schedule_class("piecewise_integer")
class PiecewiseInteger(Schedule):
    """``values[i]`` from step ``boundaries[i-1]`` on: an integer schedule (batch size, sequence
    length) with its exact cumulative sum. See :func:`piecewise_integer`."""

    #: Drawn as steps by :func:`jaxsched.plot`.
    integer_valued: ClassVar[bool] = True

    boundaries: Any = steps_field()
    values: Any = steps_field()

    def _formula(self, c, *, boundaries, values):
        return c.as_float(_xp.take(c.xp, values, c.searchsorted(boundaries)))

    # ------------------------------------------------------------------ the cumulative map
    def _tables(self, c: _xp.Count, wide: bool) -> tuple[Any, Any, Any]:
        """(knots ``[0, K_1..K_m]``, values, cumulative ``C``) in int64 when ``wide``, else float."""
        xp = c.xp
        raw_b, raw_v = self.boundaries, self.values
        if isinstance(raw_b, np.ndarray) and isinstance(raw_v, np.ndarray) and (
                raw_b.dtype.kind == "i" and raw_v.dtype.kind == "i"):
            knots = np.concatenate([[0], raw_b]).astype(np.int64)
            cum = np.concatenate([[0], np.cumsum(np.diff(knots) * raw_v[:-1])]).astype(np.int64)
            if wide:
                return (c.table(knots, integer=True), c.table(raw_v, integer=True),
                        c.table(cum, integer=True))
            return c.table(knots), c.table(raw_v.astype(np.float64)), c.table(cum.astype(np.float64))
        # traced (or float) tables: the same sums in the graph
        dtype = c.int_dtype if wide else c.dtype
        b = xp.astype(xp.asarray(raw_b), dtype) if not _xp._owned(xp, raw_b) else xp.astype(raw_b, dtype)
        vals = xp.astype(xp.asarray(raw_v), dtype) if not _xp._owned(xp, raw_v) else xp.astype(
            raw_v, dtype)
        zero = xp.zeros((1,), dtype=dtype)
        knots = xp.concat([zero, b])
        lengths = knots[1:] - knots[:-1]
        cum = xp.concat([zero, xp.cumulative_sum(lengths * vals[:-1])]) if int(b.shape[0]) else zero
        return knots, vals, cum

    def _consumed(self, c: _xp.Count, per_sample: Any = None) -> _xp.Count:
        """The count in samples consumed before update ``c`` (times ``per_sample``), as a Count."""
        xp = c.xp
        wide = _wide_ints(c)
        knots, vals, cum = self._tables(c, wide)
        idx = xp.searchsorted(knots, c.n if wide else c.t, side="right") - 1
        start = _xp.take(xp, knots, idx)
        if wide:
            n = _xp.take(xp, cum, idx) + (c.n - start) * _xp.take(xp, vals, idx)
            if per_sample is not None:
                n = n * xp.astype(per_sample, c.int_dtype) if hasattr(per_sample, "dtype") else (
                    n * int(per_sample))
            return c.replace(t=xp.astype(n, c.dtype), n=n)
        t = _xp.take(xp, cum, idx) + (c.t - start) * _xp.take(xp, vals, idx)
        if per_sample is not None:
            t = t * c.as_float(per_sample) if hasattr(per_sample, "dtype") else t * float(per_sample)
        return c.replace(t=t, n=None)

    def samples_at(self, count: Any, xp: Any = None) -> Any:
        """Samples consumed by updates ``0 .. count-1``: where update ``count``'s batch starts.

        Args:
          count: optimizer update count(s) (negative counts behave as 0).
          xp: the array namespace (as in :meth:`~jaxsched.Schedule.evaluate`).

        Returns:
          ``S(count)`` in the namespace's float dtype (exact integers: see the module docstring).

        Example:
          >>> import jaxsched, numpy as np
          >>> b = jaxsched.piecewise_integer([2, 4], [8, 16, 32])
          >>> b.samples_at(np.arange(7), np).tolist()
          [0.0, 8.0, 16.0, 32.0, 48.0, 80.0, 112.0]
        """
        ns = _xp.resolve_namespace(xp, count)
        c = _xp.Count.make(count, ns)
        out = self._consumed(c).t
        if _xp.is_jax_namespace(ns):
            out = ns.asarray(out, dtype=c.dtype)
        return out

    def step_at(self, samples: Any, xp: Any = None) -> Any:
        """The update whose batch holds the sample of (0-based) index ``samples``.

        The inverse of :meth:`samples_at`: ``step_at(samples_at(k)) == k``, and update ``k`` holds
        the sample indices ``samples_at(k) .. samples_at(k + 1) - 1``. The number of updates
        needed to consume ``s > 0`` samples is ``step_at(s - 1) + 1``.

        Args:
          samples: sample index (or indices), ``>= 0`` (negative behaves as 0).
          xp: the array namespace.

        Returns:
          The update count in the namespace's float dtype (an exact integer).

        Example:
          >>> import jaxsched, numpy as np
          >>> b = jaxsched.piecewise_integer([2, 4], [8, 16, 32])
          >>> b.step_at(np.array([0, 7, 8, 16, 47, 48, 80]), np).tolist()
          [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        """
        ns = _xp.resolve_namespace(xp, samples)
        c = _xp.Count.make(samples, ns)
        xp = c.xp
        wide = _wide_ints(c)
        knots, vals, cum = self._tables(c, wide)
        s = c.n if wide else c.t
        idx = xp.searchsorted(cum, s, side="right") - 1
        b = _xp.take(xp, vals, idx)
        if wide:
            safe = xp.where(b > 0, b, xp.ones_like(b))
            out = xp.astype(_xp.take(xp, knots, idx) + (s - _xp.take(xp, cum, idx)) // safe, c.dtype)
        else:
            safe = xp.where(b > 0, b, xp.ones_like(b))
            out = _xp.take(xp, knots, idx) + xp.floor((s - _xp.take(xp, cum, idx)) / safe)
        if _xp.is_jax_namespace(ns):
            out = ns.asarray(out, dtype=c.dtype)
        return out


# ---------------------------------------------------------------------------------- checks
def _int_values(name: str, values: Any) -> Any:
    """A 1-D table of integers in ``[1, 2**24]`` (NumPy int64), or a traced array unchanged."""
    if v.is_traced(values):
        return values
    if isinstance(values, (str, bytes)) or not (
            isinstance(values, (list, tuple)) or hasattr(values, "shape")):
        raise TypeError(f"`{name}` must be a sequence of integers, got {v.describe(values)} of type "
                        f"{type(values).__name__}")
    items = list(values) if isinstance(values, (list, tuple)) else list(np.asarray(values).reshape(-1))
    if hasattr(values, "shape") and len(getattr(values, "shape", ())) != 1:
        raise ValueError(f"`{name}` must be one-dimensional, got shape {tuple(values.shape)}")
    if any(v.is_traced(x) for x in items):
        import jax.numpy as jnp

        return jnp.stack([jnp.asarray(x) for x in items])
    out = [_int_value(f"{name}[{i}]", x) for i, x in enumerate(items)]
    return np.asarray(out, dtype=np.int64).reshape(-1)


def _int_value(name: str, x: Any, lo: int = 1) -> int:
    x = v.integer(name, x, ge=lo)
    if v.is_traced(x):
        return x
    x = int(x)
    if x > MAX_EXACT_INTEGER:
        raise ValueError(
            f"`{name}` must be <= 2**24 = {MAX_EXACT_INTEGER} (float32 holds every integer up to "
            f"it), got {x}"
        )
    return x


def _concrete_int(name: str, x: Any, lo: int, why: str) -> int:
    if v.is_traced(x):
        raise TypeError(f"`{name}` must be concrete (not traced): {why}")
    return _int_value(name, x, lo) if lo >= 1 else int(v.integer(name, x, ge=lo))


# ---------------------------------------------------------------------------------- constructors
@register("piecewise_integer")
def piecewise_integer(boundaries: StepsList, values: StepsList) -> PiecewiseInteger:
    r"""A piecewise-constant integer schedule: a batch size or a sequence length per step range.

    .. math:: f(t) = b_i \quad\text{for } K_i \le t < K_{i+1}, \qquad K_0 = 0,\ K_{m+1} = \infty

    The value changes *at* its boundary step. The result also maps steps to the data consumed
    (:meth:`PiecewiseInteger.samples_at`, :meth:`PiecewiseInteger.step_at`), exactly.

    Args:
      boundaries: ``m`` non-decreasing step counts ``K_1..K_m`` (``>= 0``; traceable as an
        integer array). Equal boundaries give empty pieces (the last of them wins).
      values: ``m + 1`` integers ``b_0..b_m`` in ``[1, 2**24]`` (samples per update, or tokens
        per sample; traceable as an integer array).

    Returns:
      A :class:`PiecewiseInteger` schedule (values in the float dtype, exact integers).

    Raises:
      ValueError: unsorted or negative boundaries, a value below 1, above ``2**24`` or not an
        integer, or ``len(values) != len(boundaries) + 1``.
      TypeError: a non-numeric entry.

    Example:
      >>> import jaxsched, numpy as np
      >>> b = jaxsched.piecewise_integer([1000, 5000], [32, 64, 128])
      >>> [int(x) for x in b.evaluate(np.array([0, 999, 1000, 5000, 10**6]), np)]
      [32, 32, 64, 128, 128]
      >>> int(b.samples_at(5000, np))  # 1000 * 32 + 4000 * 64
      288000

    Equivalents:
      Levanter: ``BatchSchedule([ScheduleStep(start=0, value=32), ScheduleStep(start=1000,
      value=64), ...])`` (``batch_size_at_step``; ``global_data_offset_by_step`` is
      ``samples_at``); config ``levanter.batch_schedule``. DeepSpeed curriculum
      ``fixed_discrete``: ``deepspeed.curriculum_seqlen``.
    """
    b = v.sorted_steps("boundaries", boundaries)
    vals = _int_values("values", values)
    n = int(np.shape(b)[0])
    if int(np.shape(vals)[0]) != n + 1:
        raise ValueError(
            f"`values` must have len(boundaries) + 1 = {n + 1} entries (one before the first "
            f"boundary, one after each), got {int(np.shape(vals)[0])}"
        )
    if isinstance(b, np.ndarray) and b.dtype.kind == "f":
        if not np.all(np.floor(b) == b):
            raise ValueError(f"`boundaries` must be whole step counts, got {b.tolist()}")
        b = b.astype(np.int64)
    return PiecewiseInteger(b, vals)


def _ramp_table(start: int, end: int, steps: int, multiple: int, shape: str) -> tuple[list, list]:
    """Boundaries and values of a ramp from ``start`` to ``end`` rounded down to ``multiple``."""
    if steps == 0 or end == start:
        return [], [end]
    levels = range(start + multiple, end + 1, multiple)
    firsts = []
    for level in levels:
        if shape == "linear":  # first t with start + (end - start) t / T >= level, exactly
            t = -(-(level - start) * steps // (end - start))
        else:  # first t with start (end / start)^(t / T) >= level (ties within 1e-9 steps)
            x = steps * math.log(level / start) / math.log(end / start)
            t = round(x) if abs(x - round(x)) < 1e-9 else math.ceil(x)
        firsts.append(min(t, steps))
    bounds, vals = [], [start]
    for t, level in zip(firsts, levels):
        if bounds and bounds[-1] == t:
            vals[-1] = level  # several levels reached at one step: the highest holds
        else:
            bounds.append(t)
            vals.append(level)
    return bounds, vals


@register("batch_size_ramp")
def batch_size_ramp(
    start: int,
    end: int,
    ramp_steps: Steps,
    *,
    multiple: int = 1,
    shape: str = "linear",
) -> PiecewiseInteger:
    r"""A batch size that grows from ``start`` to ``end`` over ``ramp_steps``, in multiples.

    The continuous ramp :math:`r(t)` is rounded down to a multiple of ``m``:

    .. math::
      r(t) = \begin{cases} s + (e - s)\, t / T & \text{linear} \\
                           s\, (e / s)^{t / T} & \text{exponential} \end{cases},
      \qquad f(t) = m \left\lfloor \frac{r(\min(t, T))}{m} \right\rfloor

    so ``f(0) = s``, ``f(t) = e`` from ``t = T`` on, and each level ``s + j m`` starts on the
    first step at which the ramp reaches it (exactly, in integers, for the linear shape; within
    1e-9 of a step for the exponential one).

    Args:
      start: ``s``, the first batch size (an integer multiple of ``multiple``, ``>= 1``).
      end: ``e >= s``, the final batch size (a multiple of ``multiple``, ``<= 2**24``).
      ramp_steps: ``T >= 0`` optimizer updates to reach ``e`` (``0``: ``e`` from the start).
      multiple: ``m >= 1``; every value is a multiple of it (micro-batch x data-parallel size).
      shape: ``"linear"`` or ``"exponential"`` (geometric: doubling in equal step counts).

    The arguments are concrete (they set the number of pieces of the table, a shape); the
    result's table (boundaries and values) is traceable through :func:`piecewise_integer`.

    Returns:
      A :class:`PiecewiseInteger` schedule.

    Raises:
      ValueError: ``start``/``end`` not multiples of ``multiple``, ``end < start``, values out of
        range; TypeError: a traced argument or a non-integer.

    Example:
      >>> import jaxsched, numpy as np
      >>> b = jaxsched.batch_size_ramp(64, 256, 6, multiple=64)
      >>> [int(x) for x in b.evaluate(np.arange(8), np)]
      [64, 64, 128, 128, 192, 192, 256, 256]

    Equivalents:
      HF transformers (#31222) and nanoGPT (#160) ask for a batch-size warmup; Megatron-LM's
      ramp in samples is :func:`rampup_batch_size`; DeepSpeed's ``BatchSizeScheduler``
      (data-efficiency) ramps linearly in intervals.
    """
    why = "a ramp is compiled to a table of steps at construction (trace piecewise_integer's table)"
    m = _concrete_int("multiple", multiple, 1, why)
    s = _concrete_int("start", start, 1, why)
    e = _concrete_int("end", end, 1, why)
    t = _concrete_int("ramp_steps", ramp_steps, 0, why)
    kind = v.choice("shape", shape, _RAMP_SHAPES)
    for name, x in (("start", s), ("end", e)):
        if x % m:
            raise ValueError(f"`{name}` must be a multiple of `multiple` ({m}), got {x}")
    if e < s:
        raise ValueError(f"`end` must be >= `start` ({s}), got {e}")
    bounds, vals = _ramp_table(s, e, t, m, kind)
    return piecewise_integer(bounds, vals)


def _megatron_stage(consumed: int, start: int, inc: int, samples: int, target: int,
                    per_increment: float) -> int:
    """Megatron-LM's global batch size after ``consumed`` samples (its float arithmetic)."""
    if consumed > samples or per_increment == 0.0:
        return target
    return start + int(consumed / per_increment) * inc


def _megatron_table(start: int, inc: int, samples: int, target: int, unit: int,
                    round_down: bool) -> tuple[list, list]:
    """Replay Megatron's recursion (batch of update k from the samples consumed before it),
    one stage at a time: boundaries and running batch sizes."""
    n = (target - start) // inc
    if n == 0:
        return [], [target]
    per_increment = samples / n

    def running(consumed: int) -> int:
        g = _megatron_stage(consumed, start, inc, samples, target, per_increment)
        if g % unit:
            if not round_down:
                raise ValueError(
                    f"the global batch size {g} (reached after {consumed} samples) is not a "
                    f"multiple of micro_batch_size x data_parallel_size = {unit}; choose "
                    "`start`/`increment` as multiples of it, or set round_down=True "
                    "(Megatron's decrease_batch_size_if_needed)")
            g = (g // unit) * unit
            if g == 0:
                raise ValueError(
                    f"the global batch size rounds down to 0 (below {unit}) after {consumed} samples")
        return g

    bounds: list[int] = []
    vals = [running(0)]
    step, consumed = 0, 0
    while True:
        b = vals[-1]
        g = _megatron_stage(consumed, start, inc, samples, target, per_increment)
        if g == target:
            break
        # the next stage starts at the first multiple of b past consumed where the stage changes
        threshold = min(math.ceil((int(consumed / per_increment) + 1) * per_increment), samples + 1)
        j = max(1, -(-(threshold - consumed) // b))
        while j > 1 and _megatron_stage(consumed + (j - 1) * b, start, inc, samples, target,
                                        per_increment) != g:
            j -= 1
        while _megatron_stage(consumed + j * b, start, inc, samples, target, per_increment) == g:
            j += 1
        step += j
        consumed += j * b
        nb = running(consumed)
        if nb == b:
            vals[-1] = nb
            continue
        bounds.append(step)
        vals.append(nb)
    return bounds, vals


@register("rampup_batch_size")
def rampup_batch_size(
    start_batch_size: int,
    batch_size_increment: int,
    rampup_samples: int,
    global_batch_size: int,
    *,
    batch_multiple: int = 1,
    round_down: bool = False,
) -> PiecewiseInteger:
    r"""Megatron-LM's batch-size ramp in samples: ``+increment`` every ``R / n`` samples consumed.

    With ``n = (G - s) / i`` increments and ``q = R / n`` samples per increment, the global
    batch size after ``c`` samples is

    .. math:: g(c) = \begin{cases} G, & c > R \\ s + i \lfloor c / q \rfloor, & c \le R \end{cases}

    and update ``k`` uses ``B_k = g(C_k)`` with ``C_k = \sum_{j<k} B_j``: the ramp is driven by
    the samples consumed, so the step at which each stage starts depends on the batch sizes
    before it (a stage is skipped when one batch crosses two thresholds). The recursion is
    replayed at construction, one stage at a time (with Megatron's float arithmetic for
    ``c / q``), into a :class:`PiecewiseInteger` table.

    Args:
      start_batch_size: ``s >= 1``, the first global batch size.
      batch_size_increment: ``i >= 1``; ``G - s`` must be a multiple of it.
      rampup_samples: ``R >= 0`` samples over which the batch grows (``0``: ``G`` from the start;
        Megatron divides by zero).
      global_batch_size: ``G >= s``, the batch size after the ramp (``<= 2**24``).
      batch_multiple: micro-batch size x data-parallel size; every batch size used must be a
        multiple of it (Megatron's consistency check), unless ``round_down``.
      round_down: round each batch size down to a multiple of ``batch_multiple`` (Megatron's
        ``decrease_batch_size_if_needed``); the samples consumed count the rounded size, as in
        Megatron's training loop.

    Every argument is concrete (the recursion runs on the host).

    Returns:
      A :class:`PiecewiseInteger` schedule of the global batch size per update.

    Raises:
      ValueError: an argument out of range, ``G - s`` not a multiple of ``i``, or a batch size
        that is not a multiple of ``batch_multiple`` without ``round_down``.
      TypeError: a traced argument or a non-integer.

    Example:
      >>> import jaxsched, numpy as np
      >>> b = jaxsched.rampup_batch_size(16, 16, 96, 64)  # 3 increments, one per 32 samples
      >>> [int(x) for x in b.evaluate(np.arange(7), np)]
      [16, 16, 32, 48, 64, 64, 64]

    Equivalents:
      Megatron-LM ``--rampup-batch-size s i R --global-batch-size G``
      (``RampupBatchsizeNumMicroBatchesCalculator``); NeMo ``model.rampup_batch_size=[s, i, R]``.
      Config: ``megatron.rampup_batch_size``.
    """
    why = "Megatron's ramp is a recursion over the samples consumed, replayed at construction"
    s = _concrete_int("start_batch_size", start_batch_size, 1, why)
    i = _concrete_int("batch_size_increment", batch_size_increment, 1, why)
    r = _concrete_int("rampup_samples", rampup_samples, 0, why)
    g = _concrete_int("global_batch_size", global_batch_size, 1, why)
    unit = _concrete_int("batch_multiple", batch_multiple, 1, why)
    down = v.boolean("round_down", round_down)
    if g < s:
        raise ValueError(f"`global_batch_size` must be >= `start_batch_size` ({s}), got {g}")
    if (g - s) % i:
        raise ValueError(
            f"`global_batch_size` - `start_batch_size` = {g - s} must be a multiple of "
            f"`batch_size_increment`, got {i}")
    bounds, vals = _megatron_table(s, i, r, g, unit, down)
    return piecewise_integer(bounds, vals)
