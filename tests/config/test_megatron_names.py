"""Megatron-LM's ``OptimizerParamScheduler`` (``megatron.*``) and Megatron command lines.

megatron-core does not install sensibly here (it needs CUDA extensions), so the reference is a
float64 re-statement, written for this test in plain Python, of ``NVIDIA/Megatron-LM`` at commit
``d98e8a64ddf34856e74b24714e3bedb2f5a39553``: ``megatron/core/optimizer_param_scheduler.py``
(``get_lr``, ``get_wd``, ``step``), driven as ``megatron/training/training.py`` drives it
(``step(0)`` in the constructor, ``step(increment)`` after each successful iteration with
``increment`` = the iteration's global batch; ``get_optimizer_param_scheduler`` for the
argument arithmetic) and ``megatron/core/num_microbatches_calculator.py`` for the batch-size
ramp. A few points are derived by hand in ``test_hand_derived``.
"""

from __future__ import annotations

import argparse
import math

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_float32_accurate,
    assert_traceable,
    host,
    jit_eval,
)

import jaxsched
from jaxsched.config import frameworks
from jaxsched.config.ecosystem import megatron_names as mg

PAD = 256
COUNTS = jnp.arange(PAD, dtype=jnp.int32)
NAME = "megatron.OptimizerParamScheduler"
SET = settings(max_examples=12, deadline=None)


def build(hyperparam="lr", **params):
    return jaxsched.from_config({"type": NAME, "params": params}, hyperparam)


def assert_matches(s, ref):
    n = len(ref)
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(host(s, np.arange(n)), ref, rtol=1e-12, atol=1e-12 * peak)
    got32 = np.asarray(jit_eval(s, COUNTS), np.float64)[:n]
    assert_float32_accurate(s, np.arange(n), got32)


# ------------------------------------------------------------------ Megatron, restated
class Ref:
    """OptimizerParamScheduler's num_steps, get_lr and get_wd on floats."""

    def __init__(self, init_lr, max_lr, min_lr, lr_warmup_steps, lr_decay_steps, lr_decay_style,
                 start_wd, end_wd, wd_incr_steps, wd_incr_style, wsd_decay_steps=None,
                 lr_wsd_decay_style=None):
        self.__dict__.update(locals())
        self.num_steps = 0

    def lr(self):
        n, w, d = self.num_steps, self.lr_warmup_steps, self.lr_decay_steps
        top, lo = self.max_lr, self.min_lr
        if w > 0 and n <= w:
            return self.init_lr + (top - self.init_lr) * float(n) / float(w)
        if self.lr_decay_style == "constant":
            return top
        if n > d:
            return lo
        if self.lr_decay_style == "inverse-square-root":
            return max(lo, top * max(w, 1) ** 0.5 / max(n, 1) ** 0.5)
        ratio = float(n - w) / float(d - w)
        if self.lr_decay_style == "linear":
            c = 1.0 - ratio
        elif self.lr_decay_style == "cosine":
            c = 0.5 * (math.cos(math.pi * ratio) + 1.0)
        else:  # WSD
            start = d - self.wsd_decay_steps
            if n <= start:
                c = 1.0
            else:
                q = float(n - start) / float(self.wsd_decay_steps)
                c = {"linear": lambda: 1.0 - q,
                     "cosine": lambda: 0.5 * (math.cos(math.pi * q) + 1.0),
                     "exponential": lambda: 2.0 * math.pow(0.5, q) - 1.0,
                     "minus_sqrt": lambda: 1.0 - math.sqrt(q)}[self.lr_wsd_decay_style]()
        return lo + c * (top - lo)

    def wd(self):
        if self.num_steps > self.wd_incr_steps:
            return self.end_wd
        if self.wd_incr_style == "constant":
            return self.end_wd
        r = float(self.num_steps) / float(self.wd_incr_steps)
        if self.wd_incr_style == "linear":
            c = r
        else:
            c = 0.5 * (math.cos(math.pi * (1 - r)) + 1.0)
        return self.start_wd + c * (self.end_wd - self.start_wd)


