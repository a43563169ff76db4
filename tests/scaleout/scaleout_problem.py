"""The tiny problem the scale-out workers train and the tests' single-device references use.

Shared by the worker scripts (run in subprocesses with several host devices) and by the
tests (one device, in the pytest process), so both sides build the same data, model and
schedules. Importing it imports nothing heavy at module level.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import numpy as np

STEPS = 8
N_DEVICES = 8
BATCH = 32  # global batch: 4 rows per device
SWEEP_CONFIGS = 64
SWEEP_STEPS = 24
#: the plateau metric fed with each update of the checkpoint run (a plateau from update 2 on)
METRICS = np.array([1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8], np.float32)
RESUME_AT = 4
HERE = os.path.dirname(os.path.abspath(__file__))


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEPS, BATCH, 4)).astype(np.float32)
    y = np.sin(x).sum(-1, keepdims=True).astype(np.float32)
    return x, y


def init_params() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {"w1": (0.5 * rng.standard_normal((4, 16))).astype(np.float32),
            "b1": np.zeros(16, np.float32),
            "w2": (0.5 * rng.standard_normal((16, 1))).astype(np.float32),
            "b2": np.zeros(1, np.float32)}


def loss_fn(params, x, y):
    import jax.numpy as jnp

    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return jnp.mean((h @ params["w2"] + params["b2"] - y) ** 2)


def schedules():
    """The learning-rate and momentum schedules every run uses."""
    import jaxsched

    lr = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 3, STEPS, end_value=0.01)
    momentum = jaxsched.linear_schedule(0.9, 0.5, STEPS)
    return lr, momentum


def optimizer():
    """SGD whose learning rate and momentum follow :func:`schedules`."""
    import optax

    import jaxsched

    lr, momentum = schedules()
    return jaxsched.scheduled_optimizer(optax.sgd, learning_rate=lr, momentum=momentum)


def one_device_params() -> dict:
    """The reference training: ``STEPS`` updates on one device, the train step compiled once
    (op by op it compiled ~130 primitives), with ``schedule(k)`` inside ``optimizer()``."""
    import jax
    import jax.numpy as jnp
    import optax

    opt = optimizer()
    xs, ys = data()
    params = jax.tree.map(jnp.asarray, init_params())
    state = opt.init(params)

    @jax.jit
    def step(params, state, x, y):
        updates, state = opt.update(jax.grad(loss_fn)(params, x, y), state, params)
        return optax.apply_updates(params, updates), state

    for k in range(STEPS):
        params, state = step(params, state, xs[k], ys[k])
    return params


def sweep_configs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """64 warmup+cosine configurations: peak value, warmup steps, decay steps."""
    i = np.arange(SWEEP_CONFIGS)
    return ((0.01 * (1 + i)).astype(np.float32), (1 + i % 8).astype(np.int32),
            (12 + i % 5).astype(np.int32))


def sweep_schedule(peak, warmup, decay):
    import jaxsched

    return jaxsched.warmup_cosine_decay_schedule(0.0, peak, warmup, decay, end_value=1e-3)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_workers(commands: list[list[str]], env: dict[str, str], timeout: float) -> list[str]:
    """Start every command (each in its own process group), wait at most ``timeout`` seconds
    for all of them, and kill them all on a timeout or a failure; returns their outputs."""
    procs = [subprocess.Popen([sys.executable, *cmd], env=env, cwd=HERE, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
             for cmd in commands]
    outs = []
    try:
        for p in procs:
            out, _ = p.communicate(timeout=timeout)
            outs.append(out)
            if p.returncode != 0:
                raise RuntimeError(f"worker {p.args[1:]} exited with {p.returncode}:\n{out[-4000:]}")
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"worker timed out after {timeout} s") from e
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    return outs


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker: this one, CPU only, loopback, and the repository first on
    the path (so the workers import this checkout's jaxsched)."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(HERE))
    env["PYTHONPATH"] = os.pathsep.join([root, HERE, env.get("PYTHONPATH", "")])
    env["JAX_PLATFORMS"] = "cpu"
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["GLOO_SOCKET_IFNAME"] = "lo"
    env["MASTER_ADDR"] = "127.0.0.1"
    env.update(extra)
    return env
