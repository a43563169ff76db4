"""The LR finder (JAX and torch) on problems whose good learning-rate range is known.

Full-batch least squares ``0.5 mean((Xw - y)^2)`` has the Hessian ``H = X^T X / n``; with ``L``
its largest eigenvalue (computed here in float64 NumPy), gradient descent contracts every
error component for ``lr < 2/L`` (the loss never increases: ``|1 - lr l| <= 1`` for every
eigenvalue ``l``) and the top component grows by ``(lr L - 1)^2`` per update above ``2/L``.
Hence: (a) the bias-corrected EMA of a non-increasing sequence is non-increasing (each value is
a convex combination of the previous average and a smaller loss), so the sweep cannot stop
before ``2/L``; (b) the minimum smoothed loss lies at a learning rate ``>= 2/L`` and ``<=
max_lr``, so ``suggestion_min_over_10`` is in ``[0.2/L, max_lr/10]``.
"""

from __future__ import annotations

import copy
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

from jaxsched.cli.lr_find import run_cli
from jaxsched.torch.lr_finder import lr_find as torch_lr_find
from jaxsched.training.lr_finder import LRFindResult, lr_find, sweep_schedule


def least_squares(seed: int, n: int = 96, d: int = 6, spread: float = 10.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * np.geomspace(1.0, spread, d) ** 0.5
    y = x @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    big_l = float(np.linalg.eigvalsh(x.T @ x / n).max())
    return x.astype(np.float32), y.astype(np.float32), big_l


def jax_loss(w, batch):
    x, y = batch
    return 0.5 * jnp.mean((x @ w - y) ** 2)


def ema_reference(losses, beta):
    """A separately written float64 bias-corrected EMA."""
    out, avg = [], 0.0
    for k, loss in enumerate(np.asarray(losses, dtype=np.float64)):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (k + 1)))
    return np.array(out)


def check_derived_range(r: LRFindResult, big_l: float, max_lr: float, num_steps: int) -> None:
    assert r.stopped_early and len(r.lrs) < num_steps
    assert r.lrs[-1] > 2 / big_l  # never before the divergence threshold (a)
    assert 0.2 / big_l * (1 - 1e-9) <= r.suggestion_min_over_10 <= max_lr / 10  # (b)
    assert 0.05 / big_l <= r.suggestion_steepest <= 2 / big_l
    assert np.all(np.diff(r.smoothed[r.lrs < 2 / big_l]) <= 1e-6 * r.smoothed[0])


@pytest.mark.parametrize("seed,spread", [(0, 1.0), (1, 10.0), (2, 100.0)])
def test_jax_exp_sweep_suggests_inside_the_convergent_range(seed, spread):
    x, y, big_l = least_squares(seed, spread=spread)
    r = lr_find(jax_loss, jnp.zeros(x.shape[1]), [(x, y)], min_lr=1e-4 / big_l,
                max_lr=10 / big_l, num_steps=200)
    check_derived_range(r, big_l, 10 / big_l, 200)


def test_jax_linear_sweep_suggests_inside_the_convergent_range():
    x, y, big_l = least_squares(3, spread=10.0)
    r = lr_find(jax_loss, jnp.zeros(x.shape[1]), [(x, y)], min_lr=0.01 / big_l,
                max_lr=10 / big_l, num_steps=100, mode="linear")
    check_derived_range(r, big_l, 10 / big_l, 100)


