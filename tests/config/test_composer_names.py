"""Composer's schedulers (``composer.*``) against a float64 restatement of Composer.

mosaicml (Composer) pins torch and many extras and does not install sensibly here, so the
reference is a re-statement, written for this test in plain Python, of ``mosaicml/composer`` at
commit ``6405188805a0054b4551ec49e4919c54c971d0e8``: ``composer/optim/scheduler.py`` (every
scheduler's ``__call__``, ``_convert_time``, ``_cosine_anneal``, the warmup checks),
``composer/core/time.py`` (``Time.from_timestring``) and ``composer/trainer/trainer.py`` (the
``LambdaLR`` of ``compile_composer_scheduler`` built at timestamp 0; ``scheduler.step()`` after
each batch, *before* ``timestamp.to_next_batch``; with ``step_schedulers_every_batch=False``,
``scheduler.step()`` at each epoch's end, *after* the last batch's ``to_next_batch`` and before
``to_next_epoch``; ``_scale_max_duration_by_ssr``). A few points are derived by hand in
``test_hand_derived``.
"""

from __future__ import annotations

import math
import re

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
from jaxsched.config.units import Timeline

PAD = 256
COUNTS = jnp.arange(PAD, dtype=jnp.int32)
SET = settings(max_examples=6, deadline=None)


def build(name, **params):
    return jaxsched.from_config({"type": "composer." + name, "params": params})


def assert_matches(s, ref):
    n = len(ref)
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(host(s, np.arange(n)), ref, rtol=1e-12, atol=1e-12 * peak)
    assert_float32_accurate(s, np.arange(n), np.asarray(jit_eval(s, COUNTS), np.float64)[:n])


# ------------------------------------------------------------------ Composer, restated
def tstr(t):
    """Time.from_timestring: (value, unit); an int is taken as batches for these tests."""
    if isinstance(t, int):
        return (t, "ba")
    m = re.match(r"^(.+)(ep|ba|sp|tok|dur)$", t)
    value, unit = float(m.group(1)), m.group(2)
    return (value if unit == "dur" else int(value), unit)


class State:
    def __init__(self, max_duration, dataloader_len=None, sp=1, tok=1):
        self.max_duration, self.dataloader_len, self.per = max_duration, dataloader_len, {
            "ba": 1, "sp": sp, "tok": tok}
        self.batch = 0

    def now(self, unit):  # state.timestamp.get(unit)
        return self.batch * self.per[unit]


def convert(t, s, ssr=1.0):
    value, unit = tstr(t)
    if unit == "dur":
        mv, mu = s.max_duration
        if mu == "ep":
            return (int(value * int(s.dataloader_len) * mv), "ba")
        return (int(value * mv), mu)
    if unit == "ep":
        value, unit = value * int(s.dataloader_len), "ba"
    return (int(value * ssr), unit)


def anneal(x, min_y=0.0, max_y=1.0):
    x = min(max(x, 0.0), 1.0)
    return min_y + (max_y - min_y) * (1 + math.cos(x * math.pi)) / 2


def step_s(step_size, gamma=0.1):
    def f(s, ssr=1.0):
        size = convert(step_size, s, ssr)
        return gamma ** int(s.now(size[1]) / size[0])
    return f


def multistep_s(milestones, gamma=0.1):
    def f(s, ssr=1.0):
        out = 1.0
        for m in milestones:
            mv, mu = convert(m, s, ssr)
            if s.now(mu) >= mv:
                out *= gamma
        return out
    return f


def constant_s(alpha=1.0, t_max="1dur"):
    def f(s, ssr=1.0):
        tv, tu = convert(t_max, s, ssr)
        return alpha if s.now(tu) < tv else 1.0
    return f


def linear_s(alpha_i=1.0, alpha_f=0.0, t_max="1dur"):
    def f(s, ssr=1.0):
        tv, tu = convert(t_max, s, ssr)
        frac = min(1.0, s.now(tu) / tv)
        return alpha_i + frac * (alpha_f - alpha_i)
    return f


def exponential_s(gamma, decay_period="1ep"):
    def f(s, ssr=1.0):
        pv, pu = convert(decay_period, s, ssr)
        return gamma ** float(s.now(pu) / pv)
    return f


