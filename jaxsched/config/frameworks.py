"""Whole fairseq, NeMo and Megatron-LM scheduler configurations as ``{"type", "params"}`` configs.

:func:`fairseq_config` reads a fairseq command line (``["--lr-scheduler", "inverse_sqrt",
"--warmup-updates", "4000", "--lr", "5e-4", ...]``, one string of it, or the
``argparse.Namespace`` fairseq parses it into) or a fairseq Hydra config (``{"lr_scheduler":
{"_name": ...}, "optimization": {"lr": [...], "max_update": ...}}``); :func:`nemo_config` reads
a NeMo ``optim`` block (``{"name": "adamw", "lr": ..., "sched": {"name": "CosineAnnealing",
...}}``), or a model config holding ``model.optim`` and ``trainer.max_steps``;
:func:`megatron_config` reads a Megatron-LM command line (``--lr-decay-style cosine --lr 3e-4
--train-iters 100000 ...``) or its namespace; :func:`levanter_config` reads a Levanter config
(``optimizer`` and ``trainer.num_train_steps``); :func:`composer_config` reads a Composer /
llm-foundry YAML (``scheduler: {name: cosine_with_warmup, ...}`` and ``max_duration``);
:func:`big_vision_config` reads a big_vision config (``lr``, ``schedule``, ``total_steps`` /
``total_epochs``, ``input.batch_size``; a dict, an ``ml_collections.ConfigDict``, or a Python
file's ``get_config()`` through :func:`load_python_config`; a per-parameter ``schedule`` list
gives a :class:`jaxsched.ParamSchedules`); :func:`t5x_gin_config` reads the
``create_learning_rate_scheduler`` bindings of a t5x gin file. Each returns the ``fairseq.*`` /
``nemo.*`` / ``megatron.OptimizerParamScheduler`` / ... config, and :func:`jaxsched.from_config` (through
:func:`jaxsched.config.load_config`) accepts all of these forms directly::

    jaxsched.from_config(["--lr-scheduler", "inverse_sqrt", "--lr", "5e-4"])
    jaxsched.from_config("nemo_model.yaml")  # model.optim.sched and trainer.max_steps

Use the functions themselves to pass what the files lack: ``updates_per_epoch`` (fairseq's
epoch-based names) or ``max_steps`` (NeMo's ``trainer.max_steps``). Only the scheduler is read:
the optimizer's name and other arguments are ignored.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import shlex
from collections.abc import Mapping
from typing import Any

from jaxsched.core.registry import _REGISTRY, signature
from jaxsched.core.validate import describe

__all__ = ["fairseq_config", "nemo_config", "megatron_config", "is_fairseq_args",
           "is_fairseq_mapping", "is_nemo_mapping", "is_megatron_args", "levanter_config",
           "is_levanter_mapping", "composer_config", "is_composer_mapping", "big_vision_config",
           "is_big_vision_mapping", "load_python_config", "is_python_config_path",
           "t5x_gin_config", "is_t5x_gin"]


# ------------------------------------------------------------------------------------ fairseq
def _float_list(text: str) -> list[float]:
    """fairseq's ``eval_str_list(x, float)``: ``"5e-4"`` -> ``[5e-4]``, ``"0.1,0.05"`` -> a list."""
    try:
        x = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise argparse.ArgumentTypeError(
            f"expected a number or a comma-separated list, got {text!r}") from None
    items = x if isinstance(x, (list, tuple)) else [x]
    try:
        return [float(i) for i in items]
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected numbers, got {text!r}") from None


#: fairseq's scheduler flags (``--name`` for ``name``) and their argparse types.
FAIRSEQ_FLAGS: dict[str, Any] = {
    "lr": _float_list, "max_update": int, "warmup_updates": int, "warmup_init_lr": float,
    "force_anneal": int, "lr_shrink": float, "end_learning_rate": float, "power": float,
    "total_num_update": float, "min_lr": float, "t_mult": float, "lr_period_updates": float,
    "warmup_steps": int, "hold_steps": int, "decay_steps": int, "phase_ratio": _float_list,
    "init_lr_scale": float, "final_lr_scale": float, "max_lr": float, "shrink_min": bool,
    "lr_deacy_period": int, "lr_decay": float, "lr_threshold": float, "lr_patience": int,
    "maximize_best_checkpoint_metric": bool,
}
#: fields that fairseq interpolates from ``optimization.max_update`` when unset.
_FROM_MAX_UPDATE = ("total_num_update",)


def is_fairseq_args(source: Any) -> bool:
    """A fairseq argument list, command string or namespace.

    A list (or tuple) is one when it holds only strings and at least one ``--`` flag: a list
    such as ``["constant_schedule"]`` is no command line, and stays a type error of
    ``from_config`` rather than fairseq's default scheduler.
    """
    if isinstance(source, argparse.Namespace):
        return True
    if isinstance(source, str):
        return source.lstrip().startswith("--")
    return (isinstance(source, (list, tuple)) and all(isinstance(a, str) for a in source)
            and any(a.startswith("--") for a in source))


def is_fairseq_mapping(source: Any) -> bool:
    """A fairseq Hydra config: a top-level ``lr_scheduler`` mapping with ``_name``."""
    return isinstance(source, Mapping) and isinstance(source.get("lr_scheduler"), Mapping) and (
        "_name" in source["lr_scheduler"])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fairseq", add_help=False, allow_abbrev=False,
                                exit_on_error=False)
    p.add_argument("--lr-scheduler", dest="lr_scheduler", default="fixed")
    for name, kind in FAIRSEQ_FLAGS.items():
        flag = "--" + name.replace("_", "-")
        if kind is bool:
            p.add_argument(flag, dest=name, action="store_true", default=argparse.SUPPRESS)
        else:
            p.add_argument(flag, dest=name, type=kind, default=argparse.SUPPRESS)
    return p


def _unset(x: Any) -> bool:
    return x is None or (isinstance(x, str) and (x.startswith("${") or x == "???"))


