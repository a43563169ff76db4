# ruff: noqa: E501  (case tables: one case per line reads better than wrapped)
"""Golden vectors from PaddlePaddle's lr schedulers -> tests/config/golden/paddle.json.

Runs the real `paddle.optimizer.lr.*` classes (paddlepaddle, the CPU wheel from PyPI, installed in
a throwaway virtualenv outside the repository). A Paddle scheduler calls step() once when it is
built (last_epoch 0), the optimizer reads its last_lr, and the loop calls sched.step() after each
optimizer.step(): values[k] is sched() before the k-th sched.step() call, the lr of update k.
For the first VERIFY updates of every case a real paddle.optimizer.SGD (gradient 1) applies the
update, and the parameter change is checked equal to -values[k].

ReduceOnPlateau cases record a seeded metric stream and the lr after each step(metric)
(plateau-cooldown-*: cooldown > 0, where Paddle ignores the metrics seen in a cooldown).

Usage (see README.md):
  python -m venv /tmp/venv-paddle && /tmp/venv-paddle/bin/pip install paddlepaddle==3.3.1
  /tmp/venv-paddle/bin/python scripts/golden/make_paddle.py
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import paddle

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Checker, to_float, write_golden  # noqa: E402

LR = paddle.optimizer.lr
VERIFY = 4


def C(id, name, params, steps, **extra):  # noqa: A002
    return {"id": id, "name": name, "params": params, "steps": steps, **extra}


def _lambda(case):
    if "lambda_base" in case:  # LambdaDecay: lr_lambda(k) = base**k; MultiplicativeDecay: constant
        b = case["lambda_base"]
        return (lambda e: b ** e) if case["name"] == "LambdaDecay" else (lambda e: b)
    return None


def build(name, params, case=None):
    p = dict(params)
    if name == "LinearWarmup" and isinstance(p["learning_rate"], dict):
        inner = p["learning_rate"]
        p["learning_rate"] = build(inner["type"].split(".", 1)[1], inner["params"])
    if case is not None and _lambda(case) is not None:
        p["lr_lambda"] = _lambda(case)
    return getattr(LR, name)(**p)


def random_cases(rng: random.Random) -> list[dict]:
    cs = []
    u = lambda a, b: round(rng.uniform(a, b), 6)  # noqa: E731
    for i in range(4):
        cs.append(C(f"noam-r{i}", "NoamDecay", {"d_model": rng.choice([16, 64, 512]), "warmup_steps": rng.randint(1, 40), "learning_rate": u(0.1, 2)}, 120))
        nb = rng.randint(1, 4)
        b = sorted(rng.sample(range(0, 60), nb))
        cs.append(C(f"piecewise-r{i}", "PiecewiseDecay", {"boundaries": b, "values": [u(1e-4, 1) for _ in range(nb + 1 + (i == 3))]}, 80))
        cs.append(C(f"natural-exp-r{i}", "NaturalExpDecay", {"learning_rate": u(1e-3, 1), "gamma": u(1e-3, 0.2)}, 150))
        cs.append(C(f"inverse-time-r{i}", "InverseTimeDecay", {"learning_rate": u(1e-3, 1), "gamma": u(0, 1)}, 150))
        cs.append(C(f"polynomial-r{i}", "PolynomialDecay", {"learning_rate": u(0.01, 1), "decay_steps": rng.randint(1, 40), "end_lr": u(0, 0.01), "power": u(0.2, 3), "cycle": i % 2 == 1}, 130))
        cs.append(C(f"exponential-r{i}", "ExponentialDecay", {"learning_rate": u(0.01, 1), "gamma": u(0.8, 0.999)}, 150))
        ms = sorted(rng.sample(range(1, 90), rng.randint(1, 4)))
        cs.append(C(f"multistep-r{i}", "MultiStepDecay", {"learning_rate": u(0.01, 1), "milestones": ms, "gamma": u(0, 0.9)}, 100))
        cs.append(C(f"step-r{i}", "StepDecay", {"learning_rate": u(0.01, 1), "step_size": rng.randint(1, 30), "gamma": u(0, 0.9)}, 100))
        cs.append(C(f"lambda-r{i}", "LambdaDecay", {"learning_rate": u(0.01, 1)}, 60, lambda_base=u(0.9, 0.999)))
        cs.append(C(f"multiplicative-r{i}", "MultiplicativeDecay", {"learning_rate": u(0.01, 1)}, 60, lambda_base=u(0.9, 0.999)))
        n = rng.randint(8, 150)
        three = i % 2 == 1
        cs.append(C(f"onecycle-r{i}", "OneCycleLR", {"max_learning_rate": u(0.1, 2), "total_steps": n, "divide_factor": u(2, 50), "end_learning_rate": [0.0, 1e-4, u(0, 0.01)][i % 3], "phase_pct": u(0.1, 0.45) if three else u(0.1, 0.9), "anneal_strategy": rng.choice(["cos", "linear"]), "three_phase": three}, n))
        mode = ["triangular", "triangular2", "exp_range", "triangular"][i]
        cs.append(C(f"cyclic-r{i}", "CyclicLR", {"base_learning_rate": u(1e-3, 0.1), "max_learning_rate": u(0.2, 1), "step_size_up": rng.randint(1, 20), "step_size_down": rng.choice([None, rng.randint(1, 20)]), "mode": mode, "exp_gamma": u(0.9, 1.0)}, 150))
        cs.append(C(f"cosine-r{i}", "CosineAnnealingDecay", {"learning_rate": u(0.01, 1), "T_max": rng.randint(1, 50), "eta_min": u(0, 0.01)}, 160))
        cs.append(C(f"linear-r{i}", "LinearLR", {"learning_rate": u(0.01, 1), "total_steps": rng.randint(1, 60), "start_factor": u(0.01, 1), "end_factor": u(0, 1)}, 100))
        cs.append(C(f"restarts-r{i}", "CosineAnnealingWarmRestarts", {"learning_rate": u(0.01, 1), "T_0": rng.randint(1, 20), "T_mult": rng.randint(1, 3), "eta_min": u(0, 0.01)}, 160))
        inner = rng.choice([
            {"type": "paddle.CosineAnnealingDecay", "params": {"learning_rate": 1.0, "T_max": rng.randint(5, 60)}},
            {"type": "paddle.PolynomialDecay", "params": {"learning_rate": 0.5, "decay_steps": rng.randint(5, 60), "cycle": True}},
            {"type": "paddle.LinearLR", "params": {"learning_rate": 0.8, "total_steps": rng.randint(5, 40), "start_factor": 0.5}},
            {"type": "paddle.CosineAnnealingWarmRestarts", "params": {"learning_rate": 0.7, "T_0": rng.randint(2, 10), "T_mult": 2}},
        ])
        cs.append(C(f"linear-warmup-r{i}", "LinearWarmup", {"learning_rate": inner if i else u(0.1, 1), "warmup_steps": rng.randint(1, 30), "start_lr": u(0, 0.05), "end_lr": u(0.1, 1)}, 140))
    return cs


def fixed_cases() -> list[dict]:
    return [
        C("noam-doc", "NoamDecay", {"d_model": 4, "warmup_steps": 4, "learning_rate": 2.0}, 20),
        C("piecewise-doc", "PiecewiseDecay", {"boundaries": [3, 6, 9], "values": [0.1, 0.05, 0.01, 0.001]}, 12),
        C("polynomial-cycle", "PolynomialDecay", {"learning_rate": 1.0, "decay_steps": 4, "end_lr": 0.0, "power": 1.0, "cycle": True}, 20),
        C("polynomial-defaults", "PolynomialDecay", {"learning_rate": 0.5, "decay_steps": 10}, 15),
        C("warmup-cosine", "LinearWarmup", {"learning_rate": {"type": "paddle.CosineAnnealingDecay", "params": {"learning_rate": 0.5, "T_max": 10}}, "warmup_steps": 5, "start_lr": 0.0, "end_lr": 0.5}, 40),
        C("onecycle-defaults", "OneCycleLR", {"max_learning_rate": 1.0, "total_steps": 20}, 20),
        C("cosine-periodic", "CosineAnnealingDecay", {"learning_rate": 1.0, "T_max": 3, "eta_min": 0.1}, 30),
        C("restarts-doc", "CosineAnnealingWarmRestarts", {"learning_rate": 1.0, "T_0": 2, "T_mult": 2}, 40),
        C("linearlr-defaults", "LinearLR", {"learning_rate": 0.3, "total_steps": 5}, 10),
    ]


def run_case(case: dict) -> dict:
    sched = build(case["name"], case["params"], case)
    p = paddle.create_parameter([1], "float64", default_initializer=paddle.nn.initializer.Constant(0.0))
    opt = paddle.optimizer.SGD(learning_rate=sched, parameters=[p])
    vals = []
    for k in range(case["steps"]):
        lr = to_float(sched())
        if k < VERIFY:
            before = float(p.numpy()[0])
            p.grad = paddle.ones([1], "float64")
            (p * 1.0).sum()  # no-op: the gradient is set by hand
            opt.step()
            opt.clear_grad()
            delta = float(p.numpy()[0]) - before
            assert math.isclose(delta, -lr, rel_tol=1e-12, abs_tol=1e-300), (case["id"], k, delta, lr)
        vals.append(lr)
        sched.step()
    return dict(case, lr=vals)


def plateau_cases(rng: random.Random) -> list[dict]:
    out = []
    for i in range(6):
        params = {"learning_rate": round(rng.uniform(0.01, 1), 6), "mode": rng.choice(["min", "max"]),
                  "factor": rng.choice([0.1, 0.5, 0.3]), "patience": rng.randint(0, 3),
                  "threshold": rng.choice([1e-4, 0.02]), "threshold_mode": rng.choice(["rel", "abs"]),
                  "min_lr": rng.choice([0.0, 0.002])}
        nrng = np.random.default_rng(i)
        ms, m = [], 1.0
        for _ in range(40):
            r = nrng.random()
            if r < 0.3:
                m -= abs(nrng.normal(0, 0.2))
            elif r < 0.5:
                m += abs(nrng.normal(0, 0.1))
            ms.append(round(float(m), 3))
        sched = LR.ReduceOnPlateau(**params)
        lrs = []
        for metric in ms:
            lrs.append(to_float(sched()))
            sched.step(metric)
        out.append({"id": f"plateau-r{i}", "name": "ReduceOnPlateau", "params": params, "steps": len(ms),
                    "metrics": ms, "lr": lrs})
    return out


def _plateau_run(params: dict, ms: list[float]) -> list[float]:
    sched = LR.ReduceOnPlateau(**params)
    lrs = []
    for metric in ms:
        lrs.append(to_float(sched()))
        sched.step(metric)
    return lrs


def plateau_cooldown_cases() -> list[dict]:
    """ReduceOnPlateau with cooldown > 0 (Paddle ignores the metrics seen in a cooldown), on
    random metric streams (falls, rises, exact repeats, sign changes), own seed: the cases above
    are unchanged."""
    rng = random.Random(20261217)
    out = []
    for i in range(10):
        params = {"learning_rate": round(rng.uniform(0.01, 1), 6), "mode": rng.choice(["min", "max"]),
                  "factor": rng.choice([0.1, 0.5, 0.3, 0.8]), "patience": rng.randint(0, 3),
                  "threshold": rng.choice([0.0, 1e-4, 0.02]), "threshold_mode": rng.choice(["rel", "abs"]),
                  "cooldown": rng.randint(1, 4), "min_lr": rng.choice([0.0, 0.002, 0.05]),
                  "epsilon": rng.choice([1e-8, 1e-3])}
        nrng = np.random.default_rng(100 + i)
        ms, m = [], rng.choice([1.0, -0.5, 0.2])
        while len(ms) < 60:  # plateaus (exact repeats) long enough to trigger, then a move
            ms += [m] * int(nrng.integers(1, params["patience"] + 4))
            r = nrng.random()
            if r < 0.6:  # often lands in the cooldown that the plateau started
                m -= abs(nrng.normal(0, 0.2))
            elif r < 0.9:
                m += abs(nrng.normal(0, 0.1))
            else:
                m = float(nrng.normal(0, 1))
            m = round(float(m), 3) if nrng.random() < 0.6 else float(m)
        ms = ms[:60]
        out.append({"id": f"plateau-cooldown-r{i}", "name": "ReduceOnPlateau", "params": params,
                    "steps": len(ms), "metrics": ms, "lr": _plateau_run(params, ms)})
    # hand-checked: lr 1, patience 1, cooldown 2, factor 0.5, abs threshold 0
    ms = [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    params = {"learning_rate": 1.0, "factor": 0.5, "patience": 1, "threshold": 0.0,
              "threshold_mode": "abs", "cooldown": 2}
    out.append({"id": "plateau-cooldown-doc", "name": "ReduceOnPlateau", "params": params,
                "steps": len(ms), "metrics": ms, "lr": _plateau_run(params, ms)})
    return out


def checks(cases: list[dict]) -> None:
    ck = Checker(cases)
    # hand derivations: Noam d=4, W=4, lr 2: q = 1; k W**-1.5 = k / 8 up to 4, then 1/sqrt(k)
    ck.check("noam-doc", [0.0, 0.125, 0.25, 0.375, 0.5, 5 ** -0.5], 1e-15, source="hand")
    ck.check("piecewise-doc", [0.1] * 3 + [0.05] * 3 + [0.01] * 3 + [0.001] * 3, 1e-15, source="hand")
    # cycle: k=4 -> 0 (end), k=5 -> 1 - 5/8
    ck.check("polynomial-cycle", [1.0, 0.75, 0.5, 0.25, 0.0, 0.375], 1e-15, source="hand")
    ck.check("linearlr-defaults", [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3], 1e-14, source="hand")
    # step 0: best 1. Steps 1, 2: bad 1, 2 > 1: lr .5, cooldown 2. Steps 3, 4 (0.1) ignored
    # (cooldown 2 -> 0; best stays 1). Step 5: 0.1 improves. Steps 6, 7: bad 1, 2: lr .25.
    # values[k] is the lr before step k. (torch's rule: .1 at step 3 becomes best, bad from 5
    # on, lr .25 after step 6.)
    ck.check("plateau-cooldown-doc", [1, 1, 1, .5, .5, .5, .5, .5, .25, .25], 0, source="hand")
    ck.finish()


def main() -> None:
    rng = random.Random(20261203)
    cases = [run_case(c) for c in fixed_cases() + random_cases(rng)]
    cases += plateau_cases(rng)
    cases += plateau_cooldown_cases()
    checks(cases)
    header = {
        "library": "paddlepaddle",
        "version": paddle.__version__,
        "generator": "scripts/golden/make_paddle.py",
        "source": "paddle/optimizer/lr.py of the paddlepaddle CPU wheel (PyPI), run in a throwaway venv",
        "numpy": np.__version__,
        "loop": "sched = Cls(**params) (its __init__ calls step(): last_epoch 0); for k: record sched() -> "
                "optimizer.step() -> sched.step(). ReduceOnPlateau: for m in metrics: record sched() -> sched.step(m)",
        "notes": [
            "LinearWarmup params.learning_rate may be a nested {type, params} scheduler config",
            "LambdaDecay: lr_lambda(k) = lambda_base**k; MultiplicativeDecay: lr_lambda(k) = lambda_base",
            f"the first {VERIFY} updates of every non-plateau case were applied by paddle.optimizer.SGD "
            "(gradient 1) and checked equal to -lr",
        ],
    }
    write_golden("paddle.json", header, cases)


if __name__ == "__main__":
    main()
