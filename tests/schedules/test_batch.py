"""Batch-size schedules (``piecewise_integer``, ``batch_size_ramp``, ``rampup_batch_size``) and
the exact step <-> samples map.

References, written here in float64/Python integers from each peer's source (never from
jaxsched):

- Megatron-LM, ``megatron/core/num_microbatches_calculator.py``
  (``RampupBatchsizeNumMicroBatchesCalculator.update``), NVIDIA/Megatron-LM commit
  00caa53af30912914981c86f39db123961678bbd; the training loop (``megatron/training/training.py``)
  calls ``update(consumed_train_samples)`` before each update and then adds
  ``dp * micro_batch * num_microbatches`` (the running batch) to the consumed samples.
- Levanter, ``src/levanter/schedule.py`` (``BatchSchedule.batch_size_at_step``,
  ``global_data_offset_by_step``, ``find_step_containing_offset``), stanford-crfm/levanter commit
  41fb758460cde6c1f8b38a00b1430ec1e7fc0240.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_vmap_counts,
    host,
)

import jaxsched


# ----------------------------------------------------------------------------- references
def megatron_reference(start, inc, samples, target, steps, unit=1, decrease=False):
    """The batch of each update, replaying Megatron's calculator and training loop step by step."""
    per_increment = samples / ((target - start) // inc)
    consumed, out = 0, []
    for _ in range(steps):
        if consumed > samples:
            g = target
        else:
            g = start + int(consumed / per_increment) * inc
        if decrease and g % unit:
            g = (g // unit) * unit
        assert g % unit == 0
        out.append(g)
        consumed += g
    return out


def levanter_reference(schedule, step):
    """``(batch_size_at_step, global_data_offset_by_step)`` from Levanter's segments."""
    segments, offset = [], 0
    for i, (start, value) in enumerate(schedule):
        until = 2**63 - 1 if i == len(schedule) - 1 else schedule[i + 1][0]
        segments.append((start, until, value, offset))
        if until < 2**63 - 1:
            offset += (until - start) * value
    for start, until, value, off in segments:
        if start <= step < until:
            return value, off + (step - start) * value
    raise AssertionError


# ----------------------------------------------------------------------------- Megatron
@pytest.mark.parametrize("start, inc, samples, target", [
    (16, 16, 96, 64),        # hand example: 16 16 32 48 64
    (32, 32, 10_000, 1024),  # GPT-3-like, 31 stages
    (8, 8, 1000, 512),       # samples per increment not an integer (1000 / 63)
    (64, 16, 100, 256),      # a batch crosses several thresholds: stages are skipped
    (10, 10, 30, 40),        # exact thresholds with float per-increment (10.0)
    (3, 1, 7, 10),
])
def test_megatron_against_reference(start, inc, samples, target):
    s = jaxsched.rampup_batch_size(start, inc, samples, target)
    n = 400
    np.testing.assert_array_equal(host(s, np.arange(n)), megatron_reference(start, inc, samples, target, n))


def test_megatron_hand_example_and_skipped_stage():
    # 3 increments of 16 over 96 samples, one per 32 samples consumed
    s = jaxsched.rampup_batch_size(16, 16, 96, 64)
    assert host(s, np.arange(7)).tolist() == [16, 16, 32, 48, 64, 64, 64]
    # start 64, +16 per 100/12 samples: after one batch of 64, int(64 / 8.33) = 7 stages
    s = jaxsched.rampup_batch_size(64, 16, 100, 256)
    assert host(s, np.arange(4)).tolist() == [64, 64 + 7 * 16, 256, 256]


def test_megatron_round_down_and_consistency():
    # micro x dp = 24: Megatron's decrease_batch_size_if_needed rounds each batch down
    s = jaxsched.rampup_batch_size(32, 16, 400, 96, batch_multiple=24, round_down=True)
    np.testing.assert_array_equal(host(s, np.arange(100)),
                                  megatron_reference(32, 16, 400, 96, 100, unit=24, decrease=True))
    with pytest.raises(ValueError, match="multiple of micro_batch_size"):
        jaxsched.rampup_batch_size(32, 16, 400, 96, batch_multiple=24)
    cfg = {"type": "megatron.rampup_batch_size", "params": {
        "rampup_batch_size": [32, 16, 400], "global_batch_size": 96, "micro_batch_size": 4,
        "data_parallel_size": 6, "decrease_batch_size_if_needed": True}}
    assert jaxsched.from_config(cfg) == s


def test_megatron_degenerate():
    # G == start and R == 0 divide by zero in Megatron: the global batch size throughout
    for s in (jaxsched.rampup_batch_size(64, 16, 1000, 64), jaxsched.rampup_batch_size(16, 16, 0, 64)):
        assert host(s, np.arange(5)).tolist() == [64] * 5


# ----------------------------------------------------------------------------- Levanter
LEVANTER = [(0, 32), (1000, 64), (100_000, 128)]


def test_levanter_batch_schedule_and_offsets():
    s = jaxsched.from_config({"type": "levanter.batch_schedule", "params": {
        "schedule": [{"start": a, "value": b} for a, b in LEVANTER]}})
    steps = np.array([0, 1, 500, 999, 1000, 1001, 99_999, 100_000, 100_001, 10**7])
    ref = [levanter_reference(LEVANTER, int(k)) for k in steps]
    np.testing.assert_array_equal(host(s, steps), [r[0] for r in ref])
    np.testing.assert_array_equal(s.samples_at(steps, np), [r[1] for r in ref])
    # Levanter's find_step_containing_offset: the update whose batch holds data index `offset`
    for k in steps:
        off = levanter_reference(LEVANTER, int(k))[1]
        assert s.step_at(off, np) == k and s.step_at(off + s.evaluate(int(k), np) - 1, np) == k
    assert jaxsched.from_config({"type": "levanter.batch_schedule", "params": {"schedule": 256}}) == (
        jaxsched.piecewise_integer([], [256]))
    with pytest.raises(ValueError, match=r"schedule\[0\]"):
        jaxsched.from_config({"type": "levanter.batch_schedule", "params": {
            "schedule": [[10, 32]]}})


# ----------------------------------------------------------------------------- ramps
def ramp_reference(s, e, T, m, shape, t):
    t = min(t, T)
    if T == 0:
        return e
    r = s + (e - s) * t / T if shape == "linear" else s * (e / s) ** (t / T)
    return m * math.floor(r / m + 1e-12)


@pytest.mark.parametrize("args", [(64, 256, 6, 64, "linear"), (32, 1024, 1000, 32, "linear"),
                                  (1, 7, 3, 1, "linear"), (32, 1024, 100, 32, "exponential"),
                                  (16, 4096, 777, 16, "exponential"), (8, 8, 10, 8, "linear"),
                                  (8, 64, 0, 8, "linear")])
def test_ramp_against_reference(args):
    s0, e, T, m, shape = args
    b = jaxsched.batch_size_ramp(s0, e, T, multiple=m, shape=shape)
    t = np.arange(T + 20)
    np.testing.assert_array_equal(host(b, t), [ramp_reference(s0, e, T, m, shape, int(k)) for k in t])


def test_ramp_hand_points():
    b = jaxsched.batch_size_ramp(64, 256, 6, multiple=64)
    assert host(b, np.arange(8)).tolist() == [64, 64, 128, 128, 192, 192, 256, 256]
    # exponential: 32 * 2**(t/2) (doubling every 2 steps), rounded down to a multiple of 32:
    # 32, 45.3, 64, 90.5, 128, 181.0, 256
    b = jaxsched.batch_size_ramp(32, 256, 6, multiple=32, shape="exponential")
    assert host(b, np.arange(8)).tolist() == [32, 32, 64, 64, 128, 160, 256, 256]


# ----------------------------------------------------------------------------- cumulative map
@settings(max_examples=8, deadline=None)
@given(bounds=st.lists(st.integers(0, 60), max_size=5), seed=st.integers(0, 1000))
def test_samples_at_is_the_cumulative_sum(bounds, seed):
    bounds = sorted(bounds)
    vals = np.random.default_rng(seed).integers(1, 5000, len(bounds) + 1).tolist()
    b = jaxsched.piecewise_integer(bounds, vals)
    steps = np.arange(120)
    per_step = host(b, steps)
    expect = np.concatenate([[0], np.cumsum(per_step)[:-1]])
    np.testing.assert_array_equal(b.samples_at(steps, np), expect)
    np.testing.assert_array_equal(np.asarray(b.samples_at(jnp.asarray(steps))), expect)
    np.testing.assert_array_equal(b.samples_at(steps, __import__("torch")).numpy(), expect)
    # step_at inverts it: every sample index maps to the update whose batch holds it
    idx = np.arange(int(expect[-1]) + 1, step=7)
    np.testing.assert_array_equal(b.step_at(idx, np), np.searchsorted(expect, idx, side="right") - 1)


def test_samples_exact_at_large_counts():
    b = jaxsched.batch_size_ramp(512, 4096, 2000, multiple=512)
    k = np.array([0, 1999, 2000, 10**6, 10**9, 2**31 - 1])
    per = host(b, np.arange(2000))
    expect = [int(per[: min(x, 2000)].sum()) + max(x - 2000, 0) * 4096 for x in k]
    got = b.samples_at(k, np)
    assert got.dtype == np.float64 and got.tolist() == expect  # < 2**53: exact
    tokens = jaxsched.by_tokens(jaxsched.linear_schedule(0.0, 1.0, 10**17), b, 8192)
    assert abs(float(tokens.evaluate(2**31 - 1, np)) - expect[-1] * 8192 / 1e17) < 1e-15
    # float32 (JAX without x64): the batch values exact at every count, samples below 2**24
    vals32 = np.asarray(jax.jit(b)(jnp.asarray(k, jnp.int32)))
    np.testing.assert_array_equal(vals32, host(b, k))
    small = np.arange(0, 4000, 37)
    got32 = np.asarray(jax.jit(b.samples_at)(jnp.asarray(small, jnp.int32)))
    np.testing.assert_array_equal(got32, b.samples_at(small, np))
    big = np.asarray(b.samples_at(jnp.asarray(k, jnp.int32)), np.float64)
    np.testing.assert_allclose(big, expect, rtol=2**-23)


def test_by_samples_and_by_tokens_against_cumsum():
    ramp = jaxsched.rampup_batch_size(32, 32, 5000, 256)
    steps = np.arange(400)
    consumed = np.concatenate([[0], np.cumsum(megatron_reference(32, 32, 5000, 256, 400))[:-1]])
    f = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 2000, 60_000, 0.1)
    g = jaxsched.by_samples(f, ramp)
    np.testing.assert_allclose(host(g, steps), host(f, consumed), rtol=1e-12, atol=1e-15)
    # in tokens: "decay over the last 20% of tokens" is the same fraction of data under any ramp
    total = int(consumed[-1]) * 1024
    wsd = jaxsched.warmup_stable_decay(1.0, total, decay_fraction=0.2)
    h = jaxsched.by_tokens(wsd, ramp, 1024)
    np.testing.assert_allclose(host(h, steps), host(wsd, consumed * 1024), rtol=1e-12, atol=1e-15)
    got32 = np.asarray(jax.jit(h)(jnp.asarray(steps, jnp.int32)))
    np.testing.assert_allclose(got32, host(h, steps), atol=2e-6)
    assert_backends_agree(g, steps)
    assert_config_roundtrip(g)
    assert_config_roundtrip(h)


def test_batch_scaled_rules():
    ramp = jaxsched.piecewise_integer([2, 4], [64, 128, 256])
    lin = jaxsched.batch_scaled(jaxsched.constant_schedule(1.0), ramp, 256.0, "linear")
    sq = jaxsched.batch_scaled(jaxsched.constant_schedule(1.0), ramp, 256.0, "sqrt")
    assert host(lin, np.arange(6)).tolist() == [0.25, 0.25, 0.5, 0.5, 1.0, 1.0]
    assert host(sq, np.arange(6)).tolist() == [0.5, 0.5, math.sqrt(0.5), math.sqrt(0.5), 1.0, 1.0]
    assert_backends_agree(sq)
    assert_config_roundtrip(sq)
    one = jaxsched.constant_schedule(1.0)
    d = jax.jit(jax.grad(lambda b0: jaxsched.batch_scaled(one, ramp, b0, "sqrt")(0)))
    assert float(d(256.0)) == pytest.approx(-0.5 * 0.5 / 256.0)


# ----------------------------------------------------------------------------- contract
@pytest.mark.parametrize("build", [
    lambda: jaxsched.piecewise_integer([10, 50, 100], [32, 64, 96, 128]),
    lambda: jaxsched.batch_size_ramp(32, 1024, 200, multiple=32),
    lambda: jaxsched.rampup_batch_size(32, 32, 20_000, 512),
])
def test_contract(build):
    s = build()
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=1, hi=1024, monotone="increasing")
    assert s.integer_valued


