"""Worker for test_jax_sharding.py: run with XLA_FLAGS=--xla_force_host_platform_device_count=8
(set before jax is imported, so it runs in its own process). Usage: ``python
jax_devices_worker.py OUT.npz``. It trains the tiny MLP of ``scaleout_problem``
data-parallel under NamedSharding, shard_map and pmap, runs a sharded vmap sweep and an orbax checkpoint
round trip, and saves what every device saw; the tests compare it with single-device values.
"""

from __future__ import annotations

import sys


def main(out_path: str) -> None:
    """Every part in one process (one interpreter and one JAX start): the checkpoint round trip,
    then the three data-parallel steps, the sweep and explicit axes."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax
    import scaleout_problem as sp
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    assert jax.device_count() == sp.N_DEVICES, jax.devices()
    out: dict[str, np.ndarray] = {}
    xs, ys = sp.data()
    # Auto axes (sharding propagated by XLA) for the checkpoint run: over explicit axes, the
    # model's matmuls of a batch-sharded x by a hidden-sharded w1 would need their output
    # shardings spelt out
    auto = jax.make_mesh((sp.N_DEVICES,), ("data",), axis_types=(jax.sharding.AxisType.Auto,))
    checkpoint_round_trip(out, auto, xs, ys)
    opt = sp.optimizer()
    mesh = jax.make_mesh((sp.N_DEVICES,), ("data",))

    def per_device(a: jax.Array) -> np.ndarray:
        """The value each device holds of a replicated scalar, in device order."""
        shards = sorted(a.addressable_shards, key=lambda s: s.device.id)
        return np.array([np.asarray(s.data) for s in shards])

    # --- NamedSharding: a jitted step on a batch sharded over "data", params replicated
    # (README: "Multi-device and multi-process training", JAX sharding)
    replicated = NamedSharding(mesh, P())
    batch = NamedSharding(mesh, P("data"))

    @jax.jit
    def train_step(params, state, x, y):
        loss, grads = jax.value_and_grad(sp.loss_fn)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    params = jax.device_put(sp.init_params(), replicated)
    state = jax.device_put(opt.init(params), replicated)
    lrs, moms = [], []
    for k in range(sp.STEPS):
        x, y = jax.device_put((xs[k], ys[k]), batch)
        params, state, loss = train_step(params, state, x, y)
        lrs.append(per_device(state.hyperparams["learning_rate"]))
        moms.append(per_device(state.hyperparams["momentum"]))
    out["named/lr"], out["named/momentum"] = np.array(lrs), np.array(moms)
    for name, p in params.items():
        out[f"named/params/{name}"] = np.asarray(p)

    # --- shard_map: the gradient of the pmean of the per-device losses (shard_map transposes the
    # replicated params' broadcast into a psum); each device returns the hyperparameters it
    # injected as its own row of a P("data") output
    def sm_local(params, state, x, y):
        loss_fn = lambda p: jax.lax.pmean(sp.loss_fn(p, x, y), "data")  # noqa: E731
        grads = jax.grad(loss_fn)(params)
        updates, state = opt.update(grads, state, params)
        hp = jnp.stack([state.hyperparams["learning_rate"], state.hyperparams["momentum"]])
        return optax.apply_updates(params, updates), state, hp[None]

    sm_step = jax.jit(jax.shard_map(sm_local, mesh=mesh, in_specs=(P(), P(), P("data"), P("data")),
                                    out_specs=(P(), P(), P("data"))))
    params = jax.device_put(sp.init_params(), replicated)
    state = jax.device_put(opt.init(params), replicated)
    hps = []
    for k in range(sp.STEPS):
        x, y = jax.device_put((xs[k], ys[k]), batch)
        params, state, hp = sm_step(params, state, x, y)
        hps.append(np.asarray(hp))  # (devices, 2)
    hps = np.array(hps)
    out["shard_map/lr"], out["shard_map/momentum"] = hps[..., 0], hps[..., 1]
    for name, p in params.items():
        out[f"shard_map/params/{name}"] = np.asarray(p)

    # --- pmap: per-device gradients averaged with pmean, one copy of params and state per device
    def pmap_local(params, state, x, y):
        grads = jax.lax.pmean(jax.grad(sp.loss_fn)(params, x, y), "data")
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    p_step = jax.pmap(pmap_local, axis_name="data")
    n = sp.N_DEVICES
    params = jax.tree.map(lambda a: np.broadcast_to(a, (n, *a.shape)), sp.init_params())
    state = jax.pmap(opt.init)(params)
    lrs, moms = [], []
    for k in range(sp.STEPS):
        x, y = xs[k].reshape(n, -1, 4), ys[k].reshape(n, -1, 1)
        params, state = p_step(params, state, x, y)
        lrs.append(np.asarray(state.hyperparams["learning_rate"]))
        moms.append(np.asarray(state.hyperparams["momentum"]))
    out["pmap/lr"], out["pmap/momentum"] = np.array(lrs), np.array(moms)
    for name, p in params.items():
        out[f"pmap/params/{name}"] = np.asarray(p)  # (devices, ...): every copy

    # --- a sharded sweep: vmap over 64 configurations, the configurations sharded over the mesh's
    # (explicit, make_mesh's default) axis; jit under the mesh, as explicit sharding asks
    configs = jax.device_put(sp.sweep_configs(), batch)

    @jax.jit
    def sweep(peak, warmup, decay):
        counts = jnp.arange(sp.SWEEP_STEPS)
        return jax.vmap(lambda p, w, d: sp.sweep_schedule(p, w, d)(counts))(peak, warmup, decay)

    with jax.set_mesh(mesh):
        values = sweep(*configs)
    out["sweep/values"] = np.asarray(values)
    out["sweep/devices"] = np.array(len(values.sharding.device_set))
    out["sweep/shard_rows"] = np.array([s.data.shape[0] for s in values.addressable_shards])

    # --- one schedule on counts sharded over explicit axes, jitted (a piecewise lookup by
    # sharded indices needs jaxsched's explicit out_sharding: a regression check; eager works
    # too but compiles each op, a second or two)
    counts = jax.device_put(np.arange(sp.SWEEP_STEPS * sp.N_DEVICES, dtype=np.int32), batch)
    out["explicit/jit"] = np.asarray(jax.jit(sp.sweep_schedule(0.1, 3, 20))(counts))
    np.savez(out_path, **out)


def checkpoint_round_trip(out, mesh, xs, ys) -> None:
    """Train a state sharded over the (Auto axes) mesh (adam with scheduled lr and b1, then a plateau
    factor), uninterrupted and with an orbax save/restore at RESUME_AT; save both."""
    import tempfile

    import jax
    import numpy as np
    import optax
    import scaleout_problem as sp
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    import jaxsched

    try:
        import orbax.checkpoint as ocp
    except ImportError as e:  # the dev extra installs it
        out["orbax/skipped"] = np.array(f"orbax-checkpoint is not installed: {e}")
        return
    lr, momentum = sp.schedules()
    # (README: "Multi-device and multi-process training", orbax; from test_jax_sharding.py)
    opt = optax.chain(jaxsched.scheduled_optimizer(optax.adam, learning_rate=lr, momentum=momentum),
                      jaxsched.reduce_on_plateau(factor=0.5, patience=1))
    specs = {"w1": P(None, "data"), "b1": P("data"), "w2": P("data", None), "b2": P()}
    shardings = {k: NamedSharding(mesh, s) for k, s in specs.items()}
    batch = NamedSharding(mesh, P("data"))

    @jax.jit
    def train_step(params, state, x, y, metric):
        grads = jax.grad(sp.loss_fn)(params, x, y)
        updates, state = opt.update(grads, state, params, value=metric)
        return optax.apply_updates(params, updates), state

    def run(params, state, start, stop):
        for k in range(start, stop):
            x, y = jax.device_put((xs[k], ys[k]), batch)
            params, state = train_step(params, state, x, y, sp.METRICS[k])
        return params, state

    params0 = jax.device_put(sp.init_params(), shardings)
    state0 = jax.jit(opt.init)(params0)
    full = run(params0, state0, 0, sp.STEPS)
    first = run(params0, state0, 0, sp.RESUME_AT)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = ocp.StandardCheckpointer()
        ckpt.save(f"{tmp}/step{sp.RESUME_AT}", {"params": first[0], "opt_state": first[1]})
        ckpt.wait_until_finished()
        target = jax.tree.map(ocp.utils.to_shape_dtype_struct, {"params": first[0], "opt_state": first[1]})
        restored = ckpt.restore(f"{tmp}/step{sp.RESUME_AT}", target)
        ckpt.close()
    same_sharding = jax.tree.map(lambda a, b: a.sharding == b.sharding, restored, {"params": first[0],
                                                                                    "opt_state": first[1]})
    out["orbax/same_sharding"] = np.array(all(jax.tree.leaves(same_sharding)))
    out["orbax/same_structure"] = np.array(
        jax.tree.structure(restored["opt_state"]) == jax.tree.structure(first[1]))
    resumed = run(restored["params"], restored["opt_state"], sp.RESUME_AT, sp.STEPS)
    for tag, (params, state) in (("full", full), ("resumed", resumed)):
        for i, leaf in enumerate(jax.tree.leaves((params, state))):
            out[f"orbax/{tag}/{i:03d}"] = np.asarray(leaf)
        out[f"orbax/{tag}/scale"] = np.asarray(jaxsched.plateau_scale(state))
        out[f"orbax/{tag}/lr"] = np.asarray(jaxsched.current_hyperparams(state)["learning_rate"])
    out["orbax/scale_at_resume"] = np.asarray(jaxsched.plateau_scale(first[1]))
    out["orbax/w1_shards"] = np.array(len({str(s.index) for s in full[0]["w1"].addressable_shards}))


if __name__ == "__main__":
    main(sys.argv[1])
