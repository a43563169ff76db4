"""Schedules beyond the learning rate: EMA decay, BYOL momentum, weight-decay increments, a
power law in tokens, and vector-valued data-mixture weights.

References, float64, written here from the peers' source (not from jaxsched):

* timm ``timm/utils/model_ema.py`` (v1.0.x), ``ModelEmaV3.get_decay(step)``:
  ``step = max(0, step - update_after_step - 1)``; 0 when ``step <= 0``; else
  ``max(min(1 - (1 + step / warmup_gamma) ** -warmup_power, decay), min_decay)`` (``decay``
  without warmup). timm's ``train.py`` calls ``update(model, step=num_updates)`` after
  incrementing ``num_updates``, so update ``k`` (0-based) uses ``get_decay(k + 1)``.
* Golden vectors: tests/config/golden/timm.json, section ``ema``: timm 1.0.31's own
  ``ModelEmaV3.get_decay(k + 1)`` for EMA update ``k``, run from the released wheel by
  scripts/golden/make_timm.py (each update checked to move the EMA by ``1 - decay``).
* BYOL (Grill et al. 2020, eq. in section 3.2; deepmind-research ``byol/utils/schedules.py``,
  ``target_ema``): ``1 - (1 - base_ema) * (cos(pi * step / max_steps) + 1) / 2``.
* Megatron-LM ``megatron/core/optimizer_param_scheduler.py``, ``get_wd``: ``end_wd`` when
  ``num_steps > wd_incr_steps``; else ``incr_ratio = num_steps / wd_incr_steps``, ``coeff =
  incr_ratio`` (linear) or ``0.5 * (cos(pi * (1 - incr_ratio)) + 1)`` (cosine), and
  ``start_wd + coeff * (end_wd - start_wd)``.
* Levanter ``src/levanter/optim/config.py`` at 9263f81e8b453241332c2c0b2d2001bfb2d2241c,
  ``PowerLrSchedule``: ``min(lr, batch_size * a * (step * batch_size * seq_length) ** b)``.
* Levanter ``src/levanter/data/mixture.py`` at the same commit, ``MixtureDataset``: each
  stage's weights divided by their sum, stage ``searchsorted(starts, x, "right") - 1``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_float32_accurate,
    assert_properties,
    assert_strong_float32,
    assert_traceable,
    host,
    jit_eval,
)

import jaxsched


# ------------------------------------------------------------------------------ references
def ref_timm_get_decay(step, decay, min_decay, after, use_warmup, gamma, power):
    step = max(0, step - after - 1)
    if step <= 0:
        return 0.0
    if use_warmup:
        d = 1 - (1 + step / gamma) ** -power
        return max(min(d, decay), min_decay)
    return decay


def ref_byol(step, base, max_steps):
    return 1 - (1 - base) * (math.cos(math.pi * step / max_steps) + 1) / 2


def ref_megatron_wd(num_steps, start, end, incr_steps, style):
    if num_steps > incr_steps:
        return end
    if style == "constant":
        return end
    r = num_steps / incr_steps
    coeff = r if style == "linear" else 0.5 * (math.cos(math.pi * (1 - r)) + 1.0)
    return start + coeff * (end - start)


def ref_levanter_power(step, lr, batch_size, seq_length, a, b):
    tokens = step * batch_size * seq_length
    if tokens == 0:
        return lr  # 0 ** b = inf for b < 0: min gives lr
    return min(lr, batch_size * a * tokens ** b)


# ------------------------------------------------------------------------------ EMA (timm)
@pytest.mark.parametrize("decay,min_decay,after,use_warmup,gamma,power", [
    (0.9999, 0.0, 0, True, 1.0, 2 / 3),
    (0.999, 0.5, 10, True, 2.0, 0.75),
    (0.998, 0.0, 3, False, 1.0, 2 / 3),
])
def test_ema_warmup_matches_timm(decay, min_decay, after, use_warmup, gamma, power):
    s = jaxsched.ema_warmup(decay, gamma, power, min_decay, after, use_warmup)
    ks = np.concatenate([np.arange(60), [1000, 31_000, 10**6]])
    expect = [ref_timm_get_decay(int(k) + 1, decay, min_decay, after, use_warmup, gamma, power)
              for k in ks]
    np.testing.assert_allclose(host(s, ks), expect, rtol=1e-13, atol=1e-16)


TIMM_GOLDEN = json.loads(
    (Path(__file__).parents[1] / "config" / "golden" / "timm.json").read_text())
TIMM_DEFAULTS = dict(decay=0.9999, min_decay=0.0, update_after_step=0, use_warmup=False,
                     warmup_gamma=1.0, warmup_power=2 / 3)  # ModelEmaV3's signature
EMA_PAD = jnp.arange(2048, dtype=jnp.int32)  # one count shape for every golden case


def test_timm_golden_ema_header():
    assert TIMM_GOLDEN["version"] == "1.0.31"
    assert "model_ema.py" in TIMM_GOLDEN["ema_source"]
    ema = TIMM_GOLDEN["ema"]
    assert len(ema) >= 30 and max(c["steps"] for c in ema) <= EMA_PAD.shape[0]
    assert sum(c["params"].get("use_warmup", False) for c in ema) >= 10


@pytest.mark.parametrize("case", TIMM_GOLDEN["ema"], ids=lambda c: c["id"])
def test_ema_warmup_matches_timm_golden(case):
    p = {**TIMM_DEFAULTS, **case["params"]}
    s = jaxsched.ema_warmup(p["decay"], p["warmup_gamma"], p["warmup_power"], p["min_decay"],
                            p["update_after_step"], p["use_warmup"])
    n, expect = case["steps"], np.asarray(case["decay"])
    peak = max(float(np.max(np.abs(expect))), 1e-30)
    # absolute 1e-12 on the decay (a number in [0, 1]): timm's `1 - (1 + x) ** -p` cancels, so
    # its tiny decays carry ~1e-16 absolute error (see the huge-gamma test below)
    np.testing.assert_allclose(host(s, np.arange(n)), expect, rtol=1e-12, atol=1e-12)
    got32 = np.asarray(jit_eval(s, EMA_PAD))[:n]
    np.testing.assert_allclose(got32, expect, rtol=1e-6, atol=1e-7 * peak)
    assert_float32_accurate(s, np.arange(n), got32)
    np.testing.assert_array_equal(got32 == 0, expect == 0)  # the copy steps are exactly 0


def test_ema_warmup_tiny_decays_beat_timm_cancellation():
    """gamma = 1e6, p = 1: the exact decay is s / (gamma + s). timm's ``1 - (1 + s/gamma)**-1``
    loses ~10 digits to cancellation there; jaxsched's ``-expm1(-p log1p(x))`` keeps them."""
    case = next(c for c in TIMM_GOLDEN["ema"] if c["id"] == "ema-v3-huge-gamma")
    s_ = np.arange(1, case["steps"], dtype=np.float64)  # s = k for k >= 1
    exact = s_ / (1e6 + s_)
    timm = np.asarray(case["decay"][1:])
    ours = host(jaxsched.ema_warmup(0.9999, 1e6, 1.0), np.arange(1, case["steps"]))
    np.testing.assert_allclose(ours, exact, rtol=4e-16)
    assert np.max(np.abs(timm / exact - 1)) > 1e-12  # the peer's own rounding, not ours
    np.testing.assert_allclose(timm, exact, rtol=0, atol=3e-16)


