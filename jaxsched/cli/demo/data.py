"""scikit-learn's digits (8x8 images, 10 classes, bundled: no download) for the demo.

``load_digits`` gives a deterministic shuffled train/test split, standardized with the training
statistics; ``batches`` iterates over shuffled mini-batches, a different order every epoch.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import numpy as np

from jaxsched.core import optional

__all__ = ["DEMO_EXTRA_HINT", "batches", "load_digits", "require", "steps_per_epoch"]

#: Install hint for the optional dependencies of the demo and the LR finder command.
DEMO_EXTRA_HINT = optional.install_hint("sklearn", extra="demo")


def require(module: str, purpose: str) -> None:
    """Import ``module`` now, or raise an ImportError naming ``purpose`` and the install hint.

    The rule of :func:`jaxsched.core.optional.require`, naming the ``demo`` extra (which ships
    every package of the demo and the LR finder command; torch is named by its pinned build).

    Example:
      >>> require("numpy", "arrays")
    """
    optional.require(module, purpose, extra="demo")


def _bundled_csv() -> str | None:
    """Path of the CSV that scikit-learn ships the digits in, found without importing it."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.origin:
        return None
    path = os.path.join(os.path.dirname(spec.origin), "datasets", "data", "digits.csv.gz")
    return path if os.path.isfile(path) else None


def _sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits ``(x, y)``, as ``sklearn.datasets.load_digits`` gives them.

    Reads scikit-learn's bundled ``digits.csv.gz`` directly when it is where scikit-learn keeps
    it (importing ``sklearn.datasets`` costs seconds: it imports SciPy); otherwise calls
    ``sklearn.datasets.load_digits``.
    """
    path = _bundled_csv()
    if path is not None:
        table = np.loadtxt(path, delimiter=",")
        if table.shape == (1797, 65):
            return table[:, :-1], table[:, -1].astype(np.int64)
    datasets = optional.require("sklearn.datasets", "the jaxsched demo's digits data set", extra="demo")
    bunch = datasets.load_digits()
    return np.asarray(bunch.data), np.asarray(bunch.target)


def load_digits(
    seed: int = 0, test_fraction: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load the digits data set as a standardized, shuffled train/test split.

    The 1,797 images (64 pixels each) are shuffled with ``numpy.random.default_rng(seed)``;
    the last ``round(test_fraction * 1797)`` of them form the test set. Each pixel is
    standardized with the training mean and standard deviation (pixels that are constant in
    the training set are only centred).

    Args:
      seed: seed of the shuffle (the same seed always gives the same split).
      test_fraction: fraction of the examples held out for testing, in ``(0, 1)``.

    Returns:
      ``(x_train, y_train, x_test, y_test)``: float32 arrays of shape ``(n, 64)`` and int32
      labels in ``0..9``.

    Raises:
      ValueError: ``test_fraction`` outside ``(0, 1)``.
      ImportError: scikit-learn is missing (the message names ``jaxsched[demo]``).

    Example:
      >>> x_train, y_train, x_test, y_test = load_digits(seed=0)
      >>> x_train.shape, x_test.shape, x_train.dtype, y_train.dtype
      ((1438, 64), (359, 64), dtype('float32'), dtype('int32'))
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be an integer >= 0, got {seed!r}")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"`test_fraction` must be in (0, 1), got {test_fraction!r}")
    x, y = _sklearn_digits()
    order = np.random.default_rng(int(seed)).permutation(len(x))
    n_test = max(1, int(round(float(test_fraction) * len(x))))
    train, test = order[:-n_test], order[-n_test:]
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)

    def norm(a: np.ndarray) -> np.ndarray:
        return ((a - mean) / std).astype(np.float32)

    return norm(x[train]), y[train].astype(np.int32), norm(x[test]), y[test].astype(np.int32)


def steps_per_epoch(num_examples: int, batch_size: int) -> int:
    """Number of mini-batches ``batches`` yields per epoch (the last partial batch is dropped).

    Example:
      >>> steps_per_epoch(1438, 64)
      22
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"`batch_size` must be an integer >= 1, got {batch_size!r}")
    if batch_size > num_examples:
        raise ValueError(
            f"`batch_size` must be <= the number of examples ({num_examples}), got {batch_size}"
        )
    return int(num_examples) // int(batch_size)


def batches(
    x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0, epoch: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield the shuffled mini-batches of one epoch.

    The order depends on ``(seed, epoch)`` only, so every schedule sees the same batches.
    The last partial batch is dropped, so every batch has ``batch_size`` rows (one compiled
    train step serves them all).

    Args:
      x: inputs, shape ``(n, ...)``.
      y: labels, shape ``(n,)``.
      batch_size: rows per batch, ``1 <= batch_size <= n``.
      seed: base seed of the shuffles.
      epoch: epoch number (a different order each epoch).

    Example:
      >>> x = np.arange(10.0).reshape(5, 2); y = np.arange(5)
      >>> [yb.tolist() for _, yb in batches(x, y, 2, seed=0, epoch=0)]
      [[2, 4], [3, 0]]
    """
    if len(x) != len(y):
        raise ValueError(f"`x` and `y` must have the same length, got {len(x)} and {len(y)}")
    n_batches = steps_per_epoch(len(x), batch_size)
    order = np.random.default_rng([int(seed), int(epoch)]).permutation(len(x))
    for i in range(n_batches):
        idx = order[i * batch_size : (i + 1) * batch_size]
        yield x[idx], y[idx]
