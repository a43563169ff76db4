"""Array namespaces, the dtype policy and the count that every formula receives.

Each formula is written once against the Python array API. This module resolves the namespace a
caller asks for (plain modules and their ``array_api_compat`` wrappers alike), picks the float
and integer dtypes, converts the count once on entry, and offers the few exact step operations
(local time, comparisons, floor division, search) that keep integer boundaries exact for integer
counts up to ``2**31 - 1`` even when the float dtype is float32.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

__all__ = ["Count", "resolve_namespace", "is_jax_namespace", "nonneg_div", "nonneg_rem"]

_INT32_MAX = 2**31 - 1


def is_jax_namespace(xp: Any) -> bool:
    """True for ``jax.numpy`` (which implements the array API natively)."""
    return getattr(xp, "__name__", "") == "jax.numpy"


def nonneg_div(xp: Any, x: Any, y: Any) -> Any:
    """``x // y`` for integers ``x >= 0`` and ``y >= 1`` (the caller guarantees both).

    With non-negative operands floor and truncation agree, so under JAX this is one ``div``,
    where ``//`` (``floor_divide``) adds two ``sign``, a ``rem``, comparisons and a select to
    correct a negative quotient: the exact cycle search of ``cosine_restarts`` with traced
    hyperparameters compiles to 315 HLO instructions instead of 648. Elsewhere it is ``//``.
    """
    if not is_jax_namespace(xp):
        return x // y
    import jax

    return jax.lax.div(*_same_shape(xp, x, y))


def nonneg_rem(xp: Any, x: Any, y: Any) -> Any:
    """``x % y`` for integers ``x >= 0`` and ``y >= 1``: one ``rem`` under JAX (see
    :func:`nonneg_div`), ``%`` elsewhere."""
    if not is_jax_namespace(xp):
        return x % y
    import jax

    return jax.lax.rem(*_same_shape(xp, x, y))


def _same_shape(xp: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """``x`` and ``y`` (as ``x``'s dtype) as ``lax`` takes them: equal shapes, or one a scalar."""
    x = xp.asarray(x)
    y = xp.astype(xp.asarray(y), x.dtype)
    if x.ndim and y.ndim and x.shape != y.shape:
        x, y = xp.broadcast_arrays(x, y)
    return x, y


def resolve_namespace(xp: Any, count: Any = None) -> Any:
    """Map ``xp`` (a module, a compat wrapper or ``None``) to an array-API namespace.

    ``numpy`` and ``torch`` are replaced by their ``array_api_compat`` wrappers; ``jax.numpy``
    and already-conforming namespaces (``array_api_strict``) are used as they are. With
    ``xp=None`` the namespace is inferred from ``count`` (NumPy for Python numbers).
    """
    if xp is None:
        if _is_array(count):
            import array_api_compat

            return resolve_namespace(array_api_compat.array_namespace(count))
        return _compat("numpy")
    name = getattr(xp, "__name__", "")
    if name in ("numpy", "array_api_compat.numpy"):
        return _compat("numpy")
    if name in ("torch", "array_api_compat.torch"):
        return _compat("torch")
    if name == "jax.numpy":
        from jaxsched.core.jax_numpy import namespace

        return namespace
    if hasattr(xp, "__array_api_version__"):
        return xp
    raise TypeError(
        f"`xp` must be an array namespace (numpy, torch, jax.numpy, array_api_strict or an "
        f"array_api_compat wrapper), got {xp!r}"
    )


def _compat(name: str) -> Any:
    import importlib

    return importlib.import_module(f"array_api_compat.{name}")


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _device_of(x: Any) -> Any:
    if not _is_array(x):
        return None
    import array_api_compat

    try:
        return array_api_compat.device(x)
    except Exception:  # pragma: no cover - exotic arrays
        return None


def _is_integer_dtype(xp: Any, dtype: Any) -> bool:
    return bool(xp.isdtype(dtype, "integral"))


def _float_dtypes(xp: Any, count: Any) -> tuple[Any, Any]:
    """The (float, int) dtypes a formula runs in for this namespace and count."""
    if is_jax_namespace(xp):
        import jax

        if jax.config.jax_enable_x64:
            return xp.float64, xp.int64
        return xp.float32, xp.int32
    if getattr(xp, "__name__", "") == "array_api_compat.torch":
        import torch

        if isinstance(count, torch.Tensor) and count.is_floating_point():
            return count.dtype, torch.int64
        return torch.get_default_dtype(), torch.int64
    return xp.float64, xp.int64


def _fit_int32(count: Any) -> Any:
    """A host integer count made safe for JAX's int32 (no x64): never a wrap-around.

    Below ``-2**31`` a count is negative, which every schedule reads as 0, so it becomes 0;
    beyond ``2**31 - 1`` the count is kept as a float (the continuous formula, as for a float
    count; exact integer boundaries end at int32). NumPy arrays are checked on the host, as
    a whole: one value beyond int32 makes the array a float array.
    """
    if isinstance(count, (int, np.integer)) and not isinstance(count, (bool, np.bool_)):
        v = int(count)
        if v < -_INT32_MAX - 1:
            return 0
        return float(v) if v > _INT32_MAX else count
    if isinstance(count, np.ndarray) and count.dtype.kind in "iu" and count.size and (
            count.dtype.itemsize > 4 or count.dtype.kind == "u" and count.dtype.itemsize == 4):
        if count.min() < -_INT32_MAX - 1:
            count = np.maximum(count, 0)
        if count.max() > _INT32_MAX:
            return count.astype(np.float64)
        return count.astype(np.int32)
    return count


class Count:
    """The count as a formula sees it: clamped at 0, as a float array and, when exact, an int.

    Attributes:
      xp: the array namespace.
      t: the count as a float array (>= 0).
      n: the count as an integer array (>= 0), or ``None`` when the caller passed a float count.
      dtype: the float dtype of ``t`` and of every hyperparameter.
      int_dtype: the integer dtype used for exact step arithmetic.
      device: the device of the count (arrays are created there).

    A count made by :meth:`make` or :meth:`shift` clamps at 0 on first use of ``t`` or ``n``,
    not before: a formula that bounds the count anyway (:meth:`clip_t`) clamps it once, with
    no separate ``max``. :meth:`replace` gives a count with other values (used as they are).
    """

    __slots__ = ("xp", "dtype", "int_dtype", "device", "_t", "_n", "_raw", "_is_int")

    def __init__(self, xp: Any, t: Any, n: Any, dtype: Any, int_dtype: Any, device: Any,
                 raw: Any = None, is_int: bool = False) -> None:
        self.xp, self.dtype, self.int_dtype, self.device = xp, dtype, int_dtype, device
        self._t, self._n = t, n
        # the unclamped count (an int array when `is_int`, else a float array), or None
        self._raw = raw
        self._is_int = is_int if raw is not None else n is not None

    @property
    def t(self) -> Any:
        if self._t is None:
            xp = self.xp
            if self._is_int:
                self._t = xp.astype(self.n, self.dtype)
            else:
                self._t = xp.maximum(self._raw, xp.zeros_like(self._raw))
        return self._t

    @property
    def n(self) -> Any:
        if self._n is None and self._is_int:
            raw = self._raw
            self._n = self.xp.maximum(raw, self.xp.zeros_like(raw))
        return self._n

    @property
    def shape(self) -> tuple:
        """The count's shape (without clamping it)."""
        x = self._t if self._t is not None else (self._n if self._n is not None else self._raw)
        return tuple(x.shape)

    def replace(self, t: Any, n: Any = None) -> Count:
        """This count's namespace and dtypes with other values (``n=None``: a float count)."""
        return Count(self.xp, t, n, self.dtype, self.int_dtype, self.device)

    def clip_t(self, hi: Any) -> Any:
        """``min(t, hi)`` as a float array for ``hi >= 0`` (``hi`` a float array): one clamp.

        Under JAX, on a count not clamped yet, the clamp to ``[0, hi]`` is one ``clamp``.
        """
        xp = self.xp
        raw = self._raw
        if self._t is not None or raw is None:
            return xp.minimum(self.t, hi)
        if self._is_int:
            if self._n is not None:
                return xp.minimum(self.t, hi)
            raw = xp.astype(raw, self.dtype)
        if is_jax_namespace(xp) and tuple(hi.shape) in ((), tuple(raw.shape)):
            import jax

            return jax.lax.clamp(xp.zeros((), dtype=self.dtype), raw, hi)
        return xp.minimum(xp.maximum(raw, xp.zeros_like(raw)), hi)

    @classmethod
    def make(cls, count: Any, xp: Any) -> Count:
        float_dtype, int_dtype = _float_dtypes(xp, count)
        # jax places arrays itself (passing device= fails on vmap tracers in jax 0.10.2)
        device = None if is_jax_namespace(xp) else _device_of(count)
        if isinstance(count, bool):
            raise TypeError(f"`count` must be a number or an array, got {count!r}")
        if is_jax_namespace(xp) and int_dtype == xp.int32:
            count = _fit_int32(count)
        if isinstance(count, float) and not math.isfinite(count):
            raise ValueError(f"`count` must be finite, got {count!r}")
        arr = xp.asarray(count, device=device) if device is not None else xp.asarray(count)
        if _is_integer_dtype(xp, arr.dtype) or xp.isdtype(arr.dtype, "bool"):
            raw = xp.astype(arr, int_dtype) if arr.dtype != int_dtype else arr
            return cls(xp, None, None, float_dtype, int_dtype, device, raw=raw, is_int=True)
        raw = xp.astype(arr, float_dtype) if arr.dtype != float_dtype else arr
        return cls(xp, None, None, float_dtype, int_dtype, device, raw=raw)

    # ------------------------------------------------------------------ conversions
    def value(self, x: Any) -> Any:
        """A float hyperparameter as an array of the formula dtype on the count's device."""
        xp = self.xp
        if x is None:
            return None
        if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
            return _full(xp, float(x), self.dtype, self.device)
        if _owned(xp, x):
            return xp.astype(x, self.dtype) if x.dtype != self.dtype else x
        if isinstance(x, np.ndarray):
            return _table(xp, x, self.dtype, self.device)
        return xp.asarray(np.asarray(x), dtype=self.dtype, device=self.device)

    def steps(self, x: Any) -> Any:
        """A step hyperparameter: an int array when it is integral and fits, else a float array."""
        xp = self.xp
        if x is None:
            return None
        if _integral_leaf(x) and self._is_int:
            if isinstance(x, (int, np.integer)) or isinstance(x, np.ndarray):
                hi = int(np.max(np.abs(np.asarray(x)))) if np.size(x) else 0
                limit = _INT32_MAX if self.int_dtype == getattr(xp, "int32", None) else 2**62
                if hi > limit:
                    return self.value(x)
                if isinstance(x, np.ndarray):
                    return _table(xp, x, self.int_dtype, self.device)
                return _full(xp, int(x), self.int_dtype, self.device)
            if _owned(xp, x) or (_is_array(x) and is_jax_namespace(xp)):
                return xp.astype(x, self.int_dtype)
            return xp.asarray(np.asarray(x), dtype=self.int_dtype, device=self.device)
        return self.value(x)

    def table(self, x: np.ndarray, integer: bool = False) -> Any:
        """A static NumPy table as an array of this namespace (cached per device)."""
        return _table(self.xp, x, self.int_dtype if integer else self.dtype, self.device)

    def is_int(self, b: Any) -> bool:
        return self._is_int and _is_integer_dtype(self.xp, b.dtype)

    def as_float(self, b: Any) -> Any:
        """A converted step array (int or float) as a float array."""
        if _is_integer_dtype(self.xp, b.dtype):
            return self.xp.astype(b, self.dtype)
        return b

    def const(self, v: float) -> Any:
        return _full(self.xp, v, self.dtype, self.device)

    # ------------------------------------------------------------------ exact step operations
    def shift(self, b: Any) -> Count:
        """Local time ``max(count - b, 0)`` (exact when both are integers)."""
        if self.is_int(b):  # from the clamped count: no overflow below 0
            return Count(self.xp, None, None, self.dtype, self.int_dtype, self.device,
                         raw=self.n - b, is_int=True)
        return Count(self.xp, None, None, self.dtype, self.int_dtype, self.device,
                     raw=self.t - self.as_float(b))

    def ge(self, b: Any) -> Any:
        """``count >= b`` elementwise (exact for integer counts and boundaries)."""
        if self.is_int(b):
            return self.n >= b
        return self.t >= self.as_float(b)

    def floordiv(self, period: Any, positive: bool = False) -> Any:
        """``floor(count / period)`` as a float array; ``period`` must be > 0 where it is used.

        ``positive``: ``period`` is known to be > 0 at trace time (no guard). The count is
        never negative, so for integers the quotient is the truncating one (one ``div`` under
        JAX, not ``floor_divide``'s sign correction).
        """
        xp = self.xp
        if self.is_int(period):
            safe = period if positive else xp.where(period > 0, period, xp.ones_like(period))
            return xp.astype(nonneg_div(xp, self.n, safe), self.dtype)  # n >= 0, safe > 0
        p = self.as_float(period)
        safe = p if positive else xp.where(p > 0, p, xp.ones_like(p))
        return xp.floor(self.t / safe)

    def searchsorted(self, boundaries: Any) -> Any:
        """Number of ``boundaries`` (sorted, 1-D) that are ``<= count``.

        Under JAX a short table (a static length <= 16) is searched by comparing against every
        entry (no loop: faster to compile and to run); longer ones by binary search, so the
        graph stays the same size whatever the number of boundaries.
        """
        xp = self.xp
        table, x = (boundaries, self.n) if self.is_int(boundaries) else (
            self.as_float(boundaries), self.t)
        if is_jax_namespace(xp) and table.shape[-1] <= 16:
            return xp.searchsorted(table, x, side="right", method="compare_all")
        return xp.searchsorted(table, x, side="right")


def _full(xp: Any, v: Any, dtype: Any, device: Any) -> Any:
    if device is None:
        return xp.full((), v, dtype=dtype)
    return xp.full((), v, dtype=dtype, device=device)


def _owned(xp: Any, x: Any) -> bool:
    """True when ``x`` is already an array of namespace ``xp`` (no conversion needed)."""
    if not _is_array(x) or isinstance(x, np.generic):
        return False
    import array_api_compat

    try:
        ns = array_api_compat.array_namespace(x)
    except TypeError:
        return False
    return ns is xp or (is_jax_namespace(ns) and is_jax_namespace(xp))


_TABLES: dict = {}


def _table(xp: Any, x: np.ndarray, dtype: Any, device: Any) -> Any:
    """``xp.asarray(x)`` for a static table; cached for torch accelerators (no per-step copy)."""
    on_accelerator = device is not None and str(device) not in ("cpu", "CPU_DEVICE")
    if not on_accelerator or getattr(xp, "__name__", "") != "array_api_compat.torch":
        return xp.asarray(x, dtype=dtype, device=device) if device is not None else (
            xp.asarray(x, dtype=dtype))
    key = (x.tobytes(), x.shape, str(x.dtype), str(dtype), str(device))
    hit = _TABLES.get(key)
    if hit is None:
        if len(_TABLES) > 4096:
            _TABLES.clear()
        hit = _TABLES[key] = xp.asarray(x, dtype=dtype, device=device)
    return hit


def _integral_leaf(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    if getattr(dtype, "is_floating_point", None) is not None:  # a torch dtype
        return not dtype.is_floating_point and not dtype.is_complex and dtype != getattr(
            dtype, "bool", None) and str(dtype) != "torch.bool"
    try:
        return bool(np.issubdtype(np.dtype(dtype), np.integer))
    except TypeError:
        return False


def take(xp: Any, x: Any, idx: Any) -> Any:
    """``x[idx]`` for a 1-D ``x`` and an index array of any shape."""
    shape = tuple(idx.shape)
    flat = xp.reshape(idx, (-1,))
    sharding = _explicit_sharding(flat) if is_jax_namespace(xp) else None
    if sharding is not None:
        # indices sharded over explicit mesh axes (the default of jax.make_mesh): a gather
        # from an unsharded table needs its output sharding spelt out (else ShardingTypeError)
        out = x.at[flat].get(mode="fill", out_sharding=sharding)
    else:
        out = xp.take(x, flat, axis=0)
    return xp.reshape(out, shape + tuple(x.shape[1:]))


def _explicit_sharding(x: Any) -> Any:
    """The sharding of a JAX array or tracer typed over a non-empty mesh, else None."""
    import jax

    typeof = getattr(jax, "typeof", None)
    sharding = getattr(typeof(x), "sharding", None) if typeof is not None else None
    mesh = getattr(sharding, "mesh", None)
    if mesh is None or getattr(mesh, "empty", True):
        return None
    return sharding


def module_loaded(name: str) -> bool:
    return name in sys.modules
