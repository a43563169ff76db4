"""Sequence-length ramps: ``root_curriculum`` (DeepSpeed's curriculum), ``staircase_ramp`` and
``seq_length_warmup`` (Composer).

References, written here in Python floats/integers from each peer's source (never from
jaxsched):

- DeepSpeed, ``deepspeed/runtime/data_pipeline/curriculum_scheduler.py``
  (``CurriculumScheduler.__fixed_root_get_difficulty``, ``__fixed_discrete_get_difficulty``,
  ``update_difficulty``), deepspeedai/DeepSpeed at commit edaa72212 (the file as last changed by
  1c03d1b1b, 2025-08-17), plus the floor raised to the first multiple of ``difficulty_step`` at
  or above ``min_difficulty`` that the 0.19.8 sdist has; the legacy engine
  (``deepspeed/runtime/engine.py``, ``forward``) called ``update_difficulty(global_steps + 1)``
  before each update, 0.19.8's ``DeepSpeedDataSampler.get_next_global_batch`` increments its
  ``curriculum_step`` before calling it: update ``k`` uses step ``k + 1`` either way.
- Golden vectors: tests/config/golden/deepspeed.json, section ``curriculum``: DeepSpeed 0.19.8's
  own ``CurriculumScheduler`` run from the sdist by scripts/golden/make_deepspeed.py
  (``update_difficulty(k + 1)`` for update ``k``).
- Composer, ``composer/algorithms/seq_length_warmup/seq_length_warmup.py``
  (``SeqLengthWarmup.apply``), mosaicml/composer commit 012538e4e76c458c080e8d16ebec03fccd256b91.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

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
    assert_traceable,
    assert_vmap_counts,
    host,
    jit_eval,
)

import jaxsched


# ----------------------------------------------------------------------------- references
def deepspeed_difficulty(g, lo, hi, total, step, root):
    """DeepSpeed's fixed_root difficulty at ``global_steps = g`` (fixed_linear: root 1)."""
    d = (float(g) / total) ** (1.0 / root)
    d = math.floor(d * (hi - lo) + lo)
    d -= d % step
    d = max(d, -(-lo // step) * step)  # DeepSpeed 0.19.8: not below the first multiple >= min
    return min(d, hi)


def deepspeed_run(n, lo, hi, total, step, root):
    """What DeepSpeed applies to updates 0..n-1: the state starts at min and is updated with
    ``global_steps + 1`` while it is below max."""
    current, out = lo, []
    for k in range(n):
        if current < hi:
            current = deepspeed_difficulty(k + 1, lo, hi, total, step, root)
        out.append(current)
    return out


def composer_length(batch, n, duration, lo, hi, step):
    warmup = int(n * duration)
    every = warmup // ((hi - lo) // step)
    length = step * (batch // every) + lo
    return min(max(length, lo), hi)


# ----------------------------------------------------------------------------- DeepSpeed
@pytest.mark.parametrize("lo, hi, total, step, root", [
    (8, 1024, 100, 8, 1), (8, 1024, 100, 8, 2), (64, 2048, 777, 8, 3), (16, 512, 50, 16, 1),
    (8, 100, 30, 8, 1),       # max not a multiple: the last level is max itself
    (8, 64, 45000, 8, 1),     # a long curriculum (integer path: r * D stays exact)
])
def test_deepspeed_fixed_root_and_linear(lo, hi, total, step, root):
    kind = "fixed_linear" if root == 1 else "fixed_root"
    sc = {"total_curriculum_step": total, "difficulty_step": step}
    if kind == "fixed_root":
        sc["root_degree"] = root
    s = jaxsched.from_config({"type": "deepspeed.curriculum_seqlen", "params": {
        "min_difficulty": lo, "max_difficulty": hi, "schedule_type": kind, "schedule_config": sc}})
    n = min(total + 50, 3000)
    k = np.unique(np.concatenate([np.arange(n), np.linspace(0, total + 10, 400).astype(int)]))
    ref = deepspeed_run(int(k.max()) + 1, lo, hi, total, step, root)
    np.testing.assert_array_equal(host(s, k), [ref[i] for i in k])
    got32 = np.asarray(jax.jit(s)(jnp.asarray(k, jnp.int32)))
    if root == 1:  # the integer path: float32 equals DeepSpeed's float64 exactly
        np.testing.assert_array_equal(got32, [ref[i] for i in k])


DS_GOLDEN = json.loads(
    (Path(__file__).parents[1] / "config" / "golden" / "deepspeed.json").read_text())
CURRICULUM_PAD = jnp.arange(4608, dtype=jnp.int32)  # one count shape for every golden case


def test_deepspeed_curriculum_golden_header():
    assert DS_GOLDEN["version"] == "0.19.8"
    assert "curriculum_scheduler.py" in DS_GOLDEN["curriculum_source"]
    cases = DS_GOLDEN["curriculum"]
    kinds = {c["params"]["schedule_type"] for c in cases}
    assert kinds == {"fixed_linear", "fixed_root", "fixed_discrete"}
    assert max(c["steps"] for c in cases) <= CURRICULUM_PAD.shape[0]


def _float32_boundary(params, k):
    """Counts where DeepSpeed's float64 ``(g/T)**(1/p) D + min`` (g = k + 1) is within float32
    rounding of an integer: there the float32 floor may land one integer lower or higher."""
    sc, lo, hi = params["schedule_config"], params["min_difficulty"], params["max_difficulty"]
    x = ((k + 1.0) / sc["total_curriculum_step"]) ** (1.0 / sc["root_degree"]) * (hi - lo) + lo
    return np.abs(x - np.round(x)) <= 4 * np.finfo(np.float32).eps * np.maximum(np.abs(x), 1.0)


@pytest.mark.parametrize("case", DS_GOLDEN["curriculum"], ids=lambda c: c["id"])
def test_deepspeed_curriculum_matches_golden(case):
    """DeepSpeed's own CurriculumScheduler: exact on numpy; exact on jax float32 too except
    (fixed_root) where DeepSpeed's value sits within float32 rounding of an integer."""
    params = case["params"]
    s = jaxsched.from_config({"type": "deepspeed.curriculum_seqlen", "params": params})
    n, expect = case["steps"], np.asarray(case["difficulty"], np.float64)
    k = np.arange(n)
    np.testing.assert_allclose(host(s, k), expect, rtol=1e-12, atol=1e-12)
    got32 = np.asarray(jit_eval(s, CURRICULUM_PAD), np.float64)[:n]
    off = got32 != expect
    if params["schedule_type"] == "fixed_root":
        assert not np.any(off & ~_float32_boundary(params, k)), k[off]
    else:  # integer paths (linear, discrete): float32 is exact
        np.testing.assert_array_equal(got32, expect)
    assert np.all(got32 == np.round(got32)) and np.all(np.diff(got32) >= 0)


def test_deepspeed_curriculum_golden_floor_raised_to_min_multiple():
    """0.19.8 raises the floored value to the first multiple of difficulty_step >= min (older
    releases returned 0 for min 8, step 16); the golden vector shows it, jaxsched follows."""
    case = next(c for c in DS_GOLDEN["curriculum"]
                if c["id"] == "cl-linear-8-64-T10-s16-min-not-multiple")
    # g/10 * 56 + 8 at g = k + 1 = 1..5: 13.6, 19.2, 24.8, 30.4, 36 -> 0 (raised to 16), 16, 16, 16, 32
    assert case["difficulty"][:5] == [16, 16, 16, 16, 32]
    s = jaxsched.from_config({"type": "deepspeed.curriculum_seqlen", "params": case["params"]})
    assert host(s, np.arange(5)).tolist() == [16, 16, 16, 16, 32]


def test_deepspeed_fixed_discrete():
    s = jaxsched.from_config({"type": "deepspeed.curriculum_seqlen", "params": {
        "min_difficulty": 8, "max_difficulty": 64, "schedule_type": "fixed_discrete",
        "schedule_config": {"difficulty": [8, 16, 64], "max_step": [5, 10]}}})
    # DeepSpeed: global step g <= 5 -> 8, g <= 10 -> 16, else 64, with g = k + 1
    expect = [8 if k + 1 <= 5 else 16 if k + 1 <= 10 else 64 for k in range(15)]
    assert host(s, np.arange(15)).tolist() == expect


def test_root_curriculum_hand_points_and_quirks():
    s = jaxsched.root_curriculum(8, 64, 8, multiple=8, root_degree=2.0)
    # sqrt(t/8) * 56 + 8: 8, 27.8, 36, 42.3, 47.6, 52.3, 56.5, 60.4, 64 -> multiples of 8
    assert host(s, np.arange(10)).tolist() == [8, 24, 32, 40, 40, 48, 56, 56, 64, 64]
    # min not a multiple of the step: rounded down, but never below the first multiple at or
    # above min (DeepSpeed 0.19.8): 5.6 t + 8 = 8, 13.6, 19.2, 24.8, 30.4, 36 -> 16 x 5, 32
    assert host(jaxsched.root_curriculum(8, 64, 10, multiple=16), np.arange(6)).tolist() == [
        16, 16, 16, 16, 16, 32]
    # min == max holds min (DeepSpeed never updates); T = 0 gives max
    assert host(jaxsched.root_curriculum(12, 12, 10, multiple=8), np.arange(3)).tolist() == [12] * 3
    assert host(jaxsched.root_curriculum(8, 64, 0, multiple=8), np.arange(3)).tolist() == [64] * 3


def test_root_curriculum_exact_in_float32_at_large_counts():
    s = jaxsched.root_curriculum(128, 8192, 10**6, multiple=64)
    k = np.array([0, 1, 7, 10**5, 333_333, 999_999, 10**6, 10**7, 2**31 - 1])
    expect = [min((128 + int(x) * 8064 // 10**6) // 64 * 64, 8192) for x in k]
    np.testing.assert_array_equal(np.asarray(jax.jit(s)(jnp.asarray(k, jnp.int32))), expect)
    np.testing.assert_array_equal(host(s, k), expect)


# ----------------------------------------------------------------------------- Composer
@settings(max_examples=15, deadline=None)
@given(n=st.integers(20, 5000), duration=st.sampled_from([0.1, 0.3, 0.5, 1.0]),
       lo=st.sampled_from([8, 16, 64]), span=st.integers(1, 60), step=st.sampled_from([8, 16]))
def test_composer_seq_length_warmup(n, duration, lo, span, step):
    hi = lo + span * step + (step // 2 if span % 3 == 0 else 0)
    if int(n * duration) // ((hi - lo) // step) == 0:
        return  # Composer divides by zero here (covered by test_composer_degenerate)
    s = jaxsched.from_config({"type": "composer.seq_length_warmup", "params": {
        "max_duration": n, "duration": duration, "min_seq_length": lo, "max_seq_length": hi,
        "step_size": step}})
    k = np.arange(0, n + 10, max(1, n // 300))
    expect = [composer_length(int(b), n, duration, lo, hi, step) for b in k]
    np.testing.assert_array_equal(host(s, k), expect)


def test_composer_hand_points_and_degenerate():
    s = jaxsched.seq_length_warmup(100, 0.3, 8, 64, 8)  # W = 30, U = 7, E = 4
    assert [int(s.evaluate(k)) for k in (0, 3, 4, 27, 28, 99)] == [8, 8, 16, 56, 64, 64]
    # E = 0 (Composer: ZeroDivisionError): max from the start; U = 0: min for W, then max
    assert host(jaxsched.seq_length_warmup(10, 0.3, 8, 1024, 8), np.arange(3)).tolist() == [1024] * 3
    s = jaxsched.seq_length_warmup(100, 0.3, 8, 12, 8)
    assert host(s, np.array([0, 29, 30])).tolist() == [8, 8, 12]


# ----------------------------------------------------------------------------- contract
CASES = {
    "root": (jaxsched.root_curriculum, dict(min_value=8, max_value=1024, total_steps=300,
                                            multiple=8, root_degree=2.0)),
    "linear": (jaxsched.root_curriculum, dict(min_value=64, max_value=2048, total_steps=1000,
                                              multiple=64)),
    "staircase": (jaxsched.staircase_ramp, dict(start=8, end=512, increment=8, hold_steps=7)),
    "composer": (jaxsched.seq_length_warmup, dict(total_steps=1000, duration=0.3)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_contract(name):
    build, kw = CASES[name]
    s = build(**kw)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=0, hi=2048, monotone="increasing", horizon=2000)
    assert s.integer_valued


@pytest.mark.parametrize("name, param, values", [
    ("root", "total_steps", [300, 50, 1000]), ("root", "root_degree", [2.0, 3.0]),
    ("root", "max_value", [1024, 256]), ("root", "multiple", [8, 16]),
    ("linear", "min_value", [64, 128]), ("linear", "step_offset", [0, 1]),
    ("staircase", "hold_steps", [7, 1, 0]), ("staircase", "increment", [8, 24]),
    ("composer", "total_steps", [1000, 400]), ("composer", "duration", [0.3, 0.7]),
])
def test_traceable(name, param, values):
    build, kw = CASES[name]
    assert_traceable(build, kw, param, values)


@pytest.mark.parametrize("call, match", [
    (lambda: jaxsched.root_curriculum(64, 8, 10), "max_value"),
    (lambda: jaxsched.root_curriculum(8, 64, -1), "total_steps"),
    (lambda: jaxsched.root_curriculum(8, 64, 10, multiple=0), "multiple"),
    (lambda: jaxsched.root_curriculum(8, 64, 10, root_degree=0.0), "root_degree"),
    (lambda: jaxsched.root_curriculum(8, 2**25, 10), "max_value"),
    (lambda: jaxsched.root_curriculum(8.5, 64, 10), "min_value"),
    (lambda: jaxsched.staircase_ramp(8, 4, 8, 1), "end"),
    (lambda: jaxsched.staircase_ramp(8, 64, 8, -1), "hold_steps"),
    (lambda: jaxsched.seq_length_warmup(100, 1.5), "duration"),
    (lambda: jaxsched.seq_length_warmup(100, step_size=0), "step_size"),
    (lambda: jaxsched.from_config({"type": "deepspeed.curriculum_seqlen", "params": {
        "min_difficulty": 8, "max_difficulty": 64, "schedule_type": "fixed_linear",
        "schedule_config": {"total_curriculum_step": 10}}}), "difficulty_step"),
    (lambda: jaxsched.from_config({"type": "deepspeed.curriculum_seqlen", "params": {
        "min_difficulty": 8, "max_difficulty": 64, "schedule_type": "fixed_cubic",
        "schedule_config": {}}}), "schedule_type"),
])
def test_bad_input_is_refused_by_name(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
