"""Source of gallery.ipynb: every native schedule family, plotted, with formula and peers."""

from __future__ import annotations

from _build import doc_markdown

import jaxsched

INTRO = """
# jaxsched gallery: every schedule, its formula, its peers' names

Every native constructor of `jaxsched`, grouped by family. For each family: the curves (values
of update `k` = `schedule(k)`, evaluated on the host in float64 with `schedule.evaluate(k, np)`),
then each constructor's formula and its equivalents in optax, PyTorch, DeepSpeed, HuggingFace,
timm, Keras and Cerebras. The formulas and the peers' names are taken from the constructors'
docstrings when this notebook is built (`python notebooks/_build.py gallery`), so they are the
ones `help(jaxsched.NAME)` shows.

Every schedule here is a pytree, jit-able, and serialisable with `to_config()` (except
`lambda_schedule`); the peers' own names load through `jaxsched.from_config` (last section).
"""

SETUP = r'''
import matplotlib.pyplot as plt
import numpy as np

import jaxsched

plt.rcParams.update({"figure.dpi": 60, "font.size": 8, "axes.titlesize": 9,
                     "legend.fontsize": 7, "lines.linewidth": 1.4})


def show(panels, steps=1000, ncols=3, logy=()):
    """A grid of `jaxsched.plot` panels: {title: {label: schedule}} or (that, steps).

    A value `(lr_schedule, momentum_schedule)` draws the momentum dashed, on a right axis;
    dotted vertical lines mark phase boundaries.
    """
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 2.5 * nrows), squeeze=False,
                             layout="constrained")
    for ax, (title, curves) in zip(axes.flat, panels.items()):
        curves, n = curves if isinstance(curves, tuple) else (curves, steps)
        jaxsched.plot(curves, n, ax=ax, title=title, log=title in logy)
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    plt.show()
'''

