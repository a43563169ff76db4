"""The bounds on what a config may be, so that loading one is never slow and never stuck.

A config is read from files and command lines that anyone may write, so :func:`load_config`
refuses, quickly and with a one-line ``ValueError``, anything past these limits:

- :data:`MAX_CONFIG_BYTES`: the size of a config file or inline config (1 MiB; a whole
  DeepSpeed config is a few kB, and a 1 MiB list of milestones already takes seconds to check);
- :data:`MAX_CONFIG_DEPTH`: how deeply mappings and lists nest (64 levels; a config nested in
  a config's ``params`` adds two, so 30 nested schedules fit);
- :data:`MAX_YAML_NODES`: the values a YAML document holds once its aliases (``*name``) are
  expanded (100,000; a "billion laughs" document of 300 bytes expands to 10**9);
- :data:`MIN_INT` .. :data:`MAX_INT`: integers must fit in int64, as step counts are int64.

Python tags (``!!python/object``) are refused as before: YAML is read with a safe loader only.
The limits are module constants; a program that needs more may raise one before loading,
e.g. ``jaxsched.config.limits.MAX_CONFIG_BYTES = 10 * 2**20``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ConfigLimitError",
    "MAX_CONFIG_BYTES",
    "MAX_CONFIG_DEPTH",
    "MAX_YAML_NODES",
    "MAX_INT",
    "MIN_INT",
    "check_size",
    "check_depth",
    "check_int",
    "json_loads",
]

#: The largest config text (file or inline string) read, in bytes (characters for a string).
MAX_CONFIG_BYTES = 2**20
#: The deepest nesting of mappings and lists in a config.
MAX_CONFIG_DEPTH = 64
#: The most values (scalars, lists, mappings) a YAML document may hold with its aliases expanded.
MAX_YAML_NODES = 100_000
#: The largest integer in a config (int64).
MAX_INT = 2**63 - 1
#: The smallest integer in a config (int64).
MIN_INT = -(2**63)


class ConfigLimitError(ValueError):
    """A config past one of these limits (a ``ValueError`` naming the limit)."""


def check_size(size: int, origin: str) -> None:
    """Refuse a config of more than :data:`MAX_CONFIG_BYTES`.

    Raises:
      ValueError: naming ``origin`` and the limit.
    """
    if size > MAX_CONFIG_BYTES:
        raise ConfigLimitError(
            f"{origin} is too large ({size:,} bytes; configs are limited to {MAX_CONFIG_BYTES:,}, "
            "jaxsched.config.limits.MAX_CONFIG_BYTES)"
        )


def depth_message(origin: str) -> str:
    """The message for a config nested deeper than :data:`MAX_CONFIG_DEPTH`."""
    return (
        f"{origin} is nested too deeply (more than {MAX_CONFIG_DEPTH} levels of mappings and "
        "lists; jaxsched.config.limits.MAX_CONFIG_DEPTH)"
    )


def check_depth(data: Any, origin: str = "config") -> None:
    """Refuse mappings and lists nested deeper than :data:`MAX_CONFIG_DEPTH` (no recursion).

    Raises:
      ValueError: naming ``origin`` and the limit.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > MAX_CONFIG_DEPTH:
            raise ConfigLimitError(depth_message(origin))
        if id(node) in seen:  # shared (a YAML alias): checked once, at its deepest first visit
            continue
        seen.add(id(node))
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (Mapping, list, tuple)))


def int_message(text: str, origin: str = "") -> str:
    """The message for an integer outside int64 (its digits shortened), after ``origin: ``."""
    shown = text if len(text) <= 30 else f"{text[:12]}...{text[-6:]} ({len(text)} digits)"
    return f"{origin}: " * bool(origin) + f"the integer {shown} does not fit in int64 (|n| < 2**63)"


def check_int(value: int, origin: str = "") -> int:
    """``value`` if it fits in int64.

    Raises:
      ValueError: naming the integer (shortened) and ``origin``.
    """
    if not MIN_INT <= value <= MAX_INT:
        raise ConfigLimitError(int_message(str(value) if abs(value).bit_length() < 4000 else
                                     f"of {abs(value).bit_length()} bits", origin))
    return value


def json_loads(text: str, origin: str = "config") -> Any:
    """``json.loads`` with the limits: size, int64 integers and nesting depth.

    Raises:
      ValueError: past a limit (``json.JSONDecodeError``, a ValueError, for bad JSON).
    """
    check_size(len(text), origin)

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > 19:
            raise ConfigLimitError(int_message(digits, origin))
        return check_int(int(digits), origin)

    try:
        data = json.loads(text, parse_int=parse_int)
    except RecursionError:
        raise ConfigLimitError(depth_message(origin)) from None
    check_depth(data, origin)
    return data
