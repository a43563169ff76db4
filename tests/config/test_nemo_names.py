"""NeMo's scheduler names (``nemo.<Name>``) and NeMo ``optim`` blocks, against NeMo.

nemo_toolkit does not install here sensibly, so the reference is a float64 re-statement, written
for this test in plain Python, of ``NVIDIA/NeMo`` at commit
``8cfedd7203462cb251a914e700e5605444277561``: ``nemo/core/optim/lr_scheduler.py`` (each class's
``__init__`` resolution of warmup/hold/constant steps and its ``get_lr``), with the torch
``_LRScheduler`` convention NeMo relies on (``get_lr`` at ``last_epoch = k`` is what update ``k``
uses: written at construction for ``k = 0``, then after each ``step()``), and
``nemo/core/classes/modelPT.py`` / ``prepare_lr_scheduler`` for the ``optim`` block
(``trainer.max_steps`` overriding ``sched.max_steps``). A few points are derived by hand in
``test_hand_derived``.
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
from jaxsched.config import frameworks
from jaxsched.config.ecosystem import nemo_names as nm

PAD = 512
COUNTS = jnp.arange(PAD, dtype=jnp.int32)


def build(name, **params):
    return jaxsched.from_config({"type": "nemo." + name, "params": params})


def assert_matches(s, ref):
    n = len(ref)
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(host(s, np.arange(n)), ref, rtol=1e-12, atol=1e-12 * peak)
    assert_float32_accurate(s, np.arange(n), np.asarray(jit_eval(s, COUNTS), np.float64)[:n])


# ------------------------------------------------------------------ NeMo, restated
def _resolve(steps, ratio, m):
    return steps if steps is not None else (int(ratio * m) if ratio is not None else 0)


def nemo_lr(name, k, lr, max_steps=None, min_lr=0.0, warmup_steps=None, warmup_ratio=None,
            hold_steps=None, hold_ratio=None, constant_steps=None, constant_ratio=None,
            d_model=None, decay_rate=0.5, power=1.0, cycle=False):
    """get_lr()[0] of NeMo's ``name`` at ``last_epoch = k`` (one group, base lr ``lr``)."""
    m = max_steps
    w = _resolve(warmup_steps, warmup_ratio, m)
    if name == "NoamAnnealing":
        s = max(1, k)
        mult = d_model ** -0.5 * (min(s ** -0.5, s * w ** -1.5) if w > 0 else s ** -0.5)
        out = lr * mult
        return max(out, min_lr) if s > w else out
    if name == "T5InverseSquareRootAnnealing":
        c = constant_steps
        if k <= c:
            return 1 / c ** 0.5
        return min_lr if k > m else 1 / k ** 0.5
    if name == "CosineAnnealing":
        c = _resolve(constant_steps, constant_ratio, m)
        d = m - (c + w)

        def megatron(step):
            if w > 0 and step <= w:
                return lr * float(step) / float(w)
            if step > w + d:
                return min_lr
            return min_lr + 0.5 * (math.cos(math.pi * (step - w) / d) + 1.0) * (lr - min_lr)

        if w > 0 and k <= w:
            return lr * (k + 1) / (w + 1) if c == 0 else megatron(k)
        if c > 0 and w + d < k <= m:
            return megatron(k)
        if k > m:
            return min_lr
        if c == 0:
            return (lr - min_lr) * 0.5 * (1 + math.cos(math.pi * (k - w) / (m - w))) + min_lr
        return megatron(k)
    held = name in ("WarmupHoldPolicy", "NoamHoldAnnealing", "PolynomialHoldDecayAnnealing")
    hh = 0
    if held:
        if hold_steps is not None:
            hh = hold_steps + w
        elif hold_ratio is not None:
            hh = int(hold_ratio * m) + w
    if k <= w and w > 0:
        return lr * (k + 1) / (w + 1)
    if held and w <= k < hh:
        return lr
    if m is not None and k > m:
        return min_lr
    if name in ("WarmupPolicy", "WarmupHoldPolicy"):
        return lr
    if name == "SquareAnnealing":
        return max(lr * ((m - w - (k - w)) / (m - w)) ** 2, min_lr)
    if name == "SquareRootAnnealing":
        return max(lr * ((m - k) / m) ** 0.5, min_lr)
    if name == "WarmupAnnealing":
        return min_lr + (1 - (k - w) / (m - w)) * (lr - min_lr)
    if name == "InverseSquareRootAnnealing":
        return lr / ((k + 1) / (w + 1)) ** 0.5
    if name == "NoamHoldAnnealing":
        hold = hh - w if hh > 0 else 0
        out = lr * max(1, w ** decay_rate) / max(1, (k - hold) ** decay_rate)
        return max(out, min_lr)
    if name in ("PolynomialDecayAnnealing", "PolynomialHoldDecayAnnealing"):
        if name == "PolynomialDecayAnnealing":
            step, ds = k - w, m - w
        else:
            step, ds = k - hh, m - max(w, hh)
        if cycle:
            ds *= 1.0 if step == 0 else math.ceil(step / ds)
        else:
            step = min(step, ds)
        return (lr - min_lr) * math.pow(1.0 - step / ds, power) + min_lr
    raise AssertionError(name)


