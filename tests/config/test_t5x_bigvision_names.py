"""t5x factor strings and big_vision decay types by name (t5x_names.py, bigvision_names.py).

Neither library installs here usefully (both pull TensorFlow), so the references are float64
restatements written for this test in plain Python from their sources:

- t5x: ``google-research/t5x``, commit ``cc342d419ec3e3e9c4bf1df33c82330cafdc1e16``,
  ``t5x/utils.py``, ``create_learning_rate_scheduler`` (``step_fn``); t5x's trainer evaluates it
  at ``train_state.step`` (update ``k`` uses ``k``).
- big_vision: ``google-research/big_vision``, commit ``11eea5740d595c2104da948849e087a27e92926f``,
  ``big_vision/utils.py``, ``create_learning_rate_schedule`` and ``steps``; its optax wrapper
  evaluates the schedule at optax's count.

Random configurations (hypothesis, few examples) must match within 1e-12 on the NumPy path and
within the float32 rule on the JAX path; a few points are derived by hand.
"""

from __future__ import annotations

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
from jaxsched.config.ecosystem import bigvision_names as bv
from jaxsched.config.ecosystem import t5x_names as tx

PAD = 256
COUNTS = jnp.arange(PAD, dtype=jnp.int32)
SET = settings(max_examples=8, deadline=None)
N = 200


def build(name, **params):
    return jaxsched.from_config({"type": name, "params": params})


def assert_matches(s, ref):
    n = len(ref)
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(host(s, np.arange(n)), ref, rtol=1e-12, atol=1e-12 * peak)
    assert_float32_accurate(s, np.arange(n), np.asarray(jit_eval(s, COUNTS), np.float64)[:n])


