"""The composition algebra: products, sums, scaling, bounds and offsets of schedules.

Each result is again a :class:`~jaxsched.Schedule`: jit-able and traceable (every numeric leaf,
the children's included, is a pytree leaf), evaluable with any array namespace, and
serialisable with ``to_config``. Sequences with local time are :func:`jaxsched.join_schedules`;
a warmup in front of any schedule and periodic restarts live in their own modules.

Single-child compositions (:func:`scale`, :func:`clip`, :func:`floor`, :func:`offset`) live in
:mod:`jaxsched.compose.transforms` and are re-exported here.

The operators of :class:`~jaxsched.Schedule` build the same objects: ``s1 * s2`` is
``product([s1, s2])``, ``s * 0.5`` and ``0.5 * s`` are ``scale(s, 0.5)``, ``s1 + s2`` is
``add([s1, s2])`` and ``s + 0.1`` is ``add([s, constant_schedule(0.1)])``. Numbers may be
Python numbers, NumPy/JAX arrays or tracers, on either side. ``sum(schedules)`` works too
(``0 + s`` is ``s``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence as SequenceABC
from typing import Any

from jaxsched.compose.transforms import (
    Clip,
    Offset,
    Scale,
    _child,
    _is_number,
    clip,
    floor,
    offset,
    scale,
)
from jaxsched.core import arrays as _xp
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, child_field, schedule_class
from jaxsched.core.types import ScheduleFn
from jaxsched.schedules.polynomial import constant_schedule

__all__ = [
    "Product",
    "Sum",
    "Minimum",
    "Maximum",
    "Scale",
    "Clip",
    "Offset",
    "product",
    "add",
    "minimum",
    "maximum",
    "scale",
    "clip",
    "floor",
    "offset",
]


# ---------------------------------------------------------------------------------- classes
def _fold(c: _xp.Count, schedules: tuple, combine: Callable[[Any, Any], Any]) -> Any:
    """The children's values at ``c`` combined left to right: ``combine(combine(s0, s1), s2)``."""
    out = schedules[0]._eval(c)
    for child in schedules[1:]:
        out = combine(out, child._eval(c))
    return out


@schedule_class("product")
class Product(Schedule):
    """``f(t) = prod_i s_i(t)``. Built by :func:`product` (or ``s1 * s2``)."""

    schedules: tuple = child_field()

    def _eval(self, c: _xp.Count) -> Any:
        return _fold(c, self.schedules, lambda a, b: a * b)


@schedule_class("add")
class Sum(Schedule):
    """``f(t) = sum_i s_i(t)``. Built by :func:`add` (or ``s1 + s2``)."""

    schedules: tuple = child_field()

    def _eval(self, c: _xp.Count) -> Any:
        return _fold(c, self.schedules, lambda a, b: a + b)


@schedule_class("minimum")
class Minimum(Schedule):
    """``f(t) = min_i s_i(t)``. Built by :func:`minimum`."""

    schedules: tuple = child_field()

    def _eval(self, c: _xp.Count) -> Any:
        return _fold(c, self.schedules, c.xp.minimum)


@schedule_class("maximum")
class Maximum(Schedule):
    """``f(t) = max_i s_i(t)``. Built by :func:`maximum`."""

    schedules: tuple = child_field()

    def _eval(self, c: _xp.Count) -> Any:
        return _fold(c, self.schedules, c.xp.maximum)


# ---------------------------------------------------------------------------------- helpers
def _children(name: str, schedules: Any, kind: type) -> list[Schedule]:
    """Check a list of >= 2 children; wrap plain callables; inline children of type ``kind``."""
    if isinstance(schedules, (str, bytes, Schedule)) or not isinstance(schedules, SequenceABC):
        raise TypeError(
            f"`{name}` must be a list of schedules, got {schedules!r} of type "
            f"{type(schedules).__name__}"
        )
    if len(schedules) < 2:
        raise ValueError(
            f"`{name}` must contain at least 2 schedules, got {len(schedules)}"
            " (a single schedule needs no composition)"
        )
    out: list[Schedule] = []
    for i, s in enumerate(schedules):
        child = _child(f"{name}[{i}]", s)
        out.extend(child.schedules if isinstance(child, kind) else [child])
    return out


def _binary(op: str, s: Schedule, other: Any, reflected: bool) -> Any:
    """``s <op> other`` (or ``other <op> s`` when ``reflected``) for the Schedule operators."""
    if isinstance(other, Schedule) or (callable(other) and not _is_number(other)):
        pair = [other, s] if reflected else [s, other]
        return product(pair) if op == "mul" else add(pair)
    if not _is_number(other):
        return NotImplemented
    if op == "mul":
        return scale(s, other)
    if reflected and type(other) is int and other == 0:  # sum([s1, s2]) starts from 0
        return s
    const = constant_schedule(other)
    return add([const, s] if reflected else [s, const])