# (title, intro, constructors documented, plotting code)
FAMILIES = [
    ("Constant, linear, polynomial",
     "Transitions from `init_value` to `end_value`, held at both ends.",
     ["constant_schedule", "linear_schedule", "polynomial_schedule", "polynomial_decay",
      "polynomial_k_decay"],
     '''
show({
    "constant_schedule": {"0.1": jaxsched.constant_schedule(0.1)},
    "linear_schedule (begin=200)": {"0.1 -> 0.01": jaxsched.linear_schedule(0.1, 0.01, 600, 200)},
    "polynomial_schedule": {f"power={p}": jaxsched.polynomial_schedule(0.1, 0.0, p, 800)
                            for p in (0.5, 1, 2, 3)},
    "polynomial_decay (Keras)": {
        "cycle=False": jaxsched.polynomial_decay(0.1, 300, 0.01, power=2),
        "cycle=True": jaxsched.polynomial_decay(0.1, 300, 0.01, power=2, cycle=True)},
    "polynomial_k_decay (timm)": {f"k_decay={k}": jaxsched.polynomial_k_decay(0.1, 800, k_decay=k)
                                  for k in (0.5, 1, 2, 4)},
})
'''),
    ("Step decays",
     "Values that change *at* a step boundary: the new value applies to that update.",
     ["step_decay", "multistep_decay", "multiplicative_decay", "piecewise_constant_schedule",
      "piecewise_constant", "piecewise_constant_values"],
     '''
show({
    "step_decay": {"every 250, x0.5": jaxsched.step_decay(0.1, 250, 0.5)},
    "multistep_decay": {"[300, 600, 600]": jaxsched.multistep_decay(0.1, [300, 600, 600], 0.5)},
    "multiplicative_decay": {"x0.997 per step": jaxsched.multiplicative_decay(0.1, 0.997)},
    "piecewise_constant_schedule (optax)": {
        "{200: 0.5, 700: 0.1}": jaxsched.piecewise_constant_schedule(0.1, {200: 0.5, 700: 0.1})},
    "piecewise_constant (arrays)": {
        "scales": jaxsched.piecewise_constant(0.1, [100, 400, 800], [2.0, 0.25, 0.5])},
    "piecewise_constant_values": {
        "values": jaxsched.piecewise_constant_values([300, 500], [0.1, 0.05, 0.08])},
})
'''),
    ("Exponential and inverse decays",
     "Smooth or staircase decays; `end_value` bounds an exponential.",
     ["exponential_decay", "inverse_time_decay", "inverse_sqrt_decay", "inverse_power_decay"],
     '''
show({
    "exponential_decay": {
        "continuous": jaxsched.exponential_decay(0.1, 200, 0.5),
        "staircase": jaxsched.exponential_decay(0.1, 200, 0.5, staircase=True),
        "begin=300, end_value=0.02": jaxsched.exponential_decay(0.1, 200, 0.5, 300, end_value=0.02)},
    "inverse_time_decay (Keras)": {
        "continuous": jaxsched.inverse_time_decay(0.1, 100, 1.0),
        "staircase": jaxsched.inverse_time_decay(0.1, 100, 1.0, staircase=True),
        "step_exponent=0.5": jaxsched.inverse_time_decay(0.1, 10, 1.0, step_exponent=0.5)},
    "inverse_sqrt_decay (HF, Cerebras)": {
        "warmup 100 (HF)": jaxsched.inverse_sqrt_decay(0.1, warmup_steps=100),
        "flat warmup (Cerebras)": jaxsched.inverse_sqrt_decay(0.1, 50, 100, warmup_init_value=0.1)},
    "inverse_power_decay (timm WSD's power)": {
        "p=0.5": jaxsched.inverse_power_decay(0.1, 100, 0.5),
        "p=1": jaxsched.inverse_power_decay(0.1, 100, 1.0)},
})
'''),
    ("Cosine and tanh",
     "Decays that hold their end value, and the periodic cosine for peers that are periodic.",
     ["cosine_decay", "cosine_decay_schedule", "cosine_annealing", "cosine_wave", "tanh_decay"],
     '''
show({
    "cosine_decay": {f"exponent={q}": jaxsched.cosine_decay(0.1, 800, 0.01, exponent=q)
                     for q in (0.5, 1, 2)},
    "cosine_decay_schedule (optax)": {"alpha=0.1": jaxsched.cosine_decay_schedule(0.1, 800, 0.1)},
    "cosine_annealing (periodic)": {"D=300": jaxsched.cosine_annealing(0.1, 300, 0.01)},
    "cosine_wave": {"2 cycles / 1000 steps": jaxsched.cosine_wave(0.1, 1000, num_cycles=2),
                    "phase_steps=125": jaxsched.cosine_wave(0.1, 1000, num_cycles=2, phase_steps=125)},
    "tanh_decay (timm)": {"default bounds": jaxsched.tanh_decay(0.1, 800, 0.01),
                          "lower=-3, upper=3": jaxsched.tanh_decay(0.1, 800, 0.01, -3.0, 3.0)},
})
'''),
    ("Piecewise interpolation",
     "Knots with accumulated scales, joined linearly or by half cosines; the graph does not grow "
     "with the number of knots.",
     ["piecewise_interpolate_schedule", "piecewise_interpolate"],
     '''
knots = {100: 10.0, 400: 0.5, 700: 0.1}
show({
    "piecewise_interpolate_schedule": {
        kind: jaxsched.piecewise_interpolate_schedule(kind, 0.01, knots) for kind in ("linear", "cosine")},
    "piecewise_interpolate (arrays)": {
        "cosine": jaxsched.piecewise_interpolate("cosine", 0.1, [200, 500, 900], [0.2, 3.0, 0.1])},
}, ncols=2)
'''),
    ("Warmups of every shape",
     "`warmup(schedule, W, init_value, shape=...)` puts a ramp in front of any schedule; "
     "`skip_zero=True` makes update 0 already move.",
     ["warmup", "warmup_constant_schedule", "warmup_cosine_decay_schedule",
      "warmup_exponential_decay_schedule"],
     '''
decay = jaxsched.cosine_decay(0.1, 800, 0.005)
show({
    "warmup(cosine_decay, 200, shape=...)": {
        shape: jaxsched.warmup(decay, 200, 0.001, shape=shape)
        for shape in ("linear", "cosine", "exponential", "log", "1-sqrt")},
    "skip_zero (first 12 steps)": ({
        "skip_zero=False": jaxsched.warmup(decay, 8, 0.0),
        "skip_zero=True": jaxsched.warmup(decay, 8, 0.0, skip_zero=True)}, 12),
    "optax warmups": {
        "warmup_constant": jaxsched.warmup_constant_schedule(0.0, 0.1, 200),
        "warmup_cosine_decay": jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 200, 1000, 0.01),
        "warmup_exponential_decay": jaxsched.warmup_exponential_decay_schedule(
            0.0, 0.1, 200, 200, 0.5, end_value=0.01)},
})
'''),
    ("Warmup-stable-decay (WSD)",
     "Ramp up, hold the peak, cool down over the last part of the run.",
     ["warmup_stable_decay", "wsd_cycles"],
     '''
show({
    "warmup_stable_decay: decay shapes": {
        shape: jaxsched.warmup_stable_decay(0.1, 1000, 100, decay_fraction=0.2, end_value=0.001,
                                            decay_shape=shape)
        for shape in ("linear", "cosine", "1-sqrt", "exponential", "polynomial")},
    "decay_start / warmup_shape": {
        "decay_start=600, cosine warmup": jaxsched.warmup_stable_decay(
            0.1, 1000, 200, decay_start=600, warmup_shape="cosine"),
        "decay_steps=100, 1-sqrt": jaxsched.warmup_stable_decay(
            0.1, 1000, 50, decay_steps=100, decay_shape="1-sqrt"),
        "cooldown from 0.05 (optimus-dl)": jaxsched.warmup_stable_decay(
            0.1, 1000, 50, decay_steps=200, decay_init_value=0.05)},
    "wsd_cycles (Levanter WSD-S)": {
        "3 cycles, rewarmup 10%": jaxsched.wsd_cycles(
            0.1, 1000, 3, warmup=0.1, rewarmup=0.1, decay=0.2, end_value=0.01),
        "ends [200, 500], no rewarmup": jaxsched.wsd_cycles(
            0.1, 1000, [200, 500], warmup=0.1, decay=0.1, end_value=0.01, decay_shape="linear")},
}, ncols=3)
'''),
    ("Hyperparameters beyond the learning rate",
     "EMA decay (timm's warmup), BYOL's target momentum, weight-decay increments (Megatron), a "
     "power law in tokens (Levanter's Power scheduler) and data-mixture weights, a vector per "
     "step (drawn stacked).",
     ["ema_warmup", "cosine_momentum", "weight_decay_increment", "power_law_decay",
      "mixture_weights"],
     '''
show({
    "ema_warmup (timm ModelEmaV3)": {
        "p=2/3": jaxsched.ema_warmup(0.999, 1.0, 2 / 3),
        "p=3/4, after 100": jaxsched.ema_warmup(0.999, 1.0, 0.75, update_after_step=100)},
    "cosine_momentum (BYOL)": {"b0=0.99": jaxsched.cosine_momentum(0.99, 800)},
    "weight_decay_increment (Megatron)": {
        style: jaxsched.weight_decay_increment(0.01, 0.1, 800, style) for style in ("linear", "cosine")},
    "power_law_decay (Power scheduler)": {
        "a=4.6, b=-0.51": jaxsched.power_law_decay(0.02, 4.6 * 8, -0.51, tokens_per_step=8 * 128)},
}, ncols=2, logy=("power_law_decay (Power scheduler)",))
mix = jaxsched.mixture_weights([[0, {"web": 0.7, "code": 0.2, "math": 0.1}],
                                [600, {"web": 0.4, "code": 0.3, "math": 0.3}]], interpolate=True)
k = np.arange(1000)
fig, ax = plt.subplots(figsize=(3.4, 2.5))
ax.stackplot(k, mix.evaluate(k, np).T, labels=mix.names)
ax.set_title("mixture_weights (interpolated)")
ax.set_xlabel("step")
ax.legend(loc="lower left")
plt.show()
'''),
    ("Cyclic",
     "Triangles between a base and a maximum, periodic on purpose; the momentum cycles against "
     "the learning rate (dashed, right axis).",
     ["cyclic_schedule", "cyclic_momentum", "exponential_cyclic_schedule"],
     '''
show({
    "cyclic_schedule: modes": {
        mode: jaxsched.cyclic_schedule(0.01, 0.1, 100, mode=mode, gamma=0.998)
        for mode in ("triangular", "triangular2", "exp_range")},
    "step_size_down, with cyclic_momentum": {
        "up 50, down 150": (jaxsched.cyclic_schedule(0.01, 0.1, 50, 150),
                            jaxsched.cyclic_momentum(0.8, 0.9, 50, 150))},
    "exponential_cyclic_schedule (TF-Addons)": {
        "gamma=0.997": jaxsched.exponential_cyclic_schedule(0.01, 0.1, 100, gamma=0.997)},
})
'''),
    ("One-cycle, with momentum",
     "torch's one-cycle (2 or 3 phases, cos or linear), DeepSpeed's one-cycle with stairs and "
     "post-cycle decay, and optax's two one-cycles. Momentum dashed, on the right axis.",
     ["one_cycle", "one_cycle_momentum", "one_cycle_with_decay", "one_cycle_with_decay_momentum",
      "linear_onecycle_schedule", "cosine_onecycle_schedule"],
     '''
show({
    "one_cycle + one_cycle_momentum (torch)": {
        "cos": (jaxsched.one_cycle(0.1, 1000), jaxsched.one_cycle_momentum(total_steps=1000)),
        "linear, three_phase": (
            jaxsched.one_cycle(0.1, 1000, anneal_strategy="linear", three_phase=True),
            jaxsched.one_cycle_momentum(total_steps=1000, anneal_strategy="linear", three_phase=True))},
    "one_cycle_with_decay (DeepSpeed)": {
        "stairs, decay": (
            jaxsched.one_cycle_with_decay(0.01, 0.1, 0.5, 300, cycle_first_stair_count=4,
                                          decay_step_size=100),
            jaxsched.one_cycle_with_decay_momentum(0.85, 0.95, 0.02, 300, cycle_first_stair_count=4,
                                                   decay_step_size=100))},
    "optax one-cycles": {
        "linear_onecycle_schedule": jaxsched.linear_onecycle_schedule(1000, 0.1),
        "cosine_onecycle_schedule": jaxsched.cosine_onecycle_schedule(1000, 0.1)},
})
'''),
    ("Restarts (SGDR) of anything",
     "Cosine restarts with growing periods and decaying peaks, HF's equal hard restarts, optax's "
     "SGDR, and `repeat`, which restarts any schedule.",
     ["cosine_restarts", "cosine_hard_restarts", "sgdr_schedule", "repeat"],
     '''
show({
    "cosine_restarts": {
        "period 100, x2": jaxsched.cosine_restarts(0.1, 100, period_mult=2, end_value=0.005),
        "x1.5, decay 0.6, limit 3": jaxsched.cosine_restarts(0.1, 150, 1.5, decay=0.6, cycle_limit=3)},
    "cosine_hard_restarts (HF)": {
        "3 cycles, warmup 100": jaxsched.cosine_hard_restarts(0.1, 900, 3, warmup_steps=100)},
    "sgdr_schedule (optax)": {"3 warmup-cosine cycles": jaxsched.sgdr_schedule([
        dict(init_value=0.0, peak_value=0.1 * 0.7 ** i, warmup_steps=30, decay_steps=300)
        for i in range(3)])},
    "repeat(any schedule)": {
        "linear, x1.5, decay 0.7": jaxsched.repeat(jaxsched.linear_schedule(0.1, 0.0, 200),
                                                   period=200, period_mult=1.5, decay=0.7),
        "tanh, stretch, limit 2": jaxsched.repeat(jaxsched.tanh_decay(0.08, 300, 0.01), period=300,
                                                  period_mult=2, cycle_limit=2, stretch=True)},
}, ncols=2)
'''),
    ("LR range test",
     "A value growing linearly (DeepSpeed) or geometrically (the LR finder's sweep), optionally "
     "in stairs, capped at `max_value`.",
     ["lr_range_test"],
     '''
show({
    "lr_range_test: linear (DeepSpeed)": {
        "continuous": jaxsched.lr_range_test(0.001, step_size=100, step_rate=1.0),
        "staircase": jaxsched.lr_range_test(0.001, step_size=100, step_rate=1.0, staircase=True)},
    "exponential, 1e-5 -> 1 in 800 steps": {
        "log scale": jaxsched.lr_range_test(1e-5, step_size=800, step_rate=np.log(1e5),
                                            mode="exponential", max_value=1.0)},
}, ncols=2, logy=("exponential, 1e-5 -> 1 in 800 steps",))
'''),
    ("SWA, custom functions, noise",
     "SWA's anneal to a constant, any `jax.numpy` function of the step, and timm-style noise "
     "that is a pure function of `(seed, step)` (jit-able, identical in every namespace).",
     ["swa_schedule", "lambda_schedule", "with_noise"],
     '''
base = jaxsched.cosine_decay(0.1, 1000, 0.01)
show({
    "swa_schedule (torch SWALR)": {
        s: jaxsched.swa_schedule(0.1, 0.02, 300, anneal_strategy=s) for s in ("cos", "linear")},
    "lambda_schedule": {"0.1 * 0.999**k * (1 + 0.3 sin)": jaxsched.lambda_schedule(
        lambda k: 0.1 * 0.999 ** k * (1 + 0.3 * np.sin(k / 40)))},
    "with_noise (timm)": {
        "normal, pct 0.2": jaxsched.with_noise(base, noise_pct=0.2, noise_start=200),
        "uniform, pct 0.1": jaxsched.with_noise(base, 0.1, noise_type="uniform", seed=7,
                                                noise_start=200, noise_end=700)},
})
'''),
    ("Batch size and sequence length",
     "Integer schedules, drawn as steps: a batch size per update (a table with its exact "
     "cumulative samples, `samples_at` / `step_at`) and sequence-length curricula. Under a batch "
     "ramp, `by_samples` / `by_tokens` drive any schedule by the data consumed, and "
     "`batch_scaled` scales a learning rate with the batch size (linear or square-root rule).",
     ["piecewise_integer", "batch_size_ramp", "rampup_batch_size", "root_curriculum",
      "staircase_ramp", "seq_length_warmup", "by_samples", "by_tokens", "batch_scaled"],
     '''
ramp = jaxsched.rampup_batch_size(32, 32, 60_000, 512)  # Megatron: +32 per 4000 samples
show({
    "batch sizes": {
        "piecewise_integer (Levanter)": jaxsched.piecewise_integer([300, 700], [64, 256, 512]),
        "batch_size_ramp linear": jaxsched.batch_size_ramp(64, 512, 600, multiple=64),
        "batch_size_ramp exponential": jaxsched.batch_size_ramp(32, 512, 600, multiple=32,
                                                                shape="exponential"),
        "rampup_batch_size (Megatron)": ramp},
    "sequence length": {
        "root_curriculum p=1 (DeepSpeed)": jaxsched.root_curriculum(64, 1024, 600, multiple=64),
        "root_curriculum p=2": jaxsched.root_curriculum(64, 1024, 600, multiple=64,
                                                        root_degree=2.0),
        "staircase_ramp": jaxsched.staircase_ramp(64, 1024, 128, 100),
        "seq_length_warmup (Composer)": jaxsched.seq_length_warmup(1000, 0.5, 64, 1024, 64)},
    "lr under the Megatron ramp": {
        "cosine in steps": jaxsched.cosine_decay(0.1, 1000, 0.01),
        "by_samples: cosine over 300k samples": jaxsched.by_samples(
            jaxsched.cosine_decay(0.1, 300_000, 0.01), ramp),
        "by_tokens: WSD, last 20% of tokens": jaxsched.by_tokens(
            jaxsched.warmup_stable_decay(0.1, 300_000 * 2048, 10**7, decay_fraction=0.2),
            ramp, 2048),
        "batch_scaled sqrt (B0=512)": jaxsched.batch_scaled(
            jaxsched.constant_schedule(0.1), ramp, 512.0, "sqrt")},
})
'''),
    ("Composition",
     "Every result is again a Schedule (a pytree, jit-able, serialisable); `replan` changes a "
     "run's plan at a step without a jump. Operators work too: "
     "`0.5 * s`, `s1 * s2`, `s + 0.1`, `1 - s`, `s / 4`.",
     ["join_schedules", "product", "add", "scale", "clip", "floor", "offset", "minimum",
      "maximum", "stretch", "hold_every", "replan"],
     '''
cos = jaxsched.cosine_decay(0.1, 1000)
show({
    "join_schedules": {"const | linear | cosine": jaxsched.join_schedules(
        [jaxsched.constant_schedule(0.05), jaxsched.linear_schedule(0.05, 0.1, 200),
         jaxsched.cosine_decay(0.1, 500, 0.01)], [200, 400])},
    "product / add / scale": {
        "cos * cyclic": jaxsched.product([cos, jaxsched.cyclic_schedule(0.5, 1.0, 50)]),
        "add(cos/2, 0.02)": jaxsched.add([jaxsched.scale(cos, 0.5), jaxsched.constant_schedule(0.02)]),
        "operators: 0.1 - cos / 2": 0.1 - cos / 2},
    "clip / floor / offset": {
        "clip(cos, 0.02, 0.08)": jaxsched.clip(cos, 0.02, 0.08),
        "floor(exp, 0.03)": jaxsched.floor(jaxsched.exponential_decay(0.1, 100, 0.7), 0.03),
        "offset(linear, start=600)": jaxsched.offset(jaxsched.linear_schedule(0.06, 0.0, 300), 600)},
    "minimum / maximum / stretch / hold_every": {
        "minimum(cos, linear up)": jaxsched.minimum([cos, jaxsched.linear_schedule(0.0, 0.2, 1000)]),
        "maximum(cos, exp)": jaxsched.maximum([cos, jaxsched.exponential_decay(0.08, 100, 0.8)]),
        "stretch(cos(500), 1.6)": jaxsched.stretch(jaxsched.cosine_decay(0.1, 500), 1.6),
        "hold_every(cos, 150)": jaxsched.hold_every(cos, 150)},
    "replan at step 300": {
        "wsd(600), total 900": jaxsched.replan(jaxsched.warmup_stable_decay(
            0.1, 600, 50, decay_steps=150), at=300, total_steps=900),
        "cos(600), total 1000": jaxsched.replan(jaxsched.cosine_decay(0.1, 600), at=300,
                                                total_steps=1000),
        "then linear cooldown": jaxsched.replan(jaxsched.cosine_decay(0.1, 600), at=300,
                                                then=jaxsched.linear_schedule(1.0, 0.0, 200))},
})
'''),
]

