"""Source of sweep_vmap.ipynb: hyperparameter sweeps with jax.vmap over schedule hyperparameters."""

from __future__ import annotations

INTRO = """
# Sweeping schedule hyperparameters with `jax.vmap`

A jaxsched schedule is a frozen dataclass registered as a JAX pytree, and every numeric
hyperparameter (peak value, warmup steps, decay steps, ...) is a leaf. So:

1. `jax.vmap` over a constructor builds **one schedule holding a whole grid** of
   configurations (each leaf gets a leading axis);
2. `jax.vmap` over that schedule evaluates every configuration in one call;
3. a schedule passed to a jitted function is an ordinary argument: a train step that takes
   the schedule (and vmaps over it) **compiles once and serves every sweep** of the same size.

Here: `warmup_cosine_decay_schedule` over a grid of peak learning rates, warmup lengths and
decay lengths, and 24 small MLPs trained on digits at once, one per configuration.
"""

SETUP = """
import itertools

import jax
import jax.numpy as jnp
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

PEAKS = [0.03, 0.1, 0.3, 1.0]
WARMUPS = [0, 13, 40]
DECAYS = [66, STEPS]          # decay_steps counts the warmup too (optax's convention)
grid = np.array(list(itertools.product(PEAKS, WARMUPS, DECAYS)))
peak = jnp.asarray(grid[:, 0], jnp.float32)
warmup, decay = jnp.asarray(grid[:, 1], jnp.int32), jnp.asarray(grid[:, 2], jnp.int32)
print(len(grid), "configurations,", STEPS, "updates each")
"""

BUILD_MD = """
## One schedule holding the whole grid

`jax.vmap` over the constructor returns a single schedule whose leaves carry the grid axis
(construction-time validation skips traced values; concrete ones are checked as usual).
"""

BUILD = """
def make(peak, warmup, decay):
    return jaxsched.warmup_cosine_decay_schedule(0.0, peak, warmup, decay, end_value=1e-3)


schedules = jax.vmap(make)(peak, warmup, decay)
print(type(schedules).__name__, "leaves:",
      sorted({leaf.shape for leaf in jax.tree_util.tree_leaves(schedules)}))

traces = {"curves": 0}


@jax.jit
def curves(schedules, steps):
    traces["curves"] += 1                       # runs only while tracing
    return jax.vmap(lambda s: jax.vmap(s)(steps))(schedules)


k = jnp.arange(STEPS)
values = curves(schedules, k)                   # (24, STEPS) in one call
# the same numbers as 24 schedules built one by one, evaluated on the host in float64
host = np.stack([make(*cfg).evaluate(np.arange(STEPS), np) for cfg in grid.tolist()])
print("shape", values.shape, "| max |jax float32 - host float64|:",
      f"{np.abs(np.asarray(values) - host).max():.1e}")

# another grid of the same size: no new trace, no new compile
values_2 = curves(jax.vmap(make)(peak / 3, warmup, decay), k)
print("traces of `curves`:", traces["curves"])
assert traces["curves"] == 1
"""

OPTAX_MD = """
optax builds the same schedule with Python `if`s on its arguments, so it cannot be traced
over them (one build and one compile per configuration instead):
"""

OPTAX = """
for name, fn in {
    "peak_value": lambda p: optax.warmup_cosine_decay_schedule(0.0, p, 13, STEPS)(5),
    "warmup_steps": lambda w: optax.warmup_cosine_decay_schedule(0.0, 0.1, w, STEPS)(5),
}.items():
    try:
        jax.vmap(fn)(peak if name == "peak_value" else warmup)
        print(f"optax, vmap over {name}: works")
    except Exception as err:  # noqa: BLE001 - shown, not hidden
        print(f"optax, vmap over {name}: {type(err).__name__}")
print("jaxsched, vmap over all three:", values.shape)
"""

PLOT_CURVES = """
fig, axes = plt.subplots(1, len(DECAYS), figsize=(9, 2.6), layout="constrained", sharey=True)
for ax, d in zip(axes, DECAYS):
    for i, (p, w, dd) in enumerate(grid):
        if dd == d:
            ax.plot(np.asarray(values[i]), color=f"C{PEAKS.index(p)}", alpha=0.5 + w / 80,
                    label=f"peak {p:g}" if w == 0 else None)
    ax.set(yscale="log", title=f"decay_steps = {d}", xlabel="update")
axes[0].legend()
axes[0].set_ylabel("learning rate (curves of one call)")
plt.show()
"""