def cosine_s(t_max="1dur", alpha_f=0.0):
    def f(s, ssr=1.0):
        tv, tu = convert(t_max, s, ssr)
        return anneal(s.now(tu) / tv, alpha_f)
    return f


def restarts_s(t_0, t_mult=1.0, alpha_f=0.0):
    def f(s, ssr=1.0):
        lv, unit = convert(t_0, s, ssr)
        length, end = lv, lv
        while end <= s.now(unit):
            if length == 0:
                raise ValueError("Interval between restarts ... has decayed to 0.")
            length = int(t_mult * length)
            end += length
        return anneal((s.now(unit) - (end - length)) / length, alpha_f)
    return f


def polynomial_s(power, t_max="1dur", alpha_f=0.0):
    def f(s, ssr=1.0):
        tv, tu = convert(t_max, s, ssr)
        frac = min(1.0, s.now(tu) / tv)
        return alpha_f + (1 - frac) ** power * (1.0 - alpha_f)
    return f


def _check_max(t_max, s):
    tv, tu = t_max
    mv, mu = s.max_duration
    if tu == mu and tv < mv:
        raise ValueError("t_max < max_duration")
    if tu == "ba" and mu == "ep" and tv < mv * s.dataloader_len:
        raise ValueError("t_max < max_duration")


def warmup_s(kind, t_warmup, t_max="1dur", scale_warmup=False, alpha_i=1.0, alpha_f=0.0,
             power=2.0, milestones=(), gamma=0.1):
    top = alpha_i if kind == "linear" else 1.0
    ramp = linear_s(0.0, top, t_warmup)

    def f(s, ssr=1.0):
        tw = convert(t_warmup, s)
        if kind != "multistep":
            tm = convert(t_max, s, ssr)
            assert tw[1] == tm[1]
            _check_max(tm, s)
        if s.now(tw[1]) < tw[0]:
            return ramp(s, ssr) if scale_warmup else ramp(s)
        if kind == "multistep":
            return multistep_s(milestones, gamma)(s, ssr)
        frac = (s.now(tw[1]) - tw[0]) / (tm[0] - tw[0]) if tm[0] > tw[0] else 0.0
        frac = min(1.0, frac)
        if kind == "linear":
            return alpha_i + frac * (alpha_f - alpha_i)
        if kind == "cosine":
            return anneal(frac, alpha_f)
        return alpha_f + (1 - frac) ** power * (1.0 - alpha_f)
    return f


def run(sched, n, max_duration, lr=1.0, dataloader_len=None, sp=1, tok=1, ssr=1.0):
    """The lr of batches 0..n-1 under Composer's trainer loop."""
    mv, mu = tstr(max_duration)
    s = State((mv * ssr, mu), dataloader_len, sp, tok)  # _scale_max_duration_by_ssr
    lam = (lambda: sched(s)) if ssr == 1.0 else (lambda: sched(s, ssr))
    current = lam()  # LambdaLR at construction, timestamp 0
    out = []
    for k in range(n):
        out.append(lr * current)
        current = lam()  # scheduler.step() before to_next_batch
        s.batch = k + 1
    return np.array(out)


def run_epochs(sched, n, max_duration, lr=1.0, dataloader_len=1, sp=1, tok=1):
    """The lr of batches 0..n-1 when the trainer steps the scheduler only at epoch ends."""
    mv, mu = tstr(max_duration)
    s = State((mv, mu), dataloader_len, sp, tok)
    current = sched(s)  # LambdaLR at construction, timestamp 0
    out = []
    for k in range(n):
        out.append(lr * current)
        s.batch = k + 1  # to_next_batch
        if (k + 1) % dataloader_len == 0:
            current = sched(s)  # scheduler.step() at the epoch's end, then to_next_epoch
    return np.array(out)


# ------------------------------------------------------------------ parity
CTX = st.fixed_dictionaries({"spe": st.integers(1, 12), "sp": st.integers(1, 9),
                             "tok": st.integers(1, 40), "lr": st.floats(1e-4, 1.0)})


def time_in(unit, lo, hi):
    if unit == "dur":
        return st.floats(lo / 100, hi / 100).map(lambda x: f"{x}dur")
    return st.integers(lo, hi).map(lambda x: f"{x}{unit}")


UNIT = st.sampled_from(["ba", "ep", "sp", "tok", "dur"])