def reference(name, n, **kw):
    return np.asarray([nemo_lr(name, k, **kw) for k in range(n)], np.float64)


# ------------------------------------------------------------------ hand-derived points
def test_hand_derived():
    # WarmupPolicy W=3, M=6: 1/4, 2/4, 3/4, 1, 1, 1, 1, then min_lr 0 from step 7
    s = build("WarmupPolicy", warmup_steps=3, max_steps=6)
    np.testing.assert_allclose(host(s, np.arange(9)), [.25, .5, .75, 1, 1, 1, 1, 0, 0])
    # CosineAnnealing W=1, M=5, min .1: .5, 1, then .1 + .9 (1 + cos(pi j/4))/2: j=2 -> .55
    s = build("CosineAnnealing", warmup_steps=1, max_steps=5, min_lr=0.1)
    np.testing.assert_allclose(host(s, [0, 1, 3, 5, 6]), [.5, 1, .55, .1, .1], rtol=1e-14)
    # with constant_steps=2 (Megatron's form): W=2, D = 8 - 2 - 2 = 4: 0, .5, 1, cos..., .1 from 6
    s = build("CosineAnnealing", warmup_steps=2, max_steps=8, constant_steps=2, min_lr=0.1)
    np.testing.assert_allclose(host(s, [0, 1, 2, 4, 6, 7, 9]), [0, .5, 1, .55, .1, .1, .1], rtol=1e-14)
    # NoamAnnealing d=4, W=4, lr 2: peak 2 * 4**-.5 * 4**-.5 = .5 at 4; step 1 (and 0): .125; 16: .25
    s = build("NoamAnnealing", d_model=4, warmup_steps=4, lr=2.0)
    np.testing.assert_allclose(host(s, [0, 1, 2, 4, 16]), [.125, .125, .25, .5, .25])
    # T5: C=4: 1/2 up to 4, 1/sqrt(k) after, min_lr .01 after M=16
    s = build("T5InverseSquareRootAnnealing", constant_steps=4, max_steps=16, min_lr=0.01, lr=9.0)
    np.testing.assert_allclose(host(s, [0, 4, 9, 16, 17]), [.5, .5, 1 / 3, .25, .01])
    # NoamHold W=1, H=2, r=1, lr 1: .5, 1, 1, 1 (k=3 = W+H), then 1/(k - 2): k=4 -> .5
    s = build("NoamHoldAnnealing", warmup_steps=1, hold_steps=2, max_steps=10, decay_rate=1.0)
    np.testing.assert_allclose(host(s, [0, 1, 2, 3, 4, 6, 11]), [.5, 1, 1, 1, .5, .25, 0])


# ------------------------------------------------------------------ random configurations
SET = settings(max_examples=6, deadline=None)
LR = st.floats(1e-4, 1.0)
N = 160


def _warm(draw_w, draw_r, m):
    return dict(warmup_steps=draw_w) if draw_r is None else dict(warmup_ratio=draw_r)


