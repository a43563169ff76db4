"""The ``Schedule`` base class: a frozen dataclass, a JAX pytree, an ``optax.Schedule``.

A schedule class declares its fields with :func:`value_field` (float hyperparameters),
:func:`steps_field` (step counts and boundaries), :func:`child_field` (sub-schedules) and
:func:`static_field` (options such as ``staircase`` that change the formula). Numeric fields
are pytree leaves, so ``jax.jit``, ``jax.vmap`` and ``jax.grad`` reach them; static fields are
pytree metadata.

The formula of each class is one private method, ``_formula(c, **params)``, written against the
Python array API: ``c`` is a :class:`jaxsched.core.arrays.Count` (the count clamped at 0, as a float
array and, when exact, as an integer array) and the params are the fields converted to arrays of
the formula's dtype on the count's device. ``schedule(count)`` runs it with ``jax.numpy``;
``schedule.evaluate(count, xp)`` with NumPy (float64), torch, ``jax.numpy`` or any array-API
namespace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from jaxsched.core import after_jax, eager
from jaxsched.core import arrays as _xp
from jaxsched.core import registry as _registry
from jaxsched.core.validate import is_traced

__all__ = [
    "Schedule",
    "evolve",
    "schedule_class",
    "value_field",
    "steps_field",
    "child_field",
    "static_field",
    "function_field",
]

_KIND = "jaxsched_kind"


def value_field(**kw: Any) -> Any:
    """A float hyperparameter (a pytree leaf, converted to the formula's float dtype)."""
    return dataclasses.field(metadata={_KIND: "value"}, **kw)


def steps_field(**kw: Any) -> Any:
    """A step count or boundary array (a pytree leaf, kept integral when it is)."""
    return dataclasses.field(metadata={_KIND: "steps"}, **kw)


def child_field(**kw: Any) -> Any:
    """A sub-schedule, or a tuple of them (pytree children)."""
    return dataclasses.field(metadata={_KIND: "child"}, **kw)


def static_field(**kw: Any) -> Any:
    """A static option (pytree metadata; must be hashable)."""
    return dataclasses.field(metadata={_KIND: "static"}, **kw)


def function_field(**kw: Any) -> Any:
    """A user function (pytree metadata; never serialised)."""
    return dataclasses.field(metadata={_KIND: "function"}, **kw)


def _kind(f: dataclasses.Field) -> str:
    return f.metadata.get(_KIND, "value")


def schedule_class(config_name: str | None) -> Callable[[type], type]:
    """Make ``cls`` a frozen dataclass, register it as a pytree and under ``config_name``.

    ``config_name`` is the public constructor whose parameters are exactly the class's fields:
    ``to_config`` emits it and ``from_config`` calls it. ``None`` marks classes that cannot be
    serialised (they hold a user function).
    """

    def wrap(cls: type) -> type:
        cls = dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)
        data, meta = [], []
        for f in dataclasses.fields(cls):
            (meta if _kind(f) in ("static", "function") else data).append(f.name)
        _register_pytree(cls, tuple(data), tuple(meta))
        cls._config_name = config_name
        cls._data_fields = tuple(data)
        cls._meta_fields = tuple(meta)
        cls._child_fields = tuple(f.name for f in dataclasses.fields(cls) if _kind(f) == "child")
        cls._function_fields = tuple(
            f.name for f in dataclasses.fields(cls) if _kind(f) == "function")
        return cls

    return wrap


def evolve(s: Any, **changes: Any) -> Any:
    """``dataclasses.replace(s, **changes)`` without the validation of a direct class call.

    For library code that builds an internal variant of a schedule mid-evaluation (a stretched
    WSD whose decay is a fractional number of steps) that the public constructor would refuse.
    """
    _registry._enter()
    try:
        return dataclasses.replace(s, **changes)
    finally:
        _registry._leave()


