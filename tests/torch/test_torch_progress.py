"""``Scheduler(..., progress="tokens"|"samples")`` with ``step(tokens=n)`` / ``step(samples=n)``.

The semantics are Megatron-LM's ``OptimizerParamScheduler.step(increment)``
(``megatron/core/optimizer_param_scheduler.py``, NVIDIA/Megatron-LM commit
00caa53af30912914981c86f39db123961678bbd: ``num_steps += increment``, then every group's
``lr = get_lr()``). Expected values: the progress is the Python ``sum`` of the amounts fed and
the schedule's values are written here by hand in float64 (``wsd_ref``), never read from
jaxsched.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import jaxsched  # noqa: E402
from jaxsched.torch import Scheduler  # noqa: E402

PEAK, TOTAL, WARM, DECAY = 0.01, 200_000, 20_000, 40_000
WSD = jaxsched.warmup_stable_decay(PEAK, TOTAL, WARM, decay_steps=DECAY)  # in tokens


def wsd_ref(p):  # linear warmup, stable, linear decay to 0, by hand
    if p < WARM:
        return PEAK * p / WARM
    if p < TOTAL - DECAY:
        return PEAK
    return PEAK * max(TOTAL - p, 0) / DECAY


RNG = np.random.default_rng(16)
AMOUNTS = [int(x) for x in RNG.integers(0, 8192, size=60)]


def _sched(unit="tokens", **kw):
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=PEAK)
    return model, opt, Scheduler(opt, WSD, progress=unit, **kw)


def _train(model, opt, sched, amounts, unit="tokens"):
    lrs = []
    for n in amounts:
        lrs.append(opt.param_groups[0]["lr"])  # the lr this update uses
        model.weight.grad = torch.ones_like(model.weight)
        model.bias.grad = torch.ones_like(model.bias)
        opt.step()
        sched.step(**{unit: n})
    return lrs


def test_the_clock_is_the_cumulative_sum_of_the_amounts_fed():
    model, opt, sched = _sched()
    lrs = _train(model, opt, sched, AMOUNTS)
    before = np.concatenate([[0], np.cumsum(AMOUNTS)[:-1]])
    np.testing.assert_allclose(lrs, [wsd_ref(p) for p in before], rtol=1e-14, atol=1e-18)
    assert sched.consumed == sum(AMOUNTS) and type(sched.consumed) is int
    assert sched.last_epoch == len(AMOUNTS)
    assert sched.get_last_lr()[0] == pytest.approx(wsd_ref(sum(AMOUNTS)), rel=1e-14)
    assert sched.current_values()[0]["lr"] == sched.get_last_lr()[0]
    assert f"tokens={sum(AMOUNTS)}" in repr(sched)


def test_samples_and_a_tensor_amount():
    model, opt, sched = _sched("samples")
    _train(model, opt, sched, [torch.tensor(30_000), np.int64(5)], unit="samples")
    assert sched.consumed == 30_005
    assert opt.param_groups[0]["lr"] == pytest.approx(wsd_ref(30_005), rel=1e-14)


def test_a_known_ramp_fed_as_samples_equals_by_samples():
    # consistency of the two routes (the tests above check the values independently)
    ramp = jaxsched.batch_size_ramp(1024, 8192, 30, multiple=1024)
    batches = [int(b) for b in np.asarray(ramp.evaluate(np.arange(50), np))]
    model, opt, sched = _sched("samples")
    lrs = _train(model, opt, sched, batches, unit="samples")
    want = np.asarray(jaxsched.by_samples(WSD, ramp).evaluate(np.arange(50), np))
    assert lrs == want.tolist()


def test_resume_mid_run_is_bit_exact():
    torch.manual_seed(0)
    model, opt, sched = _sched()
    whole = _train(model, opt, sched, AMOUNTS)
    w_whole = model.weight.detach().clone()
    torch.manual_seed(0)
    model, opt, sched = _sched()
    first = _train(model, opt, sched, AMOUNTS[:25])
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                "sched": sched.state_dict()}, buf)
    buf.seek(0)
    ckpt = torch.load(buf, weights_only=True)
    model2 = torch.nn.Linear(3, 1)
    opt2 = torch.optim.SGD(model2.parameters(), lr=PEAK)
    sched2 = Scheduler(opt2, WSD, progress="tokens")
    sched2.load_state_dict(ckpt["sched"])  # before the optimizer: the order does not matter
    opt2.load_state_dict(ckpt["opt"])
    model2.load_state_dict(ckpt["model"])
    assert ckpt["sched"]["progress"] == {"unit": "tokens", "consumed": sum(AMOUNTS[:25])}
    rest = _train(model2, opt2, sched2, AMOUNTS[25:])
    assert first + rest == whole
    assert torch.equal(model2.weight, w_whole)
    assert sched2.consumed == sum(AMOUNTS) and sched2.last_epoch == len(AMOUNTS)


def test_huge_progress_is_exact_and_survives_a_checkpoint():
    model, opt, sched = _sched()
    for n in (2**53, 1, 10**12):  # past float64's integers: the Python int stays exact
        sched.step(tokens=n)
    assert sched.consumed == 2**53 + 1 + 10**12
    state = sched.state_dict()
    _, _, other = _sched()
    other.load_state_dict(state)
    assert other.consumed == 2**53 + 1 + 10**12
    assert opt.param_groups[0]["lr"] == 0.0  # past the end: the final value


@pytest.mark.parametrize("kwargs, err, match", [
    ({}, ValueError, r"counts tokens \(progress='tokens'\): call step\(tokens=n\)"),
    ({"tokens": 3, "samples": 3}, ValueError, "either `tokens` or `samples`"),
    ({"samples": 3}, ValueError, "`samples` was given, but this scheduler counts tokens"),
    ({"tokens": -1}, ValueError, "`tokens` must be >= 0"),
    ({"tokens": 3.0}, TypeError, "`tokens` must be an integer"),
    ({"tokens": True}, TypeError, "`tokens` must be an integer"),
    ({"tokens": torch.tensor(3.0)}, TypeError, "`tokens` must be an integer"),
    ({"tokens": torch.tensor([1, 2])}, TypeError, "`tokens` must be an integer"),
    ({"tokens": 2**63}, ValueError, "would pass 2\\*\\*63 - 1"),
    ({"tokens": 3, "epoch": 4}, ValueError, "`epoch` cannot be given"),
])
def test_bad_steps_are_refused_by_name(kwargs, err, match):
    _, opt, sched = _sched()
    with pytest.raises(err, match=match):
        sched.step(**kwargs)
    assert sched.consumed == 0 and sched.last_epoch == 0


def test_a_scheduler_in_steps_refuses_tokens_and_bad_constructions():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    steps = Scheduler(opt, WSD)
    with pytest.raises(ValueError, match="`tokens` was given, but this scheduler's schedules read "
                                         "the update count: build it with progress='tokens'"):
        steps.step(tokens=4)
    with pytest.raises(ValueError, match="`progress` must be one of"):
        Scheduler(opt, WSD, progress="steps")
    with pytest.raises(ValueError, match="needs mode='host'"):
        Scheduler(opt, WSD, progress="tokens", mode="device")
    with pytest.raises(ValueError, match="`last_epoch` must be -1 with `progress='tokens'`"):
        Scheduler(opt, WSD, progress="tokens", last_epoch=3)
    with pytest.raises(ValueError, match="step_to cannot be used with progress='tokens'"):
        Scheduler(opt, WSD, progress="tokens").step_to(3)


def test_load_checks_the_progress():
    _, _, tok = _sched()
    tok.step(tokens=100)
    state = tok.state_dict()
    _, _, smp = _sched("samples")
    with pytest.raises(ValueError, match="`progress` differs: the checkpoint holds 'schedules in "
                                         "tokens', this scheduler holds 'schedules in samples'"):
        smp.load_state_dict(state)
    steps = Scheduler(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1), WSD)
    with pytest.raises(ValueError, match="`progress` differs"):
        steps.load_state_dict(state)
    with pytest.raises(ValueError, match="`progress` differs"):
        tok.load_state_dict(steps.state_dict())
    for bad, field in (({"unit": "tokens", "consumed": -1}, r"progress\['consumed'\]"),
                       ({"unit": "tokens", "consumed": 1.5}, r"progress\['consumed'\]"),
                       ({"unit": "steps", "consumed": 1}, "`progress` must be"),
                       ({"consumed": 1}, "`progress` must be")):
        with pytest.raises(ValueError, match=field):
            tok.load_state_dict({**state, "progress": bad})
    assert tok.consumed == 100  # nothing changed by a refused load
    steps.load_state_dict(steps.state_dict())  # a checkpoint in steps has no "progress" key
    assert "progress" not in steps.state_dict()


def test_plateau_reports_with_progress():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=PEAK)
    plateau = jaxsched.plateau_config(factor=0.5, patience=0, cooldown=0)
    sched = Scheduler(opt, WSD, progress="tokens", plateau=plateau)
    sched.step(1.0, tokens=30_000)
    sched.step(2.0, tokens=10_000)  # worse: the factor halves for the values written now
    assert sched.consumed == 40_000
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * wsd_ref(40_000), rel=1e-14)
