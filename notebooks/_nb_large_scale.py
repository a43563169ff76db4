"""Source of large_scale.ipynb: a batch-size ramp, a WSD in tokens, a run extended mid-way."""

from __future__ import annotations

INTRO = """
# Large-scale training in miniature: a batch ramp, a WSD in tokens, a run extended halfway

Large runs are planned in tokens, ramp their batch size, and change their plan on the way. This
notebook does all three with the digits MLP of `jaxsched demo` (64 -> 128 -> 10, scikit-learn's
bundled digits: no download), small enough to run in seconds:

- each 8x8 image counts as a sequence of **64 tokens** (the pixels stand in for a sequence
  length);
- the **batch size ramps** from 16 to 128 images over the first 120 updates, in multiples of
  16 (`jaxsched.batch_size_ramp`);
- the **learning rate is a warmup-stable-decay written in tokens** (warm up over 64,000
  tokens, decay over the last 20% of 1.28M tokens), driven by the tokens the optimizer actually
  consumed: `scheduled_optimizer(..., progress="tokens")` counts them in its state and
  `opt.update(..., tokens=n)` adds each batch's;
- halfway (at the first update boundary past 640,000 tokens) the run is **extended to 1.92M
  tokens** with `jaxsched.replan`:
  the stable phase lengthens, the cooldown keeps its length in tokens and moves to the new end.

The notebook checks its claims in its cells: the learning rate each update applied is the
schedule at the tokens consumed before it, the batch sizes follow the ramp, and the extended run
is the old one up to the change.
"""

SETUP = """
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

import jaxsched
from jaxsched.cli.demo.data import load_digits
from jaxsched.cli.demo.model_jax import apply, evaluate, init_mlp

plt.rcParams.update({"figure.dpi": 60, "font.size": 8, "legend.fontsize": 7})

x_train, y_train, x_test, y_test = load_digits(seed=0)
SEQ_LEN = 64                          # tokens per sample: the 64 pixels of an image
MAX_BATCH = 128
TOTAL = 1_280_000                     # the plan: 1.28M tokens = 20,000 images
EXTENDED = 1_920_000                  # the extension decided halfway: 1.92M tokens
SWITCH = 640_000                      # ... after 640,000 tokens

# the data stream: a fresh shuffle every epoch; sample s of the run is stream[s]
rng = np.random.default_rng(0)
epochs = -(-EXTENDED // SEQ_LEN // len(x_train)) + 1
stream = np.concatenate([rng.permutation(len(x_train)) for _ in range(epochs)])
print(f"{len(x_train)} training images, {len(x_test)} test images, "
      f"{EXTENDED // SEQ_LEN:,} images ({len(stream) / len(x_train):.0f} epochs of shuffles) at most")
"""

SCHEDULES_MD = """
## The batch ramp and the plan in tokens

`batch_size_ramp(16, 128, 120, multiple=16)` is an integer schedule of the update count:
16 * floor((16 + 112 k / 120) / 16) until update 120, 128 from then on. It is a table, so the
samples consumed by updates `0..k-1` are known exactly (`samples_at`, and its inverse
`step_at`). The learning rate is written in tokens and knows nothing of the ramp.
"""

SCHEDULES = """
ramp = jaxsched.batch_size_ramp(16, MAX_BATCH, 120, multiple=16)
wsd = jaxsched.warmup_stable_decay(2e-3, TOTAL, 64_000, decay_fraction=0.2, end_value=2e-5)

def updates_for(tokens):
    # updates needed to consume `tokens` (the last batch may run past it)
    return int(ramp.step_at(tokens // SEQ_LEN - 1, np)) + 1

STEPS, STEPS_EXTENDED, K = updates_for(TOTAL), updates_for(EXTENDED), updates_for(SWITCH)
print(f"the plan: {STEPS} updates; extended: {STEPS_EXTENDED} updates; the plan changes after "
      f"{K} updates ({int(ramp.samples_at(K, np)) * SEQ_LEN:,} tokens consumed)")
print("batch sizes of updates 0, 10, ..., 130:", ramp.evaluate(np.arange(0, 131, 10), np).astype(int))
"""

TRAIN_MD = """
## Training: the optimizer counts the tokens

`scheduled_optimizer(optax.adamw, learning_rate=wsd, progress="tokens")` is
`optax.inject_hyperparams` plus a token counter in its state; update `k` uses
`wsd(n_0 + ... + n_{k-1})` (Megatron-LM's `step(increment)` rule). The batch's tokens `n` are a
jit argument, and the batch is padded to 128 rows with a mask: **one compile** for every batch
size of the ramp. `current_hyperparams` reads the learning rate each update applied and
`current_progress` the exact count.

The batch size here comes from the ramp; a run whose batches are only known as it goes (packed
sequences, skipped batches) feeds the same `tokens=n`.
"""

