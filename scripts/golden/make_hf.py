# ruff: noqa: E501  (case tables: one case per line reads better than wrapped)
"""Golden vectors from HuggingFace transformers' schedulers -> tests/config/golden/hf.json.

Runs the real `transformers.get_scheduler` (transformers installed without torch extras, on the
installed CPU torch). Training-loop emulation, as the Trainer does it (`lr_scheduler.step()` after
each applied optimizer step):

    sched = get_scheduler(name, optimizer, num_warmup_steps=..., num_training_steps=...,
                          scheduler_specific_kwargs={...})
    for k in range(N):
        record group lr                       # -> values[k], the value update k uses
        optimizer.step()
        sched.step()

`params` holds the arguments as a user passes them: `num_warmup_steps` and `num_training_steps` go
to get_scheduler directly (when present), every other key goes into `scheduler_specific_kwargs`
(the Trainer's `lr_scheduler_kwargs`). With SGD (momentum 0, float64 parameter reset to 0, grad 1)
the script checks that the parameter really moved by the recorded lr.

Usage (see README.md):  python scripts/golden/make_hf.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import torch
import transformers
from transformers import get_scheduler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Checker, to_float, write_golden  # noqa: E402

DIRECT = ("num_warmup_steps", "num_training_steps")


def make_scheduler(case: dict, opt):
    params = case["params"]
    direct = {k: params[k] for k in DIRECT if k in params}
    specific = {k: v for k, v in params.items() if k not in DIRECT}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_scheduler(case["name"], opt, scheduler_specific_kwargs=specific or None, **direct)


def run_case(case: dict) -> dict:
    steps = case["steps"]
    group_lrs = case.get("groups") or [case["base_lr"]]
    ps = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in group_lrs]
    pgroups = [{"params": [p], "lr": lr} for p, lr in zip(ps, group_lrs)]
    opt_name = case.get("optimizer", "SGD")
    if opt_name == "SGD":
        opt = torch.optim.SGD(pgroups, lr=case["base_lr"], momentum=0.0)
    else:
        opt = torch.optim.AdamW(pgroups, lr=case["base_lr"])
    sched = make_scheduler(case, opt)
    lrs = [[] for _ in group_lrs]
    for _ in range(steps):
        for g, grp in enumerate(opt.param_groups):
            lrs[g].append(to_float(grp["lr"]))
        for p in ps:
            p.data.zero_()
            p.grad = torch.ones_like(p)
        opt.step()
        if opt_name == "SGD":
            for g, p in enumerate(ps):
                applied = -p.data[0].item()
                if applied != lrs[g][-1]:
                    raise SystemExit(f"{case['id']}: SGD applied {applied!r}, group lr was {lrs[g][-1]!r}")
        sched.step()
    out = dict(case)
    out["lr"] = lrs[0]
    if len(group_lrs) > 1:
        out["lr_groups"] = lrs
    return out


def C(id, name, params, steps, base_lr=1.0, **extra):  # noqa: A002
    return {"id": id, "name": name, "params": params, "base_lr": base_lr, "steps": steps, **extra}


def WN(w, n, **kw):
    return {"num_warmup_steps": w, "num_training_steps": n, **kw}


def build_cases() -> list[dict]:
    cs = []
    L = "linear"
    cs += [
        C("linear-W2-N10", L, WN(2, 10), 13),
        C("linear-W0-N10", L, WN(0, 10), 25),
        C("linear-W5-N5", L, WN(5, 5), 12, note="warmup == total"),
        C("linear-W8-N5", L, WN(8, 5), 15, note="warmup > total: drops to 0 after warmup"),
        C("linear-W0-N1", L, WN(0, 1), 4),
        C("linear-W1-N2", L, WN(1, 2), 6),
        C("linear-W1-N1", L, WN(1, 1), 4),
        C("linear-W3-N20-lr5e-5", L, WN(3, 20), 45, base_lr=5e-5),
        C("linear-W100-N1000-long", L, WN(100, 1000), 2200, base_lr=3e-4),
        C("linear-groups", L, WN(2, 8), 16, groups=[1.0, 0.1]),
        C("linear-W2-N10-adamw", L, WN(2, 10), 13, optimizer="AdamW"),
    ]
    K = "cosine"
    cs += [
        C("cosine-W2-N10", K, WN(2, 10), 15),
        C("cosine-W2-N10-long-tail", K, WN(2, 10), 40, note="not clamped: rises again after num_training_steps"),
        C("cosine-W0-N10", K, WN(0, 10), 30),
        C("cosine-W2-N10-cycles1", K, WN(2, 10, num_cycles=1.0), 25),
        C("cosine-W2-N10-cycles.25", K, WN(2, 10, num_cycles=0.25), 25),
        C("cosine-W0-N8-cycles2.5", K, WN(0, 8, num_cycles=2.5), 20),
        C("cosine-W4-N4", K, WN(4, 4), 12, note="warmup == total"),
        C("cosine-W0-N1", K, WN(0, 1), 5),
        C("cosine-W1-N2", K, WN(1, 2), 6),
        C("cosine-W50-N500-long", K, WN(50, 500), 1200, base_lr=1e-3),
        C("cosine-groups", K, WN(2, 10), 12, groups=[1.0, 0.01]),
    ]
    R = "cosine_with_restarts"
    cs += [
        C("restarts-W2-N10-cycles2", R, WN(2, 10, num_cycles=2), 13),
        C("restarts-W2-N10-default", R, WN(2, 10), 25, note="default num_cycles=1"),
        C("restarts-W0-N12-cycles3", R, WN(0, 12, num_cycles=3), 30),
        C("restarts-W3-N10-cycles1.5", R, WN(3, 10, num_cycles=1.5), 25),
        C("restarts-W0-N9-cycles2", R, WN(0, 9, num_cycles=2), 25),
        C("restarts-W4-N4", R, WN(4, 4, num_cycles=2), 12, note="warmup == total"),
        C("restarts-W0-N1", R, WN(0, 1), 4),
        C("restarts-W1-N2-cycles2", R, WN(1, 2, num_cycles=2), 6),
        C("restarts-W10-N100-cycles4", R, WN(10, 100, num_cycles=4), 250, base_lr=2e-4),
    ]
    P = "polynomial"
    cs += [
        C("poly-W2-N10-end.1-pow2", P, WN(2, 10, lr_end=0.1, power=2.0), 13),
        C("poly-W2-N10-defaults", P, WN(2, 10), 25, note="defaults lr_end=1e-7, power=1"),
        C("poly-W0-N10-pow.5", P, WN(0, 10, lr_end=0.0, power=0.5), 25),
        C("poly-W3-N12-pow3-lr.01", P, WN(3, 12, lr_end=1e-4, power=3.0), 30, base_lr=0.01),
        C("poly-W0-N1", P, WN(0, 1, lr_end=0.1), 4),
        C("poly-W1-N2", P, WN(1, 2, lr_end=0.0, power=2.0), 6),
        C("poly-W2-N10-groups", P, WN(2, 10, lr_end=0.05, power=1.0), 25, groups=[1.0, 0.5],
          note="lr_init is optimizer.defaults['lr'] (base_lr), not each group's lr"),
        C("poly-W6-N4", P, WN(6, 4, lr_end=0.1), 12, note="warmup > total"),
        C("poly-W100-N1000-long", P, WN(100, 1000, lr_end=1e-6, power=1.0), 2200, base_lr=1e-3),
    ]
    cs += [
        C("constant", "constant", {}, 6),
        C("constant-ignores-steps", "constant", {}, 6, base_lr=0.3,
          note="get_scheduler('constant') ignores num_warmup_steps/num_training_steps"),
        C("constant-groups", "constant", {}, 4, groups=[1.0, 0.2]),
    ]
    CW = "constant_with_warmup"
    cs += [
        C("constwarm-W3", CW, {"num_warmup_steps": 3}, 6),
        C("constwarm-W0", CW, {"num_warmup_steps": 0}, 4),
        C("constwarm-W1", CW, {"num_warmup_steps": 1}, 4),
        C("constwarm-W2", CW, {"num_warmup_steps": 2}, 6),
        C("constwarm-W10", CW, {"num_warmup_steps": 10}, 25),
        C("constwarm-W4-groups", CW, {"num_warmup_steps": 4}, 8, groups=[1.0, 0.5]),
        C("constwarm-W3-ignores-N", CW, {"num_warmup_steps": 3, "num_training_steps": 5}, 10,
          note="num_training_steps is not forwarded for constant_with_warmup"),
        C("constwarm-W500-long", CW, {"num_warmup_steps": 500}, 1000, base_lr=1e-4),
    ]
    I = "inverse_sqrt"  # noqa: E741
    cs += [
        C("invsqrt-W2", I, {"num_warmup_steps": 2}, 9),
        C("invsqrt-W2-long", I, {"num_warmup_steps": 2}, 40),
        C("invsqrt-W0", I, {"num_warmup_steps": 0}, 10, note="timescale defaults to 10000 when warmup is 0"),
        C("invsqrt-W1", I, {"num_warmup_steps": 1}, 10),
        C("invsqrt-W10", I, {"num_warmup_steps": 10}, 50),
        C("invsqrt-W2-timescale5", I, {"num_warmup_steps": 2, "timescale": 5}, 20,
          note="timescale passes through get_scheduler's scheduler_specific_kwargs in this version"),
        C("invsqrt-W0-timescale1", I, {"num_warmup_steps": 0, "timescale": 1}, 12),
        C("invsqrt-W10-timescale100", I, {"num_warmup_steps": 10, "timescale": 100}, 60, base_lr=1e-3),
        C("invsqrt-W4-timescale2", I, {"num_warmup_steps": 4, "timescale": 2}, 20,
          note="timescale < warmup: jumps above 1 right after warmup"),
        C("invsqrt-W100-long", I, {"num_warmup_steps": 100}, 1500, base_lr=5e-4),
    ]
    M = "cosine_with_min_lr"
    cs += [
        C("cosmin-W2-N10-rate.1", M, WN(2, 10, min_lr_rate=0.1), 13),
        C("cosmin-W2-N10-rate.1-long", M, WN(2, 10, min_lr_rate=0.1), 35,
          note="not clamped: rises again after num_training_steps"),
        C("cosmin-W2-N10-minlr.05-lr.5", M, WN(2, 10, min_lr=0.05), 25, base_lr=0.5),
        C("cosmin-W0-N10-rate.2-cycles1", M, WN(0, 10, min_lr_rate=0.2, num_cycles=1.0), 25),
        C("cosmin-W3-N3-rate.1", M, WN(3, 3, min_lr_rate=0.1), 10, note="warmup == total"),
        C("cosmin-W0-N1-rate.1", M, WN(0, 1, min_lr_rate=0.1), 5),
        C("cosmin-W1-N2-rate0", M, WN(1, 2, min_lr_rate=0.0), 6),
        C("cosmin-groups-minlr", M, WN(2, 10, min_lr=0.01), 15, base_lr=0.1, groups=[0.1, 0.05],
          note="min_lr is converted to a rate with optimizer.defaults['lr'] (base_lr), then applied per group"),
        C("cosmin-W50-N500-long", M, WN(50, 500, min_lr_rate=0.01), 1100, base_lr=1e-3),
    ]
    MW = "cosine_warmup_with_min_lr"
    cs += [
        C("coswarmmin-W2-N10-rate.1", MW, WN(2, 10, min_lr_rate=0.1), 13),
        C("coswarmmin-W3-N10-rate.1-wr.2", MW, WN(3, 10, min_lr_rate=0.1, warmup_lr_rate=0.2), 13),
        C("coswarmmin-W0-N10-rate.1", MW, WN(0, 10, min_lr_rate=0.1), 25),
        C("coswarmmin-W1-N10-rate.1", MW, WN(1, 10, min_lr_rate=0.1), 25),
        C("coswarmmin-W1-N10-rate.1-wr.3", MW, WN(1, 10, min_lr_rate=0.1, warmup_lr_rate=0.3), 25),
        C("coswarmmin-W2-N10-minlr.05-lr.5", MW, WN(2, 10, min_lr=0.05), 25, base_lr=0.5),
        C("coswarmmin-W2-N10-rate0-cycles1", MW, WN(2, 10, min_lr_rate=0.0, num_cycles=1.0), 25),
        C("coswarmmin-W4-N4-rate.1", MW, WN(4, 4, min_lr_rate=0.1), 12, note="warmup == total"),
        C("coswarmmin-W0-N1-rate.1", MW, WN(0, 1, min_lr_rate=0.1), 5),
        C("coswarmmin-W2-N10-wr0", MW, WN(2, 10, min_lr_rate=0.1, warmup_lr_rate=0.0), 13),
        C("coswarmmin-W50-N500-long", MW, WN(50, 500, min_lr_rate=0.05, warmup_lr_rate=0.01), 1100,
          base_lr=1e-3),
    ]
    S = "warmup_stable_decay"
    cs += [
        C("wsd-W2-D4-N10-1sqrt-m.1", S, WN(2, 10, num_decay_steps=4, decay_type="1-sqrt", min_lr_ratio=0.1), 13),
        C("wsd-W4-D4-N10-w1sqrt-cos", S, WN(4, 10, num_decay_steps=4, warmup_type="1-sqrt",
                                            decay_type="cosine"), 13),
        C("wsd-W2-D4-N10-defaults", S, WN(2, 10, num_decay_steps=4), 25,
          note="defaults warmup linear, decay cosine, min_lr_ratio 0"),
        C("wsd-W3-D5-N12-linear-m.2", S, WN(3, 12, num_decay_steps=5, decay_type="linear", min_lr_ratio=0.2), 30),
        C("wsd-W4-D4-N12-wcos-m.2", S, WN(4, 12, num_decay_steps=4, warmup_type="cosine", min_lr_ratio=0.2), 30),
        C("wsd-W2-D6-N10-cos-cycles1", S, WN(2, 10, num_decay_steps=6, num_cycles=1.0), 25,
          note="num_cycles=1 makes the decay rise back to 1 (a full cosine wave)"),
        C("wsd-W2-S3-D4-stable-only", S, {"num_warmup_steps": 2, "num_stable_steps": 3, "num_decay_steps": 4,
                                          "decay_type": "linear"}, 20, note="num_stable_steps instead of N"),
        C("wsd-W2-S3-D4-N20-both", S, {"num_warmup_steps": 2, "num_training_steps": 20, "num_stable_steps": 3,
                                       "num_decay_steps": 4, "decay_type": "linear"}, 20,
          note="both given: warns, num_stable_steps wins"),
        C("wsd-W0-D4-N10", S, WN(0, 10, num_decay_steps=4, decay_type="1-sqrt"), 20),
        C("wsd-W2-D0-N10", S, WN(2, 10, num_decay_steps=0, min_lr_ratio=0.1), 20,
          note="no decay phase: drops straight to min_lr_ratio"),
        C("wsd-W2-D1-N10", S, WN(2, 10, num_decay_steps=1, decay_type="linear", min_lr_ratio=0.1), 20),
        C("wsd-W4-D8-N10-negative-stable", S, WN(4, 10, num_decay_steps=8, decay_type="linear"), 20,
          note="W + D > N: num_stable_steps = -2, the decay starts 2 steps early inside the warmup window"),
        C("wsd-W10-D20-N100-1sqrt", S, WN(10, 100, num_decay_steps=20, warmup_type="linear",
                                          decay_type="1-sqrt", min_lr_ratio=0.0), 250, base_lr=3e-4),
        C("wsd-W1-D1-N2", S, WN(1, 2, num_decay_steps=1, decay_type="cosine", min_lr_ratio=0.5), 6),
    ]
    return cs


REJECTED = [
    ("polynomial", WN(2, 10, lr_end=1.0), "lr_end must be < optimizer lr"),
    ("polynomial", WN(5, 5, lr_end=0.1), "num_training_steps == num_warmup_steps divides by zero at step W"),
    ("cosine_with_min_lr", WN(2, 10), "needs min_lr or min_lr_rate"),
    ("cosine_with_min_lr", WN(2, 10, min_lr=0.1, min_lr_rate=0.1), "not both"),
    ("cosine_warmup_with_min_lr", WN(2, 10), "needs min_lr or min_lr_rate"),
    ("warmup_stable_decay", {"num_warmup_steps": 2, "num_decay_steps": 4}, "needs N or num_stable_steps"),
    ("warmup_stable_decay", WN(2, 10, num_decay_steps=4, decay_type="exp"), "unknown decay_type"),
    ("warmup_stable_decay", WN(2, 10, num_decay_steps=4, warmup_type="exp"), "unknown warmup_type"),
    ("linear", {"num_warmup_steps": 2}, "needs num_training_steps"),
    ("constant_with_warmup", {}, "needs num_warmup_steps"),
]


def rejected() -> list[dict]:
    out = []
    for name, params, why in REJECTED:
        case = {"id": "x", "name": name, "params": params, "base_lr": 1.0, "steps": 12}
        err = None
        try:
            run_case(case)
        except Exception as e:  # noqa: BLE001
            err = e
        out.append({"name": name, "params": params, "why": why,
                    "error": type(err).__name__ if err else None, "message": str(err) if err else None})
    return out


def checks(cases: list[dict]) -> None:
    ck = Checker(cases)
    src = "anchors.md (d) HF"
    ck.check("linear-W2-N10", [0, .5, 1, .875, .75, .625, .5, .375, .25, .125, 0, 0, 0], 1e-12, source=src)
    ck.check("cosine-W2-N10", [0, .5, 1, .96194, .853553, .691342, .5, .308658, .146447, .03806, 0, .03806,
                               .146447, .308658, .5], 5e-6, source=src)
    ck.check("restarts-W2-N10-cycles2", [0, .5, 1, .853553, .5, .146447, 1, .853553, .5, .146447, 0, 0, 0],
             6e-7, source=src)
    ck.check("poly-W2-N10-end.1-pow2", [0, .5, 1, .789062, .60625, .451562, .325, .226562, .15625, .114063,
                                        .1, .1, .1], 6e-7, source=src)
    ck.check("constwarm-W3", [0, .333333, .666667, 1, 1, 1], 6e-7, source=src)
    ck.check("invsqrt-W2", [0, .5, 1, .816497, .707107, .632456, .57735, .534522, .5], 6e-7, source=src)
    ck.check("cosmin-W2-N10-rate.1", [0, .5, 1, .965746, .868198, .722208, .55, .377792, .231802, .134254, .1,
                                      .134254, .231802], 6e-7, source=src)
    ck.check("coswarmmin-W2-N10-rate.1", [.5, 1, .965746, .868198, .722208, .55, .377792, .231802, .134254, .1,
                                          .134254, .231802, .377792], 6e-7, source=src)
    ck.check("coswarmmin-W3-N10-rate.1-wr.2", [.2, .6, 1, .955436, .83057, .650134, .449866, .26943, .144564,
                                               .1, .144564, .26943, .449866], 6e-7, source=src)
    ck.check("wsd-W2-D4-N10-1sqrt-m.1", [.1, .55, 1, 1, 1, 1, 1, .55, .363604, .220577, .1, .1, .1], 6e-7,
             source=src)
    ck.check("wsd-W4-D4-N10-w1sqrt-cos", [0, .133975, .292893, .5, 1, 1, 1, .853553, .5, .146447, 0, 0, 0],
             6e-7, source=src)
    ck.check("cosine-W2-N10-long-tail", [0, .5, 1, .96194, .853553, .691342, .5, .308658, .146447, .03806, 0,
                                         .03806, .146447, .308658, .5], 5e-6, source=src + " cosine unclamped")
    ck.finish()


def main() -> None:
    print(f"transformers {transformers.__version__}; torch {torch.__version__}")
    cases = [run_case(c) for c in build_cases()]
    checks(cases)
    header = {
        "library": "transformers",
        "version": transformers.__version__,
        "source": "transformers.get_scheduler (src/transformers/optimization.py), pip install transformers "
                  "(no torch extras)",
        "generator": "scripts/golden/make_hf.py",
        "torch": torch.__version__.split("+")[0],
        "loop": "sched = get_scheduler(name, optimizer, num_warmup_steps, num_training_steps, "
                "scheduler_specific_kwargs); for k: record group lr -> optimizer.step() -> sched.step()",
        "notes": [
            "params: num_warmup_steps / num_training_steps go to get_scheduler directly, every other key "
            "into scheduler_specific_kwargs",
            "lr is group 0; lr_groups holds every group when the case has groups",
            "base_lr is the optimizer lr (optimizer.defaults['lr']); groups gives per-group lrs",
            "optimizer SGD is torch.optim.SGD(momentum=0); the applied update was checked equal to lr",
            "rejected lists configurations the library refuses (at construction or, for polynomial W == N, "
            "while stepping)",
        ],
    }
    write_golden("hf.json", header, cases, rejected())


if __name__ == "__main__":
    main()
