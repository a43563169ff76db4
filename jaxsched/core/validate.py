"""Construction-time validation with one message contract.

Every public constructor checks its concrete hyperparameters with these helpers. A bad value
raises ``ValueError`` and a bad type ``TypeError``; the message names the parameter, says what
was required and shows what was received, e.g. ``"`decay_steps` must be > 0, got -3"``, with a
hint where the fix is not obvious. Traced values (inside ``jax.jit``, ``jax.vmap``, ``jax.grad``)
cannot be inspected and are passed through unchecked.

Concrete scalars are normalised to Python ``int``/``float`` (so schedules hash, compare and
serialise cleanly); concrete arrays are checked elementwise and kept as arrays.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from jaxsched.core import after_jax

__all__ = [
    "describe",
    "is_traced",
    "has_traced_leaf",
    "real",
    "steps",
    "integer",
    "choice",
    "boolean",
    "sorted_steps",
    "sequence",
    "callable_",
    "renamed",
]


#: The exact types of plain Python numbers, which take the fast path of every check: no NumPy
#: array, no JAX import (bool is a subclass of int, not one of these types, so it never does).
_PLAIN = (int, float)

#: ``jax.core.Tracer``, looked up once JAX is imported (``None`` until then). The checks never
#: import JAX: without it no value can be a tracer (``import jaxsched`` and the torch bridge run
#: without JAX, :mod:`jaxsched.core.after_jax`).
_tracer_type: Any = None


def is_traced(x: Any) -> bool:
    """True for a JAX tracer (a value inside ``jit``/``vmap``/``grad`` that cannot be checked)."""
    global _tracer_type
    if type(x) in _PLAIN:
        return False
    if _tracer_type is None:
        jax = after_jax.imported()
        if jax is None:
            return False
        _tracer_type = jax.core.Tracer
    return isinstance(x, _tracer_type)


def has_traced_leaf(tree: Any) -> bool:
    """True when a leaf of ``tree`` (a schedule, a list of them) is a JAX tracer."""
    jax = after_jax.imported()
    return jax is not None and any(is_traced(x) for x in jax.tree_util.tree_leaves(tree))


def _plain_range(name: str, x: int | float, ge: Any, gt: Any, le: Any, lt: Any, hint: str) -> None:
    """:func:`_check_range` for a Python ``int`` or ``float``, with the same messages.

    ``math.isfinite`` raises the same ``OverflowError`` as NumPy's float64 conversion for an
    integer too large for a float; the bounds compare exactly.
    """
    if type(x) is int and not -(2**63) <= x < 2**63:
        raise ValueError(
            f"`{name}` must fit in a 64-bit integer (|x| < 2**63), got {describe(x)}; write "
            f"a float (1e19) for a real number this large{hint}"
        )
    if not math.isfinite(x):
        raise ValueError(f"`{name}` must be finite, got {float(x)!r}{hint}")
    if ge is not None and not x >= ge:
        raise ValueError(f"`{name}` must be >= {ge!r}, got {x!r}{hint}")
    if gt is not None and not x > gt:
        raise ValueError(f"`{name}` must be > {gt!r}, got {x!r}{hint}")
    if le is not None and not x <= le:
        raise ValueError(f"`{name}` must be <= {le!r}, got {x!r}{hint}")
    if lt is not None and not x < lt:
        raise ValueError(f"`{name}` must be < {lt!r}, got {x!r}{hint}")


#: The longest value shown in a message; a longer repr is cut in the middle.
MAX_SHOWN = 100


def describe(x: Any, limit: int = MAX_SHOWN) -> str:
    """``repr(x)`` for a message: arrays by their first element, at most ``limit`` characters.

    A long repr (a 50 MB string given as a number) is shortened to its start and end with the
    length between, so that a message stays one short line.

    Example:
      >>> describe("abc" * 10**6)[-40:]
      "cabcabcabc...bcabc' (3000000 characters)"
    """
    if isinstance(x, np.ndarray) and x.size > 1:
        return f"an array of shape {x.shape} containing {describe(x.flat[0], limit)}"
    if isinstance(x, str):  # never copy a long string whole
        if len(x) + 2 <= limit:
            return repr(x)
        return f"{repr(x[: limit - 25])[:-1]}...{repr(x[-5:])[1:]} ({len(x)} characters)"
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 4 * limit:
        return f"an integer of {x.bit_length()} bits"
    text = repr(x)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 25]}...{text[-5:]} ({len(text)} characters)"


_describe = describe


def _as_concrete(name: str, x: Any, hint: str = "", max_ndim: int = 1) -> Any:
    """A concrete number (Python scalar) or a NumPy array, after the type check."""
    if isinstance(x, bool) or isinstance(x, np.bool_):
        raise TypeError(f"`{name}` must be a real number, got the bool {x!r}{hint}")
    if isinstance(x, numbers.Integral):
        x = int(x)
        if not -(2**63) <= x < 2**63:
            raise ValueError(
                f"`{name}` must fit in a 64-bit integer (|x| < 2**63), got {_describe(x)}; write "
                f"a float (1e19) for a real number this large{hint}"
            )
        return x
    if isinstance(x, numbers.Real):
        return float(x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        arr = np.asarray(x)
        if arr.dtype == np.bool_ or not (
            np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
        ):
            raise TypeError(f"`{name}` must be a real number or array, got dtype {arr.dtype}{hint}")
        if arr.ndim == 0:
            return arr.item()
        if arr.ndim > max_ndim:  # one number, or one per element of a 1-D batch
            raise ValueError(
                f"`{name}` must be a single number or a {max_ndim}-D array, got an array of shape "
                f"{arr.shape}{hint}"
            )
        return arr
    raise TypeError(
        f"`{name}` must be a real number, got {_describe(x)} of type {type(x).__name__}{hint}"
    )


def _check_range(name: str, x: Any, ge: Any, gt: Any, le: Any, lt: Any, hint: str) -> None:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].flat[0] if arr.ndim else arr.item()
        raise ValueError(f"`{name}` must be finite, got {_describe(bad)}{hint}")
    checks = (
        (ge, lambda a, b: a >= b, ">="),
        (gt, lambda a, b: a > b, ">"),
        (le, lambda a, b: a <= b, "<="),
        (lt, lambda a, b: a < b, "<"),
    )
    for bound, ok, sym in checks:
        if bound is None:
            continue
        good = ok(arr, bound)
        if not np.all(good):
            bad = arr[~good].flat[0] if arr.ndim else x
            if isinstance(bad, np.floating):
                bad = float(bad)
            raise ValueError(f"`{name}` must be {sym} {_describe(bound)}, got {_describe(bad)}{hint}")


def real(
    name: str,
    x: Any,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    allow_none: bool = False,
    scalar: bool = False,
    max_ndim: int = 1,
    hint: str = "",
) -> Any:
    """Check a real (finite) hyperparameter and return it normalised.

    Args:
      name: the parameter's name, as the user spelled it.
      x: the value: a Python number, a NumPy/JAX array, or a tracer (returned unchecked).
      ge, gt, le, lt: optional inclusive/exclusive bounds.
      allow_none: whether ``None`` is a legal value (returned as is).
      scalar: whether ``x`` must be one number (a 0-d array passes; any other array is refused).
      max_ndim: the most dimensions an array may have (1: a batch of values; a table of
        values, such as mixture weights per stage, passes 2). Arrays of more are refused by
        name: they would pass here and fail only when evaluated against the counts.
      hint: appended to the message, e.g. ``"; did you mean ...?"``.

    Raises:
      TypeError: ``x`` is not a real number (a bool, a string, ``None``, ...).
      ValueError: ``x`` is NaN, infinite, out of bounds, an integer outside int64, or an array
        where ``scalar`` asks for one number.
    """
    if type(x) in _PLAIN:
        _plain_range(name, x, ge, gt, le, lt, hint)
        return x
    if x is None:
        if allow_none:
            return None
        raise TypeError(f"`{name}` must be a real number, got None{hint}")
    if is_traced(x):
        return x
    v = _as_concrete(name, x, hint, max_ndim)
    if scalar and isinstance(v, np.ndarray):
        raise ValueError(f"`{name}` must be a single number, got an array of shape {v.shape}{hint}")
    _check_range(name, v, ge, gt, le, lt, hint)
    return v


def steps(
    name: str,
    x: Any,
    *,
    positive: bool = False,
    allow_none: bool = False,
    hint: str = "",
) -> Any:
    """Check a step count: a finite real number ``>= 0`` (``> 0`` when ``positive``)."""
    if positive:
        return real(name, x, gt=0, allow_none=allow_none, hint=hint)
    return real(name, x, ge=0, allow_none=allow_none, hint=hint)


def integer(
    name: str,
    x: Any,
    *,
    ge: int | None = None,
    gt: int | None = None,
    allow_none: bool = False,
    hint: str = "",
) -> Any:
    """Check an integer hyperparameter (a Python/NumPy integer, or an integral-valued float).

    Integral floats such as ``1000.0`` are accepted and returned as ``int``.
    """
    if type(x) in _PLAIN:
        _plain_range(name, x, ge, gt, None, None, hint)
        if type(x) is int:
            return x
        if not x.is_integer():
            raise ValueError(f"`{name}` must be an integer, got {x!r}{hint}")
        return int(x)
    if x is None and allow_none:
        return None
    if is_traced(x):
        return x
    v = real(name, x, ge=ge, gt=gt, hint=hint)
    arr = np.asarray(v)
    if not np.all(np.floor(arr) == arr):
        raise ValueError(f"`{name}` must be an integer, got {_describe(v)}{hint}")
    if isinstance(v, float):
        return int(v)
    if isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating):
        return v.astype(np.int64)
    return v


def choice(name: str, x: Any, choices: Sequence[str], *, hint: str = "") -> str:
    """Check a static string option against its valid choices."""
    if not isinstance(x, str):
        raise TypeError(
            f"`{name}` must be one of {list(choices)}, got {_describe(x)} of type "
            f"{type(x).__name__}{hint}"
        )
    if x not in choices:
        raise ValueError(f"`{name}` must be one of {list(choices)}, got {_describe(x)}{hint}")
    return x


def boolean(name: str, x: Any) -> bool:
    """Check a static boolean option."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    raise TypeError(f"`{name}` must be a bool, got {_describe(x)} of type {type(x).__name__}")