PLATEAU = '''
# a metric that improves, then stalls twice; host float64 state machine (also jit-able)
metrics = np.concatenate([np.linspace(1.0, 0.5, 30), np.full(30, 0.5), np.linspace(0.5, 0.3, 20),
                          np.full(40, 0.3)])
fig, ax = plt.subplots(figsize=(6, 2.4), layout="constrained")
greedy = jaxsched.from_config({"type": "hf.greedy", "params": {  # HF's GreedyLR: also raises
    "lr": 0.1, "factor": 0.5, "patience": 5, "cooldown": 2, "min_lr": 0.02, "max_lr": 0.2}})
rules = {semantics: jaxsched.plateau_config(factor=0.5, patience=5, cooldown=2,
                                            semantics=semantics)
         for semantics in ("native", "torch", "optax")}
for semantics, cfg in {**rules, "hf.greedy": greedy.plateau}.items():
    state, scales = jaxsched.plateau_init(cfg, xp=np), []
    for m in metrics:
        state = jaxsched.plateau_update(cfg, state, m)
        scales.append(float(state.scale))
    ax.step(np.arange(len(metrics)), scales, where="post", label=f"scale ({semantics})")
ax.plot(metrics, "k:", label="metric")
ax.set_xlabel("evaluation")
ax.legend(frameon=False)
plt.show()
'''

