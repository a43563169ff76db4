"""Cerebras' learning-rate schedulers by name (jaxsched/config/ecosystem/cerebras_names*.py).

Cerebras cannot be installed here. Expected values come from float64 re-derivations written
here with plain ``math`` from the closed forms of anchors.md (b4) (``t = last_epoch``, the step
of the update), with Cerebras' documented intent where its code does otherwise (each marked
"intent"), and from torch's own schedulers stepping a real optimizer where Cerebras says its
class is torch's (``CyclicLR``, ``OneCycleLR``, ``CosineAnnealingWarmRestarts``).
"""

from __future__ import annotations

import bisect
import math

import hypothesis.strategies as st
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_strong_float32,
    assert_traceable,
    host,
)

import jaxsched as js
from jaxsched.config.ecosystem import cerebras_names
from jaxsched.config.ecosystem.cerebras_composites import chained_lr, sequential_lr
from jaxsched.config.ecosystem.cerebras_names import constant_lr, exponential_lr, step_lr

HYP = settings(max_examples=20, deadline=None, derandomize=True)
N = 60


def build(name: str, **params):
    return js.from_config({"type": f"cerebras.{name}", "params": params})


def cfg(name: str, **params) -> dict:
    return {"type": f"cerebras.{name}", "params": params}


def check(s, ref, n: int = N, rtol: float = 1e-9):
    expect = np.array([ref(t) for t in range(n)])
    np.testing.assert_allclose(host(s, np.arange(n)), expect, rtol=rtol,
                               atol=1e-12 * max(np.max(np.abs(expect)), 1e-30))


def C(p):  # the half-cosine factor, not clamped
    return 0.5 * (1 + math.cos(math.pi * p))


# ------------------------------------------------------------------ references (anchors b4)
def poly_ref(i, e, total, power, cycle):
    def f(t):
        if cycle:  # intent, as Keras: the decay stretched to the next multiple of total_iters
            d = total * max(math.ceil(t / total), 1)
            return (i - e) * (1 - t / d) ** power + e
        return e if t >= total else (i - e) * (1 - t / total) ** power + e

    return f