def fairseq_config(source: Any, *, updates_per_epoch: int | None = None) -> dict:
    """The ``fairseq.<name>`` config of a fairseq command line, namespace or Hydra config.

    Args:
      source: a list of arguments (``["--lr-scheduler", "cosine", "--lr", "1e-3", ...]``; other
        fairseq flags are ignored), one string of them, an ``argparse.Namespace`` from fairseq's
        parser, or a mapping with ``lr_scheduler`` (``_name`` and the scheduler's fields) and
        optionally ``optimization`` (``lr``, ``max_update``), as fairseq's Hydra configs hold.
      updates_per_epoch: passed on to the names that need it (``fixed`` with an lr list or
        ``force_anneal``, ``reduce_lr_on_plateau`` with a warmup).

    Returns:
      ``{"type": "fairseq.<name>", "params": {...}}``: the flags given (the name's defaults fill
      the rest, as fairseq's dataclasses do), ``total_num_update`` from ``max_update`` when unset.

    Raises:
      ValueError: an unknown ``--lr-scheduler`` (the fairseq names listed), a flag value that does
        not parse (named).
      TypeError: ``source`` of another type.

    Example:
      >>> fairseq_config("--arch transformer --lr-scheduler inverse_sqrt --warmup-updates 4000 --lr 5e-4")
      {'type': 'fairseq.inverse_sqrt', 'params': {'warmup_updates': 4000, 'lr': [0.0005]}}
    """
    if isinstance(source, str):
        source = shlex.split(source)
    if isinstance(source, (list, tuple)):
        parser = _parser()
        try:
            ns, _ = parser.parse_known_args(list(source))
        except argparse.ArgumentError as e:
            raise ValueError(f"fairseq arguments: {e}") from None
        values = vars(ns)
    elif isinstance(source, argparse.Namespace):
        values = vars(source)
    elif is_fairseq_mapping(source):
        values = {k: v for k, v in source["lr_scheduler"].items() if k != "_name"}
        values["lr_scheduler"] = source["lr_scheduler"]["_name"]
        opt = source.get("optimization") or {}
        if not isinstance(opt, Mapping):
            raise ValueError(
                f"`optimization` of this fairseq config must be a mapping, got {describe(opt)}")
        for key in ("lr", "max_update"):
            if _unset(values.get(key)) and not _unset(opt.get(key)):
                values[key] = opt[key]
    else:
        raise TypeError(
            "`source` must be a fairseq argument list or string, an argparse.Namespace or a "
            f"mapping with 'lr_scheduler', got {type(source).__name__}"
        )
    name = values.get("lr_scheduler", "fixed")
    full = f"fairseq.{name}"
    if not isinstance(name, str) or full not in _REGISTRY:
        valid = sorted(n.split(".", 1)[1] for n in _REGISTRY if n.startswith("fairseq."))
        raise ValueError(f"unknown fairseq --lr-scheduler {describe(name)}; valid: {', '.join(valid)}")
    accepted = signature(_REGISTRY[full]).parameters
    params = {k: v for k, v in values.items() if k in accepted and not _unset(v)}
    for key in _FROM_MAX_UPDATE:
        if key in accepted and key not in params and not _unset(values.get("max_update")):
            params[key] = values["max_update"]
    if "phase_ratio" in params and params["phase_ratio"] is not None:
        params["phase_ratio"] = list(params["phase_ratio"])
    if updates_per_epoch is not None and "updates_per_epoch" in accepted:
        params["updates_per_epoch"] = updates_per_epoch
    return {"type": full, "params": params}


# ------------------------------------------------------------------------------------ NeMo
#: ``optim.sched`` keys that are not scheduler arguments (``prepare_lr_scheduler`` drops them).
_NEMO_DROPPED = ("name", "t_max_epochs", "t_accumulate_grad_batches", "t_limit_train_batches",
                 "t_num_workers", "monitor", "reduce_on_plateau")
_INTERP = re.compile(r"^\$\{([A-Za-z_][\w.]*)\}$")


def is_nemo_mapping(source: Any) -> bool:
    """A NeMo ``optim`` block (with ``sched``), or a config holding one (``optim``, ``model.optim``)."""
    if not isinstance(source, Mapping):
        return False
    if isinstance(source.get("sched"), Mapping):
        return True
    model = source.get("model")
    optim = source.get("optim", model.get("optim") if isinstance(model, Mapping) else None)
    return isinstance(optim, Mapping) and "sched" in optim


def _lookup(root: Mapping, path: str, where: str) -> Any:
    node: Any = root
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ValueError(f"`{where}` refers to ${{{path}}}, which this config does not hold")
        node = node[part]
    return node


def _resolve(x: Any, root: Mapping, where: str, depth: int = 0) -> Any:
    """An OmegaConf interpolation ``${a.b}`` resolved against ``root``; ``???`` refused."""
    if isinstance(x, str):
        if x == "???":
            raise ValueError(f"`{where}` is '???' (mandatory in NeMo's config): give a value")
        m = _INTERP.match(x)
        if m:
            if depth > 16:
                raise ValueError(f"`{where}`: interpolations nest too deep")
            return _resolve(_lookup(root, m.group(1), where), root, where, depth + 1)
    return x


