"""Workload "bulk": evaluate a schedule at 10 million steps, vs optax and vs stepping torch.

The schedule: linear warmup from ``0.01 * peak`` to ``peak = 1e-3`` over ``W = N / 100`` steps,
then cosine decay to 0 at ``N`` (``warmup_cosine_decay_schedule(0.01 * peak, peak, W, N)``;
torch's ``LinearLR`` cannot start from 0, hence the nonzero start), at counts ``0 .. N - 1``:

- jaxsched (JAX) against optax: each library's schedule applied to ``jnp.arange(N)`` inside one
  ``jax.jit`` (compile excluded: timed after a warm-up call; the two interleaved, medians of
  ``5 * ctx.repeats`` calls each; the note gives the quartiles of the per-round paired
  ratios). Values checked equal first (float32 both: ``atol = 2.4e-7 * peak``,
  ``rtol = 1e-6``, at every one of the N counts).
- against torch: what a torch user has is a scheduler to step,
  ``SequentialLR([LinearLR(0.01 -> 1, W), CosineAnnealingLR(T_max=N - W)], milestones=[W])``
  on an SGD optimizer, reading the learning rate after each ``step()``. Stepping it N = 10M
  times would take about a minute per run, so the first ``M = 200,000`` steps (the whole
  warmup and the start of the decay) are timed and the time is extrapolated linearly to N (the
  figure and the note say so). Its values are checked against jaxsched's host float64
  evaluation (``rtol = 1e-9``) over those M steps. Compared with jaxsched under JAX (jit),
  with jaxsched's host NumPy evaluation (``Schedule.evaluate(np.arange(N), np)``, float64) and
  with jaxsched evaluating torch tensors (``Schedule.evaluate(torch.arange(N), torch)``).

Under ``--quick``: N = 200,000 and M = 20,000.
"""

from __future__ import annotations

import gc
import importlib.metadata
import statistics
import time
from collections.abc import Callable
from typing import Any

from harness import Context, Figure, Row, Timing, measure, workload

N_FULL, N_QUICK = 10_000_000, 200_000
M_FULL, M_QUICK = 200_000, 20_000
PEAK = 1e-3
START_FACTOR = 0.01
TARGET_OPTAX = 1.05  # jaxsched's time at most this multiple of optax's
JIT_ROUNDS_PER_REPEAT = 5  # the jit calls are short and noisy on a shared machine: many rounds


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, Timing]:
    """Median wall time of each ``fn`` over ``repeats`` rounds, the functions alternating
    (order reversed every other round) so that drift of the machine hits them alike."""
    keys = list(fns)
    samples: dict[str, list[float]] = {k: [] for k in keys}
    for r in range(max(1, repeats)):
        for k in keys if r % 2 == 0 else keys[::-1]:
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                fns[k]()
                samples[k].append(time.perf_counter() - t0)
            finally:
                gc.enable()
    return {k: Timing(statistics.median(v), v) for k, v in samples.items()}


def _torch_stepping(n: int, m: int) -> tuple[list[float], float]:
    """Step torch's warmup+cosine ``m - 1`` times; the ``m`` learning rates and the seconds."""
    import torch
    from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

    w = n // 100
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=PEAK)
    sched = SequentialLR(opt, [LinearLR(opt, start_factor=START_FACTOR, end_factor=1.0,
                                        total_iters=w),
                               CosineAnnealingLR(opt, T_max=n - w, eta_min=0.0)],
                         milestones=[w])
    opt.step()  # the usual order: an optimizer step before the scheduler's
    group = opt.param_groups[0]
    lrs = [group["lr"]]
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(m - 1):
            sched.step()
            lrs.append(group["lr"])
        dt = time.perf_counter() - t0
    finally:
        gc.enable()
    return lrs, dt


@workload("bulk", "10M-step bulk evaluation: jaxsched vs optax (jit) and vs stepping torch",
          order=40)
