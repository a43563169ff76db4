"""How a ``torch.*`` name is registered, and the torch name and arguments it records.

Each ``torch.*`` constructor records its torch name and arguments on the schedule it returns (a
private attribute, not part of the schedule's value, config or pytree), so that
``SequentialLR`` and ``ChainedScheduler`` can apply torch's rules for their children.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule

__all__ = ["BUILDERS", "torch_name", "tag", "spec"]

BUILDERS: dict[str, Callable[..., Schedule]] = {}
_SPEC = "_torch_spec"


def torch_name(name: str) -> Callable[[Callable[..., Schedule]], Callable[..., Schedule]]:
    """Register ``fn`` under ``name`` and remember it for rebuilding children."""

    def wrap(fn: Callable[..., Schedule]) -> Callable[..., Schedule]:
        BUILDERS[name] = fn
        return register(name)(fn)

    return wrap


def tag(name: str, schedule: Schedule, **kwargs: Any) -> Schedule:
    """Record the torch name and arguments that built ``schedule`` (see :func:`spec`)."""
    object.__setattr__(schedule, _SPEC, (name, kwargs))
    return schedule


def spec(schedule: Any) -> tuple[str, dict] | None:
    """``(torch name, arguments)`` of a schedule built by a ``torch.*`` name, else ``None``."""
    return getattr(schedule, _SPEC, None)
