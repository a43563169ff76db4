"""Source of torch_bridge.ipynb: jaxsched.torch.Scheduler driving torch optimizers."""

from __future__ import annotations

INTRO = """
# Driving PyTorch optimizers with `jaxsched.torch.Scheduler`

`jaxsched.torch.Scheduler` is a `torch.optim.lr_scheduler.LRScheduler` that evaluates the same
Schedule objects optax uses, in closed form: after `k` calls of `step()` every param group's
learning rate is `schedule(k)` times the group's scale, momentum goes to `momentum` or
`betas[0]`, weight decay to `weight_decay`. It never chains and never reads `group["lr"]` back,
so resuming restores one integer. This notebook shows:

1. a native schedule with momentum on `torch.optim.SGD`, next to torch's own `OneCycleLR`;
2. configs: peers' names with their own parameters, a DeepSpeed `"scheduler"` block;
3. `AdamW` with per-group scales, scheduled `betas[0]` and weight decay;
4. `state_dict` resume, bit for bit;
5. torch's schedulers against their jaxsched configs, step by step.
"""

SETUP = """
import io

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

import jaxsched
from jaxsched.cli.demo.data import batches, load_digits, steps_per_epoch
from jaxsched.torch import Scheduler

plt.rcParams.update({"figure.dpi": 60, "font.size": 8, "legend.fontsize": 7})
torch.set_num_threads(1)          # a tiny model: one thread is the fastest
torch.manual_seed(0)

x_train, y_train, x_test, y_test = load_digits(seed=0)
BATCH, EPOCHS = 64, 4
STEPS = EPOCHS * steps_per_epoch(len(x_train), BATCH)
x_test_t, y_test_t = torch.from_numpy(x_test), torch.from_numpy(y_test).long()


def new_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def train(model, opt, sched, epochs=EPOCHS, first_epoch=0):
    \"\"\"Train; return the lr and momentum/beta1 of every update (as applied), per group 0.\"\"\"
    lrs, moms = [], []
    for epoch in range(first_epoch, first_epoch + epochs):
        for x, y in batches(x_train, y_train, BATCH, seed=0, epoch=epoch):
            group = opt.param_groups[0]
            lrs.append(group["lr"])
            moms.append(group["betas"][0] if "betas" in group else group["momentum"])
            loss = nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y).long())
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return np.array(lrs), np.array(moms)


def accuracy(model):
    with torch.no_grad():
        return (model(x_test_t).argmax(-1) == y_test_t).float().mean().item()
"""

ONECYCLE_MD = """
## 1. One-cycle learning rate and momentum on SGD, next to torch's `OneCycleLR`

The jaxsched run uses the native `one_cycle` and `one_cycle_momentum`; the other run uses
torch's `OneCycleLR` on an identical model.
"""

ONECYCLE = """
model = new_model()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
sched = Scheduler(opt, jaxsched.one_cycle(0.2, STEPS),
                  momentum=jaxsched.one_cycle_momentum(0.85, 0.95, total_steps=STEPS))
lr_js, mom_js = train(model, opt, sched)

model_t = new_model()
opt_t = torch.optim.SGD(model_t.parameters(), lr=0.1, momentum=0.9, nesterov=True)
sched_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, max_lr=0.2, total_steps=STEPS,
                                              base_momentum=0.85, max_momentum=0.95)
lr_t, mom_t = train(model_t, opt_t, sched_t)

print(f"max |lr difference| {np.abs(lr_js - lr_t).max():.1e}, "
      f"max |momentum difference| {np.abs(mom_js - mom_t).max():.1e} over {STEPS} updates")
print(f"test accuracy: jaxsched {accuracy(model):.3f}, torch OneCycleLR {accuracy(model_t):.3f}")
"""

CONFIG_MD = """
## 2. Configs

`Scheduler.from_config` takes every name `jaxsched.from_config` knows. Names relative to the
optimizer's learning rate (torch, HF, timm) use each group's own `lr`; schedulers that cycle
momentum drive it too; a DeepSpeed config's `"scheduler"` block loads as it is (and
`jaxsched.from_config` also takes the whole DeepSpeed config, dict or file).
"""

