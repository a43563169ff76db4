"""Train the demo MLP under one schedule, with the JAX or the torch backend.

Both backends see the same data, the same batches in the same order and the same schedule
objects; each returns a :class:`RunResult` with per-step losses, per-epoch test accuracy and
the learning rate (and momentum) every update used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from jaxsched.cli.demo.data import batches, steps_per_epoch

__all__ = ["BACKENDS", "RunResult", "train"]

BACKENDS = ("jax", "torch")

Data = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclasses.dataclass
class RunResult:
    """What one training run produced.

    Attributes:
      name: the schedule's label.
      lrs: learning rate of every update ``k`` (float64, ``schedule(k)`` evaluated on the host).
      momenta: momentum of every update, or ``None`` when it is a constant.
      step_losses: training loss of each mini-batch, before its update.
      test_accuracy: test accuracy after each epoch.
      final_train_loss: loss over the whole training set after the last epoch.
      final_test_accuracy: test accuracy after the last epoch.
      wall_time: seconds spent training and evaluating (compilation included).
    """

    name: str
    lrs: np.ndarray
    momenta: np.ndarray | None
    step_losses: np.ndarray
    test_accuracy: np.ndarray
    final_train_loss: float
    final_test_accuracy: float
    wall_time: float


def _host(schedule: Any, n: int) -> np.ndarray:
    return np.asarray(schedule.evaluate(np.arange(n), np), dtype=np.float64)


def _jax_runner(lr: Any, momentum: Any, seed: int, data: Data) -> tuple[Callable, Callable]:
    import jax
    import optax

    import jaxsched
    from jaxsched.cli.demo import model_jax

    opt = jaxsched.scheduled_optimizer(optax.sgd, learning_rate=lr, momentum=momentum)
    params = model_jax.init_mlp(seed)
    # jitted: evaluating the schedules at count 0 op by op costs seconds of tiny compiles
    state = [params, jax.jit(opt.init)(params)]
    step_fn = model_jax.make_train_step(opt)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        state[0], state[1], loss = step_fn(state[0], state[1], x, y)
        return loss

    def evaluate(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        loss, acc = model_jax.evaluate(state[0], x, y)
        return float(loss), float(acc)

    return step, evaluate


def _torch_runner(lr: Any, momentum: Any, seed: int, data: Data) -> tuple[Callable, Callable]:
    from jaxsched.cli.demo import model_torch

    torch = model_torch.import_torch()
    model = model_torch.init_mlp(seed)
    _, _, step = model_torch.make_trainer(model, lr, momentum)

    def evaluate(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        with torch.no_grad():
            logits = model(torch.from_numpy(x))
            yt = torch.from_numpy(y).long()
            loss = torch.nn.functional.cross_entropy(logits, yt)
            acc = (logits.argmax(-1) == yt).double().mean()
        return float(loss), float(acc)

    return step, evaluate


@contextlib.contextmanager
def _single_threaded_torch(backend: str) -> Iterator[None]:
    """Run torch on one thread: its ops on a 64x128 MLP are far slower with two busy threads."""
    if backend != "torch":
        yield
        return
    from jaxsched.cli.demo.model_torch import import_torch

    torch = import_torch()
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(
    name: str,
    lr: Any,
    momentum: Any,
    data: Data,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    backend: str = "jax",
    progress: Any = None,
) -> RunResult:
    """Train a fresh MLP under ``lr`` (and ``momentum``) and return its :class:`RunResult`.

    Args:
      name: label of the run.
      lr: the learning-rate Schedule; update ``k`` uses ``lr(k)``.
      momentum: SGD momentum, a float or a Schedule.
      data: ``(x_train, y_train, x_test, y_test)`` from :func:`jaxsched.cli.demo.data.load_digits`.
      epochs: number of passes over the training set.
      batch_size: mini-batch size.
      seed: seed of the initial weights and of the batch order.
      backend: ``"jax"`` (optax) or ``"torch"`` (``jaxsched.torch.Scheduler``).
      progress: optional tqdm bar, advanced by one per update.

    Example:
      >>> import jaxsched
      >>> from jaxsched.cli.demo.data import load_digits
      >>> r = train("c", jaxsched.constant_schedule(0.1), 0.9, load_digits(), epochs=1, batch_size=64)
      >>> len(r.step_losses), len(r.test_accuracy), r.final_test_accuracy > 0.8
      (22, 1, True)
    """
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {', '.join(BACKENDS)}, got {backend!r}")
    x_train, y_train, x_test, y_test = data
    per_epoch = steps_per_epoch(len(x_train), batch_size)
    total = per_epoch * int(epochs)
    start = time.perf_counter()
    with _single_threaded_torch(backend):
        runner = _jax_runner if backend == "jax" else _torch_runner
        step, evaluate = runner(lr, momentum, seed, data)
        losses: list[Any] = []
        accs: list[float] = []
        for epoch in range(int(epochs)):
            for xb, yb in batches(x_train, y_train, batch_size, seed=seed, epoch=epoch):
                losses.append(step(xb, yb))
                if progress is not None:
                    progress.update(1)
            accs.append(evaluate(x_test, y_test)[1])
        train_loss = evaluate(x_train, y_train)[0]
    step_losses = np.asarray([float(v) for v in losses], dtype=np.float64)
    wall = time.perf_counter() - start
    momenta = None if isinstance(momentum, (int, float)) else _host(momentum, total)
    return RunResult(
        name=name,
        lrs=_host(lr, total),
        momenta=momenta,
        step_losses=step_losses,
        test_accuracy=np.asarray(accs, dtype=np.float64),
        final_train_loss=train_loss,
        final_test_accuracy=accs[-1],
        wall_time=wall,
    )
