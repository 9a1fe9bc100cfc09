"""Several processes, one run: what a run needs when `torchrun` or `accelerate launch` starts it as N processes
(DDP: each process trains a replica on its share of every batch, and the gradients are averaged).

Under a launcher every process runs the same command, so without care each would pick its own run id, write its
own folder and print its own summary, and each would decide alone to stop, which would leave the others waiting
in a collective. Here:

- The process group is initialised as soon as a run starts (`ensure_process_group`), with the same
  `accelerate.PartialState` the Trainer builds later (gloo on CPUs, NCCL on GPUs; the env:// rendezvous that both
  launchers set up). The Trainer then finds it initialised and reuses it.
- Rank 0 picks the run id (or takes WORKBENCH_RUN_ID, when a parent process chose it) and broadcasts it
  (`share_from_main`), so every rank works on the same run. Only rank 0 writes the run store and prints.
- Every decision that changes what the ranks do next (stop, give up before training, write a stop checkpoint,
  a non-finite loss only one rank saw) is taken collectively with `any_rank`: a MAX all-reduce of a flag, at
  points every rank passes in the same order.

Without a launcher (WORLD_SIZE unset or 1) every function here is a no-op that costs nothing.
"""
from __future__ import annotations

import os
from typing import Any

RUN_ID_ENV = "WORKBENCH_RUN_ID"


def world_size() -> int:
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def rank() -> int:
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def is_distributed() -> bool:
    return world_size() > 1


def is_main_process() -> bool:
    """Rank 0, the one process of a launch that writes the run store and prints (True without a launcher)."""
    return rank() == 0


def ensure_process_group(device: str = "auto") -> None:
    """Initialise torch.distributed the way the Trainer will (accelerate's PartialState), once; a no-op without a
    launcher. The rendezvous comes from the launcher's environment (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE).
    `device` is the run's setting, so a run pinned to the CPU on a GPU machine gets gloo, as its Trainer will."""
    if not is_distributed():
        return
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return
    from accelerate import PartialState

    from .devices import resolve_device

    PartialState(cpu=resolve_device(device).type == "cpu")


def _device():
    from accelerate import PartialState

    return PartialState().device


def share_from_main(value: Any) -> Any:
    """Rank 0's `value`, on every rank (a broadcast of a small picklable object)."""
    if not is_distributed():
        return value
    import torch.distributed as dist

    ensure_process_group()
    box = [value if is_main_process() else None]
    dist.broadcast_object_list(box, src=0, device=_device())
    return box[0]


def any_rank(flag: bool) -> bool:
    """True on every rank when `flag` is true on at least one: a collective, so every rank must call it at the
    same point (a MAX all-reduce of one number; about 0.1 ms on gloo between local processes)."""
    if not is_distributed():
        return bool(flag)
    import torch
    import torch.distributed as dist

    ensure_process_group()
    value = torch.tensor([1 if flag else 0], dtype=torch.int32, device=_device())
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def describe() -> str:
    """A set-up note for a run trained as several processes ('' for one process)."""
    if not is_distributed():
        return ""
    try:
        import torch.distributed as dist
        backend = dist.get_backend() if dist.is_initialized() else "?"
    except Exception:   # only a note
        backend = "?"
    return f"Trained as {world_size()} processes (DDP, {backend})."
