"""float32 at the int32 edge: periodic and piecewise families against float64 references.

Random legal configurations, with periods and step parameters drawn up to ``2**31 - 1``, are
evaluated under JAX without x64 (int32 counts, float32 values, the schedule passed to one
jitted evaluator as an argument, the counts padded to one shape) at each period's boundaries
``S - 1, S, S + 1, 2S - 1`` and at counts near ``2**31 - 1``. Each value must agree with a
float64 reference within ``1e-6 x`` the schedule's peak (DESIGN 1.7: integer step boundaries
exact up to ``2**31 - 1``; the issue 14 target); momentum schedules must also stay in
``[0, 1)``.

The references are written here, from each peer's published formula, with Python ints and
floats (``math``); no jaxsched code computes an expected value. Cycle index and position are
formed with Python integers (``divmod``), which is the published formula with exact
arithmetic (the peers' own float forms, e.g. torch's ``1 + t / C - floor(1 + t / C)``, equal it
up to their rounding):

* ``cyclic_schedule`` / ``cyclic_momentum``: torch ``CyclicLR.get_lr`` (pytorch/pytorch,
  ``torch/optim/lr_scheduler.py``, v2.5.0): ``cycle = floor(1 + t/C)``, ``x = 1 + t/C - cycle``,
  ``s = x / r`` for ``x <= r`` else ``(x - 1)/(r - 1)`` with ``r = U/C``; scale ``1``,
  ``1/2**(cycle - 1)`` or ``gamma**t``; momentum ``M_m - (M_m - B_m) s scale``.
* ``one_cycle_with_decay(_momentum)``: DeepSpeed ``OneCycle`` (microsoft/DeepSpeed,
  ``deepspeed/runtime/lr_schedules.py``, v0.14.0) ``_get_cycle_lr`` / ``_get_decay_lr``: the
  triangle ``min + (max - min) s`` over ``C = S1 + S2`` steps, then ``min / (1 + r (t - C)/D)``
  (momentum ``max_mom (1 + r (t - C)/D)``); stairs as jaxsched documents them
  (``floor(n t / S1) / n``).
* ``cosine_restarts`` / ``keras.CosineDecayRestarts``: Keras ``CosineDecayRestarts.__call__``
  (keras-team/keras, ``keras/src/optimizers/schedules/learning_rate_schedule.py``, v3.3.3):
  cycle ``i`` of ``P m**i`` steps from ``S_i = P (m**i - 1)/(m - 1)``,
  ``alpha + (1 - alpha) m_mul**i (1 + cos(pi (t - S_i)/(P m**i)))/2`` times the initial rate.
* ``cosine_hard_restarts``: HF ``get_cosine_with_hard_restarts_schedule_with_warmup``
  (huggingface/transformers, ``src/transformers/optimization.py``, v4.44.0):
  ``t / W`` in the warmup, then ``0.5 (1 + cos(pi ((k p) mod 1)))``, ``p = (t - W)/(N - W)``,
  0 from ``p >= 1``.
* ``cosine_wave``: HF ``get_cosine_schedule_with_warmup`` after its warmup (same file):
  ``0.5 (1 + cos(2 pi c p))`` rescaled to ``[E, I]``; periodic past the end.
* ``step_decay`` / ``multistep_decay``: torch ``StepLR`` / ``MultiStepLR`` closed forms
  (``lr * gamma ** (t // step_size)``, ``lr * gamma ** bisect_right(milestones, t)``).
* ``wsd_cycles``: Levanter's multi-cycle WSD (stanford-crfm/levanter,
  ``src/levanter/optim/config.py``, commit 2b5a6b6): cycle ends ``int(N (i + 1) / C)``,
  warmup ``int(f L)`` steps, decay ``int(d L)`` steps at the cycle's end, cosine decay.

``python tests/schedules/test_int32_edge.py`` prints the worst ``|f32 - f64| / peak`` per
family over a fixed set of random configurations (the figures of the issue 14 note).
"""

from __future__ import annotations

import bisect
import math
import random
import sys
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_checks import jit_eval

