"""Workload "trainstep": the cost of a jaxsched schedule inside a jitted training step.

An MLP 784-512-512-10 (ReLU, softmax cross-entropy, float32) on a batch of 256 random
examples, trained with ``optax.adamw`` whose learning rate is

- (a) the constant ``3e-4`` (a float: no schedule at all),
- (b) ``optax.warmup_cosine_decay_schedule(0, 3e-4, 1000, 100000)``,
- (c) ``jaxsched.warmup_cosine_decay_schedule(0, 3e-4, 1000, 100000)``.

The whole step ``(params, opt_state, x, y) -> (params, opt_state, loss)`` is one ``jax.jit``.
Each timing sample is ``STEPS`` consecutive steps (ended by ``block_until_ready``); the three
variants alternate within every round, in an order rotated from round to round, so that drift
of a shared machine hits them alike, and each figure is the median seconds per step over the
rounds. (b) and (c) are checked to give the same parameters after a few steps before anything
is timed. The ratio follows the harness (peer / jaxsched, > 1 means jaxsched is faster); the
target "jaxsched's step at most 1.01x the peer's" is ratio ≥ 1/1.01. The note gives the median
and quartiles of the per-round paired ratios (less sensitive to drift; the quartiles show how
much of the difference is the machine's noise), and the JSON keeps them all.

Under ``--quick``: an MLP 784-64-10 on a batch of 32, 3 rounds of 3 steps.
"""

from __future__ import annotations

import gc
import importlib.metadata
import statistics
import time
from typing import Any

from harness import Context, Figure, Row, Timing, workload

SIZES, SIZES_QUICK = (784, 512, 512, 10), (784, 64, 10)
BATCH, BATCH_QUICK = 256, 32
LR, WARMUP, TOTAL = 3e-4, 1000, 100_000
STEPS, STEPS_QUICK = 20, 3
ROUNDS_MIN, ROUNDS_QUICK = 15, 3
TARGET = 1.01


def _init(rng: Any, sizes: tuple[int, ...]) -> list[tuple[Any, Any]]:
    """He-initialised weights (host NumPy, then device: no compile per shape), zero biases."""
    import jax.numpy as jnp
    import numpy as np

    return [(jnp.asarray(rng.standard_normal((a, b), dtype=np.float32) * np.sqrt(2.0 / a)),
             jnp.zeros((b,), jnp.float32)) for a, b in zip(sizes[:-1], sizes[1:])]


def _loss(params: Any, x: Any, y: Any) -> Any:
    import jax
    import optax

    h = x
    for w, b in params[:-1]:
        h = jax.nn.relu(h @ w + b)
    w, b = params[-1]
    return optax.softmax_cross_entropy_with_integer_labels(h @ w + b, y).mean()


def _train_step(learning_rate: Any) -> tuple[Any, Any]:
    import jax
    import optax

    tx = optax.adamw(learning_rate)

    @jax.jit
    def step(params: Any, opt_state: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
        loss, grads = jax.value_and_grad(_loss)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return tx, step


def _quartiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) < 2:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4)
    return q1, q2, q3


@workload("trainstep", "cost of a schedule inside a jitted adamw MLP train step", order=30)
def run(ctx: Context) -> list[Row]:
    import jax.numpy as jnp
    import numpy as np
    import optax

    import jaxsched

    sizes, batch = (SIZES_QUICK, BATCH_QUICK) if ctx.quick else (SIZES, BATCH)
    rng = np.random.default_rng(0)
    params0 = _init(rng, sizes)
    x = jnp.asarray(rng.standard_normal((batch, sizes[0]), dtype=np.float32))
    y = jnp.asarray(rng.integers(0, sizes[-1], batch, dtype=np.int32))
    lrs = {
        "constant": LR,
        "optax": optax.warmup_cosine_decay_schedule(0.0, LR, WARMUP, TOTAL),
        "jaxsched": jaxsched.warmup_cosine_decay_schedule(0.0, LR, WARMUP, TOTAL),
    }
    state: dict[str, list[Any]] = {}
    steps: dict[str, Any] = {}
    for name, lr in lrs.items():
        tx, step = _train_step(lr)
        p, s = params0, tx.init(params0)
        for _ in range(2 if ctx.quick else 5):  # compiles, and the values to compare
            p, s, loss = step(p, s, x, y)
        loss.block_until_ready()
        state[name], steps[name] = [p, s], step

    # like for like: the two schedules drive adamw to the same parameters
    for (wa, ba), (wb, bb) in zip(state["jaxsched"][0], state["optax"][0]):
        for a, b in ((wa, wb), (ba, bb)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-7,
                                       err_msg="jaxsched and optax schedules train differently")
    ctx.log("adamw with the jaxsched and the optax schedule gives the same parameters")

    k = STEPS_QUICK if ctx.quick else STEPS
    rounds = ROUNDS_QUICK if ctx.quick else max(ROUNDS_MIN, 10 * ctx.repeats)
    names = list(lrs)
    per_step: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for i in range(len(names)):
            name = names[(i + r) % len(names)]
            step, (p, s) = steps[name], state[name]
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                for _ in range(k):
                    p, s, loss = step(p, s, x, y)
                loss.block_until_ready()
                per_step[name].append((time.perf_counter() - t0) / k)
            finally:
                gc.enable()
            state[name] = [p, s]
    t = {n: Timing(statistics.median(v), v) for n, v in per_step.items()}
    paired = {peer: [a / b for a, b in zip(per_step[peer], per_step["jaxsched"])]
              for peer in ("constant", "optax")}
    ctx.log(", ".join(f"{n} {t[n].median * 1e3:.2f} ms/step" for n in names))

    size = f"MLP {'-'.join(map(str, sizes))}, batch {batch}, adamw; {rounds} x {k} steps"
    ours = Figure(t["jaxsched"].median, "s", raw={**t["jaxsched"].raw, "steps_per_sample": k})
    version = importlib.metadata.version("optax")
    peers = {
        "constant": f"optax {version} adamw, constant lr={LR:g} (float)",
        "optax": f"optax {version} adamw, optax.warmup_cosine_decay_schedule",
    }
    rows = []
    floor = 1.0 / TARGET
    for peer, label in peers.items():
        row = Row("trainstep: time per step", size, ours, label,
                  Figure(t[peer].median, "s", raw={**t[peer].raw, "steps_per_sample": k,
                                                   "paired_ratios": paired[peer]}),
                  target=f"≤ {TARGET:g}x the peer's time (ratio ≥ {floor:.3f})")
        row.met = None if row.ratio is None else row.ratio >= floor
        q1, q2, q3 = _quartiles(paired[peer])
        row.note = (f"per-round paired ratios: median {q2:.3f}x, interquartile {q1:.3f}-{q3:.3f}x "
                    f"(the machine's noise); figures are medians of {rounds} samples of {k} "
                    "steps, the three variants interleaved.")
        rows.append(row)
    return rows
