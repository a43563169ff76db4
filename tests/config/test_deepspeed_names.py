"""DeepSpeed's scheduler names (``deepspeed.<Type>`` and the bare ``<Type>``) against DeepSpeed.

Expected values come from tests/config/golden/deepspeed.json (DeepSpeed's own ``lr_schedules.py`` run
on real torch optimizers by scripts/golden/make_deepspeed.py, emulating the engine's loop), from
the verified vectors of anchors.md (b3), and from a float64 re-statement of DeepSpeed's scheduler
objects written below with plain Python ``math`` (construction at batch index -1, then
``step()``), used for random configurations.
"""

from __future__ import annotations

import json
import math
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
from jaxsched.config.ecosystem import deepspeed_names as ds

GOLDEN = json.loads((Path(__file__).parent / "golden" / "deepspeed.json").read_text())
BELOW_ONE = float(np.nextafter(1.0, 0.0))
PAD = jnp.arange(1280, dtype=jnp.int32)  # one count shape for every case: few compilations


def jax_values(s, n):
    return np.asarray(jit_eval(s, PAD), np.float64)[:n]
RELATIVE = ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR")  # take the optimizer lr as `lr`


def test_golden_header():
    assert GOLDEN["library"] == "deepspeed"
    assert GOLDEN["version"] == "0.19.8"
    assert "update k" in GOLDEN["convention"]
    assert len(GOLDEN["cases"]) == GOLDEN["case_count"]


def _group_params(case, g):
    """The params of parameter group ``g``: one schedule per group, each from its own entries."""
    p = {k: (val[g] if isinstance(val, (list, tuple)) else val) for k, val in case["params"].items()}
    base = (case.get("groups") or [case["base_lr"]])[g]
    if case["name"] in RELATIVE:
        p["lr"] = base
    return p


def _expected(case, g, key="lr"):
    return np.asarray(case[f"{key}_groups"][g] if f"{key}_groups" in case else case[key])


def _build(name, params, hyperparam="lr"):
    return jaxsched.from_config({"type": name, "params": params}, hyperparam=hyperparam)


def _cases(pred=lambda c: True):
    out = []
    for c in GOLDEN["cases"]:
        if pred(c):
            for g in range(len(c.get("groups") or [None])):
                out.append(pytest.param(c, g, id=f"{c['id']}-g{g}"))
    return out


def _compare(values_host, values_jax, expected, float32_peer=False):
    peak = max(float(np.max(np.abs(expected))), 1e-30)
    if float32_peer:  # the peer itself rounded to float32 (a tensor lr filled in place)
        np.testing.assert_allclose(values_host, expected, rtol=2.0**-23, atol=1e-12 * peak)
    else:
        np.testing.assert_allclose(values_host, expected, rtol=1e-9, atol=1e-12 * peak)
    np.testing.assert_allclose(values_jax, expected, rtol=1e-6, atol=1e-7 * peak)


@pytest.mark.parametrize("case,g", _cases())
def test_golden_lr(case, g):
    params = _group_params(case, g)
    if params.get("warmup_type") not in (None, "log", "linear"):
        # DeepSpeed warns and falls back to 'log'; jaxsched raises and names the parameter
        with pytest.raises(ValueError, match="warmup_type.*'log'"):
            _build(case["name"], params)
        params["warmup_type"] = "log"
    counts = np.arange(case["steps"])
    s = _build(case["name"], params)
    assert _build("deepspeed." + case["name"], params) == s
    _compare(host(s, counts), jax_values(s, case["steps"]), _expected(case, g),
             float32_peer="float32" in case.get("note", ""))


@pytest.mark.parametrize("case,g", _cases(lambda c: "beta1" in c))
def test_golden_beta1(case, g):
    params = _group_params(case, g)
    if params.get("cycle_momentum") is False:
        with pytest.raises(ValueError, match="cycle_momentum"):
            _build(case["name"], params, hyperparam="momentum")
        return
    s = _build(case["name"], params, hyperparam="momentum")
    counts = np.arange(case["steps"])
    ours, ours32 = host(s, counts), jax_values(s, case["steps"])
    expected = _expected(case, g, "beta1")
    valid = expected < 1.0
    _compare(ours[valid], ours32[valid], expected[valid])
    # where DeepSpeed writes an invalid beta1 >= 1, jaxsched stays below 1 (clamped)
    assert np.all(ours[~valid] == BELOW_ONE) and np.all(ours32[~valid] < 1.0)