def test_the_table_is_traceable():
    counts = jnp.arange(0, 200, 7)
    tables = jnp.asarray([[32, 64, 128], [16, 48, 96]])
    f = jax.jit(jax.vmap(lambda vals: jaxsched.piecewise_integer([20, 80], vals).samples_at(counts)))
    expect = [jaxsched.piecewise_integer([20, 80], t.tolist()).samples_at(np.asarray(counts), np)
              for t in np.asarray(tables)]
    np.testing.assert_array_equal(np.asarray(f(tables)), expect)
    g = jax.jit(lambda bounds: jaxsched.piecewise_integer(bounds, [8, 16, 32])(counts))
    np.testing.assert_array_equal(np.asarray(g(jnp.asarray([20, 80]))),
                                  host(jaxsched.piecewise_integer([20, 80], [8, 16, 32]), counts))
    # the schedule as an argument: one compilation for every table of one length
    h = jax.jit(lambda s, t: s(t))
    keys = {str(h.trace(jaxsched.piecewise_integer([5, 9], v), counts).jaxpr)
            for v in ([1, 2, 3], [4, 5, 6])}
    assert len(keys) == 1


@pytest.mark.parametrize("call, match", [
    (lambda: jaxsched.piecewise_integer([5], [1]), "values"),
    (lambda: jaxsched.piecewise_integer([5, 2], [1, 2, 3]), "boundaries"),
    (lambda: jaxsched.piecewise_integer([5], [1, 0]), r"values\[1\]"),
    (lambda: jaxsched.piecewise_integer([5], [1, 2.5]), r"values\[1\]"),
    (lambda: jaxsched.piecewise_integer([5], [1, 2**24 + 1]), r"values\[1\]"),
    (lambda: jaxsched.batch_size_ramp(48, 256, 10, multiple=32), "start"),
    (lambda: jaxsched.batch_size_ramp(256, 64, 10), "end"),
    (lambda: jaxsched.batch_size_ramp(64, 256, -1), "ramp_steps"),
    (lambda: jaxsched.batch_size_ramp(64, 256, 10, shape="cubic"), "shape"),
    (lambda: jaxsched.rampup_batch_size(16, 20, 100, 64), "batch_size_increment"),
    (lambda: jaxsched.rampup_batch_size(128, 16, 100, 64), "global_batch_size"),
    (lambda: jaxsched.rampup_batch_size(0, 16, 100, 64), "start_batch_size"),
    (lambda: jaxsched.rampup_batch_size(16, 16, -5, 64), "rampup_samples"),
    (lambda: jaxsched.by_samples(jaxsched.cosine_decay(1.0, 10), jaxsched.constant_schedule(8.0)),
     "batch_sizes"),
    (lambda: jaxsched.by_tokens(jaxsched.cosine_decay(1.0, 10), jaxsched.piecewise_integer([], [8]), 0),
     "tokens_per_sample"),
    (lambda: jaxsched.batch_scaled(jaxsched.cosine_decay(1.0, 10), jaxsched.piecewise_integer([], [8]),
                                   0.0), "base_batch_size"),
    (lambda: jaxsched.batch_scaled(jaxsched.cosine_decay(1.0, 10), jaxsched.piecewise_integer([], [8]),
                                   8.0, "cubic"), "rule"),
])
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_traced_ramp_arguments_are_refused_by_name():
    with pytest.raises(TypeError, match="ramp_steps"):
        jax.jit(lambda t: jaxsched.batch_size_ramp(32, 64, t)(3))(jnp.int32(10))
    with pytest.raises(TypeError, match="rampup_samples"):
        jax.jit(lambda r: jaxsched.rampup_batch_size(32, 32, r, 64)(3))(jnp.int32(10))


def test_plot_draws_integer_schedules_as_steps():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    fig = jaxsched.plot({"batch": jaxsched.batch_size_ramp(32, 128, 10, multiple=32),
                         "lr": jaxsched.cosine_decay(100.0, 10)}, 12)
    styles = [line.get_drawstyle() for line in fig.axes[0].lines if line.get_gid() is None]
    assert styles[:2] == ["steps-post", "default"]
    plt.close(fig)
