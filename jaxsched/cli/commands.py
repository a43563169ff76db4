"""The ``list``, ``show`` and ``plot`` subcommands of the ``jaxsched`` command."""

from __future__ import annotations

import fnmatch
import inspect
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxsched.cli.configs import CliConfig, build, nice_steps, parse_configs, parse_steps

__all__ = [
    "FAMILIES", "ABBREVIATIONS", "family_of", "signature_text", "search_keys", "matches", "table",
    "cmd_list", "cmd_show", "cmd_plot",
]

#: ``--family`` choices of ``jaxsched list``: jaxsched's own names and each ecosystem's.
FAMILIES = (
    "native", "torch", "deepspeed", "hf", "timm", "keras", "cerebras", "optax", "fairseq", "nemo",
    "paddle", "big_vision", "t5x",
    "megatron", "composer", "levanter",
)


#: Well-known abbreviations a ``jaxsched list`` PATTERN may use, and the words (lower case, no
#: ``_``, ``-`` or ``.``) they stand for in names: ``jaxsched list wsd`` finds ``warmup_stable_decay``.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "wsd": ("warmupstabledecay",),
    "trapezoid": ("warmupstabledecay",),
    "trapezoidal": ("warmupstabledecay",),
    "sgdr": ("restarts",),
    "1cycle": ("onecycle",),
    "clr": ("cyclic",),
    "rsqrt": ("inversesqrt", "inversesquareroot"),
    "invsqrt": ("inversesqrt", "inversesquareroot"),
    "noam": ("inversesqrt", "inversesquareroot"),
    "lrfinder": ("rangetest",),
}
#: Line width ``jaxsched list`` keeps its rows within.
LIST_WIDTH = 100


def _norm(text: str) -> str:
    """``text`` in lower case without ``_``, ``-``, ``.`` and blanks: ``One_Cycle`` -> ``onecycle``."""
    return re.sub(r"[\s_.\-]", "", text.lower())


def _peer_names(fn: Any, native: set[str]) -> set[str]:
    """The peers' names in the ``Equivalents:`` section of ``fn``'s docstring.

    These are the names called there (``OneCycleLR(...)``) or cross-referenced
    (``:func:`get_wsd_schedule```), keeping only CamelCase or snake_case names that are not
    jaxsched's own (so ``step()`` or ``repeat`` do not count).
    """
    doc = inspect.getdoc(fn) or ""
    start = doc.find("\nEquivalents:")
    if start < 0:
        return set()
    found = set()
    for literal, ref in re.findall(r"``([^`]+)``|:(?:func|class):`~?([^`]+)`", doc[start:]):
        call = re.match(r"\s*([A-Za-z_][\w.]*)\s*\(", literal) if literal else None
        name = ref or (call.group(1) if call else "")
        last = name.rsplit(".", 1)[-1]
        if not last or name.startswith("jaxsched.") or last in native:
            continue
        if "_" in last or last != last.lower():
            found.add(last)
    return found


