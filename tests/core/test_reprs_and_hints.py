"""What a new user meets: reprs that read like the call, configs under that name, typed signatures."""

from __future__ import annotations

import inspect
import json
import pickle
import typing

import jax
import jax.numpy as jnp
import pytest

import jaxsched as js
from jaxsched.core.registry import _REGISTRY

C = js.cosine_decay(1.0, 10)

#: A small valid argument set for every native registered constructor.
ARGS: dict[str, dict] = {
    "join_schedules": dict(schedules=[js.constant_schedule(1.0), C], boundaries=[5]),
    "constant_schedule": dict(value=0.5),
    "polynomial_schedule": dict(init_value=1.0, end_value=0.1, power=2.0, transition_steps=10),
    "linear_schedule": dict(init_value=1.0, end_value=0.1, transition_steps=10),
    "warmup_constant_schedule": dict(init_value=0.0, peak_value=1.0, warmup_steps=5),
    "polynomial_decay": dict(init_value=1.0, decay_steps=10),
    "tanh_decay": dict(init_value=1.0, decay_steps=10),
    "cosine_decay": dict(init_value=1.0, decay_steps=10),
    "cosine_decay_schedule": dict(init_value=1.0, decay_steps=10, alpha=0.1),
    "warmup_cosine_decay_schedule": dict(init_value=0.0, peak_value=1e-3, warmup_steps=10,
                                         decay_steps=100, end_value=1e-5),
    "sgdr_schedule": dict(cosine_kwargs=[
        dict(init_value=0.0, peak_value=1.0, warmup_steps=1, decay_steps=3),
        dict(init_value=0.0, peak_value=0.5, warmup_steps=1, decay_steps=5, exponent=2.0)]),
    "cosine_wave": dict(init_value=1.0, decay_steps=10),
    "cosine_annealing": dict(init_value=1.0, decay_steps=10, end_value=0.1),
    "cyclic_schedule": dict(base_value=0.1, max_value=1.0),
    "cyclic_momentum": dict(),
    "exponential_cyclic_schedule": dict(base_value=0.1, max_value=1.0, step_size=10, gamma=0.99),
    "inverse_time_decay": dict(init_value=1.0, decay_steps=10, decay_rate=0.5),
    "inverse_sqrt_decay": dict(init_value=1.0, warmup_steps=10),
    "inverse_power_decay": dict(init_value=1.0, timescale=10, power=0.75),
    "power_law_decay": dict(peak_value=0.02, amplitude=36.8, exponent=-0.51, tokens_per_step=1024.0),
    "wsd_cycles": dict(peak_value=1.0, total_steps=100, cycles=[30, 60], warmup=0.1, rewarmup=0.1,
                       decay=0.2, end_value=0.01),
    "ema_warmup": dict(decay=0.999, warmup_gamma=2.0, warmup_power=0.75),
    "cosine_momentum": dict(base_value=0.996, total_steps=100),
    "weight_decay_increment": dict(start_value=0.0, end_value=0.1, total_steps=100, style="cosine"),
    "mixture_weights": dict(stages=[[0, {"a": 1.0, "b": 3.0}], [50, {"a": 1.0}]], interpolate=True),
    "step_decay": dict(init_value=1.0, step_size=10),
    "multistep_decay": dict(init_value=1.0, milestones=[5, 10]),
    "multiplicative_decay": dict(init_value=1.0, factor=0.9),
    "piecewise_constant_values": dict(boundaries=[5, 10], values=[1.0, 0.5, 0.1]),
    "exponential_decay": dict(init_value=1.0, transition_steps=10, decay_rate=0.5),
    "warmup_exponential_decay_schedule": dict(init_value=0.0, peak_value=1.0, warmup_steps=5,
                                              transition_steps=10, decay_rate=0.5),
    "with_noise": dict(schedule=C),
    "one_cycle": dict(max_value=1.0, total_steps=100),
    "one_cycle_momentum": dict(total_steps=100),
    "one_cycle_with_decay": dict(cycle_min_lr=0.1, cycle_max_lr=1.0),
    "one_cycle_with_decay_momentum": dict(),
    "piecewise_constant": dict(init_value=1.0, boundaries=[5, 10], scales=[0.5, 0.5]),
    "piecewise_interpolate": dict(interpolate_type="linear", init_value=1.0, boundaries=[5, 10],
                                  scales=[0.5, 0.5]),
    "piecewise_constant_schedule": dict(init_value=1.0),
    "piecewise_interpolate_schedule": dict(interpolate_type="cosine", init_value=1.0),
    "linear_onecycle_schedule": dict(transition_steps=100, peak_value=1.0),
    "cosine_onecycle_schedule": dict(transition_steps=100, peak_value=1.0),
    "polynomial_k_decay": dict(init_value=1.0, decay_steps=10),
    "lr_range_test": dict(min_value=1e-5),
    "cosine_restarts": dict(init_value=1.0, period=10),
    "cosine_hard_restarts": dict(init_value=1.0, total_steps=100, num_cycles=2),
    "swa_schedule": dict(init_value=1.0, swa_value=0.1),
    "warmup_stable_decay": dict(peak_value=1.0, total_steps=100, warmup_steps=10, decay_fraction=0.2),
    "scale": dict(schedule=C, factor=2.0),
    "clip": dict(schedule=C, min_value=0.1),
    "floor": dict(schedule=C, min_value=0.1),
    "offset": dict(schedule=C, start=5),
    "hold_every": dict(schedule=C, period=3),
    "product": dict(schedules=[C, js.constant_schedule(2.0)]),
    "add": dict(schedules=[C, js.constant_schedule(2.0)]),
    "repeat": dict(schedule=C, period=10),
    "warmup": dict(schedule=C, warmup_steps=5),
    "piecewise_integer": dict(boundaries=[5, 10], values=[32, 64, 128]),
    "batch_size_ramp": dict(start=32, end=128, ramp_steps=10, multiple=32),
    "rampup_batch_size": dict(start_batch_size=16, batch_size_increment=16, rampup_samples=96,
                              global_batch_size=64),
    "root_curriculum": dict(min_value=8, max_value=64, total_steps=10, multiple=8),
    "staircase_ramp": dict(start=8, end=64, increment=8, hold_steps=3),
    "seq_length_warmup": dict(total_steps=100),
    "by_samples": dict(schedule=C, batch_sizes=js.piecewise_integer([5], [8, 16])),
    "by_tokens": dict(schedule=C, batch_sizes=js.piecewise_integer([5], [8, 16]),
                      tokens_per_sample=128),
    "batch_scaled": dict(schedule=C, batch_sizes=js.piecewise_integer([5], [8, 16]),
                         base_batch_size=16.0, rule="sqrt"),
    "minimum": dict(schedules=[C, js.constant_schedule(0.5)]),
    "maximum": dict(schedules=[C, js.constant_schedule(0.5)]),
    "replan": dict(schedule=C, at=5, total_steps=20),
    "stretch": dict(schedule=C, ratio=1.5),
}