TRAIN = """
def masked_loss(params, x, y, n):
    # mean cross-entropy over the first n rows of the padded batch
    per_row = optax.softmax_cross_entropy_with_integer_labels(apply(params, x), y)
    mask = jnp.arange(x.shape[0]) < n
    return jnp.sum(jnp.where(mask, per_row, 0.0)) / n


STEP = {}  # one jitted step per optimizer


def step_for(opt):
    if opt not in STEP:
        @jax.jit
        def step(params, state, x, y, n):
            loss, grads = jax.value_and_grad(masked_loss)(params, x, y, n)
            updates, state = opt.update(grads, state, params, tokens=n * SEQ_LEN)
            lr = jaxsched.current_hyperparams(state)["learning_rate"]
            return optax.apply_updates(params, updates), state, loss, lr
        STEP[opt] = step
    return STEP[opt]


PARAMS0 = init_mlp(jax.random.PRNGKey(0))
BATCH = ramp.evaluate(np.arange(STEPS_EXTENDED), np).astype(int)  # the ramp's batch sizes


def train(opt, num_steps, start=0, params=None, state=None):
    # updates start .. num_steps-1; update k takes the next BATCH[k] images of the stream
    if params is None:
        params = PARAMS0
        state = jax.jit(opt.init)(params)
    step, consumed, out = step_for(opt), jaxsched.current_progress(state), []
    log = {"batch": [], "tokens_before": []}
    for k in range(start, num_steps):
        b = int(BATCH[k])
        idx = stream[consumed // SEQ_LEN:][:b]
        x = np.zeros((MAX_BATCH, 64), np.float32)
        y = np.zeros(MAX_BATCH, np.int32)
        x[:b], y[:b] = x_train[idx], y_train[idx]
        params, state, loss, lr = step(params, state, x, y, b)
        out.append((loss, lr))  # device values: read once at the end, not every update
        log["batch"].append(b)
        log["tokens_before"].append(consumed)
        consumed += b * SEQ_LEN
    log = {key: np.array(val) for key, val in log.items()}
    log["loss"], log["lr"] = (np.array(v) for v in zip(*jax.device_get(out))) if out else ([], [])
    return params, state, log


opt = jaxsched.scheduled_optimizer(optax.adamw, learning_rate=wsd, progress="tokens",
                                   weight_decay=1e-4)
params, state, log = train(opt, STEPS)
print(f"{STEPS} updates, {jaxsched.current_progress(state):,} tokens consumed, "
      f"test accuracy {float(evaluate(params, x_test, y_test)[1]):.3f}")
"""

CHECK_MD = """
### Checking the claims

1. The batch sizes follow the ramp: the ones used equal the ramp's formula, written out here
   independently in integers.
2. The token count is exact: `current_progress` equals the sum of the batches' tokens.
3. The learning rate update `k` applied is the schedule at the tokens consumed before it
   (float32 on the device against float64 `evaluate` on the host), and equals
   `by_tokens(wsd, ramp, 64)`: the same schedule run on the update count from the batch table,
   with no counter (for a batch size known in advance).
"""

CHECK = """
k = np.arange(STEPS)
hand = 16 * ((16 * 120 + 112 * np.minimum(k, 120)) // (16 * 120))  # 16 floor((16 + 112 k/120) / 16)
assert np.array_equal(log["batch"], hand)
assert np.array_equal(log["batch"], ramp.evaluate(k, np).astype(int))
assert set(log["batch"]) == set(range(16, 129, 16)) and np.all(np.diff(log["batch"]) >= 0)

tokens_before = SEQ_LEN * np.concatenate([[0], np.cumsum(log["batch"])[:-1]])
assert np.array_equal(log["tokens_before"], tokens_before)
assert jaxsched.current_progress(state) == SEQ_LEN * int(np.sum(log["batch"])) >= TOTAL

np.testing.assert_allclose(log["lr"], wsd.evaluate(tokens_before, np), rtol=1e-6)
by_tokens = jaxsched.by_tokens(wsd, ramp, SEQ_LEN)
np.testing.assert_allclose(log["lr"], by_tokens.evaluate(k, np), rtol=1e-6)
assert np.array_equal(ramp.samples_at(k, np) * SEQ_LEN, tokens_before)
print("batch sizes, token count and applied learning rates check out; last lr "
      f"{log['lr'][-1]:.2e} at {tokens_before[-1]:,} tokens")
"""

REPLAN_MD = """
## Extending the run halfway

After the update that takes the run past 640,000 tokens (`K` updates, `P = 644,096` tokens
consumed) the run is extended to 1.92M tokens. `replan(wsd, at=P, total_steps=N)`, with `P` the
tokens consumed when the plan changes and `N` the new end (both in the schedule's unit,
tokens), equals `wsd` for every count up to `P` and lengthens the stable phase: the
cooldown keeps its length (256,000 tokens) and now ends at 1.92M. In a real run one restores
the checkpoint taken at that point into an optimizer built with the new plan; here the
checkpoint is the state after update `K - 1` of a run of the old plan.
"""