def run(n, increments, which="lr", **cfg):
    """The lr (or wd) each of ``n`` iterations runs with; ``increments(k)`` = batch of iteration k."""
    full = dict(init_lr=0.0, min_lr=0.0, lr_warmup_steps=0, lr_decay_style="linear",
                start_wd=0.01, end_wd=0.01, wd_incr_steps=1, wd_incr_style="constant",
                lr_wsd_decay_style="exponential")
    full.update(cfg)
    sched = Ref(**full)
    sched.num_steps += 0  # step(0) in the constructor
    out = []
    for k in range(n):
        out.append(sched.lr() if which == "lr" else sched.wd())
        sched.num_steps += increments(k)  # step(increment) after the iteration
    return np.array(out)


def megatron_ramp(start, inc, samples, target):
    """num_microbatches_calculator's RampupBatchsizeNumMicroBatches: the batch of each iteration."""
    steps = (target - start) // inc
    per_increment = samples / steps if steps else 0.0
    consumed = [0]

    def batch(k):
        c = consumed[0]
        g = target if (c > samples or per_increment == 0.0) else start + int(c / per_increment) * inc
        consumed[0] += g
        return g

    return batch


# ------------------------------------------------------------------ parity
LR = st.floats(1e-5, 1.0)
STYLES = st.sampled_from(mg.LR_DECAY_STYLES)


@SET
@given(top=LR, lo=st.floats(0.0, 1.0), init=st.floats(0.0, 1.0), w=st.integers(0, 40),
       extra=st.integers(1, 120), style=STYLES, wsd_style=st.sampled_from(list(mg.WSD_DECAY_STYLES)),
       wsd_frac=st.floats(0.0, 1.0), inc=st.sampled_from([1, 1, 3]))
def test_lr(top, lo, init, w, extra, style, wsd_style, wsd_frac, inc):
    d = w + extra
    cfg = dict(max_lr=top, min_lr=lo * top, init_lr=init * top, lr_warmup_steps=w * inc,
               lr_decay_steps=d * inc, lr_decay_style=style)
    if style == "WSD":
        cfg.update(wsd_decay_steps=int(wsd_frac * extra) * inc, lr_wsd_decay_style=wsd_style)
    n = min(PAD, (d + 20))
    ref = run(n, lambda k: inc, **cfg)
    assert_matches(build(**cfg, increment=inc), ref)


@SET
@given(a=st.floats(0.0, 0.1), extra=st.floats(0.0, 0.2), steps=st.integers(1, 80),
       style=st.sampled_from(mg.WD_INCR_STYLES), inc=st.sampled_from([1, 2]))
def test_weight_decay(a, extra, steps, style, inc):
    b = a if style == "constant" else a + extra
    cfg = dict(start_wd=a, end_wd=b, wd_incr_steps=steps * inc, wd_incr_style=style)
    ref = run(100, lambda k: inc, "wd", max_lr=1.0, lr_decay_steps=10, **cfg)
    s = build("weight_decay", max_lr=1.0, lr_decay_steps=10, increment=inc, **cfg)
    assert_matches(s, ref)


@pytest.mark.parametrize("style,w,start,samples", [
    ("linear", 0, 2, 100), ("cosine", 250, 2, 0), ("inverse-square-root", 0, 4, 333),
    ("inverse-square-root", 37, 2, 95), ("WSD", 100, 2, 250), ("constant", 300, 4, 40)])
def test_sample_based_with_batch_ramp(style, w, start, samples):
    cfg = dict(max_lr=1e-3, min_lr=1e-5, init_lr=1e-6, lr_warmup_steps=w, lr_decay_steps=1500,
               lr_decay_style=style, wsd_decay_steps=500)
    ref = run(PAD, megatron_ramp(start, 2, samples, 8), **cfg)
    ramp = jaxsched.rampup_batch_size(start, 2, samples, 8)
    assert_matches(build(**cfg, batch_sizes=ramp), ref)


