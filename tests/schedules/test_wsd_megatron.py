"""``warmup_stable_decay``'s Megatron-LM decay styles and HF's ``num_cycles``.

The references are float64 and written here from the peers' formulas:

* Megatron-LM, ``megatron/core/optimizer_param_scheduler.py``,
  ``OptimizerParamScheduler.get_lr`` with ``lr_decay_style="WSD"``: a linear warmup from
  ``init_lr`` while ``k <= W``, ``min_lr`` for ``k > N``, else ``min_lr + coeff * (max_lr -
  min_lr)`` with ``coeff = 1`` while ``k <= N - D`` and otherwise, at ``r = (k - (N - D)) / D``,
  ``linear`` ``1 - r``, ``cosine`` ``(cos(pi r) + 1) / 2``, ``exponential`` ``2 * 0.5**r - 1``,
  ``minus_sqrt`` ``1 - sqrt(r)``.
* HF transformers, ``src/transformers/optimization.py``, ``_get_wsd_scheduler_lambda``: the
  cosine decay factor ``(1 + cos(pi * num_cycles * 2 * progress)) / 2``, scaled to
  ``factor * (1 - m) + m``, and ``m`` from ``W + S + D`` on.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_strong_float32,
    assert_traceable,
    host,
    int32_counts,
    vmap_eval,
)

import jaxsched

# Megatron's --lr-wsd-decay-style -> jaxsched's decay_shape
MEGATRON_STYLES = {
    "linear": "linear",
    "cosine": "cosine",
    "exponential": "megatron_exponential",
    "minus_sqrt": "minus_sqrt",
}


def ref_megatron(k, max_lr, min_lr, init_lr, w, n, d, style):
    """Megatron-LM's WSD learning rate at step ``k`` (float64, its own branch order)."""
    if w > 0 and k <= w:
        return init_lr + (max_lr - init_lr) * k / w
    if k > n:
        return min_lr
    start = n - d
    if k <= start:
        coeff = 1.0
    else:
        r = (k - start) / d
        coeff = {
            "linear": lambda: 1.0 - r,
            "cosine": lambda: 0.5 * (math.cos(math.pi * r) + 1.0),
            "exponential": lambda: 2.0 * math.pow(0.5, r) - 1.0,
            "minus_sqrt": lambda: 1.0 - math.sqrt(r),
        }[style]()
    return min_lr + coeff * (max_lr - min_lr)


#: Every random configuration's counts, padded to this one length (repeating the last count):
#: with the schedule passed to the shared jitted ``vmap_eval`` as an argument, configurations of
#: one decay shape share one compilation instead of one per configuration and count length.
PADDED = 512


def vmap_int32(s, ks):
    """``jax.vmap(s)`` over the int32 counts ``ks`` under ``jax.jit`` (float64 copy of the output)."""
    padded = np.full(PADDED, ks[-1])
    padded[: ks.size] = ks
    return np.asarray(vmap_eval(s, int32_counts(padded)), np.float64)[: ks.size]


def ref_hf_wsd(t, lr, w, s, d, m, num_cycles, warmup_type="linear"):
    """HF's ``get_wsd_schedule`` lr at step ``t`` with a cosine decay (float64)."""
    if t < w:
        p = t / max(1, w)
        f = {"linear": p, "cosine": 0.5 * (1.0 - math.cos(math.pi * p)),
             "1-sqrt": 1.0 - math.sqrt(1.0 - p)}[warmup_type]
        return lr * max(0.0, f * (1.0 - m) + m)
    if t < w + s:
        return lr
    if t < w + s + d:
        p = (t - w - s) / max(1, d)
        f = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * p))
        return lr * max(0.0, f * (1.0 - m) + m)
    return lr * m


def _megatron_configs(seed, count):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = int(rng.integers(1, 400))
        w = int(rng.integers(0, n))  # leaves room for D >= 1
        d = int(rng.integers(1, n - w + 1))  # Megatron divides by D: D >= 1
        max_lr = float(10 ** rng.uniform(-5, 0))
        min_lr = 0.0 if i % 3 == 0 else max_lr * float(rng.uniform(0, 0.5))
        init_lr = 0.0 if i % 2 == 0 else max_lr * float(rng.uniform(0, 1))
        out.append((n, w, d, max_lr, min_lr, init_lr))
    return out


