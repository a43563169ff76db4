"""``jaxsched.core.jax_numpy``: the formulas' ``jax.numpy``, whose ``where`` adds no nested jit.

Its ``where`` must be ``jax.numpy.where`` in every observable way: values, dtype, weak type,
shape (broadcasting), gradients; and a formula traced with it has no ``_where`` equation.
"""

from __future__ import annotations

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched
from jaxsched.core import jax_numpy
from jaxsched.core.arrays import is_jax_namespace, resolve_namespace

OPERANDS = [
    1.0, 2, np.float32(3.0), jnp.float32(4.0), jnp.arange(3.0), jnp.arange(3, dtype=jnp.int32),
    jnp.ones((2, 1), jnp.bfloat16), np.array([5.0, 6.0, 7.0]),
]
CONDITIONS = [True, jnp.asarray(False), jnp.asarray([True, False, True]), jnp.asarray([1, 0, 2]),
              np.array([[True], [False]])]


@jax.jit
def _wheres(cond, pairs):
    """``jax.numpy.where(cond, x, y)`` for every pair, in one compiled call: each call here is
    the same jitted ``_where`` an eager call runs (the operands are arguments, so abstracted
    alike, weak types included), without one compile per operand combination."""
    return [jnp.where(cond, x, y) for x, y in pairs]


@pytest.mark.parametrize("cond", CONDITIONS, ids=range(len(CONDITIONS)))
def test_where_is_jax_numpy_where(cond):
    pairs = []
    for x, y in itertools.product(OPERANDS, OPERANDS[:4]):
        try:  # jax.numpy.where refuses at trace time, before any compile
            jax.eval_shape(functools.partial(jnp.where, cond, x, y))
        except (TypeError, ValueError) as e:  # a shape mismatch: both refuse
            with pytest.raises(type(e)):
                jax_numpy.where(cond, x, y)
            continue
        pairs.append((x, y))
    for (x, y), want in zip(pairs, _wheres(cond, pairs)):
        got = jax_numpy.where(cond, x, y)
        assert got.shape == want.shape and got.dtype == want.dtype, (x, y)
        assert jax.typeof(got).weak_type == jax.typeof(want).weak_type, (x, y)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_where_inside_a_trace():
    x, y, cond = jnp.arange(3.0), 2.0, jnp.asarray([True, False, True])
    traced = jax.jit(lambda c, a, b: jax_numpy.where(c, a, b))(cond, x, y)
    np.testing.assert_array_equal(np.asarray(traced), [0.0, 2.0, 2.0])
    assert jax.typeof(traced) == jax.typeof(jnp.where(cond, x, y))


def test_where_gradients_are_jax_numpy_where_gradients():
    def f(where, a, b):
        return jnp.sum(where(jnp.arange(4) % 2 == 0, a * a, jnp.sin(b)))

    a, b = jnp.arange(4.0), jnp.linspace(0.0, 1.0, 4)
    want = jax.grad(lambda a, b: f(jnp.where, a, b), argnums=(0, 1))(a, b)
    got = jax.grad(lambda a, b: f(jax_numpy.where, a, b), argnums=(0, 1))(a, b)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


def test_one_argument_where_is_jax_numpys():
    np.testing.assert_array_equal(jax_numpy.where(jnp.asarray([0, 3, 0, 1]))[0], [1, 3])


def test_namespace_is_jax_numpy_for_everything_else():
    ns = resolve_namespace(jnp)
    assert ns is jax_numpy.namespace and is_jax_namespace(ns)
    assert ns.where is jax_numpy.where
    assert ns.cos is jnp.cos and ns.float32 is jnp.float32 and ns.searchsorted is jnp.searchsorted
    assert resolve_namespace(None, jnp.ones(2)) is ns


def test_a_traced_formula_has_no_nested_where():
    """A restart schedule with a traced multiplier made ~100 nested ``_where`` jits."""
    def names(s, count):
        jaxpr = jax.make_jaxpr(lambda h: s(h))(count)
        return [e.params.get("name") for e in jaxpr.eqns if e.primitive.name in ("jit", "pjit")]

    s = jaxsched.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 10_000, 1e-5)
    assert "_where" not in names(s, jnp.int32(5))
    restarts = jax.make_jaxpr(lambda m, t: jaxsched.cosine_restarts(1.0, 10, m)(t))(
        jnp.float32(1.5), jnp.int32(5))
    nested = [e for e in restarts.eqns if e.primitive.name in ("jit", "pjit")
              and e.params.get("name") == "_where"]
    # what is left: jax.numpy.power's own integer loop (the exact integer path's m**k)
    assert len(nested) <= 8, len(nested)