def test_hand_derived():
    # linear, W = 2, D = 6, P = 1, m = 0.1: 0, 1/2, 1 (n = W is warmup), then 1 - 0.9 (n - 2)/4
    s = build(max_lr=1.0, min_lr=0.1, lr_warmup_steps=2, lr_decay_steps=6)
    np.testing.assert_allclose(host(s, np.arange(8)), [0, 0.5, 1, 0.775, 0.55, 0.325, 0.1, 0.1])
    # inverse-square-root without warmup, 4 samples per iteration, D = 8 samples:
    # n = 0 -> P sqrt(1)/sqrt(1); n = 4 -> 1/2; n = 8 -> 1/sqrt(8); n = 12 > D -> min_lr
    s = build(max_lr=1.0, lr_decay_steps=8, lr_decay_style="inverse-square-root", increment=4)
    np.testing.assert_allclose(host(s, np.arange(4)), [1, 0.5, 8 ** -0.5, 0])
    # WSD exponential, D = 8, S = 3: max to n = 5; n = 6: 2 * 0.5**(1/3) - 1
    s = build(max_lr=1.0, lr_decay_steps=8, lr_decay_style="WSD", wsd_decay_steps=3)
    np.testing.assert_allclose(host(s, [5, 6, 8, 9]), [1, 2 * 0.5 ** (1 / 3) - 1, 0, 0],
                               atol=1e-15)
    # constant ignores D and min_lr
    s = build(max_lr=0.5, min_lr=0.1, lr_decay_steps=3, lr_decay_style="constant")
    np.testing.assert_allclose(host(s, [0, 10]), [0.5, 0.5])
    # cosine weight-decay increment 0 -> 0.1 over 4: n = 2 is the midpoint 0.05
    s = build("weight_decay", max_lr=1.0, lr_decay_steps=3, start_wd=0.0, end_wd=0.1,
              wd_incr_steps=4, wd_incr_style="cosine")
    np.testing.assert_allclose(host(s, [0, 2, 4, 9]), [0, 0.05, 0.1, 0.1], atol=1e-15)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "params,exc,match",
    [
        (dict(max_lr=1.0, lr_decay_steps=0), ValueError, "lr_decay_steps"),
        (dict(max_lr=1.0, lr_decay_steps=5, lr_warmup_steps=5), ValueError, "lr_warmup_steps"),
        (dict(max_lr=0.1, min_lr=0.2, lr_decay_steps=5), ValueError, "max_lr"),
        (dict(max_lr=1.0, min_lr=-0.1, lr_decay_steps=5), ValueError, "min_lr"),
        (dict(max_lr=1.0, init_lr=2.0, lr_decay_steps=5), ValueError, "init_lr"),
        (dict(max_lr=1.0, lr_decay_steps=5, lr_decay_style="poly"), ValueError, "lr_decay_style"),
        (dict(max_lr=1.0, lr_decay_steps=5, lr_decay_style="WSD"), ValueError, "wsd_decay_steps"),
        (dict(max_lr=1.0, lr_decay_steps=5, lr_warmup_steps=2, lr_decay_style="WSD",
              wsd_decay_steps=4), ValueError, "wsd_decay_steps"),
        (dict(max_lr=1.0, lr_decay_steps=5, lr_decay_style="WSD", wsd_decay_steps=2,
              lr_wsd_decay_style="sqrt"), ValueError, "lr_wsd_decay_style"),
        (dict(max_lr=1.0, lr_decay_steps=5, start_wd=0.0, end_wd=0.1), ValueError, "start_wd"),
        (dict(max_lr=1.0, lr_decay_steps=5, start_wd=0.0, end_wd=0.1, wd_incr_style="linear"),
         ValueError, "wd_incr_steps"),
        (dict(max_lr=1.0, lr_decay_steps=5, start_wd=0.2, end_wd=0.1, wd_incr_style="linear",
              wd_incr_steps=3), ValueError, "end_wd"),
        (dict(max_lr=1.0, lr_decay_steps=5, wd_incr_style="square"), ValueError, "wd_incr_style"),
        (dict(max_lr=1.0, lr_decay_steps=5, increment=0), ValueError, "increment"),
        (dict(max_lr=1.0, lr_decay_steps=5, batch_sizes=[4]), TypeError, "batch_sizes"),
        (dict(max_lr=1.0), ValueError, "missing.*lr_decay_steps"),
    ],
)
def test_bad_input_named(params, exc, match):
    with pytest.raises(exc, match=match):
        build(**params)