def callable_(name: str, x: Any) -> Any:
    """Check that ``x`` is callable."""
    if not callable(x):
        raise TypeError(f"`{name}` must be callable, got {_describe(x)} of type {type(x).__name__}")
    return x


def sequence(name: str, xs: Any, *, allow_none: bool = False, hint: str = "") -> Any:
    """Check that ``xs`` is a list, tuple or 1-D array, and return it as a list.

    A tracer is returned unchanged; ``None`` too when ``allow_none``. A string, a mapping, a
    number, a bool or an array of another rank is refused naming the parameter (never Python's
    "object is not iterable").
    """
    if xs is None and allow_none:
        return None
    if is_traced(xs):
        return xs
    if isinstance(xs, (list, tuple)):
        return list(xs)
    if hasattr(xs, "shape") and hasattr(xs, "dtype") and not isinstance(xs, (str, bytes)):
        if len(xs.shape) == 1:
            return list(np.asarray(xs))
        raise ValueError(f"`{name}` must be one-dimensional, got shape {tuple(xs.shape)}{hint}")
    raise TypeError(
        f"`{name}` must be a list or tuple, got {_describe(xs)} of type {type(xs).__name__}{hint}"
    )


def sorted_steps(
    name: str,
    xs: Any,
    *,
    length: int | None = None,
    strict: bool = False,
    hint: str = "",
) -> Any:
    """Check a 1-D sequence of step boundaries: each ``>= 0``, sorted, optionally of a length.

    Returns a NumPy int64 array when every element is an integer, a float64 array otherwise, or
    the traced array unchanged. Elements may individually be tracers; the result is then a JAX
    array built with ``jnp.stack``.
    """
    if type(xs) in (list, tuple) and all(type(x) in _PLAIN for x in xs):
        return _plain_sorted_steps(name, xs, length, strict, hint)
    if is_traced(xs):
        return xs
    if isinstance(xs, (str, bytes)) or not (
        isinstance(xs, Sequence) or (hasattr(xs, "shape") and hasattr(xs, "dtype"))
    ):
        raise TypeError(
            f"`{name}` must be a sequence of step counts, got {_describe(xs)} of type "
            f"{type(xs).__name__}{hint}"
        )
    items = list(xs) if isinstance(xs, Sequence) else list(np.asarray(xs).reshape(-1))
    if hasattr(xs, "shape") and len(getattr(xs, "shape", ())) not in (0, 1):
        raise ValueError(f"`{name}` must be one-dimensional, got shape {tuple(xs.shape)}{hint}")
    if length is not None and len(items) != length:
        raise ValueError(f"`{name}` must have {length} entries, got {len(items)}{hint}")
    if any(is_traced(v) for v in items):
        import jax.numpy as jnp

        return jnp.stack([jnp.asarray(v) for v in items]) if items else jnp.zeros((0,), jnp.int32)
    vals = [steps(f"{name}[{i}]", v, hint=hint) for i, v in enumerate(items)]
    return _sorted_array(name, vals, strict, hint)