def run(ctx: Context) -> list[Row]:
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax
    import torch

    import jaxsched

    n, m = (N_QUICK, M_QUICK) if ctx.quick else (N_FULL, M_FULL)
    w = n // 100
    ours = jaxsched.warmup_cosine_decay_schedule(START_FACTOR * PEAK, PEAK, w, n)
    theirs = optax.warmup_cosine_decay_schedule(START_FACTOR * PEAK, PEAK, w, n)
    counts = jnp.arange(n, dtype=jnp.int32)
    f_ours, f_theirs = jax.jit(ours), jax.jit(theirs)

    # like for like (the calls also compile both, so compile is outside the timings)
    a = np.asarray(f_ours(counts), dtype=np.float64)
    b = np.asarray(f_theirs(counts), dtype=np.float64)
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=2.4e-7 * PEAK,
                               err_msg="jaxsched and optax disagree: not like for like")
    del a, b
    ref = ours.evaluate(np.arange(m), np)
    lrs, _ = _torch_stepping(n, min(m, 1000))  # warm-up of torch's code path
    lrs, torch_s = _torch_stepping(n, m)
    np.testing.assert_allclose(np.asarray(lrs), ref, rtol=1e-9, atol=0.0,
                               err_msg="jaxsched and torch's stepping disagree")
    tref = np.asarray(ours.evaluate(torch.arange(m), torch), dtype=np.float64)
    np.testing.assert_allclose(tref, ref, rtol=1e-6, atol=2.4e-7 * PEAK,
                               err_msg="jaxsched on torch tensors disagrees with NumPy")
    ctx.log(f"values agree: jaxsched/optax at {n:,} counts, jaxsched/torch stepping at {m:,}")

    t = interleaved({"ours": lambda: f_ours(counts).block_until_ready(),
                     "theirs": lambda: f_theirs(counts).block_until_ready()},
                    repeats=JIT_ROUNDS_PER_REPEAT * ctx.repeats if not ctx.quick else 1)
    paired = [b / a for a, b in zip(t["ours"].samples, t["theirs"].samples)]
    ctx.log(f"jit: jaxsched {t['ours'].median * 1e3:.1f} ms, optax {t['theirs'].median * 1e3:.1f} ms")
    host_counts = np.arange(n)
    t_np = measure(lambda: ours.evaluate(host_counts, np), repeats=ctx.repeats, warmup=0,
                   budget_s=10.0)
    torch_counts = torch.arange(n)
    t_torch_ns = measure(lambda: ours.evaluate(torch_counts, torch), repeats=ctx.repeats,
                         warmup=0, budget_s=10.0)
    ctx.log(f"host: NumPy {t_np.median:.2f} s, torch tensors {t_torch_ns.median:.2f} s")
    torch_total = torch_s * n / m
    ctx.log(f"torch stepping: {m:,} steps in {torch_s:.2f} s, extrapolated {torch_total:.1f} s")

    ver = importlib.metadata.version
    size = f"N = {n:,} counts"
    ratio_floor = 1.0 / TARGET_OPTAX
    row_optax = Row("bulk: JAX jit", size, Figure(t["ours"].median, "s", raw=t["ours"].raw),
                    f"optax {ver('optax')} (jit)",
                    Figure(t["theirs"].median, "s", raw={**t["theirs"].raw,
                                                         "paired_ratios": paired}),
                    target=f"≤ {TARGET_OPTAX:g}x optax's time (ratio ≥ {ratio_floor:.3f})")
    row_optax.met = None if row_optax.ratio is None else row_optax.ratio >= ratio_floor
    q = statistics.quantiles(paired, n=4) if len(paired) > 1 else paired * 3
    row_optax.note = ("warmup_cosine_decay_schedule applied to jnp.arange(N) in one jitted call "
                      f"per library, float32, compile excluded; medians of {len(paired)} calls "
                      f"each, the two interleaved; per-round paired ratios: median {q[1]:.3f}x, "
                      f"interquartile {q[0]:.3f}-{q[2]:.3f}x (the machine's noise).")
    peer = f"torch {ver('torch')} SequentialLR(LinearLR, CosineAnnealingLR) stepping"
    torch_fig = Figure(torch_total, "s", text=f"{torch_total:.1f} s (extrap. from {m:,} steps)",
                       raw={"steps_timed": m, "seconds": torch_s, "per_step_s": torch_s / m,
                            "extrapolated_to": n})
    torch_note = (f"torch: scheduler.step() and reading the lr, timed over the first {m:,} "
                  f"steps ({torch_s:.2f} s: the warmup and the start of the decay) and "
                  "extrapolated linearly to N.")
    rows = [row_optax]
    for label, fig in (
        ("bulk: JAX jit vs torch stepping", Figure(t["ours"].median, "s", raw=t["ours"].raw)),
        ("bulk: host NumPy float64 vs torch stepping", Figure(t_np.median, "s", raw=t_np.raw)),
        ("bulk: torch tensors vs torch stepping",
         Figure(t_torch_ns.median, "s", raw=t_torch_ns.raw)),
    ):
        rows.append(Row(label, size, fig, peer, torch_fig, note=torch_note))
    rows[2].note = ("torch figure as above; jaxsched: Schedule.evaluate(np.arange(N), np) on "
                    "the host, float64.")
    rows[3].note = ("torch figure as above; jaxsched: Schedule.evaluate(torch.arange(N), torch) "
                    "on the CPU, float32 (torch's default dtype).")
    return rows