def test_beta1_above_one_is_clamped():
    case = next(c for c in GOLDEN["cases"] if c["id"] == "onecycle-.1-1-S2-3-decay-mom-beta1-above-1")
    beta1 = np.asarray(case["beta1"])
    assert beta1[6] == pytest.approx(1.08) and np.sum(beta1 >= 1) >= 5  # DeepSpeed: 1.08, ...
    s = _build("OneCycle", case["params"], hyperparam="momentum")
    ours = host(s, np.arange(case["steps"]))
    assert ours[6] == BELOW_ONE and np.all(ours < 1.0)
    assert jax_values(s, 7)[6] == float(np.nextafter(np.float32(1), np.float32(0)))
    np.testing.assert_allclose(ours[:6], beta1[:6], rtol=1e-12)  # equal while below 1


@pytest.mark.parametrize("item", GOLDEN["rejected"], ids=lambda r: f"{r['name']}-{r['params']}")
def test_golden_rejected(item):
    """Configurations DeepSpeed refuses are refused too (one documented leniency)."""
    assert item["error"] == "ValueError"
    if item["params"].get("lr_range_test_step_size") == 2.0:
        # integral floats are integers in jaxsched (DeepSpeed wants an `int` instance)
        s = _build(item["name"], item["params"])
        assert s == _build(item["name"], {**item["params"], "lr_range_test_step_size": 2})
        return
    bad = next(k for k in item["params"] if k in item["message"])  # the parameter DS names
    if any(isinstance(x, list) for x in item["params"].values()):
        # a per-group list whose length is not the number of groups (DeepSpeed's one group):
        # refused when the groups are known (Scheduler.from_config splits with n = #groups)
        from jaxsched.config.groups import split_groups

        with pytest.raises(ValueError, match=f"{bad} has 2 values, param_groups has 1"):
            split_groups({"type": item["name"], "params": item["params"]}, 1)
        return
    extra = {"lr": 1.0} if item["name"] in RELATIVE else {}
    with pytest.raises(ValueError, match=bad):
        _build(item["name"], {**item["params"], **extra})


# ---------------------------------------------------------------- anchors.md (b3) vectors
A = np.array


@pytest.mark.parametrize(
    "name,params,expected,atol",
    [
        ("LRRangeTest", dict(lr_range_test_min_lr=.1, lr_range_test_step_size=2),
         A([.1, .15, .2, .25, .3, .35]), 1e-12),
        ("LRRangeTest", dict(lr_range_test_min_lr=.1, lr_range_test_step_size=2,
                             lr_range_test_staircase=True), A([.1, .1, .2, .2, .3, .3]), 1e-12),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1.0, cycle_first_step_size=4,
                          cycle_first_stair_count=2), A([.1, .1, .55, .55, 1, .55, .55, .1, .1, .1]),
         1e-12),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1.0, cycle_first_step_size=2,
                          cycle_second_step_size=3, decay_step_size=2, decay_lr_rate=.5),
         A([.1, .55, 1, .7, .4, .1, .08, .0667, .0571, .05]), 5e-5),
        ("WarmupLR", dict(warmup_max_lr=1.0, warmup_num_steps=4, warmup_type="linear"),
         A([0, 0, .25, .5, .75, 1, 1]), 1e-12),
        ("WarmupLR", dict(warmup_max_lr=1.0, warmup_num_steps=4), A([0, 0, .5, .7925, 1, 1, 1]), 5e-5),
        ("WarmupLR", dict(warmup_max_lr=1.0, warmup_num_steps=1, warmup_type="linear"),
         A([0, 0, .5, 1, 1]), 1e-12),
        ("WarmupDecayLR", dict(total_num_steps=8, warmup_max_lr=1.0, warmup_num_steps=4,
                               warmup_type="linear"), A([0, 0, .25, .5, .75, 1, .75, .5, .25, 0, 0]),
         1e-12),
        ("WarmupCosineLR", dict(total_num_steps=8, warmup_num_steps=4, cos_min_ratio=.1,
                                warmup_type="linear"), A([0, 0, .25, .5, .75, .8682, .55, .2318, .1]),
         5e-5),
    ],
)
def test_anchor_vectors(name, params, expected, atol):
    np.testing.assert_allclose(host(_build(name, params), np.arange(len(expected))), expected,
                               rtol=0, atol=atol)


