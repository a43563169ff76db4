"""torch on two gloo ranks over 127.0.0.1 (``torch_ranks_worker.py``, one subprocess per rank,
a free port chosen here): the bridge under DDP and FSDP2 (``fully_shard``, which works on CPU
with gloo in torch 2.13), a ``torch.distributed.checkpoint`` resume plus the bridge's own
``state_dict``, and the plateau metric with and without an all_reduce across ranks.
"""

from __future__ import annotations

import numpy as np
import pytest
import scaleout_problem as sp
import torch

import jaxsched
from jaxsched.torch import Scheduler

WORLD = 2
STEPS = 8  # as in torch_ranks_worker.py


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("gloo")
    port = sp.free_port()
    cmds = [["torch_ranks_worker.py", str(r), str(WORLD), str(port), str(out)] for r in range(WORLD)]
    sp.run_workers(cmds, sp.worker_env(), timeout=120)
    return [dict(np.load(out / f"rank{r}.npz")) for r in range(WORLD)]


def _expected_lr_momentum() -> np.ndarray:
    k = np.arange(STEPS)
    lr = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 3, STEPS, end_value=0.01).evaluate(k, np)
    momentum = jaxsched.linear_schedule(0.9, 0.5, STEPS).evaluate(k, np)
    return np.stack([lr, momentum], axis=1)


@pytest.mark.parametrize("wrapper", ["ddp", "fsdp"])
def test_every_rank_uses_the_same_lr_and_momentum(ranks, wrapper):
    if f"{wrapper}/skipped" in ranks[0]:
        pytest.skip(str(ranks[0][f"{wrapper}/skipped"]))
    expected = _expected_lr_momentum()
    for r in ranks:
        np.testing.assert_allclose(r[f"{wrapper}/seen"], expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(r[f"{wrapper}/seen"], ranks[0][f"{wrapper}/seen"])
    for key in ranks[0]:
        if key.startswith(f"{wrapper}/params/"):  # the ranks' replicas (or gathered shards) agree
            np.testing.assert_array_equal(ranks[1][key], ranks[0][key])


def test_ddp_and_fsdp2_train_alike(ranks):
    if "fsdp/skipped" in ranks[0]:
        pytest.skip(str(ranks[0]["fsdp/skipped"]))
    for key in ranks[0]:
        if key.startswith("ddp/params/"):
            np.testing.assert_allclose(ranks[0][key.replace("ddp/", "fsdp/")], ranks[0][key],
                                       rtol=1e-5, atol=1e-7)


def test_dcp_resume_is_bit_exact(ranks):
    for r in ranks:
        np.testing.assert_array_equal(r["resume/resumed_seen"], r["resume/full_seen"])
        assert r["resume/scale"] < 1  # the plateau reduced, so its state went through the checkpoint
        keys = [k for k in r if k.startswith("resume/full/")]
        assert keys
        for key in keys:
            np.testing.assert_array_equal(r[key.replace("/full/", "/resumed/")], r[key], err_msg=key)


def _single_process_lrs(metrics) -> list[float]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    sched = Scheduler(opt, jaxsched.constant_schedule(0.1),
                      plateau=jaxsched.plateau_config(factor=0.5, patience=1))
    lrs = []
    for m in metrics:
        sched.step(float(m))
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


def test_plateau_on_the_reduced_metric_takes_one_decision(ranks):
    mean = np.mean([r["plateau/metrics"] for r in ranks], axis=0)
    expected = _single_process_lrs(mean)
    for r in ranks:
        np.testing.assert_array_equal(r["plateau/reduced"], expected)


def test_plateau_on_per_rank_metrics_diverges(ranks):
    # without the all_reduce each rank follows its own metric: the learning rates differ
    for r in ranks:
        np.testing.assert_array_equal(r["plateau/local"], _single_process_lrs(r["plateau/metrics"]))
    assert not np.array_equal(ranks[0]["plateau/local"], ranks[1]["plateau/local"])