ECOSYSTEM = '''
import collections

names = jaxsched.registered_names()
print(len(names), "config names:", dict(collections.Counter(
    n.split(".")[0] if "." in n else "native" for n in names)))

peers = {
    "torch.OneCycleLR": {"max_lr": 0.1, "total_steps": 1000},
    "deepspeed.WarmupDecayLR": {"warmup_max_lr": 0.1, "warmup_num_steps": 100,
                                "total_num_steps": 1000},
    "hf.cosine_with_restarts": {"lr": 0.1, "num_warmup_steps": 100, "num_training_steps": 1000,
                                "num_cycles": 2},
    "timm.tanh": {"lr": 0.1, "t_initial": 400, "cycle_limit": 2, "warmup_t": 50,
                  "warmup_lr_init": 0.01},
    "keras.CosineDecayRestarts": {"initial_learning_rate": 0.1, "first_decay_steps": 200,
                                  "m_mul": 0.7},
    "cerebras.CyclicLR": {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 150},
    "fairseq.cosine": {"lr": 0.1, "warmup_updates": 50, "lr_period_updates": 300,
                       "lr_shrink": 0.5},
    "nemo.CosineAnnealing": {"lr": 0.1, "max_steps": 1000, "warmup_steps": 100,
                             "constant_steps": 200, "min_lr": 0.01},
    "paddle.LinearWarmup": {"learning_rate": {"type": "paddle.CosineAnnealingDecay", "params": {
        "learning_rate": 0.1, "T_max": 900}}, "warmup_steps": 100, "start_lr": 0.0, "end_lr": 0.1},
    "big_vision.rsqrt": {"total_steps": 1000, "base": 0.1, "warmup_steps": 100,
                         "cooldown_steps": 200, "timescale": 100},
    "t5x.create_learning_rate_scheduler": {"factors": "constant * linear_warmup * rsqrt_decay",
                                           "base_learning_rate": 1.0, "warmup_steps": 100},
}
show({name: {"lr": jaxsched.from_config({"type": name, "params": p})} for name, p in peers.items()})
'''

