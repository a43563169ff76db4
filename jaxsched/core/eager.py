"""The eager fast path of ``schedule(count)``: a compiled evaluator per schedule.

Outside a trace (a concrete count and concrete hyperparameters), ``schedule(count)`` would run
the formula op by op, each ``jax.numpy`` call a separate dispatch: about a millisecond for a
warmup+cosine, which a training loop that logs its learning rate pays every step. Instead,
from the third call of a schedule on, the call runs ``jax.jit(schedule)``: the schedule's own
program, compiled once, with its hyperparameters as constants, as it is inlined in a user's
jitted train step that closes over the schedule. An eager value is then bit-identical to the
value such a step uses (a step that takes the schedule as an argument traces its leaves and
may differ by an ulp), and a call is one dispatch of a compiled program. (Equal schedules share the
compilation; a schedule with new hyperparameter values compiles once, on its third call. A
sweep that changes hyperparameters every call should pass the schedule as an argument of a
jitted function instead, where its leaves are traced.)

Inside a trace (``jit``, ``vmap``, ``grad``) ``schedule(count)`` is inlined as before. Anything
the compiled program cannot take (a user function that is not traceable, a count that is not a
number or array, an integer beyond int32 without x64) falls back to the op-by-op path, which
gives the same values and raises the same errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["call", "WARM_CALLS"]

#: Eager calls of one schedule served op by op before it is compiled: a one-off call (a plot,
#: a test) never pays for a compilation; a loop that calls again and again does, once.
WARM_CALLS = 2

_CACHE = "_jaxsched_eager"
_INT32 = np.iinfo(np.int32)
_I32_MIN, _I32_MAX = int(_INT32.min), int(_INT32.max)
_NUMBERS = (int, float, np.integer, np.floating)


def _concrete_count(count: Any, x64: bool) -> bool:
    if isinstance(count, (bool, np.bool_)):
        return False
    if isinstance(count, _NUMBERS):
        if isinstance(count, (int, np.integer)):
            return x64 or _INT32.min <= int(count) <= _INT32.max
        return bool(np.isfinite(count))
    if isinstance(count, np.ndarray):
        if count.dtype.kind == "f":
            return True
        if count.dtype.kind not in "iu":
            return False
        return x64 or not count.size or (_INT32.min <= count.min() and count.max() <= _INT32.max)
    import jax

    return isinstance(count, jax.Array) and not isinstance(count, jax.core.Tracer)


def _concrete_leaves(schedule: Any) -> bool:
    import jax

    return not any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(schedule))


_jax: Any = None  # the jax module, imported on the first call (``import jaxsched`` stays light)


def call(schedule: Any, count: Any) -> Any:
    """``schedule(count)`` through its compiled program, or None when that does not apply."""
    global _jax
    if _jax is None:
        import jax

        from jaxsched.core import after_jax

        after_jax.flush()  # the pytree registrations, if JAX's import bypassed their hook
        _jax = jax
    x64 = bool(_jax.config.jax_enable_x64)
    cache = schedule.__dict__.get(_CACHE)
    if (cache is not None and type(count) is int and (x64 or _I32_MIN <= count <= _I32_MAX)
            and cache["calls"] >= WARM_CALLS):
        fn = cache.get(x64)  # the steady state of a logging loop: a Python int count
        if fn:
            try:
                return fn(count)
            except Exception:  # as below: the op-by-op path decides, with its own error
                cache[x64] = False
                return None
    if not _concrete_count(count, x64):
        return None
    if cache is None:
        cache = {"calls": 0}
        object.__setattr__(schedule, _CACHE, cache)
    if cache["calls"] < WARM_CALLS:
        cache["calls"] += 1
        return None
    fn = cache.get(x64)
    if fn is None:
        if x64 in cache or not _concrete_leaves(schedule):
            cache[x64] = False  # never: traced hyperparameters
            return None
        fn = cache[x64] = _jax.jit(schedule)
    elif fn is False:
        return None
    try:
        return fn(count)
    except Exception:  # not traceable (a user function), or a bad count: the op-by-op path
        cache[x64] = False  # decides, with its own error
        return None
