"""The Schedule object and the conventions every schedule keeps (DESIGN sections 1 and 2)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import array_api_compat
import array_api_compat.numpy
import array_api_compat.torch
import array_api_strict
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import jaxsched

INT32_MAX = 2**31 - 1


def test_jaxsched_imports_neither_torch_nor_jax_until_used():
    """`import jaxsched` imports neither torch nor JAX (nor optax); after it, `jaxsched.torch`
    works (it was a bare AttributeError) and imports torch only then, and the torch bridge runs
    without JAX; a schedule built before `import jax` is a pytree after it (its class registered
    when JAX was imported); an unknown attribute is still an AttributeError."""
    code = (
        "import sys, jaxsched\n"
        "assert not {'torch', 'jax', 'optax'} & set(sys.modules), 'import jaxsched imported them'\n"
        "s = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 3, 10, end_value=0.01)\n"
        "c = jaxsched.cosine_decay(1.0, 10)\n"
        "assert jaxsched.torch.Scheduler.__name__ == 'Scheduler'\n"
        "assert 'torch' in sys.modules\n"
        "import torch\n"
        "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1, momentum=0.9)\n"
        "sched = jaxsched.torch.Scheduler(opt, s, momentum=jaxsched.linear_schedule(0.9, 0.5, 10),\n"
        "                                 plateau=jaxsched.plateau_config(factor=0.5, patience=1))\n"
        "for _ in range(4):\n    opt.step(); sched.step(1.0)\n"
        "# constructors whose checks look for traced leaves (lists, nested schedules)\n"
        "jaxsched.piecewise_constant_schedule(1.0, {10: 0.5}).evaluate(range(3), __import__('numpy'))\n"
        "jaxsched.replan(c, at=5, total_steps=20)\n"
        "jaxsched.from_config({'type': 'timm.cosine', 'params': {'t_initial': 100, 'lr': 0.1}})\n"
        "assert 'jax' not in sys.modules, 'the torch bridge or a constructor imported JAX'\n"
        "import jax, jax.numpy as jnp\n"
        "assert jax.tree_util.tree_leaves(c) == [1.0, 10, 0.0, 1.0]  # its four fields\n"
        "out = jax.jit(lambda sch, t: sch(t))(s, jnp.arange(4))\n"
        "assert abs(float(out[2]) - 0.2 / 3) < 1e-7, out\n"
        "assert len(jax.tree_util.tree_leaves(jaxsched.plateau_config(factor=0.5))) > 1\n"
        "try:\n    jaxsched.no_such_name\nexcept AttributeError as e:\n"
        "    assert 'no_such_name' in str(e)\nelse:\n    raise SystemExit('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "xp", [np, array_api_compat.numpy, torch, array_api_compat.torch, jnp, array_api_strict]
)
def test_evaluate_accepts_plain_modules_and_compat_wrappers(xp):
    s = jaxsched.linear_schedule(1.0, 0.0, 4)
    counts = xp.asarray([0, 1, 2, 4, 9])
    out = np.asarray(s.evaluate(counts, xp))
    np.testing.assert_allclose(out, [1.0, 0.75, 0.5, 0.0, 0.0], atol=1e-7)


def test_dtypes_per_namespace():
    s = jaxsched.cosine_decay(1.0, 10)
    assert s.evaluate(3, np).dtype == np.float64
    assert s.evaluate(torch.tensor(3), torch).dtype == torch.get_default_dtype()
    assert s.evaluate(torch.tensor(3.0, dtype=torch.float64), torch).dtype == torch.float64
    assert s(3).dtype == jnp.float32 and not s(3).weak_type
    with jax.enable_x64(True):
        assert jaxsched.cosine_decay(1.0, 10)(3).dtype == jnp.float64
    assert s.evaluate(array_api_strict.asarray(3), array_api_strict).dtype == array_api_strict.float64


def test_numpy_counts_through_the_jax_path():
    s = jaxsched.constant_schedule(1.0)
    np.testing.assert_array_equal(np.asarray(s(np.arange(3))), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(s.evaluate(torch.arange(3), jnp)), [1.0, 1.0, 1.0])


def test_vmap_over_hyperparameter_with_concrete_count_array():
    out = jax.vmap(lambda p: jaxsched.cosine_decay(p, 10)(jnp.arange(12)))(jnp.array([1.0, 2.0]))
    assert out.shape == (2, 12)


@pytest.mark.parametrize("dtype", [jnp.int32, jnp.float32])
def test_negative_counts_behave_as_zero(dtype):
    for s in [
        jaxsched.cosine_decay_schedule(1.0, 10),  # optax: 0.5 at t=-5
        jaxsched.piecewise_interpolate_schedule("linear", 1.0, {4: 0.1}),  # optax: 0
        jaxsched.warmup_cosine_decay_schedule(0.2, 1.0, 5, 20),
        jaxsched.exponential_decay(1.0, 2, 0.5),
    ]:
        out = np.asarray(jax.jit(s)(jnp.asarray([-100, -5, -1, 0], dtype)))
        np.testing.assert_array_equal(out, out[-1])


@pytest.mark.parametrize("count", [-2**31 - 1, -2**40, -2**63, 2**31, 2**40, 2**63 - 1])
@pytest.mark.parametrize("form", ["int", "numpy scalar", "numpy array"])
def test_host_counts_beyond_int32_never_wrap(count, form):
    """JAX without x64 holds counts in int32: a larger host count is never wrapped around.
    Before, np.asarray([-2**31 - 1]) gave the schedule's end value (wrapped to 2**31 - 1),
    np.asarray([2**31]) its start value, and the Python int -2**40 a raw OverflowError."""
    s = jaxsched.cosine_decay_schedule(1.0, 100, alpha=0.25)
    # by hand: a negative count behaves as 0 (value 1); past decay_steps the value is alpha
    want = 1.0 if count < 0 else 0.25
    c = {"int": count, "numpy scalar": np.int64(count),
         "numpy array": np.asarray([count, 50, -3], np.int64)}[form]
    got = np.asarray(s(c), np.float64)
    if form == "numpy array":
        # cosine at 50 of 100: 0.25 + 0.75 * 0.5; a negative count: 1
        np.testing.assert_allclose(got, [want, 0.625, 1.0], rtol=1e-6)
    else:
        assert float(got) == pytest.approx(want, rel=1e-6)
    assert float(np.asarray(s.evaluate(np.asarray([count]), np))[0]) == pytest.approx(want)


def test_counts_beyond_int32_every_family():
    """Every schedule class that a public constructor or registered name builds (the bad-input
    sweep's valid arguments), at counts past int32: no raw error, no wrap-around. A count below
    ``-2**31`` is a negative count, so it gives the value at 0 (DESIGN 1.3); one past
    ``2**31 - 1`` is evaluated as a float count (the continuous formula) and must be finite.
    Expected values by that rule, not by hand: the value at ``-2**40`` equals the one at 0.

    Under JAX without x64 a host count goes through ``Count.make`` (its int32 fit is tested
    above, form by form) before any formula: every class must keep ``Schedule.__call__`` and
    ``Schedule.evaluate``; the formulas then see float counts past int32, checked here in
    float32 with torch (eager, no compilation: the JAX eager path compiles per operation, 1-2 s
    a class on this machine)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _bad_input_sweep import targets

    by_class = {}
    for label, build, kw in targets():
        try:
            s = build(**kw)
        except Exception:  # noqa: BLE001 - a name the sweep builds through other arguments
            continue
        if isinstance(s, list):  # per-group configs: one schedule per group
            s = s[0]
        if isinstance(s, jaxsched.Schedule) and not getattr(s, "_value_shape", None):
            by_class.setdefault(type(s), (label, s))
    assert len(by_class) > 40, len(by_class)
    f32 = torch.tensor([0.0, 2.0**31, 2.0**40, 2.0**63, -(2.0**40)], dtype=torch.float32)
    for cls, (label, s) in by_class.items():
        assert cls.__call__ is jaxsched.Schedule.__call__, label
        assert cls.evaluate is jaxsched.Schedule.evaluate, label
        got = s.evaluate(f32, torch)
        assert got.dtype == torch.float32 and bool(torch.all(torch.isfinite(got))), (label, got)
        assert float(got[4]) == float(got[0]), label


def test_integer_boundaries_exact_up_to_int32_max():
    """float32 cannot tell 2e9 from 2e9+1; integer counts and boundaries must."""
    b = 2_000_000_001
    counts = jnp.asarray([b - 1, b, INT32_MAX], jnp.int32)
    pc = jaxsched.piecewise_constant_schedule(1.0, {b: 0.5})
    np.testing.assert_array_equal(np.asarray(jax.jit(pc)(counts)), [1.0, 0.5, 0.5])
    join = jaxsched.join_schedules(
        [jaxsched.constant_schedule(1.0), jaxsched.constant_schedule(2.0)], [b])
    np.testing.assert_array_equal(np.asarray(jax.jit(join)(counts)), [1.0, 2.0, 2.0])
    # staircase with a begin near the top: floor((count - begin) / 7), exact in int32
    begin = INT32_MAX - 20
    stair = jaxsched.exponential_decay(1.0, 7, 0.5, transition_begin=begin, staircase=True)
    counts = jnp.arange(INT32_MAX - 22, INT32_MAX, dtype=jnp.int32)
    want = [0.5 ** (max(k - begin, 0) // 7) for k in range(INT32_MAX - 22, INT32_MAX)]
    np.testing.assert_array_equal(np.asarray(jax.jit(stair)(counts)), want)
    # transition_begin near the top
    lin = jaxsched.linear_schedule(1.0, 0.0, 1, transition_begin=INT32_MAX - 1)
    np.testing.assert_array_equal(
        np.asarray(jax.jit(lin)(jnp.asarray([INT32_MAX - 2, INT32_MAX - 1, INT32_MAX], jnp.int32))),
        [1.0, 1.0, 0.0])


def test_float32_tails_keep_relative_precision():
    """optax's float32 cosine is exactly 0 over the last 10 steps of a 1e6-step decay."""
    s = jaxsched.cosine_decay_schedule(1.0, 10**6)
    t = np.arange(10**6 - 10, 10**6)
    exact = 0.5 * (1 + np.cos(np.pi * t / 10**6))
    got = np.asarray(jax.jit(s)(jnp.asarray(t, jnp.int32)), np.float64)
    np.testing.assert_allclose(got, exact, rtol=1e-5)
    # a linear warmup from 0 is exact in relative terms from its first step
    w = jaxsched.warmup_constant_schedule(0.0, 1.0, 10**6)
    got = np.asarray(jax.jit(w)(jnp.arange(1, 10, dtype=jnp.int32)), np.float64)
    np.testing.assert_allclose(got, np.arange(1, 10) / 1e6, rtol=1e-6)


def test_repr_shows_hyperparameters_and_pickles():
    s = jaxsched.exponential_decay(1.0, 10, 0.5, staircase=True, end_value=0.1)
    r = repr(s)
    for piece in ("Exponential(", "init_value=1.0", "transition_steps=10", "staircase=True",
                  "end_value=0.1"):
        assert piece in r
    assert pickle.loads(pickle.dumps(s)) == s


def test_equality_and_hash():
    a = jaxsched.piecewise_constant_schedule(1.0, {10: 0.5, 20: 0.5})
    b = jaxsched.piecewise_constant(1.0, [10, 20], [0.5, 0.5])
    c = jaxsched.piecewise_constant(1.0, [10, 21], [0.5, 0.5])
    assert a == b and hash(a) == hash(b) and a != c
    assert len({a, b, c}) == 2


def _cyclic_pair():
    lr = jaxsched.cyclic_schedule(0.5, 0.5625, step_size_up=1)
    mom = jaxsched.cyclic_momentum(0.5, 0.5625, step_size_up=1)
    return lr, mom


def test_schedules_of_different_classes_have_different_tree_structures():
    # same fields, same static values: jaxlib's dataclass nodes compared these equal, and a
    # jitted function taking a schedule argument could run the other one's compiled program
    lr, mom = _cyclic_pair()
    assert type(lr) is not type(mom)
    assert jax.tree_util.tree_structure(lr) != jax.tree_util.tree_structure(mom)
    assert jax.tree_util.tree_structure(lr) == jax.tree_util.tree_structure(
        jaxsched.cyclic_schedule(0.1, 1.0, step_size_up=7))


def test_a_jitted_function_keeps_schedule_arguments_of_different_classes_apart():
    # every class gets its own cache entry (no reliance on hashes missing each other)
    lr, mom = _cyclic_pair()
    f = jax.jit(lambda s, t: s(t))
    t = np.arange(4)
    np.testing.assert_allclose(f(lr, t), [0.5, 0.5625, 0.5, 0.5625])
    np.testing.assert_allclose(f(mom, t), [0.5625, 0.5, 0.5625, 0.5])
    assert f._cache_size() == 2


def test_pytree_paths_name_the_fields_and_rebuild_equal_schedules():
    lr, _ = _cyclic_pair()
    paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(lr)[0]]
    assert paths == [".base_value", ".max_value", ".step_size_up", ".step_size_down", ".gamma"]
    again = jax.tree_util.tree_map(lambda x: x, lr)
    assert again == lr and type(again) is type(lr)


def test_to_config_is_plain_json_and_from_file(tmp_path):
    s = jaxsched.sgdr_schedule([
        dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=10),
        dict(init_value=0.0, peak_value=0.5, warmup_steps=2, decay_steps=20, exponent=2.0),
    ])
    cfg = s.to_config()
    text = json.dumps(cfg)
    path = tmp_path / "sched.json"
    path.write_text(text)
    assert jaxsched.from_config(path) == s
    assert jaxsched.from_config(str(path)) == s


def test_optax_style_string_keys_from_json():
    cfg = {"type": "piecewise_constant_schedule",
           "params": {"init_value": 1.0, "boundaries_and_scales": {"10": 0.5}}}
    s = jaxsched.from_config(json.loads(json.dumps(cfg)))
    np.testing.assert_array_equal(s.evaluate(np.array([9, 10]), np), [1.0, 0.5])


def test_function_schedules_cannot_be_serialised():
    s = jaxsched.join_schedules([lambda c: 1.0 + 0.0 * c, jaxsched.constant_schedule(2.0)], [3])
    with pytest.raises(TypeError, match="user function"):
        s.to_config()
    assert float(s(5)) == 2.0 and float(s(1)) == 1.0


def test_traced_schedule_cannot_be_serialised():
    def f(p):
        with pytest.raises(TypeError, match="traced"):
            jaxsched.cosine_decay(p, 10).to_config()
        return p

    jax.jit(f)(1.0)


def test_every_registered_native_name_is_a_public_constructor():
    from jaxsched.core.registry import _REGISTRY

    for name in jaxsched.registered_names():
        if _REGISTRY[name].__module__.startswith("jaxsched.config.ecosystem"):
            continue
        assert callable(getattr(jaxsched, name, None)), name


def test_optax_names_are_exported():
    import optax

    for name in jaxsched.OPTAX_NAMES:
        assert callable(getattr(jaxsched, name)), name
        assert callable(getattr(optax, name)), name


def test_sequences_gather_children_of_one_kind():
    """1000 children of two kinds trace each formula once: a small graph, correct values."""
    kids, bounds = [], []
    for i in range(1000):
        kids.append(jaxsched.linear_schedule(float(i), 0.0, 10) if i % 2 else
                    jaxsched.cosine_decay(float(i), 10))
        if i:
            bounds.append(10 * i)
    s = jaxsched.join_schedules(kids, bounds)
    hlo = jax.jit(s).lower(jnp.int32(0)).as_text()
    assert len(hlo.splitlines()) < 400
    counts = np.array([0, 5, 10, 15, 9995, 10**5])
    ref = []
    for t in counts:
        i = min(t // 10, 999)
        lt = t - 10 * i
        lt = min(lt, 10)
        ref.append(i * (1 - lt / 10) if i % 2 else i * 0.5 * (1 + np.cos(np.pi * lt / 10)))
    np.testing.assert_allclose(s.evaluate(counts, np), ref, atol=1e-9)
    got = np.asarray(jax.jit(s)(jnp.asarray(counts, jnp.int32)))
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-4)


def _ref_tail(name: str, t: np.ndarray) -> np.ndarray:
    """float64 references, written from the formulas (not from jaxsched)."""
    n = 10**6
    if name == "cosine":
        return 1e-3 * 0.5 * (1 + np.cos(np.pi * t / n))
    if name == "warmup_cosine":  # 1000 warmup steps, then a cosine over the rest, to 0
        d = n - 1000
        return 1e-3 * 0.5 * (1 + np.cos(np.pi * (t - 1000) / d))
    if name == "linear":
        return 1e-3 * (n - t) / n
    if name == "polynomial":  # power 2
        return 1e-3 * ((n - t) / n) ** 2
    raise AssertionError(name)


TAILS = {
    "cosine": lambda: jaxsched.cosine_decay_schedule(1e-3, 10**6),
    "warmup_cosine": lambda: jaxsched.warmup_cosine_decay_schedule(0.0, 1e-3, 1000, 10**6),
    "linear": lambda: jaxsched.linear_schedule(1e-3, 0.0, 10**6),
    "polynomial": lambda: jaxsched.polynomial_schedule(1e-3, 0.0, 2.0, 10**6),
}


@pytest.mark.parametrize("path", ["closed_over", "argument"])
@pytest.mark.parametrize("name", sorted(TAILS))
def test_float32_tails_of_everyday_schedules(name, path):
    """The last 1000 steps of a 1e6-step schedule within 1e-4 relative of float64, whether the
    schedule is a constant of the compiled program (its known-value shortcuts apply) or an
    argument (the general formula); also around the midpoint, where the two-sided formulas
    switch from one end to the other."""
    s = TAILS[name]()
    t = np.concatenate([np.arange(10**6 - 1000, 10**6), np.arange(500_490, 500_510)])
    counts = jnp.asarray(t, jnp.int32)
    if path == "closed_over":
        got = jax.jit(lambda k: s(k))(counts)
    else:
        got = jax.jit(lambda sch, k: sch(k))(s, counts)
    got = np.asarray(got, np.float64)
    np.testing.assert_allclose(got, _ref_tail(name, t), rtol=1e-4, atol=0)


# Values a user compares with `==` (the peak while a schedule holds it, the end value once it is
# reached): exact in float32, also with horizons whose reciprocals are inexact (XLA rewrites a
# division by a constant into a multiplication by its reciprocal: d * (1/d) != 1 for some d).
EXACT = {
    "warmup_stable_decay": (
        lambda: jaxsched.warmup_stable_decay(2e-3, 1_280_000, 64_000, decay_fraction=0.2,
                                             end_value=2e-5),
        {64_000: 2e-3, 644_096: 2e-3, 1_023_999: 2e-3, 1_280_000: 2e-5, 2_000_000: 2e-5}),
    "warmup_stable_decay_cosine": (
        lambda: jaxsched.warmup_stable_decay(2e-3, 1_280_000, 64_000, decay_fraction=0.2,
                                             end_value=2e-5, decay_shape="cosine"),
        {64_000: 2e-3, 1_023_999: 2e-3, 1_280_000: 2e-5}),
    "linear_schedule": (lambda: jaxsched.linear_schedule(1e-3, 3e-5, 777_777),
                        {0: 1e-3, 777_777: 3e-5, 10**7: 3e-5}),
    "warmup_cosine_decay_schedule": (
        lambda: jaxsched.warmup_cosine_decay_schedule(0.0, 1e-3, 3_333, 999_999, 1e-5),
        {0: 0.0, 3_333: 1e-3, 999_999: 1e-5, 10**7: 1e-5}),
    "join_schedules": (
        lambda: jaxsched.join_schedules([jaxsched.linear_schedule(0.0, 1e-3, 7_777),
                                         jaxsched.constant_schedule(1e-3),
                                         jaxsched.linear_schedule(1e-3, 0.0, 123_457)],
                                        [7_777, 500_000]),
        {7_777: 1e-3, 300_000: 1e-3, 500_000: 1e-3, 623_457: 0.0}),
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_held_values_are_exact_in_float32(name):
    make, points = EXACT[name]
    s = make()
    ks = jnp.asarray(list(points), jnp.int32)
    want = np.float32(list(points.values()))
    np.testing.assert_array_equal(np.asarray(jax.jit(s)(ks)), want)  # closed over
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda f, k: f(k))(s, ks)), want)  # argument


