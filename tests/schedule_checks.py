"""Reusable checks that every schedule family runs (DESIGN sections 1, 2 and 7).

Expected values never come from jaxsched itself: the checks here compare jaxsched against
jaxsched only for *consistency* (jit vs eager, vmapped vs one-by-one, backends against each
other, config round trips). Correctness is tested against independent references in the
family test files.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import array_api_strict
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import jaxsched

#: One jitted evaluator taking the schedule as an argument: schedules of one structure and
#: counts of one shape share its compilation (a new ``jax.jit(lambda ...)`` per call would not).
jit_eval = jax.jit(lambda sch, t: sch(t))

#: Several schedules (a rate and its momenta) through one jitted call: one program per group of
#: structures instead of one per schedule (each schedule's values are computed as alone).
jit_eval_many = jax.jit(lambda schs, t: tuple(sch(t) for sch in schs))


def int32_counts(counts: Any) -> jax.Array:
    """``counts`` as an int32 JAX array, converted on the host (``jnp.asarray(counts, jnp.int32)``
    compiles a conversion program for every new shape); counts outside int32 are refused
    (a test's count must never wrap silently)."""
    counts = np.asarray(counts)
    if counts.size and (counts.min() < -(2**31) or counts.max() > 2**31 - 1):
        raise ValueError(f"counts outside int32: {counts.min()} .. {counts.max()}")
    return jax.device_put(counts.astype(np.int32))


COUNTS = np.array([0, 1, 2, 3, 5, 7, 10, 13, 20, 50, 99, 100, 101, 250, 1000, 10**6], dtype=np.int64)


def host(s: jaxsched.Schedule, counts: Any = COUNTS) -> np.ndarray:
    """float64 NumPy evaluation."""
    return np.asarray(s.evaluate(np.asarray(counts), np), dtype=np.float64)


def assert_backends_agree(s: jaxsched.Schedule, counts: Any = COUNTS, scale: float | None = None):
    """jit(jax.numpy), numpy float64, torch (float32 and float64) and array_api_strict agree."""
    counts = np.asarray(counts)
    ref = host(s, counts)
    assert np.all(np.isfinite(ref)), ref
    scale = float(np.max(np.abs(ref))) if scale is None else scale
    scale = max(scale, 1e-30)
    # the program an optimizer compiles: the schedule closed over, its hyperparameters constants
    # (Python-number specialisations included), under strict dtype promotion: a program that
    # traces without any implicit promotion is the program the default ("standard") promotion
    # builds, with the same values. assert_vmap_counts checks the other program, with the
    # schedule a jit argument (every hyperparameter traced).
    with jax.numpy_dtype_promotion("strict"):
        out_jax = jax.jit(s)(int32_counts(counts))
    out_jax = np.asarray(out_jax)
    assert out_jax.dtype == np.float32
    np.testing.assert_allclose(out_jax, ref, rtol=2e-6, atol=2e-7 * scale)
    out_t64 = s.evaluate(torch.asarray(counts), torch)
    assert isinstance(out_t64, torch.Tensor)
    np.testing.assert_allclose(
        s.evaluate(torch.asarray(counts, dtype=torch.float64), torch).numpy(), ref,
        rtol=1e-12, atol=1e-12 * scale,
    )
    np.testing.assert_allclose(out_t64.double().numpy(), ref, rtol=2e-6, atol=2e-7 * scale)
    out_strict = s.evaluate(array_api_strict.asarray(counts), array_api_strict)
    np.testing.assert_allclose(np.asarray(out_strict), ref, rtol=1e-12, atol=1e-12 * scale)


def assert_strong_float32(s: jaxsched.Schedule):
    """The traced output (hyperparameters as constants, as in a train step closing over the
    schedule) is a strong float32: the abstract evaluation says so without a compile."""
    out = jax.eval_shape(s, jnp.int32(3))
    assert out.dtype == jnp.float32 and not out.weak_type


#: ``jax.vmap`` over the counts, jitted once per schedule structure (an eager vmap runs op by
#: op and compiles every primitive for every new batch shape: most of this check's time).
vmap_eval = jax.jit(lambda sch, t: jax.vmap(sch)(t))


def assert_vmap_counts(s: jaxsched.Schedule, counts: Any = COUNTS):
    """``jax.vmap`` over the counts equals the float64 host values, with the schedule a jit
    argument: every hyperparameter traced at once (:func:`assert_backends_agree` checks the
    program with them constant)."""
    counts = int32_counts(counts)
    batched = np.asarray(vmap_eval(s, counts))
    ref = host(s, np.asarray(counts))  # one count at a time is what vmap promises; float64 here
    np.testing.assert_allclose(batched, ref, rtol=2e-6, atol=2e-7 * max(np.max(np.abs(ref)), 1e-30))


def assert_traceable(
    build: Callable[..., jaxsched.Schedule],
    kwargs: Mapping[str, Any],
    name: str,
    values: Sequence[Any],
    counts: Any = COUNTS,
    grad: bool | None = None,
):
    """``kwargs[name]`` can be traced: vmap over it, jit with it as an argument (no recompile),
    and (for floats) a finite gradient.

    Args:
      build: the public constructor.
      kwargs: a valid configuration.
      name: the hyperparameter to trace.
      values: a few valid values of it (>= 2) of one Python type.
      grad: check ``jax.grad`` with respect to it (default: when ``values`` are floats).
    """
    assert_all_traceable(build, kwargs, {name: values}, counts=counts, grad=grad)


def assert_all_traceable(
    build: Callable[..., jaxsched.Schedule],
    kwargs: Mapping[str, Any],
    hyper: Mapping[str, Sequence[Any]],
    counts: Any = COUNTS,
    grad: bool | Mapping[str, bool] | None = None,
):
    """:func:`assert_traceable` for each ``name, values`` of ``hyper``, one at a time (the others
    stay constants), all in one compiled program: each hyperparameter's check is its own part
    of that program, with the values and gradients it would have alone, and the compile's fixed
    cost is paid once per schedule instead of once per hyperparameter.

    Args:
      build: the public constructor.
      kwargs: a valid configuration.
      hyper: the hyperparameters to trace, each with a few valid values (>= 2) of one Python type.
      grad: check ``jax.grad`` (default: for the hyperparameters whose values are floats); a
        mapping sets it per hyperparameter (the others keep the default).
    """
    counts = int32_counts(counts)
    names = list(hyper)
    args = {}
    for name in names:
        host_values = np.asarray(hyper[name])
        if host_values.dtype.kind in "fi":  # as jnp.asarray(values), without a device-side convert
            dtype = np.float32 if host_values.dtype.kind == "f" else np.int32
            args[name] = jax.device_put(host_values.astype(dtype))
        else:
            args[name] = jnp.asarray(hyper[name])
    chosen = grad if isinstance(grad, Mapping) else {name: grad for name in names}
    grads = {name: all(isinstance(v, float) for v in hyper[name]) if chosen.get(name) is None
             else chosen[name] for name in names}

    # per hyperparameter: vmap over its values, constructing inside the trace (the others are
    # constants); for floats the gradient comes from the same program (value_and_grad per count)
    def program(args: dict, counts: Any) -> dict:
        out = {}
        for name in names:
            def one(h: Any, t: Any, name: str = name) -> Any:
                return build(**{**kwargs, name: h})(t)

            if grads[name]:
                per_count = jax.vmap(jax.value_and_grad(one), in_axes=(None, 0))
                out[name] = jax.vmap(per_count, in_axes=(0, None))(args[name], counts)
            else:
                out[name] = (jax.vmap(jax.vmap(one, in_axes=(None, 0)), in_axes=(0, None))(
                    args[name], counts), None)
        return out

    results = jax.jit(program)(args, counts)
    for name in names:
        values = hyper[name]
        batched, dvalues = results[name]
        if dvalues is not None:
            for v, d in zip(values, np.asarray(dvalues)):
                assert np.all(np.isfinite(d)), (name, v, d)
        expect = np.stack([host(build(**{**kwargs, name: v}), np.asarray(counts)) for v in values])
        scale = max(float(np.max(np.abs(expect))), 1e-30)
        np.testing.assert_allclose(np.asarray(batched), expect, rtol=3e-6, atol=3e-7 * scale,
                                   err_msg=name)

        # jit with the hyperparameter as an argument is the program above (``h`` traced there):
        # its trace cannot depend on the value. A jitted function taking the schedule itself must
        # not recompile as a leaf changes: jit's cache key is the arguments' tree (static options
        # included) and their leaves' abstract values (weak types included), read here directly.
        keys = {jit_key(build(**{**kwargs, name: v})) for v in values}
        assert len(keys) == 1, f"recompiled for {name}: {keys}"


def traced_params(entries: Sequence[tuple]) -> list:
    """``(build, kwargs, name, values)`` entries as ``pytest.param(build, kwargs, {name: values})``
    for :func:`assert_all_traceable`: one per build and configuration (first-seen order), named
    for the build and its hyperparameters; a name already in a group (an int and a float variant
    of it) opens another group."""
    groups: list[tuple] = []
    for build, kwargs, name, values in entries:
        for g_build, g_kwargs, g_hyper in groups:
            if g_build is build and _same_config(g_kwargs, kwargs) and name not in g_hyper:
                g_hyper[name] = values
                break
        else:
            groups.append((build, kwargs, {name: values}))
    return [pytest.param(*g, id="-".join([g[0] if isinstance(g[0], str) else g[0].__name__, *g[2]]))
            for g in groups]


def _same_config(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal configurations, Python types included (``3`` and ``3.0`` select different paths);
    configurations holding arrays are the same only as one object."""
    try:
        return repr(a) == repr(b) and bool(a == b)
    except (ValueError, TypeError):  # an array value: no single truth value
        return a is b


def jit_key(tree: Any) -> tuple:
    """What ``jax.jit`` keys its compilation cache on for an argument: its tree structure and
    its leaves' abstract values (shape, dtype, weak type)."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    return str(treedef), tuple(str(jax.typeof(x)) for x in leaves)


def assert_config_roundtrip(s: jaxsched.Schedule):
    cfg = s.to_config()
    again = jaxsched.from_config(json.loads(json.dumps(cfg)))
    assert again == s
    assert hash(again) == hash(s)
    assert pickle.loads(pickle.dumps(s)) == s
    # the class form, or the call of the registered constructor that built it (when serialisable)
    call = s.__dict__.get("_jaxsched_call")
    assert repr(s).split("(")[0] in {type(s).__name__, call[0] if call else None}
    np.testing.assert_array_equal(host(again), host(s))


def assert_properties(
    s: jaxsched.Schedule,
    *,
    lo: float,
    hi: float,
    horizon: int | None = None,
    monotone: str | None = None,
    counts: Any = None,
):
    """Finite, inside [lo, hi], monotone where promised, final value held past ``horizon``."""
    if counts is None:
        top = 3 * (horizon or 100) + 10
        dense = np.arange(0, min(top, 4000))
        counts = np.unique(np.concatenate([dense, np.linspace(0, top, 200).astype(int)]))
    vals = host(s, counts)
    assert np.all(np.isfinite(vals))
    tol = 1e-12 * max(abs(lo), abs(hi), 1e-30)
    assert np.all(vals >= lo - tol) and np.all(vals <= hi + tol), (vals.min(), vals.max(), lo, hi)
    if monotone == "decreasing":
        assert np.all(np.diff(vals) <= tol)
    elif monotone == "increasing":
        assert np.all(np.diff(vals) >= -tol)
    if horizon is not None:
        tail = host(s, np.array([horizon, horizon + 1, 2 * horizon + 7, 10**9]))
        np.testing.assert_allclose(tail, tail[0], rtol=1e-12, atol=tol)
    neg = host(s, np.array([-5, -1, 0]))
    np.testing.assert_array_equal(neg, neg[-1])


def with_float32_inputs(s: jaxsched.Schedule) -> jaxsched.Schedule:
    """``s`` with every float hyperparameter rounded to float32 (kept as float64 values).

    The float32 path holds its hyperparameters in float32, so a value that is sensitive to one
    (a one-cycle phase ending at ``pct_start * N - 1``, a hair past an integer) can move by more
    than the float32 tolerance with that rounding alone. Its float32 accuracy is measured
    against the float64 formula at these rounded inputs; the float64 formula itself is compared
    with the peer at 1e-12.
    """

    def round_leaf(x: Any) -> Any:
        if isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
            return np.asarray(np.float32(x), np.float64) if np.ndim(x) else float(np.float32(x))
        return x

    return jax.tree_util.tree_map(round_leaf, s)


def assert_float32_accurate(s: jaxsched.Schedule, counts: Any, got32: Any):
    """``got32`` (the float32 path's values at ``counts``) within 1e-7 x peak + 1e-6 relative of
    the float64 formula at float32-rounded hyperparameters (see :func:`with_float32_inputs`)."""
    ref = host(with_float32_inputs(s), np.asarray(counts))
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(np.asarray(got32, np.float64), ref, rtol=1e-6, atol=1e-7 * peak)


def assert_lrs_close(actual: list[float], desired: list[float], rtol: float, atol: float) -> None:
    """``np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol)``, which the plateau
    tests check after every report (thousands of calls): numpy's criterion
    ``|a - d| <= atol + rtol * |d|`` in Python floats first; whatever it does not pass (a NaN, an
    inf, a length or a value off) goes to the assertion itself, which decides and reports."""
    if len(actual) == len(desired) and all(
            abs(a - d) <= atol + rtol * abs(d) for a, d in zip(actual, desired)):
        return
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol)
