"""Workload "everyday": the everyday cost of a schedule, jaxsched vs optax 0.2.8, side by side.

For each everyday schedule (optax's own constructors under their optax names, and jaxsched's
native ones against their nearest optax expression), both libraries' schedules are built once
and measured in the same process:

- construction: median wall time of the constructor call (``timeit`` batches, per call), for
  every case before any case is evaluated or compiled (as at a program's start-up);
- compile: ``jax.clear_caches()``, then ``jax.jit(f).lower(arg).compile()`` with a fresh
  function object and ``arg = jnp.int32(5)`` built before the clock starts (tracing + lowering +
  XLA compile; the persistent cache is off); the minimum over 15 rounds (``COMPILE_ROUNDS``),
  jaxsched's and optax's compiles interleaved;
- HLO instructions: the lines of the optimized HLO that define a value (``%x = ...``), so the
  source-location metadata XLA prints (one line per distinct Python frame, more for a deeper
  call stack) does not count as graph;
- eager call: ``schedule(k)`` outside any trace, with ``k`` a Python int varying from call to
  call, result waited for; the median over many calls after a warm-up (jaxsched compiles one
  eager evaluator, ``jax.jit(schedule)``, after two op-by-op calls, so this is its steady state);
- in a scan: a jitted ``lax.scan`` of 100,000 steps that adds ``schedule(step)`` to the carry,
  minus the same scan adding a constant, per step (the minimum over interleaved repeats of
  each); a few nanoseconds either way is within the noise of a loaded machine.

Rows marked "nearest" compare a native jaxsched schedule with the closest optax expression;
their values differ by design (e.g. torch's one-cycle peaks a step earlier), so only the rows
with the same formula are checked to agree before anything is timed.

Run alone: ``python benchmarks/run.py --only everyday`` (a minute or two; ``--quick``: two cases,
one repeat, a scan of 1,000 steps: a few seconds).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
import timeit
from collections.abc import Callable, Iterator
from typing import Any

from harness import Context, Figure, Row, workload

SCAN_STEPS_FULL = 100_000
SCAN_STEPS_QUICK = 1_000
QUICK_CASES = ("warmup_cosine_decay_schedule", "one_cycle")  # a checked row and a "nearest" one
AGREE_COUNTS = (0, 1, 5, 50, 99, 100, 101, 999, 1000, 1001, 5000, 9000, 9500, 9999, 10000, 20000)


@dataclasses.dataclass(frozen=True)
class Case:
    """One everyday schedule: the jaxsched and optax constructor calls, and whether they agree."""

    name: str
    ours: Callable[[], Any]
    theirs: Callable[[], Any]
    peer_text: str
    same: bool = True  # the same formula: values are checked to agree


def cases() -> list[Case]:
    import optax

    import jaxsched as js

    def optax_join() -> Any:
        return optax.join_schedules(
            [optax.linear_schedule(0.0, 1e-3, 100), optax.constant_schedule(1e-3),
             optax.linear_schedule(1e-3, 0.0, 1000)], [100, 9000])

    def ours_join() -> Any:
        return js.join_schedules(
            [js.linear_schedule(0.0, 1e-3, 100), js.constant_schedule(1e-3),
             js.linear_schedule(1e-3, 0.0, 1000)], [100, 9000])

    sgdr = [dict(init_value=1e-3, peak_value=1e-3, warmup_steps=0, decay_steps=1000, end_value=0.0)]
    return [
        Case("warmup_cosine_decay_schedule",
             lambda: js.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 10000, 1e-5),
             lambda: optax.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 10000, 1e-5), "same call"),
        Case("cosine_decay_schedule", lambda: js.cosine_decay_schedule(1e-3, 10000),
             lambda: optax.cosine_decay_schedule(1e-3, 10000), "same call"),
        Case("linear_schedule", lambda: js.linear_schedule(1e-3, 0.0, 1000),
             lambda: optax.linear_schedule(1e-3, 0.0, 1000), "same call"),
        Case("cosine_onecycle_schedule", lambda: js.cosine_onecycle_schedule(10000, 1e-2),
             lambda: optax.cosine_onecycle_schedule(10000, 1e-2), "same call"),
        Case("exponential_decay (staircase)",
             lambda: js.exponential_decay(1e-3, 100, 0.9, staircase=True),
             lambda: optax.exponential_decay(1e-3, 100, 0.9, staircase=True), "same call"),
        Case("join_schedules (3 pieces)", ours_join, optax_join, "same call"),
        Case("warmup(cosine_decay)",
             lambda: js.warmup(js.cosine_decay(1e-3, 10000), 100),
             lambda: optax.warmup_cosine_decay_schedule(0.0, 1e-3, 100, 10100),
             "warmup_cosine_decay_schedule(0, 1e-3, 100, 10100)"),
        Case("warmup_stable_decay",
             lambda: js.warmup_stable_decay(1e-3, 10000, 100, decay_fraction=0.1),
             optax_join, "join_schedules(linear, constant, linear)"),
        Case("one_cycle", lambda: js.one_cycle(1e-2, 10000),
             lambda: optax.cosine_onecycle_schedule(10000, 1e-2),
             "cosine_onecycle_schedule(10000, 1e-2) (nearest: torch's knots)", same=False),
        Case("cosine_restarts", lambda: js.cosine_restarts(1e-3, 1000),
             lambda: optax.sgdr_schedule(sgdr * 10),
             "sgdr_schedule(10 cycles of 1000) (nearest: optax's cycles end)", same=False),
        Case("exponential_decay (smooth, begin, floor)",
             lambda: js.exponential_decay(1e-3, 100, 0.9, transition_begin=100, end_value=1e-5),
             lambda: optax.exponential_decay(1e-3, 100, 0.9, transition_begin=100, end_value=1e-5),
             "same call"),
        # the other optax names, at everyday sizes (up to four boundaries or three cycles)
        *[Case(name, (lambda f=f: f(js)), (lambda f=f: f(optax)), "same call")
          for name, f in OTHER_OPTAX_NAMES.items()],
    ]


def _sgdr3(m: Any) -> Any:
    cycle = dict(init_value=0.0, peak_value=1e-3, warmup_steps=100, decay_steps=1000,
                 end_value=1e-5)
    return m.sgdr_schedule([cycle] * 3)


#: The remaining optax-named constructors, called the same way in both libraries.
OTHER_OPTAX_NAMES: dict[str, Callable[[Any], Any]] = {
    "constant_schedule": lambda m: m.constant_schedule(1e-3),
    "polynomial_schedule (power 2, begin, end)":
        lambda m: m.polynomial_schedule(1e-3, 1e-5, 2.0, 10000, 100),
    "warmup_constant_schedule": lambda m: m.warmup_constant_schedule(0.0, 1e-3, 100),
    "piecewise_constant_schedule (3 boundaries)":
        lambda m: m.piecewise_constant_schedule(1e-3, {3000: 0.1, 6000: 0.1, 9000: 0.1}),
    "piecewise_interpolate_schedule (linear, 3 boundaries)":
        lambda m: m.piecewise_interpolate_schedule("linear", 1e-3,
                                                   {3000: 0.1, 6000: 0.1, 9000: 0.1}),
    "linear_onecycle_schedule": lambda m: m.linear_onecycle_schedule(10000, 1e-2),
    "warmup_exponential_decay_schedule":
        lambda m: m.warmup_exponential_decay_schedule(0.0, 1e-3, 100, 1000, 0.5, end_value=1e-5),
    "sgdr_schedule (3 cycles)": _sgdr3,
}


# ---------------------------------------------------------------------------------------------
# Measurements


def check_agreement(case: Case) -> None:
    """Both schedules give the same values (jit + vmap over counts): a like-for-like comparison."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    cs = jnp.asarray(AGREE_COUNTS, jnp.int32)
    ours = np.asarray(jax.jit(jax.vmap(case.ours()))(cs), np.float64)
    theirs = np.asarray(jax.jit(jax.vmap(case.theirs()))(cs), np.float64)
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-10,
                               err_msg=f"jaxsched and optax disagree on {case.name}")


