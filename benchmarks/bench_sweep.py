"""Workload "sweep": a hyperparameter sweep evaluated in one vmapped compiled call, vs optax.

256 ``warmup_cosine_decay_schedule(0, peak, warmup, decay)`` configurations (peak, warmup and
decay steps all varying, drawn with a fixed seed) x 10,000 steps:

- jaxsched: ``jax.jit(jax.vmap(lambda p, w, d: jax.vmap(schedule(0, p, w, d))(counts)))``, one
  trace and one compile for the whole sweep. Timed twice: the first call after
  ``jax.clear_caches()`` with a fresh function object (trace + compile + run: what a user
  waits for), and steady state (median of repeated calls of the compiled function).
- optax: its schedules cannot be vmapped over these hyperparameters (its constructors test
  them with Python ``if``: under ``vmap`` that raises ``TracerBoolConversionError``, checked
  at run time and recorded in the JSON), so a user builds one schedule per configuration and
  jit-compiles ``jax.vmap(schedule)(counts)`` for each: one trace and compile per
  configuration. Timed as the whole loop (build + jit + first call, per configuration).
  Configurations are timed in order; if the first ``PROBE`` of them predict a loop longer than
  ``ctx.budget_s`` (and always under ``--quick``), the loop stops there and the total is
  extrapolated linearly (the figure and the row's note say so).

Before timing, both libraries' values are compared on a few configurations (float32 both:
``atol = 2.4e-7 * peak``, ``rtol = 1e-6``). Under ``--quick``: 16 configurations x 1,000
steps, optax timed on 4 and extrapolated.
"""

from __future__ import annotations

import importlib.metadata
import time
from typing import Any

from harness import Context, Figure, Row, measure, workload

N_CONFIGS, N_STEPS = 256, 10_000
N_CONFIGS_QUICK, N_STEPS_QUICK = 16, 1_000
PROBE, PROBE_QUICK = 32, 4
TARGET_SPEEDUP = 100.0
CHECK = (0, 1, 2, -1)  # configurations whose values are compared across the libraries