NATIVE = sorted(n for n, fn in _REGISTRY.items() if not fn.__module__.startswith("jaxsched.config"))

#: The public functions of floors 0-3 (core, families, composition, training).
PUBLIC = sorted(
    n for n in js.__all__
    if inspect.isfunction(getattr(js, n)) and getattr(js, n).__module__.split(".")[1] in (
        "core", "schedules", "compose", "training")
)


# ------------------------------------------------------------------------------------ reprs
@pytest.mark.parametrize("name", NATIVE)
def test_config_round_trips_under_the_constructor_name(name):
    assert name in ARGS, f"give {name!r} a small valid argument set in ARGS"
    s = _REGISTRY[name](**ARGS[name])
    cfg = s.to_config()
    assert cfg["type"] == name
    again = js.from_config(json.loads(json.dumps(cfg)))
    assert again == s and hash(again) == hash(s)
    assert again.to_config() == cfg
    assert repr(again) == repr(s)
    # the constructor's call, or the class form when the class is registered under this name
    own = type(s)._config_name == name
    assert repr(s).startswith(f"{type(s).__name__}(" if own else f"{name}(")
    # typed: every parameter has a real type, and the return type is the concrete class
    hints = typing.get_type_hints(_REGISTRY[name])
    assert all(h is not typing.Any for h in hints.values()), hints
    assert type(s) in (typing.get_args(hints["return"]) or (hints["return"],))


