# ruff: noqa: E501  (case tables: one case per line reads better than wrapped)
"""Golden vectors from timm's own `timm/scheduler/*.py` -> tests/config/golden/timm.json.

timm cannot be installed in CI with its dependencies (torchvision), so this script extracts only
`timm/scheduler/*.py` (and `timm/version.py`) from the released wheel (`pip download --no-deps`)
and imports them under a stub `timm` package. They need nothing but torch (the installed CPU torch).

Training-loop emulation, as timm's train.py does it:

  per update (t_in_epochs=False, `--sched-on-updates`):
    sched = Cls(optimizer, t_in_epochs=False, **params)   # construction writes the value for update 0
    num_updates = 0
    for k in range(N):
        record group lr                                    # -> values[k], the value update k uses
        optimizer.step(); num_updates += 1
        sched.step_update(num_updates=num_updates)

  per epoch (t_in_epochs=True, the default; cases marked "stepping": "epoch"):
    for e in range(N):
        record group lr                                    # -> values[e], used by every update of epoch e
        ... the epoch's updates ...
        sched.step(e + 1)

With SGD (momentum 0, float64 parameter reset to 0, grad 1) the script checks that the parameter
really moved by the recorded lr.

EMA decay (`timm/utils/model_ema.py`, section `ema` of the JSON): the real `ModelEmaV3` (built on a
float64 torch.nn.Linear) for seeded random (decay, min_decay, use_warmup, warmup_gamma,
warmup_power, update_after_step) configs. timm's train.py calls `model_ema.update(model,
step=num_updates)` right after incrementing num_updates, so EMA update k (0-based) uses
`get_decay(k + 1)`:

    ema = ModelEmaV3(model, **params)
    for k in range(N):
        decay[k] = ema.get_decay(k + 1)
        ema.update(model, step=k + 1)      # checked: the EMA weight moved by exactly (1 - decay[k])

Usage (see README.md):  python scripts/golden/make_timm.py [--dist PATH] [--version X.Y.Z]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import math
import random
import re
import sys
import tempfile
import types
import zipfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Checker, fetch_dist, to_float, write_golden  # noqa: E402

DEFAULT_VERSION = "1.0.31"
EMA_MEMBER = "timm/utils/model_ema.py"


def load_package(dist: Path):
    """Extract timm/scheduler/*.py from a wheel (or use a source tree) and import it as timm.scheduler."""
    if dist.is_dir():
        root = dist
    elif dist.name.endswith(".whl"):
        root = Path(tempfile.mkdtemp(prefix="golden-timm-"))
        with zipfile.ZipFile(dist) as zf:
            names = [n for n in zf.namelist() if n.startswith("timm/scheduler/") or n in (
                "timm/version.py", EMA_MEMBER)]
            zf.extractall(root, names)
    else:
        raise SystemExit(f"expected a timm wheel or a source tree, got {dist}")
    vtext = (root / "timm" / "version.py").read_text()
    version = re.search(r"__version__\s*=\s*['\"]([^'\"]+)['\"]", vtext).group(1)
    m = re.match(r"timm-([0-9][^-]*)-", dist.name)
    if m and m.group(1) != version:
        raise SystemExit(f"timm/version.py says {version}, file name says {m.group(1)}")
    stub = types.ModuleType("timm")  # stands in for timm/__init__.py (which would import the models)
    stub.__path__ = [str(root / "timm")]
    sys.modules["timm"] = stub
    logging.getLogger("timm").setLevel(logging.ERROR)
    sched = importlib.import_module("timm.scheduler")
    # model_ema.py alone (timm/utils/__init__.py would import the rest of timm): it needs only torch
    utils = types.ModuleType("timm.utils")
    utils.__path__ = []
    sys.modules["timm.utils"] = utils
    spec = importlib.util.spec_from_file_location("timm.utils.model_ema", root / EMA_MEMBER)
    ema = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = ema
    spec.loader.exec_module(ema)
    return sched, version, ema


def run_case(pkg, case: dict) -> dict:
    params = dict(case["params"])
    steps = case["steps"]
    per_epoch = case["stepping"] == "epoch"
    group_lrs = case.get("groups") or [case["base_lr"]]
    scales = case.get("group_lr_scale")
    ps = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in group_lrs]
    pgroups = []
    for i, (p, lr) in enumerate(zip(ps, group_lrs)):
        g = {"params": [p], "lr": lr}
        if scales is not None:
            g["lr_scale"] = scales[i]
        pgroups.append(g)
    opt = torch.optim.SGD(pgroups, lr=case["base_lr"], momentum=0.0)
    sched = getattr(pkg, case["name"])(opt, **params)
    lrs = [[] for _ in group_lrs]
    num_updates = 0
    for k in range(steps):
        for g, grp in enumerate(opt.param_groups):
            lrs[g].append(to_float(grp["lr"]))
        for p in ps:
            p.data.zero_()
            p.grad = torch.ones_like(p)
        opt.step()
        for g, p in enumerate(ps):
            applied = -p.data[0].item()
            if applied != lrs[g][-1]:
                raise SystemExit(f"{case['id']}: SGD applied {applied!r}, group lr was {lrs[g][-1]!r}")
        num_updates += 1
        sched.step_update(num_updates=num_updates)  # a no-op when t_in_epochs
        if per_epoch:
            sched.step(k + 1)
    out = dict(case)
    out["lr"] = lrs[0]
    if len(group_lrs) > 1:
        out["lr_groups"] = lrs
    return out


def U(id, name, params, steps, base_lr=1.0, **extra):  # noqa: A002
    """A per-update case (t_in_epochs=False)."""
    return {"id": id, "name": name, "params": {**params, "t_in_epochs": False}, "base_lr": base_lr,
            "steps": steps, "stepping": "update", **extra}


def E(id, name, params, steps, base_lr=1.0, **extra):  # noqa: A002
    """A per-epoch case (t_in_epochs=True, the default): values[e] is the lr of every update in epoch e."""
    return {"id": id, "name": name, "params": dict(params), "base_lr": base_lr, "steps": steps,
            "stepping": "epoch", **extra}


def build_cases() -> list[dict]:
    cs = []
    K = "CosineLRScheduler"
    cs += [
        U("cos-T4-min.1-W2-noprefix", K, {"t_initial": 4, "lr_min": 0.1, "warmup_t": 2}, 10,
          note="warmup_prefix=False overlays the warmup on the curve: jump at warmup_t, peak never reached"),
        U("cos-T4-min.1-W2-prefix", K, {"t_initial": 4, "lr_min": 0.1, "warmup_t": 2, "warmup_prefix": True}, 10),
        U("cos-T10", K, {"t_initial": 10}, 30, note="cycle_limit=1: lr_min forever after t_initial"),
        U("cos-T5-limit3-decay.5", K, {"t_initial": 5, "cycle_limit": 3, "cycle_decay": 0.5, "lr_min": 0.01}, 25),
        U("cos-T3-mul2-limit4", K, {"t_initial": 3, "cycle_mul": 2, "cycle_limit": 4}, 60),
        U("cos-T4-mul1.5-limit5-decay.8", K, {"t_initial": 4, "cycle_mul": 1.5, "cycle_limit": 5,
                                              "cycle_decay": 0.8}, 70),
        U("cos-T2-mul3-limit3", K, {"t_initial": 2, "cycle_mul": 3.0, "cycle_limit": 3, "lr_min": 0.05}, 40),
        U("cos-T10-k2", K, {"t_initial": 10, "k_decay": 2.0, "lr_min": 0.01}, 20),
        U("cos-T10-k.5", K, {"t_initial": 10, "k_decay": 0.5}, 20),
        U("cos-T20-W5-prefix-init1e-3", K, {"t_initial": 20, "lr_min": 1e-5, "warmup_t": 5,
                                            "warmup_lr_init": 1e-3, "warmup_prefix": True}, 60, base_lr=5e-4,
          note="warmup_lr_init above the base lr: the warmup goes down"),
        U("cos-T20-W5-noprefix-init1e-6", K, {"t_initial": 20, "warmup_t": 5, "warmup_lr_init": 1e-6}, 40,
          base_lr=1e-3),
        U("cos-T1", K, {"t_initial": 1}, 5, note="t_initial=1 (logs a warning)"),
        U("cos-T1-limit3", K, {"t_initial": 1, "cycle_limit": 3, "lr_min": 0.1}, 6),
        U("cos-T5-W5-noprefix", K, {"t_initial": 5, "warmup_t": 5}, 15,
          note="warmup_t == t_initial without prefix: the cosine part is never used"),
        U("cos-T5-limit0", K, {"t_initial": 5, "cycle_limit": 0, "lr_min": 0.2, "warmup_t": 2}, 10,
          note="cycle_limit=0: lr_min right after warmup"),
        U("cos-T6-lr_scale-groups", K, {"t_initial": 6, "lr_min": 0.1, "warmup_t": 2}, 12, groups=[1.0, 1.0],
          group_lr_scale=[1.0, 0.5], note="a group's lr_scale multiplies every written value (lr_min too)"),
        U("cos-T6-groups", K, {"t_initial": 6, "lr_min": 0.01}, 12, groups=[1.0, 0.1],
          note="lr_min is shared by all groups, not scaled"),
        U("cos-T1000-W50-prefix-long", K, {"t_initial": 1000, "lr_min": 1e-6, "warmup_t": 50,
                                           "warmup_lr_init": 1e-6, "warmup_prefix": True}, 2200, base_lr=1e-3),
        U("cos-T10-noise-range", K, {"t_initial": 10, "noise_range_t": [3, 8], "noise_pct": 0.67,
                                     "noise_seed": 42}, 12, noise=True,
          note="noise is deterministic: torch.Generator seeded with noise_seed + t"),
        U("cos-T10-noise-from5", K, {"t_initial": 10, "noise_range_t": 5, "noise_pct": 0.1, "noise_seed": 7},
          14, noise=True),
        E("cos-epoch-T5-W2-prefix", K, {"t_initial": 5, "warmup_t": 2, "warmup_prefix": True, "lr_min": 0.1},
          12),
        E("cos-epoch-T4-limit2-decay.5", K, {"t_initial": 4, "cycle_limit": 2, "cycle_decay": 0.5}, 12),
    ]
    T = "TanhLRScheduler"
    cs += [
        U("tanh-T10", T, {"t_initial": 10}, 25,
          note="update 0 uses the base lr written at construction, not the formula at t=0 (0.99999917)"),
        U("tanh-T10-lb-5-ub5", T, {"t_initial": 10, "lb": -5.0, "ub": 5.0}, 25),
        U("tanh-T5-limit2", T, {"t_initial": 5, "cycle_limit": 2}, 15),
        U("tanh-T3-mul2-limit3", T, {"t_initial": 3, "cycle_mul": 2.0, "cycle_limit": 3}, 30),
        U("tanh-T10-W3-noprefix", T, {"t_initial": 10, "warmup_t": 3}, 20,
          note="without prefix the warmup targets the curve value at t=warmup_t (continuous)"),
        U("tanh-T10-W3-prefix", T, {"t_initial": 10, "warmup_t": 3, "warmup_prefix": True}, 20),
        U("tanh-T8-min.1-W2-init.01", T, {"t_initial": 8, "lr_min": 0.1, "warmup_t": 2, "warmup_lr_init": 0.01},
          20),
        U("tanh-T4-limit3-decay.5", T, {"t_initial": 4, "cycle_limit": 3, "cycle_decay": 0.5}, 16),
        U("tanh-T1", T, {"t_initial": 1}, 4),
        E("tanh-epoch-T6", T, {"t_initial": 6}, 10),
    ]
    S = "StepLRScheduler"
    cs += [
        U("step-3-.5", S, {"decay_t": 3, "decay_rate": 0.5}, 12),
        U("step-2.5-.5", S, {"decay_t": 2.5, "decay_rate": 0.5}, 15, note="float decay_t: floor(t / 2.5)"),
        U("step-1-.9", S, {"decay_t": 1, "decay_rate": 0.9}, 10),
        U("step-.7-.5", S, {"decay_t": 0.7, "decay_rate": 0.5}, 8),
        U("step-3-.5-W3-prefix", S, {"decay_t": 3, "decay_rate": 0.5, "warmup_t": 3, "warmup_lr_init": 0.1}, 15,
          note="warmup_prefix defaults to True for step"),
        U("step-3-.5-W3-noprefix", S, {"decay_t": 3, "decay_rate": 0.5, "warmup_t": 3, "warmup_prefix": False},
          15),
        U("step-4-default-rate", S, {"decay_t": 4}, 10, note="decay_rate defaults to 1: constant"),
        U("step-30-.1-long", S, {"decay_t": 30, "decay_rate": 0.1}, 100, base_lr=0.1),
        U("step-2-.5-groups", S, {"decay_t": 2, "decay_rate": 0.5}, 8, groups=[1.0, 0.3]),
        U("step-3-.5-noise", S, {"decay_t": 3, "decay_rate": 0.5, "noise_range_t": [2, 6], "noise_pct": 0.3}, 9,
          noise=True),
        E("step-epoch-3-.5", S, {"decay_t": 3, "decay_rate": 0.5}, 10),
    ]
    M = "MultiStepLRScheduler"
    cs += [
        U("mstep-3-5", M, {"decay_t": [3, 5], "decay_rate": 0.5}, 7,
          note="milestone m applies at t = m - 1 (bisect_right(decay_t, t + 1))"),
        U("mstep-1", M, {"decay_t": [1], "decay_rate": 0.5}, 5,
          note="the formula is already decayed at t=0, but update 0 uses the base lr written at construction"),
        U("mstep-0", M, {"decay_t": [0], "decay_rate": 0.5}, 4),
        U("mstep-2-2-4", M, {"decay_t": [2, 2, 4], "decay_rate": 0.5}, 8, note="repeated milestone decays twice"),
        U("mstep-3-5-W2-prefix", M, {"decay_t": [3, 5], "decay_rate": 0.5, "warmup_t": 2}, 10),
        U("mstep-3-5-W2-noprefix", M, {"decay_t": [3, 5], "decay_rate": 0.5, "warmup_t": 2,
                                       "warmup_prefix": False}, 10),
        U("mstep-10-20-30", M, {"decay_t": [10, 20, 30], "decay_rate": 0.1}, 40, base_lr=0.1),
        U("mstep-default-rate", M, {"decay_t": [2, 4]}, 6, note="decay_rate defaults to 1"),
        U("mstep-3-5-W2-init.1", M, {"decay_t": [3, 5], "decay_rate": 0.5, "warmup_t": 2,
                                     "warmup_lr_init": 0.1}, 10),
        E("mstep-epoch-3-5", M, {"decay_t": [3, 5], "decay_rate": 0.5}, 8),
    ]
    P = "PolyLRScheduler"
    cs += [
        U("poly-T10", P, {"t_initial": 10}, 25, note="default power 0.5"),
        U("poly-T10-p1-min.1", P, {"t_initial": 10, "power": 1.0, "lr_min": 0.1}, 25),
        U("poly-T10-p2-k2", P, {"t_initial": 10, "power": 2.0, "k_decay": 2.0}, 20),
        U("poly-T10-p1-k.5", P, {"t_initial": 10, "power": 1.0, "k_decay": 0.5}, 20),
        U("poly-T6-W3-noprefix", P, {"t_initial": 6, "power": 1.0, "warmup_t": 3}, 15),
        U("poly-T6-W3-prefix", P, {"t_initial": 6, "power": 1.0, "warmup_t": 3, "warmup_prefix": True}, 15),
        U("poly-T4-limit3-decay.5", P, {"t_initial": 4, "power": 1.0, "cycle_limit": 3, "cycle_decay": 0.5}, 16),
        U("poly-T2-mul2-limit3", P, {"t_initial": 2, "power": 2.0, "cycle_mul": 2, "cycle_limit": 3}, 20),
        U("poly-T10-p.1", P, {"t_initial": 10, "power": 0.1}, 15, note="power=0.1 is create_scheduler_v2's default"),
        U("poly-T1", P, {"t_initial": 1, "power": 1.0}, 4),
        E("poly-epoch-T5-p2", P, {"t_initial": 5, "power": 2.0}, 10),
    ]
    WS = "WSDLRScheduler"
    cs += [
        U("wsd-T10-D4", WS, {"t_initial": 10, "decay_t": 4}, 20, note="defaults: constant stable, 1-sqrt decay"),
        U("wsd-T10-D4-W3-linear", WS, {"t_initial": 10, "decay_t": 4, "warmup_t": 3, "warmup_lr_init": 0.1,
                                       "decay_fn": "linear"}, 20),
        U("wsd-T10-D5-cos-min.1", WS, {"t_initial": 10, "decay_t": 5, "decay_fn": "cosine", "lr_min": 0.1}, 20),
        U("wsd-T12-D4-W4-rsqrt", WS, {"t_initial": 12, "decay_t": 4, "warmup_t": 4, "stable_fn": "rsqrt",
                                      "decay_fn": "linear"}, 25),
        U("wsd-T12-D4-power", WS, {"t_initial": 12, "decay_t": 4, "stable_fn": "power", "stable_timescale": 3.0,
                                   "stable_power": 0.3, "decay_fn": "power", "decay_power": 2.0}, 25),
        U("wsd-T10-D5-exp", WS, {"t_initial": 10, "decay_t": 5, "decay_fn": "exp", "decay_ratio": 0.1}, 20),
        U("wsd-T6-D6", WS, {"t_initial": 6, "decay_t": 6, "decay_fn": "linear"}, 12, note="decay_t == t_initial"),
        U("wsd-T6-D1", WS, {"t_initial": 6, "decay_t": 1}, 12),
        E("wsd-epoch-T8-D3-W2", WS, {"t_initial": 8, "decay_t": 3, "warmup_t": 2}, 15),
    ]
    return cs


def run_ema(ema_mod, case: dict) -> dict:
    """Record get_decay(k + 1) for EMA update k and check the real update applied it."""
    model = torch.nn.Linear(1, 1, bias=False).double()
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema = ema_mod.ModelEmaV3(model, **case["params"])
    decays = []
    for k in range(case["steps"]):
        d = ema.get_decay(k + 1)
        decays.append(to_float(d))
        with torch.no_grad():
            ema.module.weight.fill_(0.0)
        ema.update(model, step=k + 1)
        moved = ema.module.weight.item()  # lerp(0, 1, 1 - d)
        if abs(moved - (1.0 - decays[-1])) > 1e-15:
            raise SystemExit(f"{case['id']}: EMA moved by {moved!r}, 1 - decay is {1.0 - decays[-1]!r}")
    return {**case, "decay": decays}


def build_ema_cases(seed: int = 16) -> list[dict]:
    def X(id, steps, note=None, **params):  # noqa: A002, N802
        case = {"id": id, "name": "ModelEmaV3", "params": params, "steps": steps}
        return {**case, "note": note} if note else case
    cs = [
        X("ema-v3-defaults", 6, note="use_warmup=False by default: decay (0.9999) from the first averaging update"),
        X("ema-v3-warmup-g1-p1", 12, decay=0.999, use_warmup=True, warmup_gamma=1.0, warmup_power=1.0),
        X("ema-v3-warmup-2/3", 40, decay=0.9999, use_warmup=True),
        X("ema-v3-warmup-3/4-long", 2000, decay=0.9999, use_warmup=True, warmup_power=0.75),
        X("ema-v3-after5", 12, decay=0.99, use_warmup=True, warmup_gamma=2.0, warmup_power=0.75, min_decay=0.1,
          update_after_step=5),
        X("ema-v3-after3-nowarmup", 8, decay=0.995, update_after_step=3),
        X("ema-v3-min-above-decay", 8, decay=0.5, min_decay=0.9, use_warmup=True, warmup_power=1.0,
          note="min_decay > decay: timm clips with min first, then max (min_decay wins)"),
        X("ema-v3-huge-gamma", 10, decay=0.9999, use_warmup=True, warmup_gamma=1e6, warmup_power=1.0,
          note="tiny decays: 1 - (1 + s/gamma)^-p ~ s/gamma"),
        X("ema-v3-decay0", 5, decay=0.0, use_warmup=True),
        X("ema-v3-decay1", 5, decay=1.0, use_warmup=True, warmup_power=1.0),
    ]
    rng = random.Random(seed)
    for i in range(20):
        params = {
            "decay": rng.choice([0.9, 0.99, 0.999, 0.9999, round(rng.uniform(0.5, 1.0), 6)]),
            "min_decay": rng.choice([0.0, 0.0, round(rng.uniform(0.0, 0.9), 4)]),
            "use_warmup": rng.random() < 0.75,
            "warmup_gamma": rng.choice([1.0, round(10 ** rng.uniform(-1, 3), 6)]),
            "warmup_power": rng.choice([2 / 3, 0.75, round(rng.uniform(0.1, 2.0), 4)]),
            "update_after_step": rng.choice([0, 0, rng.randint(1, 50)]),
        }
        cs.append(X(f"ema-v3-random-{i}", rng.choice([30, 100, 400]), **params))
    return cs


def ema_checks(cases: list[dict]) -> None:
    """Hand-derived values: gamma = p = 1 gives 1 - 1/(1 + s) = s/(s + 1), s = step - 1."""
    ck = Checker(cases)
    ck.check("ema-v3-warmup-g1-p1", [0.0, 0.5, 2 / 3, 0.75, 0.8], 1e-15, key="decay",
             source="hand: s/(s+1), s = k (step k+1 minus 1)")
    ck.check("ema-v3-after5", [0.0] * 6, 0.0, key="decay", source="hand: 0 until s > 0 (A = 5)")
    ck.check("ema-v3-defaults", [0.0, 0.9999, 0.9999], 0.0, key="decay", source="hand: no warmup")
    ck.finish()


REJECTED = [
    ("CosineLRScheduler", {"t_initial": 0}),
    ("CosineLRScheduler", {"t_initial": 10, "lr_min": -0.1}),
    ("TanhLRScheduler", {"t_initial": 10, "lb": 1.0, "ub": 0.0}),
    ("PolyLRScheduler", {"t_initial": 0}),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 11}),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 4, "stable_fn": "rsqrt"}),
]


def rejected(pkg) -> list[dict]:
    out = []
    for name, params in REJECTED:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        try:
            getattr(pkg, name)(opt, **params)
        except Exception as e:  # noqa: BLE001
            out.append({"name": name, "params": params, "error": type(e).__name__, "message": str(e)})
        else:
            out.append({"name": name, "params": params, "error": None})
    return out


def checks(cases: list[dict]) -> None:
    ck = Checker(cases)
    src = "anchors.md b6"
    ck.check("cos-T4-min.1-W2-noprefix", [0, .5, .55, .2318, .1, .1], 5e-5, source=src)
    ck.check("cos-T4-min.1-W2-prefix", [0, .5, 1, .8682, .55, .2318, .1, .1], 5e-5, source=src)
    ck.check("mstep-3-5", [1, 1, .5, .5, .25, .25, .25], 1e-15, source=src)
    restart = ck.by_id["tanh-T5-limit2"]["lr"][5]
    ck.check_value("tanh factor at r=0 (a restart, t=5)", restart, 0.99999917, 5e-9, source=src)
    # tanh factor near r=1: the last value of the first cycle is 0.5*(1 - tanh(lb/T + ub(T-1)/T)) at T=10
    near_end = ck.by_id["tanh-T10"]["lr"][9]
    ck.check_value("tanh t=9 of 10 (formula in b6)", near_end, 0.5 * (1 - math.tanh(-7 * 0.1 + 3 * 0.9)), 1e-15,
                   source=src)
    ck.finish()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, help="a downloaded timm wheel or a source tree holding timm/")
    ap.add_argument("--version", default=DEFAULT_VERSION, help="version to pip download when --dist is absent")
    args = ap.parse_args()
    dist = args.dist or fetch_dist("timm", args.version)
    pkg, version, ema_mod = load_package(dist)
    print(f"timm {version} scheduler files loaded from {dist.name}; torch {torch.__version__}")
    cases = [run_case(pkg, c) for c in build_cases()]
    checks(cases)
    ema = [run_ema(ema_mod, c) for c in build_ema_cases()]
    ema_checks(ema)
    header = {
        "library": "timm",
        "version": version,
        "source": f"timm/scheduler/*.py from {dist.name} (pip download --no-deps), under a stub timm package",
        "generator": "scripts/golden/make_timm.py",
        "torch": torch.__version__.split("+")[0],
        "loop": "per update: sched = Cls(opt, t_in_epochs=False, ...); for k: record lr -> optimizer.step() -> "
                "num_updates += 1 -> sched.step_update(num_updates). per epoch: for e: record lr -> "
                "sched.step(e + 1)",
        "notes": [
            "stepping 'update': values[k] is the lr of optimizer update k; 'epoch': values[e] is the lr of "
            "every update of epoch e",
            "params holds the constructor arguments after the optimizer, t_in_epochs included",
            "lr is group 0; lr_groups holds every group when the case has groups; group_lr_scale gives each "
            "group's 'lr_scale' key",
            "noise cases (noise: true) are deterministic, seeded per t with torch.Generator (CPU)",
            "optimizer is torch.optim.SGD(momentum=0); the applied update was checked equal to lr",
        ],
    }
    header["ema_source"] = f"{EMA_MEMBER} from {dist.name}, ModelEmaV3 on a float64 torch.nn.Linear"
    header["ema_loop"] = ("ema = ModelEmaV3(model, **params); for k: decay[k] = ema.get_decay(k + 1); "
                          "ema.update(model, step=k + 1)")
    header["ema_notes"] = [
        "section ema: decay[k] is the decay timm's EMA uses at EMA update k (0-based)",
        "the step is k + 1: train.py increments num_updates, then calls model_ema.update(model, "
        "step=num_updates)",
        "each update was checked: an EMA weight reset to 0 moved towards the model weight 1 by 1 - decay[k]",
    ]
    write_golden("timm.json", header, cases, rejected(pkg), sections={"ema": ema})


if __name__ == "__main__":
    main()