@pytest.mark.parametrize("mode", ["exp", "linear"])
def test_lrs_follow_the_formula_and_are_the_ones_applied(mode):
    lo, hi, n = 1e-3, 2.0, 25
    k = np.arange(n)
    by_hand = lo * (hi / lo) ** (k / (n - 1)) if mode == "exp" else lo + (hi - lo) * k / (n - 1)
    np.testing.assert_allclose(sweep_schedule(lo, hi, n, mode).evaluate(k, np), by_hand, rtol=1e-12)
    # loss(w) = w with SGD: w_k = -(lr_0 + ... + lr_{k-1}), so the record shows the applied lrs
    applied = -np.concatenate([[0.0], np.cumsum(by_hand)[:-1]])
    kw = dict(min_lr=lo, max_lr=hi, num_steps=n, mode=mode, smoothing=0.0, diverge_factor=None)
    forms = {
        "factory": lr_find(lambda w, b: w, jnp.float32(0.0), [None], **kw),
        "injected": lr_find(lambda w, b: w, jnp.float32(0.0), [None],
                            optimizer=optax.inject_hyperparams(optax.sgd)(learning_rate=0.5), **kw),
    }
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=0.5)

    @jax.jit
    def step(w, s, batch):
        loss, g = jax.value_and_grad(lambda w: w)(w)
        u, s = tx.update(g, s, w)
        return optax.apply_updates(w, u), s, loss

    forms["train_step"] = lr_find(params=jnp.float32(0.0), batches=[None], train_step=step,
                                  opt_state=tx.init(jnp.float32(0.0)), **kw)
    for r in forms.values():
        np.testing.assert_allclose(r.lrs, by_hand, rtol=1e-12)
        np.testing.assert_allclose(r.losses, applied, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(r.smoothed, r.losses)
        assert not r.stopped_early and len(r.lrs) == n


@pytest.mark.parametrize("beta", [0.98, 0.6])
def test_smoothing_is_the_bias_corrected_ema(beta):
    x, y, big_l = least_squares(4)
    batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 96, 16)]  # noisy mini-batches, cycled
    r = lr_find(jax_loss, jnp.zeros(x.shape[1]), batches, min_lr=1e-3, max_lr=0.5 / big_l,
                num_steps=40, smoothing=beta)
    assert len(r.lrs) == 40 and np.ptp(r.losses) > 0
    np.testing.assert_allclose(r.smoothed, ema_reference(r.losses, beta), rtol=1e-12)
    assert r.suggestion_min_over_10 == r.lrs[np.argmin(ema_reference(r.losses, beta))] / 10


def test_suggestions_from_a_crafted_record():
    lrs = np.geomspace(1e-4, 1.0, 41)  # lrs[20] = 1e-2, lrs[30] = 10**-1
    k = np.arange(41)
    smooth = 5 - 4 / (1 + np.exp(-(np.log10(lrs) + 2) / 0.25))  # steepest fall at lrs[20]
    smooth[:4] += 3  # a steeper fall inside the skipped start
    smooth += np.where(k > 30, 0.5 * (k - 30), 0.0)  # minimum at lrs[30]
    smooth[38:] -= 3  # a steeper fall inside the skipped end (still above the minimum)
    raw = smooth.copy()
    raw[12] = -50.0  # the raw minimum must not matter
    r = LRFindResult.from_record(lrs, raw, smooth, False)
    assert r.suggestion_steepest == pytest.approx(1e-2, rel=1e-12)
    assert r.suggestion_min_over_10 == pytest.approx(1e-2, rel=1e-12)
    unskipped = LRFindResult.from_record(lrs, raw, smooth, False, skip_start=0, skip_end=0)
    assert lrs[3] <= unskipped.suggestion_steepest <= lrs[4]
    rising = LRFindResult.from_record(lrs, raw, np.linspace(1, 2, 41), True)
    assert rising.suggestion_steepest is None and rising.suggestion_min_over_10 == 1e-5
    assert "none" in rising.summary() and "stopped early" in rising.summary()


def scripted(losses):
    """A train step returning a scripted loss sequence (batch k -> losses[k])."""
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=0.0)
    seq = jnp.asarray(losses, jnp.float32)

    def step(p, s, k):
        return p, s, seq[k]

    return dict(params=jnp.zeros(1), train_step=step, opt_state=tx.init(jnp.zeros(1)),
                batches=lambda k: k)


def test_early_stop_rule():
    rng = np.random.default_rng(5)
    losses = np.concatenate([np.linspace(3, 1, 30), np.geomspace(1, 50, 30)]) + 0.05 * rng.random(60)
    ref = ema_reference(losses.astype(np.float32), 0.9)
    stop = next(k for k in range(60) if ref[k] > 2.5 * ref[: k + 1].min())
    r = lr_find(min_lr=1e-4, max_lr=1.0, num_steps=60, smoothing=0.9, diverge_factor=2.5,
                **scripted(losses))
    assert r.stopped_early and len(r.lrs) == stop + 1  # the diverging update is recorded
    never = lr_find(min_lr=1e-4, max_lr=1.0, num_steps=60, smoothing=0.9, diverge_factor=None,
                    **scripted(losses))
    assert not never.stopped_early and len(never.lrs) == 60
    nan = lr_find(min_lr=1e-4, max_lr=1.0, num_steps=60, **scripted([2.0, 1.0, np.nan] + [1.0] * 57))
    assert nan.stopped_early and len(nan.lrs) == 2 and np.all(np.isfinite(nan.smoothed))


