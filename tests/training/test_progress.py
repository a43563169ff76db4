"""``scheduled_optimizer(..., progress="tokens"|"samples")``: schedules read the data consumed.

Expected values come from an independent source: the progress is ``np.cumsum`` / Python ``sum``
of the amounts fed (Python integers), and the schedules' values are written here by hand in
float64 (``lin``, ``cos_ref``). The semantics are Megatron-LM's
``OptimizerParamScheduler.step(increment)`` (``megatron/core/optimizer_param_scheduler.py``,
NVIDIA/Megatron-LM commit 00caa53af30912914981c86f39db123961678bbd: ``num_steps += increment``
after the update, then ``lr = get_lr()`` for the next one), so update ``k`` uses
``f(n_0 + ... + n_{k-1})``.
"""

from __future__ import annotations

import pickle

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched
from jaxsched.training.progress import ProgressState, _add

T = 50_000  # tokens of the linear ramp


def lin(p):  # linear_schedule(0, 1, T), by hand
    return min(p, T) / T


def cos_ref(p, peak=0.5, steps=40_000):  # cosine_decay_schedule(peak, steps), by hand
    return peak * 0.5 * (1 + np.cos(np.pi * min(p, steps) / steps))


def _opt(unit="tokens"):
    return jaxsched.scheduled_optimizer(
        optax.sgd, learning_rate=jaxsched.linear_schedule(0.0, 1.0, T),
        momentum=jaxsched.cosine_decay_schedule(0.5, 40_000), progress=unit)


_TRACES = []


def _make_step(opt, unit):
    def train_step(params, state, n):
        _TRACES.append(1)
        grads = jax.tree.map(jnp.ones_like, params)
        updates, state = opt.update(grads, state, params, **{unit: n})
        return optax.apply_updates(params, updates), state
    return jax.jit(train_step)


OPT = _opt()
STEP = _make_step(OPT, "tokens")
RNG = np.random.default_rng(16)
AMOUNTS = [int(x) for x in RNG.integers(0, 4096, size=24)]  # per-update tokens, varying


def _run(amounts, params=None, state=None):
    params = {"w": jnp.zeros(3)} if params is None else params
    state = OPT.init(params) if state is None else state
    used = []
    for n in amounts:
        params, state = STEP(params, state, n)
        hp = jaxsched.current_hyperparams(state)
        used.append((float(hp["learning_rate"]), float(hp["momentum"])))
    return params, state, used


def test_the_clock_is_the_cumulative_sum_of_the_amounts_fed():
    _, state, used = _run(AMOUNTS)
    before = np.concatenate([[0], np.cumsum(AMOUNTS)[:-1]])  # tokens before update k
    lr = np.array([u[0] for u in used])
    mom = np.array([u[1] for u in used])
    np.testing.assert_allclose(lr, [lin(p) for p in before], rtol=2e-7, atol=1e-7)
    np.testing.assert_allclose(mom, [cos_ref(p) for p in before], rtol=2e-6, atol=1e-7)
    assert jaxsched.current_progress(state) == sum(AMOUNTS)
    assert isinstance(state, ProgressState) and state.consumed_lo.dtype == jnp.int32


def test_jit_does_not_recompile_as_the_amount_varies():
    _run(AMOUNTS[:2])
    before = len(_TRACES)
    _run(AMOUNTS[2:8] + [0, 2**31 - 1])  # Python ints: one trace for every value
    assert len(_TRACES) == before
    params, state = {"w": jnp.zeros(3)}, OPT.init({"w": jnp.zeros(3)})
    for n in (7, 9, 2**31 - 1):  # int32 arrays (strongly typed: one trace of their own)
        params, state = STEP(params, state, jnp.int32(n))
    assert len(_TRACES) == before + 1
    assert jaxsched.current_progress(state) == 16 + 2**31 - 1


