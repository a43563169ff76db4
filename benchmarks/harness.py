"""Shared pieces of the benchmark suite: workload registry, timing, machine, the table.

A workload is a function ``run(ctx) -> Iterable[Row]`` registered with :func:`workload` in a
module ``benchmarks/bench_<name>.py``; ``run.py`` imports every such module, so a new workload
(torch bridge, GPU, train step, sweeps) is one new file and nothing else.

Ratio convention (one for the whole table): ``ratio > 1`` means jaxsched is better. For figures
where lower is better (times, graph sizes) ``ratio = peer / jaxsched``; for figures where higher
is better (throughputs) ``ratio = jaxsched / peer``. A :class:`Row` computes it from ``better``.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import importlib.metadata
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "Context",
    "Figure",
    "Row",
    "Skip",
    "Timing",
    "Workload",
    "WORKLOADS",
    "workload",
    "measure",
    "machine_info",
    "render_table",
    "fmt_seconds",
    "RATIO_NOTE",
]

# The checkout this file belongs to comes first on sys.path, before anything imports jaxsched:
# ``python benchmarks/run.py`` puts only ``benchmarks/`` there, so ``import jaxsched`` would
# otherwise find whatever is installed (an editable install of another checkout, a wheel) and
# the figures would be those of other code. The same holds for the workers a workload starts
# (``bench_compile.py --worker``), which import this module first.
ROOT = Path(__file__).resolve().parent.parent
if (ROOT / "jaxsched" / "__init__.py").is_file() and sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))

RATIO_NOTE = (
    "ratio: peer / jaxsched for times and sizes (lower is better), jaxsched / peer for "
    "throughputs; > 1 means jaxsched is better."
)


class Skip(Exception):
    """Raised by a workload that cannot run here (no torch, no GPU, ...); reported in the table."""


# ---------------------------------------------------------------------------------------------
# Figures and rows


@dataclasses.dataclass
class Figure:
    """One measured figure: ``value`` in ``unit`` (None when not measured) and how to print it.

    ``text`` overrides the printed form (``"> 60 s (timeout)"``, ``"skipped (...)"``);
    ``bound`` marks ``value`` as a lower bound (a timeout), so a ratio built on it is a bound too.
    ``raw`` holds the samples and anything else worth keeping in the JSON.
    """

    value: float | None
    unit: str = ""
    text: str | None = None
    bound: bool = False
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        if self.text is not None:
            return self.text
        if self.value is None:
            return "—"
        if self.unit == "s":
            return fmt_seconds(self.value)
        if float(self.value).is_integer():
            return f"{int(self.value)} {self.unit}".strip()
        return f"{self.value:.3g} {self.unit}".strip()


@dataclasses.dataclass
class Row:
    """One line of the table. ``target``/``met`` are optional (informational rows)."""

    workload: str
    size: str
    ours: Figure
    peer: str
    theirs: Figure
    better: str = "lower"  # "lower" (times, sizes) or "higher" (throughputs)
    target: str = ""
    met: bool | None = None
    device: str | None = None  # machine's device part, when it is not JAX's default device
    note: str = ""

    @property
    def ratio(self) -> float | None:
        a, b = self.ours.value, self.theirs.value
        if a is None or b is None or a <= 0 or b <= 0:
            return None
        return b / a if self.better == "lower" else a / b

    def ratio_text(self) -> str:
        r = self.ratio
        if r is None:
            return "—"
        # a peer figure that is a lower bound (timeout) makes the ratio a lower bound
        prefix = "> " if self.theirs.bound and self.better == "lower" else ""
        return f"{prefix}{r:.3g}x"

    def met_text(self) -> str:
        return {None: "", True: "yes", False: "**no**"}[self.met]

    def as_dict(self, machine: str) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "size": self.size,
            "jaxsched": dataclasses.asdict(self.ours),
            "peer": self.peer,
            "peer_figure": dataclasses.asdict(self.theirs),
            "better": self.better,
            "ratio": self.ratio,
            "ratio_is_lower_bound": bool(self.theirs.bound),
            "target": self.target,
            "met": self.met,
            "note": self.note,
            "machine": machine,
        }


# ---------------------------------------------------------------------------------------------
# Registry


@dataclasses.dataclass
class Context:
    """What a workload gets: the run mode and helpers for the machine column."""

    quick: bool = False
    repeats: int = 5
    budget_s: float = 60.0  # wall-clock cap on one peer measurement that may blow up
    verbose: bool = True

    def log(self, msg: str) -> None:
        """Progress on stderr (stdout carries only the table)."""
        if self.verbose:
            print(f"  .. {msg}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class Workload:
    name: str
    description: str
    run: Callable[[Context], Iterable[Row]]
    order: int = 100  # position in the table (lower first)


WORKLOADS: dict[str, Workload] = {}


def workload(name: str, description: str, order: int = 100) -> Callable:
    """Register ``run(ctx) -> Iterable[Row]`` as the workload ``name`` (``--only name``)."""

    def deco(fn: Callable[[Context], Iterable[Row]]) -> Callable[[Context], Iterable[Row]]:
        if name in WORKLOADS:
            raise ValueError(f"workload {name!r} registered twice")
        WORKLOADS[name] = Workload(name, description, fn, order)
        return fn

    return deco


# ---------------------------------------------------------------------------------------------
# Timing


@dataclasses.dataclass
class Timing:
    """A median wall time and its samples; ``cpu``: the same samples in CPU time of the timing
    thread (``time.thread_time``), where a workload records them."""

    median: float
    samples: list[float]
    cpu: list[float] = dataclasses.field(default_factory=list)

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def contention(self) -> float | None:
        """Median wall time over median CPU time: about 1 on an otherwise idle core; well
        above 1, other processes took the core during the timed blocks (the wall figure is
        inflated by their share)."""
        c = self.cpu_median
        return None if not c else self.median / c

    @property
    def raw(self) -> dict[str, Any]:
        out = {"median_s": self.median, "samples_s": self.samples, "repeats": len(self.samples)}
        if self.cpu:
            out.update(cpu_median_s=self.cpu_median, cpu_samples_s=self.cpu)
        return out


def measure(
    fn: Callable[[], Any],
    *,
    repeats: int = 5,
    warmup: int = 1,
    budget_s: float | None = None,
    setup: Callable[[], Any] | None = None,
) -> Timing:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` untimed runs.

    ``setup()`` runs untimed before every call (clearing caches, fresh closures). With
    ``budget_s``, repeats stop early once the timed runs have used the budget (at least one run
    is always timed), so an expensive peer costs one run rather than ``repeats``. The garbage
    collector is off during each timed call.
    """
    for _ in range(warmup):
        if setup is not None:
            setup()
        fn()
    samples: list[float] = []
    spent = 0.0
    for _ in range(max(1, repeats)):
        if setup is not None:
            setup()
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
        finally:
            gc.enable()
        samples.append(dt)
        spent += dt
        if budget_s is not None and spent >= budget_s:
            break
    return Timing(statistics.median(samples), samples)