@SET
@given(name=st.sampled_from(["WarmupPolicy", "WarmupHoldPolicy", "SquareAnnealing",
                             "SquareRootAnnealing", "WarmupAnnealing", "InverseSquareRootAnnealing",
                             "PolynomialDecayAnnealing"]),
       lr=LR, m=st.integers(1, 120), w=st.integers(0, 30), r=st.one_of(st.none(), st.floats(0, 0.5)),
       lo=st.floats(0.0, 0.5), p=st.floats(0.1, 3.0))
def test_warmup_family(name, lr, m, w, r, lo, p):
    kw = dict(lr=lr, max_steps=m, min_lr=lo * lr, **_warm(w, r, m))
    if name == "PolynomialDecayAnnealing":
        kw["power"] = p
    assert_matches(build(name, **kw), reference(name, N, **kw))


@SET
@given(lr=LR, m=st.integers(1, 120), w=st.integers(0, 30), r=st.one_of(st.none(), st.floats(0, 0.3)),
       c=st.one_of(st.none(), st.integers(0, 40)), lo=st.floats(0.0, 0.9))
def test_cosine_annealing(lr, m, w, r, c, lo):
    kw = dict(lr=lr, max_steps=m, min_lr=lo * lr, constant_steps=c, **_warm(w, r, m))
    try:
        ref = reference("CosineAnnealing", N, **kw)
    except ZeroDivisionError:  # NeMo's own degenerate case: refused at construction
        with pytest.raises(ValueError, match="max_steps|constant_steps"):
            build("CosineAnnealing", **kw)
        return
    assert_matches(build("CosineAnnealing", **kw), ref)


@SET
@given(lr=LR, d=st.sampled_from([64.0, 256.0, 512.0]), w=st.integers(0, 40),
       lo=st.floats(0.0, 1e-3))
def test_noam_annealing(lr, d, w, lo):
    kw = dict(lr=lr, d_model=d, warmup_steps=w, min_lr=min(lo, lr))
    assert_matches(build("NoamAnnealing", **kw), reference("NoamAnnealing", N, **kw))


@SET
@given(lr=LR, m=st.integers(1, 120), w=st.integers(1, 20), h=st.one_of(st.none(), st.integers(0, 30)),
       rate=st.floats(0.0, 2.0), lo=st.floats(0.0, 0.5))
def test_noam_hold_annealing(lr, m, w, h, rate, lo):
    kw = dict(lr=lr, max_steps=m, warmup_steps=w, hold_steps=h, decay_rate=rate, min_lr=lo * lr)
    assert_matches(build("NoamHoldAnnealing", **kw), reference("NoamHoldAnnealing", N, **kw))


@SET
@given(lr=LR, m=st.integers(1, 120), w=st.integers(0, 20),
       h=st.one_of(st.none(), st.integers(0, 30)), hr=st.one_of(st.none(), st.floats(0.0, 0.4)),
       p=st.floats(0.1, 3.0), lo=st.floats(0.0, 0.5), cycle=st.booleans())
def test_polynomial_hold_decay(lr, m, w, h, hr, p, lo, cycle):
    kw = dict(lr=lr, max_steps=m, warmup_steps=w, power=p, min_lr=lo * lr, cycle=cycle)
    if h is not None:
        kw["hold_steps"] = h
    elif hr is not None:
        kw["hold_ratio"] = hr
    try:
        ref = reference("PolynomialHoldDecayAnnealing", N, **kw)
    except ZeroDivisionError:
        with pytest.raises(ValueError, match="max_steps"):
            build("PolynomialHoldDecayAnnealing", **kw)
        return
    if cycle and h is None and hr is None and w > 0:
        with pytest.raises(ValueError, match="cycle"):
            build("PolynomialHoldDecayAnnealing", **kw)
        return
    assert_matches(build("PolynomialHoldDecayAnnealing", **kw), ref)


@SET
@given(c=st.integers(1, 50), m=st.integers(0, 150), lo=st.floats(0.0, 0.01))
def test_t5(c, m, lo):
    kw = dict(constant_steps=c, max_steps=m, min_lr=lo)
    ref = reference("T5InverseSquareRootAnnealing", N, lr=123.0, **kw)
    assert_matches(build("T5InverseSquareRootAnnealing", lr=123.0, **kw), ref)