SAME_RUN = '''
# one run (linear warmup 0 -> 0.1 over 100 updates, cosine to 0 at update 1000) as each framework
# writes it: whole command lines, YAML/gin/config files where the framework has them
same = {
    "optax": {"type": "warmup_cosine_decay_schedule", "params": {
        "init_value": 0.0, "peak_value": 0.1, "warmup_steps": 100, "decay_steps": 1000}},
    "hf": {"type": "hf.cosine", "params": {"lr": 0.1, "num_warmup_steps": 100,
                                           "num_training_steps": 1000}},
    "keras": {"type": "keras.CosineDecay", "params": {"initial_learning_rate": 0.0,
              "decay_steps": 900, "warmup_target": 0.1, "warmup_steps": 100}},
    "nemo": {"name": "adamw", "lr": 0.1, "sched": {"name": "CosineAnnealing", "warmup_steps": 100,
                                                   "max_steps": 1000}},
    "fairseq": "--lr-scheduler cosine --lr 0.1 --warmup-updates 100 --warmup-init-lr 0 "
               "--max-update 1000",
    "paddle": {"type": "paddle.LinearWarmup", "params": {"learning_rate": {
        "type": "paddle.CosineAnnealingDecay", "params": {"learning_rate": 0.1, "T_max": 900}},
        "warmup_steps": 100, "start_lr": 0.0, "end_lr": 0.1}},
    "megatron": "--lr 0.1 --min-lr 0 --lr-decay-style cosine --lr-warmup-iters 100 "
                "--train-iters 1000 --global-batch-size 1",
    "composer": {"max_duration": "1000ba", "optimizer": {"lr": 0.1},
                 "scheduler": {"name": "cosine_with_warmup", "t_warmup": "100ba"}},
    "levanter": {"optimizer": {"learning_rate": 0.1, "warmup": 100, "min_lr_ratio": 0.0},
                 "trainer": {"num_train_steps": 1000}},
    "big_vision": {"lr": 0.1, "total_steps": 1000, "input": {"batch_size": 256},
                   "schedule": {"decay_type": "cosine", "warmup_steps": 100}},
    "t5x": "\\n".join(f"utils.create_learning_rate_scheduler.{k} = {v}" for k, v in [
        ("factors", "'constant * linear_warmup * cosine_decay'"), ("base_learning_rate", 0.1),
        ("warmup_steps", 100), ("steps_per_cycle", 900), ("min_learning_rate", 0.0)]),
}
k = np.arange(1101)
built = {name: jaxsched.from_config(cfg) for name, cfg in same.items()}
ref = built["optax"].evaluate(k, np)
print(f"{'framework':11} {'its name':44} {'max |lr - optax|':>16}  first update that differs")
for name, s in built.items():
    d = np.abs(s.evaluate(k, np) - ref)
    first = int(np.argmax(d > 1e-12)) if d.max() > 1e-12 else "-"
    print(f"{name:11} {jaxsched.load_config(same[name])['type']:44} {d.max():16.2e}  {first}")
fig, axes = plt.subplots(1, 2, figsize=(10, 2.6), layout="constrained")
for name, s in built.items():
    axes[0].plot(k, s.evaluate(k, np), label=name, lw=1)
    axes[1].plot(k, s.evaluate(k, np) - ref, label=name, lw=1)
axes[0].set_title("the same run in 11 frameworks")
axes[1].set_title("minus optax's (their quirks)")
axes[0].legend(ncol=2, frameon=False)
plt.show()
'''


