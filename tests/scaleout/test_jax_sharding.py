"""JAX on 8 host devices (a subprocess: XLA_FLAGS must be set before jax is imported):
NamedSharding, shard_map and pmap train steps, a sharded vmap sweep and an orbax round trip.

``jax_devices_worker.py`` runs once, in one process (one interpreter and one JAX start for the
module), and saves what every device saw; each test here checks one part against values
computed independently in this process on one device: ``schedule(k)`` evaluated here, and a
single-device training run.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scaleout_problem as sp


@pytest.fixture(scope="module")
def devices_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("jax8") / "devices.npz"
    env = sp.worker_env(XLA_FLAGS=f"--xla_force_host_platform_device_count={sp.N_DEVICES}")
    sp.run_workers([["jax_devices_worker.py", str(out)]], env, timeout=120)
    return dict(np.load(out))


@pytest.fixture(scope="module")
def single_device():
    """The reference: the same training on one device, with schedule(k) evaluated here."""
    lr, momentum = sp.schedules()
    params = sp.one_device_params()
    counts = jnp.arange(sp.STEPS)
    # the reference is the compiled schedule, as in a train step (op by op may differ by 1 ulp)
    return {"lr": np.asarray(jax.jit(lr)(counts)), "momentum": np.asarray(jax.jit(momentum)(counts)),
            "params": jax.tree.map(np.asarray, params)}


@pytest.mark.parametrize("how", ["named", "shard_map", "pmap"])
def test_every_device_injects_schedule_k_and_training_matches_one_device(devices_run, single_device,
                                                                          how):
    for name in ("lr", "momentum"):
        seen = devices_run[f"{how}/{name}"]  # (step, device)
        assert seen.shape == (sp.STEPS, sp.N_DEVICES)
        expected = np.broadcast_to(single_device[name][:, None], seen.shape)
        np.testing.assert_array_equal(seen, expected, err_msg=f"{how}: {name}")
    for name, ref in single_device["params"].items():
        got = devices_run[f"{how}/params/{name}"]
        if how == "pmap":  # one copy per device, all equal
            assert got.shape == (sp.N_DEVICES, *ref.shape)
            np.testing.assert_array_equal(got, np.broadcast_to(got[0], got.shape))
            got = got[0]
        # data-parallel gradients are means of per-device means: float32 reduction noise only
        np.testing.assert_allclose(got, ref, rtol=2e-5, atol=2e-6, err_msg=f"{how}: {name}")


def test_sharded_sweep_equals_each_configuration(devices_run):
    values = devices_run["sweep/values"]
    assert values.shape == (sp.SWEEP_CONFIGS, sp.SWEEP_STEPS)
    assert devices_run["sweep/devices"] == sp.N_DEVICES
    np.testing.assert_array_equal(devices_run["sweep/shard_rows"], [sp.SWEEP_CONFIGS // sp.N_DEVICES] * 8)
    evaluate = jax.jit(lambda s, t: s(t))
    counts = jnp.arange(sp.SWEEP_STEPS)
    for i, (peak, warmup, decay) in enumerate(zip(*sp.sweep_configs())):
        ref = np.asarray(evaluate(sp.sweep_schedule(float(peak), int(warmup), int(decay)), counts))
        np.testing.assert_allclose(values[i], ref, rtol=1e-6, atol=1e-9, err_msg=f"config {i}")


def test_orbax_resume_of_sharded_state_is_bit_exact(devices_run):
    if "orbax/skipped" in devices_run:
        pytest.skip(str(devices_run["orbax/skipped"]))
    assert devices_run["orbax/w1_shards"] == sp.N_DEVICES  # the state really was sharded
    assert devices_run["orbax/same_sharding"] and devices_run["orbax/same_structure"]
    # the plateau had reduced before the checkpoint and reduces again after it
    assert devices_run["orbax/scale_at_resume"] == 0.5
    assert devices_run["orbax/full/scale"] == 0.25
    lr, _ = sp.schedules()
    assert devices_run["orbax/full/lr"] == np.asarray(lr(sp.STEPS - 1))
    full = sorted(k for k in devices_run if k.startswith("orbax/full/"))
    assert len(full) > 10
    for key in full:
        other = key.replace("/full/", "/resumed/")
        assert devices_run[key].dtype == devices_run[other].dtype, key
        np.testing.assert_array_equal(devices_run[other], devices_run[key], err_msg=key)


def test_schedule_on_counts_sharded_over_explicit_axes(devices_run):
    # regression: a piecewise lookup (the warmup/decay join) by counts sharded over explicit mesh
    # axes raised jax's ShardingTypeError before jaxsched gave the gather an out_sharding
    counts = jnp.arange(sp.SWEEP_STEPS * sp.N_DEVICES)
    ref = np.asarray(jax.jit(sp.sweep_schedule(0.1, 3, 20))(counts))
    np.testing.assert_allclose(devices_run["explicit/jit"], ref, rtol=1e-6, atol=1e-9)
