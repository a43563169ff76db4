"""Workload "compile": compile time and graph size of N-piece schedules, jaxsched vs optax.

For ``piecewise_constant_schedule`` and ``piecewise_interpolate_schedule("linear")`` with N
boundaries, and ``join_schedules`` of N children (alternating ``linear_schedule`` warmups and
``cosine_decay_schedule`` decays, the multi-phase case), built with the same numbers by both
libraries (their values are checked to agree before anything is timed):

- compile time: wall time of ``jax.jit(f).lower(jnp.int32(0)).compile()`` with a fresh function
  object and ``jax.clear_caches()`` before every run (tracing + lowering + XLA compile, no cache
  hit; the persistent compilation cache is switched off);
- HLO size: lines of the lowered StableHLO text (one line per operation; a constant table is one
  line whatever its length) and the instruction count of the optimized HLO.

optax builds one ``where`` per boundary (per child for joins), so its compile time grows with
N. Sizes are measured in ascending order and the time at the next N is estimated from the
previous ones (see :func:`_estimate`): a measurement that could run long is done in a
subprocess killed ``ctx.budget_s`` after it starts (reported as ``> budget``, and the ratio as
a lower bound), and one estimated at more than twice the budget is skipped (reported as
skipped, with the estimate). Neither is ever reported as a measured number.

Run alone: ``python benchmarks/run.py --only compile``. ``python benchmarks/bench_compile.py
--worker LIB KIND N REPEATS`` is the subprocess entry point (progress lines on stdout).
"""

from __future__ import annotations

import json
import math
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from harness import Context, Figure, Row, measure, workload

KINDS = {
    "piecewise_constant": "piecewise_constant_schedule",
    "piecewise_interpolate": 'piecewise_interpolate_schedule("linear")',
    "join": "join_schedules (linear/cosine)",
}
SIZES_FULL = (10, 100, 1000, 10000)
SIZES_QUICK = (10, 100)
TARGET_N = 1000  # compile speed-up target applies here
TARGET_SPEEDUP = 20.0
REPEAT_BUDGET_S = 3.0  # stop repeating a measurement once its runs used this much
INPROCESS_MAX_S = 5.0  # estimated longer than this: measure in a killable subprocess
SKIP_FACTOR = 2.0  # estimated longer than SKIP_FACTOR * budget: do not even try
FLAT_TOL = 1.05  # "flat in N": lines within 5% of the reference (see run)


# ---------------------------------------------------------------------------------------------
# The schedules (same numbers for both libraries)


def _lib(name: str) -> Any:
    if name == "jaxsched":
        import jaxsched

        return jaxsched
    import optax

    return optax


def boundaries(kind: str, n: int) -> list[int]:
    step = 100 if kind == "join" else 10
    return [step * (i + 1) for i in range(n if kind != "join" else n - 1)]


def build(lib_name: str, kind: str, n: int) -> Any:
    lib = _lib(lib_name)
    b = boundaries(kind, n)
    if kind in ("piecewise_constant", "piecewise_interpolate"):
        # alternate 0.8 / 1.25 so the accumulated value stays in [0.8, 1] for any N
        bs = {k: (0.8 if i % 2 == 0 else 1.25) for i, k in enumerate(b)}
        if kind == "piecewise_constant":
            return lib.piecewise_constant_schedule(1.0, bs)
        return lib.piecewise_interpolate_schedule("linear", 1.0, bs)
    kids = [
        lib.linear_schedule(1e-4, 1e-3, 100) if i % 2 == 0
        else lib.cosine_decay_schedule(1e-3, 100, alpha=0.1)
        for i in range(n)
    ]
    return lib.join_schedules(kids, b)


