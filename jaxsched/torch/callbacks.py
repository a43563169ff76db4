"""Feeding the evaluation metric to a metric-driven :class:`~jaxsched.torch.Scheduler`.

HF's ``Trainer`` steps its ``lr_scheduler`` with the metric only when it is a torch
``ReduceLROnPlateau`` or an HF ``GreedyLR`` (transformers 5.24, ``Trainer._evaluate``); for any
other scheduler it calls ``step()`` once per optimizer update. :func:`hf_plateau_callback`
gives a ``TrainerCallback`` whose ``on_evaluate`` reports ``metrics[metric_for_best_model]`` to a
``jaxsched.torch.Scheduler`` built with a plateau (``Scheduler.from_config(opt,
{"type": "hf.greedy", ...})``, ``"torch.ReduceLROnPlateau"``, ``"keras.ReduceLROnPlateau"``,
...); the Trainer's per-update ``step()`` keeps advancing the time-based part.

Lightning needs no callback: return ``{"scheduler": sched, "monitor": "val_loss",
"reduce_on_plateau": True, "interval": "epoch"}`` from ``configure_optimizers``; Lightning then
calls ``sched.step(metric)`` (see :class:`~jaxsched.torch.Scheduler`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["hf_plateau_callback"]


def hf_plateau_callback(scheduler: Any, metric: str = "loss", *, greater_is_better: Any = None
                        ) -> Any:
    """A ``transformers.TrainerCallback`` reporting the evaluation metric to ``scheduler``.

    Args:
      scheduler: a :class:`jaxsched.torch.Scheduler` built with a plateau (its ``report``).
      metric: the metric's name as in ``TrainingArguments.metric_for_best_model``; the
        ``"eval_"`` prefix is added when missing, as the Trainer does. Default ``"loss"``.
      greater_is_better: unused (the plateau's ``mode`` decides); accepted so that the
        Trainer's arguments can be passed through.

    Returns:
      A ``TrainerCallback``: ``Trainer(..., optimizers=(opt, scheduler),
      callbacks=[hf_plateau_callback(scheduler, "loss")])``.

    Raises:
      ValueError: ``scheduler`` has no plateau; at evaluation, the metric is missing from
        the evaluation's metrics (naming the ones there).
      TypeError: ``metric`` is not a string.

    Example (needs transformers):
      >>> import torch, jaxsched.torch as jt
      >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
      >>> sched = jt.Scheduler.from_config(opt, {"type": "hf.greedy", "params": {"patience": 0}})
      >>> cb = hf_plateau_callback(sched, "loss")
      >>> cb.on_evaluate(None, None, None, metrics={"eval_loss": 1.0})
      >>> round(sched.get_last_lr()[0], 6)  # the first report improves on best = inf
      0.105263

    Equivalents:
      HF: the Trainer's own ``lr_scheduler.step(metrics[metric_for_best_model])`` for
      ``ReduceLROnPlateau`` and ``GreedyLR``.
    """
    from transformers import TrainerCallback

    if not isinstance(metric, str):
        raise TypeError(f"`metric` must be a string (metric_for_best_model), got {metric!r}")
    if getattr(scheduler, "plateau", None) is None:
        raise ValueError("`scheduler` must be a jaxsched.torch.Scheduler built with a plateau "
                         "(a metric-driven config such as hf.greedy or torch.ReduceLROnPlateau)")
    key = metric if metric.startswith("eval_") else f"eval_{metric}"

    class _PlateauCallback(TrainerCallback):
        def on_evaluate(self, args: Any, state: Any, control: Any,
                        metrics: dict | None = None, **kwargs: Any) -> None:
            metrics = metrics or {}
            if key not in metrics:
                raise ValueError(f"the metric {key!r} (`metric`) is not among the evaluation's "
                                 f"metrics {sorted(metrics)}")
            scheduler.report(metrics[key])

    return _PlateauCallback()
