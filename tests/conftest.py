"""Shared fixtures: the array namespaces every formula must run under.

JAX, torch and array_api_strict are imported by the fixtures, not here: with ``pytest -n 2``
the controller process loads this file too, and it never runs a test (importing them there
delays the start of the workers by about two seconds).
"""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
from hypothesis import settings

# CI explores the same examples on every run (no flaky failures from a fresh random draw);
# `HYPOTHESIS_PROFILE=explore pytest` draws new examples, as development should now and then.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_finish(session):
    """Tune the cyclic garbage collector for a session that allocates millions of objects.

    Everything collection created (the imported modules of JAX, torch and the tests, and the
    collected items) lives to the end of the session: frozen, full collections stop walking it.
    The first generation is collected every 100,000 allocations instead of 700 (tracing and
    lowering allocate in bursts of thousands), and a full collection waits for 100 collections
    of the middle one instead of 10. Measured over the suite (two workers): 12.5 s of
    collector time before, 5.7 s after. Reference counting frees everything as before; only
    reference cycles wait longer.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _jit_eval(schedule, counts):
    """``schedule_checks.jit_eval``: the jitted evaluator every test module shares (imported
    here on first use, so that the xdist controller never imports JAX)."""
    from schedule_checks import jit_eval

    return jit_eval(schedule, counts)


XP_NAMES = ["jax", "numpy", "torch", "array_api_strict"]


class Backend:
    """One namespace to evaluate a schedule with, and how to read its results back."""

    def __init__(self, name: str):
        self.name = name
        if name == "jax":
            import jax.numpy as xp
        elif name == "torch":
            import torch as xp
        elif name == "array_api_strict":
            import array_api_strict as xp
        else:
            xp = np
        self.xp = xp
        # dtype-aware tolerance against a float64 reference (float32: ~1e-7 x scale)
        self.float64 = name in ("numpy", "array_api_strict")

    def evaluate(self, schedule, counts):
        counts = np.asarray(counts)
        if self.name == "jax":
            import jax

            # converted on the host (a device-side convert compiles once per new shape)
            out = _jit_eval(schedule, jax.device_put(counts.astype(np.int32)))
        elif self.name in ("torch", "array_api_strict"):
            out = schedule.evaluate(self.xp.asarray(counts), self.xp)
        else:
            out = schedule.evaluate(counts, np)
        return np.asarray(out, dtype=np.float64)

    def tolerance(self, scale: float) -> dict:
        if self.float64:
            return dict(rtol=1e-12, atol=1e-12 * max(scale, 1e-30))
        return dict(rtol=1e-6, atol=1e-7 * max(scale, 1e-30))


@pytest.fixture(params=XP_NAMES)
def backend(request) -> Backend:
    return Backend(request.param)


#: A worker drops JAX's compiled executables once its resident memory passes this, ...
RSS_LIMIT_BYTES = 1_500_000_000
#: ... and again each time it has grown this much past the memory it had after the last drop.
RSS_GROWTH_BYTES = 100_000_000

_after_last_drop: list[int] = []


def _resident_bytes() -> int | None:
    """This process's resident memory now (Linux), or None where /proc is not there."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@pytest.fixture(autouse=True, scope="module")
def _free_compiled_code():
    """Drop JAX's compiled executables after a test module once the worker's memory passes
    RSS_LIMIT_BYTES, then each time it grows RSS_GROWTH_BYTES past its size after the last drop.
    A worker runs thousands of small compilations, and keeping them all grows its memory to
    about 2.6 GB. A drop does not shrink the resident memory (the allocator keeps the freed pages and
    reuses them), so dropping after every module past the limit would only recompile, in each
    module, the primitives and shared evaluators the next one uses again. (Without /proc:
    every module.)"""
    yield
    rss = _resident_bytes()
    if rss is None or (rss > RSS_LIMIT_BYTES
                       and rss > (_after_last_drop[-1] if _after_last_drop else 0) + RSS_GROWTH_BYTES):
        import jax

        jax.clear_caches()
        _after_last_drop.append(_resident_bytes() or 0)
