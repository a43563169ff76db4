"""Source of optax_onecycle.ipynb: optax training under one-cycle lr and momentum."""

from __future__ import annotations

INTRO = """
# One-cycle learning rate *and* momentum with optax

A small MLP (64 -> 128 -> 10, the one of `jaxsched demo`) trained on scikit-learn's digits (no
download) with SGD + Nesterov momentum under torch's one-cycle policy: the learning rate rises
to its peak and anneals far below its start while the momentum moves the other way
(0.95 -> 0.85 -> 0.95).

- `jaxsched.scheduled_optimizer` is `optax.inject_hyperparams`: any numeric hyperparameter may
  be a schedule, and `momentum=` is mapped to the optimizer's own name (`momentum` for
  `optax.sgd`, `b1` for the Adam family).
- Update `k` uses `schedule(k)`; `jaxsched.current_hyperparams(opt_state)` reads the values the
  last update used, from any (nested) optax state, inside or outside `jit`.
"""

SETUP = """
import jax
import matplotlib.pyplot as plt
import numpy as np
import optax

import jaxsched
from jaxsched.cli.demo.data import batches, load_digits, steps_per_epoch
from jaxsched.cli.demo.model_jax import evaluate, init_mlp, loss_fn

plt.rcParams.update({"figure.dpi": 60, "font.size": 8, "legend.fontsize": 7})

x_train, y_train, x_test, y_test = load_digits(seed=0)
BATCH, EPOCHS = 64, 6
STEPS = EPOCHS * steps_per_epoch(len(x_train), BATCH)
print(f"{len(x_train)} training images, {len(x_test)} test images, {STEPS} optimizer updates")
"""

SCHEDULES_MD = """
## The schedules and the optimizer

`one_cycle` and `one_cycle_momentum` take torch's `OneCycleLR` parameters (`max_lr`,
`total_steps` or `epochs` x `steps_per_epoch`, `pct_start`, `div_factor`, ...); the momentum is
a separate schedule, so any momentum curve can go with any learning-rate curve.
"""

SCHEDULES = """
lr = jaxsched.one_cycle(max_value=0.2, epochs=EPOCHS, steps_per_epoch=STEPS // EPOCHS)
momentum = jaxsched.one_cycle_momentum(base_momentum=0.85, max_momentum=0.95, total_steps=STEPS)
opt = jaxsched.scheduled_optimizer(optax.sgd, learning_rate=lr, momentum=momentum, nesterov=True)

fig = jaxsched.plot({"one-cycle": (lr, momentum)}, STEPS, figsize=(6, 2.6), dpi=60,
                    title="update k uses schedule(k)")
plt.show()

# `momentum=` becomes `b1` for Adam-type optimizers (b2 is never touched):
adamw = jaxsched.scheduled_optimizer(optax.adamw, learning_rate=lr, momentum=momentum,
                                     weight_decay=1e-4)
state0 = adamw.init(init_mlp(jax.random.PRNGKey(0)))
{name: f"{float(v):.4g}" for name, v in jaxsched.current_hyperparams(state0).items()}
"""

TRAIN_MD = """
## Training, logging the applied hyperparameters

`current_hyperparams` is jit-able: the train step returns the values the update used, next to
the loss. The same loop trains a constant-learning-rate baseline (0.05, momentum 0.9).
"""

TRAIN = """
def make_step(opt):
    @jax.jit
    def step(params, state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss, jaxsched.current_hyperparams(state)
    return step


def train(opt, seed=0):
    params = init_mlp(jax.random.PRNGKey(seed))
    state, step = opt.init(params), make_step(opt)
    log = {"loss": [], "learning_rate": [], "momentum": [], "test_acc": []}
    for epoch in range(EPOCHS):
        for x, y in batches(x_train, y_train, BATCH, seed=seed, epoch=epoch):
            params, state, loss, hp = step(params, state, x, y)
            log["loss"].append(float(loss))
            log["learning_rate"].append(float(hp["learning_rate"]))
            log["momentum"].append(float(hp["momentum"]))
        log["test_acc"].append(float(evaluate(params, x_test, y_test)[1]))
    return {k: np.array(v) for k, v in log.items()}


runs = {
    "one-cycle": train(opt),
    "constant 0.05": train(jaxsched.scheduled_optimizer(optax.sgd, learning_rate=0.05, momentum=0.9,
                                                        nesterov=True)),
}
for name, log in runs.items():
    print(f"{name:>14}: final train loss {log['loss'][-22:].mean():.4f}, "
          f"test accuracy {log['test_acc'][-1]:.3f}")
"""

CHECK_MD = """
The values the optimizer applied are exactly the schedules' values (float32 on the device,
float64 `evaluate` on the host):
"""

CHECK = """
k = np.arange(STEPS)
applied = runs["one-cycle"]
np.testing.assert_allclose(applied["learning_rate"], lr.evaluate(k, np), rtol=1e-6)
np.testing.assert_allclose(applied["momentum"], momentum.evaluate(k, np), rtol=1e-6)
print("peak lr at update", int(applied["learning_rate"].argmax()), "| lowest momentum at update",
      int(applied["momentum"].argmin()), "| last lr", f"{applied['learning_rate'][-1]:.2e}")
"""

PLOT = """
fig, axes = plt.subplots(1, 3, figsize=(11, 2.8), layout="constrained")
log = runs["one-cycle"]
axes[0].plot(k, log["learning_rate"], label="learning_rate (applied)")
axes[0].set(xlabel="update", ylabel="learning rate", title="current_hyperparams, per update")
twin = axes[0].twinx()
twin.plot(k, log["momentum"], "C1--", label="momentum (applied)")
twin.set_ylabel("momentum")
smooth = np.ones(11) / 11
for name, log in runs.items():
    axes[1].plot(np.convolve(log["loss"], smooth, mode="valid"), label=name)
    axes[2].plot(np.arange(1, EPOCHS + 1), log["test_acc"], "o-", label=name)
axes[1].set(yscale="log", title="training loss (11-step mean)")
axes[2].set(title="test accuracy", xlabel="epoch")
axes[1].legend()
axes[2].legend()
plt.show()
"""


def cells():
    return [("md", INTRO), ("code", SETUP), ("md", SCHEDULES_MD), ("code", SCHEDULES),
            ("md", TRAIN_MD), ("code", TRAIN), ("md", CHECK_MD), ("code", CHECK), ("code", PLOT)]
