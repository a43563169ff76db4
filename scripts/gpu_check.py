"""GPU checks of the torch bridge's device mode (run by hand on a machine with CUDA).

    python scripts/gpu_check.py

1. No host sync: ``Scheduler.step()`` in device mode under
   ``torch.cuda.set_sync_debug_mode("error")``.
2. CUDA graph: a whole training step (forward, backward, ``optimizer.step()``, ``sched.step()``)
   captured once and replayed; the learning rate and beta1 advance on every replay and equal the
   host-mode (float64) values within float32 rounding.
3. ``torch.compile`` (inductor) of the optimizer step: zero recompiles over 1000 updates.
4. Timing: a CUDA-graph training step with the bridge against the same step with a constant
   learning rate (target ratio <= 1.02), and against torch's own scheduler with a tensor lr
   stepped outside the graph.
Prints one line per check; exits non-zero on a failed check.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
import torch._dynamo

import jaxsched
from jaxsched.torch import Scheduler


def model_and_opt(lr=0.0):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(512, 1024), torch.nn.ReLU(),
                                torch.nn.Linear(1024, 10)).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=torch.tensor(lr, device="cuda"),
                            betas=(torch.tensor(0.9, device="cuda"), 0.999), capturable=True)
    return model, opt


LR = jaxsched.warmup_cosine_decay_schedule(0.0, 1e-3, 50, 1000, end_value=1e-5)
MOM = jaxsched.one_cycle_momentum(total_steps=1000)
X = torch.randn(256, 512, device="cuda")
Y = torch.randint(0, 10, (256,), device="cuda")


def check(name, ok, detail=""):
    print(f"{'PASS' if ok else 'FAIL'} {name} {detail}", flush=True)
    return ok


def graphed_step(model, opt, sched=None):
    def step():
        loss = torch.nn.functional.cross_entropy(model(X), Y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)
        if sched is not None:
            sched.step()

    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):  # warm up (allocates optimizer state)
            step()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        step()
    return g


def main() -> int:
    print("device:", torch.cuda.get_device_name(), "torch", torch.__version__, flush=True)
    ok = True
    # 1. no host sync in device mode
    model, opt = model_and_opt()
    sched = Scheduler(opt, LR, momentum=MOM, mode="device")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(20):
            sched.step()
        ok &= check("device-mode step() without host sync", True)
    except RuntimeError as e:
        ok &= check("device-mode step() without host sync", False, repr(e)[:300])
    finally:
        torch.cuda.set_sync_debug_mode("default")

    # 2. CUDA graph with the scheduler inside the captured step
    model, opt = model_and_opt()
    sched = Scheduler(opt, LR, momentum=MOM, mode="device")
    try:
        g = graphed_step(model, opt, sched)
        start = sched.last_epoch  # host counter stops while the graph replays; the device one runs
        lrs, b1 = [], []
        for _ in range(300):
            g.replay()
            lrs.append(opt.param_groups[0]["lr"].item())
            b1.append(opt.param_groups[0]["betas"][0].item())
        device_steps = int(sched._device_step.item())
        want_lr = LR.evaluate(np.arange(device_steps - 299, device_steps + 1), np)
        want_b1 = MOM.evaluate(np.arange(device_steps - 299, device_steps + 1), np)
        err = float(np.max(np.abs(np.asarray(lrs) - want_lr)))
        errb = float(np.max(np.abs(np.asarray(b1) - want_b1)))
        ok &= check("CUDA graph replays advance the schedule", device_steps == start + 300 + 1
                    and err < 1e-9 and errb < 1e-6,
                    f"(device step {device_steps}, max |lr - host| {err:.2e}, |beta1| {errb:.2e})")
    except Exception as e:  # noqa: BLE001
        ok &= check("CUDA graph replays advance the schedule", False, repr(e)[:400])

    # 3. torch.compile: zero recompiles
    torch._dynamo.reset()
    model, opt = model_and_opt()
    sched = Scheduler(opt, LR, momentum=MOM, mode="device")
    compiled = torch.compile(opt.step)
    after_first = None
    for i in range(1000):
        torch.nn.functional.cross_entropy(model(X), Y).backward()
        compiled()
        opt.zero_grad()
        sched.step()
        if i == 1:
            after_first = dict(torch._dynamo.utils.counters["stats"])
    final = dict(torch._dynamo.utils.counters["stats"])
    ok &= check("torch.compile: no recompiles over 1000 updates", final == after_first,
                f"(dynamo stats after 2 updates {after_first}, after 1000 {final})")

    # 4. timing under CUDA graphs
    def timed(g, n=2000):
        for _ in range(50):
            g.replay()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(n):
            g.replay()
        torch.cuda.synchronize()
        return (time.perf_counter() - t0) / n * 1e6

    model, opt = model_and_opt(lr=1e-3)
    g_const = graphed_step(model, opt)
    model, opt = model_and_opt()
    sched = Scheduler(opt, LR, momentum=MOM, mode="device")
    g_sched = graphed_step(model, opt, sched)
    model, opt = model_and_opt(lr=1e-3)
    torch_sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=1000)
    g_plain = graphed_step(model, opt)
    t_const, t_sched = [], []
    for _ in range(5):
        t_const.append(timed(g_const))
        t_sched.append(timed(g_sched))
    t_torch = []
    for _ in range(3):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(2000):
            g_plain.replay()
            torch_sched.step()
        torch.cuda.synchronize()
        t_torch.append((time.perf_counter() - t0) / 2000 * 1e6)
    c, s_, t = float(np.median(t_const)), float(np.median(t_sched)), float(np.median(t_torch))
    print(f"TIME constant-lr graph step {c:.2f} us; bridge (device mode, inside the graph) "
          f"{s_:.2f} us; ratio {s_ / c:.3f} (target <= 1.02); torch CosineAnnealingLR with a "
          f"tensor lr stepped outside the graph {t:.2f} us (ratio to constant {t / c:.3f})",
          flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