def test_bad_hyperparam_named():
    with pytest.raises(ValueError, match="hyperparam"):
        build("momentum", max_lr=1.0, lr_decay_steps=5)


# ------------------------------------------------------------------ native contract
SAMPLES = [
    dict(max_lr=1e-3, min_lr=1e-5, lr_warmup_steps=20, lr_decay_steps=200, lr_decay_style="cosine"),
    dict(max_lr=1e-3, lr_warmup_steps=20, lr_decay_steps=200, lr_decay_style="inverse-square-root"),
    dict(max_lr=1e-3, min_lr=1e-5, lr_decay_steps=200, lr_decay_style="WSD", wsd_decay_steps=60,
         lr_wsd_decay_style="minus_sqrt"),
    dict(max_lr=1e-3, lr_warmup_steps=40, lr_decay_steps=800, increment=4),
]


@pytest.mark.parametrize("params", SAMPLES, ids=["cosine", "isr", "wsd", "samples"])
def test_native_contract(params):
    s = build(**params)
    assert_backends_agree(s)
    assert_config_roundtrip(s)


@pytest.mark.parametrize(
    "kwargs,name,values",
    [
        (dict(max_lr=1e-3, lr_decay_steps=50, lr_decay_style="cosine"), "lr_warmup_steps", [0, 5]),
        (dict(max_lr=1e-3, lr_decay_steps=50, lr_decay_style="inverse-square-root"),
         "lr_warmup_steps", [0, 5]),
        (dict(lr_decay_steps=50, min_lr=1e-5), "max_lr", [1e-3, 1e-2]),
        (dict(max_lr=1e-3, lr_decay_steps=50, lr_decay_style="WSD", wsd_decay_steps=10),
         "min_lr", [0.0, 1e-4]),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_traceable(kwargs, name, values):
    assert_traceable(mg.megatron_optimizer_param_scheduler, kwargs, name, values,
                     counts=np.arange(0, 60, 3))


# ------------------------------------------------------------------ command lines
def test_argument_list_string_and_namespace_load():
    argv = ["--num-layers", "24", "--lr-decay-style", "cosine", "--lr", "3e-4", "--min-lr", "3e-5",
            "--lr-warmup-iters", "20", "--train-iters", "1000", "--global-batch-size", "8",
            "--weight-decay", "0.1"]
    want = build(max_lr=3e-4, min_lr=3e-5, lr_warmup_steps=160, lr_decay_steps=8000,
                 lr_decay_style="cosine", start_wd=0.1, end_wd=0.1, wd_incr_steps=8000,
                 increment=8)
    assert jaxsched.from_config(argv) == want
    assert jaxsched.from_config(" ".join(argv)) == want
    ns = argparse.Namespace(lr_decay_style="cosine", lr=3e-4, min_lr=3e-5, lr_warmup_iters=20,
                            lr_warmup_samples=0, train_iters=1000, train_samples=None,
                            global_batch_size=8, weight_decay=0.1, lr_decay_iters=None,
                            weight_decay_incr_style="constant", start_weight_decay=None,
                            end_weight_decay=None, num_layers=24)
    assert jaxsched.from_config(ns) == want
    ref = run(1001, lambda k: 8, max_lr=3e-4, min_lr=3e-5, lr_warmup_steps=160,
              lr_decay_steps=8000, lr_decay_style="cosine")
    np.testing.assert_allclose(host(want, np.arange(1001)), ref, rtol=1e-12, atol=1e-18)


def test_sample_based_wsd_fraction_and_weight_decay_increment():
    cfg = frameworks.megatron_config(
        "--lr 1e-3 --lr-decay-style WSD --lr-wsd-decay-style linear --lr-wsd-decay-samples 300 "
        "--lr-warmup-fraction 0.013 --train-samples 1200 --global-batch-size 6 "
        "--weight-decay-incr-style linear --start-weight-decay 0.0 --end-weight-decay 0.1")
    p = cfg["params"]
    assert (p["lr_decay_steps"], p["lr_warmup_steps"], p["wsd_decay_steps"], p["wd_incr_steps"],
            p["increment"]) == (1200, 0.013 * 1200, 300, 1200, 6)
    lr = run(210, lambda k: 6, max_lr=1e-3, lr_warmup_steps=0.013 * 1200, lr_decay_steps=1200,
             lr_decay_style="WSD", wsd_decay_steps=300, lr_wsd_decay_style="linear")
    assert_matches(jaxsched.from_config(cfg), lr)
    wd = run(210, lambda k: 6, "wd", max_lr=1e-3, lr_decay_steps=1200, start_wd=0.0, end_wd=0.1,
             wd_incr_steps=1200, wd_incr_style="linear")
    np.testing.assert_allclose(host(jaxsched.from_config(cfg, "weight_decay"), np.arange(210)), wd,
                               rtol=1e-12, atol=1e-15)


def test_rampup_batch_size_flag():
    cfg = frameworks.megatron_config("--lr 1e-3 --lr-warmup-iters 10 --train-iters 100 "
                                     "--global-batch-size 8 --rampup-batch-size 2 2 60")
    ref = run(120, megatron_ramp(2, 2, 60, 8), max_lr=1e-3, lr_warmup_steps=80, lr_decay_steps=800)
    assert_matches(jaxsched.from_config(cfg), ref)


@pytest.mark.parametrize(
    "source,match",
    [
        ("--lr 1e-3 --lr-decay-style cosine --global-batch-size 8", "train-iters"),
        ("--lr 1e-3 --train-iters 10 --train-samples 80 --global-batch-size 8", "train-iters"),
        ("--lr 1e-3 --train-iters 10", "global batch size"),
        ("--lr-decay-style cosine --train-iters 10 --global-batch-size 8", "--lr"),
        ("--lr 1e-3 --train-iters 10 --lr-decay-samples 40 --global-batch-size 8", "lr-decay-samples"),
        ("--lr 1e-3 --train-samples 10 --lr-warmup-iters 4 --global-batch-size 8", "lr-warmup-iters"),
        ("--lr 1e-3 --train-iters 10 --lr-warmup-fraction 0.1 --lr-warmup-iters 2 "
         "--global-batch-size 8", "lr-warmup-fraction"),
        ("--lr 1e-3 --train-iters 10 --weight-decay-incr-style linear --global-batch-size 8",
         "start-weight-decay"),
        ("--lr 1e-3 --train-iters 10 --start-weight-decay 0.1 --global-batch-size 8",
         "weight-decay-incr-style"),
        ("--lr abc --train-iters 10 --global-batch-size 8", "lr"),
    ],
)
def test_bad_command_lines(source, match):
    with pytest.raises(ValueError, match=match):
        jaxsched.from_config(source)


def test_fairseq_command_lines_still_fairseq():
    assert frameworks.is_megatron_args(["--lr-decay-style", "cosine"])
    assert not frameworks.is_megatron_args(["--lr-scheduler", "cosine", "--lr-warmup-init", "0"])
    assert not frameworks.is_megatron_args(["--lr", "0.1"])
    assert jaxsched.from_config(["--lr-scheduler", "inverse_sqrt", "--lr", "5e-4"]).to_config()
