"""HF transformers' scheduler names (``hf.<name>``) against transformers.

Expected values come from tests/config/golden/hf.json (``transformers.get_scheduler`` run on real torch
optimizers by scripts/golden/make_hf.py, emulating the Trainer's loop), from the verified vectors
of anchors.md (d), and from a float64 re-statement of HF's ``lr_lambda`` functions written below
with plain Python ``math``, used for random configurations.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_strong_float32,
    assert_traceable,
    assert_vmap_counts,
    host,
    jit_eval,
)

import jaxsched
from jaxsched.config.ecosystem import hf_names as hf

GOLDEN = json.loads((Path(__file__).parent / "golden" / "hf.json").read_text())
PAD = jnp.arange(2304, dtype=jnp.int32)  # one count shape for every case: few compilations
# lr_init (polynomial) and min_lr -> rate use optimizer.defaults['lr'] for every group
DEFAULTS_LR = ("polynomial", "cosine_with_min_lr", "cosine_warmup_with_min_lr")


def jax_values(s, n):
    return np.asarray(jit_eval(s, PAD), np.float64)[:n]


def build(name, params):
    return jaxsched.from_config({"type": "hf." + name, "params": params})


def test_golden_header():
    assert GOLDEN["library"] == "transformers"
    assert GOLDEN["version"] == "5.23.0"
    assert "update k" in GOLDEN["convention"]
    assert len(GOLDEN["cases"]) == GOLDEN["case_count"]


def _cases():
    out = []
    for c in GOLDEN["cases"]:
        for g in range(len(c.get("groups") or [None])):
            out.append(pytest.param(c, g, id=f"{c['id']}-g{g}"))
    return out


@pytest.mark.parametrize("case,g", _cases())
def test_golden(case, g):
    groups = case.get("groups") or [case["base_lr"]]
    expected = np.asarray(case["lr_groups"][g] if "lr_groups" in case else case["lr"])
    params = {**case["params"], "lr": case["base_lr"]}
    if case["id"] == "wsd-W4-D8-N10-negative-stable":
        # HF starts the decay inside the warmup window (W + D > N); jaxsched refuses
        with pytest.raises(ValueError, match="num_training_steps.*num_decay_steps"):
            build(case["name"], params)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the WSD case giving both N and num_stable_steps warns
        s = build(case["name"], params)
    if g > 0:  # one schedule per group: HF's lambda (from defaults['lr']) times the group's lr
        s = (s if case["name"] in DEFAULTS_LR else build(case["name"], {**params, "lr": 1.0}))
        s = jaxsched.scale(s, groups[g] / (case["base_lr"] if case["name"] in DEFAULTS_LR else 1.0))
    counts = np.arange(case["steps"])
    peak = max(float(np.max(np.abs(expected))), 1e-30)
    np.testing.assert_allclose(host(s, counts), expected, rtol=1e-9, atol=1e-12 * peak)
    np.testing.assert_allclose(jax_values(s, case["steps"]), expected, rtol=1e-6, atol=1e-7 * peak)


@pytest.mark.parametrize("item", GOLDEN["rejected"], ids=lambda r: f"{r['name']}-{r['why']}")
def test_golden_rejected(item):
    assert item["error"] in ("ValueError", "ZeroDivisionError")
    names = [k for k in ("lr_end", "min_lr", "num_training_steps", "num_stable_steps",
                         "decay_type", "warmup_type", "num_warmup_steps")
             if k in item["message"] or k in item["why"]]
    with pytest.raises(ValueError, match="|".join(names)):
        build(item["name"], item["params"])


# ---------------------------------------------------------------- anchors.md (d) vectors
A = np.array
WN = dict(num_warmup_steps=2, num_training_steps=10)


@pytest.mark.parametrize(
    "name,params,expected",
    [
        ("linear", WN, A([0, .5, 1, .875, .75, .625, .5, .375, .25, .125, 0, 0, 0])),
        ("cosine", WN, A([0, .5, 1, .96194, .853553, .691342, .5, .308658, .146447, .03806, 0,
                          .03806, .146447, .308658, .5])),
        ("cosine_with_restarts", dict(WN, num_cycles=2),
         A([0, .5, 1, .853553, .5, .146447, 1, .853553, .5, .146447, 0, 0, 0])),
        ("polynomial", dict(WN, lr_end=.1, power=2),
         A([0, .5, 1, .789062, .60625, .451562, .325, .226562, .15625, .114063, .1, .1, .1])),
        ("constant_with_warmup", dict(num_warmup_steps=3), A([0, 1 / 3, 2 / 3, 1, 1, 1])),
        ("inverse_sqrt", dict(num_warmup_steps=2),
         A([0, .5, 1, .816497, .707107, .632456, .57735, .534522, .5])),
        ("cosine_with_min_lr", dict(WN, min_lr_rate=.1),
         A([0, .5, 1, .965746, .868198, .722208, .55, .377792, .231802, .134254, .1, .134254,
            .231802])),
        ("cosine_warmup_with_min_lr", dict(WN, min_lr_rate=.1),
         A([.5, 1, .965746, .868198, .722208, .55, .377792, .231802, .134254, .1, .134254, .231802,
            .377792])),
        ("cosine_warmup_with_min_lr", dict(num_warmup_steps=3, num_training_steps=10, min_lr_rate=.1,
                                           warmup_lr_rate=.2),
         A([.2, .6, 1, .955436, .83057, .650134, .449866, .26943, .144564, .1, .144564, .26943,
            .449866])),
        ("warmup_stable_decay", dict(WN, num_decay_steps=4, decay_type="1-sqrt", min_lr_ratio=.1),
         A([.1, .55, 1, 1, 1, 1, 1, .55, .363604, .220577, .1, .1, .1])),
        ("warmup_stable_decay", dict(num_warmup_steps=4, num_training_steps=10, num_decay_steps=4,
                                     warmup_type="1-sqrt", decay_type="cosine"),
         A([0, .133975, .292893, .5, 1, 1, 1, .853553, .5, .146447, 0, 0, 0])),
    ],
)
def test_anchor_vectors(name, params, expected):
    np.testing.assert_allclose(host(build(name, params), np.arange(len(expected))), expected,
                               rtol=0, atol=6e-6)


def test_quirks_reproduced():
    lr = 3e-4
    # lambda(0) = 0 under warmup: update 0 uses lr 0 (skip_zero=True is the native alternative)
    for name in ("linear", "cosine", "polynomial", "cosine_with_restarts"):
        assert float(host(build(name, dict(WN, lr=lr)), [0])[0]) == 0.0
    native = jaxsched.warmup(jaxsched.cosine_decay(lr, 8), 2, skip_zero=True)
    assert float(host(native, [0])[0]) > 0.0
    # periodic past num_training_steps (rises again), but cosine_with_restarts holds 0
    vals = host(build("cosine", dict(WN, lr=lr)), np.arange(10, 19))
    assert vals[0] == 0.0 and np.all(np.diff(vals) > 0) and vals[-1] == pytest.approx(lr)
    np.testing.assert_array_equal(host(build("cosine_with_restarts", dict(WN, lr=lr)), [10, 50]), 0)
    # the step counts constant / constant_with_warmup / inverse_sqrt ignore, as get_scheduler does
    assert build("constant", dict(num_warmup_steps=5, num_training_steps=9, lr=lr)) == \
        build("constant", dict(lr=lr))
    # lr defaults to 1.0: the schedule is HF's multiplier lambda itself
    np.testing.assert_allclose(host(build("linear", WN), [1, 4]), [0.5, 0.75])


def test_wsd_both_step_counts_warn_and_stable_wins():
    params = dict(num_warmup_steps=2, num_training_steps=20, num_stable_steps=3, num_decay_steps=4,
                  decay_type="linear")
    with pytest.warns(UserWarning, match="num_stable_steps wins"):
        s = build("warmup_stable_decay", params)
    assert s == build("warmup_stable_decay", {**params, "num_training_steps": None})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # consistent counts: no warning
        build("warmup_stable_decay", {**params, "num_training_steps": 9})


@pytest.mark.parametrize(
    "name,params,exc,match",
    [
        ("linear", dict(num_warmup_steps=-1, num_training_steps=10), ValueError, "num_warmup_steps"),
        ("linear", dict(num_warmup_steps=2, num_training_steps=2.5), ValueError, "num_training_steps"),
        ("linear", dict(num_warmup_steps="2", num_training_steps=10), TypeError, "num_warmup_steps"),
        ("linear", dict(num_warmup_steps=2), ValueError, "missing.*num_training_steps"),
        ("linear", dict(WN, lr=float("nan")), ValueError, "`lr`"),
        ("linear", dict(WN, num_cycles=2), ValueError, "unknown.*num_cycles"),
        ("cosine", dict(WN, num_cycles=-0.5), ValueError, "num_cycles"),
        ("cosine_with_restarts", dict(WN, num_cycles=0), ValueError, "num_cycles"),
        ("polynomial", dict(WN, lr_end=2.0), ValueError, "lr_end"),
        ("polynomial", dict(WN, power=0.0), ValueError, "power"),
        ("polynomial", dict(num_warmup_steps=5, num_training_steps=5), ValueError, "num_training_steps"),
        ("constant_with_warmup", dict(num_warmup_steps=True), TypeError, "num_warmup_steps"),
        ("inverse_sqrt", dict(num_warmup_steps=2, timescale=0), ValueError, "timescale"),
        ("cosine_with_min_lr", dict(WN), ValueError, "min_lr"),
        ("cosine_with_min_lr", dict(WN, min_lr=0.1, min_lr_rate=0.1), ValueError, "min_lr"),
        ("cosine_with_min_lr", dict(WN, min_lr=-0.1), ValueError, "min_lr"),
        ("cosine_warmup_with_min_lr", dict(WN, min_lr_rate=0.1, warmup_lr_rate=-0.2), ValueError,
         "warmup_lr_rate"),
        ("warmup_stable_decay", dict(num_warmup_steps=2, num_decay_steps=4), ValueError,
         "num_training_steps.*num_stable_steps"),
        ("warmup_stable_decay", dict(WN, num_decay_steps=4, decay_type="exp"), ValueError,
         "decay_type"),
        ("warmup_stable_decay", dict(WN, num_decay_steps=4, warmup_type="log"), ValueError,
         "warmup_type"),
        ("warmup_stable_decay", dict(WN, num_decay_steps=4, min_lr_ratio=-1.0), ValueError,
         "min_lr_ratio"),
        ("warmup_stable_decay", dict(WN, num_decay_steps=-4), ValueError, "num_decay_steps"),
        ("warmup_stable_decay", dict(WN, num_decay_steps=9), ValueError, "num_training_steps"),
    ],
)
def test_invalid_arguments_name_hf_parameters(name, params, exc, match):
    with pytest.raises(exc, match=match):
        build(name, params)


# ---------------------------------------------------------------- native-schedule contract
SAMPLES = [
    ("linear", dict(num_warmup_steps=50, num_training_steps=500, lr=3e-4)),
    ("cosine", dict(num_warmup_steps=50, num_training_steps=500, num_cycles=1.5, lr=3e-4)),
    ("cosine_with_restarts", dict(num_warmup_steps=10, num_training_steps=100, num_cycles=3)),
    ("polynomial", dict(num_warmup_steps=10, num_training_steps=200, lr_end=1e-5, power=2.0,
                        lr=1e-3)),
    ("inverse_sqrt", dict(num_warmup_steps=20, lr=1e-3)),
    ("cosine_warmup_with_min_lr", dict(num_warmup_steps=0, num_training_steps=100, min_lr=1e-5,
                                       lr=1e-3)),
    ("warmup_stable_decay", dict(num_warmup_steps=10, num_training_steps=100, num_decay_steps=20,
                                 decay_type="1-sqrt", min_lr_ratio=0.1)),
    ("warmup_stable_decay", dict(num_warmup_steps=10, num_training_steps=100, num_decay_steps=20,
                                 num_cycles=1.0)),
]


@pytest.mark.parametrize("name,params", SAMPLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SAMPLES)])
def test_native_contract(name, params):
    s = build(name, params)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)


@pytest.mark.parametrize(
    "fn,kwargs,name,values",
    [
        (hf.hf_linear, WN, "num_warmup_steps", [0, 2, 5]),
        (hf.hf_cosine, WN, "num_training_steps", [4, 10, 20]),
        (hf.hf_cosine, WN, "num_cycles", [0.5, 1.25]),
        (hf.hf_polynomial, dict(WN, lr_end=0.1), "power", [1.0, 2.0]),
        (hf.hf_cosine_with_restarts, WN, "num_cycles", [1, 3]),
        (hf.hf_cosine_warmup_with_min_lr, dict(WN, min_lr_rate=0.1), "num_warmup_steps", [0, 1, 3]),
        (hf.hf_cosine_warmup_with_min_lr, dict(WN, min_lr_rate=0.1, warmup_lr_rate=0.2),
         "warmup_lr_rate", [0.0, 0.3]),
        (hf.hf_warmup_stable_decay, dict(WN, num_decay_steps=4, num_cycles=1.0), "num_cycles",
         [0.25, 1.0]),
        (hf.hf_warmup_stable_decay, dict(WN, num_decay_steps=4, decay_type="1-sqrt"), "min_lr_ratio",
         [0.0, 0.1]),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_traceable(fn, kwargs, name, values):
    assert_traceable(fn, kwargs, name, values, counts=np.arange(0, 30, 3))


# ---------------------------------------------------------------- plain-Python HF lambdas
def hf_lambda(name, s, w, n, c=0.5, r=0.0, wr=None):
    """transformers 5.23's lr_lambda(s) for a few names (optimization.py, restated)."""
    if name == "cosine_warmup_with_min_lr":
        if s < w:
            return (s + 1.0) / max(1.0, w) if wr is None else wr + (1.0 - wr) * s / max(1, w - 1)
        p = (s - w + 1.0) / max(1.0, n - w)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * c * 2.0 * p)) * (1 - r) + r)
    if s < w:
        return s / max(1, w)
    p = (s - w) / max(1, n - w)
    if name == "linear":
        return max(0.0, (n - s) / max(1, n - w))
    if name == "cosine_with_min_lr":
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * c * 2.0 * p)) * (1 - r) + r)
    if name == "cosine_with_restarts":
        return 0.0 if p >= 1.0 else max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((c * p) % 1.0))))
    raise AssertionError(name)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(["linear", "cosine_with_min_lr", "cosine_with_restarts",
                          "cosine_warmup_with_min_lr"]),
    w=st.integers(0, 20),
    extra=st.integers(-5, 60),
    c=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]),
    r=st.floats(0.0, 0.5),
    wr=st.one_of(st.none(), st.floats(0.0, 0.9)),
    lr=st.floats(1e-5, 1.0),
)
def test_hypothesis_against_plain_hf(name, w, extra, c, r, wr, lr):
    n = max(w + extra, 0)
    params = dict(num_warmup_steps=w, num_training_steps=n, lr=lr)
    if name == "cosine_with_restarts":
        params["num_cycles"] = int(c) if c == int(c) else c
    elif name != "linear":
        params.update(num_cycles=c, min_lr_rate=r)
        if name == "cosine_warmup_with_min_lr" and wr is not None:
            params["warmup_lr_rate"] = wr
    s = build(name, params)
    steps = 2 * max(n, w) + 12
    expected = [lr * hf_lambda(name, k, w, n, c, r, wr) for k in range(steps)]
    np.testing.assert_allclose(host(s, np.arange(steps)), expected, rtol=1e-9, atol=1e-12 * lr)
