"""optax's one-cycle pair (``linear_onecycle_schedule``, ``cosine_onecycle_schedule``): traced
values with knots known at trace time, and a tree structure that does not depend on values
(every hyperparameter traced one at a time: ``tests/core/test_optax_catalog.py``).

Expected values come from live optax (0.2.8); the wider optax parity sweep lives in
``tests/core/test_optax_parity.py``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from schedule_checks import host

import jaxsched


@pytest.mark.parametrize(
    "ps, pf", [(0.3, 0.85), (0.5, 0.5), (0.0, 0.85), (0.3, 1.0), (0.0, 0.0), (1.0, 1.0)]
)
def test_linear_structure_independent_of_values(ps, pf):
    """Coinciding knots (optax's dict merges them) keep the number of pieces: one structure."""
    s = jaxsched.linear_onecycle_schedule(100, 1.0, ps, pf)
    ref = jaxsched.linear_onecycle_schedule(100, 1.0)
    assert jax.tree_util.tree_structure(s) == jax.tree_util.tree_structure(ref)
    assert [np.shape(x) for x in jax.tree_util.tree_leaves(s)] == [
        np.shape(x) for x in jax.tree_util.tree_leaves(ref)
    ]
    counts = np.arange(0, 111)
    # live optax, vectorised over the counts in one compiled call (as in test_vmap_matches_optax):
    # its per-count eager calls compiled 16-25 primitives for each knot layout
    sched = optax.linear_onecycle_schedule(100, 1.0, ps, pf)
    expect = np.asarray(jax.jit(jax.vmap(sched))(jnp.asarray(counts, jnp.int32)))
    np.testing.assert_allclose(host(s, counts), expect, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("ps", [0.0, 0.3, 1.0])
def test_cosine_structure_independent_of_values(ps):
    s = jaxsched.cosine_onecycle_schedule(100, 1.0, ps)
    ref = jaxsched.cosine_onecycle_schedule(100, 1.0)
    assert jax.tree_util.tree_structure(s) == jax.tree_util.tree_structure(ref)
    assert [np.shape(x) for x in jax.tree_util.tree_leaves(s)] == [
        np.shape(x) for x in jax.tree_util.tree_leaves(ref)
    ]
    counts = np.arange(0, 111)
    # live optax, vectorised over the counts in one compiled call (see the linear test above)
    sched = optax.cosine_onecycle_schedule(100, 1.0, ps)
    expect = np.asarray(jax.jit(jax.vmap(sched))(jnp.asarray(counts, jnp.int32)))
    np.testing.assert_allclose(host(s, counts), expect, rtol=2e-6, atol=1e-7)


def test_vmap_matches_optax():
    """vmap over pct_start and pct_final together, against optax one value at a time."""
    ps = jnp.asarray([0.1, 0.3, 0.5, 0.5])
    pf = jnp.asarray([0.85, 0.85, 0.5, 1.0])
    counts = jnp.arange(0, 120, dtype=jnp.int32)
    out = jax.jit(jax.vmap(
        lambda a, b: jax.vmap(jaxsched.linear_onecycle_schedule(100, 1e-2, a, b))(counts)))(ps, pf)
    for row, a, b in zip(np.asarray(out), np.asarray(ps), np.asarray(pf)):
        sched = optax.linear_onecycle_schedule(100, 1e-2, float(a), float(b))
        expect = np.asarray(jax.jit(jax.vmap(sched))(counts))  # optax, vectorised over counts
        np.testing.assert_allclose(row, expect, rtol=3e-6, atol=1e-9)


def test_concrete_jax_scalars():
    """Concrete JAX scalars (outside any trace) are accepted like Python numbers."""
    s = jaxsched.linear_onecycle_schedule(100, 1.0, jnp.float32(0.25), jnp.float32(0.75))
    assert s == jaxsched.linear_onecycle_schedule(100, 1.0, 0.25, 0.75)
    c = jaxsched.cosine_onecycle_schedule(jnp.int32(100), 1.0, jnp.float32(0.25))
    assert c == jaxsched.cosine_onecycle_schedule(100, 1.0, 0.25)


@pytest.mark.parametrize("build, knots", [
    (jaxsched.linear_onecycle_schedule, dict(pct_start=0.5, pct_final=0.5)),
    (jaxsched.linear_onecycle_schedule, dict(pct_start=0.0, pct_final=0.0)),
    (jaxsched.linear_onecycle_schedule, dict(pct_start=0.3, pct_final=1.0)),
    (jaxsched.cosine_onecycle_schedule, dict(pct_start=0.0)),
    (jaxsched.cosine_onecycle_schedule, dict(pct_start=1.0)),
])
def test_traced_values_with_knots_known_at_trace_time(build, knots):
    """Knots known at trace time (coinciding ones merged on the host) with the values traced:
    vmap over (peak, div, final_div) against live optax, one configuration at a time."""
    values = [(1.0, 25.0, 1e4), (0.5, 10.0, 1e2)]
    counts = jnp.arange(0, 111, dtype=jnp.int32)
    args = [jnp.asarray(col, jnp.float32) for col in zip(*values)]
    out = jax.jit(jax.vmap(lambda p, d, f: jax.vmap(build(
        100, p, **knots, div_factor=d, final_div_factor=f))(counts)))(*args)
    peer = getattr(optax, build.__name__)
    for row, (p, d, f) in zip(np.asarray(out), values):
        sched = peer(100, p, **knots, div_factor=d, final_div_factor=f)
        expect = np.asarray(jax.jit(jax.vmap(sched))(counts))  # optax, vectorised over counts
        np.testing.assert_allclose(row, expect, rtol=3e-6, atol=3e-7 * p)  # float32 at the peak