def scaled(unit, c, n):
    """A size of about ``n`` batches in ``unit`` (epochs: n / spe, samples: n * sp, ...)."""
    return {"ba": n, "ep": max(1, n // c["spe"]), "sp": n * c["sp"], "tok": n * c["tok"],
            "dur": n}[unit]


def params_of(c, ssr=1.0):
    return dict(lr=c["lr"], max_duration="100ba", steps_per_epoch=c["spe"],
                samples_per_batch=c["sp"], tokens_per_batch=c["tok"], ssr=ssr)


def reference(sched, c, ssr=1.0, n=130, max_duration="100ba"):
    return run(sched, n, max_duration, c["lr"], c["spe"], c["sp"], c["tok"], ssr)


def a_time(draw, c, lo, hi):
    unit = draw(UNIT)
    if unit == "dur":
        return f"{draw(st.floats(lo / 100, hi / 100))}dur"
    return f"{draw(st.integers(scaled(unit, c, lo), scaled(unit, c, hi)))}{unit}"


@SET
@given(c=CTX, data=st.data(), ssr=st.sampled_from([1.0, 1.0, 0.5, 1.3]))
def test_single_time_schedulers(c, data, ssr):
    t = a_time(data.draw, c, 5, 60)
    gamma, a, b = data.draw(st.floats(0.1, 0.99)), data.draw(st.floats(0, 1)), data.draw(st.floats(0, 1))
    power = data.draw(st.floats(0.5, 3.0))
    p = params_of(c, ssr)
    cases = [
        ("StepScheduler", dict(step_size=t, gamma=gamma), step_s(t, gamma)),
        ("ConstantScheduler", dict(alpha=a, t_max=t), constant_s(a, t)),
        ("LinearScheduler", dict(alpha_i=a, alpha_f=b, t_max=t), linear_s(a, b, t)),
        ("ExponentialScheduler", dict(gamma=gamma, decay_period=t), exponential_s(gamma, t)),
        ("CosineAnnealingScheduler", dict(t_max=t, alpha_f=a), cosine_s(t, a)),
        ("PolynomialScheduler", dict(power=power, t_max=t, alpha_f=a), polynomial_s(power, t, a)),
        ("CosineAnnealingWarmRestartsScheduler", dict(t_0=t, t_mult=2.0, alpha_f=a),
         restarts_s(t, 2.0, a)),
    ]
    for name, kw, sched in cases:
        assert_matches(build(name, **kw, **p), reference(sched, c, ssr))


@SET
@given(c=CTX, data=st.data(), ssr=st.sampled_from([1.0, 1.0, 0.5, 0.7]),
       scale_warmup=st.booleans())
def test_warmup_schedulers(c, data, ssr, scale_warmup):
    unit = data.draw(st.sampled_from(["ba", "sp", "tok", "dur"]))
    w = data.draw(st.integers(0, 40))
    tw = f"{w / 100}dur" if unit == "dur" else f"{scaled(unit, c, w)}{unit}"
    tm = "1dur" if unit == "dur" else f"{math.ceil(scaled(unit, c, 100) / ssr)}{unit}"
    a, b, power = data.draw(st.floats(0, 1)), data.draw(st.floats(0, 1)), data.draw(st.floats(0.5, 3))
    p = params_of(c, ssr)
    common = dict(t_warmup=tw, scale_warmup=scale_warmup)
    cases = [
        ("LinearWithWarmupScheduler", dict(alpha_i=a, alpha_f=b, t_max=tm),
         warmup_s("linear", tw, tm, scale_warmup, alpha_i=a, alpha_f=b)),
        ("ConstantWithWarmupScheduler", dict(alpha=a, t_max=tm),
         warmup_s("linear", tw, tm, scale_warmup, alpha_i=a, alpha_f=a)),
        ("CosineAnnealingWithWarmupScheduler", dict(alpha_f=a, t_max=tm),
         warmup_s("cosine", tw, tm, scale_warmup, alpha_f=a)),
        ("PolynomialWithWarmupScheduler", dict(alpha_f=a, t_max=tm, power=power),
         warmup_s("poly", tw, tm, scale_warmup, alpha_f=a, power=power)),
    ]
    for name, kw, sched in cases:
        assert_matches(build(name, **kw, **common, **p), reference(sched, c, ssr))


@SET
@given(c=CTX, data=st.data(), gamma=st.floats(0.1, 0.9), scale_warmup=st.booleans(),
       ssr=st.sampled_from([1.0, 0.5]))
def test_multistep(c, data, gamma, scale_warmup, ssr):
    ms = [a_time(data.draw, c, 0, 90) for _ in range(data.draw(st.integers(0, 4)))]
    p = params_of(c, ssr)
    assert_matches(build("MultiStepScheduler", milestones=ms, gamma=gamma, **p),
                   reference(multistep_s(ms, gamma), c, ssr))
    tw = a_time(data.draw, c, 0, 40)
    assert_matches(build("MultiStepWithWarmupScheduler", t_warmup=tw, milestones=ms, gamma=gamma,
                         scale_warmup=scale_warmup, **p),
                   reference(warmup_s("multistep", tw, scale_warmup=scale_warmup, milestones=ms,
                                      gamma=gamma), c, ssr))


@SET
@given(c=CTX, t0=st.integers(1, 9), t_mult=st.one_of(st.floats(1.01, 2.6), st.floats(0.5, 0.99)),
       a=st.floats(0, 1), per_epoch=st.booleans())
def test_restarts_non_integer_t_mult(c, t0, t_mult, a, per_epoch):
    p = dict(params_of(c), step_schedulers_every_batch=not per_epoch)
    sched = restarts_s(f"{t0}ba", t_mult, a)
    try:  # the 100 batches of the run, with every evaluation Composer makes
        ref = (run_epochs(sched, 100, "100ba", c["lr"], c["spe"]) if per_epoch
               else run(sched, 100, "100ba", c["lr"]))
    except ValueError:  # the cycles shrink to 0 within the run: Composer raises, so do we
        with pytest.raises(ValueError, match="t_mult"):
            build("CosineAnnealingWarmRestartsScheduler", t_0=f"{t0}ba", t_mult=t_mult,
                  alpha_f=a, **p)
        return
    s = build("CosineAnnealingWarmRestartsScheduler", t_0=f"{t0}ba", t_mult=t_mult, alpha_f=a, **p)
    assert_matches(s, ref)


@SET
@given(c=CTX, data=st.data())
def test_per_epoch_stepping(c, data):
    """step_schedulers_every_batch=False: each epoch uses f at its first batch, no lag."""
    t = a_time(data.draw, c, 5, 60)
    tw = a_time(data.draw, c, 1, 20)
    a = data.draw(st.floats(0, 1))
    p = dict(params_of(c), step_schedulers_every_batch=False)
    cases = [
        ("StepScheduler", dict(step_size=t, gamma=0.5), step_s(t, 0.5)),
        ("LinearScheduler", dict(alpha_f=a, t_max=t), linear_s(1.0, a, t)),
        ("CosineAnnealingScheduler", dict(t_max=t, alpha_f=a), cosine_s(t, a)),
    ]
    if tstr(tw)[1] in ("ba", "ep", "dur"):
        cases.append(("CosineAnnealingWithWarmupScheduler", dict(t_warmup=tw, alpha_f=a),
                      warmup_s("cosine", tw, alpha_f=a)))
    for name, kw, sched in cases:
        ref = run_epochs(sched, 130, "100ba", c["lr"], c["spe"], c["sp"], c["tok"])
        assert_matches(build(name, **kw, **p), ref)


def test_epoch_max_duration():
    c = dict(spe=7, sp=3, tok=5, lr=0.1)
    p = dict(params_of(c), max_duration="12ep")
    ref = run(warmup_s("cosine", "0.1dur", "1dur", alpha_f=0.1), 100, "12ep", 0.1, 7)
    assert_matches(build("CosineAnnealingWithWarmupScheduler", t_warmup="0.1dur", alpha_f=0.1,
                         **p), ref)


def test_hand_derived():
    # batch k uses f(max(k - 1, 0)): LinearScheduler 1 -> 0 over 4 batches
    s = build("LinearScheduler", t_max="4ba", max_duration="4ba")
    np.testing.assert_allclose(host(s, np.arange(7)), [1, 1, 0.75, 0.5, 0.25, 0, 0])
    # Constant: alpha = 0.5 before t_max = 2 batches, then 1.0 (not alpha)
    s = build("ConstantScheduler", alpha=0.5, t_max="2ba")
    np.testing.assert_allclose(host(s, np.arange(5)), [0.5, 0.5, 0.5, 1, 1])
    # tokens: 10 tokens per batch, a 25-token step size: batch 4 sees 30 tokens -> one decay
    s = build("StepScheduler", step_size="25tok", gamma=0.5, tokens_per_batch=10)
    np.testing.assert_allclose(host(s, np.arange(6)), [1, 1, 1, 1, 0.5, 0.5])
    # epochs: 3 batches per epoch; "1ep" with ssr 2 is 6 batches, max_duration 4ep -> 8ep
    s = build("CosineAnnealingScheduler", t_max="1ep", steps_per_epoch=3, ssr=2.0,
              max_duration="4ep")
    np.testing.assert_allclose(host(s, [1, 4, 7]), [1, 0.5, 0], atol=1e-15)
    # scale_warmup with ssr 0.5: the ramp tops out at 2 of the 4 warmup batches
    s = build("CosineAnnealingWithWarmupScheduler", t_warmup="4ba", t_max="20ba", ssr=0.5,
              max_duration="20ba", scale_warmup=True)
    np.testing.assert_allclose(host(s, [1, 2, 3, 4, 5]), [0, 0.5, 1, 1, 1])
    # t_mult 1.5, t_0 4: cycles of 4, int(6.0) = 6, int(9.0) = 9 batches, restarts at 4, 10, 19;
    # batch k uses f(k - 1): batches 5, 11, 20 start a cycle at 1; batch 8 is f(7) = cos(pi 3/6)
    s = build("CosineAnnealingWarmRestartsScheduler", t_0="4ba", t_mult=1.5, max_duration="30ba")
    np.testing.assert_allclose(host(s, [4, 5, 8, 11, 20]), [(1 + math.cos(math.pi * 3 / 4)) / 2,
                                                            1, 0.5, 1, 1], atol=1e-15)
    # per-epoch: 4 batches an epoch, warmup 1ep of 5ep: epoch 0 f(0) = 0, epoch 1 f(4) = 1,
    # epoch 2 f(8) = (1 + cos(pi 4/16)) / 2
    s = build("CosineAnnealingWithWarmupScheduler", t_warmup="1ep", max_duration="5ep",
              steps_per_epoch=4, step_schedulers_every_batch=False)
    np.testing.assert_allclose(host(s, [0, 3, 4, 7, 8, 11]),
                               [0, 0, 1, 1, (1 + 0.5 ** 0.5) / 2, (1 + 0.5 ** 0.5) / 2], rtol=1e-15)


def test_timeline_supplies_the_state():
    tl = Timeline(steps_per_epoch=5, total_steps=40, tokens_per_step=64)
    cfg = {"type": "composer.CosineAnnealingWithWarmupScheduler",
           "params": {"t_warmup": "1ep", "alpha_f": 0.1}}
    got = jaxsched.from_config(cfg, timeline=tl)
    assert got == build("CosineAnnealingWithWarmupScheduler", t_warmup="1ep", alpha_f=0.1,
                        steps_per_epoch=5, max_duration="40ba", tokens_per_batch=64)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "name,params,exc,match",
    [
        ("StepScheduler", dict(step_size="0ba"), ValueError, "step_size"),
        ("StepScheduler", dict(step_size="1.5ba"), ValueError, "step_size.*whole"),
        ("StepScheduler", dict(step_size="2ep"), ValueError, "steps_per_epoch"),
        ("StepScheduler", dict(step_size="20tok"), ValueError, "tokens_per_batch"),
        ("StepScheduler", dict(step_size="20sec"), ValueError, "step_size"),
        ("StepScheduler", dict(step_size="abc"), ValueError, "step_size"),
        ("StepScheduler", dict(step_size=2.5), TypeError, "step_size"),
        ("LinearScheduler", dict(), ValueError, "max_duration"),
        ("LinearScheduler", dict(t_max="0ba"), ValueError, "t_max"),
        ("CosineAnnealingWarmRestartsScheduler", dict(t_0="5ba", t_mult=0.5, max_duration="20ba"),
         ValueError, "t_mult.*0"),
        ("CosineAnnealingWarmRestartsScheduler", dict(t_0="200ba", t_mult=1.01), ValueError,
         "256 cycles"),
        ("CosineAnnealingWarmRestartsScheduler", dict(t_0="5ba", t_mult=-1.0), ValueError, "t_mult"),
        ("LinearScheduler", dict(t_max="5ba", step_schedulers_every_batch=False), ValueError,
         "steps_per_epoch"),
        ("LinearScheduler", dict(t_max="5ba", step_schedulers_every_batch="no"), TypeError,
         "step_schedulers_every_batch"),
        ("CosineAnnealingWithWarmupScheduler", dict(t_warmup="5ba", t_max="100tok",
                                                     max_duration="10ba", tokens_per_batch=4),
         ValueError, "same units"),
        ("CosineAnnealingWithWarmupScheduler", dict(t_warmup="5ba", t_max="8ba",
                                                     max_duration="10ba"), ValueError, "t_max"),
        ("LinearWithWarmupScheduler", dict(t_warmup="5ba", max_duration="0ba"), ValueError,
         "max_duration"),
        ("MultiStepScheduler", dict(milestones="5ba"), TypeError, "milestones"),
        ("LinearScheduler", dict(t_max="5ba", ssr=0.0), ValueError, "ssr"),
    ],
)
def test_bad_input_named(name, params, exc, match):
    with pytest.raises(exc, match=match):
        build(name, **params)