def test_whole_deepspeed_scheduler_block(tmp_path):
    ds_config = json.loads("""{
      "train_batch_size": 32,
      "optimizer": {"type": "AdamW", "params": {"lr": 3e-4}},
      "scheduler": {"type": "WarmupDecayLR",
                    "params": {"last_batch_iteration": -1, "total_num_steps": 10,
                               "warmup_min_lr": 0, "warmup_max_lr": 3e-4,
                               "warmup_num_steps": 4, "warmup_type": "linear"}}
    }""")
    s = jaxsched.from_config(ds_config["scheduler"])
    expected = 3e-4 * A([0, 0, .25, .5, .75, 1, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6, 0, 0])
    np.testing.assert_allclose(host(s, np.arange(13)), expected, rtol=1e-12, atol=1e-18)
    path = tmp_path / "scheduler.json"
    path.write_text(json.dumps(ds_config["scheduler"]))
    assert jaxsched.from_config(path) == s
    assert jaxsched.from_config({"type": "deepspeed.WarmupDecayLR",
                                 "params": ds_config["scheduler"]["params"]}) == s


def test_both_names_share_one_function():
    from jaxsched.core.registry import _REGISTRY

    for name in ("LRRangeTest", "OneCycle", "WarmupLR", "WarmupDecayLR", "WarmupCosineLR"):
        assert _REGISTRY[name] is _REGISTRY["deepspeed." + name]


def test_quirks_reproduced():
    # the minimum twice; warmup_num_steps=1 silently becomes 2
    s = _build("WarmupLR", dict(warmup_min_lr=0.1, warmup_max_lr=1.0, warmup_num_steps=1,
                                warmup_type="linear"))
    np.testing.assert_allclose(host(s, np.arange(4)), [0.1, 0.1, 0.55, 1.0], rtol=1e-15)
    # warmup_max_lr=None inherits the optimizer lr; WarmupCosineLR writes 0 at construction and
    # never reaches the peak ratio 1
    assert float(host(_build("WarmupLR", dict(warmup_num_steps=3, lr=0.5)), [10])[0]) == 0.5
    cos = _build("WarmupCosineLR", dict(total_num_steps=8, warmup_min_ratio=0.5, warmup_num_steps=4,
                                        warmup_type="linear", lr=2.0))
    vals = host(cos, np.arange(30))
    assert vals[0] == 0.0 and vals[1] == 1.0 and vals.max() < 2.0
    np.testing.assert_allclose(vals[9:], 2.0 * 1e-4, rtol=1e-12)  # clamped at the floor
    # a per-group list of length 1 is its one value
    one = _build("OneCycle", dict(cycle_min_lr=[0.1], cycle_max_lr=(1.0,), cycle_first_step_size=3))
    assert one == _build("OneCycle", dict(cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=3))
    # a negative stair count (DeepSpeed's CLI default -1) is continuous
    stairs = _build("OneCycle", dict(cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=3,
                                     cycle_first_stair_count=-1, cycle_second_stair_count=-1))
    assert stairs == one


