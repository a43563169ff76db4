"""The name registry behind ``from_config`` and ``Schedule.to_config``, and config loading.

``from_config({"type": NAME, "params": {...}})`` calls the constructor registered as ``NAME``
with ``params``; parameters that are themselves configs (a dict with a ``"type"`` key, or a list
of them) are built first, so composites round-trip. Unknown names and unknown or missing
parameters raise a short ``ValueError`` with the closest valid names
(:mod:`jaxsched.config.names`). :func:`load_config` reads a config from a mapping, a JSON or
YAML file, an inline JSON string, a whole DeepSpeed config, a fairseq command line or a NeMo
``optim`` block (:mod:`jaxsched.config.frameworks`).
"""

from __future__ import annotations

import errno
import inspect
import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

# Importing these registers every name: the families, the composition algebra and the
# ecosystem names.
from jaxsched import compose as _compose  # noqa: F401
from jaxsched import schedules as _schedules  # noqa: F401
from jaxsched.config import ecosystem as _ecosystem  # noqa: F401
from jaxsched.config import frameworks, limits
from jaxsched.config.groups import split_groups
from jaxsched.config.names import did_you_mean, unknown_name_message
from jaxsched.core import registry
from jaxsched.core.registry import _REGISTRY, signature
from jaxsched.core.validate import describe

__all__ = ["from_config", "load_config", "registered_names"]

def registered_names() -> list[str]:
    """Every config name ``from_config`` accepts, sorted."""
    return registry.names()


def _hints(given: list[str], valid: list[str]) -> str:
    """``"did you mean ...? "`` for each given parameter close to a valid one, or ``""``."""
    hints = []
    for key in given:
        hint = did_you_mean(str(key), valid, n=1)
        if hint:
            hints.append(hint if len(given) == 1 else f"{key!r}: {hint}")
    return "".join(f"{h} " for h in hints)


def _is_config(x: Any) -> bool:
    return isinstance(x, Mapping) and "type" in x


def _pass_lr_down(fn: Any, params: Mapping[str, Any]) -> dict:
    """A composite's ``lr`` given to its child configs that take one and lack it.

    Composites declare the parameter holding their children as ``fn.lr_children`` (torch's
    ``SequentialLR`` and ``ChainedScheduler``: ``"schedulers"``).
    """
    key = getattr(fn, "lr_children", None)
    params = dict(params)
    lr = params.get("lr")
    kids = params.get(key) if key else None
    if lr is None and "lr" in params and isinstance(kids, list):
        # an explicit None where a child needs the lr: name the composite's `lr`, not the child's
        for i, kid in enumerate(kids):
            if _is_config(kid) and isinstance(kid.get("type"), str) and kid["type"] in _REGISTRY:
                p = signature(_REGISTRY[kid["type"]]).parameters.get("lr")
                if (p is not None and p.default is inspect.Parameter.empty
                        and "lr" not in (kid.get("params") or {})):
                    raise TypeError(
                        f"`lr` must be a number (the optimizer's learning rate, given to "
                        f"`{key}[{i}]` ({kid['type']}), which has none of its own), got None")
    if lr is None or not isinstance(kids, list):
        return params
    out = []
    for kid in kids:
        if _is_config(kid) and isinstance(kid.get("type"), str) and kid["type"] in _REGISTRY:
            kid_params = dict(kid.get("params") or {})
            if "lr" in signature(_REGISTRY[kid["type"]]).parameters and "lr" not in kid_params:
                kid = {**kid, "params": {**kid_params, "lr": lr}}
        out.append(kid)
    params[key] = out
    return params


def _build_param(x: Any, timeline: Any) -> Any:
    if _is_config(x):
        return from_config(x, timeline=timeline)
    if isinstance(x, list) and x and all(_is_config(v) for v in x):
        return [from_config(v, timeline=timeline) for v in x]
    return x