CONFIG = """
def fresh_sgd(lr=0.1):
    return torch.optim.SGD(new_model().parameters(), lr=lr, momentum=0.9)


ds_config = {"train_batch_size": BATCH,                  # a DeepSpeed config file, as a dict
             "scheduler": {"type": "WarmupDecayLR",
                           "params": {"warmup_max_lr": 0.1, "warmup_num_steps": 20,
                                      "total_num_steps": STEPS}}}
configs = {
    "torch.OneCycleLR": {"type": "torch.OneCycleLR",
                         "params": {"max_lr": 0.2, "total_steps": STEPS, "three_phase": True}},
    "hf.cosine (uses group lr)": {"type": "hf.cosine",
                                  "params": {"num_warmup_steps": 10, "num_training_steps": STEPS}},
    "DeepSpeed block": ds_config["scheduler"],
    "native": {"type": "warmup_stable_decay",
               "params": {"peak_value": 0.1, "total_steps": STEPS, "warmup_steps": 10,
                          "decay_fraction": 0.3, "decay_shape": "1-sqrt"}},
}
curves = {}
for name, cfg in configs.items():
    opt = fresh_sgd()
    sched = Scheduler.from_config(opt, cfg)
    rows = []
    for _ in range(STEPS):
        rows.append([sched.current_values()[0]["lr"], opt.param_groups[0]["momentum"]])
        opt.step()
        sched.step()
    curves[name] = np.array(rows)

fig, axes = plt.subplots(1, len(curves), figsize=(12, 2.4), layout="constrained")
for ax, (name, c) in zip(axes, curves.items()):
    ax.plot(c[:, 0])
    ax.set(title=name, xlabel="update")
    if np.ptp(c[:, 1]) > 0:
        ax.twinx().plot(c[:, 1], "C1--")
axes[0].set_ylabel("lr (momentum dashed)")
plt.show()
"""

GROUPS_MD = """
## 3. AdamW: per-group scales, `betas[0]` and weight decay

Each group's learning rate is `schedule(k)` times its scale: a `scales=` list, or each group's
`lr_scale` key (timm's convention; `scale_key="adjust_learning_rate"` for Cerebras'). The
momentum schedule goes to `betas[0]` (`betas[1]` is left alone), the weight-decay schedule to
`weight_decay`. `current_values()` is a snapshot, valid before the first step.
"""

GROUPS = """
model = new_model()
backbone, head = model[0], model[2]
opt = torch.optim.AdamW([
    {"params": backbone.parameters(), "lr_scale": 0.1},
    {"params": head.parameters()},                     # no key: scale 1
], lr=1e-3, betas=(0.9, 0.999))
lr = jaxsched.warmup_cosine_decay_schedule(0.0, 3e-3, 20, STEPS, end_value=3e-5)
sched = Scheduler(opt, lr, momentum=jaxsched.cosine_decay(0.95, STEPS, 0.85),
                  weight_decay=jaxsched.cosine_decay(1e-2, STEPS, 1e-3))
print("before training:", sched.current_values())
lr_adamw, beta1 = train(model, opt, sched)
print("after training: ", [{k: f"{v:.3g}" for k, v in g.items()} for g in sched.current_values()])
print("betas of group 1:", opt.param_groups[1]["betas"], "| test accuracy", f"{accuracy(model):.3f}")
np.testing.assert_allclose(lr_adamw, 0.1 * lr.evaluate(np.arange(STEPS), np), rtol=1e-12)
"""

RESUME_MD = """
## 4. Resume from a checkpoint

`state_dict()` is plain data (it loads with `torch.load(weights_only=True)`); a freshly built
scheduler that loads it continues exactly where the first one stopped, whatever the order of
`optimizer.load_state_dict` and `scheduler.load_state_dict`.
"""

RESUME = """
def setup():
    model = new_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = Scheduler(opt, jaxsched.one_cycle(0.2, STEPS),
                      momentum=jaxsched.one_cycle_momentum(total_steps=STEPS))
    return model, opt, sched


# uninterrupted
model_a, opt_a, sched_a = setup()
lr_a, _ = train(model_a, opt_a, sched_a)

# two epochs, checkpoint, fresh objects, two more epochs
model_b, opt_b, sched_b = setup()
lr_b1, _ = train(model_b, opt_b, sched_b, epochs=2)
buffer = io.BytesIO()
torch.save({"model": model_b.state_dict(), "opt": opt_b.state_dict(), "sched": sched_b.state_dict()},
           buffer)
buffer.seek(0)
checkpoint = torch.load(buffer, weights_only=True)
print("scheduler state:", checkpoint["sched"])

model_c, opt_c, sched_c = setup()
model_c.load_state_dict(checkpoint["model"])
sched_c.load_state_dict(checkpoint["sched"])       # before the optimizer's state: fine too
opt_c.load_state_dict(checkpoint["opt"])
lr_c2, _ = train(model_c, opt_c, sched_c, epochs=2, first_epoch=2)

same_lr = np.array_equal(lr_a, np.concatenate([lr_b1, lr_c2]))
same_params = all(torch.equal(p, q) for p, q in zip(model_a.parameters(), model_c.parameters()))
print(f"resumed run: identical learning rates {same_lr}, bit-identical parameters {same_params}")
assert same_lr and same_params
"""