def test_resume_mid_run_is_bit_exact():
    _, _, whole = _run(AMOUNTS)
    params, state, first = _run(AMOUNTS[:10])
    saved = pickle.dumps(jax.tree.map(np.asarray, (params, state)))  # a checkpoint on disk
    params, state = jax.tree.map(jnp.asarray, pickle.loads(saved))
    params2, state2, rest = _run(AMOUNTS[10:], params, state)
    assert first + rest == whole  # the same float32 values, bit for bit
    p_whole, s_whole, _ = _run(AMOUNTS)
    assert np.array_equal(np.asarray(p_whole["w"]), np.asarray(params2["w"]))
    assert jaxsched.current_progress(state2) == jaxsched.current_progress(s_whole) == sum(AMOUNTS)


def test_the_counter_is_exact_past_2_31_and_at_1e12_tokens():
    big = [2**31 - 1, 2**31 - 1, 5, 2**30, 2**31 - 1]
    hi, lo = jnp.int32(0), jnp.int32(0)
    add = jax.jit(_add)
    total = 0
    for n in big:
        hi, lo = add(hi, lo, n)
        total += n
        assert int(hi) * 2**31 + int(lo) == total and 0 <= int(lo) < 2**31
    p = 10**12 - 5  # a state at 1e12 tokens (hi, lo as documented), plus 7 and 2**31 - 1
    hi, lo = add(jnp.int32(p >> 31), jnp.int32(p & (2**31 - 1)), 7)
    hi, lo = add(hi, lo, 2**31 - 1)
    assert int(hi) * 2**31 + int(lo) == 10**12 + 2 + 2**31 - 1
    state = ProgressState(hi, lo, None)
    assert jaxsched.current_progress(state) == 10**12 + 2**31 + 1


def test_a_schedule_in_tokens_reads_the_exact_count_under_x64():
    # a boundary at 1e12 + 1 tokens: exact under x64 (int64 count), one token apart
    with jax.enable_x64(True):
        sched = jaxsched.piecewise_constant_schedule(1.0, {10**12 + 1: 0.5})
        opt = jaxsched.scheduled_optimizer(optax.sgd, learning_rate=sched, progress="tokens")
        p = 10**12
        state = opt.init(jnp.zeros(1))
        state = state._replace(consumed_hi=jnp.int32(p >> 31),
                               consumed_lo=jnp.int32(p & (2**31 - 1)))
        lrs = []
        for _ in range(3):
            _, state = opt.update(jnp.ones(1), state, tokens=1)
            lrs.append(float(state.inner_state.hyperparams["learning_rate"]))
        assert lrs == [1.0, 0.5, 0.5]  # read at 1e12, 1e12 + 1, 1e12 + 2
        assert jaxsched.current_progress(state) == p + 3


def test_a_known_ramp_fed_as_progress_equals_by_tokens():
    # consistency of the two routes (the expected side of the other tests is independent)
    ramp = jaxsched.batch_size_ramp(2, 8, 6, multiple=2)
    f = jaxsched.linear_schedule(0.0, 1.0, T)
    batches = np.asarray(ramp.evaluate(np.arange(12), np)).astype(int)
    _, _, used = _run([int(b) * 512 for b in batches])
    want = np.asarray(jaxsched.by_tokens(f, ramp, 512).evaluate(np.arange(12), np))
    np.testing.assert_allclose([u[0] for u in used], want, rtol=2e-7, atol=1e-7)


def test_inside_a_chain_and_with_samples():
    opt = optax.chain(optax.clip_by_global_norm(1.0), _opt("samples"))
    state = opt.init(jnp.zeros(2))
    for n in (3, 4):
        _, state = opt.update(jnp.ones(2), state, jnp.zeros(2), samples=n)
    assert jaxsched.current_progress(state) == 7
    assert float(jaxsched.current_hyperparams(state)["learning_rate"]) == pytest.approx(lin(3))