def nemo_config(source: Mapping[str, Any], *, max_steps: int | None = None) -> dict:
    """The ``nemo.<Name>`` config of a NeMo ``optim`` block or model config.

    Args:
      source: an ``optim`` block (``name``, ``lr``, ``sched``), a mapping holding one as
        ``optim`` or ``model.optim`` (a NeMo model YAML; its ``trainer.max_steps`` is read), or
        ``sched`` with ``args: {name: auto, params: {...}}`` (NeMo's older form). Whole-value
        interpolations ``${trainer.max_steps}`` are resolved against ``source``.
      max_steps: ``trainer.max_steps``. As NeMo's ``ModelPT.setup_optimization``, a
        ``max_steps >= 0`` (given here, or the config's ``trainer.max_steps``) overrides
        ``sched.max_steps``.

    Returns:
      ``{"type": "nemo.<Name>", "params": {...}}`` with ``lr`` = ``optim.lr`` and ``max_steps``
      for the names that take it.

    Raises:
      ValueError: no ``sched`` (NeMo builds no scheduler), ``max_steps`` missing or -1 (NeMo
        computes it from epochs and the dataloader, or builds no scheduler), an unknown scheduler
        name (NeMo's names listed), an unresolvable interpolation or ``???``.

    Example:
      >>> nemo_config({"name": "adamw", "lr": 1e-3, "sched": {"name": "CosineAnnealing",
      ...              "warmup_ratio": 0.1, "min_lr": 1e-5}}, max_steps=1000)
      {'type': 'nemo.CosineAnnealing', 'params': {'warmup_ratio': 0.1, 'min_lr': 1e-05, \
'max_steps': 1000, 'lr': 0.001}}
    """
    if not isinstance(source, Mapping):
        raise TypeError(f"`source` must be a NeMo optim block (a mapping), got {type(source).__name__}")
    root = source
    model = source.get("model")
    if "sched" in source or "lr" in source:
        optim, where = source, ""
    elif isinstance(source.get("optim"), Mapping):
        optim, where = source["optim"], "optim."
    elif isinstance(model, Mapping) and isinstance(model.get("optim"), Mapping):
        optim, where = model["optim"], "model.optim."
    else:
        raise ValueError("this NeMo config holds no optim block ('optim' or 'model.optim')")
    sched = _resolve(optim.get("sched"), root, where + "sched")
    if sched is None:
        raise ValueError(f"`{where}sched` is missing: NeMo builds no scheduler (the lr stays {where}lr)")
    if not isinstance(sched, Mapping):
        raise ValueError(f"`{where}sched` must be a mapping, got {describe(sched)}")
    name = _resolve(sched.get("name"), root, where + "sched.name")
    if "args" in sched:
        args = sched["args"]
        if not isinstance(args, Mapping):
            raise ValueError(f"`{where}sched.args` must be a mapping, got {describe(args)}")
        params = dict(args.get("params") or {}) if "name" in args else dict(args)
    else:
        params = {k: v for k, v in sched.items() if k not in _NEMO_DROPPED}
    params = {k: _resolve(v, root, f"{where}sched.{k}") for k, v in params.items()}
    if "max_steps" in sched:  # prepare_lr_scheduler reads it from sched itself, args or not
        params["max_steps"] = _resolve(sched["max_steps"], root, f"{where}sched.max_steps")
    trainer = root.get("trainer")
    if max_steps is None and isinstance(trainer, Mapping) and "max_steps" in trainer:
        max_steps = _resolve(trainer["max_steps"], root, "trainer.max_steps")
    if isinstance(max_steps, int) and not isinstance(max_steps, bool) and max_steps >= 0:
        params["max_steps"] = max_steps
    full = f"nemo.{name}"
    if not isinstance(name, str) or full not in _REGISTRY:
        valid = sorted(n.split(".", 1)[1] for n in _REGISTRY if n.startswith("nemo."))
        raise ValueError(f"unknown NeMo scheduler {describe(name)} in `{where}sched.name`; valid: "
                         f"{', '.join(valid)}")
    accepted = signature(_REGISTRY[full]).parameters
    if "max_steps" in accepted:
        ms = params.get("max_steps")
        if ms is None and accepted["max_steps"].default is inspect.Parameter.empty:
            raise ValueError(
                f"`{where}sched.max_steps` is missing and no trainer.max_steps is given: NeMo then "
                "computes it from trainer.max_epochs and the dataloader; pass max_steps="
            )
        if ms == -1:
            raise ValueError(f"`{where}sched.max_steps` is -1: NeMo builds no scheduler (the lr stays "
                             f"{where}lr)")
    else:
        params.pop("max_steps", None)  # as prepare_lr_scheduler does for torch's schedulers
    lr = _resolve(optim.get("lr"), root, where + "lr")
    if lr is not None and "lr" in accepted and "lr" not in params:
        params["lr"] = lr
    return {"type": full, "params": params}


# ------------------------------------------------------------------------------------ Megatron
#: Megatron-LM's scheduler flags (``--name`` for ``name``; ``megatron/training/arguments.py`` and
#: its ``SchedulerConfig``) and their argparse types.
MEGATRON_FLAGS: dict[str, Any] = {
    "lr": float, "min_lr": float, "lr_decay_style": str, "lr_wsd_decay_style": str,
    "lr_decay_iters": int, "lr_decay_samples": int, "lr_wsd_decay_iters": int,
    "lr_wsd_decay_samples": int, "lr_warmup_fraction": float, "lr_warmup_iters": int,
    "lr_warmup_samples": int, "lr_warmup_init": float, "train_iters": int, "train_samples": int,
    "global_batch_size": int, "weight_decay": float, "start_weight_decay": float,
    "end_weight_decay": float, "weight_decay_incr_style": str,
}
#: flags only Megatron has (a command line holding one, and no ``--lr-scheduler``, is Megatron's).
_MEGATRON_MARKERS = ("--lr-decay-style", "--lr-wsd-decay-style", "--train-iters", "--train-samples",
                     "--lr-decay-iters", "--lr-decay-samples", "--lr-warmup-iters",
                     "--lr-warmup-samples", "--lr-warmup-fraction", "--lr-warmup-init")


def is_megatron_args(source: Any) -> bool:
    """A Megatron-LM argument list, command string or namespace (one with ``lr_decay_style``)."""
    if isinstance(source, argparse.Namespace):
        return hasattr(source, "lr_decay_style") and not hasattr(source, "lr_scheduler")
    if isinstance(source, str):
        if not source.lstrip().startswith("--"):
            return False
        try:
            source = shlex.split(source)
        except ValueError:
            return False
    if not (isinstance(source, (list, tuple)) and all(isinstance(a, str) for a in source)):
        return False
    flags = {a.split("=", 1)[0] for a in source if a.startswith("--")}
    return "--lr-scheduler" not in flags and any(f in flags for f in _MEGATRON_MARKERS)


def _megatron_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="megatron", add_help=False, allow_abbrev=False,
                                exit_on_error=False)
    for name, kind in MEGATRON_FLAGS.items():
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, default=None)
    p.add_argument("--rampup-batch-size", dest="rampup_batch_size", nargs=3, type=int, default=None)
    return p


