"""The engine of tests/core/test_bad_input_sweep.py (issue 14): every public constructor and
every registered config name, each parameter given each bad value, classified.

Run ``python tests/core/_bad_input_sweep.py`` from the repository root to print the counts and
every unclassified outcome.
"""

from __future__ import annotations

import inspect
import math
import sys
import warnings
from collections import Counter
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's jaxsched

from test_reprs_and_hints import ARGS  # noqa: E402

import jaxsched as js  # noqa: E402
from jaxsched.core.registry import _REGISTRY  # noqa: E402

C = js.cosine_decay(1.0, 10)

#: The bad values, by kind.
BAD: dict[str, object] = {
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "negative": -3,
    "zero": 0,
    "bool": True,
    "string": "abc",
    "None": None,
    "list": [1.0, 2.0],
    "2d": np.ones((2, 2)),
    "2**63": 2**63,
}

COUNTS = [0, 1, 10, 1000, 2**31 - 1]

#: Raw NumPy/Python/JAX messages that must never reach a user.
RAW = (
    "only 0-dimensional arrays",
    "truth value of an array",
    "object is not iterable",
    "setting an array element with a sequence",
    "too large to convert",
    "unsupported operand",
    "not supported between instances",
    "object is not subscriptable",
    "has no attribute",
    "object cannot be interpreted as an integer",
    "could not convert string to float",
)

MAX_MESSAGE = 300

#: Guessed valid values for the required parameters of ecosystem names, by parameter name
#: (each checked by building the name: a guess that does not build leaves the name to
#: ``NAME_ARGS`` or ``SKIPPED``).
GUESS: dict[str, object] = dict(
    lr=0.1, initial_learning_rate=0.1, learning_rate=0.1, num_warmup_steps=5, max_steps=100,
    init_value=1.0, total_steps=100, t_initial=100, max_lr=1.0, gamma=0.5, milestones=[5, 10],
    decay_steps=10, decay_rate=0.5, num_training_steps=100, transition_steps=10, decay_t=10,
    schedulers=[{"type": "torch.ConstantLR", "params": {"lr": 0.1}}], total_iters=10,
    lr_lambda=lambda s: 0.9, step_size=10, t_warmup=5, peak_value=1.0, warmup_steps=5,
    total_num_steps=100, T_max=10, T_0=10, end_learning_rate=0.01, base_lr=0.1, boundaries=[5, 10],
    cycle_min_lr=0.1, cycle_max_lr=1.0, power=1.0, values=[1.0, 0.5, 0.1], d_model=512,
    end_value=0.01, max_learning_rate=1.0, step_exponent=0.5, coefficient=1.0,
    learning_rates=[1.0, 0.5, 0.1], t_0=10, max_duration="100ba", min_difficulty=1,
    max_difficulty=10, value=0.5, first_decay_steps=10, num_decay_steps=10, num_train_steps=100,
    lr_decay_steps=100, total_num_update=100, base_learning_rate=0.1, step_size_up=10,
    start_lr=1e-5, end_lr=1.0, swa_lr=0.01, schedule=C, schedules=[C, C],
    # Cerebras' weight-decay twins of its lr schedulers (`cerebras.*WD`)
    initial_val=0.1, end_val=0.01, val=0.1, vals=[0.1, 0.01], base_val=0.01, max_val=0.1,
)
#: Always given where a name takes them (the default is refused on purpose: DeepSpeed's
#: inherited lr, Composer's run length, NeMo's epoch length, fairseq's run length).
ALWAYS = dict(warmup_max_lr=0.1, max_duration="100ba", updates_per_epoch=10, max_update=100)

