# ruff: noqa: E501  (case tables: one case per line reads better than wrapped)
"""Golden vectors from DeepSpeed's own `deepspeed/runtime/lr_schedules.py` -> tests/config/golden/deepspeed.json.

DeepSpeed cannot be installed in CI (it pulls CUDA builds of torch), so this script loads only the
scheduler source file from the released distribution (`pip download --no-deps`), with the one
package import it needs (`deepspeed.utils.logger`) stubbed by a plain logging.Logger. It runs the
real classes on real torch optimizers (the installed CPU torch).

Training-loop emulation (DeepSpeed's engine calls `lr_scheduler.step()` after each optimizer step):

    sched = Cls(optimizer, **params)          # construction writes the value for update 0
    for k in range(N):
        record group lr (and betas)           # -> values[k], the value update k uses
        optimizer.step()
        sched.step()

With plain SGD (momentum 0, float64 parameter reset to 0 and grad 1) the script also checks that the
parameter really moved by the recorded lr at every update.

Curriculum (`deepspeed/runtime/data_pipeline/curriculum_scheduler.py`, section `curriculum` of the
JSON): the real CurriculumScheduler for fixed_linear, fixed_root and fixed_discrete configs. DeepSpeed
advances its curriculum step to 1 *before* the first batch (0.19.x `DeepSpeedDataSampler.
get_next_global_batch`: `curriculum_step += 1; update_difficulty(curriculum_step)`; the legacy
engine path called `update_difficulty(global_steps + 1)` in `forward`), so update k uses step k + 1:

    cs = CurriculumScheduler(config)
    for k in range(N):
        difficulty[k] = cs.update_difficulty(k + 1)     # latched: only moves while below max
        get_difficulty[k] = cs.get_difficulty(k + 1)    # the formula alone

Usage (see README.md):  python scripts/golden/make_deepspeed.py [--dist PATH] [--version X.Y.Z]
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import logging
import random
import re
import sys
import tarfile
import tempfile
import types
import warnings
import zipfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Checker, fetch_dist, to_float, write_golden  # noqa: E402

DEFAULT_VERSION = "0.19.8"
MEMBER = "deepspeed/runtime/lr_schedules.py"
CURRICULUM = "deepspeed/runtime/data_pipeline/curriculum_scheduler.py"
CURRICULUM_CONSTANTS = "deepspeed/runtime/data_pipeline/constants.py"


def load_module(dist: Path):
    """Extract lr_schedules.py from an sdist/wheel/dir and import it with stubbed package imports."""
    tmp = Path(tempfile.mkdtemp(prefix="golden-ds-"))
    target = tmp / "lr_schedules.py"
    version = None
    extra = {CURRICULUM: tmp / "curriculum_scheduler.py", CURRICULUM_CONSTANTS: tmp / "constants.py"}
    if dist.is_dir():
        target.write_bytes((dist / MEMBER).read_bytes())
        for member, path in extra.items():
            path.write_bytes((dist / member).read_bytes())
        vfile = dist / "version.txt"
        version = vfile.read_text().strip() if vfile.exists() else None
    elif dist.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(dist) as tf:
            for m in tf.getmembers():
                for member, path in extra.items():
                    if m.name.endswith("/" + member):
                        path.write_bytes(tf.extractfile(m).read())
                if m.name.endswith("/" + MEMBER):
                    target.write_bytes(tf.extractfile(m).read())
                elif re.fullmatch(r"[^/]+/version\.txt", m.name):
                    version = tf.extractfile(m).read().decode().strip()
    elif dist.name.endswith(".whl"):
        with zipfile.ZipFile(dist) as zf:
            target.write_bytes(zf.read(MEMBER))
            for member, path in extra.items():
                path.write_bytes(zf.read(member))
    else:
        raise SystemExit(f"unknown distribution format: {dist}")
    if not target.exists() or target.stat().st_size == 0:
        raise SystemExit(f"{MEMBER} not found in {dist}")
    m = re.match(r"deepspeed-([0-9][^-]*?)(\.tar\.gz|\.tgz|-py)", dist.name)
    file_version = m.group(1) if m else None
    if version and file_version and version != file_version:
        raise SystemExit(f"version.txt says {version}, file name says {file_version}")
    version = version or file_version
    if not version:
        raise SystemExit(f"cannot tell the DeepSpeed version of {dist}")

    # Stubs: only `from deepspeed.utils import logger` is needed by lr_schedules.py.
    pkg = types.ModuleType("deepspeed")
    pkg.__path__ = []
    utils = types.ModuleType("deepspeed.utils")
    utils.logger = logging.getLogger("deepspeed")
    utils.logger.setLevel(logging.ERROR)  # its warnings (e.g. "total < warmup") are expected here
    runtime = types.ModuleType("deepspeed.runtime")
    runtime.__path__ = []
    sys.modules.update({"deepspeed": pkg, "deepspeed.utils": utils, "deepspeed.runtime": runtime})
    spec = importlib.util.spec_from_file_location("deepspeed.runtime.lr_schedules", target)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    # curriculum_scheduler.py: `from deepspeed.utils import logger` and `from .constants import *`
    pipeline = types.ModuleType("deepspeed.runtime.data_pipeline")
    pipeline.__path__ = []
    sys.modules["deepspeed.runtime.data_pipeline"] = pipeline
    for name, path in (("constants", extra[CURRICULUM_CONSTANTS]), ("curriculum_scheduler", extra[CURRICULUM])):
        if not path.exists() or path.stat().st_size == 0:
            raise SystemExit(f"{path.name} not found in {dist}")
        spec = importlib.util.spec_from_file_location(f"deepspeed.runtime.data_pipeline.{name}", path)
        sub = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = sub
        spec.loader.exec_module(sub)
    return mod, version, sub


def run_case(mod, case: dict) -> dict:
    """Run one case through the real scheduler; returns the case with lr (and beta) lists filled."""
    name = case["name"]
    params = dict(case["params"])
    steps = case["steps"]
    opt_name = case.get("optimizer", "SGD")
    group_lrs = case.get("groups") or [case["base_lr"]]
    lr_tensor = case.get("lr_tensor", False)
    torch.manual_seed(0)
    ps = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in group_lrs]
    pgroups = [{"params": [p], "lr": (torch.tensor(lr) if lr_tensor else lr)} for p, lr in zip(ps, group_lrs)]
    base = torch.tensor(case["base_lr"]) if lr_tensor else case["base_lr"]
    if opt_name == "SGD":
        opt = torch.optim.SGD(pgroups, lr=base, momentum=0.0)
    elif opt_name == "Adam":
        opt = torch.optim.Adam(pgroups, lr=base)
    else:
        raise ValueError(opt_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = getattr(mod, name)(opt, **params)
    ng = len(group_lrs)
    lrs = [[] for _ in range(ng)]
    b1 = [[] for _ in range(ng)]
    b2 = [[] for _ in range(ng)]
    for _ in range(steps):
        for g, grp in enumerate(opt.param_groups):
            lrs[g].append(to_float(grp["lr"]))
            if "betas" in grp:
                b1[g].append(to_float(grp["betas"][0]))
                b2[g].append(to_float(grp["betas"][1]))
        for p in ps:
            p.data.zero_()
            p.grad = torch.ones_like(p)
        opt.step()
        if opt_name == "SGD":
            for g, p in enumerate(ps):  # the update really used the recorded lr
                applied = -p.data[0].item()
                if applied != lrs[g][-1]:
                    raise SystemExit(f"{case['id']}: SGD applied {applied!r}, group lr was {lrs[g][-1]!r}")
        sched.step()
    out = dict(case)
    out.pop("lr_tensor", None)
    out["lr"] = lrs[0]
    if ng > 1:
        out["lr_groups"] = lrs
    if case.get("record_betas"):
        out.pop("record_betas")
        out["beta1"] = b1[0]
        out["beta2"] = b2[0]
        if ng > 1:
            out["beta1_groups"] = b1
    return out


def C(id, name, params, steps, base_lr=1.0, **extra):  # noqa: A002
    return {"id": id, "name": name, "params": params, "base_lr": base_lr, "steps": steps, **extra}


def build_cases() -> list[dict]:
    cs = []
    # ---------------- LRRangeTest ----------------
    R = "LRRangeTest"
    def rt(mn, size, rate, stair):
        return {"lr_range_test_min_lr": mn, "lr_range_test_step_size": size,
                "lr_range_test_step_rate": rate, "lr_range_test_staircase": stair}
    cs += [
        C("lrrt-min.1-size2-rate1-cont", R, rt(0.1, 2, 1.0, False), 12),
        C("lrrt-min.1-size2-rate1-stair", R, rt(0.1, 2, 1.0, True), 12),
        C("lrrt-min.1-size2-rate1-cont-adam", R, rt(0.1, 2, 1.0, False), 8, optimizer="Adam"),
        C("lrrt-min1e-3-size10-rate5-cont", R, rt(1e-3, 10, 5.0, False), 40, base_lr=0.01),
        C("lrrt-min1e-3-size3-rate.5-stair", R, rt(1e-3, 3, 0.5, True), 20),
        C("lrrt-size1-rate1-cont", R, rt(0.01, 1, 1.0, False), 10),
        C("lrrt-size1-rate1-stair", R, rt(0.01, 1, 1.0, True), 10),
        C("lrrt-rate0", R, rt(0.05, 4, 0.0, False), 6),
        C("lrrt-size7-rate.1-stair", R, rt(0.2, 7, 0.1, True), 30),
        C("lrrt-groups-cont", R, rt([0.1, 0.01], 3, 2.0, False), 10, groups=[1.0, 0.5]),
        C("lrrt-groups-stair", R, rt((0.1, 0.01), 3, 2.0, True), 10, groups=[1.0, 0.5]),
        C("lrrt-1step", R, rt(0.1, 2, 1.0, False), 1),
        C("lrrt-defaults", R, {"lr_range_test_min_lr": 1e-3}, 5),
    ]
    # ---------------- OneCycle ----------------
    O = "OneCycle"
    cs += [
        C("onecycle-.1-1-S4-nostairs", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 4},
          16, optimizer="Adam", record_betas=True),
        C("onecycle-.1-1-S4-stairs2", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 4,
                                          "cycle_first_stair_count": 2}, 16, optimizer="Adam", record_betas=True),
        C("onecycle-.1-1-S2-3-decay", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 2,
                                          "cycle_second_step_size": 3, "decay_step_size": 2,
                                          "decay_lr_rate": 0.5}, 20, optimizer="Adam", record_betas=True),
        C("onecycle-.1-1-S2-3-decay-mom-beta1-above-1", O,
          {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 2, "cycle_second_step_size": 3,
           "decay_step_size": 2, "decay_lr_rate": 0.5, "decay_mom_rate": 0.4}, 15, optimizer="Adam",
          record_betas=True,
          note="decay_mom_rate > 0 multiplies beta1 by (1 + rate*d/decay_step_size): beta1 exceeds 1 (1.08 at "
               "the first decay step); beta2 is overwritten with 0.99 throughout"),
        C("onecycle-.1-1-S2-3-decay-sgd", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0,
                                              "cycle_first_step_size": 2, "cycle_second_step_size": 3,
                                              "decay_step_size": 2, "decay_lr_rate": 0.5}, 20,
          note="SGD has no 'betas' in defaults: cycle_momentum is silently disabled (a logged warning)"),
        C("onecycle-S3-5-stairs3-2", O, {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 3,
                                         "cycle_second_step_size": 5, "cycle_first_stair_count": 3,
                                         "cycle_second_stair_count": 2}, 30, base_lr=0.05, optimizer="Adam",
          record_betas=True),
        C("onecycle-S5-stairs2-uneven", O, {"cycle_min_lr": 0.0, "cycle_max_lr": 1.0, "cycle_first_step_size": 5,
                                            "cycle_first_stair_count": 2}, 24, optimizer="Adam",
          record_betas=True),
        C("onecycle-S2-0", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 4,
                               "cycle_second_step_size": 0}, 12, optimizer="Adam", record_betas=True),
        C("onecycle-S1-1", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 1,
                               "decay_step_size": 1, "decay_lr_rate": 1.0}, 10, optimizer="Adam",
          record_betas=True),
        C("onecycle-decay-mom-only", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 3,
                                         "decay_step_size": 3, "decay_lr_rate": 0.0, "decay_mom_rate": 0.1},
          20, optimizer="Adam", record_betas=True),
        C("onecycle-no-cycle-momentum", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 3,
                                            "cycle_momentum": False}, 10, optimizer="Adam", record_betas=True),
        C("onecycle-mom-.85-.95", O, {"cycle_min_lr": 0.001, "cycle_max_lr": 0.01, "cycle_first_step_size": 4,
                                      "cycle_min_mom": 0.85, "cycle_max_mom": 0.95, "decay_step_size": 4,
                                      "decay_lr_rate": 0.1}, 20, base_lr=0.01, optimizer="Adam",
          record_betas=True),
        C("onecycle-groups", O, {"cycle_min_lr": [0.01, 0.001], "cycle_max_lr": [0.1, 0.01],
                                 "cycle_first_step_size": 3, "cycle_min_mom": [0.85, 0.8],
                                 "cycle_max_mom": [0.95, 0.9], "decay_step_size": 2, "decay_lr_rate": 0.2},
          15, groups=[1.0, 0.5], optimizer="Adam", record_betas=True),
        C("onecycle-long", O, {"cycle_min_lr": 1e-4, "cycle_max_lr": 1e-3, "cycle_first_step_size": 50,
                               "cycle_second_step_size": 50, "decay_step_size": 10, "decay_lr_rate": 0.01},
          300, base_lr=1e-3, optimizer="Adam", record_betas=True),
        C("onecycle-1step", O, {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 2}, 1,
          optimizer="Adam", record_betas=True),
    ]
    # ---------------- WarmupLR ----------------
    W = "WarmupLR"
    def wl(w, typ, mn=0.0, mx=1.0):
        p = {"warmup_min_lr": mn, "warmup_max_lr": mx, "warmup_num_steps": w}
        if typ is not None:
            p["warmup_type"] = typ
        return p
    cs += [
        C("warmuplr-W4-linear", W, wl(4, "linear"), 12),
        C("warmuplr-W4-log", W, wl(4, "log"), 12),
        C("warmuplr-W1-linear", W, wl(1, "linear"), 8, note="warmup_num_steps=1 silently becomes 2"),
        C("warmuplr-W1-log", W, wl(1, "log"), 8, note="warmup_num_steps=1 silently becomes 2"),
        C("warmuplr-W2-linear", W, wl(2, "linear"), 8),
        C("warmuplr-W3-default-type", W, wl(3, None), 10, note="warmup_type default is 'log'"),
        C("warmuplr-W10-log-min.1", W, wl(10, "log", 0.1, 1.0), 30),
        C("warmuplr-W5-max-None-groups", W, {"warmup_min_lr": 0.0, "warmup_max_lr": None, "warmup_num_steps": 5,
                                             "warmup_type": "linear"}, 12, groups=[1.0, 0.5],
          note="warmup_max_lr=None inherits each group's lr"),
        C("warmuplr-groups-lists", W, {"warmup_min_lr": [0.0, 0.01], "warmup_max_lr": [1.0, 0.1],
                                       "warmup_num_steps": 4, "warmup_type": "linear"}, 10, groups=[1.0, 1.0]),
        C("warmuplr-unknown-type", W, wl(4, "cosine"), 10, note="unknown warmup_type warns and falls back to log"),
        C("warmuplr-W100-linear-long", W, wl(100, "linear", 0.0, 3e-4), 250, base_lr=3e-4),
        C("warmuplr-W4-linear-adam", W, wl(4, "linear"), 8, optimizer="Adam"),
        C("warmuplr-W4-linear-tensor-lr", W, wl(4, "linear", 0.0, 0.1), 10, base_lr=0.1, optimizer="Adam",
          lr_tensor=True, note="optimizer lr is a float32 tensor: values are filled in place, so float32"),
        C("warmuplr-defaults-max-None", W, {}, 6, base_lr=0.5,
          note="all defaults: warmup_max_lr=None inherits the lr 0.5, W=1000, log"),
    ]
    # ---------------- WarmupDecayLR ----------------
    D = "WarmupDecayLR"
    def wd(n, w, typ, mn=0.0, mx=1.0):
        p = {"total_num_steps": n, "warmup_min_lr": mn, "warmup_max_lr": mx, "warmup_num_steps": w}
        if typ is not None:
            p["warmup_type"] = typ
        return p
    cs += [
        C("warmupdecay-N8-W4-linear", D, wd(8, 4, "linear"), 24),
        C("warmupdecay-N8-W4-log", D, wd(8, 4, "log"), 24),
        C("warmupdecay-N8-W1-linear", D, wd(8, 1, "linear"), 24, note="warmup_num_steps=1 silently becomes 2"),
        C("warmupdecay-N4-W4-linear", D, wd(4, 4, "linear"), 12, note="total == warmup"),
        C("warmupdecay-N3-W5-linear", D, wd(3, 5, "linear"), 15, note="total < warmup only warns"),
        C("warmupdecay-N1-W1-linear", D, wd(1, 1, "linear"), 6),
        C("warmupdecay-N2-W1-log", D, wd(2, 1, "log"), 6),
        C("warmupdecay-N10-W3-min.1-linear", D, wd(10, 3, "linear", 0.1, 1.0), 30),
        C("warmupdecay-groups", D, {"total_num_steps": 10, "warmup_min_lr": [0.0, 0.001],
                                    "warmup_max_lr": [0.1, 0.01], "warmup_num_steps": 3,
                                    "warmup_type": "linear"}, 30, groups=[0.1, 0.01]),
        C("warmupdecay-N200-W20-log", D, wd(200, 20, "log", 0.0, 1e-3), 450, base_lr=1e-3),
        C("warmupdecay-default-max", D, {"total_num_steps": 10, "warmup_num_steps": 3}, 25, base_lr=0.5,
          note="warmup_max_lr defaults to 0.001 here (not inherited from the optimizer lr)"),
        C("warmupdecay-N8-W4-linear-adam", D, wd(8, 4, "linear"), 12, optimizer="Adam"),
    ]
    # ---------------- WarmupCosineLR ----------------
    K = "WarmupCosineLR"
    def wc(n, w, typ, m=0.0, c=1e-4):
        p = {"total_num_steps": n, "warmup_min_ratio": m, "warmup_num_steps": w, "cos_min_ratio": c}
        if typ is not None:
            p["warmup_type"] = typ
        return p
    cs += [
        C("warmupcos-N8-W4-linear-c.1", K, wc(8, 4, "linear", 0.0, 0.1), 24),
        C("warmupcos-N8-W4-log-c.1", K, wc(8, 4, "log", 0.0, 0.1), 24),
        C("warmupcos-N8-W1-linear", K, wc(8, 1, "linear", 0.0, 0.1), 24, note="warmup_num_steps=1 becomes 2"),
        C("warmupcos-N4-W4-linear", K, wc(4, 4, "linear", 0.0, 0.1), 12, note="total == warmup"),
        C("warmupcos-N2-W5-linear", K, wc(2, 5, "linear", 0.0, 0.1), 15, note="total < warmup only warns"),
        C("warmupcos-N1-W1-log", K, wc(1, 1, "log", 0.0, 0.1), 6),
        C("warmupcos-groups", K, wc(10, 3, "linear", 0.1, 0.01), 30, groups=[1.0, 0.1, 0.01],
          note="ratio-based: every group scales its own lr; construction writes 0.0 to every group (not "
               "warmup_min_ratio*lr), so update 0 uses lr 0"),
        C("warmupcos-defaults", K, {"total_num_steps": 20, "warmup_num_steps": 5}, 50, base_lr=0.1,
          note="defaults warmup_min_ratio=0, cos_min_ratio=1e-4, warmup_type='log'"),
        C("warmupcos-N500-W50-linear-long", K, wc(500, 50, "linear", 0.0, 0.01), 1200, base_lr=3e-4),
        C("warmupcos-m.5-log", K, wc(12, 4, "log", 0.5, 0.0), 30),
        C("warmupcos-unknown-type", K, wc(10, 4, "exp", 0.0, 0.1), 20,
          note="unknown warmup_type warns and falls back to log"),
        C("warmupcos-N8-W4-linear-adam", K, wc(8, 4, "linear", 0.0, 0.1), 12, optimizer="Adam"),
    ]
    for c in cs:
        c.setdefault("optimizer", "SGD")
    return cs


REJECTED = [
    ("WarmupLR", {"warmup_num_steps": 0}),
    ("WarmupLR", {"warmup_num_steps": 2.5}),
    ("WarmupDecayLR", {"total_num_steps": 10, "warmup_num_steps": 0}),
    ("WarmupCosineLR", {"total_num_steps": 10, "warmup_num_steps": 0}),
    ("LRRangeTest", {"lr_range_test_step_size": 0}),
    ("LRRangeTest", {"lr_range_test_step_size": 2.0}),
    ("OneCycle", {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 0}),
    ("OneCycle", {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 2,
                  "cycle_second_step_size": -1}),
    ("OneCycle", {"cycle_min_lr": [0.1, 0.2], "cycle_max_lr": 1.0}),
]


def run_curriculum(cmod, case: dict) -> dict:
    """Run one curriculum case: update k uses update_difficulty(k + 1) (see the module docstring)."""
    sched = cmod.CurriculumScheduler(copy.deepcopy(case["params"]))
    latched, formula = [], []
    for k in range(case["steps"]):
        latched.append(sched.update_difficulty(k + 1))
        formula.append(sched.get_difficulty(k + 1))
    for v in latched + formula:
        if not isinstance(v, int) or isinstance(v, bool):
            raise SystemExit(f"{case['id']}: DeepSpeed returned a non-int difficulty {v!r}")
    return {**case, "difficulty": latched, "get_difficulty": formula}


def D_(id, params, steps, **extra):  # noqa: A002, N802
    return {"id": id, "name": "CurriculumScheduler", "params": params, "steps": steps, **extra}


def _root(lo, hi, typ, total, step, root=None):
    sc = {"total_curriculum_step": total, "difficulty_step": step}
    if root is not None:
        sc["root_degree"] = root
    return {"min_difficulty": lo, "max_difficulty": hi, "schedule_type": typ, "schedule_config": sc}


def _discrete(lo, hi, difficulty, max_step):
    return {"min_difficulty": lo, "max_difficulty": hi, "schedule_type": "fixed_discrete",
            "schedule_config": {"difficulty": difficulty, "max_step": max_step}}


def build_curriculum_cases(seed: int = 16) -> list[dict]:
    cs = [
        D_("cl-linear-8-64-T8-s8", _root(8, 64, "fixed_linear", 8, 8), 12),
        D_("cl-root2-8-64-T8-s8", _root(8, 64, "fixed_root", 8, 8, 2), 12),
        D_("cl-root3-64-2048-T777-s8", _root(64, 2048, "fixed_root", 777, 8, 3), 800),
        D_("cl-linear-8-100-T30-s8-max-not-multiple", _root(8, 100, "fixed_linear", 30, 8), 40,
           note="max not a multiple of difficulty_step: the last level is max itself"),
        D_("cl-linear-T1", _root(8, 64, "fixed_linear", 1, 8), 4, note="total_curriculum_step=1: max from update 0"),
        D_("cl-linear-min-eq-max", _root(32, 32, "fixed_linear", 10, 8), 5,
           note="min == max: update_difficulty never moves (current < max is false)"),
        D_("cl-linear-8-64-T10-s16-min-not-multiple", _root(8, 64, "fixed_linear", 10, 16), 14,
           note="min not a multiple of difficulty_step: the floored value is raised to the first multiple "
                "at or above min (16, not 0)"),
        D_("cl-root2-12-100-T20-s8-min-not-multiple", _root(12, 100, "fixed_root", 20, 8, 2), 25,
           note="min not a multiple: raised to 16"),
        D_("cl-linear-step1", _root(1, 50, "fixed_linear", 37, 1), 45, note="difficulty_step=1 (a logged warning)"),
        D_("cl-linear-long-4500", _root(8, 1024, "fixed_linear", 4500, 8), 4510),
        D_("cl-root1.5-float-degree", _root(16, 1024, "fixed_root", 300, 16, 1.5), 320),
        D_("cl-root.5-degree-below-1", _root(8, 512, "fixed_root", 100, 8, 0.5), 110,
           note="root_degree < 1: a power, slow start"),
        D_("cl-discrete-8-16-64", _discrete(8, 64, [8, 16, 64], [5, 10]), 15),
        D_("cl-discrete-1-step", _discrete(8, 64, [8, 64], [1]), 4, note="max_step [1]: 8 at update 0 only"),
        D_("cl-discrete-below-max", _discrete(8, 64, [8, 16, 32], [3, 6]), 10,
           note="the last difficulty (32) is below max_difficulty (64): never latches"),
    ]
    rng = random.Random(seed)
    for i in range(12):
        step = rng.choice([1, 8, 8, 16, 64])
        lo = step * rng.randint(0 if step > 1 else 1, 8)
        hi = lo + rng.randint(1, 300)
        total = rng.randint(1, 400)
        typ = rng.choice(["fixed_linear", "fixed_root"])
        root = rng.choice([2, 3, 1.5, 0.75, 4]) if typ == "fixed_root" else None
        cs.append(D_(f"cl-random-{i}-{typ}", _root(lo, hi, typ, total, step, root), total + 15))
    for i in range(6):
        n = rng.randint(1, 5)
        max_step = sorted(rng.sample(range(1, 200), n))
        lo = 8 * rng.randint(1, 4)
        diffs = sorted(rng.sample(range(lo + 1, lo + 400), n))
        difficulty = [lo] + diffs
        cs.append(D_(f"cl-random-discrete-{i}", _discrete(lo, difficulty[-1], difficulty, max_step),
                     max_step[-1] + 10))
    return cs


def rejected(mod) -> list[dict]:
    out = []
    for name, params in REJECTED:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.Adam([p], lr=1.0)
        try:
            getattr(mod, name)(opt, **params)
        except Exception as e:  # noqa: BLE001
            out.append({"name": name, "params": params, "error": type(e).__name__, "message": str(e)})
        else:
            out.append({"name": name, "params": params, "error": None})
    return out


def checks(cases: list[dict]) -> None:
    ck = Checker(cases)
    src = "anchors.md b3"
    ck.check("lrrt-min.1-size2-rate1-cont", [.1, .15, .2, .25, .3, .35], 1e-12, source=src)
    ck.check("lrrt-min.1-size2-rate1-stair", [.1, .1, .2, .2, .3, .3], 1e-12, source=src)
    ck.check("onecycle-.1-1-S4-nostairs", [.1, .325, .55, .775, 1, .775, .55, .325, .1, .1], 1e-12,
             source=src + " (OneCycle, count 0 = the old stair-less values)")
    ck.check("onecycle-.1-1-S4-stairs2", [.1, .1, .55, .55, 1, .55, .55, .1, .1, .1], 1e-12,
             source=src + " (OneCycle stairs, v0.19.4+)")
    ck.check("onecycle-.1-1-S2-3-decay", [.1, .55, 1, .7, .4, .1, .08, .0667, .0571, .05], 5e-5, source=src)
    ck.check_value("onecycle beta1 at first decay step (1.08)",
                   ck.by_id["onecycle-.1-1-S2-3-decay-mom-beta1-above-1"]["beta1"][6], 1.08, 1e-12, source=src)
    ck.check_value("onecycle beta2 clobbered to 0.99",
                   max(abs(b - 0.99) for b in ck.by_id["onecycle-.1-1-S2-3-decay"]["beta2"]), 0.0, 0.0,
                   source=src)
    ck.check_value("onecycle beta1 at construction = cycle_min_mom",
                   ck.by_id["onecycle-.1-1-S2-3-decay"]["beta1"][0], 0.8, 1e-15, source=src)
    ck.check("warmuplr-W4-linear", [0, 0, .25, .5, .75, 1, 1], 1e-12, source=src)
    ck.check("warmuplr-W4-log", [0, 0, .5, .7925, 1, 1, 1], 5e-5, source=src)
    ck.check("warmuplr-W1-linear", [0, 0, .5, 1, 1], 1e-12, source=src)
    ck.check("warmupdecay-N8-W4-linear", [0, 0, .25, .5, .75, 1, .75, .5, .25, 0, 0], 1e-12, source=src)
    ck.check("warmupcos-N8-W4-linear-c.1", [0, 0, .25, .5, .75, .8682, .55, .2318, .1], 5e-5, source=src)
    g = ck.by_id["warmupcos-groups"]["lr_groups"]
    ck.check_value("WarmupCosineLR group 1 set (to 0.0, not its lr 0.1) at construction (v0.19.0+)", g[1][0],
                   0.0, 0.0, source=src)
    tail = ck.by_id["warmupcos-N8-W4-linear-c.1"]["lr"][9:]
    ck.check_value("WarmupCosineLR clamped past the end (v0.19.3+)", max(abs(v - 0.1) for v in tail), 0.0,
                   1e-12, source=src)
    ck.finish()


def curriculum_checks(cases: list[dict]) -> None:
    """Hand-derived points (DeepSpeed's docstring formulas, worked by hand)."""
    ck = Checker(cases)
    # fixed_linear 8..64, T=8, step 8: floor(g/8 * 56 + 8) floored to 8s at g = 1..: 15->8, 22->16, 29->24, ...
    ck.check("cl-linear-8-64-T8-s8", [8, 16, 24, 32, 40, 48, 56, 64, 64], 0, key="difficulty",
             source="hand: floor(g*56/8 + 8) - mod 8, g = k + 1")
    # fixed_root p=2: sqrt(g/8)*56 + 8 at g = 1..8: 27.8, 36.0, 42.3, 47.6, 52.3, 56.6, 60.4, 64
    ck.check("cl-root2-8-64-T8-s8", [24, 32, 40, 40, 48, 56, 56, 64, 64], 0, key="difficulty",
             source="hand: floor(sqrt(g/8)*56 + 8) - mod 8")
    ck.check("cl-discrete-8-16-64", [8] * 5 + [16] * 5 + [64] * 5, 0, key="difficulty",
             source="hand: g <= 5 -> 8, g <= 10 -> 16, else 64")
    ck.finish()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, help="a downloaded deepspeed sdist/wheel or an unpacked source tree")
    ap.add_argument("--version", default=DEFAULT_VERSION, help="version to pip download when --dist is absent")
    args = ap.parse_args()
    dist = args.dist or fetch_dist("deepspeed", args.version)
    mod, version, cmod = load_module(dist)
    print(f"DeepSpeed {version} lr_schedules.py loaded from {dist.name}; torch {torch.__version__}")
    cases = [run_case(mod, c) for c in build_cases()]
    checks(cases)
    curriculum = [run_curriculum(cmod, c) for c in build_curriculum_cases()]
    curriculum_checks(curriculum)
    header = {
        "library": "deepspeed",
        "version": version,
        "source": f"{MEMBER} from {dist.name} (pip download --no-deps), package imports stubbed",
        "generator": "scripts/golden/make_deepspeed.py",
        "torch": torch.__version__.split("+")[0],
        "loop": "sched = Cls(optimizer, **params); for k: record group lr/betas -> optimizer.step() -> "
                "sched.step()",
        "notes": [
            "lr is group 0; lr_groups (and beta1_groups) hold every group when the case has groups",
            "base_lr is the optimizer lr (every group's lr unless groups is given)",
            "optimizer SGD is torch.optim.SGD(momentum=0); the applied update was checked equal to lr",
            "beta1/beta2 are the Adam group's betas[0]/betas[1] (OneCycle writes (mom, 0.99))",
            "rejected lists constructor arguments the library refuses (error type and message)",
        ],
    }
    header["curriculum_source"] = f"{CURRICULUM} (with {CURRICULUM_CONSTANTS}) from {dist.name}"
    header["curriculum_loop"] = ("cs = CurriculumScheduler(params); for k: difficulty[k] = "
                                 "cs.update_difficulty(k + 1); get_difficulty[k] = cs.get_difficulty(k + 1)")
    header["curriculum_notes"] = [
        "section curriculum: difficulty[k] is the value (sequence length) DeepSpeed uses for update k",
        "the step is k + 1: DeepSpeedDataSampler.get_next_global_batch increments curriculum_step before "
        "calling update_difficulty (the legacy engine path passed global_steps + 1)",
        "update_difficulty latches: it only changes the value while the current one is below max_difficulty; "
        "get_difficulty[k] is the formula at k + 1 without that state",
        "params is the curriculum config dict as a user writes it (the legacy curriculum_learning block)",
    ]
    write_golden("deepspeed.json", header, cases, rejected(mod), sections={"curriculum": curriculum})


if __name__ == "__main__":
    main()
