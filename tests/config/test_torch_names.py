"""The ``torch.*`` config names: every one reproduces torch 2.13's scheduler, live.

Expected values come from torch itself: each configuration is also built as the real torch
scheduler on a one-parameter SGD optimizer (with momentum), and the group's ``lr`` (and
``momentum`` for ``CyclicLR``/``OneCycleLR``) is recorded before each ``optimizer.step()``,
``scheduler.step()`` following it; plus the verified vectors of anchors.md (b2)/(d). Host
float64 evaluation must match within 1e-12 relative (plus 1e-15 of the peak, for values that
reach zero); JAX float32 (one jitted call over all counts) within 1e-7 of the peak plus 1e-6
relative. Decay factors (``gamma``) are drawn exactly representable in float32, since a
float32 ``gamma**k`` otherwise carries ``k`` times the rounding of ``gamma``.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_all_traceable,
    assert_config_roundtrip,
    assert_float32_accurate,
    jit_eval,
    traced_params,
)

import jaxsched
from jaxsched.config.ecosystem.torch_names import BUILDERS

L = torch.optim.lr_scheduler
PAD = 512  # one padded count array: the jitted evaluation compiles once per schedule structure
COUNTS = jnp.arange(PAD, dtype=jnp.int32)

# lambdas written with array operations (they run on Python ints, NumPy and jax.numpy arrays)
LAMBDAS = (
    lambda k: 1 / (1 + k / 8),
    lambda k: 0.5 ** (k / 16),
    lambda k: (k % 7 + 1) / 8,
)


def cfg(name: str, **params) -> dict:
    return {"type": f"torch.{name}", "params": params}


# ----------------------------------------------------------------------------- torch reference
def torch_scheduler(c: dict, opt):
    name = c["type"].removeprefix("torch.")
    p = dict(c["params"])
    if name in ("SequentialLR", "ChainedScheduler"):
        kids = [torch_scheduler(k, opt) for k in p["schedulers"]]  # built in list order
        if name == "SequentialLR":
            return L.SequentialLR(opt, kids, p["milestones"])
        return L.ChainedScheduler(kids)
    p.pop("lr", None)
    if name == "SWALR":
        return torch.optim.swa_utils.SWALR(opt, **p)
    if name == "MultiplicativeLR" and not callable(p["lr_lambda"]):
        f = p["lr_lambda"]
        p["lr_lambda"] = lambda k: f
    return getattr(L, name)(opt, **p)


def optimizer_lr(c: dict) -> float:
    p = c["params"]
    if "lr" in p:
        return p["lr"]
    if "schedulers" in p:
        return optimizer_lr(p["schedulers"][0])
    return 0.5  # CyclicLR / OneCycleLR overwrite it


def torch_run(c: dict, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(lr, momentum) that torch applies to updates 0 .. n-1."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=optimizer_lr(c), momentum=0.9)
    sched = torch_scheduler(c, opt)
    lrs, moms = [], []
    for i in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        if i < n - 1:
            p.grad = torch.ones_like(p)
            opt.step()
            sched.step()
    return np.asarray(lrs, np.float64), np.asarray(moms, np.float64)


def assert_matches(s, ref: np.ndarray):
    n = len(ref)
    assert n <= PAD
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    got = np.asarray(s.evaluate(np.arange(n), np), np.float64)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15 * peak)
    got32 = np.asarray(jit_eval(s, COUNTS), np.float64)[:n]
    assert_float32_accurate(s, np.arange(n), got32)


def check(c: dict, n: int, momentum: bool = False):
    try:
        ref_lr, ref_m = torch_run(c, n)
    except ZeroDivisionError:  # torch's own degenerate cases (e.g. OneCycleLR with pct*N == 1)
        assume(False)
    assert_matches(jaxsched.from_config(c), ref_lr)
    if momentum:
        assert_matches(jaxsched.from_config(c, hyperparam="momentum"), ref_m)


# ----------------------------------------------------------------------------- strategies
lrs = st.floats(1e-4, 2.0)
fractions = st.floats(1e-3, 1.0)


def gammas(lo: float, hi: float):
    """Decay factors exactly representable in float32 (multiples of 2**-10)."""
    return st.integers(round(lo * 1024), round(hi * 1024)).map(lambda i: i / 1024)


@st.composite
def child(draw, kind: str, lr: float) -> tuple[dict, int]:
    """A relative torch scheduler config on ``lr`` and its horizon (steps until it settles)."""
    if kind == "LambdaLR":
        return cfg(kind, lr=lr, lr_lambda=draw(st.sampled_from(LAMBDAS))), 30
    if kind == "MultiplicativeLR":
        f = draw(gammas(0.5, 1.05))
        return cfg(kind, lr=lr, lr_lambda=draw(st.sampled_from([f, lambda k: f]))), 40
    if kind == "StepLR":
        s = draw(st.integers(1, 12))
        return cfg(kind, lr=lr, step_size=s, gamma=draw(gammas(0.0, 1.5))), 4 * s
    if kind == "MultiStepLR":
        ms = draw(st.lists(st.integers(0, 40), max_size=5))
        return cfg(kind, lr=lr, milestones=ms, gamma=draw(gammas(0.0, 1.5))), max(ms, default=1)
    if kind == "ConstantLR":
        t = draw(st.integers(1, 30))
        return cfg(kind, lr=lr, factor=draw(fractions), total_iters=t), t
    if kind == "LinearLR":
        t = draw(st.integers(1, 40))
        return cfg(kind, lr=lr, start_factor=draw(fractions), end_factor=draw(st.floats(0, 1)),
                   total_iters=t), t
    if kind == "ExponentialLR":
        return cfg(kind, lr=lr, gamma=draw(gammas(0.5, 1.05))), 40
    if kind == "PolynomialLR":
        t = draw(st.integers(1, 40))
        power = draw(st.one_of(st.just(0.0), st.floats(1e-3, 4)))  # no float32 underflow to 0
        return cfg(kind, lr=lr, total_iters=t, power=power), t
    if kind == "CosineAnnealingLR":
        t = draw(st.integers(1, 40))
        return cfg(kind, lr=lr, T_max=t, eta_min=draw(st.floats(0, 1.5)) * lr), 2 * t
    if kind == "CosineAnnealingWarmRestarts":
        t0, tm = draw(st.integers(1, 12)), draw(st.integers(1, 3))
        return cfg(kind, lr=lr, T_0=t0, T_mult=tm, eta_min=draw(st.floats(0, 1)) * lr), \
            t0 * (1 + tm + tm * tm)
    assert kind == "SWALR"
    a = draw(st.integers(0, 30))
    return cfg(kind, lr=lr, swa_lr=draw(st.floats(0, 2)) * lr, anneal_epochs=a,
               anneal_strategy=draw(st.sampled_from(["cos", "linear"]))), a


RELATIVE = ("LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
            "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
            "SWALR")


def single(kind: str):
    @st.composite
    def build(draw):
        c, horizon = draw(child(kind, draw(lrs)))
        return c, min(PAD, 3 * horizon + 10)

    return build()


@st.composite
def sequential(draw):
    lr = draw(lrs)
    kinds = draw(st.lists(st.sampled_from(RELATIVE), min_size=2, max_size=4))
    kids = [draw(child(k, lr)) for k in kinds]
    ms = sorted(draw(st.lists(st.integers(0, 60), min_size=len(kids) - 1, max_size=len(kids) - 1)))
    horizon = ms[-1] + kids[-1][1]
    return cfg("SequentialLR", schedulers=[k for k, _ in kids], milestones=ms), min(PAD, 3 * horizon + 10)


SETTLING = ("ConstantLR", "LinearLR", "PolynomialLR", "MultiStepLR")


@st.composite
def chained(draw):
    lr = draw(lrs)
    if draw(st.booleans()):  # any chainable children (no cosine): a product of factors
        kinds = draw(st.lists(st.sampled_from(SETTLING + ("MultiplicativeLR", "StepLR", "ExponentialLR")),
                              min_size=2, max_size=3))
        kids = [draw(child(k, lr)) for k in kinds]
        return cfg("ChainedScheduler", schedulers=[k for k, _ in kids]), \
            min(PAD, 3 * max(h for _, h in kids) + 10)
    # a cosine (eta_min = 0) with children that stop changing by T_max (e.g. a warmup)
    t_max = draw(st.integers(2, 60))
    kids = []
    for k in draw(st.lists(st.sampled_from(SETTLING), min_size=1, max_size=2)):
        c, _ = draw(child(k, lr))
        p = c["params"]
        if "total_iters" in p:
            p["total_iters"] = min(p["total_iters"], t_max)
        if "milestones" in p:
            p["milestones"] = [min(m, t_max) for m in p["milestones"]]
        kids.append(c)
    kids.insert(draw(st.integers(0, len(kids))), cfg("CosineAnnealingLR", lr=lr, T_max=t_max))
    return cfg("ChainedScheduler", schedulers=kids), min(PAD, 4 * t_max + 10)


@st.composite
def cyclic(draw):
    base = draw(st.floats(1e-4, 1.0))
    up = draw(st.integers(1, 30))
    down = draw(st.one_of(st.none(), st.integers(0, 30)))
    mode = draw(st.sampled_from(["triangular", "triangular2", "exp_range"]))
    bm = draw(st.floats(0.5, 0.9))
    c = cfg("CyclicLR", base_lr=base, max_lr=base * draw(st.floats(1.0, 20.0)), step_size_up=up,
            step_size_down=down, mode=mode, gamma=draw(gammas(0.95, 1.0)),
            scale_mode=draw(st.sampled_from(["cycle", "iterations"])), base_momentum=bm,
            max_momentum=bm + draw(st.floats(0.0, 0.09)))
    return c, min(PAD, 3 * (up + (up if down is None else down)) + 10)


@st.composite
def one_cycle(draw):
    n = draw(st.integers(2, 400))
    c = cfg("OneCycleLR", max_lr=draw(st.floats(1e-4, 2.0)), total_steps=n,
            pct_start=draw(st.floats(0.0, 1.0)), anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
            base_momentum=draw(st.floats(0.5, 0.85)), max_momentum=draw(st.floats(0.85, 0.99)),
            div_factor=draw(st.floats(1.0, 100.0)), final_div_factor=draw(st.floats(1.0, 1e5)),
            three_phase=draw(st.booleans()))
    return c, n  # torch raises past N: compare updates 0 .. N-1 (jaxsched then holds its value)


STRATEGIES = {kind: single(kind) for kind in RELATIVE}
STRATEGIES.update(SequentialLR=sequential(), ChainedScheduler=chained(), CyclicLR=cyclic(),
                  OneCycleLR=one_cycle())
MOMENTUM = ("CyclicLR", "OneCycleLR")


def test_every_torch_name_is_covered():
    names = {n.removeprefix("torch.") for n in jaxsched.registered_names() if n.startswith("torch.")}
    # metric-driven: tested live in tests/config/test_plateau_names.py
    assert names - {"ReduceLROnPlateau"} == set(STRATEGIES)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_live_torch(name, data):
    c, n = data.draw(STRATEGIES[name])
    check(c, n, momentum=name in MOMENTUM)


# ----------------------------------------------------------------------------- torch's quirks, live
QUIRKS = [
    # SequentialLR: MultiplicativeLR and SWALR after a milestone start from the lr before it
    (cfg("SequentialLR", schedulers=[
        cfg("LinearLR", lr=0.5, start_factor=0.2, total_iters=4),
        cfg("MultiplicativeLR", lr=0.5, lr_lambda=0.9),
        cfg("SWALR", lr=0.5, swa_lr=0.05, anneal_epochs=3),
        cfg("StepLR", lr=0.5, step_size=2, gamma=0.5)], milestones=[3, 7, 12]), 40),
    # a milestone at 0 (the first child never runs) and duplicate milestones
    (cfg("SequentialLR", schedulers=[
        cfg("ConstantLR", lr=0.3, factor=0.1, total_iters=2),
        cfg("MultiplicativeLR", lr=0.3, lr_lambda=lambda k: 0.95),
        cfg("ExponentialLR", lr=0.3, gamma=0.5),
        cfg("CosineAnnealingLR", lr=0.3, T_max=5, eta_min=0.01)], milestones=[0, 6, 6]), 40),
    (cfg("SequentialLR", schedulers=[
        cfg("ExponentialLR", lr=0.5, gamma=0.75),
        cfg("CosineAnnealingWarmRestarts", lr=0.5, T_0=3, T_mult=2, eta_min=0.01),
        cfg("SWALR", lr=0.5, swa_lr=0.2, anneal_epochs=0),
        cfg("PolynomialLR", lr=0.5, total_iters=4, power=2.0)], milestones=[3, 10, 15]), 40),
    # several SWALR share the swa_lr of the last one (torch keeps it in the param group)
    (cfg("SequentialLR", schedulers=[
        cfg("SWALR", lr=1.0, swa_lr=0.0, anneal_epochs=0),
        cfg("SWALR", lr=1.0, swa_lr=0.3, anneal_epochs=4, anneal_strategy="linear"),
        cfg("ExponentialLR", lr=1.0, gamma=0.5),
        cfg("SWALR", lr=1.0, swa_lr=0.1, anneal_epochs=2)], milestones=[1, 8, 10]), 20),
    (cfg("SequentialLR", schedulers=[cfg("OneCycleLR", max_lr=1.0, total_steps=12)],
         milestones=[]), 12),
    # ChainedScheduler: a cosine before or after a warmup and milestones that settle by T_max
    (cfg("ChainedScheduler", schedulers=[
        cfg("LinearLR", lr=0.5, start_factor=0.2, end_factor=0.7, total_iters=4),
        cfg("CosineAnnealingLR", lr=0.5, T_max=6)]), 40),
    (cfg("ChainedScheduler", schedulers=[
        cfg("CosineAnnealingLR", lr=0.5, T_max=6),
        cfg("MultiStepLR", lr=0.5, milestones=[2, 6, 6], gamma=0.5),
        cfg("PolynomialLR", lr=0.5, total_iters=5, power=2.0)]), 40),
    (cfg("ChainedScheduler", schedulers=[
        cfg("ChainedScheduler", schedulers=[cfg("StepLR", lr=1.0, step_size=3, gamma=0.5),
                                            cfg("ConstantLR", lr=1.0, factor=0.5, total_iters=4)]),
        cfg("MultiplicativeLR", lr=1.0, lr_lambda=1.01)]), 40),
    (cfg("ChainedScheduler", schedulers=[cfg("CyclicLR", base_lr=0.1, max_lr=1.0, step_size_up=3)]),
     20),
    # the periodic cosine over several periods, through torch's special restart branch
    (cfg("CosineAnnealingLR", lr=1.0, T_max=100, eta_min=0.05), 410),
    (cfg("CosineAnnealingLR", lr=0.1, T_max=1), 9),
    (cfg("MultiStepLR", lr=1.0, milestones=[9, 0, 3, 3, 9, 9], gamma=0.5), 14),
    (cfg("StepLR", lr=1.0, step_size=2, gamma=0.0), 8),
    (cfg("ExponentialLR", lr=1e-3, gamma=1.25), 40),
    (cfg("LinearLR", lr=1.0, start_factor=1.0, end_factor=0.0, total_iters=7), 12),
    (cfg("CosineAnnealingWarmRestarts", lr=1.0, T_0=1, T_mult=3), 130),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, step_size_up=2.5, step_size_down=3.5,
         mode="exp_range", gamma=0.96875), 30),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, step_size_up=4, step_size_down=0), 20),
    (cfg("OneCycleLR", max_lr=1.0, epochs=3, steps_per_epoch=7, three_phase=True), 21),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=15, epochs=2, steps_per_epoch=3), 15),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=2), 2),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=7, pct_start=0.25, anneal_strategy="linear"), 7),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=9, pct_start=0.0, three_phase=True), 9),
]


@pytest.mark.parametrize("c, n", QUIRKS, ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(QUIRKS)])
def test_quirks_live(c, n):
    check(c, n, momentum=c["type"] in ("torch.CyclicLR", "torch.OneCycleLR"))


# ----------------------------------------------------------------------------- verified vectors
VECTORS = [
    # anchors.md (d), torch 2.13.0, lr 1: the values after 0, 1, 2, ... step() calls
    (cfg("LinearLR", lr=1.0, start_factor=0.25, end_factor=1.0, total_iters=8), "lr", None,
     [0.25, .34375, .4375, .53125, .625, .71875, .8125, .90625, 1.0, 1.0], 12),
    (cfg("LinearLR", lr=1.0, start_factor=1.0, end_factor=0.0, total_iters=4), "lr", None,
     [1, .75, .5, .25, 0, 0, 0], 12),
    (cfg("PolynomialLR", lr=1.0, total_iters=5, power=2.0), "lr", None,
     [1, .64, .36, .16, .04, 0, 0, 0, 0], 12),
    (cfg("ConstantLR", lr=1.0, factor=0.5, total_iters=3), "lr", None, [.5, .5, .5, 1, 1, 1], 12),
    (cfg("StepLR", lr=1.0, step_size=3, gamma=0.5), "lr", None, [1, 1, 1, .5, .5, .5, .25, .25], 12),
    (cfg("CosineAnnealingLR", lr=1.0, T_max=10, eta_min=0.1), "lr", [10, 11, 20],
     [0.1, 0.12202456766718, 1.0], 12),
    (cfg("SequentialLR", schedulers=[cfg("LinearLR", lr=1.0, start_factor=0.1, total_iters=3),
                                     cfg("CosineAnnealingLR", lr=1.0, T_max=4)], milestones=[3]),
     "lr", None, [.1, .4, .7, 1, .853553, .5, .146447, 0, .146447, .5], 6),
    # anchors.md (b2)
    (cfg("MultiStepLR", lr=1.0, milestones=[2, 2, 5], gamma=0.5), "lr", None,
     [1, 1, .25, .25, .25, .125], 12),
    (cfg("MultiplicativeLR", lr=1.0, lr_lambda=lambda k: 0.5), "lr", None, [1, .5, .25, .125], 12),
    (cfg("ChainedScheduler", schedulers=[cfg("ConstantLR", lr=1.0, factor=0.1, total_iters=2),
                                         cfg("ExponentialLR", lr=1.0, gamma=0.9)]), "lr", None,
     [0.1, 0.09, 0.81, 0.729, 0.6561], 12),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, step_size_up=2, step_size_down=3, mode="triangular2"),
     "lr", None, [0.1, .55, 1, .7, .4, .1, .325, .55, .4, .25, .1, .2125, .325], 12),
    (cfg("CosineAnnealingWarmRestarts", lr=1.0, T_0=3, T_mult=2), "lr", None,
     [1, .75, .25, 1, .933, .75, .5, .25, .067, 1, .983, .933, .854], 3),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=10), "lr", None,
     [0.04, .52, 1.0, .950485, .811746, .611262, .388742, .188258, .049519, 4e-06], 6),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=10), "momentum", None,
     [.95, .9, .85, .854952, .868826, .888874, .911126, .931174, .945048, .95], 6),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=2, pct_start=0.3), "lr", [0], [0.8117], 4),
    (cfg("SWALR", lr=1.0, swa_lr=0.1, anneal_epochs=4, anneal_strategy="linear"), "lr", None,
     [1, .775, .55, .325, .1, .1], 12),
    (cfg("SWALR", lr=1.0, swa_lr=0.1, anneal_epochs=4, anneal_strategy="cos"), "lr", None,
     [1, .868198, .55, .231802, .1, .1], 6),
    (cfg("SWALR", lr=1.0, swa_lr=0.1, anneal_epochs=0), "lr", None, [0.1, 0.1, 0.1], 12),
]


@pytest.mark.parametrize("c, hyperparam, counts, want, decimals", VECTORS,
                         ids=[f"{v[0]['type']}-{i}" for i, v in enumerate(VECTORS)])
def test_verified_vectors(c, hyperparam, counts, want, decimals):
    counts = np.arange(len(want)) if counts is None else np.asarray(counts)
    got = jaxsched.from_config(c, hyperparam=hyperparam).evaluate(counts, np)
    np.testing.assert_allclose(got, want, rtol=0, atol=0.5 * 10.0**-decimals + 1e-15)


def test_one_cycle_peak_missed():
    # anchors.md (b2): N=7, pct=.25, linear never reaches max_lr: its peak is 0.952
    s = jaxsched.from_config(cfg("OneCycleLR", max_lr=1.0, total_steps=7, pct_start=0.25,
                                 anneal_strategy="linear"))
    assert round(float(np.max(s.evaluate(np.arange(7), np))), 3) == 0.952


def test_one_cycle_holds_past_total_steps():
    # torch raises past N (and extrapolates at N); jaxsched holds the value of update N - 1
    for hyperparam in ("lr", "momentum"):
        s = jaxsched.from_config(cfg("OneCycleLR", max_lr=1.0, total_steps=10), hyperparam=hyperparam)
        tail = s.evaluate(np.array([9, 10, 11, 1000]), np)
        np.testing.assert_array_equal(tail, tail[0])


def test_constant_lr_factor_zero():
    # torch accepts factor=0 and then divides by zero at total_iters; jaxsched gives lr there
    s = jaxsched.from_config(cfg("ConstantLR", lr=0.5, factor=0.0, total_iters=3))
    np.testing.assert_array_equal(s.evaluate(np.arange(6), np), [0, 0, 0, 0.5, 0.5, 0.5])


# ----------------------------------------------------------------------------- validation
def _lin(**kw):
    return cfg("LinearLR", **{"lr": 1.0, **kw})


INVALID = [
    (cfg("StepLR", lr=1.0, step_size=0), ValueError, "step_size"),
    (cfg("StepLR", lr=1.0, step_size=2.5), ValueError, "step_size"),
    (cfg("StepLR", lr=1.0, step_size=True), TypeError, "step_size"),
    (cfg("StepLR", lr=1.0, step_size="3"), TypeError, "step_size"),
    (cfg("StepLR", lr=1.0, step_size=3, gamma=-0.1), ValueError, "gamma"),
    (cfg("StepLR", lr=1.0, step_size=3, gamma=float("nan")), ValueError, "gamma"),
    (cfg("StepLR", lr=float("inf"), step_size=3), ValueError, "lr"),
    (cfg("StepLR", lr="0.1", step_size=3), TypeError, "lr"),
    (cfg("StepLR", lr=1.0, step_size=3, last_epoch=-1), ValueError, "last_epoch"),
    (cfg("StepLR", step_size=3), ValueError, "lr"),
    (cfg("MultiStepLR", lr=1.0, milestones=[3, -1]), ValueError, r"milestones\[1\]"),
    (cfg("MultiStepLR", lr=1.0, milestones=[2.5]), ValueError, r"milestones\[0\]"),
    (cfg("MultiStepLR", lr=1.0, milestones=5), TypeError, "milestones"),
    (cfg("MultiStepLR", lr=1.0, milestones="35"), TypeError, "milestones"),
    (cfg("ConstantLR", lr=1.0, factor=1.5), ValueError, "factor"),
    (cfg("ConstantLR", lr=1.0, factor=-0.1), ValueError, "factor"),
    (cfg("ConstantLR", lr=1.0, total_iters=0), ValueError, "total_iters"),
    (_lin(start_factor=0.0), ValueError, "start_factor"),
    (_lin(start_factor=1.5), ValueError, "start_factor"),
    (_lin(end_factor=-0.1), ValueError, "end_factor"),
    (_lin(end_factor=1.1), ValueError, "end_factor"),
    (_lin(total_iters=0), ValueError, "total_iters"),
    (_lin(total_iters=2.5), ValueError, "total_iters"),
    (cfg("ExponentialLR", lr=1.0, gamma=-0.5), ValueError, "gamma"),
    (cfg("ExponentialLR", lr=1.0, gamma=float("inf")), ValueError, "gamma"),
    (cfg("ExponentialLR", lr=1.0), ValueError, "gamma"),
    (cfg("PolynomialLR", lr=1.0, power=-1.0), ValueError, "power"),
    (cfg("PolynomialLR", lr=1.0, total_iters=0), ValueError, "total_iters"),
    (cfg("CosineAnnealingLR", lr=1.0, T_max=0), ValueError, "T_max"),
    (cfg("CosineAnnealingLR", lr=1.0, T_max=2.5), ValueError, "T_max"),
    (cfg("CosineAnnealingLR", lr=1.0, T_max=10, eta_min=float("nan")), ValueError, "eta_min"),
    (cfg("CosineAnnealingWarmRestarts", lr=1.0, T_0=0), ValueError, "T_0"),
    (cfg("CosineAnnealingWarmRestarts", lr=1.0, T_0=5, T_mult=0), ValueError, "T_mult"),
    (cfg("CosineAnnealingWarmRestarts", lr=1.0, T_0=5, T_mult=1.5), ValueError, "T_mult"),
    (cfg("SWALR", lr=1.0, swa_lr=0.1, anneal_epochs=-1), ValueError, "anneal_epochs"),
    (cfg("SWALR", lr=1.0, swa_lr=0.1, anneal_strategy="exp"), ValueError, "anneal_strategy"),
    (cfg("SWALR", lr=1.0, swa_lr=None), TypeError, "swa_lr"),
    (cfg("LambdaLR", lr=[1.0, 0.5], lr_lambda=list(LAMBDAS)), ValueError, "lr_lambda has 3 values"),
    (cfg("LambdaLR", lr=1.0, lr_lambda=3.0), TypeError, "lr_lambda"),
    (cfg("MultiplicativeLR", lr=1.0, lr_lambda=lambda k: 0.9 ** k), ValueError, "lr_lambda"),
    (cfg("MultiplicativeLR", lr=1.0, lr_lambda="0.9"), TypeError, "lr_lambda"),
    (cfg("MultiplicativeLR", lr=1.0, lr_lambda=-0.5), ValueError, "lr_lambda"),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, scale_fn=lambda x: 1.0), ValueError, "scale_fn"),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, mode="cosine"), ValueError, "mode"),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, scale_mode="epoch"), ValueError, "scale_mode"),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, step_size_up=0), ValueError, "step_size_up"),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, mode="exp_range", gamma=1.5), ValueError, "gamma"),
    (cfg("CyclicLR", base_lr=0.1, max_lr=None), TypeError, "max_lr"),
    (cfg("CyclicLR", base_lr=0.1, max_lr=1.0, cycle_momentum=1), TypeError, "cycle_momentum"),
    (cfg("OneCycleLR", max_lr=1.0), ValueError, "total_steps"),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=0), ValueError, "total_steps"),
    (cfg("OneCycleLR", max_lr=1.0, epochs=3), ValueError, "steps_per_epoch"),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=10, pct_start=1.5), ValueError, "pct_start"),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=10, anneal_strategy="cosine"), ValueError,
     "anneal_strategy"),
    (cfg("OneCycleLR", max_lr=1.0, total_steps=10, div_factor=0.0), ValueError, "div_factor"),
    (cfg("OneCycleLR", max_lr=float("nan"), total_steps=10), ValueError, "max_lr"),
    (cfg("SequentialLR", schedulers=[_lin(), _lin()], milestones=[]), ValueError, "milestones"),
    (cfg("SequentialLR", schedulers=[_lin(), _lin(), _lin()], milestones=[5, 3]), ValueError,
     "milestones"),
    (cfg("SequentialLR", schedulers=[_lin(), _lin()], milestones=[2.5]), ValueError, "milestones"),
    (cfg("SequentialLR", schedulers=[], milestones=[]), ValueError, "schedulers"),
    (cfg("SequentialLR", schedulers="LinearLR", milestones=[]), TypeError, "schedulers"),
    (cfg("SequentialLR", schedulers=[_lin(), 0.5], milestones=[3]), TypeError, r"schedulers\[1\]"),
    (cfg("SequentialLR", schedulers=[_lin(), _lin(lr=0.5)], milestones=[3]), ValueError, "lr"),
    (cfg("SequentialLR", schedulers=[_lin(), cfg("CyclicLR", base_lr=0.1, max_lr=1.0)],
         milestones=[3]), ValueError, r"schedulers\[1\]"),
    (cfg("SequentialLR", schedulers=[_lin(), cfg("SequentialLR", schedulers=[_lin(), _lin()],
                                                 milestones=[2])], milestones=[3]), ValueError,
     r"schedulers\[1\]"),
    (cfg("ChainedScheduler", schedulers=[_lin(), cfg("LambdaLR", lr=1.0, lr_lambda=LAMBDAS[0])]),
     ValueError, r"schedulers\[1\].*LambdaLR"),
    (cfg("ChainedScheduler", schedulers=[_lin(), cfg("SWALR", lr=1.0, swa_lr=0.1)]), ValueError,
     "SWALR"),
    (cfg("ChainedScheduler", schedulers=[_lin(), {"type": "cosine_decay",
                                                  "params": {"init_value": 1.0, "decay_steps": 5}}]),
     TypeError, r"schedulers\[1\]"),
    (cfg("ChainedScheduler", schedulers=[_lin(), cfg("CosineAnnealingLR", lr=1.0, T_max=9,
                                                     eta_min=0.1)]), ValueError, "eta_min"),
    (cfg("ChainedScheduler", schedulers=[cfg("ExponentialLR", lr=1.0, gamma=0.9),
                                         cfg("CosineAnnealingLR", lr=1.0, T_max=9)]), ValueError,
     "T_max"),
    (cfg("ChainedScheduler", schedulers=[_lin(total_iters=12), cfg("CosineAnnealingLR", lr=1.0,
                                                                   T_max=9)]), ValueError, "T_max"),
    (cfg("ChainedScheduler", schedulers=[cfg("CosineAnnealingLR", lr=1.0, T_max=9),
                                         cfg("CosineAnnealingLR", lr=1.0, T_max=5)]), ValueError,
     "CosineAnnealingLR"),
    (cfg("ChainedScheduler", schedulers=[_lin(), _lin(lr=2.0)]), ValueError, "lr"),
    (cfg("ChainedScheduler", schedulers=[]), ValueError, "schedulers"),
]


@pytest.mark.parametrize("c, exc, match", INVALID,
                         ids=[f"{c['type']}-{i}" for i, (c, _, _) in enumerate(INVALID)])
def test_invalid(c, exc, match):
    with pytest.raises(exc, match=match):
        jaxsched.from_config(c)


@pytest.mark.parametrize("c", [cfg("CyclicLR", base_lr=0.1, max_lr=1.0),
                               cfg("OneCycleLR", max_lr=1.0, total_steps=10)])
def test_hyperparam(c):
    with pytest.raises(ValueError, match="hyperparam.*'lr', 'momentum'"):
        jaxsched.from_config(c, hyperparam="beta2")
    off = {"type": c["type"], "params": {**c["params"], "cycle_momentum": False}}
    assert jaxsched.from_config(off) is not None  # the lr is still scheduled
    with pytest.raises(ValueError, match="cycle_momentum"):
        jaxsched.from_config(off, hyperparam="momentum")
    with pytest.raises(ValueError, match="hyperparam"):
        jaxsched.from_config(cfg("StepLR", lr=1.0, step_size=3), hyperparam="momentum")


# ----------------------------------------------------------------------------- config, tracing
# (no growing schedule here: a factor > 1 overflows at the count 10**6 that the check evaluates)
ROUNDTRIP = [c for c, _ in QUIRKS if "LambdaLR" not in str(c) and "1.25" not in str(c)
             and "1.01" not in str(c)] + [
    cfg("ConstantLR", lr=0.3), cfg("LinearLR", lr=0.3), cfg("PolynomialLR", lr=0.3),
    cfg("SWALR", lr=0.3, swa_lr=0.01), cfg("CosineAnnealingWarmRestarts", lr=0.3, T_0=7, T_mult=2),
]


@pytest.mark.parametrize("c", ROUNDTRIP, ids=[f"{c['type']}-{i}" for i, c in enumerate(ROUNDTRIP)])
def test_config_roundtrip(c):
    assert_config_roundtrip(jaxsched.from_config(c))
    m = c["type"] in ("torch.CyclicLR", "torch.OneCycleLR")
    if m:
        assert_config_roundtrip(jaxsched.from_config(c, hyperparam="momentum"))


def _lambda_lr(lr):
    return BUILDERS["torch.LambdaLR"](lr, LAMBDAS[1])


def _chained(gamma):
    return BUILDERS["torch.ChainedScheduler"]([
        BUILDERS["torch.LinearLR"](0.5, 0.25, 1.0, 4), BUILDERS["torch.ExponentialLR"](0.5, gamma)])


def _sequential(milestones):
    b = BUILDERS
    return b["torch.SequentialLR"](
        [b["torch.LinearLR"](0.5, 0.25, 1.0, 4), b["torch.MultiplicativeLR"](0.5, 0.9),
         b["torch.SWALR"](0.5, 0.05, 3)], milestones)


def _momentum(name):
    return lambda **kw: BUILDERS[name](**kw, hyperparam="momentum")


TRACED = [
    ("torch.StepLR", dict(lr=0.5, step_size=3), "lr", [0.1, 0.5]),
    ("torch.StepLR", dict(lr=0.5, step_size=3), "step_size", [2, 5]),
    ("torch.MultiStepLR", dict(lr=0.5, milestones=[3, 7]), "milestones", [[3, 7], [9, 2]]),
    ("torch.MultiStepLR", dict(lr=0.5, milestones=[3, 7]), "gamma", [0.5, 0.9]),
    ("torch.ConstantLR", dict(lr=0.5), "factor", [0.25, 0.5]),
    ("torch.ConstantLR", dict(lr=0.5), "total_iters", [3, 6]),
    ("torch.LinearLR", dict(lr=0.5, end_factor=0.5), "start_factor", [0.25, 0.75]),
    ("torch.LinearLR", dict(lr=0.5), "end_factor", [0.0, 0.5]),
    ("torch.ExponentialLR", dict(lr=0.5), "gamma", [0.9, 0.95]),
    ("torch.MultiplicativeLR", dict(lr=0.5), "lr_lambda", [0.9, 0.95]),
    ("torch.PolynomialLR", dict(lr=0.5), "power", [0.5, 2.0]),
    ("torch.CosineAnnealingLR", dict(lr=0.5, T_max=10), "eta_min", [0.0, 0.1]),
    ("torch.CosineAnnealingLR", dict(lr=0.5, T_max=10), "T_max", [7, 10]),
    ("torch.CosineAnnealingWarmRestarts", dict(lr=0.5, T_0=5, T_mult=2), "eta_min", [0.0, 0.1]),
    ("torch.SWALR", dict(lr=0.5, swa_lr=0.05), "swa_lr", [0.05, 0.1]),
    ("torch.SWALR", dict(lr=0.5, swa_lr=0.05), "anneal_epochs", [0, 4]),
    ("torch.CyclicLR", dict(base_lr=0.1, max_lr=1.0, step_size_up=3, mode="exp_range"), "gamma",
     [0.9, 0.99]),
    ("torch.CyclicLR", dict(base_lr=0.1, max_lr=1.0, step_size_up=3), "max_lr", [1.0, 2.0]),
    ("torch.OneCycleLR", dict(max_lr=1.0, total_steps=50), "pct_start", [0.25, 0.4]),
    ("torch.OneCycleLR", dict(max_lr=1.0, total_steps=50), "max_lr", [0.5, 1.0]),
    (_momentum("torch.CyclicLR"), dict(base_lr=0.1, max_lr=1.0, step_size_up=3), "base_momentum",
     [0.8, 0.85]),
    (_momentum("torch.OneCycleLR"), dict(max_lr=1.0, total_steps=50), "max_momentum", [0.9, 0.95]),
    (_lambda_lr, {}, "lr", [0.1, 0.5]),
    (_chained, {}, "gamma", [0.9, 0.95]),
    (_sequential, {}, "milestones", [[3, 7], [4, 4]]),
]


@pytest.mark.parametrize("build, kwargs, hyper", traced_params(TRACED))
def test_traceable(build, kwargs, hyper):
    assert_all_traceable(BUILDERS[build] if isinstance(build, str) else build, kwargs, hyper)
