"""Worker for test_torch_distributed.py: one gloo rank on 127.0.0.1. Usage: ``python
torch_ranks_worker.py RANK WORLD PORT OUTDIR``. Runs DDP and FSDP2 training with the bridge,
a torch.distributed.checkpoint resume, and the plateau with and without reducing the metric,
and saves what this rank saw (the test compares ranks and independent values).
"""

from __future__ import annotations

import sys

STEPS, RESUME_AT = 8, 4


def main(rank: int, world: int, port: int, outdir: str) -> None:
    import numpy as np
    import torch
    import torch.distributed as dist
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict
    from torch.nn.parallel import DistributedDataParallel as DDP

    import jaxsched
    from jaxsched.torch import Scheduler

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    out: dict = {}
    lr = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 3, STEPS, end_value=0.01)
    momentum = jaxsched.linear_schedule(0.9, 0.5, STEPS)
    g = torch.Generator().manual_seed(100 + rank)  # each rank its own data
    xs, ys = torch.randn(STEPS, 4, 4, generator=g), torch.randn(STEPS, 4, 1, generator=g)

    def model_fn():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))

    def build(wrap, plateau=None):
        model = wrap(model_fn())
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return model, opt, Scheduler(opt, lr, momentum=momentum, plateau=plateau)

    def train(model, opt, sched, start, stop, record=None, reduce_metric=True):
        for k in range(start, stop):
            loss = torch.nn.functional.mse_loss(model(xs[k]), ys[k])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if record is not None:
                record.append([opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]])
            if sched.plateau is None:
                sched.step()
            else:
                # (README: plateau across ranks; from test_torch_distributed.py)
                metric = loss.detach().clone()
                if reduce_metric:
                    dist.all_reduce(metric, op=dist.ReduceOp.AVG)  # every rank: the same metric
                sched.step(metric)

    def params_of(model):
        sd = get_state_dict(model, [])[0]  # full tensors for FSDP2 too
        return {k: (v.full_tensor() if hasattr(v, "full_tensor") else v).detach().numpy().copy()
                for k, v in sd.items()}

    # DDP and FSDP2: the lr and momentum each rank's optimizer used at every step
    def ddp(m):
        return DDP(m)

    wraps = {"ddp": ddp}
    try:
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard

        mesh = init_device_mesh("cpu", (world,))

        def fsdp(m):
            for layer in m:
                if isinstance(layer, torch.nn.Linear):
                    fully_shard(layer, mesh=mesh)
            return fully_shard(m, mesh=mesh)

        wraps["fsdp"] = fsdp
    except Exception as e:  # noqa: BLE001 - reported to the test, which skips with it
        out["fsdp/skipped"] = np.array(f"{type(e).__name__}: {e}")
    for name, wrap in wraps.items():
        try:
            model, opt, sched = build(wrap)
            seen: list = []
            train(model, opt, sched, 0, STEPS, seen)
            out[f"{name}/seen"] = np.array(seen)
            for k, v in params_of(model).items():
                out[f"{name}/params/{k}"] = v
        except Exception as e:  # noqa: BLE001
            if name == "ddp":
                raise
            out["fsdp/skipped"] = np.array(f"{type(e).__name__}: {e}")

    # DCP resume, with a plateau driven by the all-reduced loss
    plateau = jaxsched.plateau_config(factor=0.5, patience=0, threshold=0.5)
    model, opt, sched = build(ddp, plateau)
    full_seen: list = []
    train(model, opt, sched, 0, STEPS, full_seen)
    out["resume/full_seen"] = np.array(full_seen)
    for k, v in params_of(model).items():
        out[f"resume/full/{k}"] = v
    model, opt, sched = build(ddp, plateau)
    first_seen: list = []
    train(model, opt, sched, 0, RESUME_AT, first_seen)
    # (README: "torch: DCP resume"; from test_torch_distributed.py)
    ckpt = f"{outdir}/dcp_step{RESUME_AT}"
    model_sd, optim_sd = get_state_dict(model, opt)
    dcp.save({"model": model_sd, "optim": optim_sd}, checkpoint_id=ckpt)
    torch.save(sched.state_dict(), f"{ckpt}/scheduler_rank{rank}.pt")
    dist.barrier()
    model, opt, sched = build(ddp, plateau)  # a fresh run
    model_sd, optim_sd = get_state_dict(model, opt)
    state = {"model": model_sd, "optim": optim_sd}
    dcp.load(state, checkpoint_id=ckpt)
    set_state_dict(model, opt, model_state_dict=state["model"], optim_state_dict=state["optim"])
    sched.load_state_dict(torch.load(f"{ckpt}/scheduler_rank{rank}.pt", weights_only=True))
    resumed_seen: list = []
    train(model, opt, sched, RESUME_AT, STEPS, resumed_seen)
    out["resume/resumed_seen"] = np.array(first_seen + resumed_seen)
    out["resume/scale"] = np.array(sched._plateau_factors())
    for k, v in params_of(model).items():
        out[f"resume/resumed/{k}"] = v

    # plateau metrics that differ per rank: rank 0 plateaus, rank 1 keeps improving
    metrics = [[1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 0.3, 0.1, 0.03, 0.01, 0.003]][rank % 2]
    for reduce in (True, False):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
        sched = Scheduler(opt, jaxsched.constant_schedule(0.1), plateau=jaxsched.plateau_config(
            factor=0.5, patience=1))
        lrs = []
        for m in metrics:
            metric = torch.tensor(m, dtype=torch.float64)
            if reduce:
                dist.all_reduce(metric, op=dist.ReduceOp.AVG)
            sched.step(metric)
            lrs.append(opt.param_groups[0]["lr"])
        out[f"plateau/{'reduced' if reduce else 'local'}"] = np.array(lrs)
    out["plateau/metrics"] = np.array(metrics)
    np.savez(f"{outdir}/rank{rank}.npz", **out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
