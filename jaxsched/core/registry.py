"""The name registry: every serialisable constructor under its config name(s).

Constructors register themselves with :func:`register` when their module is imported;
:func:`jaxsched.from_config` (the configuration floor) looks names up here, and
:meth:`jaxsched.Schedule.to_config` emits them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "lookup", "names"]

_REGISTRY: dict[str, Callable[..., Any]] = {}


def register(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a constructor under one or more config names."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            if name in _REGISTRY and _REGISTRY[name] is not fn:
                raise RuntimeError(f"config name {name!r} registered twice")
            _REGISTRY[name] = fn
        return fn

    return wrap


def lookup(name: str) -> Callable[..., Any] | None:
    """The constructor registered as ``name``, or None."""
    return _REGISTRY.get(name)


def names() -> list[str]:
    """The names registered so far, sorted (modules not yet imported are missing)."""
    return sorted(_REGISTRY)
