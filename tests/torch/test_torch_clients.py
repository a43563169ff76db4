"""The bridge driven by real clients: Lightning's ``Trainer.fit``, transformers' ``Trainer`` and
a timm-style loop.

Each test records the learning rate the optimizer actually used at every update (an optimizer
step pre-hook on the underlying ``torch.optim`` optimizer, which fires whatever wrapper the
client puts around it) and compares it with the schedule evaluated independently: torch's own
scheduler stepped on a twin optimizer, or the formula written out here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import jaxsched  # noqa: E402
from jaxsched.torch import Scheduler  # noqa: E402

LR = 0.1


def _record(opt: Any) -> list[float]:
    """The lr of group 0 at every ``opt.step()`` (read before the update runs)."""
    seen: list[float] = []
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append(float(o.param_groups[0]["lr"])))
    return seen


def _cosine(k: int, peak: float, t: int) -> float:
    """``peak * (1 + cos(pi k / t)) / 2`` (torch's CosineAnnealingLR closed form, eta_min 0)."""
    return peak * (1 + math.cos(math.pi * k / t)) / 2


def _warmup_cosine(k: int, peak: float, warmup: int, total: int) -> float:
    """Linear from 0 to ``peak`` over ``warmup`` steps, then cosine to 0 at ``total``."""
    if k < warmup:
        return peak * k / warmup
    return _cosine(min(k, total) - warmup, peak, total - warmup)


def _data(n: int = 32, batch: int = 4) -> Any:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    ds = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True))
    return torch.utils.data.DataLoader(ds, batch_size=batch)


# ---------------------------------------------------------------------------------------- Lightning
def _lightning_module(configure: Any, metrics: list[float] | None = None) -> Any:
    L = pytest.importorskip("lightning.pytorch")

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(3, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            if metrics is not None:  # one value per epoch: the epoch mean is that value
                self.log("val_metric", metrics[self.current_epoch], on_step=False, on_epoch=True)
            return loss

        def configure_optimizers(self) -> Any:
            return configure(self)

    return L, Tiny()


def _fit(L: Any, model: Any, epochs: int) -> None:
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, enable_progress_bar=False,
                        logger=False, enable_checkpointing=False, enable_model_summary=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(num_workers|does not have many workers).*")
        # Lightning's own use of torch.utils._pytree under torch 2.13
        warnings.filterwarnings("ignore", message=".*LeafSpec.*", category=FutureWarning)
        trainer.fit(model, _data())


def test_lightning_step_interval_matches_torch_onecycle():
    box: dict[str, Any] = {}
    total = 16  # 2 epochs of 8 batches

    def configure(m: Any) -> Any:
        opt = torch.optim.SGD(m.parameters(), lr=LR, momentum=0.9)
        box["seen"] = _record(opt)
        sched = Scheduler.from_config(opt, {"type": "torch.OneCycleLR",
                                            "params": {"max_lr": LR, "total_steps": total}})
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    L, model = _lightning_module(configure)
    _fit(L, model, 2)
    twin = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR, momentum=0.9)
    ref = torch.optim.lr_scheduler.OneCycleLR(twin, max_lr=LR, total_steps=total)
    want = []
    for _ in range(total):
        want.append(twin.param_groups[0]["lr"])
        twin.step()
        ref.step()
    assert len(box["seen"]) == total
    np.testing.assert_allclose(box["seen"], want, rtol=1e-12, atol=1e-15)