def construction_s(build: Callable[[], Any], quick: bool) -> Figure:
    """Median per-call time of ``build()`` over many short ``timeit`` batches.

    Batches are short (20 calls, well under a scheduler time slice), so on a shared machine
    most of them run unpreempted and the median is the constructor's own cost.
    """
    number = 20
    build()
    samples = [t / number for t in timeit.repeat(build, number=number, repeat=5 if quick else 151)]
    return Figure(statistics.median(samples), "s", raw={"samples_s": samples, "number": number})


def _compile_once(sched: Any) -> tuple[float, int]:
    """(seconds, optimized HLO instructions) of one cold trace + lower + compile of ``sched``."""
    import jax
    import jax.numpy as jnp

    jax.clear_caches()
    arg = jnp.int32(5)  # built before the clock starts: its own eager compile is no one's cost
    f = lambda c: sched(c)  # noqa: E731 - a fresh function object: no jit cache hit
    t0 = time.perf_counter()
    compiled = jax.jit(f).lower(arg).compile()
    elapsed = time.perf_counter() - t0
    lines = sum(1 for line in compiled.as_text().splitlines()
                if line.lstrip().startswith(("%", "ROOT %")) and " = " in line)
    return elapsed, lines


#: Rounds of the compile figures (full runs). One compile of an everyday schedule moves by
#: 10-30% from round to round on a shared 2-core machine; with 7 rounds the row of two equal
#: programs (``constant_schedule``: 2 instructions each, equal trace and lowering) came out
#: anywhere in 0.85-1.53x; the minimum of 15 interleaved rounds is steadier.
COMPILE_ROUNDS = 15