def test_torch_reexports_and_epoch_exponential():
    assert build("StepLR", step_size=3, gamma=0.5, lr=1.0) == \
        jaxsched.from_config({"type": "torch.StepLR", "params": {"step_size": 3, "gamma": 0.5, "lr": 1.0}})
    s = build("ExponentialLR", gamma=0.5, updates_per_epoch=3, lr=1.0)
    np.testing.assert_allclose(host(s, np.arange(7)), [1, 1, 1, .5, .5, .5, .25])
    spec = build("ReduceLROnPlateau", lr=0.1, patience=2)
    assert spec.plateau.patience == 2


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "name,params,exc,match",
    [
        ("WarmupPolicy", dict(warmup_steps=3, warmup_ratio=0.1, max_steps=10), ValueError, "warmup"),
        ("WarmupPolicy", dict(warmup_ratio=0.1), ValueError, "max_steps"),
        ("WarmupPolicy", dict(last_epoch=5), ValueError, "last_epoch"),
        ("WarmupHoldPolicy", dict(hold_steps=3, hold_ratio=0.1, max_steps=10), ValueError, "hold"),
        ("SquareAnnealing", dict(max_steps=0), ValueError, "max_steps"),
        ("SquareAnnealing", dict(max_steps=-1), ValueError, "max_steps"),
        ("CosineAnnealing", dict(max_steps=10, min_lr=2.0), ValueError, "min_lr"),
        ("CosineAnnealing", dict(max_steps=10, constant_steps=2, min_lr=1.0), ValueError, "min_lr"),
        ("CosineAnnealing", dict(max_steps=10, constant_steps=10), ValueError, "constant_steps"),
        ("CosineAnnealing", dict(), ValueError, "missing.*max_steps"),
        ("NoamAnnealing", dict(d_model=0), ValueError, "d_model"),
        ("NoamAnnealing", dict(d_model=8, min_lr=2.0), ValueError, "min_lr"),
        ("NoamHoldAnnealing", dict(max_steps=10), ValueError, "warmup_steps"),
        ("NoamHoldAnnealing", dict(max_steps=10, warmup_steps=2, decay_rate=-1.0), ValueError,
         "decay_rate"),
        ("T5InverseSquareRootAnnealing", dict(max_steps=10, constant_ratio=0.1), ValueError,
         "constant_steps"),
        ("T5InverseSquareRootAnnealing", dict(max_steps=10, constant_steps=0), ValueError,
         "constant_steps"),
        ("PolynomialDecayAnnealing", dict(max_steps=10, power=-1.0), ValueError, "power"),
        ("PolynomialDecayAnnealing", dict(max_steps=10, cycle="yes"), TypeError, "cycle"),
        ("PolynomialHoldDecayAnnealing", dict(max_steps=10, hold_steps=10), ValueError, "max_steps"),
        ("ExponentialLR", dict(gamma=0.5), ValueError, "updates_per_epoch"),
        ("WarmupAnnealing", dict(max_steps=10, min_lr=-0.1), ValueError, "min_lr"),
    ],
)
def test_bad_input_named(name, params, exc, match):
    with pytest.raises(exc, match=match):
        build(name, **params)


# ------------------------------------------------------------------ native contract
SAMPLES = [
    ("CosineAnnealing", dict(max_steps=300, warmup_ratio=0.1, min_lr=1e-5, lr=1e-3)),
    ("CosineAnnealing", dict(max_steps=300, warmup_steps=20, constant_steps=50, min_lr=1e-5, lr=1e-3)),
    ("NoamAnnealing", dict(d_model=256, warmup_steps=25, lr=2.0)),
    ("NoamHoldAnnealing", dict(max_steps=300, warmup_steps=20, hold_ratio=0.3, min_lr=1e-6, lr=1e-3)),
    ("PolynomialHoldDecayAnnealing", dict(max_steps=300, warmup_steps=20, power=2.0, lr=1e-3)),
    ("T5InverseSquareRootAnnealing", dict(max_steps=300, constant_steps=30)),
]