def _plain_sorted_steps(
    name: str, xs: list | tuple, length: int | None, strict: bool, hint: str
) -> np.ndarray:
    """:func:`sorted_steps` for a list or tuple of Python ``int``/``float``: the same checks
    and messages, one array built at the end."""
    if length is not None and len(xs) != length:
        raise ValueError(f"`{name}` must have {length} entries, got {len(xs)}{hint}")
    for i, x in enumerate(xs):
        _plain_range(f"{name}[{i}]", x, 0, None, None, None, hint)
    return _sorted_array(name, list(xs), strict, hint)


def _sorted_array(name: str, vals: list, strict: bool, hint: str) -> np.ndarray:
    """Check that checked scalar step counts are sorted; int64 when all are ints, else float64."""
    for i in range(1, len(vals)):
        if vals[i] < vals[i - 1] or (strict and vals[i] == vals[i - 1]):
            order = "strictly increasing" if strict else "sorted in non-decreasing order"
            raise ValueError(
                f"`{name}` must be {order}, got {_describe(list(vals))} "
                f"({name}[{i}]={vals[i]!r} after {vals[i - 1]!r}){hint}"
            )
    if all(isinstance(v, int) for v in vals):
        return np.asarray(vals, dtype=np.int64).reshape(-1)
    return np.asarray(vals, dtype=np.float64).reshape(-1)



@contextlib.contextmanager
def renamed(names: Mapping[str, str]) -> Iterator[None]:
    """Errors raised inside name the user's parameters, not the internal ones they feed.

    An adapter that passes its ecosystem's ``patience_t`` on as ``patience`` wraps the call in
    ``renamed({"patience": "patience_t"})``: a ``ValueError``/``TypeError`` whose message names
    `` `patience` `` (or `` `patience[i]` ``) is raised again, of the same type, naming
    `` `patience_t` ``.

    Example:
      >>> try:
      ...     with renamed({"factor": "lr_shrink"}):
      ...         real("factor", float("nan"))
      ... except ValueError as e:
      ...     print(e)
      `lr_shrink` must be finite, got nan
    """
    try:
        yield
    except (ValueError, TypeError) as e:
        msg = str(e)
        new = msg
        for inner, outer in names.items():
            new = re.sub(rf"`{re.escape(inner)}(?=[`\[])", f"`{outer}", new)
        if new == msg or type(e) not in (ValueError, TypeError):
            raise
        raise type(e)(new) from None