#: Valid parameters, per name, where the guesses do not build.
NAME_ARGS: dict[str, dict] = {
    "cerebras.ScalePerParamLR": dict(scheduler={"type": "cerebras.ConstantLR",
                                                "params": {"learning_rate": 0.1}}),
    "cerebras.ScalePerParamWD": dict(scheduler={"type": "cerebras.ConstantWD",
                                                "params": {"val": 0.1}}),
    "cerebras.PiecewiseConstantWD": dict(vals=[0.1, 0.01], milestones=[5]),
    "composer.ExponentialScheduler": dict(gamma=0.5, steps_per_epoch=10),
    "composer.seq_length_warmup": dict(max_duration=100),
    "fairseq.tri_stage": dict(max_update=100, phase_ratio=[0.1, 0.4, 0.5]),
    "hf.cosine_warmup_with_min_lr": dict(num_warmup_steps=5, num_training_steps=100, min_lr=0.01),
    "hf.cosine_with_min_lr": dict(num_warmup_steps=5, num_training_steps=100, min_lr=0.01),
    "hf.warmup_stable_decay": dict(num_warmup_steps=5, num_decay_steps=10, num_training_steps=100),
    "levanter.batch_schedule": dict(schedule=32),
    "megatron.rampup_batch_size": dict(rampup_batch_size=[16, 16, 96], global_batch_size=64),
    "nemo.NoamHoldAnnealing": dict(max_steps=100, warmup_steps=10),
    "nemo.T5InverseSquareRootAnnealing": dict(max_steps=100, constant_steps=10),
    "optax.join_schedules": dict(schedules=[C, C], boundaries=[5]),
    "optax.piecewise_interpolate_schedule": dict(interpolate_type="linear", init_value=1.0),
    "optax.sgdr_schedule": ARGS["sgdr_schedule"],
    "paddle.MultiplicativeDecay": dict(learning_rate=0.1, lr_lambda=lambda e: 0.9),
    "timm.MultiStepLRScheduler": dict(lr=0.1, decay_t=[5, 10]),
    "timm.multistep": dict(lr=0.1, decay_t=[5, 10]),
    "torch.MultiplicativeLR": dict(lr=0.1, lr_lambda=lambda e: 0.9),
    "torch.OneCycleLR": dict(max_lr=1.0, total_steps=100),
    "torch.SequentialLR": dict(lr=0.1, milestones=[5], schedulers=[
        {"type": "torch.ConstantLR", "params": {}}, {"type": "torch.StepLR", "params": {"step_size": 3}}]),
    "cerebras.InverseExponentialTimeDecayLR": dict(
        initial_learning_rate=0.1, step_exponent=0.5, total_iters=10, decay_rate=0.5),
}

#: Base parameters replaced while one parameter is swept: the alternative form it belongs to
#: (``wsd_cycles``' ``cycle_ends`` goes with a count of ``cycles``, not the list form of ARGS).
PARAM_BASE: dict[tuple[str, str], dict] = {
    ("wsd_cycles", "cycle_ends"): dict(cycles=3),
}

#: Names the sweep cannot fill, with the reason.
SKIPPED: dict[str, str] = {
    "deepspeed.curriculum_seqlen": "takes a nested `schedule_config` mapping per `schedule_type`",
    "fairseq.pass_through": "delegates to another scheduler object (`lr_scheduler`)",
    "levanter.train_weights": "takes a mixture mapping of dataset weights, not scalars",
}


#: Signature parameters that are not config parameters: ``from_config``'s own ``hyperparam``
#: argument (``"lr"`` or ``"momentum"``) which some ecosystem constructors receive.
NOT_CONFIG = {"hyperparam"}


def _required(fn) -> list[str]:
    return [
        p for p, v in inspect.signature(fn).parameters.items()
        if v.default is inspect.Parameter.empty and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)
    ]


def _ecosystem(fn) -> bool:
    return fn.__module__.startswith("jaxsched.config")


def base_args(name: str) -> dict | None:
    """A valid parameter set for a registered name, or None (then it is in ``SKIPPED``)."""
    fn = _REGISTRY[name]
    if name in ARGS:
        return dict(ARGS[name])
    if name in NAME_ARGS:
        return dict(NAME_ARGS[name])
    params = inspect.signature(fn).parameters
    kw = {p: GUESS[p] for p in _required(fn) if p in GUESS}
    kw.update({p: v for p, v in ALWAYS.items() if p in params and p not in kw})
    return kw