def from_config(
    cfg: Mapping[str, Any] | str | os.PathLike, hyperparam: str = "lr", *, timeline: Any = None
) -> Any:
    """Build a schedule from ``{"type": NAME, "params": {...}}``, a file, or a DeepSpeed config.

    Args:
      cfg: a mapping with ``"type"`` (a jaxsched constructor name, e.g. ``"cosine_decay"`` or
        ``"warmup_cosine_decay_schedule"``, or an ecosystem name such as ``"torch.OneCycleLR"``
        or ``"deepspeed.WarmupDecayLR"`` with that library's parameter names) and optional
        ``"params"``; a whole DeepSpeed config (its ``"scheduler"`` block is read); or anything
        else :func:`load_config` accepts (a ``.json``/``.yaml``/``.yml`` path, inline JSON).
      hyperparam: ``"lr"`` (default) for the learning rate, or ``"momentum"`` for the coupled
        momentum schedule of schedulers that cycle it (torch ``CyclicLR`` and ``OneCycleLR``,
        DeepSpeed ``OneCycle``), or ``"weight_decay"`` for Cerebras' ``cerebras.*WD`` names.
      timeline: a :class:`jaxsched.config.units.Timeline` to convert unit strings in step parameters
        (``"3 epochs"``, ``"10%"``); without one only plain step counts (``"500 steps"``)
        convert, and units needing a length raise naming the parameter.

    Returns:
      The schedule, equal to the one whose ``to_config()`` produced ``cfg``. A config with
      per-param-group lists where the home library takes them (torch
      ``CyclicLR(base_lr=[0.1, 0.01], ...)``, ``OneCycleLR(max_lr=[...])``,
      ``LambdaLR(lr_lambda=[f, g])``, a per-group ``lr``, DeepSpeed ``WarmupLR(warmup_max_lr=
      [...])``, ...; see :mod:`jaxsched.config.groups`) gives a **list** of schedules, one per
      group (lists of length 1 are the one group's value: a single schedule). A composite's
      ``lr`` (torch ``SequentialLR``, ``ChainedScheduler``) is given to its children that lack one.
      A big_vision config whose ``config.schedule`` is a per-parameter list ``[(regex, dict or
      None), ...]`` gives a :class:`jaxsched.ParamSchedules` (an ordered mapping regex ->
      Schedule, ``None`` for frozen parameters, with ``labels(params)`` and
      ``optimizer(optax.adam, ...)``; see
      :func:`jaxsched.config.frameworks.big_vision_config`): the schedules of such a config
      differ per parameter, and which parameter gets which is part of the config.

    Raises:
      ValueError: unknown name (the closest names are suggested), per-group lists of different
        lengths (both named), unknown or missing parameter
        (the closest one suggested, the valid ones listed), a
        file that does not parse (its name and line), a unit string that cannot be converted.
      TypeError: ``cfg`` is not a mapping or a path.
      FileNotFoundError: no such config file (the path is named).
      ImportError: a YAML file without PyYAML installed (``pip install "jaxsched[cli]"``).

    Example:
      >>> import jaxsched
      >>> s = jaxsched.from_config({"type": "cosine_decay_schedule",
      ...                           "params": {"init_value": 1.0, "decay_steps": 100}})
      >>> jaxsched.from_config(s.to_config()) == s
      True
    """
    from jaxsched.config.units import Timeline

    if timeline is None:
        timeline = Timeline()
    elif not isinstance(timeline, Timeline):
        raise TypeError(f"`timeline` must be a jaxsched.Timeline, got {describe(timeline)}")
    cfg = _load(cfg)
    if not isinstance(cfg, dict):  # a big_vision per-parameter list: its ParamSchedules
        if hyperparam != "lr":
            raise ValueError(f"`hyperparam` must be 'lr' for a big_vision config, got "
                             f"{describe(hyperparam)}")
        return cfg
    name = cfg["type"]
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(unknown_name_message(name, _REGISTRY))
    parts = split_groups(cfg)
    if parts is not None:  # per-group lists: one schedule per param group
        if len(parts) == 1:  # one group: a list of length 1 is its one value
            return from_config(parts[0], hyperparam, timeline=timeline)
        return [from_config(p, hyperparam, timeline=timeline) for p in parts]
    params = cfg["params"]
    fn = _REGISTRY[name]
    sig = signature(fn)
    accepted = [
        p for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD and p.name != "hyperparam"
    ]
    names = [p.name for p in accepted]
    extra = [k for k in params if k not in names]
    if extra and not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        raise ValueError(
            f"unknown parameter(s) {describe(extra)} for {describe(name)}; {_hints(extra, names)}"
            f"valid parameters are: {names}"
        )
    missing = [
        p.name for p in accepted if p.default is inspect.Parameter.empty and p.name not in params
        and p.kind not in (p.VAR_POSITIONAL,)
    ]
    if missing:
        raise ValueError(
            f"missing parameter(s) {missing} for {name!r}; {_hints(extra, missing)}valid parameters "
            f"are: {names}"
        )
    params = timeline.resolve(cfg, recursive=False)["params"]  # after the name checks
    params = _pass_lr_down(fn, params)
    built = {k: _build_param(v, timeline) for k, v in params.items()}
    if "hyperparam" in sig.parameters:
        if "hyperparam" in params:
            raise ValueError(f"pass `hyperparam` to from_config, not inside the params of {name!r}")
        return _call(name, fn, params, built, hyperparam=hyperparam)
    if hyperparam != "lr":
        able = [n for n, f in _REGISTRY.items() if "hyperparam" in signature(f).parameters]
        raise ValueError(
            f"`hyperparam` must be 'lr' for {name!r}, got {describe(hyperparam)}; schedules with a "
            f"coupled momentum schedule are: {', '.join(sorted(able))}"
        )
    return _call(name, fn, params, built)