def test_ema_warmup_hand_values_and_checks():
    # gamma = 1, p = 1: 1 - 1/(1 + s): s = 1 -> 1/2, s = 3 -> 3/4
    s = jaxsched.ema_warmup(0.999, 1.0, 1.0)
    assert host(s, [0, 1, 3, 10**6]).tolist() == pytest.approx([0.0, 0.5, 0.75, 0.999])
    # small s keeps relative precision in float32: 1 - (1 + 1e-6)^-1 ~ 1e-6
    tiny = jaxsched.ema_warmup(0.9999, 1e6, 1.0)
    np.testing.assert_allclose(float(jit_eval(tiny, jnp.int32(1))), 1 / (1e6 + 1), rtol=1e-6)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_config_roundtrip(jaxsched.ema_warmup(0.99, 2.0, 0.75, 0.1, 5))
    assert_properties(jaxsched.ema_warmup(0.99, 2.0, 0.75, 0.1, 5), lo=0.0, hi=0.99,
                      monotone="increasing")
    assert_traceable(jaxsched.ema_warmup, dict(decay=0.999, warmup_gamma=2.0, warmup_power=0.75),
                     "warmup_power", [0.75, 2 / 3])
    for kwargs, name in ((dict(decay=1.5), "decay"), (dict(warmup_gamma=0.0), "warmup_gamma"),
                         (dict(warmup_power=-1.0), "warmup_power"),
                         (dict(update_after_step=-1), "update_after_step")):
        with pytest.raises(ValueError, match=name):
            jaxsched.ema_warmup(**kwargs)