def torch_lrs(make, n: int, lr: float = 1.0) -> list[float]:
    """The lr of each update after stepping a torch scheduler on a real SGD optimizer."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


@HYP
@given(i=st.floats(0.01, 2.0), e=st.floats(0.0, 0.5), total=st.integers(1, 25),
       power=st.floats(0.2, 3.0), cycle=st.booleans())
def test_polynomial_and_linear(i, e, total, power, cycle):
    check(build("PolynomialLR", initial_learning_rate=i, end_learning_rate=e, total_iters=total,
                power=power, cycle=cycle), poly_ref(i, e, total, power, cycle))
    check(build("LinearLR", initial_learning_rate=i, end_learning_rate=e, total_iters=total,
                cycle=cycle), poly_ref(i, e, total, 1.0, cycle))


@HYP
@given(i=st.floats(0.01, 2.0), total=st.sampled_from([1, 3, 2.5, 10]), r=st.floats(0.0, 1.2),
       staircase=st.booleans(), k=st.sampled_from([1, 0.5, 2.0]))
def test_exponential_and_inverse_time(i, total, r, staircase, k):
    def exp_ref(t):
        p = t / total
        return i * r ** (math.floor(p) if staircase else p)

    def inv_ref(t):
        a = t**k / total
        return i / (1 + r * (math.floor(a) if staircase else a))

    check(build("ExponentialLR", initial_learning_rate=i, total_iters=total, decay_rate=r,
                staircase=staircase), exp_ref)
    check(build("InverseExponentialTimeDecayLR", initial_learning_rate=i, step_exponent=k,
                total_iters=total, decay_rate=r, staircase=staircase), inv_ref)


@HYP
@given(i=st.floats(0.01, 2.0), scale=st.floats(0.1, 5.0), w=st.sampled_from([1, 4, 0.5, 2.5, 10]))
def test_inverse_square_root(i, scale, w):
    check(build("InverseSquareRootDecayLR", initial_learning_rate=i, scale=scale, warmup_steps=w),
          lambda t: i * scale / math.sqrt(max(w, t)))


@HYP
@given(i=st.floats(0.01, 2.0), e=st.floats(0.0, 0.5), total=st.integers(1, 30))
def test_cosine_decay_and_annealing(i, e, total):
    check(build("CosineDecayLR", initial_learning_rate=i, end_learning_rate=e, total_iters=total),
          lambda t: e + (i - e) * C(min(t, total) / total))
    # CosineAnnealingLR is NOT clamped: periodic, rising again after T_max
    check(build("CosineAnnealingLR", initial_learning_rate=i, T_max=total, eta_min=e),
          lambda t: e + (i - e) * C(t / total), n=4 * total + 3)


@HYP
@given(ms=st.lists(st.integers(0, 40), max_size=4), g=st.floats(0.0, 1.0),
       size=st.sampled_from([1, 3, 7, 2.5]))
def test_step_multistep_multiplicative_piecewise(ms, g, size):
    check(build("MultiStepLR", initial_learning_rate=0.5, gamma=g, milestones=ms),
          lambda t: 0.5 * g ** sum(1 for m in ms if m <= t))
    check(build("StepLR", initial_learning_rate=0.5, step_size=size, gamma=g),
          lambda t: 0.5 * g ** math.floor(t / size))
    check(build("MultiplicativeLR", initial_learning_rate=0.5, coefficient=g),
          lambda t: 0.5 * g**t)
    bounds = sorted(set(ms))
    vals = [0.1 * (k + 1) for k in range(len(bounds) + 1)]
    check(build("PiecewiseConstantLR", learning_rates=vals, milestones=bounds),
          lambda t: vals[bisect.bisect_right(bounds, t)])


def test_constant_and_lambda():
    check(build("ConstantLR", learning_rate=0.3, total_iters=5), lambda t: 0.3)
    # intent: I * lambda(t), I once (Cerebras multiplies I in once per lambda)
    s = cerebras_names.lambda_lr(0.5, lambda t: jnp.exp(-0.1 * t))
    check(s, lambda t: 0.5 * math.exp(-0.1 * t), rtol=1e-6)
    two = cerebras_names.lambda_lr(
        0.5, [lambda t: t / 30, lambda t: jnp.power(0.95, t)])
    check(two, lambda t: 0.5 * (t / 30) * 0.95**t, rtol=1e-6)  # Cerebras: 0.25 * ...
    with pytest.raises(TypeError, match="not serialised|cannot be serialised"):
        s.to_config()


@HYP
@given(t0=st.integers(1, 8), mult=st.integers(1, 3), e=st.floats(0, 0.3))
def test_cosine_warm_restarts_is_torch(t0, mult, e):
    """Intent: torch's CosineAnnealingWarmRestarts (Cerebras' own formula is a square wave)."""
    s = build("CosineAnnealingWarmRestarts", initial_learning_rate=1.0, T_0=t0, T_mult=mult,
              eta_min=e)
    got = torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=t0, T_mult=mult, eta_min=e), N)
    np.testing.assert_allclose(host(s, np.arange(N)), got, rtol=1e-9, atol=1e-12)


def test_cosine_warm_restarts_differs_from_cerebras_square_wave():
    # anchors b4, Cerebras as written, T_0=4: [1, .854, .5, .146, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]
    s = build("CosineAnnealingWarmRestarts", initial_learning_rate=1.0, T_0=4)
    np.testing.assert_allclose(host(s, np.arange(14)),
                               [C((t % 4) / 4) for t in range(14)], rtol=1e-12, atol=1e-15)
    assert host(s, [5])[0] == pytest.approx(0.853553, abs=1e-6)  # Cerebras writes 1 there


@HYP
@given(base=st.floats(0.01, 0.5), peak=st.floats(0.6, 2.0), up=st.integers(1, 6),
       down=st.one_of(st.none(), st.integers(1, 6)),
       mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
       gamma=st.floats(0.8, 1.0))
def test_cyclic_is_torch(base, peak, up, down, mode, gamma):
    s = build("CyclicLR", base_lr=base, max_lr=peak, step_size_up=up, step_size_down=down,
              mode=mode, gamma=gamma, scale_mode="iterations")  # scale_mode: ignored, as Cerebras
    got = torch_lrs(lambda o: torch.optim.lr_scheduler.CyclicLR(
        o, base_lr=base, max_lr=peak, step_size_up=up, step_size_down=down, mode=mode,
        gamma=gamma, cycle_momentum=False), N, lr=base)
    np.testing.assert_allclose(host(s, np.arange(N)), got, rtol=1e-9, atol=1e-12)


def one_cycle_ref(i, m, n, pct, fd, three, strategy):
    """Cerebras' closed form (anchors b4), held at its value at n - 1 (intent)."""
    lo = i / fd
    if three:
        ends, knots = [pct * n - 1, 2 * pct * n - 2, n - 1], [i, m, i, lo]
    else:
        ends, knots = [pct * n - 1, n - 1], [i, m, lo]

    def anneal(a, b, p):
        return b + (a - b) * C(p) if strategy == "cos" else a + p * (b - a)

    def f(t):
        t = min(t, n - 1)
        start = 0.0
        for k, end in enumerate(ends):
            if t <= end or k == len(ends) - 1:
                return anneal(knots[k], knots[k + 1], (t - start) / (end - start))
            start = end

    return f