def framework_table() -> str:
    """Markdown: each framework's names (from the registry) and its whole-config forms."""
    files = {
        "torch": "per-group lists; `SequentialLR`/`ChainedScheduler` configs",
        "deepspeed": "a whole DeepSpeed JSON (`scheduler` block, optimizer lr)",
        "hf": "names of `get_scheduler`, incl. the metric-driven `reduce_lr_on_plateau`, `greedy`",
        "fairseq": "a command line / namespace, a Hydra config",
        "nemo": "an `optim` block, a model YAML (`model.optim.sched`, `trainer.max_steps`)",
        "megatron": "a command line / namespace (`--lr-decay-style`, `--train-iters`, ...)",
        "composer": "a Composer / llm-foundry YAML (`scheduler`, `max_duration`)",
        "levanter": "a Levanter YAML (`optimizer`, `trainer.num_train_steps`)",
        "big_vision": "a config (`get_config()` .py, YAML, ConfigDict): `schedule`, `lr`, `total_*`",
        "t5x": "a gin file: `utils.create_learning_rate_scheduler.*` bindings",
    }
    groups: dict = {}
    for name in jaxsched.registered_names():
        if "." in name:
            groups.setdefault(name.split(".")[0], []).append(name.split(".", 1)[1])
    rows = ["| framework | names (`from_config` type `framework.NAME`) | whole config files |",
            "| --- | --- | --- |"]
    for fam, names in sorted(groups.items()):
        rows.append(f"| {fam} | {', '.join(names)} | {files.get(fam, '')} |")
    return "\n".join(rows)