def _call(name: str, fn: Callable[..., Any], params: Mapping[str, Any], built: Mapping[str, Any],
          **extra: Any) -> Any:
    """``fn(**built, **extra)``; a ``ValueError`` of a ``torch.*`` name gets torch's own words for
    the parameter it names appended (``with_torch_words``), for ``pytest.raises(match=...)``."""
    try:
        return fn(**built, **extra)
    except ValueError as e:
        if not name.startswith("torch."):
            raise
        from jaxsched.config.ecosystem.torch_spec import with_torch_words

        better = with_torch_words(name, params, e)
        if better is None:
            raise
        raise better from e


# ------------------------------------------------------------------------------------ loading
#: Top-level keys that mark a whole DeepSpeed config (used only to word the error message).
_DEEPSPEED_KEYS = frozenset({
    "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps",
    "optimizer", "fp16", "bf16", "zero_optimization", "gradient_clipping", "steps_per_print",
})
_YAML_SUFFIXES = (".yaml", ".yml")
_yaml_loader: Any = None


def load_config(source: Mapping[str, Any] | str | os.PathLike) -> dict:
    """The plain ``{"type": NAME, "params": {...}}`` mapping of a config, from any source.

    Args:
      source: a mapping ``{"type", "params"}``; a whole DeepSpeed config (a mapping with a
        top-level ``"scheduler"`` block, whose ``"type"`` and ``"params"`` are returned; a type
        DeepSpeed takes from ``torch.optim.lr_scheduler``, such as ``"StepLR"``, becomes
        ``"torch.StepLR"``, and the optimizer's ``params.lr`` is passed as ``lr`` to schedulers
        that take it, unless the block sets one); a path (``str`` or ``os.PathLike``) to a
        ``.json``, ``.yaml`` or ``.yml`` file holding either (other suffixes: JSON if the text
        starts with ``{``, else YAML); or an inline JSON or YAML mapping in a string (a string
        starting with ``{``, or holding a newline or ``": "``), as given on a command line;
        a fairseq command line (a list of arguments, a string starting with ``--`` or an
        ``argparse.Namespace``) or Hydra config (a mapping with ``lr_scheduler._name``), a
        Megatron-LM command line or namespace (one with ``--lr-decay-style``, ``--train-iters``
        or another flag only Megatron has), a Levanter config (``optimizer`` with
        ``learning_rate``/``lr_schedule``, and ``trainer.num_train_steps``), a Composer /
        llm-foundry config (``scheduler.name`` and ``max_duration``), a big_vision config
        (``lr``, ``schedule``, ``total_steps``/``total_epochs``, ``input.batch_size``; a mapping,
        an ``ml_collections.ConfigDict``, or a ``.py`` file whose ``get_config()`` is run, as
        big_vision's ``--config file.py:arg``), a t5x gin file or text (its
        ``create_learning_rate_scheduler.*`` bindings), and a
        NeMo ``optim`` block or model config (a mapping with ``sched``, ``optim.sched`` or
        ``model.optim.sched``), read by :mod:`jaxsched.config.frameworks`.

    Returns:
      A new dict with the keys ``"type"`` and ``"params"`` (a dict, ``{}`` when absent).

    Raises:
      FileNotFoundError: no such file (the path is named).
      ValueError: text that does not parse (file name, line and column), a mapping with no
        ``"type"`` (or a DeepSpeed config with no ``"scheduler"`` block), unexpected keys, a
        parameter left as ``"auto"`` (the HF Trainer's placeholder), a DeepSpeed
        ``optimizer``/``optimizer.params`` that is not a mapping or an ``optimizer.params.lr``
        that is not a number where the scheduler takes it (each named by its path), a big_vision
        config whose ``schedule`` is a per-parameter list (no single config: the message points
        to ``from_config`` and ``big_vision_config``, which return its ``ParamSchedules``), or a config
        past the limits of :mod:`jaxsched.config.limits` (over 1 MiB, nested over 64 levels,
        YAML aliases expanding to over 100,000 values, an integer outside int64).
      TypeError: ``source`` or its ``"params"`` is not a mapping.
      ImportError: YAML without PyYAML (``pip install "jaxsched[cli]"``).

    Example:
      >>> from jaxsched.config import load_config
      >>> load_config('{"type": "WarmupLR", "params": {"warmup_max_lr": 0.1}}')
      {'type': 'WarmupLR', 'params': {'warmup_max_lr': 0.1}}
      >>> load_config({"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"lr": 0.1}},
      ...              "scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": 9}}})
      {'type': 'WarmupCosineLR', 'params': {'total_num_steps': 9, 'lr': 0.1}}
    """
    out = _load(source)
    if not isinstance(out, dict):
        raise ValueError(
            "this big_vision config's `config.schedule` is a per-parameter list of (regex, "
            f"schedule) pairs (regexes {list(out)}), not one config: jaxsched.from_config(cfg) or "
            "jaxsched.config.frameworks.big_vision_config(cfg) give its ParamSchedules, and "
            "big_vision_config(cfg, pattern=regex) one entry's config")
    return out


