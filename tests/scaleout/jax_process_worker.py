"""Worker for test_jax_multiprocess.py: process ``I`` of 2 on 127.0.0.1, CPU collectives over
gloo. Usage: ``python jax_process_worker.py I PORT OUT.npz``. Trains the tiny MLP of
``scaleout_problem`` data-parallel over both processes' devices and saves this process's view.
"""

from __future__ import annotations

import sys


def main(i: int, port: int, out_path: str) -> None:
    import jax

    # (README: "Multi-device and multi-process training", several processes; from
    # test_jax_multiprocess.py)
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}", num_processes=2, process_id=i,
                               initialization_timeout=30)
    import numpy as np
    import optax
    import scaleout_problem as sp
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    opt = sp.optimizer()
    mesh = jax.make_mesh((jax.device_count(),), ("data",))
    replicated, batch = NamedSharding(mesh, P()), NamedSharding(mesh, P("data"))
    xs, ys = sp.data()
    half = sp.BATCH // 2

    @jax.jit
    def train_step(params, state, x, y):
        grads = jax.grad(sp.loss_fn)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    params = jax.device_put(sp.init_params(), replicated)
    state = jax.jit(opt.init, out_shardings=replicated)(params)
    seen = []
    for k in range(sp.STEPS):
        rows = slice(i * half, (i + 1) * half)  # this process's half of the global batch
        x = jax.make_array_from_process_local_data(batch, xs[k][rows])
        y = jax.make_array_from_process_local_data(batch, ys[k][rows])
        params, state = train_step(params, state, x, y)
        seen.append([[float(s.data) for s in state.hyperparams[n].addressable_shards]
                     for n in ("learning_rate", "momentum")])
    out = {"seen": np.array(seen), "processes": np.array(jax.process_count()),
           "devices": np.array(jax.device_count())}
    for name, p in params.items():
        out[f"params/{name}"] = np.asarray(p.addressable_shards[0].data)
    np.savez(out_path, **out)
    jax.distributed.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