@pytest.mark.parametrize("name", ["jax", "numpy", "torch", "array_api_strict"])
def test_nonneg_div_and_rem_equal_python_floor_division(name):
    """``nonneg_div``/``nonneg_rem`` are ``//`` and ``%`` for ``x >= 0`` and ``y >= 1`` on every
    backend, to the int32 edge, with a scalar divisor broadcast against an array."""
    from jaxsched.core.arrays import nonneg_div, nonneg_rem, resolve_namespace

    rng = np.random.default_rng(0)
    x = np.concatenate([[0, 1, 2, 7, 2**31 - 2, 2**31 - 1], rng.integers(0, 2**31 - 1, 200)])
    y = np.concatenate([[1, 1, 3, 7, 2**31 - 1, 2], rng.integers(1, 2**31 - 1, 100),
                        rng.integers(1, 50, 100)])
    xp = resolve_namespace({"jax": jnp, "numpy": np, "torch": torch,
                            "array_api_strict": array_api_strict}[name])
    xs, ys = xp.asarray(x.astype(np.int32)), xp.asarray(y.astype(np.int32))
    expect_q = [int(a) // int(b) for a, b in zip(x, y)]
    expect_r = [int(a) % int(b) for a, b in zip(x, y)]
    np.testing.assert_array_equal(np.asarray(nonneg_div(xp, xs, ys)), expect_q)
    np.testing.assert_array_equal(np.asarray(nonneg_rem(xp, xs, ys)), expect_r)
    seven = xp.asarray(np.int32(7))
    np.testing.assert_array_equal(np.asarray(nonneg_div(xp, xs, seven)), x // 7)
    np.testing.assert_array_equal(np.asarray(nonneg_rem(xp, xs, seven)), x % 7)


def test_nonneg_div_is_one_division_under_jax():
    """The reason it exists: ``//`` traces ``floor_divide``'s sign correction, this one ``div``."""
    from jaxsched.core.arrays import nonneg_div, nonneg_rem

    def prims(f):
        return [e.primitive.name for e in jax.make_jaxpr(f)(jnp.arange(4), jnp.int32(3)).eqns]

    assert prims(lambda x, y: nonneg_div(jnp, x, y)) == ["div"]
    assert prims(lambda x, y: nonneg_rem(jnp, x, y)) == ["rem"]
    assert "sign" in str(jax.make_jaxpr(lambda x, y: x // y)(jnp.arange(4), jnp.int32(3)))