def _load(source: Any) -> Any:
    """:func:`load_config`, except that a big_vision config with a per-parameter schedule list
    gives its :class:`~jaxsched.ParamSchedules`."""
    if frameworks.is_t5x_gin(source):
        return _framework(frameworks.t5x_gin_config(source))
    if frameworks.is_python_config_path(source):
        source = frameworks.load_python_config(os.fspath(source))
    source = frameworks._plain_mapping(source)  # an ml_collections ConfigDict
    if frameworks.is_megatron_args(source):
        return _framework(frameworks.megatron_config(source))
    if frameworks.is_fairseq_args(source):
        return _framework(frameworks.fairseq_config(source))
    if isinstance(source, (str, os.PathLike)):
        source = _read(source)
    elif isinstance(source, Mapping):
        limits.check_depth(source)
    if not isinstance(source, Mapping):
        raise TypeError(
            f"`cfg` must be a mapping with a 'type' key, a path to a .json/.yaml/.yml file or an "
            f"inline JSON mapping, got {type(source).__name__}"
        )
    if "type" not in source and frameworks.is_composer_mapping(source):
        return _framework(frameworks.composer_config(source))
    if "type" not in source and "scheduler" in source:
        return _deepspeed_block(source)
    if "type" not in source and frameworks.is_nemo_mapping(source):
        return _framework(frameworks.nemo_config(source))
    if "type" not in source and frameworks.is_fairseq_mapping(source):
        return _framework(frameworks.fairseq_config(source))
    if "type" not in source and "scheduler" not in source and frameworks.is_levanter_mapping(source):
        return _framework(frameworks.levanter_config(source))
    if "type" not in source and frameworks.is_big_vision_mapping(source):
        out = frameworks.big_vision_config(source)
        return _framework(out) if isinstance(out, dict) else out
    if "type" not in source and set(source) & _DEEPSPEED_KEYS:
        raise ValueError("this DeepSpeed config has no 'scheduler' block to read a schedule from")
    unknown_keys = set(source) - {"type", "params"}
    if unknown_keys:
        raise ValueError(
            f"config keys must be 'type' and 'params', got unexpected {sorted(map(str, unknown_keys))}"
        )
    if "type" not in source:
        raise ValueError(
            "config must have a 'type' key naming the schedule (or be a DeepSpeed config with a "
            "'scheduler' block)"
        )
    return _plain(source["type"], source.get("params"))


