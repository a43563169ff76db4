"""``jax.numpy`` as the formulas use it, with a ``where`` that adds no nested ``jit`` to a trace.

In JAX 0.10 ``jax.numpy.where(c, x, y)`` is a jitted function: each call inside a trace
becomes a nested ``jit`` equation (``_where``) that is traced on its own (cached by its
arguments' types), lowered as a separate function and inlined again by XLA. A restart
schedule's formula makes ~100 such calls. :func:`where` here is the same operation written
inline (the same dtype promotion, weak types included, the same broadcasting and the same
``lax.select``), so a formula traced in a user's ``jit`` has a flat jaxpr: the values and
gradients are those of ``jax.numpy.where``; tracing and lowering are cheaper.

Every other name is ``jax.numpy``'s own: :data:`namespace` forwards attribute look-ups to it
and keeps ``__name__ == "jax.numpy"`` (so :func:`jaxsched.core.arrays.is_jax_namespace` holds).
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["namespace", "where"]

_jnp: Any = None
_lax: Any = None
_promote: Any = None


def _load() -> None:
    global _jnp, _lax, _promote
    import jax.numpy as jnp
    from jax import lax

    try:  # the promotion jax.numpy.where applies (weak types kept); private, so guarded
        from jax._src.numpy.util import promote_dtypes
    except ImportError:  # pragma: no cover - a JAX without it: its own where
        promote_dtypes = None
    _jnp, _lax, _promote = jnp, lax, promote_dtypes


def where(condition: Any, x: Any = None, y: Any = None, /) -> Any:
    """``jax.numpy.where(condition, x, y)`` inline (no nested ``jit``); one argument or a JAX
    without the private promotion helper: ``jax.numpy.where`` itself."""
    if _jnp is None:
        _load()
    if x is None or y is None or _promote is None:
        return _jnp.where(condition, x, y)
    condition = _jnp.asarray(condition)
    if condition.dtype != bool:
        condition = _lax.ne(condition, _jnp.zeros_like(condition))
    x, y = _promote(x, y)
    shape = _lax.broadcast_shapes(condition.shape, x.shape, y.shape)
    if x.shape != shape:
        x = _jnp.broadcast_to(x, shape)
    if y.shape != shape:
        y = _jnp.broadcast_to(y, shape)
    if condition.shape not in ((), shape):
        condition = _jnp.broadcast_to(condition, shape)
    return _lax.select(condition, x, y)


class _Namespace(types.ModuleType):
    """``jax.numpy`` with :func:`where` replaced; every other attribute is ``jax.numpy``'s."""

    where = staticmethod(where)

    def __getattr__(self, name: str) -> Any:
        if _jnp is None:
            _load()
        value = getattr(_jnp, name)
        setattr(self, name, value)  # looked up once
        return value


#: The namespace the formulas receive for ``jax.numpy``.
namespace = _Namespace("jax.numpy")