def check_counts(kind: str, n: int) -> list[int]:
    """Counts around the first, a middle and the last boundary, and well past the end."""
    b = boundaries(kind, n)
    mid, last = b[len(b) // 2], b[-1]
    cs = {0, 1, 5, b[0] - 1, b[0], b[0] + 1, mid - 1, mid, mid + 1, mid + 7, last - 1, last,
          last + 1, last + 1000}
    return sorted(c for c in cs if c >= 0)


def _assert_agree(kind: str, n: int, ours: Any, theirs: Any) -> None:
    import numpy as np

    np.testing.assert_allclose(
        np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64),
        rtol=2e-5, atol=1e-9,
        err_msg=f"jaxsched and optax disagree on {kind} N={n}: the comparison is not like for like",
    )


def check_agreement(kind: str, n: int) -> None:
    """Evaluate both libraries' schedules (jit + vmap over counts) and require equal values."""
    import jax
    import jax.numpy as jnp

    cs = jnp.asarray(check_counts(kind, n), dtype=jnp.int32)
    vals = [jax.jit(jax.vmap(build(lib, kind, n)))(cs) for lib in ("jaxsched", "optax")]
    _assert_agree(kind, n, *vals)


# ---------------------------------------------------------------------------------------------
# One measurement


def _opt_ops(compiled: Any) -> int | None:
    try:
        text = compiled.as_text()
    except Exception:  # the op count is optional
        return None
    return sum(1 for line in text.splitlines() if " = " in line)


def _values(compiled: Any, counts: list[int]) -> list[float]:
    import jax.numpy as jnp

    return [float(compiled(jnp.int32(c))) for c in counts]


def _compile(sched: Any) -> tuple[Any, Any, float, float]:
    import jax
    import jax.numpy as jnp

    f = lambda c: sched(c)  # noqa: E731 - a fresh function object: no jit cache hit
    t0 = time.perf_counter()
    lowered = jax.jit(f).lower(jnp.int32(0))
    t1 = time.perf_counter()
    compiled = lowered.compile()
    t2 = time.perf_counter()
    return lowered, compiled, t1 - t0, t2 - t1


def measure_inprocess(lib: str, kind: str, n: int, repeats: int,
                      on_start: Any = None) -> dict[str, Any]:
    """Median of fresh compiles (repeats stop once they used ``REPEAT_BUDGET_S``)."""
    import jax

    t0 = time.perf_counter()
    sched = build(lib, kind, n)
    build_s = time.perf_counter() - t0
    last: dict[str, Any] = {}
    splits: list[tuple[float, float]] = []

    def run() -> None:
        lowered, compiled, tl, tc = _compile(sched)
        last.update(lowered=lowered, compiled=compiled)
        splits.append((tl, tc))

    if on_start is not None:
        on_start()
    timing = measure(run, repeats=repeats, warmup=0, budget_s=REPEAT_BUDGET_S,
                     setup=jax.clear_caches)
    return {
        "status": "ok",
        "total_s": timing.median,
        "samples_s": timing.samples,
        "lower_s": [s[0] for s in splits],
        "compile_s": [s[1] for s in splits],
        "build_s": build_s,
        "hlo_lines": last["lowered"].as_text().count("\n"),
        "opt_ops": _opt_ops(last["compiled"]),
        "values": _values(last["compiled"], check_counts(kind, n)),
        "where": "in-process",
    }


def _worker(lib: str, kind: str, n: int, repeats: int) -> None:
    """Subprocess side of :func:`measure_subprocess`: progress as lines on stdout."""
    import jax

    _configure_jax()
    _compile(build(lib, "piecewise_constant", 10))  # warm-up
    jax.clear_caches()
    r = measure_inprocess(lib, kind, n, repeats, on_start=lambda: print("START", flush=True))
    print("DONE " + json.dumps({**r, "where": "subprocess"}), flush=True)