def cells():
    out = [("md", INTRO), ("code", SETUP)]
    for title, intro, names, code in FAMILIES:
        out.append(("md", f"## {title}\n\n{intro}"))
        out.append(("code", code))
        out.append(("md", "\n\n".join(doc_markdown(getattr(jaxsched, n)) for n in names)))
    out.append(("md", "## Reduce on plateau (metric-driven)\n\nThe one schedule that is not a "
                      "function of the step: a factor driven by a reported metric, as an optax "
                      "transformation (`reduce_on_plateau`) or a pure state machine "
                      "(`plateau_config`, `plateau_init`, `plateau_update`) that the torch bridge "
                      "also runs. Three semantics: sign-correct native, torch's "
                      "`ReduceLROnPlateau` and optax's `contrib.reduce_on_plateau`."))
    out.append(("code", PLATEAU))
    out.append(("md", doc_markdown(jaxsched.reduce_on_plateau)))
    out.append(("md", "## Peers' schedules by their own names\n\n`jaxsched.from_config` takes "
                      "each peer's scheduler by its name and parameters and reproduces the value "
                      "that library applies to update `k` (see `jaxsched.registered_names()`)."))
    out.append(("code", ECOSYSTEM))
    out.append(("md", "### Every framework's names\n\n" + framework_table()))
    out.append(("md", "### One run, every framework\n\nThe same warmup-then-cosine run written "
                      "in each framework's own config (whole files where it has them), loaded by "
                      "`jaxsched.from_config`: equal to optax's, except for each framework's own "
                      "quirks (NeMo's first warmup step, Composer's one-update lag, and what "
                      "fairseq's, t5x's, HF's and Paddle's cosines do after the run's end: "
                      "restart or keep turning)."))
    out.append(("code", SAME_RUN))
    return out