@pytest.mark.parametrize(
    "name,params,exc,match",
    [
        ("WarmupLR", dict(warmup_num_steps=0, lr=1.0), ValueError, "warmup_num_steps"),
        ("WarmupLR", dict(warmup_num_steps=-3, lr=1.0), ValueError, "warmup_num_steps"),
        ("WarmupLR", dict(warmup_num_steps=2.5, lr=1.0), ValueError, "warmup_num_steps"),
        ("WarmupLR", dict(warmup_num_steps=True, lr=1.0), TypeError, "warmup_num_steps"),
        ("WarmupLR", dict(warmup_type="cosine", lr=1.0), ValueError, "warmup_type"),
        ("WarmupLR", dict(warmup_type=1, lr=1.0), TypeError, "warmup_type"),
        ("WarmupLR", dict(), ValueError, "warmup_max_lr.*`lr`"),
        ("WarmupLR", dict(warmup_min_lr=float("nan"), lr=1.0), ValueError, "warmup_min_lr"),
        ("WarmupLR", dict(warmup_max_lr="1e-3"), TypeError, "warmup_max_lr"),
        ("WarmupLR", dict(warmup_min_lr=[0.0, 0.1], warmup_max_lr=[1.0, 2.0, 3.0]), ValueError,
         "warmup_min_lr has 2 values, warmup_max_lr has 3"),
        ("WarmupLR", dict(last_batch_iteration=10, lr=1.0), ValueError, "last_batch_iteration"),
        ("WarmupDecayLR", dict(total_num_steps=-1), ValueError, "total_num_steps"),
        ("WarmupDecayLR", dict(total_num_steps=10.5), ValueError, "total_num_steps"),
        ("WarmupCosineLR", dict(total_num_steps=10, warmup_min_ratio=-0.1), ValueError,
         "warmup_min_ratio"),
        ("WarmupCosineLR", dict(total_num_steps=10, cos_min_ratio=float("inf")), ValueError,
         "cos_min_ratio"),
        ("WarmupCosineLR", dict(total_num_steps=10, lr=-1.0), ValueError, "`lr`"),
        ("LRRangeTest", dict(lr_range_test_step_size=0), ValueError, "lr_range_test_step_size"),
        ("LRRangeTest", dict(lr_range_test_step_rate=-1.0), ValueError, "lr_range_test_step_rate"),
        ("LRRangeTest", dict(lr_range_test_min_lr=-1e-3), ValueError, "lr_range_test_min_lr"),
        ("LRRangeTest", dict(lr_range_test_staircase="False"), TypeError, "lr_range_test_staircase"),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1., cycle_first_step_size=0), ValueError,
         "cycle_first_step_size"),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1., cycle_second_step_size=-1), ValueError,
         "cycle_second_step_size"),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1., decay_lr_rate=-0.5), ValueError,
         "decay_lr_rate"),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1., cycle_first_stair_count=1.5), ValueError,
         "cycle_first_stair_count"),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1., cycle_momentum="yes"), TypeError,
         "cycle_momentum"),
        ("OneCycle", dict(cycle_min_lr=.1), ValueError, "missing.*cycle_max_lr"),
        ("OneCycle", dict(cycle_min_lr=.1, cycle_max_lr=1., lr=1.0), ValueError, "unknown.*'lr'"),
    ],
)
def test_invalid_arguments_name_deepspeed_parameters(name, params, exc, match):
    defaults = {"WarmupDecayLR": dict(total_num_steps=10)}.get(name, {})
    with pytest.raises(exc, match=match):
        _build(name, {**defaults, **params})


def test_momentum_arguments():
    cfg = dict(cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=2)
    with pytest.raises(ValueError, match="cycle_max_mom"):
        _build("OneCycle", {**cfg, "cycle_max_mom": 1.0}, hyperparam="momentum")
    with pytest.raises(ValueError, match="hyperparam.*'lr', 'momentum'"):
        ds.one_cycle_ds(**cfg, hyperparam="beta2")
    with pytest.raises(ValueError, match="hyperparam"):
        _build("WarmupLR", dict(lr=1.0), hyperparam="momentum")


# ---------------------------------------------------------------- native-schedule contract
SAMPLES = [
    ("WarmupLR", dict(warmup_min_lr=1e-5, warmup_max_lr=3e-4, warmup_num_steps=100)),
    ("WarmupDecayLR", dict(total_num_steps=500, warmup_max_lr=3e-4, warmup_num_steps=50,
                           warmup_type="linear")),
    ("WarmupCosineLR", dict(total_num_steps=500, warmup_num_steps=50, lr=3e-4)),
    ("LRRangeTest", dict(lr_range_test_min_lr=1e-4, lr_range_test_step_size=10,
                         lr_range_test_staircase=True)),
    ("OneCycle", dict(cycle_min_lr=1e-4, cycle_max_lr=1e-3, cycle_first_step_size=40,
                      cycle_second_step_size=60, decay_step_size=10, decay_lr_rate=0.1)),
]


@pytest.mark.parametrize("name,params", SAMPLES, ids=[n for n, _ in SAMPLES])
def test_native_contract(name, params):
    s = _build(name, params)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    neg = host(s, np.array([-3, 0]))
    assert neg[0] == neg[1]


