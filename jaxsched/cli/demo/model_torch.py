"""The demo's MLP in PyTorch, trained through the bridge ``jaxsched.torch.Scheduler``.

The same architecture as :mod:`jaxsched.cli.demo.model_jax` (``64 -> hidden -> 10``, ReLU, He-normal
weights, zero biases), trained with ``torch.optim.SGD``; the scheduler writes ``schedule(k)`` as
the learning rate of update ``k`` and, when a momentum schedule is given, the momentum too.
torch is imported inside the functions, so importing this module never imports torch.
"""

from __future__ import annotations

from typing import Any

from jaxsched.core.optional import require

__all__ = ["import_torch", "init_mlp", "make_trainer"]


def import_torch() -> Any:
    """Import torch, or raise an ImportError naming its pinned CPU build (``pip install torch==2.13.0``)."""
    return require("torch", "`--backend torch` (or use `--backend jax`)")


def init_mlp(seed: Any = 0, in_dim: int = 64, hidden: int = 128, num_classes: int = 10) -> Any:
    """A ``torch.nn.Sequential`` MLP starting from the same weights as the JAX model.

    Args:
      seed: an integer seed or a ``jax.random`` key (see
        :func:`jaxsched.cli.demo.model_jax.seed_words`).
      in_dim: input features.
      hidden: hidden units.
      num_classes: output classes.

    Example:
      >>> model = init_mlp(seed=0)
      >>> [tuple(p.shape) for p in model.parameters()]
      [(128, 64), (128,), (10, 128), (10,)]
    """
    torch = import_torch()
    from jaxsched.cli.demo.model_jax import init_params

    weights = init_params(seed, in_dim, hidden, num_classes)
    model = torch.nn.Sequential(
        torch.nn.Linear(in_dim, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, num_classes)
    )
    with torch.no_grad():
        for layer, w, b in ((model[0], "w1", "b1"), (model[2], "w2", "b2")):
            layer.weight.copy_(torch.from_numpy(weights[w].T.copy()))
            layer.bias.copy_(torch.from_numpy(weights[b]))
    return model


def make_trainer(model: Any, lr_schedule: Any, momentum: Any = 0.9) -> tuple[Any, Any, Any]:
    """An SGD optimizer, its bridge scheduler and ``step(x, y) -> loss`` for ``model``.

    Args:
      model: a ``torch.nn.Module``.
      lr_schedule: a jaxsched Schedule (or config) for the learning rate.
      momentum: a float (constant momentum) or a jaxsched Schedule driving it.

    Returns:
      ``(optimizer, scheduler, step)``; ``step`` takes float32 / integer NumPy batches, does
      one update and one ``scheduler.step()``, and returns the batch loss (before the update).

    Example:
      >>> import numpy as np, jaxsched
      >>> model = init_mlp(seed=0)
      >>> opt, sched, step = make_trainer(model, jaxsched.linear_schedule(0.0, 0.1, 10))
      >>> for _ in range(3):
      ...     loss = step(np.ones((8, 64), np.float32), np.zeros(8, np.int64))
      >>> round(opt.param_groups[0]["lr"], 6)  # the lr the next update (number 3) uses
      0.03
    """
    torch = import_torch()
    from jaxsched.torch import Scheduler

    scheduled_momentum = not isinstance(momentum, (int, float))
    opt = torch.optim.SGD(model.parameters(), lr=0.0, momentum=0.9 if scheduled_momentum else momentum)
    sched = Scheduler(opt, lr_schedule, momentum=momentum if scheduled_momentum else None)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(x: Any, y: Any) -> float:
        xb = torch.from_numpy(x)
        yb = torch.from_numpy(y).long()
        loss = loss_fn(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        return float(loss.detach())

    return opt, sched, step