def test_one_compilation_and_inputs_untouched():
    x, y, big_l = least_squares(6)
    traces = []

    def loss(p, batch):
        traces.append(1)
        return jax_loss(p["w"], batch) + 0.0 * p["b"]

    params = {"w": jnp.ones(x.shape[1]), "b": jnp.float32(2.0)}
    before = jax.tree.map(np.array, params)
    r = lr_find(loss, params, [(x, y)], optimizer=optax.adam, min_lr=1e-5, max_lr=10.0, num_steps=30)
    assert len(traces) == 1 and len(r.lrs) >= 12
    for k in params:
        assert not params[k].is_deleted()
        np.testing.assert_array_equal(np.asarray(params[k]), before[k])
    # train-step form: the caller's optimizer state keeps its own learning rate and moments
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=0.25, momentum=0.9)
    state = tx.init(params)
    snapshot = jax.tree.map(np.array, state)
    compiled = []

    @jax.jit
    def step(p, s, batch):
        compiled.append(1)
        loss_value, g = jax.value_and_grad(lambda q: jax_loss(q["w"], batch))(p)
        u, s = tx.update(g, s, p)
        return optax.apply_updates(p, u), s, loss_value

    lr_find(params=params, batches=[(x, y)], train_step=step, opt_state=state, num_steps=20)
    assert len(compiled) == 1
    jax.tree.map(np.testing.assert_array_equal, jax.tree.map(np.array, state), snapshot)


BAD = [
    (dict(min_lr=1.0, max_lr=1.0), "min_lr"),
    (dict(min_lr=0.0), "min_lr"),
    (dict(max_lr=-1.0), "max_lr"),
    (dict(num_steps=1), "num_steps"),
    (dict(mode="cosine"), "mode"),
    (dict(smoothing=1.0), "smoothing"),
    (dict(smoothing=-0.1), "smoothing"),
    (dict(diverge_factor=1.0), "diverge_factor"),
]


@pytest.mark.parametrize("kwargs,name", BAD)
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        lr_find(jax_loss, jnp.zeros(2), [None], **kwargs)
    model = torch.nn.Linear(2, 1)
    with pytest.raises(ValueError, match=f"`{name}`"):
        torch_lr_find(model, torch.optim.SGD(model.parameters()), torch.nn.functional.mse_loss,
                      [None], **kwargs)


def test_misuse_is_reported():
    with pytest.raises(ValueError, match="exactly one"):
        lr_find(jax_loss, jnp.zeros(2), [None], train_step=lambda p, s, b: (p, s, 0.0))
    with pytest.raises(ValueError, match="no batch"):
        lr_find(lambda w, b: jnp.sum(w), jnp.zeros(2), [])
    with pytest.raises(ValueError, match="one-shot"):
        lr_find(lambda w, b: jnp.sum(w), jnp.zeros(2), iter([None] * 3), num_steps=5)
    with pytest.raises(ValueError, match="learning_rate"):  # a schedule inside inject_hyperparams
        lr_find(lambda w, b: jnp.sum(w), jnp.zeros(2), [None],
                optimizer=optax.inject_hyperparams(optax.sgd)(learning_rate=lambda c: 0.1))
    with pytest.raises(ValueError, match="learning_rate"):  # nothing injected
        lr_find(lambda w, b: jnp.sum(w), jnp.zeros(2), [None], optimizer=optax.sgd(0.1))


# ---------------------------------------------------------------------------------- torch
def torch_problem(seed: int):
    x, y, big_l = least_squares(seed, spread=10.0)
    model = torch.nn.Linear(x.shape[1], 1, bias=False)
    with torch.no_grad():
        model.weight.zero_()
    loss = lambda out, t: 0.5 * torch.mean((out[:, 0] - t) ** 2)  # noqa: E731
    return torch.from_numpy(x), torch.from_numpy(y), big_l, model, loss


