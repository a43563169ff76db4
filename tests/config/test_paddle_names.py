"""PaddlePaddle's schedulers by name (jaxsched/config/ecosystem/paddle_names.py).

Expected values come from tests/config/golden/paddle.json: the real ``paddle.optimizer.lr``
classes of paddlepaddle 3.3.1 (CPU wheel from PyPI, run by scripts/golden/make_paddle.py in a
throwaway virtualenv), on seeded random configurations plus hand-checked ones, with the first
updates applied by a real ``paddle.optimizer.SGD``. ``ReduceOnPlateau`` cases hold Paddle's lr
after each ``step(metric)`` for a recorded metric stream. A few points are derived by hand in
``test_hand_derived``. The NumPy path must match within 1e-12 (relative, and 1e-12 of the peak
absolute); the JAX float32 path within the float32 rule of ``schedule_checks``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_float32_accurate,
    assert_traceable,
    host,
    jit_eval,
)

import jaxsched
from jaxsched.config.ecosystem import paddle_names as pn

GOLDEN = json.loads((Path(__file__).parent / "golden" / "paddle.json").read_text())
CASES = [c for c in GOLDEN["cases"] if c["name"] != "ReduceOnPlateau"]
PLATEAU = [c for c in GOLDEN["cases"] if c["name"] == "ReduceOnPlateau"]
PAD = 256
COUNTS = jnp.arange(PAD, dtype=jnp.int32)


def build(name, **params):
    return jaxsched.from_config({"type": "paddle." + name, "params": params})


def from_case(case):
    params = dict(case["params"])
    if "lambda_base" in case:
        b = case["lambda_base"]
        params["lr_lambda"] = (lambda k: b ** k) if case["name"] == "LambdaDecay" else b
    return build(case["name"], **params)


def test_golden_header():
    assert GOLDEN["library"] == "paddlepaddle" and GOLDEN["version"] == "3.3.1"
    names = {c["name"] for c in GOLDEN["cases"]}
    assert names == {n.split(".", 1)[1] for n in jaxsched.registered_names() if n.startswith("paddle.")}


def _first_two_per_name(cases):
    seen: dict[str, int] = {}
    out = set()
    for c in cases:
        seen[c["name"]] = seen.get(c["name"], 0) + 1
        if seen[c["name"]] <= 2 and c["name"] != "LambdaDecay":  # a lambda is static: a compile each
            out.add(c["id"])
    return out


#: the JAX float32 path is checked on two cases per name (each case compiles once)
FLOAT32 = _first_two_per_name(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_paddle(case):
    s = from_case(case)
    ref = np.asarray(case["lr"], np.float64)
    n = len(ref)
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(host(s, np.arange(n)), ref, rtol=1e-12, atol=1e-12 * peak)
    if case["id"] in FLOAT32:
        assert_float32_accurate(s, np.arange(n), np.asarray(jit_eval(s, COUNTS), np.float64)[:n])


@pytest.mark.parametrize("case", PLATEAU, ids=[c["id"] for c in PLATEAU])
def test_reduce_on_plateau_matches_paddle(case):
    spec = build("ReduceOnPlateau", **case["params"])
    state = jaxsched.plateau_init(spec.plateau, xp=np)
    for k, (m, want) in enumerate(zip(case["metrics"], case["lr"])):
        got = float(spec.schedule.evaluate(k, np)) * float(state.scale)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-17), k
        state = jaxsched.plateau_update(spec.plateau, state, m, xp=np)


def test_reduce_on_plateau_through_the_torch_bridge():
    torch = pytest.importorskip("torch")
    from jaxsched.torch import Scheduler

    case = PLATEAU[0]
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=case["params"]["learning_rate"])
    sched = Scheduler.from_config(opt, {"type": "paddle.ReduceOnPlateau", "params": case["params"]})
    for m, want in zip(case["metrics"], case["lr"]):
        assert opt.param_groups[0]["lr"] == pytest.approx(want, rel=1e-12)
        sched.step(m)


COOLDOWN = [c for c in PLATEAU if c["params"].get("cooldown", 0) > 0]


def _torch_opt(lr):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    return torch.optim.SGD([p], lr=lr)


def test_cooldown_cases_present():
    assert len(COOLDOWN) >= 10  # scripts/golden/make_paddle.py: plateau_cooldown_cases


@pytest.mark.parametrize("case", COOLDOWN[:6], ids=[c["id"] for c in COOLDOWN[:6]])
def test_cooldown_through_the_bridge_with_resume(case):
    """The torch bridge (host rule) against Paddle's lrs, checkpointed halfway: the resumed
    scheduler continues the run."""
    from jaxsched.torch import Scheduler

    cfg = {"type": "paddle.ReduceOnPlateau", "params": case["params"]}
    lr0 = case["params"]["learning_rate"]
    opt = _torch_opt(lr0)
    sched = Scheduler.from_config(opt, cfg)
    half = len(case["metrics"]) // 2
    for k, (m, want) in enumerate(zip(case["metrics"], case["lr"])):
        if k == half:
            sd = sched.state_dict()
            opt = _torch_opt(lr0)
            sched = Scheduler.from_config(opt, cfg)
            sched.load_state_dict(sd)
        assert opt.param_groups[0]["lr"] == pytest.approx(want, rel=1e-12), k
        sched.step(m)


@jax.jit
def _scan_scales(config, metrics):
    def body(state, m):
        return jaxsched.plateau_update(config, state, m), state.scale  # the scale before step k

    return jax.lax.scan(body, jaxsched.plateau_init(config), metrics)[1]


def test_cooldown_float32_jit_scan():
    """The array rule under jit + lax.scan in float32 (one compile per mode): Paddle's lrs."""
    for case in COOLDOWN:
        spec = build("ReduceOnPlateau", **case["params"])
        scales = _scan_scales(spec.plateau, jnp.asarray(case["metrics"], jnp.float32))
        lrs = np.asarray(scales, np.float64) * case["params"]["learning_rate"]
        np.testing.assert_allclose(lrs, case["lr"], rtol=1e-6, err_msg=case["id"])


