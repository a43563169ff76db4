"""Two JAX processes on 127.0.0.1 (``jax.distributed.initialize`` with gloo CPU collectives,
``jax_process_worker.py``): a data-parallel train step over both processes' devices injects
``schedule(k)`` on every device and trains as one device does (float32 reduction noise).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import scaleout_problem as sp


def test_two_processes_inject_schedule_k_and_match_one_device(tmp_path):
    port = sp.free_port()
    outs = [tmp_path / f"process{i}.npz" for i in range(2)]
    env = sp.worker_env(XLA_FLAGS="--xla_force_host_platform_device_count=2")
    sp.run_workers([["jax_process_worker.py", str(i), str(port), str(outs[i])] for i in range(2)], env,
                   timeout=90)
    runs = [dict(np.load(o)) for o in outs]

    lr, momentum = sp.schedules()
    counts = jnp.arange(sp.STEPS)
    # compiled, as in a train step (op by op may differ by 1 ulp)
    expected = np.stack([np.asarray(jax.jit(lr)(counts)), np.asarray(jax.jit(momentum)(counts))], axis=1)
    params = sp.one_device_params()

    for run in runs:
        assert run["processes"] == 2 and run["devices"] == 4
        seen = run["seen"]  # (step, hyperparameter, local device)
        assert seen.shape == (sp.STEPS, 2, 2)
        np.testing.assert_array_equal(seen, np.broadcast_to(expected[:, :, None], seen.shape))
        for name, ref in params.items():
            np.testing.assert_allclose(run[f"params/{name}"], np.asarray(ref), rtol=2e-5, atol=2e-6)
