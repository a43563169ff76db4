"""Every class of invalid argument raises ValueError or TypeError naming the parameter."""

from __future__ import annotations

import math

import numpy as np
import pytest

import jaxsched

NAN, INF = math.nan, math.inf

BASE = {
    "constant_schedule": dict(value=0.1),
    "polynomial_schedule": dict(init_value=1.0, end_value=0.0, power=1.0, transition_steps=10),
    "linear_schedule": dict(init_value=1.0, end_value=0.0, transition_steps=10),
    "exponential_decay": dict(init_value=1.0, transition_steps=10, decay_rate=0.5),
    "cosine_decay_schedule": dict(init_value=1.0, decay_steps=10),
    "cosine_decay": dict(init_value=1.0, decay_steps=10),
    "warmup_constant_schedule": dict(init_value=0.0, peak_value=1.0, warmup_steps=10),
    "warmup_cosine_decay_schedule": dict(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                         decay_steps=100),
    "warmup_exponential_decay_schedule": dict(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                              transition_steps=10, decay_rate=0.5),
    "linear_onecycle_schedule": dict(transition_steps=100, peak_value=1.0),
    "cosine_onecycle_schedule": dict(transition_steps=100, peak_value=1.0),
}

# (constructor, parameter, bad value, exception)
CASES = [
    ("polynomial_schedule", "transition_steps", -3, ValueError),
    ("polynomial_schedule", "transition_begin", -1, ValueError),
    ("polynomial_schedule", "power", -1.0, ValueError),
    ("linear_schedule", "transition_steps", -1, ValueError),
    ("exponential_decay", "transition_steps", 0, ValueError),
    ("exponential_decay", "transition_steps", -5, ValueError),
    ("exponential_decay", "decay_rate", -0.5, ValueError),
    ("exponential_decay", "transition_begin", -2, ValueError),
    ("exponential_decay", "staircase", 1, TypeError),
    ("exponential_decay", "staircase", "yes", TypeError),
    ("cosine_decay_schedule", "decay_steps", -10, ValueError),
    ("cosine_decay_schedule", "exponent", -1.0, ValueError),
    ("cosine_decay", "decay_steps", -1, ValueError),
    ("warmup_constant_schedule", "warmup_steps", -1, ValueError),
    ("warmup_cosine_decay_schedule", "warmup_steps", -1, ValueError),
    ("warmup_cosine_decay_schedule", "decay_steps", 5, ValueError),  # < warmup_steps
    ("warmup_exponential_decay_schedule", "transition_steps", 0, ValueError),
    ("warmup_exponential_decay_schedule", "warmup_steps", -1, ValueError),
    ("linear_onecycle_schedule", "transition_steps", 0, ValueError),
    ("linear_onecycle_schedule", "pct_start", 1.5, ValueError),
    ("linear_onecycle_schedule", "pct_final", 0.1, ValueError),  # < pct_start
    ("linear_onecycle_schedule", "div_factor", 0.0, ValueError),
    ("cosine_onecycle_schedule", "final_div_factor", -1.0, ValueError),
    ("cosine_onecycle_schedule", "transition_steps", -10, ValueError),
]
# every real-valued parameter rejects NaN, inf, None, strings and bools
for _name, _kw in BASE.items():
    for _p in _kw:
        for _bad, _exc in [(NAN, ValueError), (INF, ValueError), (-INF, ValueError),
                           (None, TypeError), ("1.0", TypeError), (True, TypeError),
                           ([1.0], TypeError)]:
            CASES.append((_name, _p, _bad, _exc))


@pytest.mark.parametrize("name,param,bad,exc", CASES)
def test_invalid_argument_names_the_parameter(name, param, bad, exc):
    kwargs = {**BASE[name], param: bad}
    with pytest.raises(exc, match=f"`{param}`"):
        getattr(jaxsched, name)(**kwargs)