def targets() -> list[tuple[str, object, dict]]:
    """(label, builder, valid kwargs) for each public constructor and registered name."""
    out = []
    public = sorted(
        n for n in js.__all__
        if inspect.isfunction(getattr(js, n)) and n in ARGS
    )
    for n in public:
        out.append((n, getattr(js, n), dict(ARGS[n])))
    seen = {id(getattr(js, n)) for n in public}
    for n in js.registered_names():
        if n in SKIPPED or id(_REGISTRY[n]) in seen:
            continue
        seen.add(id(_REGISTRY[n]))  # aliases (deepspeed.X and X) are one constructor

        def build(_n=n, **kw):
            return js.from_config({"type": _n, "params": kw})

        build.__signature__ = inspect.signature(_REGISTRY[n])
        out.append((n, build, base_args(n)))
    return out


_T32 = jnp.asarray(COUNTS, jnp.int32)


def _at_counts(sch):
    """``sch`` at int32 counts; one function object, so ``jax.eval_shape`` reuses the trace of a
    tree structure and leaf types it has traced before (as ``jax.jit`` would)."""
    return sch(_T32)


def as_jit_argument(s):
    """``s`` as ``jax.jit`` sees it when passed as an argument: each leaf converted by
    ``jnp.asarray`` (where a Python int past int32 raises the "overflow" jit raises)."""
    leaves, treedef = jax.tree_util.tree_flatten(s)
    return jax.tree_util.tree_unflatten(treedef, [jnp.asarray(x) for x in leaves])


_T64 = np.asarray(COUNTS, np.int64)
_T32_TORCH = torch.asarray(COUNTS, dtype=torch.int32)


def _evaluate(s) -> str | None:
    """None when ``s`` evaluates finitely with NumPy (float64) and in float32, and traces as a
    jit argument; else what went wrong.

    The jit argument is traced (``jax.eval_shape``: the leaves converted as jit converts them,
    the formula traced with int32 counts) but not compiled, and the float32 values come from
    torch's float32 evaluation of the same formula: running JAX op by op here compiled ~300
    primitives and took 35 of the sweep's 50 s; tests/schedule_checks.py's
    ``assert_backends_agree`` checks JAX's float32 values against these per family.
    """
    items = s if isinstance(s, list) else [s]
    for item in items:
        if not isinstance(item, js.Schedule):
            continue  # a non-schedule result (a batch-size table object, ...)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                host = np.asarray(item.evaluate(_T64, np), dtype=np.float64)
                jax.eval_shape(_at_counts, as_jit_argument(item))
                dev = item.evaluate(_T32_TORCH, torch).double().numpy()
        except Exception as e:  # noqa: BLE001 - classified
            return f"{type(e).__name__}: {str(e)[:150]}"
        if not (np.all(np.isfinite(host)) and np.all(np.isfinite(dev))):
            return f"non-finite: numpy {host.tolist()} float32 {dev.tolist()}"
    return None


def classify(param: str, exc: BaseException) -> str:
    msg = str(exc)
    if not isinstance(exc, (ValueError, TypeError)):
        return "weak"
    if len(msg) > MAX_MESSAGE or any(r in msg for r in RAW):
        return "weak"
    if f"`{param}" not in msg:  # `param` or `param[i]`
        return "weak"
    return "clear"


def run(targets_: list | None = None) -> tuple[Counter, list[tuple[str, str, str, str, str]]]:
    """Counts per outcome and the list of (outcome, name, param, kind, detail) not clear."""
    counts: Counter = Counter()
    notes = []
    for label, build, base in targets() if targets_ is None else targets_:
        params = [
            p for p, v in inspect.signature(build).parameters.items()
            if v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL) and p not in NOT_CONFIG
        ]
        for p in params:
            for kind, bad in BAD.items():
                kw = {**base, **PARAM_BASE.get((label, p), {}), p: bad}
                counts["tried"] += 1
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        s = build(**kw)
                except Exception as e:  # noqa: BLE001 - classified
                    outcome = classify(p, e)
                    counts[outcome] += 1
                    if outcome != "clear":
                        notes.append((outcome, label, p, kind, f"{type(e).__name__}: {str(e)[:200]}"))
                    continue
                problem = _evaluate(s)
                if problem is None:
                    counts["accepted"] += 1
                    notes.append(("accepted", label, p, kind, "groups" if isinstance(s, list) else ""))
                else:
                    counts["accepted-then-failing"] += 1
                    notes.append(("accepted-then-failing", label, p, kind, problem))
    return counts, notes