REPLAN = """
P = int(ramp.samples_at(K, np)) * SEQ_LEN       # tokens consumed by updates 0 .. K-1
longer = jaxsched.replan(wsd, at=P, total_steps=EXTENDED)
opt_longer = jaxsched.scheduled_optimizer(optax.adamw, learning_rate=longer, progress="tokens",
                                          weight_decay=1e-4)

# the checkpoint: the old plan's run after K updates, then resumed under the new plan
ckpt_params, ckpt_state, ckpt_log = train(opt, K)
resumed_params, resumed_state, resumed_log = train(opt_longer, STEPS_EXTENDED, start=K,
                                                   params=ckpt_params, state=ckpt_state)
# the same extended plan from the start, for comparison
ext_params, ext_state, ext_log = train(opt_longer, STEPS_EXTENDED)
print(f"extended run: {STEPS_EXTENDED} updates, {jaxsched.current_progress(ext_state):,} tokens, "
      f"test accuracy {float(evaluate(ext_params, x_test, y_test)[1]):.3f}")
"""

REPLAN_CHECK_MD = """
The new plan is the old one up to the change (values, for every token count up to `P`), the
run under it is the old run up to the change (the same learning rates, bit-identical parameters
after `K` updates), resuming the old run's checkpoint under the new plan gives the extended run
exactly, and the learning rate goes on without a jump.
"""

REPLAN_CHECK = """
t = np.arange(0, P + 1, 64)
assert np.array_equal(longer.evaluate(t, np), wsd.evaluate(t, np))
assert np.array_equal(ext_log["lr"][:K], log["lr"][:K])
assert np.array_equal(ext_log["batch"][:K], log["batch"][:K])
ext_prefix_params, _, _ = train(opt_longer, K)
assert all(np.array_equal(ext_prefix_params[n], ckpt_params[n]) for n in ckpt_params)

assert np.array_equal(resumed_log["lr"], ext_log["lr"][K:])
assert all(np.array_equal(resumed_params[n], ext_params[n]) for n in ext_params)
assert jaxsched.current_progress(resumed_state) == jaxsched.current_progress(ext_state)

ext_tokens = SEQ_LEN * np.concatenate([[0], np.cumsum(ext_log["batch"])[:-1]])
np.testing.assert_allclose(ext_log["lr"], longer.evaluate(ext_tokens, np), rtol=1e-6)
decay_old = wsd.evaluate(np.array([TOTAL - 256_000, TOTAL]), np)
decay_new = longer.evaluate(np.array([EXTENDED - 256_000, EXTENDED]), np)
np.testing.assert_allclose(decay_new, decay_old, rtol=1e-12)
assert ext_log["lr"][K - 1] == ext_log["lr"][K] == np.float32(2e-3)  # no jump: both in the stable phase
print(f"lr just before / after the change: {ext_log['lr'][K - 1]:.3e} / {ext_log['lr'][K]:.3e}; "
      f"the cooldown now runs from {EXTENDED - 256_000:,} to {EXTENDED:,} tokens")
"""

PLOT = """
fig, axes = plt.subplots(1, 3, figsize=(11, 2.8), layout="constrained")
grid = np.linspace(0, EXTENDED, 400)
axes[0].plot(grid, wsd.evaluate(grid, np), "C0", lw=1, label="plan: 1.28M tokens")
axes[0].plot(grid, longer.evaluate(grid, np), "C1--", lw=1, label="extended at 640k: 1.92M")
axes[0].plot(tokens_before, log["lr"], "C0.", ms=2, label="applied (plan)")
axes[0].plot(ext_tokens, ext_log["lr"], "C1.", ms=2, label="applied (extended)")
axes[0].axvline(P, color="0.6", lw=0.8)
axes[0].set(xlabel="tokens consumed", ylabel="learning rate", title="WSD in tokens")
axes[0].legend()
axes[1].step(ext_tokens, ext_log["batch"], where="post")
axes[1].set(xlabel="tokens consumed", ylabel="images per update", title="batch-size ramp")
smooth = np.ones(9) / 9
axes[2].plot(tokens_before[8:], np.convolve(log["loss"], smooth, mode="valid"), label="plan")
axes[2].plot(ext_tokens[8:], np.convolve(ext_log["loss"], smooth, mode="valid"), "--",
             label="extended")
axes[2].set(xlabel="tokens consumed", yscale="log", title="training loss (9-update mean)")
axes[2].legend()
plt.show()
"""


def cells():
    return [("md", INTRO), ("code", SETUP), ("md", SCHEDULES_MD), ("code", SCHEDULES),
            ("md", TRAIN_MD), ("code", TRAIN), ("md", CHECK_MD), ("code", CHECK),
            ("md", REPLAN_MD), ("code", REPLAN), ("md", REPLAN_CHECK_MD), ("code", REPLAN_CHECK),
            ("code", PLOT)]