def test_message_contract():
    with pytest.raises(ValueError) as e:
        jaxsched.exponential_decay(1.0, -3, 0.5)
    assert str(e.value) == "`transition_steps` must be > 0, got -3"
    with pytest.raises(ValueError, match="decay_steps includes the warmup"):
        jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 10, 5)


@pytest.mark.parametrize(
    "call,param,exc",
    [
        (lambda: jaxsched.piecewise_constant_schedule(1.0, {-1: 0.5}), "boundaries", ValueError),
        (lambda: jaxsched.piecewise_constant_schedule(1.0, {10: -0.5}), "scales", ValueError),
        (lambda: jaxsched.piecewise_constant_schedule(1.0, {10: NAN}), "scales", ValueError),
        (lambda: jaxsched.piecewise_constant_schedule(1.0, {"ten": 0.5}), "boundaries_and_scales",
         TypeError),
        (lambda: jaxsched.piecewise_constant_schedule(1.0, [1, 2, 3]), "boundaries_and_scales",
         TypeError),
        (lambda: jaxsched.piecewise_constant(1.0, [10, 5], [0.5, 0.5]), "boundaries", ValueError),
        (lambda: jaxsched.piecewise_constant(1.0, [5, 10], [0.5]), "scales", ValueError),
        (lambda: jaxsched.piecewise_interpolate_schedule("cubic", 1.0, {10: 0.5}),
         "interpolate_type", ValueError),
        (lambda: jaxsched.piecewise_interpolate_schedule(3, 1.0, {10: 0.5}), "interpolate_type",
         TypeError),
        (lambda: jaxsched.piecewise_interpolate(("linear"), 1.0, [5, 1], [1.0, 1.0]), "boundaries",
         ValueError),
        (lambda: jaxsched.join_schedules([jaxsched.constant_schedule(1.0)] * 3, [5]),
         "boundaries", ValueError),
        (lambda: jaxsched.join_schedules([jaxsched.constant_schedule(1.0)] * 3, [5, 2]),
         "boundaries", ValueError),
        (lambda: jaxsched.join_schedules([jaxsched.constant_schedule(1.0)] * 2, [-1]),
         "boundaries", ValueError),
        (lambda: jaxsched.join_schedules([jaxsched.constant_schedule(1.0), 3.0], [5]),
         "schedules", TypeError),
        (lambda: jaxsched.join_schedules([], []), "schedules", ValueError),
        (lambda: jaxsched.join_schedules(jaxsched.constant_schedule(1.0), [5]), "schedules",
         TypeError),
        (lambda: jaxsched.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=1,
                                              decay_steps=-2)]), "decay_steps", ValueError),
        (lambda: jaxsched.sgdr_schedule(dict(init_value=0.0)), "cosine_kwargs", TypeError),
        (lambda: jaxsched.sgdr_schedule([]), "cosine_kwargs", ValueError),
        (lambda: jaxsched.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=1)]),
         "decay_steps", TypeError),
    ],
)
def test_invalid_structured_arguments(call, param, exc):
    with pytest.raises(exc, match=param):
        call()


def test_arrays_are_checked_elementwise():
    with pytest.raises(ValueError, match="`peak_value` must be finite"):
        jaxsched.warmup_cosine_decay_schedule(0.0, np.array([1.0, np.nan]), 10, 100)
    with pytest.raises(ValueError, match="`warmup_steps` must be >= 0"):
        jaxsched.warmup_constant_schedule(0.0, 1.0, np.array([5, -1]))


@pytest.mark.parametrize(
    "cfg,match",
    [
        ({"type": "no_such_schedule"}, "unknown schedule type 'no_such_schedule'.*`jaxsched list`"),
        ({"type": "cosine_decay_schedule", "params": {"init_value": 1.0}}, "missing parameter"),
        ({"type": "cosine_decay_schedule", "params": {"init_value": 1.0, "decay_steps": 5,
                                                      "warmup": 3}}, "unknown parameter"),
        ({"params": {}}, "'type'"),
        ({"type": "constant_schedule", "params": {"value": 1.0}, "extra": 1}, "'type' and 'params'"),
    ],
)
def test_from_config_errors_list_the_choices(cfg, match):
    with pytest.raises(ValueError, match=match):
        jaxsched.from_config(cfg)