def megatron_config(source: Any, *, global_batch_size: int | None = None) -> dict:
    """The ``megatron.OptimizerParamScheduler`` config of a Megatron-LM command line or namespace.

    Reproduces ``get_optimizer_param_scheduler`` (``megatron/training/training.py``): with
    ``--train-iters``, ``lr_decay_steps = (--lr-decay-iters or --train-iters) x G``,
    ``wd_incr_steps = --train-iters x G``, ``wsd_decay_steps = --lr-wsd-decay-iters x G``,
    ``lr_warmup_steps = --lr-warmup-fraction x lr_decay_steps`` or ``--lr-warmup-iters x G``
    (``G`` = the global batch size); with ``--train-samples`` the ``*-samples`` flags as they
    are. Megatron's scheduler counts samples, so the config has ``increment = G`` (or
    ``batch_sizes`` = :func:`jaxsched.rampup_batch_size` for ``--rampup-batch-size``). The
    weight decay is ``--weight-decay`` (default 0.01) for ``--weight-decay-incr-style constant``,
    else ``--start-weight-decay`` to ``--end-weight-decay``.

    Args:
      source: a list of arguments (other Megatron flags are ignored), one string of them, or the
        ``argparse.Namespace`` Megatron parses them into.
      global_batch_size: ``G`` when the arguments lack ``--global-batch-size`` (Megatron then
        uses micro batch size x data-parallel size, which depends on the world size).

    Returns:
      ``{"type": "megatron.OptimizerParamScheduler", "params": {...}}``.

    Raises:
      ValueError: what Megatron's argument checks refuse (neither or both of ``--train-iters``
        and ``--train-samples``, iteration and sample flags mixed, ``--lr-warmup-fraction`` with
        ``--lr-warmup-iters``/``--lr-warmup-samples``, no ``--lr``, start/end weight decay given
        or missing against the increment style), no global batch size, a flag that does not parse.
      TypeError: ``source`` of another type.

    Example:
      >>> megatron_config("--lr-decay-style cosine --lr 3e-4 --min-lr 3e-5 --lr-warmup-iters 20 "
      ...                 "--train-iters 1000 --global-batch-size 8")["params"]["lr_decay_steps"]
      8000
    """
    if isinstance(source, str):
        source = shlex.split(source)
    if isinstance(source, (list, tuple)):
        try:
            ns, _ = _megatron_parser().parse_known_args(list(source))
        except argparse.ArgumentError as e:
            raise ValueError(f"Megatron arguments: {e}") from None
        a = vars(ns)
    elif isinstance(source, argparse.Namespace):
        a = {k: getattr(source, k, None) for k in [*MEGATRON_FLAGS, "rampup_batch_size"]}
    else:
        raise TypeError("`source` must be a Megatron argument list or string or an "
                        f"argparse.Namespace, got {type(source).__name__}")
    g = a.get("global_batch_size") if a.get("global_batch_size") is not None else global_batch_size
    if g is None:
        raise ValueError("the global batch size is needed (Megatron's scheduler counts samples): "
                         "give --global-batch-size or megatron_config(..., global_batch_size=)")
    if a.get("lr") is None:
        raise ValueError("`--lr` is missing (Megatron's default None fails)")
    iters, samples = a.get("train_iters"), a.get("train_samples")
    if bool(iters) == bool(samples):
        raise ValueError(
            "give one of --train-iters and --train-samples, got "
            f"train_iters={iters!r}, train_samples={samples!r} (Megatron: 'either train-iters or "
            "train-samples should be provided')")
    frac = a.get("lr_warmup_fraction")
    warm_iters, warm_samples = a.get("lr_warmup_iters") or 0, a.get("lr_warmup_samples") or 0
    if iters:
        for k in ("lr_decay_samples", "lr_wsd_decay_samples"):
            if a.get(k) is not None:
                raise ValueError(f"`--{k.replace('_', '-')}` with --train-iters: Megatron expects "
                                 "iteration-based flags")
        if warm_samples:
            raise ValueError("`--lr-warmup-samples` with --train-iters: Megatron expects "
                             "iteration-based learning rate warmup")
        if frac is not None and warm_iters:
            raise ValueError("give one of --lr-warmup-fraction and --lr-warmup-iters (Megatron asserts it)")
        decay = (a.get("lr_decay_iters") or iters) * g
        wd_steps = iters * g
        wsd = None if a.get("lr_wsd_decay_iters") is None else a["lr_wsd_decay_iters"] * g
        warm = frac * decay if frac is not None else warm_iters * g
    else:
        for k in ("lr_decay_iters", "lr_wsd_decay_iters"):
            if a.get(k) is not None:
                raise ValueError(f"`--{k.replace('_', '-')}` with --train-samples: Megatron expects "
                                 "sample-based flags")
        if warm_iters:
            raise ValueError("`--lr-warmup-iters` with --train-samples: Megatron expects "
                             "sample-based learning rate warmup")
        if frac is not None and warm_samples:
            raise ValueError("give one of --lr-warmup-fraction and --lr-warmup-samples (Megatron "
                             "asserts it)")
        decay = a.get("lr_decay_samples") or samples
        wd_steps = samples
        wsd = a.get("lr_wsd_decay_samples")
        warm = frac * decay if frac is not None else warm_samples
    style = a.get("weight_decay_incr_style") or "constant"
    start, end = a.get("start_weight_decay"), a.get("end_weight_decay")
    if style == "constant":
        if start is not None or end is not None:
            raise ValueError("--start-weight-decay/--end-weight-decay need a non-constant "
                             "--weight-decay-incr-style (Megatron asserts they are unset)")
        start = end = a.get("weight_decay") if a.get("weight_decay") is not None else 0.01
    elif start is None or end is None:
        raise ValueError(f"--weight-decay-incr-style {style} needs --start-weight-decay and "
                         "--end-weight-decay (Megatron asserts both are set)")
    params: dict[str, Any] = {
        "max_lr": a["lr"], "min_lr": a.get("min_lr") or 0.0,
        "init_lr": a.get("lr_warmup_init") or 0.0,
        "lr_decay_style": a.get("lr_decay_style") or "linear",
        "lr_warmup_steps": warm, "lr_decay_steps": decay,
        "start_wd": start, "end_wd": end, "wd_incr_steps": wd_steps, "wd_incr_style": style,
    }
    if wsd is not None:
        params["wsd_decay_steps"] = wsd
    if a.get("lr_wsd_decay_style") is not None:
        params["lr_wsd_decay_style"] = a["lr_wsd_decay_style"]
    ramp = a.get("rampup_batch_size")
    if ramp:
        r0, r1, r2 = (int(x) for x in ramp)
        params["batch_sizes"] = {"type": "rampup_batch_size", "params": {
            "start_batch_size": r0, "batch_size_increment": r1, "rampup_samples": r2,
            "global_batch_size": g}}
    else:
        params["increment"] = g
    return {"type": "megatron.OptimizerParamScheduler", "params": params}