def test_composite_reads_like_the_call_that_built_it():
    s = js.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 10000, 1e-5)
    assert repr(s) == (
        "warmup_cosine_decay_schedule(init_value=0.0, peak_value=0.001, warmup_steps=100, "
        "decay_steps=10000, end_value=1e-05, exponent=1.0)"
    )
    assert s.to_config() == {"type": "warmup_cosine_decay_schedule", "params": {
        "init_value": 0.0, "peak_value": 0.001, "warmup_steps": 100, "decay_steps": 10000,
        "end_value": 1e-05, "exponent": 1.0}}
    assert isinstance(s, js.Sequence)
    assert pickle.loads(pickle.dumps(s)).to_config() == s.to_config()


def test_the_record_changes_neither_values_pytree_equality_nor_hash():
    a = js.cosine_decay_schedule(1.0, 10, alpha=0.1)
    b = js.cosine_decay(1.0, 10, end_value=0.1)
    assert a == b and hash(a) == hash(b)
    assert jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(b)
    assert repr(a).startswith("cosine_decay_schedule(") and repr(b).startswith("Cosine(")
    assert "_jaxsched_call" not in [f.name for f in __import__("dataclasses").fields(a)]


def test_nested_calls_keep_their_own_names():
    inner = js.cosine_decay_schedule(1.0, 10)
    outer = js.product([inner, js.floor(C, 0.1)])
    assert repr(outer) == (
        "Product(schedules=(cosine_decay_schedule(init_value=1.0, decay_steps=10, alpha=0.0, "
        "exponent=1.0), floor(schedule=Cosine(init_value=1.0, decay_steps=10, end_value=0.0, "
        "exponent=1.0), min_value=0.1)))"
    )
    cfg = outer.to_config()
    assert [c["type"] for c in cfg["params"]["schedules"]] == ["cosine_decay_schedule", "floor"]
    assert js.from_config(cfg) == outer
    # the inner result built by a nested registered call is not re-labelled
    assert repr(js.cosine_decay_schedule(1.0, 10)).startswith("cosine_decay_schedule(")
    assert repr(js.sgdr_schedule(ARGS["sgdr_schedule"]["cosine_kwargs"])).startswith("sgdr_schedule(")


def test_objects_rebuilt_by_jax_or_holding_user_functions_show_the_class_form():
    s = js.warmup_cosine_decay_schedule(0.0, 1.0, 2, 10)
    assert repr(s).startswith("warmup_cosine_decay_schedule(")
    rebuilt = jax.tree_util.tree_map(lambda x: x, s)
    assert repr(rebuilt).startswith("Sequence(")
    assert rebuilt.to_config()["type"] == "join_schedules"
    assert js.from_config(rebuilt.to_config()) == s == rebuilt
    # an argument that is not serialisable (a user function): the class form
    user = js.floor(lambda t: 1.0 / (1.0 + t), 0.1)
    assert repr(user).startswith("Clip(schedule=Function(fn=<lambda>)")
    with pytest.raises(TypeError, match="user function"):
        user.to_config()
    # an argument that is not JSON (integer keys): the class form, which is
    p = js.piecewise_constant_schedule(1.0, {5: 0.5})
    assert p.to_config()["type"] == "piecewise_constant"
    assert js.from_config(json.loads(json.dumps(p.to_config()))) == p

    def f(peak):
        t = js.cosine_decay_schedule(peak, 10)
        assert repr(t).startswith("Cosine(")
        with pytest.raises(TypeError, match="traced"):
            t.to_config()
        return t(3)

    jax.jit(f)(jnp.float32(1.0))


