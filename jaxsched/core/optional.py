"""Optional packages: one rule for what a user reads when one is missing.

Every optional import of jaxsched (matplotlib, PyYAML, tqdm, scikit-learn, torch) goes through
:func:`require`. When the package is missing it raises :class:`MissingPackageError`, an
``ImportError`` whose message is one line naming what needs the package and the one command
that installs it: the jaxsched extra that ships it (``pip install "jaxsched[plot]"``,
``"jaxsched[cli]"``, ``"jaxsched[demo]"``), or for torch the pinned CPU build the README
installs (``pip install torch==2.13.0``; an unpinned torch pulls gigabytes of CUDA packages).
The command line prints that line and exits with status 2.

This module lives in the core (floor 0) because the configuration floor (YAML), the training
floor (plots and progress bars of the LR finder), the adapters and the command line all use it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["TORCH_INSTALL", "MissingPackageError", "install_hint", "missing_message", "require"]

#: How to install torch: the CPU build the README pins (an unpinned torch pulls CUDA packages).
TORCH_INSTALL = "pip install torch==2.13.0"

# top-level module -> the smallest jaxsched extra that ships it
_EXTRAS = {"matplotlib": "plot", "yaml": "cli", "tqdm": "cli", "sklearn": "demo"}
# top-level module -> its name on PyPI, where the two differ
_PIP_NAMES = {"sklearn": "scikit-learn", "yaml": "PyYAML"}


class MissingPackageError(ImportError):
    """An optional package is missing; ``str(exc)`` is one line saying how to install it."""


def _top(module: str) -> str:
    return module.split(".")[0]


def install_hint(module: str, extra: str | None = None) -> str:
    """The one command that installs ``module``: a jaxsched extra, or torch's pinned build.

    Args:
      module: the module imported (``"matplotlib.pyplot"``; only its top-level name counts).
      extra: the jaxsched extra to name instead of the smallest one that ships ``module``
        (the demo names ``demo``, which ships all its packages at once).

    Example:
      >>> install_hint("matplotlib.figure")
      'pip install "jaxsched[plot]"'
      >>> install_hint("sklearn"), install_hint("torch", extra="demo")
      ('pip install "jaxsched[demo]"', 'pip install torch==2.13.0')
    """
    top = _top(module)
    if top == "torch":
        return TORCH_INSTALL
    extra = extra or _EXTRAS.get(top)
    if extra:
        return f'pip install "jaxsched[{extra}]"'
    return f"pip install {_PIP_NAMES.get(top, top)}"


def missing_message(module: str, purpose: str, extra: str | None = None) -> str:
    """The one line for a missing ``module``: what needs it and how to install it.

    Example:
      >>> missing_message("yaml", "reading a YAML config")
      'reading a YAML config needs PyYAML, which is not installed: pip install "jaxsched[cli]"'
    """
    top = _top(module)
    return (f"{purpose} needs {_PIP_NAMES.get(top, top)}, which is not installed: "
            f"{install_hint(module, extra)}")


def require(module: str, purpose: str, extra: str | None = None) -> ModuleType:
    """Import ``module`` and return it, or raise :class:`MissingPackageError` saying how to install it.

    Args:
      module: the module to import (``"matplotlib.figure"``).
      purpose: what needs it, the start of the message (``"jaxsched.plot"``).
      extra: the jaxsched extra to name (default: the smallest one that ships ``module``).

    Raises:
      MissingPackageError: ``module`` (or a package it imports) is missing.

    Example:
      >>> require("json", "reading a JSON config").__name__
      'json'
      >>> try:
      ...     require("no_such_package_x", "the demo", extra="demo")
      ... except MissingPackageError as exc:
      ...     print(str(exc).split(": ")[1])
      pip install "jaxsched[demo]"
    """
    try:
        return importlib.import_module(module)
    except MissingPackageError:
        raise
    except ImportError as exc:
        raise MissingPackageError(missing_message(module, purpose, extra), name=_top(module)) from exc