def _register_pytree(cls: type, data: tuple[str, ...], meta: tuple[str, ...]) -> None:
    """Register ``cls`` as a pytree node: ``data`` fields are children, ``meta`` fields aux data.

    Not ``jax.tree_util.register_dataclass``: jaxlib (0.10) compares the tree structures of two
    such dataclasses by their fields only, not their classes, so ``Cyclic`` and
    ``CyclicMomentum`` with the same mode had equal treedefs, and a jitted function taking
    schedules as arguments could run one's compiled program for the other whenever their hashes
    met in its cache. A custom node is compared by its class. Unflattening sets the fields
    directly: JAX rebuilds a schedule from leaves it has already validated (or from tracers and
    placeholders, which must not be validated).

    Registered when JAX is imported (:mod:`jaxsched.core.after_jax`): ``import jaxsched`` and the
    torch bridge do not import JAX.
    """
    after_jax.when_imported(lambda: _register_now(cls, data, meta))


def _register_now(cls: type, data: tuple[str, ...], meta: tuple[str, ...]) -> None:
    import jax

    keys = tuple(jax.tree_util.GetAttrKey(n) for n in data)
    new = object.__new__

    def flatten_with_keys(s: Any) -> tuple[Any, tuple]:
        d = s.__dict__
        return tuple((k, d[n]) for k, n in zip(keys, data)), tuple(d[n] for n in meta)

    def flatten(s: Any) -> tuple[tuple, tuple]:
        d = s.__dict__
        return tuple(d[n] for n in data), tuple(d[n] for n in meta)

    def unflatten(aux: tuple, children: Any) -> Any:
        s = new(cls)
        d = s.__dict__
        d.update(zip(data, children))
        d.update(zip(meta, aux))
        return s

    jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten, flatten)