def fmt_seconds(s: float) -> str:
    if not math.isfinite(s):
        return str(s)
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.1f} µs"
    return f"{s * 1e9:.0f} ns"


# ---------------------------------------------------------------------------------------------
# Machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 0


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def jaxsched_source() -> dict[str, Any]:
    """Which jaxsched the run measures: its package directory, whether that is this checkout's,
    and the checkout's commit (with ``+dirty`` when the work tree has changes)."""
    import jaxsched

    where = Path(jaxsched.__file__).resolve().parent
    commit = None
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty=+dirty",
                              "--abbrev=12"], capture_output=True, text=True, timeout=10)
        commit = out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"path": str(where), "this_checkout": where == ROOT / "jaxsched", "commit": commit}


@functools.cache
def machine_info() -> dict[str, Any]:
    """Host and library facts (torch's version read from its metadata: no torch import)."""
    import jax

    dev = jax.devices()[0]
    return {
        "cpu": _cpu_model(),
        "cores": _cores(),
        "python": platform.python_version(),
        "jax": _version("jax"),
        "jaxlib": _version("jaxlib"),
        "optax": _version("optax"),
        "torch": _version("torch"),
        "jaxsched": jaxsched_source(),
        "jax_backend": jax.default_backend(),
        "jax_device": getattr(dev, "device_kind", str(dev)),
        "jax_device_count": jax.device_count(),
    }


def machine_text(device: str | None = None) -> str:
    """The machine column: CPU, cores, versions, and the device the row ran on."""
    m = machine_info()
    dev = device or f"JAX backend {m['jax_backend']} ({m['jax_device']} x{m['jax_device_count']})"
    return (
        f"{m['cpu']}, {m['cores']} cores; jax {m['jax']}, optax {m['optax']}, "
        f"torch {m['torch']}; {dev}"
    )


# ---------------------------------------------------------------------------------------------
# Table


COLUMNS = ["workload", "size", "jaxsched", "peer", "peer figure", "ratio", "target", "met?",
           "machine"]


def render_table(rows: list[Row], *, inline_machine: bool = False) -> str:
    """A markdown table; machines are keyed (M1, M2, ...) with a legend unless ``inline``."""
    keys: dict[str, str] = {}
    body = []
    for r in rows:
        m = machine_text(r.device)
        if inline_machine:
            mcol = m
        else:
            mcol = keys.setdefault(m, f"M{len(keys) + 1}")
        cells = [r.workload, r.size, str(r.ours), r.peer, str(r.theirs), r.ratio_text(),
                 r.target, r.met_text(), mcol]
        body.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out = [f"_{RATIO_NOTE}_", "", "| " + " | ".join(COLUMNS) + " |",
           "|" + "|".join(["---"] * len(COLUMNS)) + "|", *body]
    if not inline_machine and keys:
        out.append("")
        out.extend(f"{k}: {m}" for m, k in keys.items())
    notes = [r for r in rows if r.note]
    if notes:
        out.append("")
        out.extend(f"- {r.workload}, {r.size}: {r.note}" for r in notes)
    return "\n".join(out)