import jaxsched
from jaxsched import from_config

TOP = 2**31 - 1
N_COUNTS = 40  # every family's counts padded to this one shape: one compile per structure
TOL = 1e-6  # |f32 - f64| <= TOL * peak


def i32(counts) -> jax.Array:
    """The int32 array of ``counts`` (all within int32), converted on the host and device_put:
    ``jnp.asarray`` would compile a conversion (or copy) program for every new shape. (As
    ``schedule_checks.int32_counts``; this file also runs as a script, without ``tests/`` on
    the path.)"""
    counts = np.asarray(counts, dtype=np.int64)
    assert counts.size == 0 or (counts.min() >= -(2**31) and counts.max() <= TOP)
    return jax.device_put(counts.astype(np.int32))


# ---------------------------------------------------------------------- drawing
class _Draw:
    """Draws from hypothesis (in the tests) or from a seeded ``random.Random`` (the report)."""

    def __init__(self, data=None, rng=None):
        self.data, self.rng = data, rng

    def int(self, lo, hi):
        if self.data is not None:
            return self.data.draw(st.integers(lo, hi))
        return self.rng.randint(lo, hi)

    def choice(self, seq):
        if self.data is not None:
            return self.data.draw(st.sampled_from(seq))
        return self.rng.choice(seq)

    def steps(self, lo=1, hi=TOP):
        """A step count: often near the top of the range, sometimes near 2**30, sometimes small."""
        kind = self.choice(("top", "half", "any", "small"))
        if kind == "top":
            return max(lo, hi - self.int(0, 64))
        if kind == "half":
            return min(hi, max(lo, 2**30 + self.int(-64, 64)))
        if kind == "small":
            return self.int(lo, min(hi, max(lo, 1000)))
        return self.int(lo, hi)

    def value(self, lo, hi):
        """A float32-exact value (so the reference sees the number the float32 path sees)."""
        return float(np.float32(lo + (hi - lo) * self.int(0, 1024) / 1024))


def f32(x: float) -> float:
    return float(np.float32(x))


def _counts(draw: _Draw, periods) -> np.ndarray:
    """Boundaries ``S - 1, S, S + 1, 2S - 1`` of each period, the int32 edge, padded to one shape."""
    out = [0, 1, TOP, TOP - 1, TOP - 2]
    for s in periods:
        out += [s - 1, s, s + 1, 2 * s - 1]
    out += [TOP - draw.int(0, 2**20) for _ in range(4)]
    out = sorted({min(max(int(t), 0), TOP) for t in out})[:N_COUNTS]
    out += [TOP] * (N_COUNTS - len(out))
    return np.asarray(out, dtype=np.int64)


# ---------------------------------------------------------------------- families
def _cyclic_case(draw, momentum=False, mode=None):
    up = draw.steps()
    down = draw.choice((0, up, draw.steps(0)))
    mode = mode or draw.choice(("triangular", "triangular2", "exp_range"))
    gamma = draw.choice((1.0, 1 - 2.0**-24, 1 - 2.0**-20, f32(0.999), 0.5)) if mode == "exp_range" \
        else 1.0
    if momentum:  # 1 - 1e-9 is < 1, but 1.0 in float32
        lo, hi = draw.value(0.0, 0.9), draw.choice((draw.value(0.9, 0.99), 1 - 1e-9))
        s = jaxsched.cyclic_momentum(lo, hi, up, down, mode, gamma)
    else:
        lo, hi = draw.value(0.0, 0.01), draw.value(0.01, 1.0)
        s = jaxsched.cyclic_schedule(lo, hi, up, down, mode, gamma)

    def ref(t):
        c = up + down
        q, r = divmod(t, c)
        x = r / up if r <= up else (c - r) / down
        scale = {"triangular": 1.0, "triangular2": 0.5**q, "exp_range": gamma**t}[mode]
        return hi - (hi - lo) * x * scale if momentum else lo + (hi - lo) * x * scale

    return s, ref, [up, up + down], max(abs(lo), abs(hi)), momentum