@pytest.mark.parametrize("style", list(MEGATRON_STYLES))
@pytest.mark.parametrize("cfg", _megatron_configs(16, 12))
def test_megatron_wsd_at_random_configurations(style, cfg):
    n, w, d, max_lr, min_lr, init_lr = cfg
    s = jaxsched.warmup_stable_decay(max_lr, n, w, decay_steps=d, init_value=init_lr,
                                     end_value=min_lr, decay_shape=MEGATRON_STYLES[style])
    ks = np.arange(n + 5)
    expect = np.array([ref_megatron(int(k), max_lr, min_lr, init_lr, w, n, d, style) for k in ks])
    np.testing.assert_allclose(host(s, ks), expect, rtol=1e-12, atol=1e-14 * max_lr)
    got32 = vmap_int32(s, ks)
    np.testing.assert_allclose(got32, expect, rtol=2e-6, atol=2e-7 * max_lr)


def test_megatron_exponential_hand_values():
    # D = 4, N = 8, P = 1, E = 0: coeff = 2 * 0.5**(j/4) - 1 = 2**(1 - j/4) - 1
    s = jaxsched.warmup_stable_decay(1.0, 8, decay_steps=4, decay_shape="megatron_exponential")
    expect = [1.0] * 5 + [2 ** 0.75 - 1, 2 ** 0.5 - 1, 2 ** 0.25 - 1, 0.0, 0.0]
    np.testing.assert_allclose(host(s, np.arange(10)), expect, rtol=1e-15, atol=1e-16)


def test_minus_sqrt_is_one_minus_sqrt():
    kw = dict(decay_steps=37, init_value=0.1, end_value=0.02)
    a = jaxsched.warmup_stable_decay(1.0, 100, 7, decay_shape="minus_sqrt", **kw)
    b = jaxsched.warmup_stable_decay(1.0, 100, 7, decay_shape="1-sqrt", **kw)
    ks = np.arange(110)
    np.testing.assert_array_equal(host(a, ks), host(b, ks))


