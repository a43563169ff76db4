r"""Per-parameter-group lists in ecosystem configs: one config per group.

torch, DeepSpeed and their configs accept, for some parameters, a list with one value per
optimizer param group (torch's ``_format_param``: ``CyclicLR(base_lr=[...], max_lr=[...])``,
``OneCycleLR(max_lr=[...])``, ``LambdaLR(lr_lambda=[f, g])``; DeepSpeed's ``WarmupLR
(warmup_max_lr=[...])``, ...). A jaxsched schedule is one function of the step, so such a config
is split into one config per group, each holding that group's entries:

.. math:: \text{cfg}_g = \text{cfg}\,[\,p \mapsto p[g] \text{ for each per-group list } p\,]

``jaxsched.from_config`` returns the list of their schedules (lists of length 1 are the one
group's value and give a single schedule, as before); ``jaxsched.torch.Scheduler.from_config``
gives group ``g`` of the optimizer the schedule of ``cfg_g``. Composites (``torch.SequentialLR``,
``torch.ChainedScheduler``) are split through their children's configs.

Which parameters are per-group is declared in :data:`PER_GROUP`, by name, as in the home
library; every name that takes the optimizer's ``lr`` also takes a per-group ``lr`` list (the
groups' own learning rates), except fairseq's (:data:`LR_NOT_PER_GROUP`). Cerebras' schedulers
take one value (no lists).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PER_GROUP", "LR_NOT_PER_GROUP", "per_group_keys", "split_groups"]

_DS_ONECYCLE = ("cycle_min_lr", "cycle_max_lr", "cycle_min_mom", "cycle_max_mom")
_DS_WARMUP = ("warmup_min_lr", "warmup_max_lr")

#: name -> the parameters that hold one entry per param group (besides ``lr``), as in the home
#: library (torch 2.13's ``_format_param`` and lr_lambda lists; DeepSpeed's ``_format_param``).
PER_GROUP: dict[str, tuple[str, ...]] = {
    "torch.LambdaLR": ("lr_lambda",),
    "torch.MultiplicativeLR": ("lr_lambda",),
    "torch.CyclicLR": ("base_lr", "max_lr", "base_momentum", "max_momentum"),
    "torch.OneCycleLR": ("max_lr", "base_momentum", "max_momentum"),
    "torch.SWALR": ("swa_lr",),
    "torch.ReduceLROnPlateau": ("min_lr",),
    "hf.reduce_lr_on_plateau": ("min_lr",),
    "hf.greedy": ("min_lr", "max_lr"),
    "cerebras.ScalePerParamLR": ("adjust_learning_rate",),
    "cerebras.ScalePerParamWD": ("adjust_val",),
    "hf.GreedyLR": ("min_lr", "max_lr"),
    "deepspeed.OneCycle": _DS_ONECYCLE,
    "OneCycle": _DS_ONECYCLE,
    "deepspeed.WarmupLR": _DS_WARMUP,
    "WarmupLR": _DS_WARMUP,
    "deepspeed.WarmupDecayLR": _DS_WARMUP,
    "WarmupDecayLR": _DS_WARMUP,
    "deepspeed.LRRangeTest": ("lr_range_test_min_lr",),
    "LRRangeTest": ("lr_range_test_min_lr",),
}


#: Name prefixes whose ``lr`` list is not per group: fairseq's ``--lr`` list holds one lr per
#: *epoch* (``fairseq.fixed``), which the names read themselves.
LR_NOT_PER_GROUP: tuple[str, ...] = ("fairseq.",)


def per_group_keys(name: str) -> tuple[str, ...]:
    """The parameters of ``name`` that may hold one entry per param group.

    Those of :data:`PER_GROUP`, plus ``lr`` when the name takes the optimizer's learning rate.
    """
    from jaxsched.core.registry import _REGISTRY, signature

    keys = PER_GROUP.get(name, ())
    fn = _REGISTRY.get(name)
    if name.startswith(LR_NOT_PER_GROUP):
        return keys
    if fn is not None and "lr" in signature(fn).parameters and "lr" not in keys:
        keys = (*keys, "lr")
    return keys


def _is_config(x: Any) -> bool:
    return isinstance(x, Mapping) and "type" in x


def _lists(cfg: Mapping[str, Any], where: str = "") -> list[tuple[str, int]]:
    """``(parameter path, length)`` of every per-group list in ``cfg`` and its child configs."""
    name = cfg.get("type")
    params = cfg.get("params") or {}
    keys = per_group_keys(name) if isinstance(name, str) else ()
    out = []
    for k, x in params.items():
        if k in keys and isinstance(x, (list, tuple)):
            out.append((f"{where}{k}", len(x)))
        elif isinstance(x, (list, tuple)) and x and all(_is_config(c) for c in x):
            for i, c in enumerate(x):
                out.extend(_lists(c, f"{where}{k}[{i}]."))
        elif _is_config(x):
            out.extend(_lists(x, f"{where}{k}."))
    return out


def _torch_words(cfg: Mapping[str, Any], path: str, n: int, m: int) -> str:
    """torch 2.13's own words for a list of the wrong length where they differ from
    ``_format_param``'s (``LambdaLR``/``MultiplicativeLR`` lambdas, ``ReduceLROnPlateau``'s
    ``min_lr``), for a torch user's ``pytest.raises(match=...)``; else ``""``."""
    name = cfg.get("type")
    if path == "lr_lambda" and name in ("torch.LambdaLR", "torch.MultiplicativeLR"):
        return f" (torch: Expected {n} lr_lambdas, but got {m})"
    if path == "min_lr" and name == "torch.ReduceLROnPlateau":
        return f" (torch: expected {n} min_lrs, got {m})"
    return ""