def configs(n: int, steps: int) -> tuple[Any, Any, Any]:
    """``n`` (peak, warmup, total decay steps): peak log-uniform in [1e-4, 1e-2], warmup in
    [1%, 20%] of ``steps``, decay (warmup included, optax's convention) in [50%, 100%]."""
    import numpy as np

    rng = np.random.default_rng(20260)
    peak = np.exp(rng.uniform(np.log(1e-4), np.log(1e-2), n)).astype(np.float32)
    warm = rng.integers(max(1, steps // 100), steps // 5 + 1, n).astype(np.int32)
    decay = rng.integers(steps // 2, steps + 1, n).astype(np.int32)
    return peak, warm, decay


def _jaxsched_fn(counts: Any) -> Any:
    import jax

    import jaxsched

    def one(p: Any, w: Any, d: Any) -> Any:
        return jax.vmap(jaxsched.warmup_cosine_decay_schedule(0.0, p, w, d))(counts)

    return jax.jit(jax.vmap(one))


def _optax_one(counts: Any, p: float, w: int, d: int) -> Any:
    """What an optax user does for one configuration: build, jit, evaluate."""
    import jax
    import optax

    sched = optax.warmup_cosine_decay_schedule(0.0, p, w, d)
    return jax.jit(jax.vmap(sched))(counts).block_until_ready()


def _optax_vmap_error(counts: Any, peak: Any, warm: Any, decay: Any) -> str:
    """The error optax raises when its hyperparameters are vmapped (the reason for its loop)."""
    import jax
    import optax

    try:
        jax.vmap(lambda p, w, d: jax.vmap(optax.warmup_cosine_decay_schedule(0.0, p, w, d))(
            counts))(peak[:2], warm[:2], decay[:2])
    except Exception as e:  # the expected outcome
        return type(e).__name__
    return "none (optax vmapped: the per-configuration loop is no longer forced)"


@workload("sweep", "256 warmup-cosine configs x 10k steps: one vmapped compile vs optax's loop",
          order=20)
def run(ctx: Context) -> list[Row]:
    import jax
    import jax.numpy as jnp
    import numpy as np

    n, steps = (N_CONFIGS_QUICK, N_STEPS_QUICK) if ctx.quick else (N_CONFIGS, N_STEPS)
    probe = PROBE_QUICK if ctx.quick else PROBE
    counts = jnp.arange(steps, dtype=jnp.int32)
    peak, warm, decay = configs(n, steps)
    args = (jnp.asarray(peak), jnp.asarray(warm), jnp.asarray(decay))

    # like for like, and the one-time costs of both libraries paid before anything is timed
    ours_all = np.asarray(_jaxsched_fn(counts)(*args), dtype=np.float64)
    for i in CHECK:
        theirs = np.asarray(_optax_one(counts, float(peak[i]), int(warm[i]), int(decay[i])),
                            dtype=np.float64)
        np.testing.assert_allclose(
            ours_all[i], theirs, rtol=1e-6, atol=2.4e-7 * float(peak[i]),
            err_msg=f"jaxsched and optax disagree on configuration {i}: not like for like")
    vmap_error = _optax_vmap_error(counts, *args)
    ctx.log(f"jaxsched and optax agree on configurations {CHECK}; optax under vmap: {vmap_error}")

    # jaxsched, first call: fresh function, no cache (trace + compile + run)
    def first_call() -> None:
        _jaxsched_fn(counts)(*args).block_until_ready()

    first = measure(first_call, repeats=ctx.repeats, warmup=0, budget_s=10.0,
                    setup=jax.clear_caches)
    f = _jaxsched_fn(counts)
    f(*args).block_until_ready()
    steady = measure(lambda: f(*args).block_until_ready(), repeats=max(ctx.repeats, 3))
    ctx.log(f"jaxsched: first call {first.median:.3f} s, steady {steady.median * 1e3:.1f} ms")

    # optax: the loop, stopped after `probe` configurations if the whole would exceed the budget
    jax.clear_caches()
    per: list[float] = []
    t_loop = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        _optax_one(counts, float(peak[i]), int(warm[i]), int(decay[i]))
        per.append(time.perf_counter() - t0)
        if i + 1 == probe and (ctx.quick or (time.perf_counter() - t_loop) * n / probe
                               > ctx.budget_s):
            break
    loop_s = time.perf_counter() - t_loop
    done = len(per)
    total = loop_s * n / done
    extrapolated = done < n
    ctx.log(f"optax: {done} configurations in {loop_s:.2f} s"
            + (f", extrapolated to {n}: {total:.1f} s" if extrapolated else ""))

    version = importlib.metadata.version("optax")
    peer = f"optax {version}: loop of {n} builds + jit compiles"
    raw = {"configs_timed": done, "configs": n, "loop_s": loop_s, "per_config_s": per,
           "extrapolated": extrapolated, "optax_vmap_error": vmap_error}
    text = None
    if extrapolated:
        text = f"{total:.1f} s (extrap. from {done})"
    theirs = Figure(total, "s", text=text, raw=raw)
    note_extra = (f"optax loop timed on the first {done} of {n} configurations "
                  f"({loop_s:.1f} s) and extrapolated linearly. " if extrapolated else "")
    size = f"{n} configs x {steps:,} steps"
    first_row = Row("sweep: first call (compile incl.)", size,
                    Figure(first.median, "s", raw=first.raw), peer, theirs,
                    target=f"≥ {TARGET_SPEEDUP:.0f}x faster")
    first_row.met = None if first_row.ratio is None else first_row.ratio >= TARGET_SPEEDUP
    first_row.note = (note_extra + "jaxsched: one jit of the vmapped sweep, timed from a cold "
                      "cache; optax cannot vmap these hyperparameters "
                      f"({vmap_error}), so one trace + compile per configuration.")
    steady_row = Row("sweep: steady state (compiled)", size,
                     Figure(steady.median, "s", raw=steady.raw), peer, theirs)
    steady_row.note = (note_extra + "jaxsched: a repeated call of the compiled sweep, against "
                       "the same optax loop (optax has no compiled sweep to repeat).")
    return [first_row, steady_row]