TRAIN_MD = """
## 24 models trained at once

The optimizer is rebuilt inside the step from the schedule it receives
(`optax.inject_hyperparams`, as `jaxsched.scheduled_optimizer` does), and `jax.vmap` maps the
step over the schedules, the parameters and the optimizer states together. Every model sees
the same batches and starts from the same weights; only the schedule differs.
"""

TRAIN = """
def optimizer(schedule):
    return optax.inject_hyperparams(optax.sgd)(learning_rate=schedule, momentum=0.9, nesterov=True)


traces["train_step"] = 0


@jax.jit
def init(schedules, params):
    params = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (len(grid),) + a.shape), params)
    return params, jax.vmap(lambda s, p: optimizer(s).init(p))(schedules, params)


@jax.jit
def train_step(schedules, params, states, x, y):
    traces["train_step"] += 1
    def one(schedule, params, state):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, state = optimizer(schedule).update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss
    return jax.vmap(one)(schedules, params, states)


def sweep(schedules):
    params, states = init(schedules, init_mlp(jax.random.PRNGKey(0)))
    losses = []
    for epoch in range(EPOCHS):
        for x, y in batches(x_train, y_train, BATCH, seed=0, epoch=epoch):
            params, states, loss = train_step(schedules, params, states, x, y)
            losses.append(loss)
    accuracy = jax.vmap(lambda p: evaluate(p, x_test, y_test)[1])(params)
    lr_used = jaxsched.current_hyperparams(states)["learning_rate"]   # last update, per model
    return np.stack(losses, axis=1), np.asarray(accuracy), np.asarray(lr_used)


losses, accuracy, lr_last = sweep(schedules)
np.testing.assert_allclose(lr_last, host[:, -1], rtol=1e-5)   # update STEPS-1 used schedule(STEPS-1)
best = int(accuracy.argmax())
print(f"best: peak {grid[best, 0]:g}, warmup {grid[best, 1]:g}, decay_steps {grid[best, 2]:g} -> "
      f"test accuracy {accuracy[best]:.3f} (worst {accuracy.min():.3f})")
"""

REFINE_MD = """
A second sweep, refined around the best peak, reuses the compiled step: same shapes, new
values, no retrace.
"""

REFINE = """
refined_peaks = grid[best, 0] * np.array([0.5, 0.7, 1.4, 2.0])
refined = jax.vmap(make)(jnp.asarray(np.repeat(refined_peaks, len(WARMUPS) * len(DECAYS)), jnp.float32),
                         warmup, decay)
losses_2, accuracy_2, _ = sweep(refined)
print("refined peaks", refined_peaks, "-> best test accuracy", f"{accuracy_2.max():.3f}")
print("traces of train_step after two sweeps of 24 models:", traces["train_step"])
assert traces["train_step"] == 1
"""

PLOT_RESULTS = """
fig, axes = plt.subplots(1, 3, figsize=(11, 2.8), layout="constrained")
acc = accuracy.reshape(len(PEAKS), len(WARMUPS), len(DECAYS))
for j, (ax, d) in enumerate(zip(axes[:2], DECAYS)):
    im = ax.imshow(acc[:, :, j], vmin=accuracy.min(), vmax=accuracy.max(), cmap="viridis")
    ax.set_xticks(range(len(WARMUPS)), WARMUPS)
    ax.set_yticks(range(len(PEAKS)), PEAKS)
    ax.set(xlabel="warmup_steps", ylabel="peak lr", title=f"test accuracy, decay {d}")
    for (r, c), a in np.ndenumerate(acc[:, :, j]):
        ax.text(c, r, f"{a:.3f}", ha="center", va="center", color="w", fontsize=7)
smooth = np.ones(11) / 11
for p in PEAKS:
    i = int(np.flatnonzero((grid[:, 0] == p) & (grid[:, 1] == 13) & (grid[:, 2] == STEPS))[0])
    axes[2].plot(np.convolve(losses[i], smooth, mode="valid"), label=f"peak {p:g}")
axes[2].set(yscale="log", title="training loss (warmup 13, full decay)", xlabel="update")
axes[2].legend()
plt.show()
"""


def cells():
    return [("md", INTRO), ("code", SETUP), ("md", BUILD_MD), ("code", BUILD), ("code", PLOT_CURVES),
            ("md", OPTAX_MD), ("code", OPTAX), ("md", TRAIN_MD), ("code", TRAIN),
            ("md", REFINE_MD), ("code", REFINE), ("code", PLOT_RESULTS)]