# ------------------------------------------------------------------ native contract
SAMPLES = [
    ("CosineAnnealingWithWarmupScheduler", dict(t_warmup="10ba", max_duration="200ba", alpha_f=0.1,
                                                lr=1e-3)),
    ("LinearWithWarmupScheduler", dict(t_warmup="640tok", max_duration="12800tok", tokens_per_batch=64)),
    ("MultiStepWithWarmupScheduler", dict(t_warmup="1ep", milestones=["3ep", "150ba"],
                                          steps_per_epoch=20)),
    ("CosineAnnealingWarmRestartsScheduler", dict(t_0="30ba", t_mult=1.0)),
]


@pytest.mark.parametrize("name,params", SAMPLES, ids=[n for n, _ in SAMPLES])
def test_native_contract(name, params):
    s = build(name, **params)
    assert_backends_agree(s)
    assert_config_roundtrip(s)


@pytest.mark.parametrize(
    "fn,kwargs,name,values",
    [
        ("composer_cosine_annealing_with_warmup", dict(t_warmup="5ba", max_duration="50ba"),
         "alpha_f", [0.0, 0.2]),
        ("composer_linear", dict(t_max="30ba"), "lr", [1e-3, 1e-2]),
        ("composer_multi_step_with_warmup", dict(t_warmup="4ba", milestones=["20ba", "40ba"]),
         "gamma", [0.1, 0.5]),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_traceable(fn, kwargs, name, values):
    from jaxsched.config.ecosystem import composer_names

    assert_traceable(getattr(composer_names, fn), kwargs, name, values, counts=np.arange(0, 60, 3))


# ------------------------------------------------------------------ whole configs
def test_llm_foundry_yaml_loads(tmp_path):
    text = ("max_seq_len: 128\nglobal_train_batch_size: 8\nmax_duration: 204800tok\n"
            "optimizer:\n  name: decoupled_adamw\n  lr: 6.0e-4\n"
            "scheduler:\n  name: cosine_with_warmup\n  t_warmup: 2048tok\n  alpha_f: 0.1\n")
    path = tmp_path / "mpt.yaml"
    path.write_text(text)
    want = build("CosineAnnealingWithWarmupScheduler", t_warmup="2048tok", alpha_f=0.1,
                 max_duration="204800tok", samples_per_batch=8, tokens_per_batch=1024, lr=6e-4)
    assert jaxsched.from_config(str(path)) == want
    # 2048 tokens are 2 batches of 1024: batch 2 (lagged: timestamp 1) is at half the ramp
    np.testing.assert_allclose(host(want, [0, 2, 3]), [0, 3e-4, 6e-4], rtol=1e-12)
    with pytest.raises(ValueError, match="cosine_with_warmup"):
        jaxsched.from_config({"max_duration": "1ep", "scheduler": {"name": "inv_sqrt_with_warmup"}})