# ------------------------------------------------------------------------------------ Levanter
#: the ``OptimizerConfig`` fields that shape Levanter's lr schedule.
_LEVANTER_FIELDS = ("learning_rate", "min_lr_ratio", "warmup", "decay", "rewarmup", "cooldown",
                    "cycle_length", "cycles", "haps", "lr_schedule")


def is_levanter_mapping(source: Any) -> bool:
    """A Levanter config: an ``optimizer`` mapping with ``learning_rate`` or ``lr_schedule`` (no
    DeepSpeed ``params``), or a top-level one holding ``trainer.num_train_steps``."""
    if not isinstance(source, Mapping):
        return False
    opt = source.get("optimizer")
    return isinstance(opt, Mapping) and "params" not in opt and any(
        k in opt for k in ("learning_rate", "lr_schedule", "min_lr_ratio", "warmup", "cycles"))


def levanter_config(source: Mapping[str, Any], *, num_train_steps: int | None = None) -> dict:
    """The ``levanter.lr_scheduler`` config of a Levanter training config or optimizer block.

    Args:
      source: a Levanter config (``{"optimizer": {...}, "trainer": {"num_train_steps": ...}}``,
        as its YAML files hold), or an optimizer block itself. The optimizer's ``type`` (adam,
        lion, ...) and other fields are ignored; ``lr_schedule: {type: cosine, exponent: 2}``
        gives ``lr_schedule``, ``exponent`` and ``timescale``; ``{type: power, batch_size,
        seq_length, a, b}`` gives those four.
      num_train_steps: the trainer's steps, when ``source`` lacks ``trainer.num_train_steps``.

    Returns:
      ``{"type": "levanter.lr_scheduler", "params": {...}}``.

    Raises:
      ValueError: no ``num_train_steps``, an ``lr_schedule`` mapping without ``type`` or with
        unknown keys.

    Example:
      >>> levanter_config({"optimizer": {"type": "adam", "learning_rate": 3e-4, "warmup": 0.1,
      ...                                "lr_schedule": "linear"}, "trainer": {"num_train_steps": 1000}})
      {'type': 'levanter.lr_scheduler', 'params': {'learning_rate': 0.0003, 'warmup': 0.1, \
'lr_schedule': 'linear', 'num_train_steps': 1000}}
    """
    if not isinstance(source, Mapping):
        raise TypeError(f"`source` must be a Levanter config (a mapping), got {type(source).__name__}")
    opt = source.get("optimizer", source)
    if not isinstance(opt, Mapping):
        raise ValueError(f"`optimizer` must be a mapping, got {describe(opt)}")
    params = {k: opt[k] for k in _LEVANTER_FIELDS if k in opt}
    sched = params.get("lr_schedule")
    if isinstance(sched, Mapping):
        fields = ("exponent", "timescale", "batch_size", "seq_length", "a", "b")
        extra = set(sched) - {"type", *fields}
        if "type" not in sched or extra:
            raise ValueError("`optimizer.lr_schedule` as a mapping needs `type` and at most "
                             f"{', '.join(f'`{f}`' for f in fields)}, got {sorted(map(str, sched))}")
        params["lr_schedule"] = sched["type"]
        params.update({k: sched[k] for k in fields if k in sched})
    trainer = source.get("trainer")
    if num_train_steps is None and isinstance(trainer, Mapping):
        num_train_steps = trainer.get("num_train_steps")
    if num_train_steps is None:
        raise ValueError("`trainer.num_train_steps` is missing: pass levanter_config(..., "
                         "num_train_steps=)")
    params["num_train_steps"] = num_train_steps
    return {"type": "levanter.lr_scheduler", "params": params}


# ------------------------------------------------------------------------------------ Composer
#: llm-foundry's ``scheduler.name`` aliases of Composer's classes.
COMPOSER_ALIASES = {
    "constant_with_warmup": "ConstantWithWarmupScheduler",
    "cosine_with_warmup": "CosineAnnealingWithWarmupScheduler",
    "linear_decay_with_warmup": "LinearWithWarmupScheduler",
}


def is_composer_mapping(source: Any) -> bool:
    """A Composer / llm-foundry config: a ``scheduler`` mapping with ``name`` (no ``type``)."""
    if not isinstance(source, Mapping):
        return False
    sched = source.get("scheduler")
    return isinstance(sched, Mapping) and "name" in sched and "type" not in sched


