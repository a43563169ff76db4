"""The Cerebras numbers each ``cerebras.*`` schedule carries, and Cerebras' tag checks."""

from __future__ import annotations

from typing import Any

from jaxsched.core.schedule import Schedule

__all__ = ["tag", "meta", "check_tags"]

_META = "_cerebras_meta"


def tag(s: Schedule, initial: Any = None, total_iters: Any = None) -> Schedule:
    """Remember a Cerebras scheduler's ``initial_val`` and ``total_iters`` on its schedule.

    ``SequentialLR`` derives its milestones from the children's ``total_iters`` and
    ``ChainedLR`` normalises each later child by its ``initial_val``; children reach them
    already built (``from_config`` builds nested configs first), so the two numbers travel as
    an attribute of the schedule object (not a field: they never change its values).
    """
    object.__setattr__(s, _META, {"initial": initial, "total_iters": total_iters})
    return s


def meta(s: Any) -> dict | None:
    """The numbers :func:`tag` stored, or None for a schedule not built by a Cerebras name."""
    return getattr(s, _META, None)


def check_tags(param_group_tags: Any) -> None:
    """Cerebras' checks of ``param_group_tags`` (None, a tag, or a collection without duplicates)."""
    if param_group_tags is None or isinstance(param_group_tags, str):
        return
    if not isinstance(param_group_tags, (list, tuple, set)):
        raise TypeError(
            "`param_group_tags` must be None, a string or a list of strings, got "
            f"{param_group_tags!r} of type {type(param_group_tags).__name__}"
        )
    if len(set(param_group_tags)) != len(param_group_tags):
        raise ValueError(f"`param_group_tags` contains duplicate values, got {param_group_tags!r}")