def test_torch_rule_differs_on_the_cooldown_cases():
    """The cooldown cases tell the rules apart: torch's (which compares the metrics seen in a
    cooldown with best) misses Paddle's lrs on some of them."""
    import dataclasses

    differ = 0
    for case in COOLDOWN:
        spec = build("ReduceOnPlateau", **case["params"])
        cfg = dataclasses.replace(spec.plateau, semantics="torch")
        state, got = jaxsched.plateau_init(cfg, xp=np), []
        for m in case["metrics"]:
            got.append(float(state.scale) * case["params"]["learning_rate"])
            state = jaxsched.plateau_update(cfg, state, m, xp=np)
        differ += not np.allclose(got, case["lr"], rtol=1e-12)
    assert differ >= 3


# Hand derivations of Paddle 3.3.1's ReduceOnPlateau.step (python/paddle/optimizer/lr.py):
# ``best is None`` makes the first metric best whatever it is; the threshold is
# ``best - best * threshold`` ("rel") or ``best - threshold`` ("abs"), in float64.
FIRST_METRIC = [
    # inf first (min, abs 0): best = inf, 5 < inf improves, 5 then is bad: lr 0.1 after step 3.
    # (torch: inf is a bad first metric, lr 0.1 after step 1)
    (dict(patience=0, threshold=0.0, threshold_mode="abs"), [np.inf, 5.0, 5.0], [1, 1, 0.1]),
    # NaN first: best = NaN, nothing improves after it: bad 1, 2 > 1 -> 0.1; bad 1, 2 -> 0.01
    (dict(patience=1), [np.nan, 1.0, 1.0, 0.5, 0.2], [1, 1, 0.1, 0.1, 0.01]),
    # inf first in rel mode: inf - inf * 1e-4 is NaN: 5 and 4 are bad -> 0.1 after step 3
    (dict(patience=1, threshold=1e-4), [np.inf, 5.0, 4.0, 3.0], [1, 1, 0.1, 0.1]),
    # -inf first in max rel mode: -inf + (-inf) * 1e-4 = -inf: every finite metric improves
    (dict(patience=1, mode="max", threshold=1e-4), [-np.inf, 5.0, 6.0, 7.0], [1, 1, 1, 1]),
]


@pytest.mark.parametrize("params, metrics, lrs", FIRST_METRIC)
def test_first_metric_sets_best(params, metrics, lrs):
    from jaxsched.torch import Scheduler

    spec = build("ReduceOnPlateau", learning_rate=1.0, **params)
    state, got = jaxsched.plateau_init(spec.plateau, xp=np), []
    opt = _torch_opt(1.0)
    sched = Scheduler.from_config(opt, {"type": "paddle.ReduceOnPlateau",
                                        "params": dict(params, learning_rate=1.0)})
    bridge = []
    for m in metrics:
        state = jaxsched.plateau_update(spec.plateau, state, m, xp=np)
        got.append(float(state.scale))
        sched.step(m)
        bridge.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(got, lrs, rtol=1e-15)
    np.testing.assert_allclose(bridge, lrs, rtol=1e-15)
    if np.isnan(metrics[0]):  # a NaN best survives a checkpoint
        sd = sched.state_dict()
        assert np.isnan(sd["plateau"]["best"])
        other = Scheduler.from_config(_torch_opt(1.0), {"type": "paddle.ReduceOnPlateau",
                                                       "params": dict(params, learning_rate=1.0)})
        other.load_state_dict(sd)
        assert np.isnan(other._plateau_state.best)