def composer_config(source: Mapping[str, Any], **state: Any) -> dict:
    """The ``composer.<Class>`` config of a Composer / llm-foundry training YAML.

    Args:
      source: a mapping with ``scheduler`` (``name``: a Composer class name such as
        ``CosineAnnealingWithWarmupScheduler``, or llm-foundry's ``constant_with_warmup``,
        ``cosine_with_warmup``, ``linear_decay_with_warmup``; the rest are its arguments) and
        the trainer's ``max_duration``; llm-foundry's ``global_train_batch_size`` gives
        ``samples_per_batch`` (and with ``max_seq_len``, ``tokens_per_batch``),
        ``optimizer.lr`` gives ``lr``, and the Trainer's ``step_schedulers_every_batch`` (a
        top-level key) is passed on.
      **state: ``steps_per_epoch``, ``samples_per_batch``, ``tokens_per_batch``, ``ssr``,
        ``max_duration``, ``lr`` or ``step_schedulers_every_batch``, overriding the file's.

    Returns:
      ``{"type": "composer.<Class>", "params": {...}}``.

    Raises:
      ValueError: an unknown scheduler name (the names listed).

    Example:
      >>> composer_config({"max_duration": "4800ba", "scheduler": {"name": "cosine_with_warmup",
      ...                  "t_warmup": "100ba", "alpha_f": 0.1}})["type"]
      'composer.CosineAnnealingWithWarmupScheduler'
    """
    if not is_composer_mapping(source):
        raise TypeError("`source` must be a mapping with a `scheduler` block holding `name`")
    sched = dict(source["scheduler"])
    name = sched.pop("name")
    cls = COMPOSER_ALIASES.get(name, name)
    full = f"composer.{cls}"
    if not isinstance(cls, str) or full not in _REGISTRY:
        valid = sorted([*COMPOSER_ALIASES, *(n.split(".", 1)[1] for n in _REGISTRY
                                             if n.startswith("composer.") and n.endswith("Scheduler"))])
        raise ValueError(f"unknown Composer scheduler {describe(name)} in `scheduler.name`; valid: "
                         f"{', '.join(valid)}")
    params = dict(sched)
    if source.get("max_duration") is not None:
        params.setdefault("max_duration", source["max_duration"])
    gbs, seq = source.get("global_train_batch_size"), source.get("max_seq_len")
    if isinstance(gbs, int) and not isinstance(gbs, bool):
        params.setdefault("samples_per_batch", gbs)
        if isinstance(seq, int) and not isinstance(seq, bool):
            params.setdefault("tokens_per_batch", gbs * seq)
    opt = source.get("optimizer")
    if isinstance(opt, Mapping) and isinstance(opt.get("lr"), (int, float)):
        params.setdefault("lr", opt["lr"])
    if source.get("step_schedulers_every_batch") is not None:  # the Trainer's argument
        params.setdefault("step_schedulers_every_batch", source["step_schedulers_every_batch"])
    params.update(state)
    return {"type": full, "params": params}


# ------------------------------------------------------------------------------------ big_vision
#: big_vision's ``utils.steps`` suffixes for a duration (``total_steps``, ``total_epochs``, ...).
_BV_SUFFIXES = ("steps", "examples", "epochs", "percent")
#: the ``config.schedule`` keys ``big_vision.schedule`` takes (``mult`` becomes ``base``).
_BV_SCHEDULE_KEYS = ("decay_type", "scale_with_batchsize", "power", "end", "linear_end",
                     "timescale", "timescale_examples", "shift", "steps", "mults",
                     *(f"{p}_{s}" for p in ("warmup", "cooldown") for s in _BV_SUFFIXES))


def _plain_mapping(source: Any) -> Any:
    """An ``ml_collections.ConfigDict`` (anything with ``to_dict``) as a plain dict."""
    to_dict = getattr(source, "to_dict", None)
    if not isinstance(source, Mapping) and callable(to_dict):
        return to_dict()
    return source


def is_big_vision_mapping(source: Any) -> bool:
    """A big_vision config: ``total_steps``/``total_epochs``/``total_examples`` with ``lr`` or
    ``schedule`` (a plain dict, or an ``ml_collections.ConfigDict``)."""
    source = _plain_mapping(source)
    if not isinstance(source, Mapping) or "type" in source:
        return False
    return any(f"total_{s}" in source for s in ("steps", "epochs", "examples")) and (
        "lr" in source or "schedule" in source)


def _bv_total(cfg: Mapping, batch_size: Any, data_size: Any) -> int:
    """big_vision's ``u.steps("total", config, data_size, batch_size)``."""
    given = {s: cfg[f"total_{s}"] for s in ("steps", "examples", "epochs")
             if cfg.get(f"total_{s}") is not None and cfg[f"total_{s}"] >= 0}
    if len(given) != 1:
        raise ValueError("give exactly one of `config.total_steps`, `config.total_examples` and "
                         f"`config.total_epochs`, got {sorted(f'total_{s}' for s in given)} "
                         "(big_vision asserts 'Only one of ... should be defined')")
    (kind, x), = given.items()
    if kind == "steps":
        return x
    if not batch_size:
        raise ValueError(f"`config.total_{kind}` needs `config.input.batch_size`")
    if kind == "examples":
        per = x / batch_size
    else:
        if not data_size:
            raise ValueError("`config.total_epochs` needs the training set's size: pass "
                             "big_vision_config(..., data_size=) (big_vision reads it from the "
                             "dataset)")
        per = x * data_size / batch_size
    return max(1, round(per)) if per else 0


def _bv_entry(cfg: Mapping, sched: Any, where: str, batch_size: Any, data_size: Any) -> dict:
    """The ``big_vision.schedule`` config of one schedule dict ``sched`` (``where`` names it)."""
    if not isinstance(sched, Mapping):
        raise ValueError(f"{where} must be a dict or a list of (regex, dict) pairs, got "
                         f"{describe(sched)}")
    sched = dict(sched)
    if "base" in sched:
        raise ValueError(f"{where} must not hold `base` (big_vision asserts it; use `mult`)")
    mult = sched.pop("mult", 1.0)
    unknown = sorted(set(sched) - set(_BV_SCHEDULE_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} in {where}; big_vision's are: "
                         f"mult, {', '.join(_BV_SCHEDULE_KEYS)}")
    lr = cfg.get("lr", 1.0)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or isinstance(
            mult, bool) or not isinstance(mult, (int, float)):
        raise ValueError(f"`config.lr` and the schedule's `mult` must be numbers, got lr={lr!r}, "
                         f"mult={mult!r}")
    params: dict[str, Any] = {"total_steps": _bv_total(cfg, batch_size, data_size)}
    if batch_size is not None:
        params["batch_size"] = batch_size
    if data_size is not None:
        params["data_size"] = data_size
    params["base"] = lr * mult
    params.update(sched)
    for key in ("end", "linear_end"):  # absolute values of the schedule, which config.lr scales
        if isinstance(params.get(key), (int, float)) and not isinstance(params[key], bool):
            params[key] = lr * params[key]
    for key in ("steps", "mults"):
        if isinstance(params.get(key), tuple):
            params[key] = list(params[key])
    return {"type": "big_vision.schedule", "params": params}