@pytest.mark.parametrize("kwargs, err, match", [
    ({}, ValueError, "pass `update.*tokens=n"),
    ({"tokens": 3, "samples": 3}, ValueError, "either `tokens` or `samples`"),
    ({"samples": 3}, ValueError, "`samples` was given, but this optimizer counts tokens"),
    ({"tokens": -1}, ValueError, r"`tokens` must be in \[0, 2\*\*31 - 1\]"),
    ({"tokens": 2**31}, ValueError, "`tokens` must be in"),
    ({"tokens": 3.0}, TypeError, "`tokens` must be an integer"),
    ({"tokens": True}, TypeError, "`tokens` must be an integer"),
    ({"tokens": np.float32(3)}, TypeError, "`tokens` must be an integer"),
    ({"tokens": jnp.ones(2, jnp.int32)}, ValueError, "`tokens` must be a scalar"),
    ({"tokens": jnp.float32(3)}, TypeError, "`tokens` must be an integer"),
    ({"tokens": jnp.int32(-2)}, ValueError, "`tokens` must be in"),
])
def test_bad_amounts_are_refused_by_name(kwargs, err, match):
    state = OPT.init(jnp.zeros(1))
    with pytest.raises(err, match=match):
        OPT.update(jnp.ones(1), state, **kwargs)


def test_a_traced_float_amount_is_refused_and_a_bad_unit_at_construction():
    state = OPT.init(jnp.zeros(1))
    with pytest.raises(TypeError, match="`tokens` must be an integer"):
        jax.jit(lambda s, n: OPT.update(jnp.ones(1), s, tokens=n))(state, 3.0)
    with pytest.raises(ValueError, match="`progress` must be one of"):
        jaxsched.scheduled_optimizer(optax.sgd, learning_rate=0.1, progress="steps")
    with pytest.raises(ValueError, match="no progress counter"):
        jaxsched.current_progress(optax.sgd(0.1).init(jnp.zeros(1)))


def test_per_group_counts_once_per_group_and_multisteps_counts_the_completing_call():
    lr = jaxsched.linear_schedule(0.0, 1.0, 1000)
    opt = jaxsched.per_group(optax.sgd, {"a": "a", "b": "b"}, {"a": 0.1, "b": 1.0},
                             learning_rate=lr, progress="tokens")
    p = {"a": jnp.zeros(2), "b": jnp.zeros(2)}
    state = opt.init(p)
    for n in (10, 20):
        _, state = opt.update(jax.tree.map(jnp.ones_like, p), state, p, tokens=n)
    hp = jaxsched.current_hyperparams(state)
    assert jaxsched.current_progress(state) == 30  # every group counted the same tokens
    assert float(hp["a/learning_rate"]) == pytest.approx(0.1 * 10 / 1000)
    assert float(hp["b/learning_rate"]) == pytest.approx(10 / 1000)
    # MultiSteps (as documented): only the micro-step completing an update reaches the optimizer
    ms = optax.MultiSteps(jaxsched.scheduled_optimizer(optax.sgd, learning_rate=lr,
                                                       progress="tokens"), 2)
    state = ms.init(jnp.zeros(2))
    for n in (10, 20, 30, 40):
        _, state = ms.update(jnp.ones(2), state, jnp.zeros(2), tokens=n)
    assert jaxsched.current_progress(state) == 20 + 40


def test_a_step_driven_optimizer_ignores_tokens_as_optax_extra_args():
    # the documented choice: optax passes every extra argument to every member of a chain
    opt = jaxsched.scheduled_optimizer(optax.sgd, learning_rate=jaxsched.linear_schedule(0.0, 1.0, 4))
    state = opt.init(jnp.zeros(1))
    for _ in range(2):
        _, state = opt.update(jnp.ones(1), state, tokens=1000)
    assert float(jaxsched.current_hyperparams(state)["learning_rate"]) == 0.25  # step 1


def test_without_x64_a_schedule_reads_the_count_within_float32_rounding():
    # the documented bound: the count is read as float32, within a relative 2**-24 (+ 1 ulp)
    sched = jaxsched.linear_schedule(0.0, 1.0, 2 * 10**12)
    opt = jaxsched.scheduled_optimizer(optax.sgd, learning_rate=sched, progress="tokens")
    p = 10**12 + 123_457
    state = opt.init(jnp.zeros(1))
    state = state._replace(consumed_hi=jnp.int32(p >> 31), consumed_lo=jnp.int32(p & (2**31 - 1)))
    _, state = opt.update(jnp.ones(1), state, tokens=0)
    got = float(state.inner_state.hyperparams["learning_rate"])
    assert abs(got - p / (2 * 10**12)) <= 2 * 2**-24 * 0.5
    assert jaxsched.current_progress(state) == p  # the counter itself stays exact