@pytest.mark.parametrize("name,params", SAMPLES, ids=[n for n, _ in SAMPLES])
def test_native_contract(name, params):
    s = build(name, **params)
    assert_backends_agree(s)
    assert_config_roundtrip(s)


@pytest.mark.parametrize(
    "fn,kwargs,name,values",
    [
        (nm.nemo_cosine_annealing, dict(max_steps=50, lr=1e-3), "warmup_steps", [0, 5]),
        (nm.nemo_cosine_annealing, dict(max_steps=50, warmup_steps=5, lr=1e-3), "min_lr", [0.0, 1e-4]),
        (nm.nemo_noam_annealing, dict(d_model=64.0, lr=1.0), "warmup_steps", [0, 10]),
        (nm.nemo_noam_hold_annealing, dict(max_steps=50, warmup_steps=5, hold_steps=5, lr=1e-3),
         "decay_rate", [0.5, 1.0]),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_traceable(fn, kwargs, name, values):
    assert_traceable(fn, kwargs, name, values, counts=np.arange(0, 60, 3))


# ------------------------------------------------------------------ optim blocks and model configs
def test_optim_block_model_config_and_yaml(tmp_path):
    optim = {"name": "adamw", "lr": 2e-3, "betas": [0.9, 0.98], "weight_decay": 1e-3,
             "sched": {"name": "CosineAnnealing", "warmup_ratio": 0.1, "warmup_steps": None,
                       "min_lr": 1e-6, "monitor": "val_loss", "reduce_on_plateau": False}}
    want = build("CosineAnnealing", warmup_ratio=0.1, warmup_steps=None, min_lr=1e-6,
                 max_steps=500, lr=2e-3)
    assert jaxsched.from_config(frameworks.nemo_config(optim, max_steps=500)) == want
    with pytest.raises(ValueError, match="max_steps"):
        jaxsched.from_config(optim)
    # a model config: trainer.max_steps overrides sched.max_steps, as ModelPT does
    model = {"trainer": {"max_steps": 500}, "model": {"optim": {**optim, "sched": {
        **optim["sched"], "max_steps": 7}}}}
    assert jaxsched.from_config(model) == want
    # YAML with an interpolation, and the older args form
    (tmp_path / "m.yaml").write_text(
        "trainer:\n  max_steps: -1\nmodel:\n  optim:\n    name: adam\n    lr: 0.002\n"
        "    sched:\n      name: NoamAnnealing\n      d_model: ${model.d_model}\n"
        "      warmup_steps: 100\n  d_model: 256\n")
    s = jaxsched.from_config(str(tmp_path / "m.yaml"))
    assert s == build("NoamAnnealing", d_model=256, warmup_steps=100, lr=0.002)
    old = {"lr": 0.1, "sched": {"name": "WarmupAnnealing", "max_steps": 40,
                                "args": {"name": "auto", "params": {"warmup_ratio": 0.1}}}}
    assert jaxsched.from_config(old) == build("WarmupAnnealing", warmup_ratio=0.1, max_steps=40, lr=0.1)
    # torch re-exports get the optimizer's lr and lose max_steps, as prepare_lr_scheduler does
    cfg = frameworks.nemo_config({"lr": 0.1, "sched": {"name": "StepLR", "step_size": 5}},
                                 max_steps=100)
    assert cfg == {"type": "nemo.StepLR", "params": {"step_size": 5, "lr": 0.1}}


@pytest.mark.parametrize(
    "source,match",
    [
        ({"lr": 0.1, "sched": {"name": "CosineAnealing", "max_steps": 9}}, "CosineAnnealing"),
        ({"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": -1}}, "max_steps"),
        ({"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": "???"}}, r"\?\?\?"),
        ({"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": "${trainer.max_steps}"}},
         "trainer.max_steps"),
        ({"model": {"optim": {"lr": 0.1, "sched": None}}}, "sched"),
    ],
)
def test_bad_optim_blocks(source, match):
    with pytest.raises(ValueError, match=match):
        jaxsched.from_config(source)