def big_vision_config(source: Any, *, data_size: int | None = None,
                      pattern: str | None = None) -> Any:
    """The ``big_vision.schedule`` config of a whole big_vision config, or its per-parameter
    schedules.

    Reproduces ``bv_optax.make`` (``big_vision/optax.py``) and ``train.py``: the update of
    parameters under the schedule is ``config.lr x create_learning_rate_schedule(total_steps,
    batch_size, data_size, base=mult, **schedule)``, with ``total_steps = u.steps("total",
    config, data_size, batch_size)`` (``total_steps``, or ``total_examples`` / ``total_epochs``
    rounded to the nearest step, at least 1) and ``batch_size = config.input.batch_size``.

    With a per-parameter ``config.schedule = [(regex, dict or None), ...]``, big_vision gives
    each parameter the schedule of the first regex that fully matches its ``"/"``-joined name
    (``re.fullmatch``), freezes it (update 0) for ``None``, and asserts that every parameter is
    matched; the result is then a :class:`jaxsched.ParamSchedules` that keeps that rule:
    ``result.labels(params)`` labels a parameter pytree and ``result.optimizer(optax.adam,
    ...)`` builds the ``optax.multi_transform``.

    Args:
      source: a big_vision config: a mapping or an ``ml_collections.ConfigDict`` (its
        ``to_dict()``), as ``get_config()`` returns, with ``lr`` (default 1, as ``optax.scale``
        of nothing), ``schedule`` (a dict such as ``dict(warmup_steps=10_000,
        decay_type="cosine")``; absent: big_vision's default ``{}``, a constant; or the
        per-parameter list ``[(regex, dict or None), ...]``), one of
        ``total_steps``/``total_examples``/``total_epochs``, and ``input.batch_size``.
      data_size: the training examples per epoch (big_vision's ``ntrain_img``, from the dataset;
        needed by ``*_epochs`` durations).
      pattern: with a per-parameter ``schedule`` list, the regex of one entry (exactly as
        written in the config): then only that entry's config is returned.

    Returns:
      ``{"type": "big_vision.schedule", "params": {...}}`` with ``base = lr x mult`` (and
      ``end``/``linear_end``, the decay's absolute end, times ``lr``: ``optax.scale(config.lr)``
      multiplies the whole schedule), for a single schedule dict or with ``pattern``. For a
      per-parameter list without ``pattern``: a :class:`jaxsched.ParamSchedules`, regex ->
      the built Schedule (``None`` for frozen entries), in the config's order.

    Raises:
      ValueError: a ``pattern`` not in the list, naming a frozen (``None``) entry, or given with
        a single schedule; a ``base`` key in a schedule (big_vision asserts it is absent);
        unknown schedule keys (the entry is named); a regex that does not compile, starts with
        ``/`` or repeats; missing or conflicting ``total_*`` durations.

    Example:
      >>> big_vision_config({"lr": 1e-3, "total_steps": 1000, "input": {"batch_size": 256},
      ...                    "schedule": {"decay_type": "cosine", "warmup_steps": 100}})["params"]
      {'total_steps': 1000, 'batch_size': 256, 'base': 0.001, 'decay_type': 'cosine', \
'warmup_steps': 100}
      >>> rules = big_vision_config({"lr": 1e-3, "total_steps": 1000, "schedule": [
      ...     ("img/.*", None), (".*", {"decay_type": "cosine"})]})
      >>> list(rules), rules.match("img/embed/kernel"), rules.match("txt/bias")
      (['img/.*', '.*'], 'img/.*', '.*')
    """
    cfg = _plain_mapping(source)
    if not isinstance(cfg, Mapping):
        raise TypeError("`source` must be a big_vision config (a mapping or an ml_collections "
                        f"ConfigDict), got {type(source).__name__}")
    inp = _plain_mapping(cfg.get("input") or {})
    batch_size = inp.get("batch_size") if isinstance(inp, Mapping) else None
    if batch_size is None:
        batch_size = cfg.get("batch_size")
    sched = _plain_mapping(cfg.get("schedule", {}))
    if isinstance(sched, (list, tuple)):
        pairs = [tuple(p) if isinstance(p, (list, tuple)) else p for p in sched]
        if not pairs or not all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                                for p in pairs):
            raise ValueError("`config.schedule` as a list must hold (regex, schedule) pairs, got "
                             f"{describe(sched)}")
        regexes = [p[0] for p in pairs]
        if pattern is None:
            return _bv_per_param(cfg, pairs, batch_size, data_size)
        if pattern not in regexes:
            raise ValueError(f"`pattern` {pattern!r} is not one of config.schedule's regexes "
                             f"{regexes}")
        i = regexes.index(pattern)
        sched = _plain_mapping(pairs[i][1])
        if sched is None:
            raise ValueError(f"`config.schedule` entry {pattern!r} is None: those parameters are "
                             "frozen (big_vision zeroes their updates); there is no schedule")
        return _bv_entry(cfg, sched, f"`config.schedule[{i}]` ({pattern!r})", batch_size,
                         data_size)
    if pattern is not None:
        raise ValueError("`pattern` needs a per-parameter `config.schedule` list, got "
                         f"{describe(sched)}")
    if sched is None:
        raise ValueError("`config.schedule` is None: big_vision freezes every parameter")
    return _bv_entry(cfg, sched, "`config.schedule`", batch_size, data_size)


def _bv_per_param(cfg: Mapping, pairs: list, batch_size: Any, data_size: Any) -> Any:
    """A :class:`jaxsched.ParamSchedules` of big_vision's ``[(regex, dict or None), ...]``."""
    from jaxsched.config.loader import from_config
    from jaxsched.training.param_rules import param_schedules

    rules = []
    for i, (regex, entry) in enumerate(pairs):
        entry = _plain_mapping(entry)
        if entry is not None:
            entry = from_config(_bv_entry(cfg, entry, f"`config.schedule[{i}]` ({regex!r})",
                                          batch_size, data_size))
        rules.append((regex, entry))
    try:
        return param_schedules(rules)
    except ValueError as e:  # name the config's list rather than `rules`
        raise ValueError(str(e).replace("rules[", "config.schedule[")) from None