# ------------------------------------------------------------------------------ allow-list
#: Kinds that are never a legal value of a scalar hyperparameter: accepting one (even for a
#: parameter a configuration ignores) is a gap, never allowed by a rule below.
NEVER_LEGAL = {"nan", "inf", "-inf", "2d", "2**63"}

#: Parameters that are values of the schedule (a learning rate, a momentum, an end value, a
#: noise level...), not step counts: a negative one is a legal schedule of the other sign
#: (DESIGN: values are any finite real; only counts and periods must be >= 0) and it was
#: evaluated finite. Listed by name, one by one.
SIGNED_VALUES = {
    "init_value", "lr", "end_value", "initial_learning_rate", "peak_value", "alpha_f",
    "warmup_lr_init", "alpha", "base", "eta_min", "end_learning_rate", "max_lr",
    "warmup_init_lr", "base_value", "max_value", "end", "linear_end", "base_lr", "base_momentum",
    "max_momentum", "min_value", "value", "cycle_min_lr", "cycle_max_lr", "warmup_min_lr",
    "warmup_max_lr", "alpha_i", "warmup_init_value", "value_before", "floor", "peak",
    "swa_value", "lower", "upper", "decay_init_value", "cycle_min_mom", "cycle_max_mom",
    "learning_rate", "min_lr", "init_lr", "start_lr", "end_lr", "swa_lr", "lb", "ub",
    "initial_val", "end_val", "val", "base_val", "max_val",  # the Cerebras *WD twins' values
    "warmup_target", "init_lr_scale", "scale", "shift", "exponent", "power",
    "b",  # Levanter's power exponent (< 0)
}


#: Integer parameters of any sign: random seeds (any int32 seeds a generator).
SEEDS = {"noise_seed", "seed"}

#: Counts whose negative values are the peer's documented "not given" sentinel, by name:
#: DeepSpeed's stair counts (deepspeed/runtime/lr_schedules.py, add_tuning_arguments: CLI
#: default -1; a count <= 0 means a continuous cycle) and fairseq's cosine period
#: (fairseq/optim/lr_scheduler/cosine_lr_scheduler.py, lr_period_updates: float = -1; a period
#: <= 0 means max_update - warmup_updates).
NEGATIVE_SENTINELS = {"cycle_first_stair_count", "cycle_second_stair_count", "lr_period_updates"}

#: Legal uses of one parameter of one constructor or name: (label, param, kind) -> why.
BY_NAME = {
    ("scale", "factor", "negative"):
        "a multiplier of any sign: scale(s, -1) is -s (DESIGN: values are any finite real)",
    ("warmup", "schedule", "negative"):
        "a number as the schedule is a constant value, of any finite sign",
    ("fairseq.fixed", "lr", "list"):
        "fairseq's --lr is a list, one lr per epoch (fairseq/dataclass/configs.py, "
        "OptimizationConfig.lr: List[float] = [0.25]), read by the fixed schedule",
    ("fairseq.step", "lr", "list"):
        "fairseq's --lr is a list (OptimizationConfig.lr: List[float]); step uses lr[0], as fairseq",
    ("one_cycle_with_decay_momentum", "decay_mom_rate", "negative"):
        "documented: a negative rate lowers the momentum after the cycle, held at 0 (DeepSpeed "
        "takes any real rate); the value stays in [0, 1)",
    ("OneCycle", "decay_mom_rate", "negative"):
        "DeepSpeed OneCycle's rate is any real (see one_cycle_with_decay_momentum): held in [0, 1)",
    ("nemo.ReduceLROnPlateau", "min_lr", "list"):
        "NeMo re-exports torch's ReduceLROnPlateau, whose min_lr is 'float or list' (per group)",
}


def label_of(build) -> str:
    """The sweep's label of a builder: a registered name's, or the public function's name."""
    if build.__name__ == "build" and build.__defaults__:
        return build.__defaults__[0]
    return build.__name__