# ------------------------------------------------------------------------------ BYOL momentum
def test_cosine_momentum_matches_byol():
    base, total = 0.996, 1000
    s = jaxsched.cosine_momentum(base, total)
    ks = np.arange(total + 10)
    expect = [ref_byol(min(k, total), base, total) for k in ks]
    np.testing.assert_allclose(host(s, ks), expect, rtol=1e-14, atol=1e-15)
    # hand values at T = 4: 1 - 0.004 (1 + cos(pi k / 4)) / 2
    s4 = jaxsched.cosine_momentum(0.996, 4)
    np.testing.assert_allclose(host(s4, [0, 2, 4, 9]), [0.996, 0.998, 1.0, 1.0], rtol=1e-14)
    assert_backends_agree(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=base, hi=1.0, horizon=total, monotone="increasing")
    assert_traceable(jaxsched.cosine_momentum, dict(base_value=0.99, total_steps=100),
                     "base_value", [0.99, 0.996])
    assert np.all(host(jaxsched.cosine_momentum(0.9, 0), [0, 3]) == 1.0)  # T = 0: E throughout
    with pytest.raises(ValueError, match="total_steps"):
        jaxsched.cosine_momentum(0.9, -1)


# ------------------------------------------------------------------------------ weight decay
@pytest.mark.parametrize("style", ["linear", "cosine", "constant"])
def test_weight_decay_increment_matches_megatron(style):
    start, end, n = (0.0, 0.1, 500) if style != "constant" else (0.1, 0.1, 500)
    s = jaxsched.weight_decay_increment(start, end, n, style)
    ks = np.arange(n + 10)
    expect = [ref_megatron_wd(int(k), start, end, n, style) for k in ks]
    np.testing.assert_allclose(host(s, ks), expect, rtol=1e-13, atol=1e-16)


def test_weight_decay_increment_hand_values_and_checks():
    s = jaxsched.weight_decay_increment(0.0, 0.1, 4, "cosine")
    # 0.1 * (1 - cos(pi k / 4)) / 2
    np.testing.assert_allclose(host(s, [0, 2, 4, 7]), [0.0, 0.05, 0.1, 0.1], rtol=1e-14, atol=0)
    # decreasing weight decay, float32 tail: the last step of a 1e6-step cosine is exact-ish
    d = jaxsched.weight_decay_increment(0.1, 0.0, 10**6, "cosine")
    got = float(jit_eval(d, jnp.int32(10**6 - 1)))
    np.testing.assert_allclose(got, 0.1 * math.sin(math.pi / 2 / 1e6) ** 2, rtol=1e-5)
    assert_backends_agree(s)
    assert_config_roundtrip(s)
    assert_properties(jaxsched.weight_decay_increment(0.01, 0.1, 100, "linear"), lo=0.01, hi=0.1,
                      horizon=100, monotone="increasing")
    assert_traceable(jaxsched.weight_decay_increment,
                     dict(start_value=0.0, end_value=0.1, total_steps=100, style="cosine"),
                     "end_value", [0.1, 0.2])
    assert host(jaxsched.weight_decay_increment(0.0, 0.1, 0), [0, 1]).tolist() == [0.1, 0.1]
    with pytest.raises(ValueError, match="start_value"):
        jaxsched.weight_decay_increment(0.0, 0.1, 10, "constant")
    with pytest.raises(ValueError, match="style"):
        jaxsched.weight_decay_increment(0.0, 0.1, 10, "exp")
    with pytest.raises(ValueError, match="start_value"):
        jaxsched.weight_decay_increment(-0.1, 0.1, 10)


# ------------------------------------------------------------------------------ power law
def test_power_law_matches_levanter():
    lr, bs, seq, a, b = 0.02, 8, 128, 4.6, -0.51
    s = jaxsched.power_law_decay(lr, bs * a, b, tokens_per_step=bs * seq)
    ks = np.concatenate([np.arange(200), [10**4, 10**6]])
    expect = [ref_levanter_power(int(k), lr, bs, seq, a, b) for k in ks]
    np.testing.assert_allclose(host(s, ks), expect, rtol=1e-13)
    f32 = np.asarray(jit_eval(s, jnp.asarray(ks, jnp.int32)), np.float64)
    np.testing.assert_allclose(f32, expect, rtol=3e-6)
    # hand values: 2 (4 t)^-1/2 capped at 0.5: t = 16 -> 2 / 8
    h = jaxsched.power_law_decay(0.5, 2.0, -0.5, tokens_per_step=4.0)
    assert host(h, [0, 1, 4, 16]).tolist() == pytest.approx([0.5, 0.5, 0.5, 0.25])
    assert_backends_agree(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=0.0, hi=lr, monotone="decreasing")
    assert_traceable(jaxsched.power_law_decay,
                     dict(peak_value=0.02, amplitude=36.8, exponent=-0.51, tokens_per_step=1024.0),
                     "exponent", [-0.51, -0.4])
    for kwargs, name in ((dict(amplitude=0.0), "amplitude"), (dict(exponent=0.1), "exponent"),
                         (dict(tokens_per_step=0.0), "tokens_per_step")):
        with pytest.raises(ValueError, match=name):
            jaxsched.power_law_decay(**{**dict(peak_value=1.0, amplitude=1.0, exponent=-0.5),
                                        **kwargs})