def compile_figures(scheds: list[Any], repeats: int) -> list[tuple[Figure, Figure]]:
    """(compile time: min over repeats, optimized HLO instructions) for each schedule.

    The schedules are compiled in turn, ``repeats`` rounds (interleaved, so a change of machine
    load hits every one of them alike; every other round in reverse order, so neither library
    is always the first after the caches are cleared), and the minimum of each is kept.
    """
    samples: list[list[float]] = [[] for _ in scheds]
    lines = [0] * len(scheds)
    for r in range(repeats):
        order = range(len(scheds)) if r % 2 == 0 else reversed(range(len(scheds)))
        for j in order:
            elapsed, lines[j] = _compile_once(scheds[j])
            samples[j].append(elapsed)
    return [(Figure(min(s), "s", raw={"samples_s": s}), Figure(n, "instr"))
            for s, n in zip(samples, lines)]


def eager_s(sched: Any, calls: int) -> Figure:
    """Median of ``schedule(k)`` (result waited for) over ``calls`` calls with varying ``k``."""
    import jax

    for k in range(10):  # warm-up: jaxsched's eager evaluator is compiled on the third call
        jax.block_until_ready(sched(k))
    samples = []
    for i in range(calls):
        k = (i * 37) % 12000
        t0 = time.perf_counter()
        jax.block_until_ready(sched(k))
        samples.append(time.perf_counter() - t0)
    return Figure(statistics.median(samples), "s", raw={"calls": calls})


def _scan_runner(body_value: Callable[[Any], Any], n: int) -> Callable[[], Any]:
    import jax
    import jax.numpy as jnp

    def run() -> Any:
        def body(acc: Any, i: Any) -> tuple[Any, None]:
            return acc + body_value(i), None

        acc, _ = jax.lax.scan(body, jnp.float32(0.0), jnp.arange(n, dtype=jnp.int32))
        return acc

    compiled = jax.jit(run).lower().compile()
    return lambda: jax.block_until_ready(compiled())


def scan_steps_s(scheds: list[Any], n: int, repeats: int) -> list[Figure]:
    """Per-step cost of ``schedule(step)`` inside a jitted scan of ``n`` steps, over a constant.

    The scans of every schedule and of the constant are run in turn, ``repeats`` rounds, and
    the minimum of each is kept (interleaving keeps a change of machine load out of the
    differences).
    """
    import jax.numpy as jnp

    runners = [_scan_runner(lambda i: jnp.float32(1e-3), n)]
    runners += [_scan_runner(sch, n) for sch in scheds]
    best = [float("inf")] * len(runners)
    for fn in runners:
        fn()
    for _ in range(repeats):
        for j, fn in enumerate(runners):
            t0 = time.perf_counter()
            fn()
            best[j] = min(best[j], time.perf_counter() - t0)
    base = best[0]
    return [Figure((b - base) / n, "s", raw={"scan_s": b, "baseline_s": base, "steps": n})
            for b in best[1:]]


# ---------------------------------------------------------------------------------------------
# The workload


def _rows(case: Case, quick: bool, repeats: int, n: int) -> Iterator[Row]:
    ours, theirs = case.ours(), case.theirs()
    peer = f"optax: {case.peer_text}"
    note = "" if case.same else "nearest optax expression; values differ by design"
    (oc, ol), (tc, tl) = compile_figures([ours, theirs], 1 if quick else max(repeats, COMPILE_ROUNDS))
    yield Row("everyday: compile", case.name, oc, peer, tc)
    yield Row("everyday: optimized HLO instructions", case.name, ol, peer, tl)
    calls = 50 if quick else 500
    yield Row("everyday: eager schedule(k)", case.name, eager_s(ours, calls), peer,
              eager_s(theirs, calls))
    scan_ours, scan_theirs = scan_steps_s([ours, theirs], n, 5 if quick else 31)
    yield Row("everyday: per step in a jitted scan", case.name, scan_ours, peer, scan_theirs,
              note=note)


@workload("everyday", "everyday schedules vs optax: construction, compile, HLO, eager, in a scan",
          order=5)
def run(ctx: Context) -> list[Row]:
    import jax

    jax.config.update("jax_enable_compilation_cache", False)
    selected = [c for c in cases() if not ctx.quick or c.name in QUICK_CASES]
    n = SCAN_STEPS_QUICK if ctx.quick else SCAN_STEPS_FULL
    repeats = 1 if ctx.quick else max(ctx.repeats, 7)
    rows: list[Row] = []
    # constructions first, before anything is evaluated or compiled, as a program builds its
    # schedules at start-up (measured after the compiles and scans of the other rows, the
    # same constructors of both libraries ran up to 1.8x slower: a larger, colder heap)
    for case in selected:
        r = Row("everyday: construction", case.name, construction_s(case.ours, ctx.quick),
                f"optax: {case.peer_text}", construction_s(case.theirs, ctx.quick),
                target="< 50 µs")
        r.met = r.ours.value is not None and r.ours.value < 50e-6
        rows.append(r)
    for case in selected:
        if case.same:
            check_agreement(case)
        ctx.log(f"everyday: {case.name}")
        rows.extend(_rows(case, ctx.quick, repeats, n))
    order = ["construction", "compile", "optimized HLO instructions", "eager schedule(k)",
             "per step in a jitted scan"]
    rows.sort(key=lambda r: order.index(r.workload.removeprefix("everyday: ")))
    return rows