def test_a_constructor_returning_its_argument_does_not_relabel_it():
    from jaxsched.core.registry import _recording

    ident = _recording(lambda schedule: schedule, ("identity",))
    assert ident(C) is C and repr(C).startswith("Cosine(")


# ------------------------------------------------------------------------------------ hints
def _top_level(annotation) -> list[str]:
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[(" and 1 or (ch in "])" and -1 or 0)
        if ch == "|" and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + [cur.strip()]


def test_type_aliases_are_public():
    for name in ("Value", "Steps", "ScheduleLike", "ScheduleFn", "Values", "StepsList"):
        assert name in js.__all__ and getattr(js, name) is not None
    assert js.Schedule in typing.get_args(js.ScheduleFn)
    assert float in typing.get_args(js.ScheduleLike)
    # jax.Array is named without importing JAX (``import jaxsched`` does not), resolved once it is
    assert jax.Array in typing.get_args(typing.get_type_hints(js.cosine_decay)["init_value"])


@pytest.mark.parametrize("name", PUBLIC)
def test_public_signatures_have_no_any_parameter(name):
    fn = getattr(js, name)
    for p in inspect.signature(fn).parameters.values():
        assert p.annotation is not inspect.Parameter.empty, (name, p.name)
        assert "Any" not in _top_level(p.annotation) and "typing.Any" not in _top_level(
            p.annotation), (name, p.name, p.annotation)
    if fn.__module__.split(".")[1] != "training":  # training names optax only for type checkers
        hints = typing.get_type_hints(fn)
        assert all(h is not typing.Any for h in hints.values()), (name, hints)


def test_help_shows_the_aliases():
    text = str(inspect.signature(js.cosine_decay_schedule))
    assert "init_value: 'Value'" in text and "decay_steps: 'Steps'" in text
    assert str(inspect.signature(js.warmup)).startswith("(schedule: 'ScheduleLike'")
    assert inspect.signature(js.warmup_cosine_decay_schedule).return_annotation == "Sequence"


def _classes_built() -> list:
    """One valid instance of every schedule class a registered constructor returns (first seen)."""
    seen = {}
    for name in NATIVE:
        s = _REGISTRY[name](**ARGS[name])
        for node in jax.tree_util.tree_leaves(s, is_leaf=lambda x: isinstance(x, js.Schedule)):
            if isinstance(node, js.Schedule) and type(node)._config_name is not None:
                seen.setdefault(type(node), node)
    return list(seen.values())


@pytest.mark.parametrize("s", _classes_built(), ids=lambda s: type(s).__name__)
def test_exported_classes_validate_when_called_directly(s):
    """`jaxsched.Cosine(nan, 100, 0, 1)(5)` returned NaN (issue 14): a class called directly
    checks its fields as its constructor checks its parameters; JAX's unflattening does not."""
    import dataclasses
    import math

    cls = type(s)
    fields = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    assert cls(**fields) == s  # its own fields are valid again
    floats = [n for n, x in fields.items() if isinstance(x, float) and not isinstance(x, bool)]
    for name in floats:
        with pytest.raises((ValueError, TypeError), match=name):
            cls(**{**fields, name: math.nan})
    # unflattening with placeholders (as jit and tree_map do) builds without any check
    leaves, treedef = jax.tree_util.tree_flatten(s)
    rebuilt = jax.tree_util.tree_unflatten(treedef, [object()] * len(leaves))
    assert type(rebuilt) is cls