def measure_subprocess(lib: str, kind: str, n: int, repeats: int,
                       budget_s: float) -> dict[str, Any]:
    """Run :func:`_worker` and kill it ``budget_s`` after its first timed compile started.

    Repeats stop after ``REPEAT_BUDGET_S`` (far below any sensible budget), so only a first
    compile longer than the budget is killed, and then the figure is a lower bound.
    """
    err_file = tempfile.TemporaryFile(mode="w+")  # not a pipe: a chatty XLA cannot block it
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", lib, kind, str(n),
         str(repeats)],
        stdout=subprocess.PIPE, stderr=err_file, text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = None
    try:
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                return {"status": "timeout", "where": "subprocess", "budget_s": budget_s}
            if line is None:
                proc.wait()
                err_file.seek(0)
                err = err_file.read()
                raise RuntimeError(f"compile worker {lib} {kind} N={n} failed:\n{err[-2000:]}")
            if line.startswith("START"):
                deadline = time.monotonic() + budget_s
            elif line.startswith("DONE "):
                return json.loads(line[5:])
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        err_file.close()


# ---------------------------------------------------------------------------------------------
# The workload


def _configure_jax() -> None:
    import jax

    jax.config.update("jax_enable_compilation_cache", False)


def _estimate(done: list[tuple[int, float, int]], n: int) -> tuple[float, str] | None:
    """Time at ``n`` from the previous sizes ``(N, seconds, HLO lines)``.

    A power law through the last two sizes, whose exponent is at least that of the HLO size
    (compiling does not get cheaper per operation as the graph grows); linear from one size.
    """
    if not done:
        return None
    n1, t1, h1 = done[-1]
    if t1 == float("inf"):
        return float("inf"), f"N={n1} already exceeded the budget"
    if len(done) == 1:
        return t1 * n / n1, f"N={n1} took {t1:.2f} s; linear extrapolation"
    n0, t0, h0 = done[-2]
    k = max(0.0, math.log(t1 / t0) / math.log(n1 / n0), math.log(h1 / h0) / math.log(n1 / n0))
    return t1 * (n / n1) ** k, f"N={n0}, {n1} took {t0:.2f}, {t1:.2f} s; power law N^{k:.2f}"


def _series(ctx: Context, lib: str, kind: str, sizes: tuple[int, ...]) -> dict[int, dict[str, Any]]:
    """Measure ascending N, choosing how from an estimate of the time at N:

    - estimated above ``SKIP_FACTOR * budget``: skipped, reported as skipped with the estimate;
    - above ``INPROCESS_MAX_S``: in a subprocess killed at the budget (reported as a bound);
    - else (and always under ``--quick``, whose sizes are small) in this process.
    """
    out: dict[int, dict[str, Any]] = {}
    done: list[tuple[int, float, int]] = []
    for n in sizes:
        guess = _estimate(done, n)
        est, why = guess if guess is not None else (None, "")
        if est is not None and est > SKIP_FACTOR * ctx.budget_s:
            out[n] = {"status": "skipped", "estimate_s": est if math.isfinite(est) else None,
                      "reason": why}
            ctx.log(f"{lib:8s} {kind} N={n}: skipped ({why}: est. {est:.0f} s)")
            continue
        if est is not None and est > INPROCESS_MAX_S and not ctx.quick:
            r = measure_subprocess(lib, kind, n, ctx.repeats, ctx.budget_s)
        else:
            r = measure_inprocess(lib, kind, n, ctx.repeats)
        out[n] = r
        if r["status"] == "ok":
            done.append((n, r["total_s"], r["hlo_lines"]))
            ctx.log(f"{lib:8s} {kind} N={n}: {r['total_s']:.3f} s, {r['hlo_lines']} lines "
                    f"({r['where']}, {len(r['samples_s'])} run(s))")
        else:
            done.append((n, float("inf"), 0))
            ctx.log(f"{lib:8s} {kind} N={n}: killed after {ctx.budget_s:.0f} s")
    return out