def _pick(cfg: Mapping[str, Any], g: int) -> dict:
    """The config of group ``g``: every per-group list replaced by its entry ``g``."""
    name = cfg.get("type")
    keys = per_group_keys(name) if isinstance(name, str) else ()
    params = {}
    for k, x in (cfg.get("params") or {}).items():
        if k in keys and isinstance(x, (list, tuple)):
            x = x[g]
        elif isinstance(x, (list, tuple)) and x and all(_is_config(c) for c in x):
            x = [_pick(c, g) for c in x]
        elif _is_config(x):
            x = _pick(x, g)
        params[k] = x
    return {**cfg, "params": params}


def split_groups(cfg: Mapping[str, Any], n: int | None = None) -> list[dict] | None:
    """One config per param group, or ``None`` when ``cfg`` holds no per-group list.

    Args:
      cfg: a loaded config ``{"type", "params"}``.
      n: the number of param groups (an optimizer's); ``None`` takes it from the lists, which
        must then agree.

    Returns:
      ``None`` without per-group lists; else ``n`` configs, config ``g`` with every list
      replaced by its entry ``g`` (scalars shared).

    Raises:
      ValueError: a list whose length is not ``n`` (torch's wording: ``"max_lr must have the
        same length as optimizer.param_groups. max_lr has 3 values, param_groups has 2."``), or
        lists of different lengths (both named with their lengths).

    Example:
      >>> from jaxsched.config.groups import split_groups
      >>> [c["params"]["max_lr"] for c in split_groups(
      ...     {"type": "torch.OneCycleLR", "params": {"max_lr": [0.1, 1.0], "total_steps": 9}})]
      [0.1, 1.0]
    """
    found = _lists(cfg)
    if not found:
        return None
    if n is None:
        first, n = found[0]
        for path, m in found[1:]:
            if m != n:
                raise ValueError(
                    f"per-group lists must hold one value per param group, so the same number: "
                    f"{first} has {n} values, {path} has {m} values"
                )
    else:
        for path, m in found:
            if m != n:
                raise ValueError(
                    f"{path} must have the same length as optimizer.param_groups. {path} has {m} "
                    f"values, param_groups has {n}.{_torch_words(cfg, path, n, m)}"
                )
    return [_pick(cfg, g) for g in range(n)]