def test_lightning_plateau_monitor_with_reduce_on_plateau_flag():
    # Lightning passes the monitored metric only to schedulers it marks reduce_on_plateau: an
    # instance of torch's ReduceLROnPlateau, or any scheduler whose config dict sets the flag.
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5]
    epochs, per_epoch = len(metrics), 8
    box: dict[str, Any] = {}

    def configure(m: Any) -> Any:
        opt = torch.optim.SGD(m.parameters(), lr=LR)
        box["seen"] = _record(opt)
        sched = Scheduler(opt, jaxsched.cosine_annealing(LR, 2 * epochs),
                          plateau=jaxsched.plateau_config(factor=0.5, patience=1, semantics="torch"))
        box["sched"] = sched
        return {"optimizer": opt, "lr_scheduler": {
            "scheduler": sched, "interval": "epoch", "monitor": "val_metric",
            "reduce_on_plateau": True}}

    L, model = _lightning_module(configure, metrics)
    _fit(L, model, epochs)
    # independent: torch's ReduceLROnPlateau on the same metrics gives the factor
    twin = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    rp = torch.optim.lr_scheduler.ReduceLROnPlateau(twin, factor=0.5, patience=1)
    factors = [1.0]
    for x in metrics:
        rp.step(x)
        factors.append(twin.param_groups[0]["lr"] / LR)
    want = [_cosine(e, LR, 2 * epochs) * factors[e] for e in range(epochs) for _ in range(per_epoch)]
    assert min(factors) < 1.0  # the plateau did reduce
    np.testing.assert_allclose(box["seen"], want, rtol=1e-12, atol=1e-15)
    assert box["sched"].last_epoch == epochs


# ------------------------------------------------------------------------------------- transformers
def test_transformers_trainer_with_optimizers_pair(tmp_path):
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    warmup, total = 3, 12

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(3, 1)

        def forward(self, x: Any, y: Any) -> dict[str, Any]:
            return {"loss": torch.nn.functional.mse_loss(self.net(x), y)}

    class Data(torch.utils.data.Dataset):
        def __init__(self) -> None:
            g = torch.Generator().manual_seed(0)
            self.x = torch.randn(64, 3, generator=g)

        def __len__(self) -> int:
            return len(self.x)

        def __getitem__(self, i: int) -> dict[str, Any]:
            return {"x": self.x[i], "y": self.x[i].sum(0, keepdim=True)}

    model = Tiny()
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    seen = _record(opt)
    sched = Scheduler(opt, jaxsched.warmup_cosine_decay_schedule(0.0, LR, warmup, total))
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=total, report_to=[],
        use_cpu=True, save_strategy="no", logging_strategy="no", disable_tqdm=True,
        dataloader_num_workers=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = transformers.Trainer(model=model, args=args, train_dataset=Data(),
                                       optimizers=(opt, sched))
        trainer.train()
    want = [_warmup_cosine(k, LR, warmup, total) for k in range(total)]
    assert len(seen) == total
    np.testing.assert_allclose(seen, want, rtol=1e-12, atol=1e-15)
    assert sched.last_epoch == total


# ----------------------------------------------------------------------------------------- timm-style
def _timm_loop(opt: Any, epochs: int, updates: int, on_epoch: Any, on_update: Any) -> None:
    """timm's train loop shape: ``step_update(num_updates)`` after each update and
    ``step(epoch + 1)`` after each epoch."""
    p = opt.param_groups[0]["params"][0]
    num_updates = 0
    for epoch in range(epochs):
        for _ in range(updates):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
            num_updates += 1
            on_update(num_updates)
        on_epoch(epoch + 1)


def test_timm_style_loop_per_epoch_and_per_update():
    epochs, updates = 5, 4
    # per epoch: sched.step(epoch) (torch's deprecated form: warns, jumps to that epoch)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=LR)
    seen = _record(opt)
    sched = Scheduler(opt, jaxsched.cosine_annealing(LR, epochs))
    with pytest.warns(UserWarning):
        _timm_loop(opt, epochs, updates, sched.step, lambda n: None)
    want = [_cosine(e, LR, epochs) for e in range(epochs) for _ in range(updates)]
    np.testing.assert_allclose(seen, want, rtol=1e-12, atol=1e-15)
    # per update: the count timm passes to step_update, as step_to(num_updates)
    total = epochs * updates
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=LR)
    seen = _record(opt)
    sched = Scheduler(opt, jaxsched.warmup_cosine_decay_schedule(0.0, LR, 4, total))
    _timm_loop(opt, epochs, updates, lambda e: None, sched.step_to)
    want = [_warmup_cosine(k, LR, 4, total) for k in range(total)]
    np.testing.assert_allclose(seen, want, rtol=1e-12, atol=1e-15)
    assert sched.last_epoch == total