# ------------------------------------------------------------------ t5x, restated
def t5x_lr(k, factors="constant * linear_warmup * rsqrt_decay", base_learning_rate=0.5,
           warmup_steps=1000, decay_factor=0.5, steps_per_decay=20000, steps_per_cycle=100000,
           step_offset=0, min_learning_rate=1e-8):
    s = max(0, k - step_offset)
    ret = 1.0
    for name in [n.strip() for n in factors.split("*")]:
        if name == "constant":
            ret *= base_learning_rate
        elif name == "linear_warmup":
            ret *= min(1.0, s / warmup_steps)
        elif name == "linear_decay":
            ret *= base_learning_rate * min(s / warmup_steps, 1.0 + decay_factor * (warmup_steps - s))
        elif name == "rsqrt_decay":
            ret /= math.sqrt(max(s, warmup_steps))
        elif name == "rsqrt_normalized_decay":
            ret *= math.sqrt(warmup_steps)
            ret /= math.sqrt(max(s, warmup_steps))
        elif name == "decay_every":
            ret *= decay_factor ** (s // steps_per_decay)
        elif name == "cosine_decay":
            progress = max(0.0, (s - warmup_steps) / float(steps_per_cycle))
            ret *= max(0.0, 0.5 * (1.0 + math.cos(math.pi * (progress % 1.0))))
        else:
            raise ValueError(name)
    return max(ret, min_learning_rate)


def t5x_ref(n, **kw):
    return np.asarray([t5x_lr(k, **kw) for k in range(n)], np.float64)


def test_t5x_hand_derived():
    # default factors, base 1, W=4: 0 -> floor 1e-8; k/4 / 2 up to 4; 1/sqrt(k) after
    s = build("t5x.create_learning_rate_scheduler", base_learning_rate=1.0, warmup_steps=4)
    np.testing.assert_allclose(host(s, [0, 2, 4, 9, 16]), [1e-8, .25, .5, 1 / 3, .25], rtol=1e-15)
    # linear_decay W=4, d=.25, base 2: base * base-less shape: 2 * 2 * min(s/4, 1 + (4 - s)/4)
    s = build("t5x.create_learning_rate_scheduler", factors="constant * linear_decay",
              base_learning_rate=2.0, warmup_steps=4, decay_factor=0.25, min_learning_rate=0.0)
    np.testing.assert_allclose(host(s, [0, 2, 4, 6, 8, 12]), [0, 2, 4, 2, 0, 0], atol=1e-15)
    # cosine_decay with W=2, cycle 4: 1 before 2, then (1 + cos(pi j / 4)) / 2, restart at 6
    s = build("t5x.create_learning_rate_scheduler", factors="cosine_decay", warmup_steps=2,
              steps_per_cycle=4, min_learning_rate=0.0)
    np.testing.assert_allclose(host(s, [0, 2, 4, 6, 7]), [1, 1, .5, 1, (1 + .5 ** .5) / 2],
                               rtol=1e-15)


FACTOR = st.sampled_from(tx.T5X_FACTORS)


@SET
@given(fs=st.lists(FACTOR, min_size=1, max_size=3), base=st.floats(1e-3, 2.0),
       w=st.integers(1, 60), d=st.floats(0.0, 0.9), per_decay=st.integers(1, 50),
       per_cycle=st.integers(1, 80), off=st.integers(0, 30), lo=st.sampled_from([0.0, 1e-8, 1e-4]))
def test_t5x_random(fs, base, w, d, per_decay, per_cycle, off, lo):
    kw = dict(factors=" * ".join(fs), base_learning_rate=base, warmup_steps=w, decay_factor=d,
              steps_per_decay=per_decay, steps_per_cycle=per_cycle, step_offset=off,
              min_learning_rate=lo)
    assert_matches(build("t5x.create_learning_rate_scheduler", **kw), t5x_ref(N, **kw))


def test_t5x_default_and_long_tail():
    kw = dict(base_learning_rate=1.0, warmup_steps=10_000)
    s = build("t5x.create_learning_rate_scheduler", **kw)
    ks = np.array([0, 1, 5000, 10_000, 10_001, 1_000_000, 2**31 - 1])
    np.testing.assert_allclose(host(s, ks), [t5x_lr(int(k), **kw) for k in ks], rtol=1e-12)


# ------------------------------------------------------------------ big_vision, restated
def bv_steps(prefix, config, data_size=None, batch_size=None, total_steps=None):
    def to_integer(x):
        return max(1, round(x)) if x else 0

    if f"{prefix}_steps" in config:
        return config[f"{prefix}_steps"]
    if batch_size and f"{prefix}_examples" in config:
        return to_integer(config[f"{prefix}_examples"] / batch_size)
    if batch_size and data_size and f"{prefix}_epochs" in config:
        return to_integer(config[f"{prefix}_epochs"] * (data_size / batch_size))
    if total_steps and f"{prefix}_percent" in config:
        return to_integer(config[f"{prefix}_percent"] * total_steps)
    return 0


def bv_lr(step, total_steps, batch_size=None, data_size=None, base=1.0, decay_type="stair",
          scale_with_batchsize=False, **kw):
    warmup = bv_steps("warmup", kw, data_size, batch_size, total_steps)
    cooldown = bv_steps("cooldown", kw, data_size, batch_size, total_steps)
    lr = base * batch_size / 256.0 if scale_with_batchsize else base
    progress = min(max((step - warmup) / float(total_steps - warmup), 0.0), 1.0)
    if decay_type in ("linear", "polynomial"):
        zero = kw.get("end", kw.get("linear_end", 0))
        lr = zero + (lr - zero) * (1.0 - progress) ** kw.get("power", 1)
    elif decay_type == "cosine":
        lr = lr * 0.5 * (1.0 + math.cos(math.pi * progress))
    elif decay_type == "rsqrt":
        if "timescale_examples" in kw:
            t = kw["timescale_examples"] / batch_size
        else:
            t = kw.get("timescale", 10_000)
        shift = kw.get("shift", 0)
        if warmup <= step:
            lr = lr / math.sqrt(1 + (step + shift - warmup) / t)
        else:
            lr = lr / math.sqrt(1 + shift / t)
    else:
        i = sum(1 for b in kw.get("steps", []) if b < step + 1)  # searchsorted(steps, step + 1)
        lr = lr * ([1.0] + list(kw.get("mults", [])))[i]
    if warmup:
        lr = lr * min(1.0, step / warmup)
    if cooldown:
        lr = lr * min(1.0, (total_steps - step) / cooldown)
    return lr


def bv_ref(n, **kw):
    return np.asarray([bv_lr(k, **kw) for k in range(n)], np.float64)


def test_big_vision_hand_derived():
    s = build("big_vision.cosine", total_steps=10, base=2.0, warmup_steps=2)
    np.testing.assert_allclose(host(s, [0, 1, 2, 6, 10]), [0, 1, 2, 1, 0], atol=1e-15)
    # stair: x.1 from step 3, x.01 from 6; cooldown 3 of T=10: k=8 -> .01 * 2/3
    s = build("big_vision.stair", total_steps=10, steps=[3, 6], mults=[.1, .01], cooldown_steps=3)
    np.testing.assert_allclose(host(s, [2, 3, 6, 8, 10]), [1, .1, .01, .01 * 2 / 3, 0], atol=1e-15)
    # rsqrt W=2, timescale 2, shift 2: before W 1/sqrt(2) * k/2; at k=4: 1/sqrt(1 + 4/2)
    s = build("big_vision.rsqrt", total_steps=10, warmup_steps=2, timescale=2, shift=2)
    np.testing.assert_allclose(host(s, [1, 2, 4]), [.5 / 2 ** .5, 1 / 2 ** .5, 1 / 3 ** .5],
                               rtol=1e-15)
    # warmup_percent .25 of 10 -> round(2.5) = 2 (banker's rounding, as big_vision's round)
    s = build("big_vision.linear", total_steps=10, warmup_percent=0.25, linear_end=0.2)
    np.testing.assert_allclose(host(s, [1, 2, 6, 10]), [.5, 1, .6, .2], rtol=1e-15)


@SET
@given(kind=st.sampled_from(bv.DECAY_TYPES), t=st.integers(2, 180), base=st.floats(1e-3, 2.0),
       wfrac=st.floats(0, 0.6), cfrac=st.one_of(st.none(), st.floats(0, 1.3)),
       wkind=st.sampled_from(["steps", "percent", "examples", "epochs"]),
       power=st.floats(0.3, 3.0), end=st.one_of(st.none(), st.floats(0, 0.1)),
       ts=st.floats(1.0, 50.0), shift=st.integers(0, 20), scale=st.booleans(),
       stairs=st.lists(st.integers(0, 200), max_size=4), data=st.data())
def test_big_vision_random(kind, t, base, wfrac, cfrac, wkind, power, end, ts, shift, scale,
                           stairs, data):
    bs, ds = 32, 3200
    w = min(int(wfrac * t), t - 1)
    kw = dict(total_steps=t, base=base, decay_type=kind, batch_size=bs, data_size=ds,
              scale_with_batchsize=scale)
    if wkind == "steps":
        kw["warmup_steps"] = w
    elif wkind == "percent":
        kw["warmup_percent"] = round(w / t, 3)
    elif wkind == "examples":
        kw["warmup_examples"] = w * bs
    else:
        kw["warmup_epochs"] = round(w * bs / ds, 4)
    if bv_steps("warmup", kw, ds, bs, t) >= t:
        return
    if cfrac is not None:
        kw["cooldown_steps"] = int(cfrac * t)
    if kind in ("linear", "polynomial"):
        kw["power"] = power
        if end is not None:
            kw[data.draw(st.sampled_from(["end", "linear_end"]))] = end
    elif kind == "rsqrt":
        kw.update(timescale=ts, shift=shift)
    elif kind == "stair":
        st_ = sorted(stairs)
        kw.update(steps=st_, mults=[round(0.5 ** (i + 1), 6) for i in range(len(st_))])
    name = "big_vision.schedule"
    assert_matches(build(name, **kw), bv_ref(t + 1, **kw))
    one = {k: x for k, x in kw.items() if k != "decay_type"}
    assert build(f"big_vision.{kind}", **one) == build(name, **kw)


# ------------------------------------------------------------------ refusals, contract
@pytest.mark.parametrize(
    "name,params,exc,match",
    [
        ("t5x.create_learning_rate_scheduler", dict(factors="constant * warmup"), ValueError,
         "'warmup'"),
        ("t5x.create_learning_rate_scheduler", dict(factors="constant * "), ValueError, "''"),
        ("t5x.create_learning_rate_scheduler", dict(factors=["constant"]), TypeError, "factors"),
        ("t5x.create_learning_rate_scheduler", dict(warmup_steps=0), ValueError, "warmup_steps"),
        ("t5x.create_learning_rate_scheduler", dict(min_learning_rate=-1.0), ValueError,
         "min_learning_rate"),
        ("t5x.create_learning_rate_scheduler", dict(steps_per_cycle=0), ValueError,
         "steps_per_cycle"),
        ("t5x.create_learning_rate_scheduler", dict(decay_factor=-0.5), ValueError, "decay_factor"),
        ("t5x.create_learning_rate_scheduler", dict(lr=0.1), Exception, "lr"),
        ("big_vision.schedule", dict(total_steps=10, decay_type="cos"),
         ValueError, "decay_type"),
        ("big_vision.cosine", dict(total_steps=10, warmup_steps=10), ValueError, "warmup_steps"),
        ("big_vision.cosine", dict(total_steps=0), ValueError, "total_steps"),
        ("big_vision.cosine", dict(total_steps=10, warmup_steps=2, warmup_percent=0.1), ValueError,
         "warmup_percent"),
        ("big_vision.cosine", dict(total_steps=10, warmup_examples=64), ValueError, "batch_size"),
        ("big_vision.cosine", dict(total_steps=10, cooldown_percent=1.5), ValueError,
         "cooldown_percent"),
        ("big_vision.stair", dict(total_steps=10, steps=[5, 2], mults=[.1, .01]), ValueError,
         "steps"),
        ("big_vision.stair", dict(total_steps=10, steps=[5], mults=[.1, .01]), ValueError, "mults"),
        ("big_vision.rsqrt", dict(total_steps=10, timescale=0), ValueError, "timescale"),
        ("big_vision.rsqrt", dict(total_steps=10, shift=-1), ValueError, "shift"),
        ("big_vision.linear", dict(total_steps=10, power=-1.0), ValueError, "power"),
        ("big_vision.cosine", dict(total_steps=10, scale_with_batchsize=True), ValueError,
         "batch_size"),
        ("big_vision.cosine", dict(total_steps=10, power=2.0), Exception, "power"),
    ],
)
def test_bad_input_named(name, params, exc, match):
    with pytest.raises(exc, match=match):
        build(name, **params)


SAMPLES = [
    ("t5x.create_learning_rate_scheduler", dict(base_learning_rate=1.0, warmup_steps=40)),
    ("t5x.create_learning_rate_scheduler", dict(factors="constant*linear_decay*cosine_decay",
                                                warmup_steps=30, decay_factor=1e-3,
                                                steps_per_cycle=70, step_offset=5)),
    ("big_vision.cosine", dict(total_steps=300, base=1e-3, warmup_steps=30, cooldown_steps=40)),
    ("big_vision.rsqrt", dict(total_steps=300, base=1e-3, warmup_steps=30, timescale=50)),
    ("big_vision.stair", dict(total_steps=300, steps=[100, 200], mults=[.1, .01])),
]


@pytest.mark.parametrize("name,params", SAMPLES, ids=[n for n, _ in SAMPLES])
def test_native_contract(name, params):
    s = build(name, **params)
    assert_backends_agree(s)
    assert_config_roundtrip(s)


@pytest.mark.parametrize(
    "fn,kwargs,name,values",
    [
        (tx.t5x_create_learning_rate_scheduler, dict(warmup_steps=10), "base_learning_rate",
         [0.5, 1.0]),
        (tx.t5x_create_learning_rate_scheduler, dict(factors="constant * linear_decay"),
         "decay_factor", [0.01, 0.05]),
        (bv.big_vision_create_learning_rate_schedule, dict(total_steps=50, decay_type="cosine",
                                                           warmup_steps=5), "base", [0.1, 1.0]),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_traceable(fn, kwargs, name, values):
    assert_traceable(fn, kwargs, name, values, counts=np.arange(0, 60, 3))
