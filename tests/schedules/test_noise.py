"""with_noise: the counter-based generator bit for bit, the noise law, ranges, backends."""

from __future__ import annotations

import math
import statistics

import array_api_strict
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import schedule_checks as sc
import torch

import jaxsched
from jaxsched.schedules import noise_rng as _noise_rng

M32 = 0xFFFFFFFF


# ---------------------------------------------------------------- independent references
def lowbias32(x: int) -> int:
    """Chris Wellons' lowbias32 on Python ints (uint32 arithmetic)."""
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    x ^= x >> 16
    return x


def ref_bits(seed: int, step: int) -> int:
    """The documented generator: 23 bits per (seed, step)."""
    k = lowbias32((seed & M32) ^ 0x9E3779B9)
    return lowbias32((lowbias32((step & M32) ^ k) + k) & M32) >> 9


def ref_noise(seed, step, pct, std=1.0, kind="normal"):
    """The documented noise in float64: uniform grid, or truncated normal by exact inverse CDF."""
    s = 2 * ref_bits(seed, step) + 1 - 2**23
    if kind == "uniform":
        return pct * s / 2**23
    a = pct / std
    q = 0.5 + s / 2**24 * math.erf(a / math.sqrt(2))
    z = statistics.NormalDist().inv_cdf(q)
    return min(max(std * z, -pct), pct)


SEEDS = [0, 1, 42, 12345, -1, -(2**31), 2**31 - 1]
STEPS = np.array([0, 1, 2, 3, 7, 100, 65535, 65536, 10**6, 2**24 + 1, 2**31 - 2, 2**31 - 1])


# ---------------------------------------------------------------- the integer part
@pytest.mark.parametrize("seed", SEEDS)
def test_bits_identical_on_every_backend(seed):
    expect = [ref_bits(seed, int(k)) for k in STEPS]
    outs = {
        "jax_int32": jax.jit(_noise_rng.random_bits)(jnp.int32(seed), jnp.asarray(STEPS, jnp.int32)),
        "numpy": _noise_rng.random_bits(np.asarray(seed, np.int64), STEPS.astype(np.int64)),
        "torch": _noise_rng.random_bits(torch.tensor(seed), torch.asarray(STEPS)),
        "strict": _noise_rng.random_bits(
            array_api_strict.asarray(seed, dtype=array_api_strict.int64), array_api_strict.asarray(STEPS)
        ),
    }
    for name, out in outs.items():
        assert np.asarray(out).tolist() == expect, name
    assert np.asarray(outs["jax_int32"]).dtype == np.int32
    assert all(0 <= b < 2**23 for b in expect)


def test_bits_are_a_bijection_of_the_step():
    steps = np.arange(2**16, dtype=np.int64)
    b = np.asarray(_noise_rng.random_bits(np.asarray(7, np.int64), steps))
    # 23 of 32 bits kept: 65536 draws from 2**23 values collide about 256 times
    assert len(np.unique(b)) > 65536 - 400


@pytest.mark.parametrize("seed", [42, -7])
def test_uniform_values_are_the_documented_grid(backend, seed):
    counts = STEPS[STEPS < 2**31 - 1]
    s = jaxsched.with_noise(jaxsched.constant_schedule(2.0), noise_pct=0.3, noise_type="uniform", seed=seed)
    expect = [2.0 + 2.0 * ref_noise(seed, int(k), 0.3, kind="uniform") for k in counts]
    out = backend.evaluate(s, counts)
    np.testing.assert_allclose(out, expect, **backend.tolerance(2.0))