# ------------------------------------------------------------------------------ mixture weights
def ref_levanter_mixture(x, stages, names):
    starts = np.array([s for s, _ in stages])
    stage = max(0, int(np.searchsorted(starts, x, side="right")) - 1)
    w = stages[stage][1]
    total = sum(w.values())
    return [w.get(n, 0.0) / total for n in names]


STAGES = [[0, {"web": 0.7, "code": 0.2, "math": 0.1}], [100, {"web": 1.0, "code": 1.0}],
          [250, {"math": 2.0, "web": 6.0}]]


def test_mixture_piecewise_matches_levanter():
    s = jaxsched.mixture_weights(STAGES)
    assert s.names == ("code", "math", "web")
    ks = np.array([0, 1, 99, 100, 101, 249, 250, 10**6])
    expect = np.array([ref_levanter_mixture(k, STAGES, s.names) for k in ks])
    got = host(s, ks)
    assert got.shape == (len(ks), 3)
    np.testing.assert_allclose(got, expect, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0, rtol=1e-14)


def test_mixture_interpolated_hand_values():
    s = jaxsched.mixture_weights([[0, {"a": 3, "b": 1}], [100, {"a": 1, "b": 1}]],
                                 interpolate=True)
    # a: 0.75 -> 0.5 linearly over 100 steps, then held; b = 1 - a
    got = host(s, [0, 40, 100, 500])
    np.testing.assert_allclose(got[:, 0], [0.75, 0.65, 0.5, 0.5], rtol=1e-14)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0, rtol=1e-14)


def test_mixture_shape_contract_across_backends():
    s = jaxsched.mixture_weights(STAGES, interpolate=True)
    ks = np.array([[0, 50], [120, 300]])
    ref = host(s, ks)
    assert ref.shape == (2, 2, 3)
    out = jit_eval(s, jnp.asarray(ks, jnp.int32))
    assert out.shape == (2, 2, 3) and out.dtype == jnp.float32 and not out.weak_type
    np.testing.assert_allclose(np.asarray(out), ref, rtol=2e-6, atol=1e-7)
    assert jax.jit(jax.vmap(s))(jnp.arange(5)).shape == (5, 3)
    assert s(7).shape == (3,)
    np.testing.assert_allclose(s.evaluate(torch.asarray(ks, dtype=torch.float64), torch).numpy(),
                               ref, rtol=1e-14)
    assert_config_roundtrip(s)
    # traceable weights (a 2-D table with explicit starts) and starts: one compile, vmappable
    table = np.array([[1.0, 3.0], [1.0, 1.0]])
    f = jax.jit(jax.vmap(lambda w: jaxsched.mixture_weights(w, starts=[0, 10])(jnp.int32(5))))
    got = f(jnp.stack([jnp.asarray(table), jnp.asarray(table * 2)]))
    np.testing.assert_allclose(np.asarray(got), [[0.25, 0.75], [0.25, 0.75]], rtol=1e-6)
    g = jax.jit(jax.grad(lambda w: jaxsched.mixture_weights(w, starts=[0, 10])(5)[0]))(
        jnp.asarray(table))
    assert np.all(np.isfinite(np.asarray(g)))


@pytest.mark.parametrize("stages,match", [
    ([], "stages"),
    ([[5, {"a": 1}]], "step 0"),
    ([[0, {"a": 1}], [0, {"a": 2}]], "increasing"),
    ([[0, {"a": -1, "b": 2}]], "stages"),
    ([[0, {"a": 0, "b": 0}]], "stages"),
    ([[0, [1, 2]], [10, [1]]], "stages"),
])
def test_mixture_bad_input(stages, match):
    with pytest.raises(ValueError, match=match):
        jaxsched.mixture_weights(stages)
    with pytest.raises(TypeError, match="stages"):
        jaxsched.mixture_weights([[0, {"a": 1}], [10, [1]]])
