"""HF Trainer feeding its evaluation metric to a metric-driven jaxsched Scheduler.

A tiny regression trains twice with the real ``transformers.Trainer`` (5.24), evaluating every
update: once with HF's own ``GreedyLR``, which the Trainer steps with ``eval_loss``, once with
``Scheduler.from_config(opt, {"type": "hf.greedy", ...})`` and :func:`hf_plateau_callback`. The
lr written at every update and the evaluation losses must be the same.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

transformers = pytest.importorskip("transformers")
GreedyLR = getattr(transformers.optimization, "GreedyLR", None)
pytestmark = pytest.mark.skipif(GreedyLR is None, reason="transformers without GreedyLR")

from jaxsched.torch import Scheduler, hf_plateau_callback  # noqa: E402

PARAMS = {"patience": 1, "factor": 0.5, "min_lr": 1e-3, "max_lr": 0.5, "cooldown": 1}


class _Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Linear(2, 1)

    def forward(self, x, labels):
        return {"loss": torch.nn.functional.mse_loss(self.w(x).squeeze(-1), labels)}


def _data(n: int, seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = x @ torch.tensor([1.5, -2.0]) + 0.3 * torch.randn(n, generator=g)
    return [{"x": a, "labels": b} for a, b in zip(x, y)]


def _train(tmp_path, ours: bool) -> tuple[list[float], list[float]]:
    torch.manual_seed(0)
    model = _Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    callbacks = []
    if ours:
        sched = Scheduler.from_config(opt, {"type": "hf.greedy", "params": PARAMS})
        callbacks.append(hf_plateau_callback(sched, "loss"))
    else:
        sched = GreedyLR(opt, **PARAMS)
    lrs, losses = [], []

    class Record(transformers.TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            lrs.append(float(opt.param_groups[0]["lr"]))

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            losses.append(float(metrics["eval_loss"]))

    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / ("ours" if ours else "hf")), max_steps=24,
        per_device_train_batch_size=4, per_device_eval_batch_size=16, eval_strategy="steps",
        eval_steps=1, logging_strategy="no", save_strategy="no", report_to=[], use_cpu=True,
        dataloader_num_workers=0, disable_tqdm=True, metric_for_best_model="loss",
        seed=0, data_seed=0)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=_data(32, 1),
                                   eval_dataset=_data(16, 2), optimizers=(opt, sched),
                                   callbacks=[*callbacks, Record()])
    trainer.train()
    return lrs, losses


def test_trainer_steps_greedy_through_the_callback(tmp_path):
    theirs, ours = _train(tmp_path, False), _train(tmp_path, True)
    assert len(set(theirs[0])) > 2  # the lr moved
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


def test_callback_refuses_bad_input():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="`scheduler`"):
        hf_plateau_callback(Scheduler(opt, 0.1), "loss")
    sched = Scheduler.from_config(opt, {"type": "hf.greedy", "params": {}})
    with pytest.raises(TypeError, match="`metric`"):
        hf_plateau_callback(sched, 3)
    cb = hf_plateau_callback(sched, "accuracy")
    with pytest.raises(ValueError, match="eval_accuracy"):
        cb.on_evaluate(None, None, None, metrics={"eval_loss": 1.0})