PARITY_MD = """
## 5. torch's own schedulers, step by step

Each torch scheduler runs on its own optimizer; its jaxsched config (torch's name and
parameters) runs through the bridge on another. The table is the largest difference of the
learning rate over the steps (and of the momentum where the scheduler cycles it).
"""

PARITY = """
N = 300
lrs = torch.optim.lr_scheduler
cases = {
    "StepLR": (lambda o: lrs.StepLR(o, step_size=70, gamma=0.5), {"step_size": 70, "gamma": 0.5}),
    "MultiStepLR": (lambda o: lrs.MultiStepLR(o, [50, 120, 120], gamma=0.3),
                    {"milestones": [50, 120, 120], "gamma": 0.3}),
    "ExponentialLR": (lambda o: lrs.ExponentialLR(o, gamma=0.99), {"gamma": 0.99}),
    "CosineAnnealingLR": (lambda o: lrs.CosineAnnealingLR(o, T_max=100, eta_min=0.01),
                          {"T_max": 100, "eta_min": 0.01}),
    "CosineAnnealingWarmRestarts": (lambda o: lrs.CosineAnnealingWarmRestarts(o, T_0=20, T_mult=2),
                                    {"T_0": 20, "T_mult": 2}),
    "PolynomialLR": (lambda o: lrs.PolynomialLR(o, total_iters=200, power=2.0),
                     {"total_iters": 200, "power": 2.0}),
    "CyclicLR": (lambda o: lrs.CyclicLR(o, 0.01, 0.1, step_size_up=40, mode="triangular2"),
                 {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 40, "mode": "triangular2"}),
    "OneCycleLR": (lambda o: lrs.OneCycleLR(o, max_lr=0.3, total_steps=N, anneal_strategy="linear"),
                   {"max_lr": 0.3, "total_steps": N, "anneal_strategy": "linear"}),
}


def run(opt, sched):
    out = []
    for _ in range(N):
        out.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
        opt.step()
        sched.step()
    return np.array(out)


print(f"{'torch scheduler':>28} | max |lr diff| | max |momentum diff|")
for name, (make_torch, params) in cases.items():
    opt_t = fresh_sgd()
    ref = run(opt_t, make_torch(opt_t))
    opt_j = fresh_sgd()
    ours = run(opt_j, Scheduler.from_config(opt_j, {"type": f"torch.{name}", "params": params}))
    diff = np.abs(ref - ours).max(axis=0)
    print(f"{name:>28} | {diff[0]:13.1e} | {diff[1]:19.1e}")
    assert diff.max() < 1e-12, name
"""

PLOT = """
fig, axes = plt.subplots(1, 2, figsize=(9, 2.6), layout="constrained")
k = np.arange(len(lr_js))
axes[0].plot(k, lr_t, "k-", lw=3, alpha=0.3, label="torch OneCycleLR")
axes[0].plot(k, lr_js, "C0--", label="jaxsched one_cycle")
axes[0].set(title="learning rate applied", xlabel="update")
axes[1].plot(k, mom_t, "k-", lw=3, alpha=0.3, label="torch")
axes[1].plot(k, mom_js, "C1--", label="jaxsched one_cycle_momentum")
axes[1].set(title="momentum applied", xlabel="update")
for ax in axes:
    ax.legend()
plt.show()
"""


def cells():
    return [("md", INTRO), ("code", SETUP), ("md", ONECYCLE_MD), ("code", ONECYCLE), ("code", PLOT),
            ("md", CONFIG_MD), ("code", CONFIG), ("md", GROUPS_MD), ("code", GROUPS),
            ("md", RESUME_MD), ("code", RESUME), ("md", PARITY_MD), ("code", PARITY)]