@pytest.mark.parametrize("shape", ["megatron_exponential", "minus_sqrt", "cosine", "linear"])
def test_float32_tail_keeps_relative_precision(shape):
    # a long decay to 0: the last steps are tiny and must keep float32's relative precision
    n, d = 10**6, 2 * 10**5
    s = jaxsched.warmup_stable_decay(1.0, n, 1000, decay_steps=d, decay_shape=shape)
    style = {v: k for k, v in MEGATRON_STYLES.items()}[shape]
    ks = np.array([n - d + 1, n - d // 2, n - 1000, n - 10, n - 2, n - 1])
    expect = np.array([ref_megatron(int(k), 1.0, 0.0, 0.0, 1000, n, d, style) for k in ks])
    got = np.asarray(jax.jit(jax.vmap(s))(jnp.asarray(ks, jnp.int32)), np.float64)
    np.testing.assert_allclose(got, expect, rtol=1e-5)


def _hf_configs(seed, count):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        w, s, d = (int(x) for x in rng.integers(0, 60, size=3))
        lr = float(10 ** rng.uniform(-4, 0))
        m = float(rng.choice([0.0, rng.uniform(0, 0.3)]))
        cycles = float(rng.choice([0.5, 1.0, 1.5, 2.0, rng.uniform(0, 3)]))
        out.append((w, s, d, lr, m, cycles))
    return out


@pytest.mark.parametrize("cfg", _hf_configs(1616, 16))
def test_hf_num_cycles_at_random_configurations(cfg):
    w, st, d, lr, m, cycles = cfg
    n = w + st + d
    s = jaxsched.warmup_stable_decay(lr, n, w, decay_steps=d, init_value=m * lr, end_value=m * lr,
                                     decay_shape="cosine", num_cycles=cycles)
    ks = np.arange(n + 5)
    expect = np.array([ref_hf_wsd(int(k), lr, w, st, d, m, cycles) for k in ks])
    np.testing.assert_allclose(host(s, ks), expect, rtol=1e-12, atol=1e-14 * lr)
    got32 = vmap_int32(s, ks)
    np.testing.assert_allclose(got32, expect, rtol=2e-6, atol=2e-7 * lr)
    # the ecosystem name passes num_cycles on
    hf = jaxsched.from_config({"type": "hf.warmup_stable_decay", "params": {
        "num_warmup_steps": w, "num_stable_steps": st, "num_decay_steps": d, "min_lr_ratio": m,
        "num_cycles": cycles, "lr": lr}})
    np.testing.assert_allclose(host(hf, ks), expect, rtol=1e-12, atol=1e-14 * lr)


def test_num_cycles_half_is_the_default_bit_for_bit():
    kw = dict(decay_steps=300, end_value=0.0, decay_shape="cosine")
    a = jaxsched.warmup_stable_decay(1.0, 1000, 10, **kw)
    b = jaxsched.warmup_stable_decay(1.0, 1000, 10, num_cycles=0.5, **kw)
    c = jaxsched.warmup_stable_decay(1.0, 1000, 10, num_cycles=jnp.float32(0.5), **kw)
    ks = jnp.arange(1010, dtype=jnp.int32)
    ja, jb = np.asarray(jax.jit(jax.vmap(a))(ks)), np.asarray(jax.jit(jax.vmap(b))(ks))
    np.testing.assert_array_equal(ja, jb)
    # traced n = 1/2 takes the where's first branch: the same values
    np.testing.assert_array_equal(np.asarray(jax.jit(jax.vmap(c))(ks)), ja)


@pytest.mark.parametrize("cycles", [1.5, 2.5])
def test_half_integer_cycles_keep_tail_precision(cycles):
    n, d = 10**6, 2 * 10**5
    s = jaxsched.warmup_stable_decay(1.0, n, 0, decay_steps=d, decay_shape="cosine",
                                     num_cycles=cycles)
    ks = np.array([n - 1000, n - 10, n - 1])
    expect = np.array([ref_hf_wsd(int(k), 1.0, 0, n - d, d, 0.0, cycles) for k in ks])
    got = np.asarray(jax.jit(jax.vmap(s))(jnp.asarray(ks, jnp.int32)), np.float64)
    np.testing.assert_allclose(got, expect, rtol=1e-5)


CONTRACT = {
    "megatron_exponential": dict(decay_shape="megatron_exponential", end_value=0.0),
    "megatron_exponential_floor": dict(decay_shape="megatron_exponential", end_value=0.1),
    "minus_sqrt": dict(decay_shape="minus_sqrt", end_value=0.05),
    "cosine_one_cycle": dict(decay_shape="cosine", num_cycles=1.0, end_value=0.1),
    "cosine_two_and_a_half": dict(decay_shape="cosine", num_cycles=2.5),
}


@pytest.mark.parametrize("name", list(CONTRACT))
def test_contract(name):
    s = jaxsched.warmup_stable_decay(1.0, 100, 10, decay_steps=60, init_value=0.01, **CONTRACT[name])
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_config_roundtrip(s)


BASE = dict(peak_value=1.0, total_steps=100, warmup_steps=10, decay_steps=60, init_value=0.01,
            end_value=0.05)


@pytest.mark.parametrize(
    "name, values, override",
    [
        ("num_cycles", [0.5, 1.0, 0.25, 1.5], dict(decay_shape="cosine")),
        ("end_value", [0.0, 0.2], dict(decay_shape="megatron_exponential")),
        ("peak_value", [1.0, 0.3], dict(decay_shape="megatron_exponential")),
        ("decay_steps", [60, 1, 90], dict(decay_shape="megatron_exponential")),
        ("end_value", [0.0, 0.2], dict(decay_shape="minus_sqrt")),
    ],
)
def test_traceable(name, values, override):
    assert_traceable(jaxsched.warmup_stable_decay, {**BASE, **override}, name, values)


@pytest.mark.parametrize("shape", ["megatron_exponential", "minus_sqrt", "cosine"])
def test_grads_finite(shape):
    def f(peak, end, cycles, t):
        return jaxsched.warmup_stable_decay(peak, 100, 10, decay_steps=60, end_value=end,
                                            decay_shape=shape, num_cycles=cycles)(t)

    g = jax.jit(jax.vmap(jax.grad(f, argnums=(0, 1, 2)), in_axes=(None, None, None, 0)))
    for grads in g(1.0, 0.0, 1.0, jnp.arange(0, 110, dtype=jnp.int32)):
        assert np.all(np.isfinite(np.asarray(grads)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_cycles=-0.5), "num_cycles"),
        (dict(num_cycles=float("nan")), "num_cycles"),
        (dict(decay_shape="megatron-exponential"), "decay_shape"),
    ],
)
def test_invalid(kwargs, match):
    with pytest.raises(ValueError, match=match):
        jaxsched.warmup_stable_decay(1.0, 100, 10, decay_steps=50, **kwargs)