def test_hand_derived():
    # NoamDecay d=4, W=4, lr=2: q = 1, k/8 up to k=4 (0 at k=0), then 1/sqrt(k)
    s = build("NoamDecay", d_model=4, warmup_steps=4, learning_rate=2.0)
    np.testing.assert_allclose(host(s, [0, 1, 4, 9, 16]), [0, 0.125, 0.5, 1 / 3, 0.25], rtol=1e-15)
    # PolynomialDecay cycle D=4: 1 - k/4 to k=4 (end), then 1 - k/8: k=5 -> .375, k=8 -> 0
    s = build("PolynomialDecay", learning_rate=1.0, decay_steps=4, end_lr=0.0, cycle=True)
    np.testing.assert_allclose(host(s, [0, 2, 4, 5, 8, 9]), [1, .5, 0, .375, 0, 1 - 9 / 12], atol=1e-15)
    # PiecewiseDecay with extra values: the last one after the last boundary
    s = build("PiecewiseDecay", boundaries=[2], values=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(host(s, [0, 1, 2, 9]), [1, 1, 3, 3])
    # LinearWarmup start .1 -> end .5 over 4, then a float 0.3
    s = build("LinearWarmup", learning_rate=0.3, warmup_steps=4, start_lr=0.1, end_lr=0.5)
    np.testing.assert_allclose(host(s, [0, 2, 3, 4, 9]), [.1, .3, .4, .3, .3], rtol=1e-15)
    # NaturalExpDecay: exp(-gamma k); InverseTimeDecay: 1 / (1 + gamma k)
    np.testing.assert_allclose(host(build("NaturalExpDecay", learning_rate=2.0, gamma=0.5), [0, 2]),
                               [2, 2 * np.exp(-1.0)], rtol=1e-15)
    np.testing.assert_allclose(host(build("InverseTimeDecay", learning_rate=1.0, gamma=0.5), [0, 2, 6]),
                               [1, .5, .25], rtol=1e-15)


@pytest.mark.parametrize(
    "name,params,exc,match",
    [
        ("NoamDecay", dict(d_model=0, warmup_steps=4), ValueError, "d_model"),
        ("NoamDecay", dict(d_model=8, warmup_steps=0), ValueError, "warmup_steps"),
        ("NoamDecay", dict(d_model=8, warmup_steps=4, last_epoch=3), ValueError, "last_epoch"),
        ("PiecewiseDecay", dict(boundaries=[], values=[1.0]), ValueError, "boundaries"),
        ("PiecewiseDecay", dict(boundaries=[3], values=[1.0]), ValueError, "values"),
        ("PiecewiseDecay", dict(boundaries=[5, 3], values=[1.0, 2.0, 3.0]), ValueError, "boundaries"),
        ("NaturalExpDecay", dict(learning_rate=0.1, gamma=0.0), ValueError, "gamma"),
        ("InverseTimeDecay", dict(learning_rate=0.1, gamma=-1.0), ValueError, "gamma"),
        ("PolynomialDecay", dict(learning_rate=0.1, decay_steps=0), ValueError, "decay_steps"),
        ("PolynomialDecay", dict(learning_rate=0.1, decay_steps=5, power=0.0), ValueError, "power"),
        ("PolynomialDecay", dict(learning_rate=-0.1, decay_steps=5), ValueError, "learning_rate"),
        ("LinearWarmup", dict(learning_rate=0.1, warmup_steps=5, start_lr=0.5, end_lr=0.1),
         ValueError, "end_lr"),
        ("LinearWarmup", dict(learning_rate=0.1, warmup_steps=0, start_lr=0.0, end_lr=0.1),
         ValueError, "warmup_steps"),
        ("LinearWarmup", dict(learning_rate={"type": "paddle.ReduceOnPlateau", "params": {
            "learning_rate": 0.1}}, warmup_steps=2, start_lr=0.0, end_lr=0.1), ValueError,
         "learning_rate"),
        ("ExponentialDecay", dict(learning_rate=0.1, gamma=1.0), ValueError, "gamma"),
        ("MultiStepDecay", dict(learning_rate=0.1, milestones=[5, 3]), ValueError, "milestones"),
        ("MultiStepDecay", dict(learning_rate=0.1, milestones=7), TypeError, "milestones"),
        ("MultiStepDecay", dict(learning_rate=0.1, milestones=[3], gamma=1.5), ValueError, "gamma"),
        ("StepDecay", dict(learning_rate=0.1, step_size=0), ValueError, "step_size"),
        ("StepDecay", dict(learning_rate=0.1, step_size=2.5), ValueError, "step_size"),
        ("LambdaDecay", dict(learning_rate=0.1, lr_lambda=3), TypeError, "lr_lambda"),
        ("OneCycleLR", dict(max_learning_rate=1.0, total_steps=0), ValueError, "total_steps"),
        ("OneCycleLR", dict(max_learning_rate=1.0, total_steps=10, phase_pct=0.6,
                            three_phase=True), ValueError, "phase_pct"),
        ("OneCycleLR", dict(max_learning_rate=1.0, total_steps=10, anneal_strategy="exp"),
         ValueError, "anneal_strategy"),
        ("CyclicLR", dict(base_learning_rate=0.1, max_learning_rate=1.0, step_size_up=0),
         ValueError, "step_size_up"),
        ("CyclicLR", dict(base_learning_rate=0.1, max_learning_rate=1.0, step_size_up=2,
                          scale_fn=abs), ValueError, "scale_fn"),
        ("CyclicLR", dict(base_learning_rate=0.1, max_learning_rate=1.0, step_size_up=2,
                          mode="exp_range", exp_gamma=1.5), ValueError, "exp_gamma"),
        ("CosineAnnealingDecay", dict(learning_rate=0.1, T_max=0), ValueError, "T_max"),
        ("LinearLR", dict(learning_rate=0.1, total_steps=5, start_factor=0.0), ValueError,
         "start_factor"),
        ("CosineAnnealingWarmRestarts", dict(learning_rate=0.1, T_0=4, T_mult=0), ValueError,
         "T_mult"),
        ("ReduceOnPlateau", dict(learning_rate=0.1, cooldown=-1), ValueError, "cooldown"),
        ("ReduceOnPlateau", dict(learning_rate=0.1, mode="up"), ValueError, "mode"),
        ("ReduceOnPlateau", dict(learning_rate=0.1, factor=1.5), ValueError, "factor"),
        ("NoamDecay", dict(d_model=8, warmup_steps=4, verbose="yes"), TypeError, "verbose"),
        ("StepDecay", dict(learning_rate=0.1, step_size=5, decay=0.5), Exception, "decay"),
    ],
)
def test_bad_input_named(name, params, exc, match):
    with pytest.raises(exc, match=match):
        build(name, **params)


SAMPLES = [
    ("NoamDecay", dict(d_model=512, warmup_steps=40)),
    ("PolynomialDecay", dict(learning_rate=0.1, decay_steps=30, power=2.0, cycle=True)),
    ("LinearWarmup", dict(learning_rate={"type": "paddle.CosineAnnealingDecay", "params": {
        "learning_rate": 0.1, "T_max": 50}}, warmup_steps=10, start_lr=0.0, end_lr=0.1)),
    ("OneCycleLR", dict(max_learning_rate=0.1, total_steps=200, three_phase=True)),
    ("NaturalExpDecay", dict(learning_rate=0.1, gamma=0.01)),
    ("PiecewiseDecay", dict(boundaries=[10, 40], values=[0.1, 0.01, 0.001])),
]


@pytest.mark.parametrize("name,params", SAMPLES, ids=[n for n, _ in SAMPLES])
def test_native_contract(name, params):
    s = build(name, **params)
    assert_backends_agree(s)
    assert_config_roundtrip(s)


@pytest.mark.parametrize(
    "fn,kwargs,name,values",
    [
        (pn.paddle_noam_decay, dict(d_model=64.0, warmup_steps=10), "learning_rate", [0.5, 1.0]),
        (pn.paddle_natural_exp_decay, dict(learning_rate=0.1), "gamma", [0.01, 0.1]),
        (pn.paddle_polynomial_decay, dict(learning_rate=0.1, decay_steps=20), "end_lr", [0.0, 1e-3]),
        (pn.paddle_linear_warmup, dict(learning_rate=0.1, warmup_steps=10, start_lr=0.0),
         "end_lr", [0.1, 0.2]),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_traceable(fn, kwargs, name, values):
    assert_traceable(fn, kwargs, name, values, counts=np.arange(0, 60, 3))