@pytest.mark.parametrize(
    "fn,kwargs,name,values",
    [
        (ds.warmup_lr, dict(warmup_max_lr=1.0, warmup_num_steps=5), "warmup_num_steps", [1, 4, 9]),
        (ds.warmup_lr, dict(warmup_max_lr=1.0, warmup_num_steps=5), "warmup_min_lr", [0.0, 0.2]),
        (ds.warmup_lr, dict(warmup_num_steps=5, warmup_type="linear"), "lr", [0.5, 1.0]),
        (ds.warmup_decay_lr, dict(total_num_steps=20, warmup_num_steps=5), "total_num_steps",
         [3, 20, 40]),
        (ds.warmup_cosine_lr, dict(total_num_steps=20, warmup_num_steps=5), "warmup_num_steps",
         [2, 6]),
        (ds.warmup_cosine_lr, dict(total_num_steps=20, warmup_num_steps=5), "cos_min_ratio",
         [0.0, 0.1]),
        (ds.one_cycle_ds, dict(cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=4,
                               decay_step_size=3, decay_lr_rate=0.5, decay_mom_rate=0.1,
                               hyperparam="momentum"), "cycle_min_mom", [0.8, 0.85]),
        (ds.one_cycle_ds, dict(cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=4,
                               cycle_first_stair_count=2), "cycle_first_stair_count", [-1, 2]),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_traceable(fn, kwargs, name, values):
    assert_traceable(fn, kwargs, name, values, counts=np.arange(0, 30, 3))


# ---------------------------------------------------------------- plain-Python DeepSpeed
class DSWarmup:
    """DeepSpeed's WarmupLR / WarmupDecayLR (``total`` given) / WarmupCosineLR (``cosine``)."""

    def __init__(self, w, typ, mn=0.0, mx=1.0, total=None, cosine=None):
        self.w, self.typ, self.mn, self.mx, self.total, self.cosine = max(2, w), typ, mn, mx, total, cosine
        self.inv = 1.0 / math.log(self.w)

    def _up(self, it):
        return self.inv * math.log(it + 1) if self.typ == "log" else it / self.w

    def lr(self, it):
        if self.cosine is not None:  # (warmup_min_ratio, cos_min_ratio), times the optimizer lr mx
            m, c = self.cosine
            if it < 0:
                return 0.0
            if it < self.w:
                return self.mx * (m + self._up(it) * (1.0 - m))
            prog = min(1.0, (it - self.w + 1) / max(1, self.total - self.w))
            return self.mx * max(0.0, c + (1.0 - c) * (1 + math.cos(math.pi * prog)) / 2)
        if it < 0:
            return self.mn
        if it < self.w:
            gamma = self._up(it)
        elif self.total is None:
            gamma = 1.0
        else:
            gamma = max(0.0, float(self.total - it) / float(max(1.0, self.total - self.w)))
        return self.mn + (self.mx - self.mn) * gamma


@settings(max_examples=25, deadline=None)
@given(
    w=st.integers(1, 30),
    extra=st.integers(-10, 60),
    typ=st.sampled_from(["log", "linear"]),
    kind=st.sampled_from(["WarmupLR", "WarmupDecayLR", "WarmupCosineLR"]),
    lo=st.floats(0.0, 0.5),
    hi=st.floats(0.5, 2.0),
)
def test_hypothesis_against_plain_deepspeed(w, extra, typ, kind, lo, hi):
    n = max(w + extra, 0)
    if kind == "WarmupLR":
        ref = DSWarmup(w, typ, lo, hi)
        s = _build(kind, dict(warmup_min_lr=lo, warmup_max_lr=hi, warmup_num_steps=w, warmup_type=typ))
    elif kind == "WarmupDecayLR":
        ref = DSWarmup(w, typ, lo, hi, total=n)
        s = _build(kind, dict(total_num_steps=n, warmup_min_lr=lo, warmup_max_lr=hi,
                              warmup_num_steps=w, warmup_type=typ))
    else:
        ref = DSWarmup(w, typ, mx=hi, total=n, cosine=(lo, lo / 10))
        s = _build(kind, dict(total_num_steps=n, warmup_min_ratio=lo, warmup_num_steps=w,
                              cos_min_ratio=lo / 10, warmup_type=typ, lr=hi))
    steps = 2 * max(n, w) + 10
    expected = [ref.lr(k - 1) for k in range(steps)]  # construction at -1, then step() per update
    np.testing.assert_allclose(host(s, np.arange(steps)), expected, rtol=1e-9, atol=1e-12 * hi)
