"""The name registry: every serialisable constructor under its config name(s).

Constructors register themselves with :func:`register` when their module is imported;
:func:`jaxsched.from_config` (the configuration floor) looks names up here, and
:meth:`jaxsched.Schedule.to_config` emits them.

A native constructor (one defined outside :mod:`jaxsched.config`) whose result's own class is
registered under another name (``warmup_cosine_decay_schedule`` builds a ``Sequence``, whose
class name is ``join_schedules``; ``floor`` builds a ``Clip``) records its name and raw call
arguments on the result, in the private attribute ``_jaxsched_call``. It is not a dataclass
field: values, the pytree, equality and hash are unchanged. ``repr`` and ``to_config`` use it
(:mod:`jaxsched.core.schedule`) so that a schedule reads like the call that built it. Objects
that JAX rebuilds (``jax.tree_util.tree_map``, unflattening after ``jax.jit``) and
``dataclasses.replace`` results carry no record and show their class form.
"""

from __future__ import annotations

import functools
import inspect
import threading
import types
from collections.abc import Callable
from typing import Any

__all__ = ["register", "lookup", "names", "signature", "CALL_ATTR", "building"]

_REGISTRY: dict[str, Callable[..., Any]] = {}
_LOCAL = threading.local()


def building() -> int:
    """How many registered constructors are running in this thread (0: a direct class call)."""
    return getattr(_LOCAL, "depth", 0)


def _enter() -> None:
    _LOCAL.depth = getattr(_LOCAL, "depth", 0) + 1


def _leave() -> None:
    _LOCAL.depth -= 1

#: The instance attribute a registered constructor's call is recorded in:
#: ``(name, args, kwargs)``.
CALL_ATTR = "_jaxsched_call"
_MISSING = object()


def register(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a constructor under one or more config names.

    Native constructors are wrapped (same name, module, docstring and signature) so that their
    results record the call (see the module docstring) unless their class is registered under
    one of ``names``; the first of ``names`` is the name recorded. Recording stores the raw
    arguments, bound to the signature only when ``repr`` or ``to_config`` reads them, so
    construction stays cheap. Ecosystem constructors (:mod:`jaxsched.config.ecosystem`) are
    registered as they are: their results show the native calls they make.
    """

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        if getattr(fn, "__jaxsched_name__", None) is None and not fn.__module__.startswith(
            "jaxsched.config"
        ):
            fn = _recording(fn, names)
        for name in names:
            if name in _REGISTRY and _REGISTRY[name] is not fn:
                raise RuntimeError(f"config name {name!r} registered twice")
            _REGISTRY[name] = fn
        return fn

    return wrap


def _recording(fn: Callable[..., Any], names: tuple[str, ...]) -> Callable[..., Any]:
    """``fn`` wrapped to record its calls; a function of ``fn``'s own module (``__globals__``)."""
    is_argument, attr, missing, clone = _is_argument, CALL_ATTR, _MISSING, _clone
    enter, leave = _enter, _leave
    name = names[0]

    def constructor(*args: Any, **kwargs: Any) -> Any:
        enter()  # the classes it builds are validated here, not again in their __post_init__
        try:
            out = fn(*args, **kwargs)
        finally:
            leave()
        own = getattr(type(out), "_config_name", missing)
        if own is missing or own in names or is_argument(out, args, kwargs):
            return out
        if attr in out.__dict__:  # built by a nested registered call: keep that one intact
            out = clone(out)
        object.__setattr__(out, attr, (name, args, kwargs))
        return out

    # every name the body uses is a closure variable, so the same code runs with the globals of
    # fn's module: doctest, typing and help() see a function of that module
    wrapper = types.FunctionType(
        constructor.__code__, fn.__globals__, fn.__name__, None, constructor.__closure__
    )
    functools.update_wrapper(wrapper, fn)
    wrapper.__kwdefaults__ = None
    wrapper.__jaxsched_name__ = name  # type: ignore[attr-defined]
    return wrapper


def _clone(s: Any) -> Any:
    """A shallow copy of a frozen dataclass, fields and record (not the eager cache)."""
    new = object.__new__(type(s))
    new.__dict__.update((k, v) for k, v in s.__dict__.items() if k != "_jaxsched_eager")  # eager._CACHE
    return new


def _is_argument(out: Any, args: tuple, kwargs: dict) -> bool:
    """Whether ``out`` is one of the arguments (or in a list of them): never annotate those."""
    for group in (args, kwargs.values()):
        for a in group:
            if a is out or (type(a) in (list, tuple) and out in [x for x in a if x is out]):
                return True
    return False


def lookup(name: str) -> Callable[..., Any] | None:
    """The constructor registered as ``name``, or None."""
    return _REGISTRY.get(name)


@functools.cache
def signature(fn: Callable[..., Any]) -> inspect.Signature:
    """``inspect.signature(fn)``, computed once per function (configuration loading asks for
    the signatures of the registered constructors on every call; they never change)."""
    return inspect.signature(fn)


def names() -> list[str]:
    """The names registered so far, sorted (modules not yet imported are missing)."""
    return sorted(_REGISTRY)