def test_from_config_type_errors():
    with pytest.raises(TypeError, match="mapping"):
        jaxsched.from_config(["constant_schedule"])
    with pytest.raises(TypeError, match="params"):
        jaxsched.from_config({"type": "constant_schedule", "params": [1.0]})


def test_traced_values_are_not_checked():
    import jax
    import jax.numpy as jnp

    # a negative traced decay_steps cannot be checked at construction: no error, finite values
    out = jax.jit(lambda d: jaxsched.cosine_decay_schedule(1.0, d)(jnp.arange(5)))(-3)
    assert np.all(np.isfinite(np.asarray(out)))


@pytest.mark.parametrize(
    "x, kw",
    [
        (NAN, {}), (INF, {}), (-INF, {"ge": 0}), (-3, {"gt": 0}), (-0.5, {"ge": 0}), (2, {"le": 1}),
        (1.0, {"lt": 1}), (0, {"gt": 0}), (5, {"ge": 0, "le": 3}),
    ],
)
def test_plain_number_fast_path_same_messages(x, kw):
    """Python int/float take a fast path: same checks and messages as NumPy scalars."""
    from jaxsched.core import validate as v

    np_x = np.float64(x) if isinstance(x, float) else np.int64(x)
    with pytest.raises(ValueError) as plain:
        v.real("lr", x, **kw)
    with pytest.raises(ValueError) as numpy_:
        v.real("lr", np_x, **kw)
    assert str(plain.value) == str(numpy_.value)


def test_plain_number_fast_path_values_and_integers():
    from jaxsched.core import validate as v

    assert v.real("lr", 3, ge=0) == 3 and type(v.real("lr", 3)) is int
    assert v.real("lr", 0.5, gt=0, lt=1) == 0.5
    assert v.integer("n", 1000.0) == 1000 and type(v.integer("n", 1000.0)) is int
    with pytest.raises(ValueError, match=r"`n` must be an integer, got 1.5"):
        v.integer("n", 1.5)
    with pytest.raises(ValueError, match=r"`n` must be > 0, got 0"):
        v.integer("n", 0, gt=0)
    with pytest.raises(TypeError, match="bool"):
        v.real("lr", True)
    with pytest.raises(ValueError, match="`lr` must fit in a 64-bit integer"):
        v.real("lr", 10**400)  # named, as for a NumPy integer (no raw OverflowError)
    b = v.sorted_steps("b", [1, 2, 2])
    assert b.dtype == np.int64 and b.tolist() == [1, 2, 2]
    assert v.sorted_steps("b", (1, 2.5)).dtype == np.float64
    with pytest.raises(ValueError, match=r"`b\[1\]` must be >= 0, got -1"):
        v.sorted_steps("b", [1, -1])
    with pytest.raises(ValueError, match="strictly increasing"):
        v.sorted_steps("b", [1, 1], strict=True)
    with pytest.raises(ValueError, match="must have 3 entries, got 2"):
        v.sorted_steps("b", [1, 2], length=3)


def test_everyday_constructors_build_no_arrays_for_plain_numbers(monkeypatch):
    """Validation of plain Python numbers makes no NumPy array (the construction fast path)."""
    calls = []
    real_asarray = np.asarray
    monkeypatch.setattr(np, "asarray", lambda *a, **k: calls.append(a) or real_asarray(*a, **k))
    jaxsched.cosine_decay_schedule(1e-3, 10000)
    jaxsched.linear_schedule(1e-3, 0.0, 1000)
    jaxsched.exponential_decay(1e-3, 100, 0.9, staircase=True)
    jaxsched.warmup_stable_decay(1e-3, 10000, 100, decay_fraction=0.1)
    assert calls == []