class Schedule:
    """Base class of every jaxsched schedule: a pure function of the optimizer step count.

    Call it with a count to get the value that optimizer update number ``count`` (0-based)
    uses; it is an ``optax.Schedule`` and can be passed to any optax optimizer or to
    ``optax.inject_hyperparams``, or into a jitted function as an argument (its numeric
    hyperparameters are pytree leaves, so changing them never recompiles).

    Conventions kept by every schedule: negative counts behave as 0; past its end a schedule
    holds its final value; the JAX path returns a strong-typed float32 array (float64 under
    ``jax_enable_x64``); host evaluation with NumPy is float64.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.linear_schedule(1.0, 0.0, transition_steps=4)
      >>> [round(float(v), 4) for v in s.evaluate(np.arange(6), np)]
      [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    _config_name: ClassVar[str | None] = None
    __array_ufunc__ = None  # NumPy defers to our operators: np.array([2.0, 3.0]) * s
    _data_fields: ClassVar[tuple[str, ...]] = ()
    _meta_fields: ClassVar[tuple[str, ...]] = ()
    _child_fields: ClassVar[tuple[str, ...]] = ()
    _function_fields: ClassVar[tuple[str, ...]] = ()
    #: The trailing shape of each value: ``()`` for a scalar schedule (every family but the
    #: vector-valued ones, whose instances set it, e.g. ``(n_components,)``).
    _value_shape: ClassVar[tuple[int, ...]] = ()

    # ------------------------------------------------------------------ evaluation
    def __call__(self, count: Any) -> Any:
        """Evaluate with ``jax.numpy`` (jit-able); a strong-typed float array.

        Inside a trace the formula is inlined. Outside one (a concrete count, as when a
        training loop logs its learning rate), from its third call on a schedule runs its own
        compiled program (:mod:`jaxsched.core.eager`): the values a jitted train step uses, in
        one dispatch.
        """
        out = eager.call(self, count)
        if out is not None:
            return out
        import jax.numpy as jnp

        return self.evaluate(count, jnp)

    def __post_init__(self) -> None:
        """A class called directly (``jaxsched.Cosine(nan, 100, 0, 1)``) is validated as its
        registered constructor validates: the same checks and messages. Constructors, pytree
        unflattening and unpickling build instances without coming here twice."""
        if _registry.building() or self._config_name is None:
            return
        fn = _registry.lookup(self._config_name)
        if fn is None:
            return
        _registry._enter()
        try:
            fn(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        finally:
            _registry._leave()

    def __getstate__(self) -> dict:
        # the eager cache holds device arrays: rebuilt on demand, never pickled
        return {k: v for k, v in self.__dict__.items() if k != eager._CACHE}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def evaluate(self, count: Any, xp: Any = None) -> Any:
        """Evaluate the same formula with any array namespace.

        Args:
          count: the optimizer step count(s): a Python number or an array of any shape.
            Integer counts give exact step boundaries; float counts are accepted (fractional
            steps) and evaluate the continuous formula.
          xp: ``numpy`` (float64, host), ``torch`` (tensors on the count's device; the count's
            float dtype or torch's default), ``jax.numpy`` (float32, or float64 under x64),
            ``array_api_strict``, or their ``array_api_compat`` wrappers. ``None`` infers it
            from ``count`` (NumPy for Python numbers).

        Returns:
          An array of ``count``'s shape in the namespace's float dtype.
        """
        ns = _xp.resolve_namespace(xp, count)
        c = _xp.Count.make(count, ns)
        if getattr(ns, "__name__", "") == "array_api_compat.numpy":
            # an unbounded growth (a factor > 1 with no end value) saturates at inf, as in JAX
            # and torch, without NumPy's overflow warning
            with np.errstate(over="ignore", under="ignore"):
                out = self._eval(c)
        else:
            out = self._eval(c)
        if self._value_shape:  # a vector-valued schedule: count.shape + _value_shape
            want = tuple(c.shape) + tuple(self._value_shape)
            if tuple(out.shape) != want:
                out = out + ns.zeros(want, dtype=c.dtype, **({} if c.device is None
                                                             else {"device": c.device}))
        elif tuple(out.shape) != c.shape:
            out = out + ns.zeros_like(c.t)
        if _xp.is_jax_namespace(ns):
            out = ns.asarray(out, dtype=c.dtype)  # strong-typed, never weak
        return out

    def _eval(self, c: _xp.Count) -> Any:
        """Convert the leaves for ``c`` and run the formula. Composites override this."""
        params = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            k = _kind(f)
            if k == "value":
                params[f.name] = c.value(v)
            elif k == "steps":
                params[f.name] = c.steps(v)
            else:
                params[f.name] = v
        return self._formula(c, **params)

    def _formula(self, c: _xp.Count, **params: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _start_value(self, c: _xp.Count) -> Any:
        """The value at step 0 as an array for ``c``, when a leaf gives it; else None.

        A class whose value at step 0 is one of its hyperparameters (an ``init_value``)
        overrides this, so that a warmup's target costs no evaluation of the formula; it
        returns None where the hyperparameters known at trace time do not settle it.
        """
        return None

    # ------------------------------------------------------------------ identity
    def _key(self) -> tuple:
        items = []
        for name in self._data_fields + self._meta_fields:
            items.append((name, _freeze(getattr(self, name))))
        return (type(self).__name__, tuple(items))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        try:
            return self._key() == other._key()  # type: ignore[attr-defined]
        except _Unhashable:
            return self is other

    def __hash__(self) -> int:
        try:
            return hash(self._key())
        except _Unhashable:
            return id(self)

    def __repr__(self) -> str:
        """The call that built the schedule, else ``ClassName(field=value, ...)``.

        A schedule built by a registered constructor whose class is registered under another name
        (``warmup_cosine_decay_schedule``) shows that constructor and its arguments, defaults
        included, when every argument is serialisable; otherwise (a user function, traced
        values, or an object JAX rebuilt from its leaves) the class form.
        """
        call = _call_form(self)
        if call is not None:
            name, raw, _ = call
            return f"{name}({', '.join(f'{k}={_arg_repr(v)}' for k, v in raw.items())})"
        parts = []
        for f in dataclasses.fields(self):
            parts.append(f"{f.name}={_short_repr(getattr(self, f.name))}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # ------------------------------------------------------------------ serialisation
    def to_config(self) -> dict:
        """A plain dict ``{"type": NAME, "params": {...}}`` that ``from_config`` rebuilds.

        ``NAME`` is the registered constructor that built the schedule, with the arguments it
        was called with (defaults included), when every argument is serialisable (numbers,
        strings, lists, dicts with string keys, serialisable schedules); otherwise the name
        of the schedule's class, with its fields.

        Raises:
          TypeError: the schedule holds a user function or traced values.
        """
        call = _call_form(self)
        if call is not None:
            return {"type": call[0], "params": call[2]}
        if self._config_name is None:
            raise TypeError(
                f"{type(self).__name__} holds a user function and cannot be serialised; "
                "build it in code instead"
            )
        params = {}
        for f in dataclasses.fields(self):
            params[f.name] = _to_plain(f.name, getattr(self, f.name))
        return {"type": self._config_name, "params": params}

    # ------------------------------------------------------------------ algebra (jaxsched.compose)
    def __mul__(self, other: Any) -> Any:
        """``s * other``: ``product([s, other])`` for a schedule, ``scale(s, other)`` for a number."""
        from jaxsched.compose import algebra as compose

        return compose._binary("mul", self, other, reflected=False)

    def __rmul__(self, other: Any) -> Any:
        """``other * s``: ``product([other, s])`` for a schedule, ``scale(s, other)`` for a number."""
        from jaxsched.compose import algebra as compose

        return compose._binary("mul", self, other, reflected=True)

    def __add__(self, other: Any) -> Any:
        """``s + other``: ``add([s, other])``; a number is added as a ``constant_schedule``."""
        from jaxsched.compose import algebra as compose

        return compose._binary("add", self, other, reflected=False)

    def __radd__(self, other: Any) -> Any:
        """``other + s``: ``add([other, s])``; ``0 + s`` is ``s`` (so ``sum(schedules)`` works)."""
        from jaxsched.compose import algebra as compose

        return compose._binary("add", self, other, reflected=True)

    def __neg__(self) -> Any:
        """``-s``: ``scale(s, -1)``."""
        from jaxsched.compose import algebra as compose

        return compose.scale(self, -1.0)

    def __sub__(self, other: Any) -> Any:
        """``s - other``: ``s + (-1) * other``."""
        if isinstance(other, Schedule):
            return self + (-other)
        from jaxsched.compose import algebra as compose

        return compose._binary("add", self, -other, reflected=False) if compose._is_number(
            other
        ) else NotImplemented

    def __rsub__(self, other: Any) -> Any:
        """``other - s``: ``other + (-1) * s``."""
        return (-self).__radd__(other)

    def __truediv__(self, other: Any) -> Any:
        """``s / c`` for a number ``c``: ``scale(s, 1 / c)``."""
        from jaxsched.compose import algebra as compose

        if not compose._is_number(other):
            return NotImplemented
        return compose.scale(self, 1.0 / other)


class _Unhashable(Exception):
    pass


def _freeze(v: Any) -> Any:
    if is_traced(v):
        raise _Unhashable
    if isinstance(v, Schedule):
        return v._key()
    if isinstance(v, tuple):
        return tuple(_freeze(x) for x in v)
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        try:
            arr = np.asarray(v)
        except Exception as e:  # tracers of other kinds
            raise _Unhashable from e
        if arr.ndim == 0:
            return arr.item()
        return ("array", arr.shape, tuple(arr.reshape(-1).tolist()))
    try:
        hash(v)
    except TypeError as e:
        raise _Unhashable from e
    return v


def _short_repr(v: Any) -> str:
    if hasattr(v, "shape") and hasattr(v, "dtype") and not is_traced(v):
        arr = np.asarray(v)
        if arr.ndim == 0:
            return repr(arr.item())
        return repr(arr.tolist()) if arr.size <= 8 else f"array(shape={arr.shape})"
    if callable(v) and not isinstance(v, Schedule):
        return getattr(v, "__name__", repr(v))
    return repr(v)


def _to_plain(name: str, v: Any) -> Any:
    if is_traced(v):
        raise TypeError(f"`{name}` is a traced value and cannot be serialised")
    if isinstance(v, Schedule):
        return v.to_config()
    if isinstance(v, tuple):
        return [_to_plain(name, x) for x in v]
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        arr = np.asarray(v)
        return arr.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


# ---------------------------------------------------------------------- the recorded call
class _NotPlain(Exception):
    pass


_SIGNATURES: dict[str, Any] = {}


def _call_form(s: Schedule) -> tuple[str, dict, dict] | None:
    """``(name, raw arguments, plain arguments)`` of the call recorded on ``s``, or None.

    The arguments are bound to the constructor's signature here, not at construction, which
    stays cheap. None when nothing is recorded or an argument is not serialisable.
    """
    rec = s.__dict__.get(_registry.CALL_ATTR)
    if rec is None:
        return None
    name, args, kwargs = rec
    sig = _SIGNATURES.get(name)
    if sig is None:
        import inspect

        fn = _registry.lookup(name)
        if fn is None:
            return None
        sig = _SIGNATURES[name] = inspect.signature(fn)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    raw: dict[str, Any] = {}
    for pname, val in bound.arguments.items():
        kind = sig.parameters[pname].kind
        if kind == kind.VAR_POSITIONAL:
            if val:
                return None  # from_config passes keywords only
        elif kind == kind.VAR_KEYWORD:
            raw.update(val)
        elif pname == "hyperparam":
            if val != "lr":
                return None  # from_config takes it as its own argument
        else:
            raw[pname] = val
    try:
        plain = {k: _plain_arg(v) for k, v in raw.items()}
    except _NotPlain:
        return None
    return name, raw, plain


def _is_config(x: Any) -> bool:
    return isinstance(x, dict) and "type" in x


def _plain_arg(v: Any) -> Any:
    """An argument as plain data that ``from_config`` passes back unchanged (schedules: configs)."""
    if is_traced(v):
        raise _NotPlain
    if isinstance(v, Schedule):
        try:
            return v.to_config()
        except TypeError as e:
            raise _NotPlain from e
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic):
        return v.item()
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        try:
            return np.asarray(v).tolist()
        except Exception as e:  # tracers of other kinds
            raise _NotPlain from e
    if isinstance(v, (list, tuple)):
        out = [_plain_arg(x) for x in v]
        # from_config builds a list of configs, or none of it
        if any(_is_config(x) for x in out) and not all(_is_config(x) for x in out):
            raise _NotPlain
        return out
    if isinstance(v, dict):
        if "type" in v or not all(isinstance(k, str) for k in v):
            raise _NotPlain  # read back as a config, or not JSON
        out_d = {k: _plain_arg(x) for k, x in v.items()}
        if any(_is_config(x) or isinstance(x, list) and any(_is_config(y) for y in x)
               for x in out_d.values()):
            raise _NotPlain  # from_config builds configs at the top level only
        return out_d
    raise _NotPlain


def _arg_repr(v: Any) -> str:
    if isinstance(v, list):
        return f"[{', '.join(_arg_repr(x) for x in v)}]"
    if isinstance(v, tuple):
        return f"({', '.join(_arg_repr(x) for x in v)}{',' if len(v) == 1 else ''})"
    if isinstance(v, dict):
        return f"{{{', '.join(f'{k!r}: {_arg_repr(x)}' for k, x in v.items())}}}"
    if isinstance(v, np.generic):
        return repr(v.item())
    return _short_repr(v)