@pytest.mark.parametrize("pct, std", [(0.67, 1.0), (0.05, 1.0), (0.9, 0.2), (1.0, 0.05), (0.3, 40.0)])
def test_normal_values_against_exact_inverse_cdf(pct, std):
    counts = np.arange(400)
    s = jaxsched.with_noise(jaxsched.constant_schedule(1.0), noise_pct=pct, noise_std=std, seed=3)
    n = sc.host(s, counts) - 1.0
    expect = np.array([ref_noise(3, int(k), pct, std) for k in counts])
    # the erfc fit (1.2e-7 relative) sets the tolerance
    np.testing.assert_allclose(n, expect, rtol=1e-6, atol=1e-9 * pct)
    # the shared jitted evaluator takes the schedule as an argument: one compile for all five
    n32 = np.asarray(sc.jit_eval(s, jnp.asarray(counts, jnp.int32)), np.float64) - 1.0
    np.testing.assert_allclose(n32, expect, rtol=0, atol=3e-7 * max(1.0, pct / std) + 1e-7)


# ---------------------------------------------------------------- determinism, backends
CHILD = jaxsched.cosine_decay(1.0, 200, end_value=0.1)
CONFIGS = [
    dict(noise_pct=0.67),
    dict(noise_pct=0.2, noise_type="uniform", seed=7, noise_start=10, noise_end=150),
    dict(noise_pct=0.5, noise_std=0.3, seed=-3, noise_start=50),
    dict(noise_pct=0.0),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_standard_checks(cfg):
    s = jaxsched.with_noise(CHILD, **cfg)
    sc.assert_backends_agree(s)
    sc.assert_strong_float32(s)
    sc.assert_vmap_counts(s)
    sc.assert_config_roundtrip(s)
    pct = cfg["noise_pct"]
    horizon = max(200, cfg.get("noise_end") or 0) if cfg.get("noise_end") or pct == 0 else None
    sc.assert_properties(s, lo=0.1 * (1 - pct), hi=1.0 * (1 + pct), horizon=horizon)


def test_deterministic_and_seed_dependent():
    t = np.arange(1000)
    a = jaxsched.with_noise(CHILD, seed=5)
    b = jaxsched.with_noise(CHILD, seed=5)
    c = jaxsched.with_noise(CHILD, seed=6)
    np.testing.assert_array_equal(sc.host(a, t), sc.host(b, t))
    jitted = jax.jit(lambda sch, t: sch(t))
    tj = jnp.asarray(t)
    np.testing.assert_array_equal(np.asarray(jitted(a, tj)), np.asarray(jitted(b, tj)))
    assert np.mean(sc.host(a, t) == sc.host(c, t)) < 0.01
    # a count's noise does not depend on the other counts evaluated with it
    np.testing.assert_array_equal(sc.host(a, t)[[3, 777]], sc.host(a, np.array([3, 777])))


def test_traced_seed_matches_static_seed_without_recompiling():
    f = jax.jit(lambda seed, t: jaxsched.with_noise(CHILD, seed=seed)(t))
    t = jnp.arange(300, dtype=jnp.int32)
    for seed in (0, 42, -9, 2**31 - 1):
        expect = sc.host(jaxsched.with_noise(CHILD, seed=seed), np.arange(300))
        np.testing.assert_allclose(np.asarray(f(jnp.int32(seed), t)), expect, rtol=2e-6, atol=2e-7)
    assert f._cache_size() == 1


def test_float_counts_use_the_floor_and_huge_counts_saturate():
    s = jaxsched.with_noise(jaxsched.constant_schedule(1.0), seed=11)
    np.testing.assert_array_equal(sc.host(s, np.array([3.0, 3.25, 3.99])), sc.host(s, np.array([3, 3, 3])))
    top = sc.host(s, np.array([2**31 - 1]))
    np.testing.assert_array_equal(sc.host(s, np.array([2**31, 10**12])), np.repeat(top, 2))
    out32 = np.asarray(jax.jit(s)(jnp.asarray([2**31 - 1], jnp.int32)), np.float64)
    np.testing.assert_allclose(out32, top, rtol=2e-7)


# ---------------------------------------------------------------- the noise law (10**5 steps)
N = 10**5


def _simpson(f, lo, hi, m=20000):
    h = (hi - lo) / m
    total = f(lo) + f(hi)
    for i in range(1, m):
        total += (4 if i % 2 else 2) * f(lo + i * h)
    return total * h / 3


def law(kind, pct, std):
    """(variance, fourth moment, cdf) of the documented noise law, from first principles."""
    if kind == "uniform":
        return pct**2 / 3, pct**4 / 5, lambda x: (x + pct) / (2 * pct)
    def phi(x):  # unnormalised density of n = std * z
        return math.exp(-0.5 * (x / std) ** 2)

    mass = _simpson(phi, -pct, pct)
    var = _simpson(lambda x: x * x * phi(x), -pct, pct) / mass
    m4 = _simpson(lambda x: x**4 * phi(x), -pct, pct) / mass
    big = statistics.NormalDist(0, std)
    z = big.cdf(pct) - big.cdf(-pct)
    return var, m4, lambda x: (big.cdf(x) - big.cdf(-pct)) / z


@pytest.mark.parametrize(
    "kind, pct, std, seed", [("normal", 0.67, 1.0, 42), ("normal", 0.8, 0.25, 1), ("uniform", 0.5, 1.0, 9)]
)
def test_distribution(kind, pct, std, seed):
    s = jaxsched.with_noise(jaxsched.constant_schedule(1.0), noise_pct=pct, noise_std=std,
                            noise_type=kind, seed=seed)
    n = sc.host(s, np.arange(N)) - 1.0
    var, m4, cdf = law(kind, pct, std)
    se_mean = math.sqrt(var / N)
    se_var = math.sqrt((m4 - var**2) / N)
    assert abs(n.mean()) < 5 * se_mean, (n.mean(), se_mean)
    assert abs(n.var() - var) < 5 * se_var, (n.var(), var, se_var)
    assert np.all(np.abs(n) <= pct) and np.abs(n).max() > 0.99 * pct
    # Kolmogorov-Smirnov against the law (critical value at alpha = 0.001: 1.95 / sqrt(N))
    xs = np.sort(n)
    f = np.array([cdf(x) for x in xs])
    ranks = np.arange(1, N + 1) / N
    ks = max(np.max(np.abs(f - ranks)), np.max(np.abs(f - (ranks - 1 / N))))
    assert ks < 1.95 / math.sqrt(N), ks
    # no serial correlation, no correlation with the next seed's stream
    assert abs(np.corrcoef(n[:-1], n[1:])[0, 1]) < 5 / math.sqrt(N)
    other = sc.host(jaxsched.with_noise(jaxsched.constant_schedule(1.0), noise_pct=pct, noise_std=std,
                                        noise_type=kind, seed=seed + 1), np.arange(N)) - 1.0
    assert abs(np.corrcoef(n, other)[0, 1]) < 5 / math.sqrt(N)


# ---------------------------------------------------------------- ranges
@pytest.mark.parametrize("start, end", [(0, None), (10, None), (10, 20), (5, 5), (0, 1)])
def test_noise_range_and_untouched_child(backend, start, end):
    t = np.arange(60)
    s = jaxsched.with_noise(CHILD, noise_pct=0.5, seed=1, noise_start=start, noise_end=end)
    out = backend.evaluate(s, t)
    base = backend.evaluate(CHILD, t)
    inside = (t >= start) & ((t < end) if end is not None else True)
    np.testing.assert_array_equal(out[~inside], base[~inside])  # bit for bit
    assert np.all(out[inside] != base[inside])
    rel = out[inside] / base[inside] - 1
    assert np.all(np.abs(rel) <= 0.5 * (1 + 1e-6))


def test_negative_counts_are_count_zero():
    s = jaxsched.with_noise(CHILD, seed=2)
    np.testing.assert_array_equal(sc.host(s, np.array([-5, -1])), sc.host(s, np.array([0, 0])))


def test_in_a_sequence_each_piece_keeps_its_seed():
    a = jaxsched.with_noise(jaxsched.constant_schedule(1.0), seed=1)
    b = jaxsched.with_noise(jaxsched.constant_schedule(1.0), seed=2)
    seq = jaxsched.join_schedules([a, b], [50])
    t = np.arange(100)
    expect = np.concatenate([sc.host(a, t[:50]), sc.host(b, t[50:] - 50)])
    np.testing.assert_array_equal(sc.host(seq, t), expect)
    np.testing.assert_allclose(np.asarray(jax.jit(seq)(jnp.asarray(t))), expect, rtol=2e-6)


def test_callable_child():
    s = jaxsched.with_noise(lambda t: 0.5 * jnp.ones_like(t, dtype=jnp.float32), noise_pct=0.1)
    out = np.asarray(jax.jit(s)(jnp.arange(10)))
    assert np.all(np.abs(out / 0.5 - 1) <= 0.1 + 1e-6) and np.any(out != 0.5)


@pytest.mark.parametrize(
    "name, values, kind",
    [("noise_pct", [0.1, 0.5, 0.9], "normal"), ("noise_pct", [0.1, 0.5, 0.9], "uniform"),
     ("noise_std", [0.2, 1.0, 3.0], "normal"), ("seed", [0, 5, 2**31 - 1], "normal"),
     ("noise_start", [0, 10, 40], "uniform"), ("noise_end", [50, 60, 200], "uniform")],
)
def test_traceable(name, values, kind):
    kw = dict(schedule=CHILD, noise_pct=0.5, noise_std=1.0, noise_type=kind, seed=3, noise_start=0,
              noise_end=100)
    counts = np.array([0, 1, 5, 10, 39, 40, 49, 50, 99, 100, 199, 250, 1000])
    sc.assert_traceable(jaxsched.with_noise, kw, name, values, counts=counts)


def test_grad_wrt_pct_and_std_is_finite_at_the_edges():
    f = jax.jit(jax.vmap(jax.grad(lambda p, sd, t: jaxsched.with_noise(CHILD, noise_pct=p, noise_std=sd)(t),
                                  argnums=(0, 1)), in_axes=(None, None, 0)))
    t = jnp.arange(2000)
    for p, sd in [(0.0, 1.0), (1.0, 1e-3), (0.5, 1e3), (1.0, 1e-30)]:
        gp, gs = f(jnp.float32(p), jnp.float32(sd), t)
        assert np.all(np.isfinite(np.asarray(gp))) and np.all(np.isfinite(np.asarray(gs))), (p, sd)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(noise_pct=-0.1), ValueError, "noise_pct"),
        (dict(noise_pct=1.5), ValueError, "noise_pct"),
        (dict(noise_pct=float("nan")), ValueError, "noise_pct"),
        (dict(noise_pct="0.5"), TypeError, "noise_pct"),
        (dict(noise_std=0.0), ValueError, "noise_std"),
        (dict(noise_std=-1.0), ValueError, "noise_std"),
        (dict(noise_std=float("inf")), ValueError, "noise_std"),
        (dict(noise_type="gaussian"), ValueError, "noise_type"),
        (dict(noise_type=None), TypeError, "noise_type"),
        (dict(seed=1.5), ValueError, "seed"),
        (dict(seed=2**31), ValueError, "seed"),
        (dict(seed=-(2**31) - 1), ValueError, "seed"),
        (dict(seed=True), TypeError, "seed"),
        (dict(seed="42"), TypeError, "seed"),
        (dict(noise_start=-1), ValueError, "noise_start"),
        (dict(noise_start=float("inf")), ValueError, "noise_start"),
        (dict(noise_end=-2), ValueError, "noise_end"),
        (dict(noise_start=10, noise_end=5), ValueError, "noise_end"),
        (dict(noise_end="5"), TypeError, "noise_end"),
        (dict(schedule=3.0), TypeError, "schedule"),
    ],
)
def test_invalid(kw, exc, match):
    args = {"schedule": CHILD, **kw}
    with pytest.raises(exc, match=match):
        jaxsched.with_noise(**args)
