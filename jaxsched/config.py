"""The name registry behind ``from_config`` and ``Schedule.to_config``.

``from_config({"type": NAME, "params": {...}})`` calls the constructor registered as ``NAME``
with ``params``; parameters that are themselves configs (a dict with a ``"type"`` key, or a list
of them) are built first, so composites round-trip. Unknown names and unknown or missing
parameters raise ``ValueError`` listing the valid choices.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["register", "from_config", "registered_names"]

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


def registered_names() -> list[str]:
    """Every config name ``from_config`` accepts, sorted."""
    _ensure_loaded()
    return sorted(_REGISTRY)


def _ensure_loaded() -> None:
    import jaxsched  # noqa: F401  (importing the package registers every constructor)


def _is_config(x: Any) -> bool:
    return isinstance(x, Mapping) and "type" in x


def _build_param(x: Any) -> Any:
    if _is_config(x):
        return from_config(x)
    if isinstance(x, list) and x and all(_is_config(v) for v in x):
        return [from_config(v) for v in x]
    return x


def from_config(cfg: Mapping[str, Any] | str | os.PathLike, hyperparam: str = "lr") -> Any:
    """Build a schedule from ``{"type": NAME, "params": {...}}`` or a JSON file holding one.

    Args:
      cfg: a mapping with ``"type"`` (a jaxsched constructor name, e.g. ``"cosine_decay"`` or
        ``"warmup_cosine_decay_schedule"``, or an ecosystem name such as ``"torch.OneCycleLR"``
        or ``"deepspeed.WarmupDecayLR"`` with that library's parameter names) and optional
        ``"params"``; or a path to a JSON file.
      hyperparam: ``"lr"`` (default) for the learning rate, or ``"momentum"`` for the coupled
        momentum schedule of schedulers that cycle it (torch ``CyclicLR`` and ``OneCycleLR``,
        DeepSpeed ``OneCycle``).

    Returns:
      The schedule, equal to the one whose ``to_config()`` produced ``cfg``.

    Raises:
      ValueError: unknown name, unknown or missing parameter (the valid choices are listed).
      TypeError: ``cfg`` is not a mapping.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.from_config({"type": "cosine_decay_schedule",
      ...                           "params": {"init_value": 1.0, "decay_steps": 100}})
      >>> jaxsched.from_config(s.to_config()) == s
      True
    """
    _ensure_loaded()
    if isinstance(cfg, (str, os.PathLike)):
        with open(cfg) as fh:
            cfg = json.load(fh)
    if not isinstance(cfg, Mapping):
        raise TypeError(f"`cfg` must be a mapping with a 'type' key, got {type(cfg).__name__}")
    unknown_keys = set(cfg) - {"type", "params"}
    if unknown_keys:
        raise ValueError(
            f"config keys must be 'type' and 'params', got unexpected {sorted(unknown_keys)}"
        )
    if "type" not in cfg:
        raise ValueError("config must have a 'type' key naming the schedule")
    name = cfg["type"]
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(
            f"unknown schedule type {name!r}; valid types are: {', '.join(sorted(_REGISTRY))}"
        )
    params = cfg.get("params") or {}
    if not isinstance(params, Mapping):
        raise TypeError(f"'params' of {name!r} must be a mapping, got {type(params).__name__}")
    fn = _REGISTRY[name]
    sig = inspect.signature(fn)
    accepted = [
        p for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD and p.name != "hyperparam"
    ]
    names = [p.name for p in accepted]
    extra = [k for k in params if k not in names]
    if extra and not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        raise ValueError(
            f"unknown parameter(s) {extra} for {name!r}; valid parameters are: {names}"
        )
    missing = [
        p.name for p in accepted if p.default is inspect.Parameter.empty and p.name not in params
        and p.kind not in (p.VAR_POSITIONAL,)
    ]
    if missing:
        raise ValueError(f"missing parameter(s) {missing} for {name!r}; valid parameters are: {names}")
    built = {k: _build_param(v) for k, v in params.items()}
    if "hyperparam" in sig.parameters:
        if "hyperparam" in params:
            raise ValueError(f"pass `hyperparam` to from_config, not inside the params of {name!r}")
        return fn(**built, hyperparam=hyperparam)
    if hyperparam != "lr":
        able = [n for n, f in _REGISTRY.items() if "hyperparam" in inspect.signature(f).parameters]
        raise ValueError(
            f"`hyperparam` must be 'lr' for {name!r}, got {hyperparam!r}; schedules with a coupled "
            f"momentum schedule are: {', '.join(sorted(able))}"
        )
    return fn(**built)
