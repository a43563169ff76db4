"""The LR finder's steepest-descent suggestion is robust to noise, and its result prints short.

Problems with a known stable range: full-batch least squares ``0.5 mean((Xw - y)^2)``, where
gradient descent is stable for ``lr < 2/L`` (``L`` the largest eigenvalue of ``X^T X / n``; see
test_lr_find.py). The noisy variant adds Gaussian noise to the *reported* loss only (a constant
in ``w``, so the gradients and the trajectory are those of the clean problem): the suggestion
must still fall in the stable range, not on a dip that the noise made early in the sweep, while
the exponential moving average has few losses in it.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
import torch

from jaxsched.torch.lr_finder import lr_find as torch_lr_find
from jaxsched.training.lr_finder import LRFindResult, _steepest_sustained, lr_find, warmup_steps


def least_squares(seed: int, n: int = 96, d: int = 6, spread: float = 10.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * np.geomspace(1.0, spread, d) ** 0.5
    y = x @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    big_l = float(np.linalg.eigvalsh(x.T @ x / n).max())
    return x.astype(np.float32), y.astype(np.float32), big_l


def noisy_loss(w, batch):
    x, y, eps = batch
    return 0.5 * jnp.mean((x @ w - y) ** 2) + eps


def in_stable_range(lr, big_l):
    return lr is not None and 0.05 / big_l <= lr <= 2 / big_l


# seeds and noise levels where the old rule (argmin of the slope after 10 points) suggested an
# lr about 1e-3 / L from early noise, 50 to 6000 times below the stable range's useful part
@pytest.mark.parametrize("seed,sigma", [(2, 0.1), (5, 0.1), (0, 0.5), (1, 0.5), (3, 0.5), (5, 0.5)])
def test_noisy_loss_suggestion_stays_in_the_stable_range(seed, sigma):
    x, y, big_l = least_squares(seed)
    eps = np.random.default_rng(100 + seed).normal(size=100) * sigma * 0.5 * float(np.mean(y ** 2))
    r = lr_find(noisy_loss, jnp.zeros(x.shape[1]), lambda k: (x, y, jnp.float32(eps[k])),
                min_lr=1e-4 / big_l, max_lr=10 / big_l, num_steps=100)
    assert in_stable_range(r.suggestion_steepest, big_l), (r.suggestion_steepest * big_l, r)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_least_squares_still_in_the_stable_range(seed):
    x, y, big_l = least_squares(seed)
    r = lr_find(noisy_loss, jnp.zeros(x.shape[1]), [(x, y, jnp.float32(0.0))],
                min_lr=1e-4 / big_l, max_lr=10 / big_l, num_steps=100)
    assert in_stable_range(r.suggestion_steepest, big_l)


def test_torch_noisy_loss_suggestion_stays_in_the_stable_range():
    x, y, big_l = least_squares(5)
    eps = torch.from_numpy(np.random.default_rng(105).normal(size=100) * 0.5 * 0.5 * float(np.mean(y ** 2)))
    model = torch.nn.Linear(x.shape[1], 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    noise = iter(eps.float())
    loader = [(torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1))]

    def loss_fn(pred, target):
        return 0.5 * torch.mean((pred - target) ** 2) + next(noise)

    r = torch_lr_find(model, opt, loss_fn, loader, min_lr=1e-4 / big_l, max_lr=10 / big_l,
                      num_steps=100)
    assert in_stable_range(r.suggestion_steepest, big_l), r


def test_steepest_is_on_the_sustained_decrease_not_on_a_steeper_short_dip():
    lrs = np.geomspace(1e-4, 1.0, 60)
    loss = 5 - 4 / (1 + np.exp(-(np.log10(lrs) + 1.5) / 0.2))  # a long fall centred at 10**-1.5
    loss[20:22] -= [1.5, 0.0]  # a steep one-point dip earlier (noise)
    i = _steepest_sustained(loss, lrs)
    assert abs(np.log10(lrs[i]) + 1.5) < 0.15
    old_rule = int(np.argmin(np.gradient(loss, np.log(lrs))))
    assert old_rule in (19, 20, 21)  # what the plain argmin of the slope picks
    assert _steepest_sustained(np.linspace(1, 2, 10), lrs[:10]) is None


def test_warmup_skips_the_unsettled_start():
    assert warmup_steps(0.98) == 50 and warmup_steps(0.6) == 3 and warmup_steps(0.0) == 1
    lrs = np.geomspace(1e-4, 1.0, 100)
    loss = np.where(np.arange(100) < 60, 3.0, 1.0) + np.linspace(0, 0.01, 100)
    loss[12:16] = [2.0, 1.0, 0.5, 0.2]  # a deep early drop, inside the warmup
    loss[16:] = np.minimum(loss[16:], 3.0)
    r = LRFindResult.from_record(lrs, loss, loss, False, warmup=50)
    assert r.suggestion_steepest in (pytest.approx(lrs[59]), pytest.approx(lrs[60]))


# ------------------------------------------------------------------ printing
def test_lr_find_result_repr_is_a_summary():
    lrs = np.geomspace(1e-6, 1.0, 300)
    loss = 5 - 4 / (1 + np.exp(-(np.log10(lrs) + 3) / 0.3)) + np.where(lrs > 0.1, 50 * lrs, 0)
    r = LRFindResult.from_record(lrs, loss, loss, True)
    text = repr(r)
    assert text.startswith("LRFindResult(suggestion_steepest=")
    assert "suggestion_min_over_10=" in text and "stopped_early=True" in text
    assert "1e-06 to 1 in 300 updates" in text
    assert "array" not in text and "[" not in text and len(text) < 200
    assert repr(LRFindResult.from_record([], [], [], False)).count("None") == 2


def test_scheduler_repr_shows_schedules_mode_step_and_groups():
    import jaxsched
    from jaxsched.torch import Scheduler

    params = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))]
    opt = torch.optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1, momentum=0.9)
    lr = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 10, 100)
    sched = Scheduler(opt, lr, momentum=jaxsched.constant_schedule(0.9))
    for _ in range(3):
        opt.step()
        sched.step()
    text = repr(sched)
    assert text.startswith("jaxsched.torch.Scheduler(schedule=" + repr(lr))
    assert "momentum=Constant(value=0.9)" in text
    assert "mode='host'" in text and "last_epoch=3" in text and "groups=2" in text
    assert "object at 0x" not in text
    per_group = Scheduler(opt, [jaxsched.constant_schedule(0.1), jaxsched.constant_schedule(0.2)])
    assert "schedule=[Constant(value=0.1), Constant(value=0.2)]" in repr(per_group)
