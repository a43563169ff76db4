"""The eager fast path of ``schedule(count)``: one compiled evaluator per schedule structure.

Outside a trace (a concrete count and concrete hyperparameters), ``schedule(count)`` would run
the formula op by op, each ``jax.numpy`` call a separate dispatch: about a millisecond for a
warmup+cosine, which a training loop that logs its learning rate pays every step. Instead the
schedule's leaves are converted to device arrays once (cached on the schedule object, per
precision mode) and passed, with the count, to a function compiled once per pytree structure
(the static options and the kinds of leaves). A new value of a hyperparameter therefore never
recompiles, and a call is one dispatch of a compiled program.

Inside a trace (``jit``, ``vmap``, ``grad``) ``schedule(count)`` is inlined as before. Anything
the fast path cannot take unchanged (a user function inside the schedule, a count that is not
a number or array, a value outside the int32 range without x64) falls back to the op-by-op
path, which gives the same values and raises the same errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["call"]

_CACHE = "_jaxsched_eager"
_INT32 = np.iinfo(np.int32)
_SCALARS = (int, float, np.integer, np.floating)


def _device_leaf(x: Any, x64: bool) -> Any:
    """``x`` as a device array of the dtype the op-by-op path would give it, or None."""
    import jax.numpy as jnp

    if isinstance(x, bool) or isinstance(x, np.bool_):
        return None
    if isinstance(x, (int, np.integer)) or (isinstance(x, np.ndarray) and x.dtype.kind in "iu"):
        arr = np.asarray(x)
        if not x64 and arr.size and (arr.min() < _INT32.min or arr.max() > _INT32.max):
            return None
        return jnp.asarray(arr, jnp.int64 if x64 else jnp.int32)
    if isinstance(x, (float, np.floating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        return jnp.asarray(np.asarray(x, np.float64), jnp.float64 if x64 else jnp.float32)
    import jax

    if isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer):
        return x
    return None


#: Calls of one structure served op by op before it is compiled: a one-off call (a plot, a
#: test) never pays for a compilation; a loop that calls again and again does, once.
WARM_CALLS = 2
_CALLS: dict[Any, int] = {}


def _prepared(schedule: Any, x64: bool) -> tuple | None:
    """(compiled evaluator, device leaves) of ``schedule`` for this precision mode, or None.

    None while the structure is not yet warm, or for good when the fast path cannot take this
    schedule. Cached on the schedule object once built.
    """
    cache = schedule.__dict__.get(_CACHE)
    if cache is None:
        cache = {}
        object.__setattr__(schedule, _CACHE, cache)
    if x64 in cache:
        return cache[x64]
    import jax

    leaves, treedef = jax.tree_util.tree_flatten(schedule)
    key = (treedef, x64)
    calls = _CALLS.get(key, 0)
    if calls < WARM_CALLS:
        _CALLS[key] = calls + 1
        return None
    out: tuple | None = None
    if not _holds_function(schedule):
        converted = [_device_leaf(x, x64) for x in leaves]
        if all(c is not None for c in converted):
            out = (_evaluator(treedef), tuple(converted))
    cache[x64] = out
    return out


def _holds_function(schedule: Any) -> bool:
    from jaxsched.core.schedule import Schedule

    if schedule._function_fields:
        return True
    for name in schedule._child_fields:
        child = getattr(schedule, name)
        kids = child if isinstance(child, tuple) else (child,)
        if any(isinstance(k, Schedule) and _holds_function(k) for k in kids):
            return True
    return False


_BY_STRUCTURE: dict[Any, Any] = {}  # treedef -> jitted evaluator of (leaves, count)


def _evaluator(treedef: Any) -> Any:
    fn = _BY_STRUCTURE.get(treedef)
    if fn is None:
        import jax
        import jax.numpy as jnp

        def run(leaves: tuple, count: Any) -> Any:
            return jax.tree_util.tree_unflatten(treedef, leaves).evaluate(count, jnp)

        fn = _BY_STRUCTURE[treedef] = jax.jit(run)
    return fn


def _concrete_count(count: Any) -> bool:
    if isinstance(count, bool):
        return False
    if isinstance(count, _SCALARS):
        if isinstance(count, (int, np.integer)):
            return _INT32.min <= int(count) <= _INT32.max
        return bool(np.isfinite(count))
    if isinstance(count, np.ndarray):
        return count.dtype.kind in "iuf"
    import jax

    return isinstance(count, jax.Array) and not isinstance(count, jax.core.Tracer)


def call(schedule: Any, count: Any) -> Any:
    """``schedule(count)`` through the compiled evaluator, or None when it does not apply."""
    if not _concrete_count(count):
        return None
    import jax

    x64 = bool(jax.config.jax_enable_x64)
    prepared = _prepared(schedule, x64)
    if prepared is None:
        return None
    fn, leaves = prepared
    if isinstance(count, np.ndarray) and count.dtype.kind in "iu" and not x64 and count.size and (
            count.min() < _INT32.min or count.max() > _INT32.max):
        return None
    return fn(leaves, count)
