"""HF Trainer and Lightning feeding their metric to a metric-driven jaxsched Scheduler.

A tiny regression trains twice with the real ``transformers.Trainer`` (5.24), evaluating every
update: once with HF's own ``GreedyLR``, which the Trainer steps with ``eval_loss``, once with
``Scheduler.from_config(opt, {"type": "hf.greedy", ...})`` and :func:`hf_plateau_callback`. The
lr written at every update and the evaluation losses must be the same. Lightning passes the
monitored metric to a scheduler flagged ``reduce_on_plateau``: ``hf.greedy`` there against
``GreedyLR`` stepped on the same metrics.
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np
import pytest
import torch

from jaxsched.torch import Scheduler, hf_plateau_callback

# transformers is imported by the tests, not at collection: both test workers collect this
# file, only one runs it (the import is ~1.5 s)
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("transformers") is None,
                       reason="transformers is not installed"),
    pytest.mark.usefixtures("greedy_lr"),
]


@functools.cache
def _greedy_lr() -> type | None:
    import transformers.optimization

    return getattr(transformers.optimization, "GreedyLR", None)


@pytest.fixture
def greedy_lr() -> type:
    """transformers' ``GreedyLR`` (the test skips with a transformers that lacks it)."""
    cls = _greedy_lr()
    if cls is None:
        pytest.skip("transformers without GreedyLR")
    return cls

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
    import transformers

    torch.manual_seed(0)
    model = _Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    callbacks = []
    if ours:
        sched = Scheduler.from_config(opt, {"type": "hf.greedy", "params": PARAMS})
        callbacks.append(hf_plateau_callback(sched, "loss"))
    else:
        sched = _greedy_lr()(opt, **PARAMS)
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


def test_lightning_feeds_greedy_through_reduce_on_plateau_flag(tmp_path, greedy_lr):
    import warnings

    L = pytest.importorskip("lightning.pytorch")
    metrics = [1.0, 0.9, 0.8, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6]
    box = {}

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(2, 1)

        def training_step(self, batch, batch_idx):
            loss = torch.nn.functional.mse_loss(self.net(batch[0]).squeeze(-1), batch[1])
            self.log("val_metric", metrics[self.current_epoch], on_step=False, on_epoch=True)
            return loss

        def on_train_epoch_start(self) -> None:
            box.setdefault("lrs", []).append(self.optimizers().param_groups[0]["lr"])

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.1)
            sched = Scheduler.from_config(opt, {"type": "hf.greedy", "params": PARAMS})
            return {"optimizer": opt, "lr_scheduler": {
                "scheduler": sched, "interval": "epoch", "monitor": "val_metric",
                "reduce_on_plateau": True}}

    g = torch.Generator().manual_seed(0)
    ds = torch.utils.data.TensorDataset(torch.randn(8, 2, generator=g), torch.randn(8, generator=g))
    trainer = L.Trainer(max_epochs=len(metrics), accelerator="cpu", devices=1, logger=False,
                        enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False, default_root_dir=str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(Tiny(), torch.utils.data.DataLoader(ds, batch_size=4))
    twin = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    ref = greedy_lr(twin, **PARAMS)
    want = [0.1]
    for m in metrics[:-1]:
        ref.step(m)
        want.append(twin.param_groups[0]["lr"])
    assert len(set(want)) > 2  # the lr moved
    np.testing.assert_allclose(box["lrs"], want, rtol=1e-12)