def _one_cycle_decay_case(draw, momentum=False):
    s1 = draw.steps()
    s2 = draw.choice((s1, draw.steps(0)))
    n1 = draw.choice((0, draw.int(1, 16), draw.steps()))
    n2 = draw.choice((n1, 0, draw.steps()))
    span = draw.choice((0, draw.steps()))
    rate = draw.value(0.0, 2.0)
    if momentum:
        lo, hi = draw.value(0.5, 0.9), draw.choice((draw.value(0.9, 0.99), 1 - 1e-9))
        rate = draw.value(0.0, 1e-3)
        s = jaxsched.one_cycle_with_decay_momentum(lo, hi, rate, s1, s2, n1, n2, span)
    else:
        lo, hi = draw.value(0.0, 0.01), draw.value(0.01, 1.0)
        s = jaxsched.one_cycle_with_decay(lo, hi, rate, s1, s2, n1, n2, span)

    def ref(t):
        c = s1 + s2
        if t < c:
            if t <= s1:
                h = (n1 * t // s1) / n1 if n1 else t / s1
            else:
                h = (n2 * (c - t) // s2) / n2 if n2 else (c - t) / s2
            return hi - (hi - lo) * h if momentum else lo + (hi - lo) * h
        interval = (t - c) / span if span else 0.0
        if momentum:
            return min(hi * (1 + rate * interval), 1 - 2.0**-24)
        return lo / (1 + rate * interval)

    return s, ref, [s1, s1 + s2], max(abs(lo), abs(hi)), momentum


def _restart_index(t, p, m):
    """Cycle ``i`` and its start ``S_i`` (integers) for cycles of ``p m**i`` steps."""
    if m == 1:
        i = t // p
        return i, i * p
    i, start, length = 0, 0, p
    while start + length <= t:
        start, length, i = start + length, length * m, i + 1
    return i, start


def _restarts_case(draw, keras=False):
    m = draw.choice((1, 1, 2, 3, draw.int(2, 64)))
    p = draw.steps() if m == 1 else draw.choice((draw.steps(1, TOP // (m + 1)), draw.int(1, 5000)))
    init = draw.value(0.01, 1.0)
    alpha = draw.value(0.0, 0.5)
    m_mul = draw.choice((1.0, 0.5, draw.value(0.5, 1.0)))
    if keras:  # Keras's t_mul is a float: the integral 2.0 must restart on integers too
        s = from_config({"type": "keras.CosineDecayRestarts", "params": dict(
            initial_learning_rate=init, first_decay_steps=p, t_mul=float(m), m_mul=m_mul,
            alpha=alpha)})
        end = init * alpha
    else:
        end = f32(init * alpha)
        s = jaxsched.cosine_restarts(init, p, m, end, m_mul)

    def ref(t):
        i, start = _restart_index(t, p, m)
        frac = (t - start) / (p * m**i)
        cos = 0.5 * (1 + math.cos(math.pi * frac))
        if keras:
            return init * ((1 - alpha) * m_mul**i * cos + alpha)
        return end + (init - end) * m_mul**i * cos

    starts = [p * (m**j - 1) // (m - 1) if m > 1 else j * p for j in (1, 2, 3)]
    return s, ref, [p] + starts, init, False


def _hard_restarts_case(draw):
    total = draw.steps(0)
    warm = draw.choice((0, draw.int(0, total), total - draw.int(0, min(total, 64))))
    k = draw.choice((1, 3, draw.int(1, 1000), draw.steps()))
    init = draw.value(0.01, 1.0)
    s = jaxsched.cosine_hard_restarts(init, total, k, warm)
    span = total - warm

    def ref(t):
        if t < warm:
            return init * t / max(1, warm)
        if t >= total:
            return 0.0
        r = (k * (t - warm)) % span  # (k p) mod 1 = r / span, with Python integers
        return init * max(0.0, 0.5 * (1 + math.cos(math.pi * r / span)))

    periods = [warm, total]
    if span:  # restarts at warm + ceil(j span / k)
        periods += [warm + -(-j * span // k) for j in (1, 2, k - 1) if 0 < j < k]
    return s, ref, periods, init, False


def _wave_case(draw):
    d = draw.steps()
    k = draw.choice((1, 2, draw.int(1, 2**24)))  # 2c half waves per D steps (float32-exact c)
    a = draw.choice((0, draw.steps(0)))
    init, end = draw.value(0.1, 1.0), draw.value(0.0, 0.1)
    s = jaxsched.cosine_wave(init, d, end, k / 2, a)

    def ref(t):
        r = (k * (t + a)) % (2 * d)  # the angle pi k (t + a) / D modulo 2 pi, in integers
        return end + (init - end) * 0.5 * (1 + math.cos(math.pi * r / d))

    return s, ref, [d, max(1, d // max(1, k))], init, False


def _step_case(draw):
    size = draw.steps()
    gamma = draw.choice((0.5, f32(0.1), f32(0.9)))
    init = draw.value(0.01, 1.0)
    s = jaxsched.step_decay(init, size, gamma)
    return s, (lambda t: init * gamma ** (t // size)), [size], init, False


def _multistep_case(draw):
    ms = sorted({draw.steps() for _ in range(3)} | {draw.int(1, 100)})
    ms += [t for t in range(TOP - 3, TOP + 1) if t not in ms][:4 - len(ms)]  # 4 distinct
    ms = sorted(ms)
    gamma = draw.choice((0.5, f32(0.1)))
    init = draw.value(0.01, 1.0)
    s = jaxsched.multistep_decay(init, ms, gamma)
    return s, (lambda t: init * gamma ** bisect.bisect_right(ms, t)), ms, init, False


def _wsd_cycles_case(draw, cycles=2):
    n = draw.steps(cycles)
    fw, fr = draw.int(0, 256) / 1024, draw.int(0, 256) / 1024
    fd = draw.choice((None, draw.int(0, 512) / 1024))
    peak, init, end = draw.value(0.1, 1.0), draw.value(0.0, 0.1), draw.value(0.0, 0.1)
    s = jaxsched.wsd_cycles(peak, n, cycles, warmup=fw, rewarmup=fr, decay=fd, init_value=init,
                            end_value=end)
    ends = [n * (i + 1) // cycles for i in range(cycles)]

    def ref(t):
        if t >= n:
            return end
        i = bisect.bisect_right(ends, t)
        start = ends[i - 1] if i else 0
        length = ends[i] - start
        w = math.floor((fw if i == 0 else fr) * length)  # f * L exact in float64 (f = j/1024)
        dec = length - w if fd is None else math.floor(fd * length)
        hold = w + max(length - w - dec, 0)
        u = t - start
        prev = init if i == 0 else end
        if u < w:
            return prev + (peak - prev) * u / w
        if u < hold:
            return peak
        q = (dec - (length - u)) / dec  # (u - H) / D, H = L - D
        return end + (peak - end) * 0.5 * (1 + math.cos(math.pi * q))

    bounds = []
    for i, e in enumerate(ends):
        start = ends[i - 1] if i else 0
        length = e - start
        w = math.floor((fw if i == 0 else fr) * length)
        bounds += [start + w, e - (length - w if fd is None else math.floor(fd * length)), e]
    return s, ref, [b for b in bounds if b > 0], peak, False


FAMILIES = {
    "cyclic_schedule": _cyclic_case,
    "cyclic_momentum": lambda d: _cyclic_case(d, momentum=True, mode="triangular"),
    "one_cycle_with_decay": _one_cycle_decay_case,
    "one_cycle_with_decay_momentum": lambda d: _one_cycle_decay_case(d, momentum=True),
    "cosine_restarts": _restarts_case,
    "keras.CosineDecayRestarts": lambda d: _restarts_case(d, keras=True),
    "cosine_hard_restarts": _hard_restarts_case,
    "cosine_wave": _wave_case,
    "step_decay": _step_case,
    "multistep_decay": _multistep_case,
    "wsd_cycles": _wsd_cycles_case,
}


def _worst(draw: _Draw, family: str) -> tuple[float, int]:
    """``(max |f32 - f64| / peak, the count where it is)`` of one random configuration."""
    s, ref, periods, peak, momentum = FAMILIES[family](draw)
    counts = _counts(draw, periods)
    got = np.asarray(jit_eval(s, i32(counts)), dtype=np.float64)
    assert got.dtype == np.float64 and got.shape == counts.shape
    want = np.array([ref(int(t)) for t in counts], dtype=np.float64)
    if momentum:  # declared range, in float32 too
        assert np.all((got >= 0) & (got < 1)), (family, s, counts[(got < 0) | (got >= 1)])
    err = np.abs(got - want) / max(peak, 1e-30)
    i = int(np.argmax(err))
    return float(err[i]), int(counts[i])


@pytest.fixture(autouse=True, scope="module")
def _float32():
    assert not jax.config.jax_enable_x64, "this file checks the float32 / int32 path"


@pytest.mark.parametrize("family", list(FAMILIES))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_float32_matches_float64_at_the_int32_edge(family, data):
    err, at = _worst(_Draw(data=data), family)
    assert err <= TOL, f"{family}: |f32 - f64| = {err:.3g} x peak at count {at}"


@pytest.mark.parametrize("make", [
    lambda m: jaxsched.cyclic_momentum(0.8, m, 10),
    lambda m: jaxsched.one_cycle_momentum(0.8, m, total_steps=100),
    lambda m: jaxsched.one_cycle_with_decay_momentum(0.8, m, 0.0, 10),
    lambda m: from_config({"type": "torch.OneCycleLR", "params": {
        "max_lr": 1.0, "total_steps": 100, "max_momentum": m}}, hyperparam="momentum"),
])
def test_momentum_declared_below_one_stays_below_one_in_float32(make):
    """``1 - 1e-9`` is a legal momentum (``< 1``) that rounds to 1.0 in float32: the float32
    value must stay below 1 (the largest float32 below 1), as the float64 one does."""
    s = make(1 - 1e-9)
    counts = np.asarray(list(range(N_COUNTS - 1)) + [TOP], np.int64)
    got = np.asarray(jit_eval(s, i32(counts)), np.float64)
    assert np.all(got < 1.0) and np.max(got) == 1 - 2.0**-24


# ---------------------------------------------------------------------- growth caps
F32_MAX = float(np.finfo(np.float32).max)


@pytest.mark.parametrize("make, init, rate, per", [
    # optax exponential_decay(init, T, r): I r**(t / T); torch ExponentialLR: lr gamma**t
    (lambda: jaxsched.exponential_decay(0.1, 1, 1.01), 0.1, 1.01, 1),
    (lambda: from_config({"type": "torch.ExponentialLR", "params": {"lr": 0.1, "gamma": 1.5}}),
     0.1, 1.5, 1),
    # torch StepLR: lr gamma**(t // step_size)
    (lambda: jaxsched.step_decay(-2.0, 10, 3.0), -2.0, 3.0, 10),
    # torch MultiplicativeLR with a constant factor f: lr f**t (the second group of a list)
    (lambda: from_config({"type": "torch.MultiplicativeLR",
                          "params": {"lr": 0.1, "lr_lambda": [1.0, 2.0]}})[1], 0.1, 2.0, 1),
    (lambda: jaxsched.multiplicative_decay(0.0, 4.0), 0.0, 4.0, 1),
])
def test_growth_is_held_at_the_float32_max(make, init, rate, per):
    """A growth without an end value overflows float32 within the int32 horizon (1.01**t at
    t = 8,900): the documented rule holds the factor at the float32 max and the value within
    +-float32 max, never inf or nan, the same on the float32 jit path and the float64 host."""
    s = make()
    counts = np.asarray([0, 1, 10, 100, 10**4, 10**6, 2**31 - 1] * 6, np.int64)[:N_COUNTS]
    counts = np.concatenate([counts, np.full(N_COUNTS - counts.size, TOP, np.int64)])
    got = np.asarray(jit_eval(s, i32(counts)), np.float64)
    host = np.asarray(s.evaluate(counts, np), np.float64)
    want = []
    for t in counts:  # by hand, in Python floats: the factor capped before the product
        k = int(t) // per
        f = F32_MAX if k * math.log(rate) >= math.log(F32_MAX) else rate**k
        want.append(min(max(init * f, -F32_MAX), F32_MAX))
    want = np.asarray(want)
    assert np.all(np.isfinite(got)) and np.all(np.isfinite(host))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(host, want, rtol=1e-6)


def report(n: int = 40, seed: int = 0) -> dict:
    """``{family: (worst |f32 - f64| / peak, count)}`` over ``n`` random configurations each."""
    rng = random.Random(seed)
    out = {}
    for family in FAMILIES:
        out[family] = max(_worst(_Draw(rng=rng), family) for _ in range(n))
    return out


if __name__ == "__main__":  # pragma: no cover - the figures of the issue 14 note
    for name, (err, at) in report(int(sys.argv[1]) if len(sys.argv) > 1 else 40).items():
        print(f"{name:32s} max |f32 - f64| / peak = {err:.2e}  (at count {at})")


@pytest.mark.parametrize("bound", [None, 2**31 - 1])
def test_mul_divmod_is_exact_for_every_int32_operand(bound):
    """``core.numerics.mul_divmod`` against Python's integers: random operands over the whole
    int32 range (``a <= m``), the ends (0, 1, m, 2**16 +- 1, 2**31 - 1) and products that land
    next to a multiple of ``m``, where a float estimate of the quotient is off by one. With a
    ``bound`` that fits, the product is formed directly (only valid for products below 2**31)."""
    from jaxsched.core.arrays import Count
    from jaxsched.core.numerics import mul_divmod

    rng = np.random.default_rng(14)
    top = 2**31 - 1
    m = np.concatenate([rng.integers(1, top + 1, 3000), rng.integers(2**30, top + 1, 3000),
                        rng.integers(1, 300, 1000), [top] * 50, [1] * 10])
    a = np.minimum((rng.random(m.size) * (m + 1)).astype(np.int64), m)
    a[:500], a[500:700] = m[:500], 0
    b = rng.integers(0, top + 1, m.size)
    b[:70] = np.tile([0, 1, top, 2**16, 2**16 - 1, 2**16 + 1, 2**30], 10)
    # a * b = k m - 1, k m, k m + 1: a the rounding-sensitive multiple's neighbour
    k = rng.integers(1, 2**15, 1000)
    b[1000:2000] = 2**16 + rng.integers(0, 2**15, 1000)
    a[1000:2000] = np.minimum((k * m[1000:2000]) // b[1000:2000] + rng.integers(-1, 2, 1000), m[1000:2000])
    a = np.maximum(a, 0)
    if bound is not None:  # the direct product: operands whose product fits
        b = np.minimum(b, top // np.maximum(a, 1))
    f = jax.jit(lambda a, b, m: mul_divmod(Count.make(jnp.int32(0), jnp), a, b, m, bound))
    q, r = (np.asarray(x).astype(object) for x in f(*(i32(x) for x in (a, b, m))))
    prod = a.astype(object) * b.astype(object)
    assert list(q) == list(prod // m.astype(object))
    assert list(r) == list(prod % m.astype(object))


@pytest.mark.parametrize("half", [False, True])
def test_floor_fraction_is_the_exact_product(half):
    """``core.numerics.floor_fraction`` against exact rationals: ``floor(f n)`` (``+ 1/2``)
    for random float32 fractions (tiny ones too: ``f < 2**-7`` has more bits than one 30-bit
    digit) and steps up to ``2**31 - 1``."""
    from jaxsched.core.arrays import Count
    from jaxsched.core.numerics import floor_fraction

    rng = np.random.default_rng(7)
    fracs = np.concatenate([rng.random(40), 10.0 ** rng.uniform(-9, -2, 40),
                            [0.0, 1.0, 0.5, 0.1, 0.001, 1e-4, 2.0**-7, 2.0**-30 * 3]])
    fracs = fracs.astype(np.float32)
    ns = np.concatenate([rng.integers(0, TOP + 1, 6), [0, 1, TOP, 2**30, 10**9]])
    count = Count.make(jnp.int32(0), jnp)
    run = jax.jit(lambda f, n: floor_fraction(count, f, n, half))
    got = np.asarray(run(jax.device_put(fracs[:, None]), i32(ns[None, :])))
    for i, f in enumerate(fracs):
        for j, n in enumerate(ns):
            x = Fraction(float(f)) * int(n) + (Fraction(1, 2) if half else 0)
            assert int(got[i, j]) == x.numerator // x.denominator, (float(f), int(n))


# ------------------------------------------------- non-integral cycle growth, known values
def _exact_starts(p: float, m: float) -> tuple[list[int], int]:
    """Every restart ``S_i = P (m^i - 1)/(m - 1)`` below ``2**31``, exactly, on the float64
    values of ``P`` and ``m`` (the reference: no rounding at all), as integers ``N_i`` with
    ``S_i = N_i / 2**e``: both floats are dyadic rationals, so every ``S_i`` is one too.
    (Python's ``Fraction`` gives the same numbers, but reduces each sum by a gcd of ever longer
    integers: seconds for ``m = 1.01``.)"""
    pn, pd = float(p).as_integer_ratio()  # denominators: powers of two
    mn, md = float(m).as_integer_ratio()
    e, k = pd.bit_length() - 1, md.bit_length() - 1
    out, start, length = [(0, e)], 0, pn  # S_i and P m^i over 2**e
    while start + length <= TOP << e:
        start += length  # S_{i+1} = S_i + P m^i
        out.append((start, e))
        length, start, e = length * mn, start << k, e + k
    return [n << (e - ei) for n, ei in out], e


@pytest.mark.parametrize("m, p, limit", [(2.44, 1000, None), (1.5, 1000, None), (1.1, 1000, None),
                                         (3.7, 7, None), (1.05, 1000, None), (1.01, 1000, None),
                                         (1.5, 2.5, None), (2.44, 1000, 6), (1.5, 2.5, 6)])
def test_non_integral_growth_restarts_on_the_float64_counts(m, p, limit):
    """With a known (not traced) non-integral multiplier, float32 restarts where float64 does
    at every boundary below 2**31 (a float32 boundary such as 1000 * 1.5**13 ... = 387239.0137
    would round onto the count 387239): within 1e-6 x peak at ``floor(S) - 1, floor(S),
    ceil(S), ceil(S) + 1`` of every restart ``S``, against an exact rational reference. Counts
    within 1e-9 S of a boundary are left out: float64 itself cannot place them."""
    init = 0.1
    s = (from_config({"type": "keras.CosineDecayRestarts", "params": dict(
            initial_learning_rate=init, first_decay_steps=p, t_mul=m)})
         if limit is None else jaxsched.cosine_restarts(init, p, m, cycle_limit=limit))
    starts, e = _exact_starts(p, m)
    near = [x / (1 << e) for x in starts]  # correctly rounded (int / int)
    counts = sorted({n for x in near[1:] for n in (math.floor(x) - 1, math.floor(x), math.ceil(x),
                                                   math.ceil(x) + 1)
                     if 0 <= n <= TOP and abs(n - x) > 1e-9 * x} | {0, TOP})
    lengths = [p * m**i for i in range(len(starts))]

    def ref(n: int) -> float:
        i = bisect.bisect_right(near, n) - 1  # then exact: integers against the count
        while i + 1 < len(starts) and starts[i + 1] <= n << e:
            i += 1
        while starts[i] > n << e:
            i -= 1
        if limit is not None and i > limit - 1:
            return 0.0  # past the last cycle: its end value
        frac = (((n << e) - starts[i]) / (1 << e)) / lengths[i]
        return init * 0.5 * (1 + math.cos(math.pi * frac))

    want = np.array([ref(n) for n in counts])
    got = np.asarray(jax.jit(s)(i32(counts)), np.float64)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL * init)
    if m == 2.44 and limit is None:  # the eager call serves the same program (third call on)
        eager = [float(s(int(n))) for n in counts[-4:] * 2][-4:]
        np.testing.assert_allclose(eager, want[-4:], rtol=0, atol=TOL * init)


@pytest.mark.parametrize("n, f", [(663_301_951, 0.001), (638_539_995, 0.001), (12, 1 / 3),
                                  (TOP, 0.0071), (2**31 - 2**20, 0.37)])
def test_known_fractions_give_the_warmup_python_computes(n, f):
    """Levanter computes a cycle's warmup as ``int(f * L)`` in Python floats (the product
    rounded to float64 first: ``int(1/3 * 6) == 2``). With known numbers, float32 warms up
    over exactly those steps (before, float32 used the float32 ``f``, one step off at
    ``N = 663301951, f = 0.001``): linear from 0, so ``t / w`` of the peak before ``w``."""
    w = int(f * n)
    s = jaxsched.wsd_cycles(1.0, n, 1, warmup=f, decay=0.2, decay_shape="linear")
    counts = np.array([w - 1, w, w + 1])
    got = np.asarray(jax.jit(s)(i32(counts)), np.float64)
    np.testing.assert_allclose(got, [(w - 1) / w, 1.0, 1.0], rtol=0, atol=TOL)


# ------------------------------------------------- the exact cycle search, around every boundary
def _cycle_cases(limited: bool) -> tuple[list[int], ...]:
    """Integer periods and multipliers (one per element), each with counts around every restart
    below 2**31 (the float estimate of the index is off by one there), and the walker's answer:
    the cycle, the local count and the distance to the next restart where that fits int32."""
    rows = []
    for p in (1, 2, 3, 7, 10, 1000, 12345, 2**20):
        for m in (2, 3, 4, 5, 7, 10, 16, 100, 1000, 46341, 2**16, TOP):
            starts = [0]
            while starts[-1] + p * m ** (len(starts) - 1) <= TOP:
                starts.append(starts[-1] + p * m ** (len(starts) - 1))
            limit = max(1, len(starts) - 2) if limited else None
            near = {0, 1, TOP} | {s + d for s in starts[1:] for d in (-2, -1, 0, 1, 2)}
            for n in sorted(x for x in near if 0 <= x <= TOP):
                i = bisect.bisect_right(starts, n) - 1
                if limit is not None:
                    i = min(i, limit - 1)
                local = n - starts[i]
                length = p * m**i
                if limit is not None:
                    local = min(local, length)
                rows.append((n, p, m, limit or 1, i, local, length - local, n - local + length))
    return tuple(map(list, zip(*rows)))


@pytest.mark.parametrize("limited", [False, True])
def test_exact_cycle_search_around_every_boundary(limited):
    """``cycles.locate`` on the exact integer path (int32 counts, integer period and multiplier,
    traced, one per element) against a big-integer walker at every restart below 2**31, with
    and without a cycle limit: the cycle, the local count, and the remaining count where the
    next restart fits int32. Every power the search may need (``m^(i0-2) .. m^(i0+1)`` around
    the float estimate ``i0``) is used somewhere here; three (one fewer) fail it."""
    from jaxsched.core.arrays import Count
    from jaxsched.schedules.cycles import locate

    n, p, m, lim, index, local, remaining, next_start = _cycle_cases(limited)

    @jax.jit
    def run(n, p, m, lim):
        cyc = locate(Count.make(n, jnp), p, m, lim if limited else None)
        return cyc.index, cyc.local.n, cyc.remaining

    got_i, got_local, got_rem = (np.asarray(x) for x in run(*(i32(x) for x in (n, p, m, lim))))
    index = np.asarray(index)
    exact_index = index < 2**24  # the index is a float32 array
    np.testing.assert_array_equal(got_i[exact_index], index[exact_index])
    np.testing.assert_array_equal(got_local, local)
    fits = np.asarray(next_start) <= TOP
    np.testing.assert_array_equal(got_rem[fits], np.asarray(remaining, np.float32)[fits])