def _framework(cfg: dict) -> dict:
    return _plain(cfg["type"], cfg["params"])


def _plain(name: Any, params: Any) -> dict:
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        raise TypeError(f"'params' of {describe(name)} must be a mapping, got {type(params).__name__}")
    for k, val in params.items():
        if isinstance(val, str) and val.strip().lower() == "auto":
            raise ValueError(
                f"`{k}` of {describe(name)} is 'auto', a placeholder the HF Trainer fills in; give a value"
            )
    return {"type": name, "params": dict(params)}


def _deepspeed_block(ds: Mapping[str, Any]) -> dict:
    block = ds["scheduler"]
    if not isinstance(block, Mapping) or "type" not in block:
        raise ValueError(
            f"the DeepSpeed 'scheduler' block must be a mapping with a 'type' key, got {_short(block)}"
        )
    extra = set(block) - {"type", "params"}
    if extra:
        raise ValueError(f"the DeepSpeed 'scheduler' block has unexpected keys {sorted(extra)}")
    out = _plain(block["type"], block.get("params"))
    name = out["type"]
    if isinstance(name, str) and name not in _REGISTRY and f"torch.{name}" in _REGISTRY:
        name = out["type"] = f"torch.{name}"  # DeepSpeed falls back to torch.optim.lr_scheduler
    fn = _REGISTRY.get(name) if isinstance(name, str) else None
    takes_lr = fn is not None and "lr" in signature(fn).parameters
    lr = _optimizer_lr(ds.get("optimizer"))
    if takes_lr and "lr" not in out["params"] and lr is not None:
        if isinstance(lr, bool) or not isinstance(lr, (int, float)):
            what = ("'auto', a placeholder the HF Trainer fills in" if isinstance(lr, str)
                    and lr.strip().lower() == "auto" else _short(lr))
            raise ValueError(
                f"`optimizer.params.lr` of this DeepSpeed config must be a number (the "
                f"learning rate of {describe(name)}), got {what}; give a number, or set `lr` in the "
                "scheduler's params"
            )
        out["params"]["lr"] = lr
    return out


def _short(x: Any) -> str:
    """A repr of ``x`` of at most about 100 characters, with its type."""
    return f"{describe(x)} of type {type(x).__name__}"


def _optimizer_lr(opt: Any) -> Any:
    """The ``optimizer.params.lr`` of a DeepSpeed config, or None when absent.

    Raises:
      ValueError: ``optimizer`` or ``optimizer.params`` present but not a mapping (named).
    """
    if opt is None:
        return None
    if not isinstance(opt, Mapping):
        raise ValueError(f"`optimizer` of this DeepSpeed config must be a mapping, got {_short(opt)}")
    params = opt.get("params")
    if params is None:
        return None
    if not isinstance(params, Mapping):
        raise ValueError(
            f"`optimizer.params` of this DeepSpeed config must be a mapping such as "
            f'{{"lr": 0.001}}, got {_short(params)}'
        )
    return params.get("lr")


def _read(source: str | os.PathLike) -> Any:
    if isinstance(source, str):
        text = source.strip()
        inline = text.startswith("{") or "\n" in text or (
            re.search(r":\s", text) is not None and not os.path.exists(source)
        )
        if inline:
            return _parse(source, "inline config", "json" if text.startswith("{") else "yaml")
    path = os.path.expanduser(os.fspath(source))
    if not os.path.exists(path):
        raise FileNotFoundError(
            errno.ENOENT, "no such config file (give a .json/.yaml/.yml file or an inline JSON "
            "mapping)", path,
        )
    if os.path.isfile(path):
        limits.check_size(os.path.getsize(path), path)
    with open(path, encoding="utf-8") as fh:
        text = fh.read(limits.MAX_CONFIG_BYTES + 1)
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".json":
        fmt = "json"
    elif suffix in _YAML_SUFFIXES:
        fmt = "yaml"
    else:
        fmt = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
    return _parse(text, path, fmt)