def test_torch_suggests_inside_the_convergent_range_and_matches_jax():
    x, y, big_l, model, loss = torch_problem(1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    kw = dict(min_lr=1e-4 / big_l, max_lr=10 / big_l, num_steps=200)
    r = torch_lr_find(model, opt, loss, [(x, y)], **kw)
    check_derived_range(r, big_l, 10 / big_l, 200)
    ref = lr_find(jax_loss, jnp.zeros(x.shape[1]), [(x.numpy(), y.numpy())], **kw)
    np.testing.assert_array_equal(r.lrs[:150], ref.lrs[:150])
    early = ref.lrs[:150] < 1 / big_l  # before the blow-up amplifies float32 rounding
    np.testing.assert_allclose(r.losses[:150][early], ref.losses[:150][early], rtol=1e-4)
    np.testing.assert_allclose(r.smoothed[:150][early], ref.smoothed[:150][early], rtol=1e-4)
    # accumulation over two equal halves = the full batch
    half = len(x) // 2
    acc = torch_lr_find(model, opt, loss, [(x[:half], y[:half]), (x[half:], y[half:])],
                        accumulation_steps=2, **kw)
    np.testing.assert_allclose(acc.losses[:100], r.losses[:100], rtol=1e-4)


def snapshot(model, opt):
    return (copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict()),
            [None if p.grad is None else p.grad.clone() for p in model.parameters()], model.training)


def assert_same(a, b):
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for u, w in zip(a, b):
            assert_same(u, w)
    else:
        assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("make_opt", [
    lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda ps: torch.optim.AdamW(ps, lr=3e-3, betas=(0.8, 0.95)),
])
@pytest.mark.parametrize("fail", [False, True])
def test_torch_state_restored_bit_identically(make_opt, fail):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                torch.nn.Linear(8, 1))
    opt = make_opt(model.parameters())
    data = [(torch.randn(16, 5), torch.randn(16, 1)) for _ in range(3)]
    for xb, yb in data:  # momentum buffers / moments exist before the sweep
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
    model.eval()  # a mode the finder must give back
    before = snapshot(model, opt)
    calls = []

    def loss(out, t):
        calls.append(1)
        if fail and len(calls) == 7:
            raise RuntimeError("boom")
        return torch.nn.functional.mse_loss(out, t)

    if fail:
        with pytest.raises(RuntimeError, match="boom"):
            torch_lr_find(model, opt, loss, data, min_lr=1e-4, max_lr=1.0, num_steps=20)
    else:
        r = torch_lr_find(model, opt, loss, data, min_lr=1e-4, max_lr=1.0, num_steps=20)
        assert len(r.lrs) > 5
    assert len(calls) > 5
    after = snapshot(model, opt)
    assert_same(after[0], before[0])
    assert_same(after[1], before[1])
    assert_same(after[2], before[2])
    assert after[3] is False
    assert [g["lr"] for g in opt.param_groups] == [before[1]["param_groups"][0]["lr"]]
    assert all("initial_lr" not in g for g in opt.param_groups)


# ---------------------------------------------------------------------------------- plot, CLI
def test_plot_writes_png_and_svg(tmp_path):
    x, y, big_l = least_squares(0)
    r = lr_find(jax_loss, jnp.zeros(x.shape[1]), [(x, y)], min_lr=1e-3 / big_l,
                max_lr=10 / big_l, num_steps=60)
    fig = r.plot(tmp_path / "f.png")
    png = (tmp_path / "f.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.lines) >= 4  # raw, smoothed, two suggestions
    r.plot(tmp_path / "f.svg")
    assert b"<svg" in (tmp_path / "f.svg").read_bytes()[:2000]


def test_run_cli_in_process(tmp_path, capsys):
    import argparse

    from jaxsched.cli.lr_find import add_cli_arguments

    parser = add_cli_arguments(argparse.ArgumentParser())
    out = tmp_path / "lr.png"
    ns = parser.parse_args(["--num-steps", "30", "--min-lr", "1e-3", "-o", str(out)])
    assert run_cli(ns) == 0
    text = capsys.readouterr().out
    assert "steepest descent" in text and "minimum loss / 10" in text and out.stat().st_size > 0
    assert run_cli(parser.parse_args(["--min-lr", "5", "--max-lr", "1"])) == 2
    assert "--min-lr" in capsys.readouterr().err
