"""Source of lr_finder.ipynb: the learning-rate range test for JAX and for torch."""

from __future__ import annotations

INTRO = """
# Finding a learning rate: `jaxsched.lr_find` for JAX, `jaxsched.torch.lr_find` for torch

The range test trains for a few dozen updates while the learning rate grows geometrically from
`min_lr` to `max_lr` (the sweep is the jaxsched schedule `lr_range_test(..., mode="exponential")`
through `optax.inject_hyperparams`, so one compiled step serves every learning rate). It records
the loss of every update, smooths it, stops once the smoothed loss diverges, and suggests two
learning rates: where the loss falls fastest (steepest descent against `log lr`), and the
minimum's learning rate divided by ten. Your parameters and optimizer state are left as they
were.

1. a least-squares problem whose stable range is known: gradient descent diverges above `2 / L`;
2. the digits MLP of `jaxsched demo`, with your own jitted train step, then trained with the
   suggestion under one-cycle;
3. the same for a torch model with `jaxsched.torch.lr_find`.
"""

SETUP = """
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

import jaxsched
from jaxsched.cli.demo.data import batches, load_digits, steps_per_epoch
from jaxsched.cli.demo.model_jax import evaluate, init_mlp, make_train_step

plt.rcParams.update({"figure.dpi": 60, "font.size": 8, "legend.fontsize": 7})
"""

QUAD_MD = """
## 1. A problem with a known answer

Least squares `0.5 mean((X w - y)^2)` with a design `X` whose Hessian `X^T X / n` has largest
eigenvalue `L = 4`: plain gradient descent converges for learning rates below `2 / L = 0.5` and
diverges above. Both suggestions should lie below 0.5. (The loss keeps falling for a while
past `2 / L`: the unstable direction was already solved by then and regrows only by a factor
`|1 - lr L|` per update, while the sweep moves on. Hence the suggestions keep a distance from
the minimum.)
"""

QUAD = """
rng = np.random.default_rng(0)
n, d = 256, 8
q, _ = np.linalg.qr(rng.normal(size=(n, d)))
# X = sqrt(n) Q diag(sqrt(eigenvalues)): the eigenvalues of X^T X / n are 0.25 .. 4
X = jnp.asarray(q * np.sqrt(n) * np.sqrt(np.linspace(0.25, 4.0, d)), jnp.float32)
y = X @ jnp.asarray(rng.normal(size=d), jnp.float32)
L = float(np.linalg.eigvalsh(np.asarray(X.T @ X) / n).max())


def lsq(w, batch):
    xb, yb = batch
    return 0.5 * jnp.mean((xb @ w - yb) ** 2)


w0 = jnp.zeros(d)
# full-batch gradients carry no noise, so little smoothing is needed (default 0.98)
quad = jaxsched.lr_find(lsq, w0, [(X, y)], optimizer=optax.sgd, min_lr=1e-4, max_lr=10.0,
                        num_steps=120, smoothing=0.9)
print(f"L = {L:.3f}, divergence above 2/L = {2 / L:.3f}")
print(quad.summary())
print(f"sweep stopped at lr {quad.lrs[-1]:.3g} after {len(quad.lrs)} updates; w0 untouched:",
      bool(jnp.all(w0 == 0)))
assert quad.stopped_early and max(quad.suggestion_steepest, quad.suggestion_min_over_10) < 2 / L
"""

DIGITS_MD = """
## 2. The digits MLP, with your own train step

`train_step(params, opt_state, batch) -> (params, opt_state, loss)` built with an optimizer
whose learning rate is injected (`jaxsched.scheduled_optimizer` with a numeric learning rate);
the finder writes each swept learning rate into the state before the update.
"""

DIGITS = """
x_train, y_train, x_test, y_test = load_digits(seed=0)
BATCH = 64
train_batches = list(batches(x_train, y_train, BATCH, seed=0, epoch=0))

params = init_mlp(jax.random.PRNGKey(0))
opt = jaxsched.scheduled_optimizer(optax.sgd, learning_rate=0.0, momentum=0.9, nesterov=True)
step = make_train_step(opt)                    # step(params, state, x, y)
found = jaxsched.lr_find(params=params, opt_state=opt.init(params), batches=train_batches,
                         train_step=lambda p, s, batch: step(p, s, *batch),
                         min_lr=1e-4, max_lr=10.0, num_steps=100)
print(found.summary())
"""

USE_MD = """
Train with it: the minimum's learning rate divided by ten as the peak of a one-cycle schedule
(fastai's recipe), with the one-cycle momentum, for four epochs.
"""

USE = """
EPOCHS = 4
steps = EPOCHS * steps_per_epoch(len(x_train), BATCH)
peak = found.suggestion_min_over_10
opt = jaxsched.scheduled_optimizer(
    optax.sgd, learning_rate=jaxsched.one_cycle(peak, steps),
    momentum=jaxsched.one_cycle_momentum(total_steps=steps), nesterov=True)
step, state, p = make_train_step(opt), opt.init(params), params
for epoch in range(EPOCHS):
    for x, y in batches(x_train, y_train, BATCH, seed=0, epoch=epoch):
        p, state, loss = step(p, state, x, y)
print(f"one-cycle with peak {peak:.3g}: test accuracy {float(evaluate(p, x_test, y_test)[1]):.3f}")
"""

TORCH_MD = """
## 3. torch: `jaxsched.torch.lr_find`

The same sweep through `jaxsched.torch.Scheduler`; afterwards the model's parameters, its
gradients, and the optimizer's state and learning rates are restored bit for bit.
"""

TORCH = """
import torch
from torch import nn

import jaxsched.torch

torch.set_num_threads(1)          # a tiny model: one thread is the fastest
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
opt_t = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = [(torch.from_numpy(x), torch.from_numpy(y).long()) for x, y in train_batches]
before = {k: v.clone() for k, v in model.state_dict().items()}

found_t = jaxsched.torch.lr_find(model, opt_t, nn.functional.cross_entropy, loader,
                                 min_lr=1e-4, max_lr=10.0, num_steps=100)
print(found_t.summary())
print("model restored:", all(torch.equal(before[k], v) for k, v in model.state_dict().items()),
      "| optimizer lr restored:", opt_t.param_groups[0]["lr"])
"""

PLOT = """
fig, axes = plt.subplots(1, 3, figsize=(12, 3), layout="constrained")
for ax, result, title in [(axes[0], quad, "least squares (black: 2/L)"),
                          (axes[1], found, "digits MLP, JAX / optax"),
                          (axes[2], found_t, "digits MLP, torch")]:
    result.plot(ax=ax)
    ax.set_title(title)
axes[0].axvline(2 / L, color="k", lw=1)
plt.show()
"""


def cells():
    return [("md", INTRO), ("code", SETUP), ("md", QUAD_MD), ("code", QUAD), ("md", DIGITS_MD),
            ("code", DIGITS), ("md", USE_MD), ("code", USE), ("md", TORCH_MD), ("code", TORCH),
            ("code", PLOT)]