# ---------------------------------------------------------------------------------- constructors
@register("product")
def product(schedules: SequenceABC[ScheduleFn]) -> Product:
    r"""The elementwise product of two or more schedules.

    .. math:: f(t) = \prod_{i} s_i(t)

    Nested products are inlined (``product([product([a, b]), c])`` holds ``(a, b, c)``), which
    keeps the graph flat. ``s1 * s2`` builds the same schedule.

    Args:
      schedules: at least 2 jaxsched schedules (or callables ``count -> value`` written with
        ``jax.numpy``; the result then evaluates with ``jax.numpy`` only and cannot be
        serialised). Every child sees the same global count.

    Returns:
      A :class:`Product` schedule.

    Raises:
      TypeError: ``schedules`` is not a list, or a child is a number or not callable.
      ValueError: fewer than 2 schedules.

    Example:
      >>> import jaxsched, numpy as np
      >>> # torch ChainedScheduler([ConstantLR(0.1, total_iters=2), ExponentialLR(0.9)]), lr=1
      >>> s = jaxsched.product([jaxsched.piecewise_constant(0.1, [2], [10.0]),
      ...                       jaxsched.exponential_decay(1.0, 1, 0.9)])
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(5), np)]
      [0.1, 0.09, 0.81, 0.729, 0.6561]

    Equivalents:
      torch: ``ChainedScheduler([A, B, ...])`` of chainable schedulers on a base lr ``b`` gives
      ``b * prod_i g_i(t)`` where ``g_i = A(t)/b`` is each child's factor: build each factor with
      initial value 1 and ``scale(product([...]), b)`` (closed form: no compounding with outside
      lr edits, no float32 drift). Cerebras: ``ChainedLR([f_0, f_1, ...])`` is
      ``f_0 * prod_{i>=1} f_i / I_i`` (later children normalised by their initial value ``I_i``):
      ``product([f_0, scale(f_1, 1 / I_1), ...])``. optax: no composite; write the product
      yourself (``lambda t: s1(t) * s2(t)``, which is neither a pytree nor serialisable).
    """
    return Product(tuple(_children("schedules", schedules, Product)))


@register("add")
def add(schedules: SequenceABC[ScheduleFn]) -> Sum:
    r"""The elementwise sum of two or more schedules.

    .. math:: f(t) = \sum_{i} s_i(t)

    Nested sums are inlined. ``s1 + s2`` builds the same schedule, and ``s + 0.1`` adds a
    :func:`~jaxsched.constant_schedule`. Named ``add`` so that a star import does not shadow the
    builtin ``sum`` (which works on schedules too: ``sum([s1, s2])``).

    Args:
      schedules: at least 2 jaxsched schedules (or ``jax.numpy`` callables, as in
        :func:`product`). Every child sees the same global count.

    Returns:
      A :class:`Sum` schedule.

    Raises:
      TypeError: ``schedules`` is not a list, or a child is a number or not callable.
      ValueError: fewer than 2 schedules.

    Example:
      >>> import jaxsched, numpy as np
      >>> # a cosine that decays to a floor of 0.1 added on top
      >>> s = jaxsched.add([jaxsched.cosine_decay(0.9, 4), jaxsched.constant_schedule(0.1)])
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [1.0, 0.868198, 0.55, 0.231802, 0.1, 0.1]

    Equivalents:
      optax, torch, Cerebras: none (write the sum yourself). A constant floor added to a decay
      is what ``eta_min``/``end_value``/``alpha`` do inside most peers' schedules.
    """
    return Sum(tuple(_children("schedules", schedules, Sum)))


@register("minimum")
def minimum(schedules: SequenceABC[ScheduleFn]) -> Minimum:
    r"""The elementwise minimum of two or more schedules: an upper bound that is a schedule.

    .. math:: f(t) = \min_{i} s_i(t)

    Nested minima are inlined. With a constant child this is ``clip(s, max_value=M)``; with
    schedules on both sides it caps one plan by another, e.g. the Levanter/Power-scheduler form
    ``min(lr, a * t**b)`` or a learning rate that may never exceed a decaying ceiling.

    Args:
      schedules: at least 2 jaxsched schedules (or ``jax.numpy`` callables, as in
        :func:`product`). Every child sees the same global count.

    Returns:
      A :class:`Minimum` schedule.

    Raises:
      TypeError: ``schedules`` is not a list, or a child is a number or not callable.
      ValueError: fewer than 2 schedules.

    Example:
      >>> import jaxsched, numpy as np
      >>> # a linear warmup capped by a cosine ceiling
      >>> s = jaxsched.minimum([jaxsched.linear_schedule(0.0, 2.0, 4),
      ...                       jaxsched.cosine_decay(1.0, 8)])
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(0, 10, 2), np)]
      [0.0, 0.853553, 0.5, 0.146447, 0.0]

    Equivalents:
      optax, torch, Cerebras: none (write ``lambda t: jnp.minimum(a(t), b(t))``, which is
      neither a pytree nor serialisable). PyTorch ``ReduceLROnPlateau(min_lr=...)`` and timm's
      ``lr_min`` are constant bounds (see :func:`clip`).
    """
    return Minimum(tuple(_children("schedules", schedules, Minimum)))


@register("maximum")
def maximum(schedules: SequenceABC[ScheduleFn]) -> Maximum:
    r"""The elementwise maximum of two or more schedules: a lower bound that is a schedule.

    .. math:: f(t) = \max_{i} s_i(t)

    Nested maxima are inlined. With a constant child this is :func:`floor`; with schedules on
    both sides it keeps a plan above a moving floor (a floor that itself decays, or the larger
    of two decays).

    Args:
      schedules: at least 2 jaxsched schedules (or ``jax.numpy`` callables, as in
        :func:`product`). Every child sees the same global count.

    Returns:
      A :class:`Maximum` schedule.

    Raises:
      TypeError: ``schedules`` is not a list, or a child is a number or not callable.
      ValueError: fewer than 2 schedules.

    Example:
      >>> import jaxsched, numpy as np
      >>> # an exponential decay kept above a linearly decaying floor
      >>> s = jaxsched.maximum([jaxsched.exponential_decay(1.0, 1, 0.5),
      ...                       jaxsched.linear_schedule(0.4, 0.0, 8)])
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(0, 10, 2), np)]
      [1.0, 0.3, 0.2, 0.1, 0.003906]

    Equivalents:
      optax, torch, Cerebras: none; a constant floor is ``eta_min``/``min_lr``/``end_value``
      (see :func:`floor`).
    """
    return Maximum(tuple(_children("schedules", schedules, Maximum)))
