"""The demo (`jaxsched demo`): data, models, the lr actually applied, quick runs end to end."""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched
from jaxsched.cli.demo import add_cli_arguments, model_jax, run_cli
from jaxsched.cli.demo.data import batches, load_digits, steps_per_epoch
from jaxsched.cli.demo.run import run_demo
from jaxsched.cli.demo.schedules import SCHEDULE_NAMES, build_schedule

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROW = re.compile(r"^\| (\S+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|$", re.M)


def _namespace(*argv: str) -> argparse.Namespace:
    return add_cli_arguments(argparse.ArgumentParser()).parse_args(list(argv))


# ---------------------------------------------------------------- data


def test_split_is_deterministic_disjoint_and_standardized():
    from sklearn.datasets import load_digits as sk_load

    x_tr, y_tr, x_te, y_te = load_digits(seed=0)
    again = load_digits(seed=0)
    for a, b in zip((x_tr, y_tr, x_te, y_te), again):
        np.testing.assert_array_equal(a, b)
    assert x_tr.dtype == np.float32 and y_tr.dtype == np.int32
    assert len(x_tr) + len(x_te) == 1797 and len(x_te) == round(0.2 * 1797)
    # the split partitions sklearn's data set (read here through sklearn itself)
    raw = sk_load()
    order = np.random.default_rng(0).permutation(1797)
    mean, sd = raw.data[order[:-359]].mean(0), raw.data[order[:-359]].std(0)
    np.testing.assert_allclose(x_te, (raw.data[order[-359:]] - mean) / np.where(sd > 0, sd, 1), atol=1e-5)
    np.testing.assert_array_equal(y_te, raw.target[order[-359:]])
    np.testing.assert_array_equal(np.bincount(y_tr, minlength=10) + np.bincount(y_te, minlength=10),
                                  np.bincount(raw.target, minlength=10))
    # standardized with the training statistics: mean 0, std 1 where the pixel varies in training
    np.testing.assert_allclose(x_tr.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(x_tr.std(axis=0), np.where(sd > 0, 1.0, 0.0), atol=1e-4)
    assert (sd == 0).sum() < 5
    # the test part is not re-standardized with its own statistics
    assert np.abs(x_te.mean(axis=0)).max() > 1e-3
    # another seed, another split
    assert not np.array_equal(load_digits(seed=1)[1], y_tr)


def test_batches_cover_an_epoch_once_and_reshuffle():
    x = np.arange(50, dtype=np.float32).reshape(25, 2)
    y = np.arange(25)
    first = [yb for _, yb in batches(x, y, 4, seed=3, epoch=0)]
    assert len(first) == steps_per_epoch(25, 4) == 6
    assert all(b.shape == (4,) for b in first)
    seen = np.concatenate(first)
    assert len(set(seen.tolist())) == 24  # no repeats; one example dropped (partial batch)
    for xb, yb in batches(x, y, 4, seed=3, epoch=0):
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # inputs stay paired with labels
    again = np.concatenate([yb for _, yb in batches(x, y, 4, seed=3, epoch=0)])
    np.testing.assert_array_equal(seen, again)
    other = np.concatenate([yb for _, yb in batches(x, y, 4, seed=3, epoch=1)])
    assert not np.array_equal(seen, other)
    with pytest.raises(ValueError, match="batch_size"):
        next(batches(x, y, 26))


# ---------------------------------------------------------------- the lr actually applied


def _numpy_loss_and_grads(params, x, y):
    """Cross-entropy of the MLP and its gradients by hand, in float64 NumPy (backprop)."""
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    x = np.asarray(x, np.float64)
    pre = x @ p["w1"] + p["b1"]
    h = np.maximum(pre, 0.0)
    logits = h @ p["w2"] + p["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -logp[np.arange(n), y].mean()
    dlogits = np.exp(logp)
    dlogits[np.arange(n), y] -= 1.0
    dlogits /= n
    dh = (dlogits @ p["w2"].T) * (pre > 0)
    grads = {"w2": h.T @ dlogits, "b2": dlogits.sum(0), "w1": x.T @ dh, "b1": dh.sum(0)}
    return loss, grads


def test_jax_step_applies_the_scheduled_lr_of_each_update():
    """Plain SGD: params_{k+1} = params_k - lr_k grad_k with lr_k from a hand-written warmup."""
    peak, warm, total = 0.1, 4, 12

    def by_hand(k: int) -> float:  # linear warmup from 0, then cosine to 0 (float64)
        if k < warm:
            return peak * k / warm
        return peak * 0.5 * (1 + math.cos(math.pi * (k - warm) / (total - warm)))

    sched = jaxsched.warmup_cosine_decay_schedule(0.0, peak, warm, total)
    opt = jaxsched.scheduled_optimizer(optax.sgd, learning_rate=sched)
    step = model_jax.make_train_step(opt)
    x_tr, y_tr, _, _ = load_digits()
    params = model_jax.init_mlp(0)
    state = jax.jit(opt.init)(params)
    for k, (xb, yb) in zip(range(7), batches(x_tr, y_tr, 32)):
        loss_ref, grads = _numpy_loss_and_grads(params, xb, yb)
        new_params, state, loss = step(params, state, xb, yb)
        assert float(loss) == pytest.approx(loss_ref, rel=1e-5)
        lr = by_hand(k)
        assert float(state.hyperparams["learning_rate"]) == pytest.approx(lr, rel=1e-6, abs=1e-9)
        for name in params:
            expected = np.asarray(params[name], np.float64) - lr * grads[name]
            np.testing.assert_allclose(np.asarray(new_params[name]), expected, rtol=1e-5, atol=1e-6)
        moved = max(float(jnp.abs(new_params[n] - params[n]).max()) for n in params)
        assert (moved == 0.0) == (k == 0)  # update 0 uses lr 0: nothing moves, later ones move
        params = new_params


def test_onecycle_lr_and_momentum_match_torch_onecyclelr():
    torch = pytest.importorskip("torch")
    total, peak = 60, 0.1
    lr, mom = build_schedule("onecycle", peak, total)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=peak, momentum=0.9)
    ref = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=peak, total_steps=total)
    want_lr, want_mom = [], []
    for _ in range(total):
        want_lr.append(opt.param_groups[0]["lr"])
        want_mom.append(opt.param_groups[0]["momentum"])
        opt.step()
        ref.step()
    np.testing.assert_allclose(lr.evaluate(np.arange(total), np), want_lr, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(mom.evaluate(np.arange(total), np), want_mom, rtol=1e-9)


def test_demo_schedules_shapes_by_hand():
    n, p = 80, 0.2
    step, _ = build_schedule("step", p, n)
    assert [float(step(k)) for k in (39, 40, 59, 60)] == pytest.approx([p, p / 10, p / 10, p / 100])
    cyc, _ = build_schedule("cyclic", p, n)  # half-cycles of 10 steps between p/10 and p
    assert [float(cyc(k)) for k in (0, 5, 10, 20, 75, 80)] == pytest.approx(
        [p / 10, p / 10 + 0.5 * (p - p / 10), p, p / 10, p / 10 + 0.5 * (p - p / 10), p / 10])
    wsd, _ = build_schedule("wsd", p, n)  # warmup 8, stable until 64, linear decay to 0 at 80
    assert [float(wsd(k)) for k in (4, 8, 63, 72, 80)] == pytest.approx([p / 2, p, p, p / 2, 0.0])
    with pytest.raises(ValueError, match="valid choices: constant, step"):
        build_schedule("cosine", p, n)


def test_torch_backend_follows_the_same_trajectory_as_optax():
    """Same weights, batches and SGD: the torch bridge must apply optax's lr and momentum."""
    pytest.importorskip("torch")
    kw = dict(schedule="onecycle", epochs=1, batch_size=64, output=None, progress=False)
    (rj,), _ = run_demo(backend="jax", **kw)
    (rt,), _ = run_demo(backend="torch", **kw)
    np.testing.assert_allclose(rt.step_losses, rj.step_losses, rtol=1e-4)
    np.testing.assert_allclose(rt.lrs, rj.lrs)
    # negative control: constant momentum instead of the cycled one changes the trajectory
    from jaxsched.cli.demo.train import train

    lr, _ = build_schedule("onecycle", 0.1, len(rj.lrs))
    other = train("x", lr, 0.9, load_digits(), epochs=1, batch_size=64, backend="torch")
    assert np.max(np.abs(other.step_losses - rj.step_losses) / rj.step_losses) > 1e-3


# ---------------------------------------------------------------- end to end


def _table(out: str) -> list[tuple[str, float, float, float]]:
    return [(m[0], float(m[1]), float(m[2]), float(m[3])) for m in ROW.findall(out)]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_quick_run_prints_the_table_and_writes_the_png(backend, tmp_path, capsys):
    if backend == "torch":
        pytest.importorskip("torch")
    out = tmp_path / "demo.png"
    flags = ["--no-progress"] if backend == "jax" else []  # the torch run shows the bar
    ns = _namespace("--quick", "--backend", backend, "-o", str(out), *flags)
    assert run_cli(ns) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert ("jaxsched demo:" in captured.err) == (backend == "torch")  # tqdm, on stderr only
    assert "jaxsched demo:" not in text
    assert "| schedule | final train loss | test accuracy | time (s) |" in text
    rows = _table(text)
    assert [r[0] for r in rows] == list(SCHEDULE_NAMES)
    for name, loss, acc, secs in rows:
        assert acc > 0.8, (name, acc)  # chance is 0.1
        assert 0 < loss < 1.0 and secs >= 0
    assert sum(r[3] for r in rows) > 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_schedule_config_and_flags(tmp_path, capsys):
    cfg = '{"type": "torch.StepLR", "params": {"lr": 0.1, "step_size": 10, "gamma": 0.5}}'
    results, per_epoch = run_demo(schedule_config=cfg, epochs=1, batch_size=64, output=None,
                                  progress=False)
    assert [r.name for r in results] == ["torch.StepLR"] and per_epoch == 22
    np.testing.assert_allclose(results[0].lrs, 0.1 * 0.5 ** (np.arange(22) // 10))
    assert results[0].final_test_accuracy > 0.8
    for kwargs, flag in (({"output": str(tmp_path / "a.jpg")}, "--output"),
                         ({"batch_size": 5000}, "--batch-size"),
                         ({"schedule": "cosine"}, "--schedule"),
                         ({"backend": "tf"}, "--backend")):
        with pytest.raises(ValueError, match=re.escape(flag)):
            run_demo(**{"epochs": 1, "progress": False, **kwargs})
    with pytest.raises(ValueError, match="type"):
        run_demo(schedule_config='{"type": "no_such_schedule"}', epochs=1, output=None)
    parser = add_cli_arguments(argparse.ArgumentParser())
    for argv, flag in ((["--max-lr", "-1"], "--max-lr"), (["--epochs", "0"], "--epochs"),
                       (["--schedule", "cosine"], "--schedule"), (["--lr", "x"], "--max-lr")):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(argv)
        assert exc.value.code == 2
        assert flag in capsys.readouterr().err
    assert parser.parse_args(["--lr", "0.3"]).max_lr == 0.3


def test_python_dash_m_entry_point(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT}
    out = tmp_path / "one.png"
    proc = subprocess.run(
        [sys.executable, "-m", "jaxsched.cli.demo", "--quick", "--schedule", "wsd", "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rows = _table(proc.stdout)
    assert [r[0] for r in rows] == ["wsd"] and rows[0][2] > 0.8
    assert out.stat().st_size > 10_000


def test_main_turns_user_errors_into_exit_2(tmp_path, capsys):
    from jaxsched.cli.demo.cli import main

    assert main(["--quick", "-o", str(tmp_path / "x.gif")]) == 2
    err = capsys.readouterr().err
    assert "--output" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.gif").exists()
    assert main(["--schedule-config", str(tmp_path / "missing.json"), "--quick", "--no-progress"]) == 2
    assert "missing.json" in capsys.readouterr().err
    from jaxsched.cli.demo.data import require

    with pytest.raises(ImportError, match=re.escape('pip install "jaxsched[demo]"')):
        require("no_such_module_h4", "the demo")
