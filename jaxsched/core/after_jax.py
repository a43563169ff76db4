"""Run code once JAX is imported, without importing it: ``import jaxsched`` stays light.

A schedule class is a pytree node, and registering it needs ``jax.tree_util``; but a PyTorch
user of :mod:`jaxsched.torch`, or the command line showing a schedule, never needs JAX (its
import is about 1-2 s and a few hundred MB). :func:`when_imported` runs a callback now when JAX
is already imported, else right after the first ``import jax`` of the process completes (a
finder on ``sys.meta_path`` wraps JAX's own loader; it removes itself once it has run), so any
schedule reaching JAX is registered by then.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["imported", "when_imported", "flush"]

_PENDING: list[Callable[[], None]] = []


def imported() -> Any:
    """The ``jax`` module if it is imported (completely: not a module mid-import), else None.
    Never imports it."""
    jax = sys.modules.get("jax")
    return jax if jax is not None and hasattr(jax, "tree_util") else None


def when_imported(fn: Callable[[], None]) -> None:
    """Call ``fn()`` now if JAX is imported, else just after ``import jax`` completes."""
    if imported() is not None:
        fn()
        return
    _PENDING.append(fn)
    if not any(isinstance(f, _AfterJax) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterJax())


def _run_pending() -> None:
    while _PENDING:
        _PENDING.pop(0)()


def flush() -> None:
    """Run what is pending if JAX is imported: a safety for an import of JAX that another finder
    answered before this module's (the first ``schedule(count)`` calls it)."""
    if _PENDING and imported() is not None:
        _run_pending()


class _AfterJax(importlib.abc.MetaPathFinder):
    """Finds ``jax`` with the other finders and runs the pending callbacks after its module."""

    def __init__(self) -> None:
        self._busy = False

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "jax" or self._busy:
            return None
        self._busy = True  # the other finders are asked below; this one answers None to itself
        try:
            spec = None
            for finder in list(sys.meta_path):
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    break
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            if self in sys.meta_path:  # the import is done: no longer iterating sys.meta_path
                sys.meta_path.remove(self)
            _run_pending()

        spec.loader.exec_module = exec_module  # this spec's loader: JAX's package only
        return spec