#: String parameters that are free-form labels (Cerebras' param-group tags).
LABELS = {"param_group_tags", "name"}


def allowed(build, param: str, kind: str, detail: str = "", base: dict | None = None) -> str | None:
    """Why accepting ``kind`` for ``param`` is legal (the value was also evaluated finite), or
    None. Each rule is one documented legal use; nothing else is allowed."""
    if kind in NEVER_LEGAL:
        return None
    sig = inspect.signature(build).parameters.get(param)
    default = sig.default if sig is not None else inspect.Parameter.empty
    if kind == "None" and default is None:
        return "an optional parameter: None is its documented 'not given' default"
    if kind == "zero":
        return "a degenerate legal configuration (zero steps, a zero value): finite, documented"
    if kind == "negative" and param in SIGNED_VALUES:
        return "a value of the schedule, not a count: any finite sign is legal"
    if kind == "bool" and isinstance(default, bool):
        return "a boolean option given a boolean"
    if kind == "string" and isinstance(default, str):
        return "a string option (a name, a tag, a mode with a free-form spelling)"
    if kind == "negative" and param in SEEDS:
        return "a random seed: any int32 is legal"
    if (label_of(build), param, kind) in BY_NAME:
        return BY_NAME[label_of(build), param, kind]
    if kind == "negative" and param in NEGATIVE_SENTINELS:
        return "the peer's negative 'not given' sentinel (DeepSpeed's -1 stairs, fairseq's -1 period)"
    if kind == "string" and param in LABELS:
        return "a free-form label"
    if kind == "list" and isinstance((base or {}).get(param), (list, tuple)):
        return "a parameter that takes a sequence (its valid value is a list too), evaluated finite"
    if kind == "list" and detail == "groups":
        return ("a per-param-group list where the home library takes one (from_config gives one "
                "schedule per group, each evaluated finite)")
    if kind == "list" and (default is None or isinstance(default, (list, tuple))):
        return "a parameter that takes a sequence (per-group values, milestones, tags)"
    return None


def outcomes(part: int | None = None, parts: int = 1) -> tuple[Counter, dict[str, set]]:
    """The sweep's counts and the triples (name, param, kind) per failing outcome; with
    ``part``, only every ``parts``-th target from the ``part``-th (the test runs the parts as
    separate tests, so that workers share them)."""
    targets_ = targets()
    if part is not None:
        targets_ = targets_[part::parts]
    counts, notes = run(targets_)
    builders = {label: build for label, build, _ in targets_}
    bases = {label: base for label, _, base in targets_}
    bad: dict[str, set] = {"weak": set(), "accepted-then-failing": set(), "accepted-unlisted": set()}
    for outcome, label, param, kind, detail in notes:
        if outcome == "accepted":
            if allowed(builders[label], param, kind, detail, bases[label]) is None:
                bad["accepted-unlisted"].add((label, param, kind))
            continue
        bad[outcome].add((label, param, kind))
    counts["accepted-unlisted"] = len(bad["accepted-unlisted"])
    return counts, bad


def gaps_literal(bad: dict[str, set]) -> str:
    """``bad`` as the literal of the known-gaps table (for pasting after a fix)."""
    lines = []
    for outcome in sorted(bad):
        table: dict[tuple[str, str], list] = {}
        for label, param, kind in sorted(bad[outcome]):
            table.setdefault((label, param), []).append(kind)
        lines.append(f"    {outcome!r}: {{  # {len(bad[outcome])}")
        lines += [f"        {key!r}: {' '.join(k)!r}," for key, k in table.items()]
        lines.append("    },")
    return "\n".join(lines)


if __name__ == "__main__":
    import time

    t0 = time.perf_counter()
    if "--gaps" in sys.argv:
        counts, bad = outcomes()
        print(gaps_literal(bad))
    else:
        counts, notes = run()
        for n in notes:
            if n[0] != "accepted" or "-v" in sys.argv:
                print(*n, sep=" | ")
    print(dict(counts), f"{time.perf_counter() - t0:.1f} s")