def load_python_config(path: str) -> Any:
    """``get_config()`` (or ``get_config(arg)`` for ``"file.py:arg"``) of a Python config file.

    As big_vision's ``config_flags.DEFINE_config_file``: the file is *executed* (only load files
    you trust); its imports (``ml_collections``, ``big_vision.configs.common``) must import.
    """
    import importlib.util
    import os

    file, _, arg = path.partition(".py:")
    file = file if file.endswith(".py") else file + ".py"
    if not os.path.isfile(file):
        raise FileNotFoundError(2, "no such big_vision config file", file)
    spec = importlib.util.spec_from_file_location("_jaxsched_bv_config", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "get_config", None)):
        raise ValueError(f"{file} has no get_config() (a big_vision config file defines one)")
    return module.get_config(arg) if arg else module.get_config()


def is_python_config_path(source: Any) -> bool:
    """A path to a ``.py`` config file (optionally ``file.py:arg``, as big_vision's flags)."""
    import os

    if not isinstance(source, (str, os.PathLike)):
        return False
    text = os.fspath(source)
    return "\n" not in text and (text.endswith(".py") or ".py:" in text)


# ------------------------------------------------------------------------------------ t5x gin
_T5X_FN = "create_learning_rate_scheduler"
_GIN_BINDING = re.compile(
    r"^(?:[\w./]*/)?(?:[\w.]*\.)?" + _T5X_FN + r"\.(\w+)\s*=\s*(.+)$")
_GIN_MACRO = re.compile(r"^([A-Za-z_]\w*)\s*=\s*(.+)$")


def is_t5x_gin(source: Any) -> bool:
    """A t5x gin file (a ``.gin`` path) or gin text binding ``create_learning_rate_scheduler``."""
    import os

    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        return False
    if "\n" not in source and source.strip().endswith(".gin"):
        return True
    return any(_GIN_BINDING.match(line.strip()) for line in source.splitlines())


def _strip_comment(line: str) -> str:
    """``line`` up to a ``#`` outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _gin_lines(text: str) -> list[str]:
    """Logical gin lines: comments dropped, bracketed and backslash continuations joined."""
    out: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = _strip_comment(raw).strip()
        pending = f"{pending} {line}".strip() if pending else line
        depth = sum(pending.count(c) for c in "([{") - sum(pending.count(c) for c in ")]}")
        if depth > 0 or pending.endswith("\\"):
            pending = pending.rstrip("\\")
            continue
        if pending:
            out.append(pending)
        pending = ""
    if pending:
        out.append(pending)
    return out


def t5x_gin_config(source: Any) -> dict:
    """The ``t5x.create_learning_rate_scheduler`` config of a t5x gin file or gin text.

    Reads the bindings ``[scope/][module.]create_learning_rate_scheduler.<arg> = <value>``
    (``utils.create_learning_rate_scheduler.factors = 'constant * rsqrt_decay'``), resolving
    ``%MACRO`` references to ``MACRO = value`` lines of the same text; every other line
    (imports, ``include``, other bindings) is ignored. No gin dependency: values are Python
    literals.

    Args:
      source: a path to a ``.gin`` file, or gin text.

    Returns:
      ``{"type": "t5x.create_learning_rate_scheduler", "params": {...}}``: the bound
      arguments (t5x's defaults fill the rest).

    Raises:
      ValueError: no binding of ``create_learning_rate_scheduler``, a value that is no Python
        literal or an undefined macro (the argument named), an argument t5x's function does not
        take.
      FileNotFoundError: no such ``.gin`` file.

    Example:
      >>> t5x_gin_config("utils.create_learning_rate_scheduler.factors = 'constant * rsqrt_decay'\\n"
      ...                "utils.create_learning_rate_scheduler.warmup_steps = 10000")
      {'type': 't5x.create_learning_rate_scheduler', 'params': {'factors': 'constant * \
rsqrt_decay', 'warmup_steps': 10000}}
    """
    import os

    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):
        raise TypeError(f"`source` must be a .gin path or gin text, got {type(source).__name__}")
    if "\n" not in source and source.strip().endswith(".gin"):
        path = os.path.expanduser(source.strip())
        if not os.path.isfile(path):
            raise FileNotFoundError(2, "no such gin file", path)
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
    lines = _gin_lines(source)
    macros: dict[str, str] = {}
    bindings: dict[str, str] = {}
    for line in lines:
        m = _GIN_BINDING.match(line)
        if m:
            bindings[m.group(1)] = m.group(2).strip()
            continue
        m = _GIN_MACRO.match(line)
        if m:
            macros[m.group(1)] = m.group(2).strip()
    if not bindings:
        raise ValueError(f"this gin config binds no `{_T5X_FN}` argument (lines such as "
                         f"`utils.{_T5X_FN}.factors = 'constant * rsqrt_decay'`)")
    accepted = signature(_REGISTRY["t5x.create_learning_rate_scheduler"]).parameters
    params: dict[str, Any] = {}
    for arg, text in bindings.items():
        if arg not in accepted:
            raise ValueError(f"`{_T5X_FN}.{arg}` is not an argument of t5x's {_T5X_FN}; valid: "
                             f"{', '.join(accepted)}")
        seen = set()
        while text.startswith("%"):
            name = text[1:].strip()
            if name in seen or name not in macros:
                raise ValueError(f"`{_T5X_FN}.{arg}` refers to the macro %{name}, which this "
                                 "gin config does not define")
            seen.add(name)
            text = macros[name]
        try:
            params[arg] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ValueError(f"`{_T5X_FN}.{arg}` = {text!r} is not a Python literal (a number or "
                             "a quoted string)") from None
    return {"type": "t5x.create_learning_rate_scheduler", "params": params}
