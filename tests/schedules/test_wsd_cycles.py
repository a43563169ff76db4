"""``wsd_cycles`` (Levanter's multi-cycle WSD-S) and ``warmup_stable_decay(decay_init_value=)``.

References, float64, written here from the peers' source (not from jaxsched):

* Levanter, ``src/levanter/optim/config.py`` at commit
  9263f81e8b453241332c2c0b2d2001bfb2d2241c, ``OptimizerConfig.lr_scheduler`` and
  ``_get_cycle_minima``: cycle end points ``int(N / C * (i + 1))`` (or the given list, with
  ``N`` appended), and per cycle an optax ``linear_schedule(previous_end, lr, W)`` warmup
  (``W = int(warmup * L)`` in cycle 0, ``int(rewarmup * L)`` later), a constant ``lr`` for
  ``L - W - D`` steps and the decay over ``D = int(decay * L)`` (``L - W`` when ``decay`` is
  None), ``cosine_decay_schedule(lr, D, min_lr_ratio)`` or ``linear_schedule(lr, min_lr, D)``,
  all joined by ``optax.join_schedules`` (each piece in local time from its boundary).
  ``_convert_frac_or_steps`` truncates with ``int``.
* optimus-dl ``WSDScheduler._get_lr_factor`` (``optimus_dl`` lr schedulers, ``wsd.py``): hold
  until ``n_hold = N - int(fract_decay N)``, then ``final + (c - final) (1 - p)`` (linear) or
  ``final + (c - final) (1 + cos(pi p)) / 2`` (cosine), ``p = (k - n_hold) / n_anneal``, with
  ``c = cooldown_start_lr_factor``; ``final`` from ``N`` on.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_traceable,
    host,
    jit_eval,
)

import jaxsched


# ------------------------------------------------------------------ Levanter, float64 reference
def _optax_linear(init, end, steps, t):
    if steps <= 0:
        return init
    return init + (end - init) * min(max(t, 0), steps) / steps


def _optax_cosine(init, steps, alpha, t):
    frac = min(max(t, 0), steps) / steps
    return init * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * frac)) + alpha)


def _conv(x, length):  # _convert_frac_or_steps
    return int(x * length) if x <= 1.0 else int(x)


def ref_levanter(n, lr, min_ratio, warmup, rewarmup, decay, cycles, kind, cycle_length=None):
    """Levanter's lr at each step 0 .. n + 4 (its pieces and join, transcribed)."""
    if cycle_length is not None:
        cl = _conv(cycle_length, n)
        points = [i * cl for i in range(1, n // cl)]
    elif isinstance(cycles, int):
        points = [int(n / cycles * (i + 1)) for i in range(cycles - 1)]
    else:
        points = list(cycles)
    points.insert(0, 0)
    if points[-1] != n:
        points.append(n)
    min_lr = lr * min_ratio
    pieces, bounds, prev = [], [], 0.0
    for ci, (start, end) in enumerate(zip(points[:-1], points[1:])):
        length = end - start
        w = _conv(warmup if ci == 0 else rewarmup, length)
        if w:
            pieces.append(lambda t, p=prev, w=w: _optax_linear(p, lr, w, t))
            bounds.append(start + w)
        d = _conv(decay, length) if decay is not None else length - w
        stable = length - w - d
        if stable:
            pieces.append(lambda t: lr)
            bounds.append(start + w + stable)
        if kind == "constant":
            pieces.append(lambda t: lr)
        elif kind == "cosine":
            pieces.append(lambda t, d=d: _optax_cosine(lr, d, min_ratio, t))
        else:
            pieces.append(lambda t, d=d: _optax_linear(lr, min_lr, d, t))
        prev = pieces[-1](d)
        bounds.append(end)
    out = []
    for k in range(n + 5):
        value = pieces[0](k)
        for b, piece in zip(bounds, pieces[1:]):  # optax.join_schedules
            if k >= b:
                value = piece(k - b)
        out.append(value)
    return np.asarray(out)


LEVANTER_CASES = [
    # n, lr, min_ratio, warmup, rewarmup, decay, cycles, shape
    (100, 3e-4, 0.1, 0.1, 0.0, 0.2, 3, "cosine"),
    (100, 3e-4, 0.1, 0.1, 0.25, 0.2, 3, "linear"),
    (97, 1.0, 0.0, 0.05, 0.1, None, 4, "cosine"),
    (120, 0.5, 0.2, 0.0, 0.3, 0.5, [30, 70], "linear"),
    (120, 0.5, 0.2, 0.2, 0.3, 0.1, [30, 70, 120], "cosine"),
    (50, 2.0, 0.05, 0.1, 0.1, None, 1, "linear"),
    (1000, 6e-4, 0.1, 0.01, 0.05, 0.1, 7, "cosine"),
]


def _ours(n, lr, min_ratio, warmup, rewarmup, decay, cycles, kind):
    return jaxsched.wsd_cycles(lr, n, cycles, warmup=warmup, rewarmup=rewarmup, decay=decay,
                               end_value=lr * min_ratio, decay_shape=kind)


@pytest.mark.parametrize("case", LEVANTER_CASES)
def test_matches_levanter(case):
    expect = ref_levanter(*case)
    s = _ours(*case)
    got = host(s, np.arange(case[0] + 5))
    np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-15)
    # float32 (jit) within 1e-6 relative of the float64 values
    f32 = np.asarray(jit_eval(s, np.arange(case[0] + 5, dtype=np.int32)), np.float64)
    np.testing.assert_allclose(f32, expect, rtol=2e-6, atol=2e-7 * case[1])


def test_hand_derived_rewarmup_from_previous_end():
    # N = 12, two cycles [0, 6), [6, 12); W = D = 2 in each; linear from 1 to 0.1.
    s = jaxsched.wsd_cycles(1.0, 12, 2, warmup=1 / 3, rewarmup=1 / 3, decay=1 / 3, end_value=0.1,
                            decay_shape="linear")
    expect = [0.0, 0.5, 1.0, 1.0, 1.0, 0.55, 0.1, 0.55, 1.0, 1.0, 1.0, 0.55, 0.1, 0.1]
    np.testing.assert_allclose(host(s, np.arange(14)), expect, rtol=1e-12)
    # without re-warmup the second cycle jumps back to the peak at its first step
    s0 = jaxsched.wsd_cycles(1.0, 12, 2, warmup=1 / 3, decay=1 / 3, end_value=0.1,
                             decay_shape="linear")
    assert host(s0, [5, 6, 7]).tolist() == pytest.approx([0.55, 1.0, 1.0])


def test_list_end_points_equal_count_form_and_keyword():
    a = jaxsched.wsd_cycles(1.0, 90, 3, warmup=0.1, rewarmup=0.1, decay=0.2)
    b = jaxsched.wsd_cycles(1.0, 90, [30, 60], warmup=0.1, rewarmup=0.1, decay=0.2)
    c = jaxsched.wsd_cycles(1.0, 90, [30, 60, 90], warmup=0.1, rewarmup=0.1, decay=0.2)
    d = jaxsched.wsd_cycles(1.0, 90, 3, warmup=0.1, rewarmup=0.1, decay=0.2, cycle_ends=[30, 60])
    ref = host(a, np.arange(100))
    for s in (b, c, d):
        np.testing.assert_array_equal(host(s, np.arange(100)), ref)


def test_1sqrt_shape_and_float32_tail():
    # 1 - sqrt(q) over D = 4 steps from 1 to 0: hand values
    s = jaxsched.wsd_cycles(1.0, 8, 1, decay=0.5, decay_shape="1-sqrt")
    expect = [1, 1, 1, 1, 1, 1 - math.sqrt(0.25), 1 - math.sqrt(0.5), 1 - math.sqrt(0.75), 0]
    np.testing.assert_allclose(host(s, np.arange(9)), expect, rtol=1e-12, atol=1e-15)
    # a long cosine tail keeps relative precision in float32 (value ~ 2.5e-12 of the peak)
    n = 10**6
    s = jaxsched.wsd_cycles(1.0, 2 * n, 2, decay=0.5)
    k = np.array([n - 1, 2 * n - 1], np.int32)
    exact = np.sin(np.pi / 2 / (n // 2)) ** 2
    np.testing.assert_allclose(np.asarray(jit_eval(s, k), np.float64), [exact, exact], rtol=1e-5)


def test_standard_checks():
    s = jaxsched.wsd_cycles(1.0, 300, 3, warmup=0.1, rewarmup=0.1, decay=0.2, end_value=0.01)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_config_roundtrip(s)
    assert_config_roundtrip(jaxsched.wsd_cycles(1.0, 300, [50, 200], decay=0.3))
    assert_properties(s, lo=0.0, hi=1.0, horizon=300)


@pytest.mark.parametrize("name,values", [
    ("peak_value", [1.0, 0.5]), ("rewarmup", [0.0, 0.3]), ("decay", [0.2, 0.4]),
    ("total_steps", [300, 240]),
    ("cycles", [[50, 120], [80, 200]]),
])
def test_traceable(name, values):
    kwargs = dict(peak_value=1.0, total_steps=300, cycles=[100, 200], warmup=0.1, rewarmup=0.1,
                  decay=0.2, end_value=0.01)
    assert_traceable(jaxsched.wsd_cycles, kwargs, name, values,
                     grad=name not in ("total_steps", "cycles"))


@pytest.mark.parametrize("kwargs,match", [
    (dict(cycles=0), "cycles"),
    (dict(cycles=[50, 40]), "cycles"),
    (dict(cycles=[0, 40]), "cycles"),
    (dict(cycles=[50, 400]), "cycles"),
    (dict(warmup=1.5), "warmup"),
    (dict(rewarmup=-0.1), "rewarmup"),
    (dict(decay=0.95, warmup=0.1), "warmup"),
    (dict(decay=0.8, rewarmup=0.3), "rewarmup"),
    (dict(decay_shape="exp"), "decay_shape"),
    (dict(total_steps=-1), "total_steps"),
    (dict(cycles=3, cycle_ends=[10]), "cycle_ends"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    base = dict(peak_value=1.0, total_steps=300)
    with pytest.raises(ValueError, match=match):
        jaxsched.wsd_cycles(**{**base, **kwargs})
    with pytest.raises(TypeError, match="cycles"):
        jaxsched.wsd_cycles(1.0, 300, "3")


def test_degenerate_configs_are_finite():
    for s in (jaxsched.wsd_cycles(1.0, 0, 1), jaxsched.wsd_cycles(1.0, 3, 5, rewarmup=1.0),
              jaxsched.wsd_cycles(1.0, 10, 2, warmup=1.0, decay=0.0)):
        vals = host(s, np.arange(15))
        assert np.all(np.isfinite(vals))
    assert host(jaxsched.wsd_cycles(1.0, 0, 1, end_value=0.2), [0, 5]).tolist() == [0.2, 0.2]


# ------------------------------------------------------------------ optimus-dl cooldown factor
def ref_optimus(k, n, lr, final, warmup, init_div, fract, c, kind):
    anneal = int(fract * n)
    hold = n - anneal
    if k < warmup:
        f = k / warmup + (1 - k / warmup) / init_div
    elif k < hold:
        f = 1.0
    elif k < n:
        p = (k - hold) / anneal
        g = 1 - p if kind == "linear" else (1 + math.cos(math.pi * p)) * 0.5
        f = final + (c - final) * g
    else:
        f = final
    return lr * f


@pytest.mark.parametrize("kind", ["linear", "cosine"])
@pytest.mark.parametrize("c", [1.0, 0.5, 0.3])
def test_cooldown_start_factor_matches_optimus_dl(kind, c):
    n, lr, final, w, div, fract = 200, 3e-3, 0.1, 20, 100, 0.25
    s = jaxsched.warmup_stable_decay(lr, n, w, decay_steps=int(fract * n), init_value=lr / div,
                                     end_value=final * lr, decay_shape=kind,
                                     decay_init_value=c * lr)
    # compared as functions of the step: our k is the `step` its `_get_lr_factor` receives
    expect = [ref_optimus(k, n, lr, final, w, div, fract, c, kind) for k in range(n + 5)]
    np.testing.assert_allclose(host(s, np.arange(n + 5)), expect, rtol=1e-12, atol=1e-18)


def test_decay_init_value_default_is_the_peak_and_traceable():
    a = jaxsched.warmup_stable_decay(1.0, 50, 5, decay_steps=10)
    b = jaxsched.warmup_stable_decay(1.0, 50, 5, decay_steps=10, decay_init_value=1.0)
    np.testing.assert_array_equal(host(a), host(b))
    assert_traceable(jaxsched.warmup_stable_decay,
                     dict(peak_value=1.0, total_steps=50, warmup_steps=5, decay_steps=10,
                          end_value=0.1, decay_init_value=0.5),
                     "decay_init_value", [0.5, 0.7])
    assert_config_roundtrip(b)
    with pytest.raises(ValueError, match="decay_init_value"):
        jaxsched.warmup_stable_decay(1.0, 50, decay_steps=10, end_value=0.1,
                                     decay_shape="exponential", decay_init_value=0.0)


def test_cycle_boundaries_exact_for_int32_counts():
    # a cycle ending at 1_000_000_001 (not a float32 number): the new cycle (no re-warmup: the
    # peak) starts exactly there under int32 counts in float32, as in float64
    s = jaxsched.wsd_cycles(1.0, 2_000_000_000, [1_000_000_001], decay=0.5, end_value=0.0,
                            decay_shape="linear")
    k = np.array([1_000_000_000, 1_000_000_001, 1_999_999_999, 2_000_000_000], np.int32)
    got = np.asarray(jit_eval(s, k), np.float64)
    ref = host(s, k)
    assert ref[1] == 1.0 and got[1] == 1.0
    assert 0 < ref[0] < 1e-8 and 0 < got[0] < 1e-8  # one step before the end of the decay
    assert got[3] == 0.0 and ref[3] == 0.0


@pytest.mark.parametrize("params", [
    dict(num_train_steps=100, learning_rate=3e-4, warmup=10, decay=0.2),
    dict(num_train_steps=100, learning_rate=3e-4, warmup=0.05, rewarmup=5, decay=10, cycles=4,
         lr_schedule="linear"),
    dict(num_train_steps=130, learning_rate=1.0, min_lr_ratio=0.0, warmup=0.1, rewarmup=0.2,
         cycle_length=30, lr_schedule="cosine"),
    dict(num_train_steps=120, learning_rate=0.5, warmup=0.1, rewarmup=0.1, cycles=[40, 90],
         lr_schedule="constant"),
    dict(num_train_steps=300, learning_rate=6e-4, cycles=3, warmup=0.01, rewarmup=0.3, decay=0.1),
])
def test_levanter_config_name(params):
    p = dict(learning_rate=6e-4, min_lr_ratio=0.1, warmup=0.01, decay=None, rewarmup=0.0,
             cycles=None, cycle_length=None, lr_schedule="cosine") | params
    expect = ref_levanter(p["num_train_steps"], p["learning_rate"], p["min_lr_ratio"], p["warmup"],
                          p["rewarmup"], p["decay"], p["cycles"] or 1, p["lr_schedule"],
                          p["cycle_length"])
    s = jaxsched.from_config({"type": "levanter.lr_scheduler", "params": params})
    got = host(s, np.arange(p["num_train_steps"] + 5))
    np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-15)


def test_levanter_config_name_errors():
    def build(**kw):
        return jaxsched.from_config({"type": "levanter.lr_scheduler",
                                     "params": dict(num_train_steps=100) | kw})

    with pytest.raises(ValueError, match="`cycle_length` and `cycles`"):
        build(cycles=2, cycle_length=50)
    with pytest.raises(ValueError, match="lr_schedule"):
        build(lr_schedule="power")
    with pytest.raises(ValueError, match="warmup"):
        build(warmup=2.5)
    mix = jaxsched.from_config({"type": "levanter.train_weights",
                                "params": {"train_weights": {"a": 1.0, "b": 3.0}}})
    assert host(mix, [0, 10]).tolist() == [[0.25, 0.75], [0.25, 0.75]]


def test_phases_per_cycle():
    from jaxsched.phases import phases

    # N = 100, C = 3: ends 33, 66; L = 33, 33, 34: W = 3, 3, 3; D = 6, 6, 6 (floor of 0.2 L)
    got = [(p.start, p.label) for p in phases(
        jaxsched.wsd_cycles(1.0, 100, 3, warmup=0.1, rewarmup=0.1, decay=0.2))]
    assert got == [(0, "cycle 1: warmup"), (3, "cycle 1: stable"), (27, "cycle 1: decay"),
                   (33, "cycle 2: rewarmup"), (36, "cycle 2: stable"), (60, "cycle 2: decay"),
                   (66, "cycle 3: rewarmup"), (69, "cycle 3: stable"), (94, "cycle 3: decay"),
                   (100, "end value")]