def _time_figure(r: dict[str, Any], budget_s: float) -> Figure:
    if r["status"] == "ok":
        return Figure(r["total_s"], "s", raw=r)
    if r["status"] == "timeout":
        return Figure(budget_s, "s", text=f"> {budget_s:.0f} s (killed)", bound=True, raw=r)
    est = r["estimate_s"]
    text = (f"skipped (est. {est:.0f} s ≫ {budget_s:.0f} s budget)" if est is not None
            else f"skipped (> {budget_s:.0f} s budget)")
    return Figure(None, "s", text=text, raw=r)


def _size_figure(r: dict[str, Any]) -> Figure:
    if r["status"] != "ok":
        return Figure(None, "lines", text="—")
    ops = "" if r.get("opt_ops") is None else f" / {r['opt_ops']} ops"
    return Figure(r["hlo_lines"], "lines", text=f"{r['hlo_lines']} lines{ops}",
                  raw={"hlo_lines": r["hlo_lines"], "optimized_hlo_ops": r.get("opt_ops")})


@workload("compile", "jit compile time and HLO size of N-piece schedules vs optax", order=10)
def run(ctx: Context) -> list[Row]:
    import jax

    old = jax.config.jax_enable_compilation_cache
    _configure_jax()
    try:
        return _run(ctx)
    finally:
        jax.config.update("jax_enable_compilation_cache", old)


def _run(ctx: Context) -> list[Row]:
    sizes = SIZES_QUICK if ctx.quick else SIZES_FULL
    agree_sizes = (10,) if ctx.quick else (10, 100)
    for kind in KINDS:  # like for like, checked before any timing
        for n in agree_sizes:
            check_agreement(kind, n)
    ctx.log(f"jaxsched and optax agree on all three kinds at N in {agree_sizes}")
    for kind in KINDS:  # warm-up: one-time tracing/lowering costs of both libraries
        for lib in ("jaxsched", "optax"):
            _compile(build(lib, kind, 10))
    peer = f"optax {_version('optax')}"
    rows: list[Row] = []
    for kind, label in KINDS.items():
        ours = _series(ctx, "jaxsched", kind, sizes)
        theirs = _series(ctx, "optax", kind, sizes)
        for n in sizes:  # the compiled executables agree too (free: they exist already)
            if ours[n]["status"] == "ok" and theirs[n]["status"] == "ok":
                _assert_agree(kind, n, ours[n]["values"], theirs[n]["values"])
        for n in sizes:
            row = Row("compile: time", f"{label}, N={n}", _time_figure(ours[n], ctx.budget_s),
                      peer, _time_figure(theirs[n], ctx.budget_s))
            for who, r in (("jaxsched", ours[n]), ("optax", theirs[n])):
                if r["status"] == "skipped":
                    row.note = f"{who} not run: {r['reason']}, above {SKIP_FACTOR:g}x the budget"
                elif r["status"] == "timeout":
                    row.note = f"{who} killed {ctx.budget_s:.0f} s into its compile"
            if n == TARGET_N:
                row.target = f"≥ {TARGET_SPEEDUP:.0f}x faster"
                row.met = None if row.ratio is None else row.ratio >= TARGET_SPEEDUP
            rows.append(row)
        # Tables of at most 16 entries use a loop-free search (a smaller graph), so the
        # reference is the larger graph of the first two sizes (N = 10 and 100).
        refs = [ours[n].get("hlo_lines") for n in sizes[:2]]
        ref = None if None in refs else max(refs)
        for i, n in enumerate(sizes):
            row = Row("compile: HLO lines / opt. ops", f"{label}, N={n}", _size_figure(ours[n]),
                      peer, _size_figure(theirs[n]))
            lines = ours[n].get("hlo_lines")
            if i < 2:
                row.target = "flat in N (reference: max of N=10, 100)"
            else:
                row.target = f"flat in N (≤ {FLAT_TOL:g} × reference)"
                row.met = None if lines is None or ref is None else lines <= FLAT_TOL * ref
            rows.append(row)
    return rows


def _version(dist: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(dist)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit("usage: python benchmarks/run.py --only compile")