@HYP
@given(i=st.floats(0.01, 0.2), m=st.floats(0.5, 2.0), n=st.integers(10, 40),
       pct=st.sampled_from([0.25, 0.3, 0.4]), fd=st.sampled_from([10.0, 1e4]),
       three=st.booleans(), strategy=st.sampled_from(["cos", "linear"]))
def test_one_cycle(i, m, n, pct, fd, three, strategy):
    s = build("OneCycleLR", initial_learning_rate=i, max_lr=m, total_steps=n, pct_start=pct,
              final_div_factor=fd, three_phase=three, anneal_strategy=strategy)
    check(s, one_cycle_ref(i, m, n, pct, fd, three, strategy), n=n + 10)
    got = torch_lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=m, total_steps=n, pct_start=pct, div_factor=m / i, final_div_factor=fd,
        three_phase=three, anneal_strategy=strategy, cycle_momentum=False), n)
    np.testing.assert_allclose(host(s, np.arange(n)), got, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ composites
def test_sequential_derives_milestones_like_the_modelzoo_validator():
    # models/nlp/gpt3/configs/params_gpt3_xl.yaml, shortened
    warm = cfg("LinearLR", initial_learning_rate=0.0, end_learning_rate=2e-4, total_iters=5)
    decay = cfg("CosineDecayLR", initial_learning_rate=2e-4, end_learning_rate=2e-5,
                total_iters=20)
    s = build("SequentialLR", schedulers=[warm, decay])
    check(s, lambda t: 2e-4 * t / 5 if t < 5 else 2e-5 + 1.8e-4 * C(min(t - 5, 20) / 20))
    same = build("SequentialLR", schedulers=[warm, decay], milestones=[5])
    np.testing.assert_array_equal(host(same), host(s))
    with pytest.raises(ValueError, match="milestones"):
        build("SequentialLR", schedulers=[warm, decay], milestones=[4])
    with pytest.raises(ValueError, match="milestones"):  # no total_iters to derive from
        build("SequentialLR", schedulers=[cfg("StepLR", initial_learning_rate=1.0, step_size=2,
                                              gamma=0.5), decay])
    three = build("SequentialLR", schedulers=[
        cfg("ConstantLR", learning_rate=0.1, total_iters=3), warm, decay])
    check(three, lambda t: 0.1 if t < 3 else (2e-4 * (t - 3) / 5 if t < 8 else
                                               2e-5 + 1.8e-4 * C(min(t - 8, 20) / 20)))


def test_sequential_local_time_and_given_milestones():
    s = build("SequentialLR", schedulers=[
        cfg("StepLR", initial_learning_rate=1.0, step_size=2, gamma=0.5),
        cfg("MultiplicativeLR", initial_learning_rate=0.3, coefficient=0.9)], milestones=[5])
    check(s, lambda t: 0.5 ** (t // 2) if t < 5 else 0.3 * 0.9 ** (t - 5))


def test_chained_normalises_later_children():
    s = build("ChainedLR", schedulers=[
        cfg("StepLR", initial_learning_rate=2.0, step_size=3, gamma=0.5),
        cfg("ExponentialLR", initial_learning_rate=0.5, total_iters=1, decay_rate=0.9),
        cfg("CosineAnnealingLR", initial_learning_rate=4.0, T_max=10, eta_min=1.0)])
    check(s, lambda t: 2.0 * 0.5 ** (t // 3) * (0.5 * 0.9**t / 0.5)
          * ((1.0 + 3.0 * C(t / 10)) / 4.0))
    alias = build("ChainedScheduler", schedulers=[cfg("StepLR", initial_learning_rate=2.0,
                                                      step_size=3, gamma=0.5)])
    check(alias, lambda t: 2.0 * 0.5 ** (t // 3))
    for later in (cfg("ConstantLR", learning_rate=0.5),
                  cfg("CyclicLR", base_lr=0.1, max_lr=1.0, step_size_up=2)):
        with pytest.raises(ValueError, match=r"schedulers\[1\]"):
            build("ChainedLR", schedulers=[cfg("ConstantLR", learning_rate=1.0), later])


# ------------------------------------------------------------------ consistency
REPRESENTATIVE = [
    cfg("PolynomialLR", initial_learning_rate=1.0, end_learning_rate=0.1, total_iters=30,
        power=2.0, cycle=True),
    cfg("InverseSquareRootDecayLR", initial_learning_rate=0.5, scale=2.0, warmup_steps=10),
    cfg("CosineAnnealingLR", initial_learning_rate=1.0, T_max=7, eta_min=0.1),
    cfg("CosineAnnealingWarmRestarts", initial_learning_rate=1.0, T_0=3, T_mult=2),
    cfg("OneCycleLR", initial_learning_rate=0.04, max_lr=1.0, total_steps=100),
    cfg("CyclicLR", base_lr=0.1, max_lr=1.0, step_size_up=5, mode="triangular2"),
    cfg("SequentialLR", schedulers=[
        cfg("LinearLR", initial_learning_rate=0.0, end_learning_rate=1.0, total_iters=10),
        cfg("CosineDecayLR", initial_learning_rate=1.0, end_learning_rate=0.1, total_iters=90)]),
    cfg("ChainedLR", schedulers=[
        cfg("StepLR", initial_learning_rate=2.0, step_size=30, gamma=0.5),
        cfg("ExponentialLR", initial_learning_rate=0.5, total_iters=10, decay_rate=0.9)]),
]


@pytest.mark.parametrize("c", REPRESENTATIVE, ids=[c["type"] for c in REPRESENTATIVE])
def test_consistency(c):
    s = js.from_config(c)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_config_roundtrip(s)


def _inv_sqrt(**kw):
    return build("InverseSquareRootDecayLR", **kw)


def _one_cycle(**kw):
    return build("OneCycleLR", **kw)


def _chained(initial_learning_rate):
    return chained_lr([step_lr(1.0, 3, 0.5), exponential_lr(initial_learning_rate, 1, 0.9)])


def _sequential(milestones):
    return sequential_lr([step_lr(1.0, 3, 0.5), constant_lr(0.2)], milestones)


@pytest.mark.parametrize("make, kw, name, values", [
    (_inv_sqrt, dict(initial_learning_rate=0.5, scale=2.0, warmup_steps=4.0),
     "warmup_steps", [4.0, 6.5]),
    (_inv_sqrt, dict(initial_learning_rate=0.5, scale=2.0, warmup_steps=4.0),
     "scale", [2.0, 1.0]),
    (_one_cycle, dict(initial_learning_rate=0.04, max_lr=1.0, total_steps=30),
     "initial_learning_rate", [0.04, 0.1]),
    (_one_cycle, dict(initial_learning_rate=0.04, max_lr=1.0, total_steps=30),
     "max_lr", [1.0, 0.5]),
    (_chained, {}, "initial_learning_rate", [0.5, 2.0]),
    (_sequential, {}, "milestones", [[5], [8]]),
])
def test_traceable(make, kw, name, values):
    assert_traceable(make, {**kw, name: values[0]}, name, values,
                     counts=np.array([0, 1, 2, 3, 5, 8, 13, 29, 30, 40]))


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("name, params, exc, match", [
    ("ConstantLR", dict(learning_rate="a"), TypeError, "learning_rate"),
    ("ConstantLR", dict(learning_rate=1.0, total_iters=-1), ValueError, "total_iters"),
    ("PolynomialLR", dict(initial_learning_rate=1.0, end_learning_rate=0.0, total_iters=-2),
     ValueError, "total_iters"),
    ("PolynomialLR", dict(initial_learning_rate=1.0, end_learning_rate=0.0, total_iters=0,
                          cycle=True), ValueError, "total_iters"),
    ("PolynomialLR", dict(initial_learning_rate=1.0, end_learning_rate=0.0, total_iters=5,
                          power=-1.0), ValueError, "power"),
    ("LinearLR", dict(initial_learning_rate=1.0, end_learning_rate=math.nan, total_iters=5),
     ValueError, "end_learning_rate"),
    ("LinearLR", dict(initial_learning_rate=1.0, end_learning_rate=0.0, total_iters=5, cycle=0),
     TypeError, "cycle"),
    ("ExponentialLR", dict(initial_learning_rate=1.0, total_iters=0, decay_rate=0.5), ValueError,
     "total_iters"),
    ("ExponentialLR", dict(initial_learning_rate=1.0, total_iters=2, decay_rate=-0.5),
     ValueError, "decay_rate"),
    ("InverseExponentialTimeDecayLR", dict(initial_learning_rate=1.0, step_exponent=0,
                                           total_iters=2, decay_rate=0.5), ValueError,
     "step_exponent"),
    ("InverseSquareRootDecayLR", dict(warmup_steps=0), ValueError, "warmup_steps"),
    ("InverseSquareRootDecayLR", dict(scale=math.inf), ValueError, "scale"),
    ("CosineDecayLR", dict(initial_learning_rate=1.0, end_learning_rate=0.0, total_iters=0),
     ValueError, "total_iters"),
    ("PiecewiseConstantLR", dict(learning_rates=[1.0, 0.5], milestones=[5, 2]), ValueError,
     "milestones"),
    ("PiecewiseConstantLR", dict(learning_rates=[1.0], milestones=[5]), ValueError,
     "learning_rates"),
    ("MultiStepLR", dict(initial_learning_rate=1.0, gamma=-0.1, milestones=[2]), ValueError,
     "gamma"),
    ("MultiStepLR", dict(initial_learning_rate=1.0, gamma=0.1, milestones=[-2]), ValueError,
     "milestones"),
    ("StepLR", dict(initial_learning_rate=1.0, step_size=0, gamma=0.5), ValueError, "step_size"),
    ("CosineAnnealingLR", dict(initial_learning_rate=1.0, T_max=0), ValueError, "T_max"),
    ("CosineAnnealingWarmRestarts", dict(initial_learning_rate=1.0, T_0=0), ValueError, "T_0"),
    ("CosineAnnealingWarmRestarts", dict(initial_learning_rate=1.0, T_0=5, T_mult=1.5),
     ValueError, "T_mult"),
    ("MultiplicativeLR", dict(initial_learning_rate=1.0, coefficient=-1.0), ValueError,
     "coefficient"),
    ("CyclicLR", dict(base_lr=0.1, max_lr=1.0, mode="cosine"), ValueError, "mode"),
    ("CyclicLR", dict(base_lr=0.1, max_lr=1.0, scale_mode="epoch"), ValueError, "scale_mode"),
    ("CyclicLR", dict(base_lr=None, max_lr=1.0), TypeError, "base_lr"),
    ("CyclicLR", dict(base_lr=0.1, max_lr=1.0, step_size_up=0), ValueError, "step_size_up"),
    ("OneCycleLR", dict(initial_learning_rate=0.0, max_lr=1.0), ValueError,
     "initial_learning_rate"),
    ("OneCycleLR", dict(initial_learning_rate=0.1, max_lr=-1.0), ValueError, "max_lr"),
    ("OneCycleLR", dict(initial_learning_rate=0.1, max_lr=1.0, pct_start=1.5), ValueError,
     "pct_start"),
    ("OneCycleLR", dict(initial_learning_rate=0.1, max_lr=1.0, anneal_strategy="exp"),
     ValueError, "anneal_strategy"),
    ("StepLR", dict(initial_learning_rate=1.0, step_size=2, gamma=0.5,
                    param_group_tags=["a", "a"]), ValueError, "param_group_tags"),
    ("StepLR", dict(initial_learning_rate=1.0, step_size=2, gamma=0.5, param_group_tags=3),
     TypeError, "param_group_tags"),
    ("SequentialLR", dict(schedulers=[], milestones=[]), ValueError, "schedulers"),
    ("SequentialLR", dict(schedulers=[cfg("ConstantLR", learning_rate=1.0)], last_epoch=3),
     ValueError, "last_epoch"),
    ("SequentialLR", dict(schedulers=[cfg("ConstantLR", learning_rate=1.0, total_iters=2),
                                      cfg("ConstantLR", learning_rate=0.5)], milestones=[1, 2]),
     ValueError, "milestones"),
    ("ChainedLR", dict(schedulers="StepLR"), TypeError, "schedulers"),
])
def test_invalid(name, params, exc, match):
    with pytest.raises(exc, match=match):
        build(name, **params)


def test_param_group_tags_do_not_change_the_schedule():
    a = build("StepLR", initial_learning_rate=1.0, step_size=2, gamma=0.5,
              param_group_tags=["decay", None])
    b = build("StepLR", initial_learning_rate=1.0, step_size=2, gamma=0.5)
    assert a == b


def test_lambda_validation():
    from jaxsched.config.ecosystem.cerebras_names import lambda_lr

    with pytest.raises(TypeError, match="lr_lambda"):
        lambda_lr(1.0, 3.0)
    with pytest.raises(ValueError, match="lr_lambda"):
        lambda_lr(1.0, [])
    with pytest.raises(ValueError, match="initial_learning_rate"):
        lambda_lr(math.nan, lambda t: t)
