"""``jaxsched.torch.ValueScheduler``: any param-group key or object attribute on a schedule.

Expected values are hand derivations (a linear ramp ``a + (b - a) k / n``, timm's EMA warmup
``1 - 1 / (1 + k)`` at ``gamma = p = 1`` for update ``k >= 1``), never the scheduler's output.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

import jaxsched
from jaxsched.torch import Scheduler, ValueScheduler


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Dropout(0.5), torch.nn.Linear(3, 1))


def _ramp(a, b, n, k):
    return a + (b - a) * min(k, n) / n


class EMA:
    """A minimal EMA helper holding its decay as a float and as a buffer."""

    def __init__(self):
        self.decay = 0.0
        self.buffer = torch.zeros((), dtype=torch.float64)


def test_group_keys_attributes_and_the_step_rule():
    model = _model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    opt.param_groups[0]["loss_weight"] = 1.0  # a custom key
    ema = EMA()
    vs = ValueScheduler(
        opt,
        {"betas[1]": jaxsched.linear_schedule(0.95, 0.999, 10),
         "eps": jaxsched.linear_schedule(1e-6, 1e-8, 10),
         "loss_weight": 0.25},
        attributes=[(model[1], "p", jaxsched.linear_schedule(0.5, 0.0, 20)),
                    (ema, "decay", jaxsched.ema_warmup(0.999, 1.0, 1.0))],
    )
    x = torch.randn(4, 3)
    for k in range(15):
        g = opt.param_groups[0]
        assert isinstance(g["betas"], tuple) and g["betas"][0] == 0.9  # betas[0] untouched
        assert g["betas"][1] == pytest.approx(_ramp(0.95, 0.999, 10, k), rel=1e-15)
        assert g["eps"] == pytest.approx(_ramp(1e-6, 1e-8, 10, k), rel=1e-12)
        assert g["loss_weight"] == 0.25
        assert model[1].p == pytest.approx(_ramp(0.5, 0.0, 20, k), abs=1e-15)
        assert ema.decay == pytest.approx(0.0 if k == 0 else min(1 - 1 / (1 + k), 0.999), rel=1e-14)
        loss = model(x).pow(2).mean()  # the optimizer runs with the scheduled values
        opt.zero_grad()
        loss.backward()
        opt.step()
        vs.step()
    assert vs.last_epoch == 15
    assert vs.current_values()["betas[1]"] == pytest.approx(0.999)


def test_tensor_values_are_filled_in_place():
    p = torch.nn.Parameter(torch.zeros(2))
    betas = (torch.tensor(0.9), torch.tensor(0.99))
    opt = torch.optim.Adam([p], lr=torch.tensor(0.01), betas=betas)
    ema = EMA()
    buf = ema.buffer
    vs = ValueScheduler(opt, {"betas[1]": jaxsched.linear_schedule(0.9, 0.99, 4)},
                        attributes=[(ema, "buffer", jaxsched.linear_schedule(0.0, 1.0, 4))])
    vs.step()
    vs.step()
    b1 = opt.param_groups[0]["betas"][1]
    assert b1 is betas[1] and float(b1) == pytest.approx(0.945, rel=1e-6)
    assert ema.buffer is buf and ema.buffer.dtype == torch.float64 and float(buf) == 0.5


def test_groups_subset_and_dotted_attribute():
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1, weight_decay=0.0)

    class Holder:
        def __init__(self):
            self.ema = EMA()

    h = Holder()
    ValueScheduler(opt, {"weight_decay": 0.5}, groups=[1],
                   attributes=[(h, "ema.decay", 0.25)])
    assert [g["weight_decay"] for g in opt.param_groups] == [0.0, 0.5]
    assert h.ema.decay == 0.25


def _make(opt, model):
    return ValueScheduler(opt, {"betas[1]": jaxsched.cosine_decay(0.999, 50, 0.95)},
                          attributes=[(model[1], "p", jaxsched.linear_schedule(0.3, 0.0, 30))],
                          chunk_size=8)


def test_resume_is_bit_exact():
    model = _model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    vs = _make(opt, model)
    seen = []
    saved = None
    for k in range(40):
        seen.append((opt.param_groups[0]["betas"][1], model[1].p))
        if k == 13:
            buf = io.BytesIO()
            torch.save(vs.state_dict(), buf)
            saved = buf.getvalue()
        vs.step()
    model2 = _model()
    opt2 = torch.optim.AdamW(model2.parameters(), lr=1e-3)
    vs2 = _make(opt2, model2)
    vs2.load_state_dict(torch.load(io.BytesIO(saved), weights_only=True))
    for k in range(13, 40):
        assert (opt2.param_groups[0]["betas"][1], model2[1].p) == seen[k]
        vs2.step()


def test_load_checks_what_it_loads():
    model = _model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    state = _make(opt, model).state_dict()
    other = ValueScheduler(opt, {"betas[1]": jaxsched.cosine_decay(0.999, 60, 0.95)},
                           attributes=[(model[1], "p", jaxsched.linear_schedule(0.3, 0.0, 30))])
    with pytest.raises(ValueError, match="`schedules` differs"):
        other.load_state_dict(state)
    fewer = ValueScheduler(opt, {"betas[1]": jaxsched.cosine_decay(0.999, 50, 0.95)})
    with pytest.raises(ValueError, match="`targets` differs"):
        fewer.load_state_dict(state)
    vs = _make(opt, model)
    with pytest.raises(ValueError, match="last_epoch"):
        vs.load_state_dict({**state, "last_epoch": -3})
    with pytest.raises(ValueError, match="missing"):
        vs.load_state_dict({"last_epoch": 3})


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(keys={"nope": 1.0}), ValueError, "no key 'nope'"),
    (dict(keys={"betas[2]": 1.0}), ValueError, "no entry 2"),
    (dict(keys={"lr[0]": 1.0}), ValueError, "no entry 0"),
    (dict(keys={"be tas": 1.0}), ValueError, "param-group key"),
    (dict(keys={"eps": "x"}), TypeError, "Schedule"),
    (dict(keys={"eps": 1e-8}, groups=[3]), ValueError, "groups"),
    (dict(), ValueError, "nothing to schedule"),
    (dict(attributes=[(object(), "p", 0.1)]), ValueError, "no attribute 'p'"),
    (dict(attributes=[(EMA(), "decay")]), TypeError, "attributes"),
    (dict(keys={"eps": jaxsched.lambda_schedule(lambda k: np.where(np.asarray(k) >= 3, np.inf, 0.1))}),
     ValueError, "finite"),
])
def test_bad_construction_names_the_argument(kwargs, exc, match):
    opt = torch.optim.AdamW(_model().parameters(), lr=1e-3)
    with pytest.raises(exc, match=match):
        ValueScheduler(opt, **{k: v for k, v in kwargs.items()})


def test_beside_the_lr_scheduler_nothing_changes_for_it():
    model = _model()
    opt = torch.optim.AdamW(model.parameters(), lr=1.0)
    lr_sched = Scheduler(opt, jaxsched.linear_schedule(1.0, 0.0, 10))
    vs = ValueScheduler(opt, {"betas[1]": jaxsched.linear_schedule(0.9, 0.99, 10)})
    lrs, b1 = [], []
    for _ in range(12):
        lrs.append(opt.param_groups[0]["lr"])
        b1.append(opt.param_groups[0]["betas"][1])
        opt.step()
        lr_sched.step()
        vs.step()
    np.testing.assert_allclose(lrs, [_ramp(1.0, 0.0, 10, k) for k in range(12)], rtol=1e-15)
    np.testing.assert_allclose(b1, [_ramp(0.9, 0.99, 10, k) for k in range(12)], rtol=1e-15)
    assert opt.param_groups[0]["betas"][0] == 0.9


def test_vector_valued_schedule_writes_lists_and_tensors():
    class Sampler:
        def __init__(self):
            self.weights = [1.0, 0.0]
            self.table = torch.zeros(2, dtype=torch.float32)

    smp = Sampler()
    table = smp.table
    mix = jaxsched.mixture_weights([[0, {"a": 3, "b": 1}], [4, {"a": 1, "b": 1}]],
                                   interpolate=True)
    vs = ValueScheduler(attributes=[(smp, "weights", mix), (smp, "table", mix)])
    vs.step()
    vs.step()
    # hand values: a = 0.75 -> 0.5 over 4 steps: 0.625 at step 2
    assert smp.weights == pytest.approx([0.625, 0.375], rel=1e-15)
    assert smp.table is table and table.tolist() == pytest.approx([0.625, 0.375])
    assert vs.current_values()["Sampler.weights"] == pytest.approx([0.625, 0.375])


def test_the_lr_scheduler_refuses_a_vector_valued_schedule():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="vector-valued"):
        Scheduler(opt, jaxsched.mixture_weights({"a": 1.0, "b": 1.0}))