def search_keys(registry: Mapping[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """For each registered name: the names it answers to, and its peers' names.

    The first set holds the name and its aliases (the other names of the same constructor); the
    second the peers' names its docstring gives as equivalents (see :func:`matches`).

    Example:
      >>> import jaxsched
      >>> from jaxsched.config.loader import _REGISTRY
      >>> names, peers = search_keys(_REGISTRY)["warmup_stable_decay"]
      >>> sorted(names), "get_wsd_schedule" in peers
      (['warmup_stable_decay'], True)
    """
    aliases: dict[int, set[str]] = {}
    for name, fn in registry.items():
        aliases.setdefault(id(fn), set()).add(name)
    native = {n for n in registry if "." not in n}
    return {name: (aliases[id(fn)], _peer_names(fn, native)) for name, fn in registry.items()}


#: suffixes dropped from a class name to compare it across frameworks (``CosineAnnealingLR``,
#: ``CosineAnnealingScheduler`` and ``CosineAnnealingDecay`` are one stem).
_STEM_SUFFIXES = ("scheduler", "schedule", "lr", "wd", "decay")


def _stem(name: str) -> str:
    key = _norm(name.rsplit(".", 1)[-1])
    changed = True
    while changed:
        changed = False
        for suffix in _STEM_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 2:
                key, changed = key[: -len(suffix)], True
    return key


#: names that write the same run (a linear warmup from 0, then a cosine to 0): the gallery's
#: "One run, every framework" cell loads each and compares it with optax's.
SAME_RUN = ("warmup_cosine_decay_schedule", "hf.cosine", "keras.CosineDecay",
            "nemo.CosineAnnealing", "fairseq.cosine", "paddle.LinearWarmup",
            "megatron.OptimizerParamScheduler", "composer.CosineAnnealingWithWarmupScheduler",
            "levanter.lr_scheduler", "big_vision.cosine", "big_vision.schedule",
            "t5x.create_learning_rate_scheduler")


def equivalents(registry: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each registered name: its peers' names (its docstring's ``Equivalents:``) and the
    names of other frameworks with the same stem (``torch.StepLR``, ``composer.StepScheduler``,
    ``paddle.StepDecay``, ``cerebras.StepLR``) or in :data:`SAME_RUN` with it, sorted, the name's
    own aliases left out.

    Example:
      >>> from jaxsched.config.loader import _REGISTRY
      >>> "composer.CosineAnnealingScheduler" in equivalents(_REGISTRY)["torch.CosineAnnealingLR"]
      True
    """
    keys = search_keys(registry)
    by_stem: dict[str, list[str]] = {}
    for name in registry:
        if "." in name:
            by_stem.setdefault(_stem(name), []).append(name)
    out = {}
    for name, fn in registry.items():
        own, peers = keys[name]
        fam = family_of(name, fn)
        wd = name.endswith("WD")
        same = {n for n in by_stem.get(_stem(name), []) if "." in name and n not in own
                and family_of(n, registry[n]) != fam and n.endswith("WD") == wd}
        if name in SAME_RUN:
            same |= {n for n in SAME_RUN if n in registry and n not in own
                     and family_of(n, registry[n]) != fam}
        out[name] = sorted(peers) + sorted(same)
    return out


def matches(pattern: str, names: set[str], peers: set[str]) -> bool:
    """Whether a ``jaxsched list`` PATTERN selects a name.

    A glob (``*``, ``?``, ``[``) is matched against the name and its aliases, ignoring case.
    Otherwise case, ``_``, ``-`` and ``.`` are ignored: the pattern (or the words an
    :data:`ABBREVIATIONS` entry stands for) must occur in the name or an alias, or equal one of
    the peers' names (``get_wsd_schedule`` finds ``warmup_stable_decay``).

    Example:
      >>> matches("onecycle", {"one_cycle"}, set()), matches("wsd", {"warmup_stable_decay"}, set())
      (True, True)
      >>> matches("torch.*LR", {"torch.StepLR"}, set()), matches("StepLR", {"step_decay"}, {"StepLR"})
      (True, True)
    """
    if any(ch in pattern for ch in "*?["):
        return any(fnmatch.fnmatch(n.lower(), pattern.lower()) for n in names)
    key = _norm(pattern)
    if not key:
        return True
    words = (key, *ABBREVIATIONS.get(key, ()))
    keys = [_norm(n) for n in names]
    return any(w in k for w in words for k in keys) or key in {_norm(p) for p in peers}


def _clip(text: str, width: int, at_commas: bool = True) -> str:
    """``text`` cut to ``width`` characters (at a parameter boundary), ending in ``...``."""
    if len(text) <= width:
        return text
    cut = text.rfind(", ", 0, width - 4) if at_commas else -1
    return text[:cut] + ", ..." if cut > 0 else text[: max(width - 3, 0)] + "..."


def family_of(name: str, fn: Any) -> str:
    """The family of a registered name: its ecosystem prefix, ``deepspeed`` or ``native``.

    Example:
      >>> family_of("torch.OneCycleLR", None), family_of("cosine_decay", None)
      ('torch', 'native')
    """
    prefix = name.split(".", 1)[0] if "." in name else ""
    if prefix in FAMILIES:
        return prefix
    module = getattr(fn, "__module__", "") or ""
    for fam in FAMILIES[1:]:
        if module.startswith(f"jaxsched.config.ecosystem.{fam}"):
            return fam
    return "native"


def signature_text(fn: Any) -> str:
    """The config parameters of a registered constructor, with their defaults.

    Example:
      >>> import jaxsched
      >>> signature_text(jaxsched.cosine_decay)
      'init_value, decay_steps, end_value=0.0, exponent=1.0'
    """
    parts = []
    for p in inspect.signature(fn).parameters.values():
        if p.name == "hyperparam":
            continue
        if p.kind == p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
        elif p.kind == p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.default is inspect.Parameter.empty:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={p.default!r}")
    return ", ".join(parts)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] = ()) -> str:
    """A markdown-style table with aligned columns (``numeric`` columns right-aligned).

    Example:
      >>> print(table(["step", "lr"], [[0, "0"], [10, "0.5"]], numeric=[True, True]))
      | step |  lr |
      | ---: | --: |
      |    0 |   0 |
      |   10 | 0.5 |
    """
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(3, *(len(r[i]) for r in cells)) for i in range(len(headers))]
    right = list(numeric) + [False] * (len(headers) - len(numeric))

    ragged = not right[-1]  # a left-aligned last column is not padded (no trailing blanks)

    def fmt(row: list[str]) -> str:
        text = " | ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right))
        return f"| {text.rstrip()}" if ragged else f"| {text} |"

    rule = fmt([("-" * (w - 1) + ":") if r else "-" * w for w, r in zip(widths, right)])
    return "\n".join([fmt(cells[0]), rule] + [fmt(r) for r in cells[1:]])


def _num(v: float) -> str:
    if np.ndim(v):  # a vector-valued schedule (mixture weights): its components in order
        return "[" + ", ".join(f"{float(x):.6g}" for x in np.ravel(v)) + "]"
    return f"{float(v):.6g}"


# ---------------------------------------------------------------------------------------- list
def cmd_list(args: Any) -> int:
    """``jaxsched list [PATTERN ...] [--family F] [--names-only] [--long] [--peers]``."""
    from jaxsched.config.loader import _REGISTRY, registered_names

    keys = search_keys(_REGISTRY)
    rows = []
    for name in registered_names():
        fn = _REGISTRY[name]
        fam = family_of(name, fn)
        if args.family and fam != args.family:
            continue
        if args.patterns and not any(matches(pat, *keys[name]) for pat in args.patterns):
            continue
        # a name that also builds a momentum schedule takes `hyperparam` (default "lr"); the
        # weight-decay names (default "weight_decay") build only that
        hp = inspect.signature(fn).parameters.get("hyperparam")
        momentum = hp is not None and hp.default == "lr"
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        rows.append([name + ("*" if momentum else ""), fam, signature_text(fn), doc[0] if doc else ""])
    if not rows:
        what = " or ".join(repr(p) for p in args.patterns) if args.patterns else "any name"
        fam = f" in family {args.family!r}" if args.family else ""
        raise ValueError(
            f"no schedule name matches {what}{fam}; families are {', '.join(FAMILIES)}; run "
            "`jaxsched list` for every name"
        )
    if args.names_only:
        print("\n".join(r[0].rstrip("*") for r in rows))
        return 0
    if getattr(args, "peers", False):  # the equivalents instead of the parameters, wrapped
        import textwrap

        eq = equivalents(_REGISTRY)
        width = max(4, *(len(r[0]) for r in rows))
        lines = [f"| {'name':<{width}} | equivalents", f"| {'-' * width} | {'-' * 11}"]
        for r in rows:
            text = ", ".join(eq[r[0].rstrip("*")]) or "-"
            for i, part in enumerate(textwrap.wrap(text, max(20, LIST_WIDTH - width - 5),
                                                   break_on_hyphens=False)):
                lines.append(f"| {r[0] if i == 0 else '':<{width}} | {part}")
        print("\n".join(lines))
        print(f"\n{len(rows)} name(s); equivalents: peers' names from the docstrings, and the same "
              "schedule\nin other frameworks.")
        return 0
    headers = ["name", "family", "parameters"] + (["description"] if args.long else [])
    rows = [r if args.long else r[:3] for r in rows]
    # "| name | family | " before the parameters; what is left of LIST_WIDTH is theirs
    left = LIST_WIDTH - sum(max(3, len(h), *(len(r[i]) for r in rows)) + 3 for i, h in
                            enumerate(headers[:2])) - 2
    if args.long:
        for r in rows:
            r[2] = _clip(r[2], max(20, (left - 3) * 3 // 5))
        params_width = max(len(headers[2]), *(len(r[2]) for r in rows))
        for r in rows:
            r[3] = _clip(r[3], left - 3 - params_width, at_commas=False)
    else:
        for r in rows:
            r[2] = _clip(r[2], left)
    print(table(headers, rows))
    starred = any(r[0].endswith("*") for r in rows)
    print(f"\n{len(rows)} name(s)." + (" * also gives its coupled momentum schedule "
                                      "(from_config(cfg, hyperparam='momentum'))." if starred else ""))
    return 0


# ---------------------------------------------------------------------------------------- show
def _timeline(args: Any) -> Any:
    keys = ("steps_per_epoch", "epochs", "total_steps", "grad_accum")
    if all(getattr(args, k, None) is None for k in keys):
        return None
    from jaxsched.config.units import Timeline

    return Timeline(steps_per_epoch=args.steps_per_epoch, epochs=args.epochs,
                    total_steps=args.total_steps, gradient_accumulation_steps=args.grad_accum or 1)


def _horizon(args: Any, schedules: list[Any], labels: list[str]) -> int:
    from jaxsched.cli.argtypes import MAX_STEP
    from jaxsched.plotting import infer_num_steps

    if args.num_steps is not None:
        return args.num_steps
    timeline = _timeline(args)
    if timeline is not None and getattr(timeline, "total_steps", None):
        horizon, where = int(timeline.total_steps), "the run's total steps (--total-steps/--epochs)"
    else:
        found = [h for h in (infer_num_steps(s) for s in schedules) if h is not None]
        if not found:
            raise ValueError(
                f"cannot infer how many steps {', '.join(labels)} run(s) (no phase ends); pass "
                "--num-steps N (or --steps for show)"
            )
        horizon, where = max(found), "the steps inferred from the phases"
    if horizon > MAX_STEP:
        raise ValueError(f"{where}, {float(horizon):.3g}, exceed {MAX_STEP:_}; pass --num-steps N")
    return horizon


def _load_one(args: Any) -> tuple[CliConfig, Any, Any]:
    configs = parse_configs(args.config, args.param)
    if len(configs) != 1:
        raise ValueError(
            f"show takes one CONFIG, got {len(configs)} ({', '.join(c.label for c in configs)}); "
            "compare several with `jaxsched plot`"
        )
    lr, mom = build(configs[0], _timeline(args))
    return configs[0], lr, mom


def cmd_show(args: Any) -> int:
    """``jaxsched show CONFIG [--steps LIST | --num-steps N] [--json]``."""
    from jaxsched.phases import phases

    cfg, lr, mom = _load_one(args)
    if args.steps is not None:
        steps = parse_steps(args.steps)
        num_steps = args.num_steps if args.num_steps is not None else max(steps) + 1
    else:
        num_steps = _horizon(args, [lr], [cfg.label])
        steps = nice_steps(num_steps)
    xs = np.asarray(steps, dtype=np.int64)
    lr_v = lr.evaluate(xs, np)
    mom_v = None if mom is None else mom.evaluate(xs, np)
    phase_list = phases(lr, num_steps)
    starts = np.asarray([p.start for p in phase_list], dtype=np.int64)
    lasts = np.asarray([(p.end if p.end is not None else num_steps) - 1 for p in phase_list],
                       dtype=np.int64)
    if args.json:
        out = {
            "type": cfg.config["type"], "params": cfg.config["params"], "num_steps": num_steps,
            "steps": steps, "lr": lr_v.tolist(), "momentum": None if mom_v is None else mom_v.tolist(),
            "phases": [{"start": p.start, "end": p.end, "label": p.label} for p in phase_list],
        }
        print(json.dumps(out, default=repr))
        return 0
    params = " ".join(f"{k}={json.dumps(v, default=repr)}" for k, v in cfg.config["params"].items())
    print(f"{cfg.config['type']} {params}".rstrip())
    print()
    headers = ["step", "lr"] + (["momentum"] if mom_v is not None else [])
    rows = [[k, _num(lr_v[i])] + ([_num(mom_v[i])] if mom_v is not None else [])
            for i, k in enumerate(steps)]
    print(table(headers, rows, numeric=[True] * len(headers)))
    print()
    print(f"phases over {num_steps} steps (end exclusive):")
    lr_s, lr_e = lr.evaluate(starts, np), lr.evaluate(lasts, np)
    headers = ["start", "end", "phase", "lr at start", "lr at end-1"]
    if mom is not None:
        mom_s, mom_e = mom.evaluate(starts, np), mom.evaluate(lasts, np)
        headers += ["momentum at start", "momentum at end-1"]
    rows = []
    for i, p in enumerate(phase_list):
        row = [p.start, "" if p.end is None else p.end, p.label, _num(lr_s[i]), _num(lr_e[i])]
        if mom is not None:
            row += [_num(mom_s[i]), _num(mom_e[i])]
        rows.append(row)
    print(table(headers, rows, numeric=[True, True, False, True, True, True, True]))
    return 0


# ---------------------------------------------------------------------------------------- plot
# jaxsched.plot's parameter names in its messages -> the flags of `jaxsched plot`
_PLOT_FLAGS = {"`path`": "-o/--output", "`num_steps`": "--num-steps", "`dpi`": "--dpi",
               "`title`": "--title"}


def _flag_names(message: str) -> str:
    """``message`` with each of :func:`jaxsched.plot`'s parameter names replaced by its flag.

    Example:
      >>> _flag_names("`dpi` must be a positive integer, got 0")
      '--dpi must be a positive integer, got 0'
    """
    for name, flag in _PLOT_FLAGS.items():
        message = message.replace(name, flag)
    return message


def cmd_plot(args: Any) -> int:
    """``jaxsched plot CONFIG... -o FILE [--num-steps N] [--log] [--labels ...]``."""
    from jaxsched.cli.argtypes import MAX_PLOT_STEPS
    from jaxsched.plotting import _check_path, plot

    _check_path(args.output, name="-o/--output")  # a bad suffix fails before any work
    configs = parse_configs(args.config, args.param)
    if args.labels is not None and len(args.labels) != len(configs):
        raise ValueError(
            f"--labels got {len(args.labels)} label(s) for {len(configs)} CONFIG(s) "
            f"({', '.join(c.label for c in configs)}); give one label per CONFIG"
        )
    labels = args.labels or [c.label for c in configs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"--labels must be distinct, got {labels}")
    timeline = _timeline(args)
    built = [build(c, timeline) for c in configs]
    num_steps = _horizon(args, [b[0] for b in built], labels)
    if num_steps > MAX_PLOT_STEPS:
        raise ValueError(
            f"plot draws at most {MAX_PLOT_STEPS:_} steps, got {num_steps:_}; pass a smaller "
            "--num-steps N (the first N updates are drawn)"
        )
    try:
        fig = plot({lab: b for lab, b in zip(labels, built)}, num_steps, momentum=not args.no_momentum,
                   phases=not args.no_phases, log=args.log, title=args.title, path=args.output,
                   dpi=args.dpi)
    except (ValueError, TypeError) as exc:  # name the flags, not jaxsched.plot's parameters
        raise type(exc)(_flag_names(str(exc))) from exc
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(f"wrote {args.output} ({len(configs)} schedule(s), {num_steps} steps)")
    return 0