def _parse(text: str, origin: str, fmt: str) -> Any:
    limits.check_size(len(text), origin)
    if not text.strip():
        raise ValueError(f"{origin} is empty: it must hold a mapping with 'type' and 'params'")
    if fmt == "json":
        try:
            data = limits.json_loads(text, origin)
        except json.JSONDecodeError as e:
            if origin == "inline config":
                try:  # a YAML flow mapping: {type: WarmupLR, params: {warmup_num_steps: 10}}
                    return _parse(text, origin, "yaml")
                except (ImportError, ValueError):
                    pass
            raise ValueError(
                f"{origin}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
            ) from None
    else:
        yaml = _yaml()
        try:
            data = yaml.load(text, Loader=_yaml_loader)
        except _LimitError as e:
            raise ValueError(f"{origin}: {e}") from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(e, "problem", None) or str(e)
            raise ValueError(f"{origin}: invalid YAML{where}: {problem}") from None
    if not isinstance(data, Mapping):
        raise ValueError(
            f"{origin} must hold a mapping with 'type' and 'params' (or a DeepSpeed config), got "
            f"{type(data).__name__}"
        )
    return data


def _yaml() -> Any:
    """PyYAML with a safe loader that also reads ``1e-3`` as a float (YAML 1.1 needs ``1.0e-3``)."""
    global _yaml_loader
    from jaxsched.core.optional import require

    yaml = require("yaml", "reading a YAML config")
    if _yaml_loader is None:

        class Loader(yaml.SafeLoader):
            """A safe loader within :mod:`jaxsched.config.limits`: depth, aliases, int64."""

            _depth = 0

            def compose_node(self, parent: Any, index: Any) -> Any:
                self._depth += 1
                try:
                    if self._depth > limits.MAX_CONFIG_DEPTH:
                        raise _LimitError(limits.depth_message("the YAML document"))
                    return super().compose_node(parent, index)
                finally:
                    self._depth -= 1

            def compose_document(self) -> Any:
                node = super().compose_document()
                _check_expanded_size(node)
                return node

            def construct_yaml_int(self, node: Any) -> int:
                text = str(node.value)
                if len(text.replace("_", "").lstrip("+-")) > 40:
                    raise _LimitError(limits.int_message(text))
                value = super().construct_yaml_int(node)
                try:
                    return limits.check_int(value)
                except ValueError as e:
                    raise _LimitError(str(e)) from None

        Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
        Loader.add_implicit_resolver(
            "tag:yaml.org,2002:float",
            re.compile(r"^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)[eE][-+]?\d+$"),
            list("-+0123456789."),
        )
        _yaml_loader = Loader
    return yaml


class _LimitError(limits.ConfigLimitError):
    """A YAML document past a limit of :mod:`jaxsched.config.limits`."""


def _check_expanded_size(root: Any) -> None:
    """Refuse a composed YAML node graph holding over ``MAX_YAML_NODES`` values once expanded.

    An alias (``*name``) shares its anchored node, so each node's expanded size is computed once
    (memoised by id, without recursion): a "billion laughs" graph is refused in microseconds.
    """
    if root is None:
        return
    size: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose children are being sized: met again means a cycle
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        if not done and id(node) in open_:
            raise _LimitError("the YAML document holds a recursive alias (a value inside itself)")
        value = node.value
        if not isinstance(value, list):  # a scalar
            size[id(node)] = 1
            continue
        kids = [k for item in value for k in (item if isinstance(item, tuple) else (item,))]
        if done:
            total = 1 + sum(size[id(k)] for k in kids)
            if total > limits.MAX_YAML_NODES:
                raise _LimitError(
                    f"the YAML document holds over {limits.MAX_YAML_NODES:,} values once its "
                    "aliases are expanded (jaxsched.config.limits.MAX_YAML_NODES)"
                )
            size[id(node)] = total
        else:
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in size)
