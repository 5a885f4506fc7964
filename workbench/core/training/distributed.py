"""Training on several processes with PyTorch's own engine: `torch.distributed`, launched by `torchrun`
(`torch.distributed.run`), with DistributedDataParallel.

`launch` hands a command to `torchrun`'s launcher (one machine, or several with a rendezvous endpoint) and turns a
failed process into a `DistributedRunError` naming its rank and its error. Inside each process, `launched_ranks`
reads the rank and world size that `torchrun` sets, `start` joins the process group (NCCL on GPUs, gloo on CPUs),
and `RankSync` is what the training loop asks the other processes at the end of each epoch: the mean training
loss over all of them, and whether any was asked to stop (so that all stop after the same epoch). Only rank 0
writes (run record, checkpoints, curves, logs); `write_failure` leaves a process's error where `torchrun` reads it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass

from workbench.core.errors import WorkbenchError
from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.out_of_memory import is_out_of_memory
from workbench.core.training.status import RunStatus

GLOO, NCCL = "gloo", "nccl"


class DistributedRunError(WorkbenchError):
    """A process of a distributed run failed; the others were stopped."""


@dataclass(frozen=True)
class Ranks:
    """This process's place in a distributed run, as `torchrun` sets it in the environment."""

    rank: int
    world_size: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_ranks() -> Ranks | None:
    """The ranks `torchrun` gave this process, or None when it was not started by `torchrun`."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        return None
    return Ranks(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)))


def start(ranks: Ranks, device):
    """Joins the process group unless already joined; returns the device this process computes on (its own GPU,
    ``cuda:LOCAL_RANK``, on a CUDA machine). NCCL when every process of this machine has a GPU of its own; gloo
    otherwise (CPUs, or several processes sharing one GPU, which NCCL refuses)."""
    import torch  # lazy
    import torch.distributed as dist  # lazy

    backend = GLOO
    if device.type == "cuda":
        gpus = max(1, torch.cuda.device_count())
        device = torch.device("cuda", ranks.local_rank % gpus)
        torch.cuda.set_device(device)
        if int(os.environ.get("LOCAL_WORLD_SIZE", ranks.world_size)) <= gpus:
            backend = NCCL
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=ranks.rank, world_size=ranks.world_size,
                                device_id=device if backend == NCCL else None)
    return device


def backend_name() -> str:
    """The process group's backend in words ("NCCL", "gloo")."""
    import torch.distributed as dist  # lazy

    return "NCCL" if dist.get_backend() == NCCL else "gloo"


def leave_together() -> None:
    """Waits until every process has done its part (rank 0 evaluates and saves after the others have finished
    training), so that no process tears down its communication while another may still be using it: a rank that
    left early was seen to abort at exit ("terminate called without an active exception", SIGABRT) once in a
    loaded test run, turning a finished run into a failure."""
    import torch.distributed as dist  # lazy

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def finish() -> None:
    """Leaves the process group, if this process joined one."""
    import torch.distributed as dist  # lazy

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def wrap(module, device):
    """`module` in DistributedDataParallel: the same weights on every rank at the start (rank 0's are broadcast),
    gradients averaged over the ranks at every step."""
    from torch.nn.parallel import DistributedDataParallel  # lazy

    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=ids)


class RankSync:
    """The end-of-epoch exchange between the processes: one all-reduce of (loss sum, batches, stop asked)."""

    def __init__(self, ranks: Ranks, device):
        self.ranks = ranks
        self.device = device

    def epoch_end(self, loss: float, stop_asked: bool) -> tuple[float, bool]:
        """(the mean of every rank's training loss, whether any rank was asked to stop)."""
        import torch  # lazy
        import torch.distributed as dist  # lazy

        values = torch.tensor([loss, 1.0, float(stop_asked)], dtype=torch.float64, device=self.device)
        dist.all_reduce(values)
        total, count, stops = values.tolist()
        return total / count, stops > 0


class PeerFailure(LoopCallback):
    """When another process of the run fails, this one's collectives fail too: the run then ends as stopped, with
    the last good weights, so that rank 0 keeps it (checkpoints and run record) and ``--resume`` continues it."""

    def __init__(self, weights):
        self.weights = weights  # the BestWeights of the run
        self.failed = False

    def on_exception(self, state: FitState, exc: Exception) -> bool:
        import torch.distributed as dist  # lazy

        if not isinstance(exc, (dist.DistError, RuntimeError)) or is_out_of_memory(exc):
            return False
        self.failed = True
        state.progress.discard_pending()
        self.weights.load_good(state.module)
        state.end_with(RunStatus.STOPPED, f"Another process of this run stopped during epoch {state.epoch + 1}, so "
                       "the run was stopped and kept. Continue it with --resume.", "last_good")
        return True


def weights_digest(module) -> str:
    """A fingerprint of the module's weights and buffers (equal only for bit-identical weights)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def gathered(value):
    """Every rank's `value`, in rank order."""
    import torch.distributed as dist  # lazy

    values = [None] * dist.get_world_size()
    dist.all_gather_object(values, value)
    return values


def write_failure(message: str) -> None:
    """Leaves this process's error in plain words where `torchrun` reads it (TORCHELASTIC_ERROR_FILE), so that
    the launcher names it; does nothing outside `torchrun`."""
    path = os.environ.get("TORCHELASTIC_ERROR_FILE")
    if not path:
        return
    try:
        with open(path, "w") as f:
            json.dump({"message": message, "timestamp": int(time.time())}, f)
    except OSError:
        pass


@dataclass
class LaunchPlan:
    """How many processes on how many machines; a rendezvous endpoint (HOST:PORT) when several machines."""

    nproc_per_node: int
    nnodes: int = 1
    node_rank: int = 0
    rdzv_endpoint: str | None = None

    def torchrun_arguments(self) -> list[str]:
        args = [f"--nproc-per-node={self.nproc_per_node}"]
        if self.nnodes == 1 and not self.rdzv_endpoint:
            return ["--standalone", *args]
        if not self.rdzv_endpoint:
            raise WorkbenchError(f"A run on {self.nnodes} machines needs a meeting point: give --rdzv-endpoint "
                                 "HOST:PORT, the address of the first machine and a free port, on every machine.")
        return [*args, f"--nnodes={self.nnodes}", f"--node-rank={self.node_rank}", "--rdzv-backend=c10d",
                f"--rdzv-endpoint={self.rdzv_endpoint}", "--rdzv-id=workbench"]

    def check(self) -> None:
        if self.nproc_per_node < 1:
            raise WorkbenchError(f"--nproc-per-node must be 1 or more (got {self.nproc_per_node}).")
        if self.nnodes < 1 or not 0 <= self.node_rank < self.nnodes:
            raise WorkbenchError(f"--node-rank must be between 0 and {self.nnodes - 1} for --nnodes "
                                 f"{self.nnodes} (got {self.node_rank}).")


def launch(plan: LaunchPlan, module_args: list[str]) -> None:
    """Runs ``python -m workbench MODULE_ARGS`` in `plan.nproc_per_node` processes through `torchrun`; returns when
    all have finished. Raises `DistributedRunError` naming the first process that failed and its error."""
    from torch.distributed import run as torchrun  # lazy
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError  # lazy

    plan.check()
    args = torchrun.get_args_parser().parse_args(
        [*plan.torchrun_arguments(), "--module", "workbench", *module_args])
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # torchrun's own default, without its warning
    sys.stdout.flush()
    elastic_log = logging.getLogger("torch.distributed.elastic")
    level = elastic_log.level
    elastic_log.setLevel(logging.CRITICAL)  # its failure report is told in words below
    try:
        torchrun.run(args)
    except ChildFailedError as exc:
        raise DistributedRunError(failure_message(exc.failures, plan.nproc_per_node * plan.nnodes)) from None
    finally:
        elastic_log.setLevel(level)


def failure_message(failures: dict, world_size: int) -> str:
    """The failure that started it in words: which process, and its error. The launcher ends the other processes
    with SIGTERM, so a process ended that way comes last; then the earliest, then the lowest rank."""
    rank, failure = min(failures.items(),
                        key=lambda item: (item[1].exitcode == -signal.SIGTERM, item[1].timestamp, item[0]))
    detail = str(failure.message or "").strip()
    if not detail or detail.startswith("To enable traceback"):
        detail = f"it ended with exit code {failure.exitcode}"
    return (f"Process {rank + 1} of {world_size} (rank {rank}) failed: {detail.rstrip('.')}. The other processes "
            "were stopped; the run is kept up to its last checkpoint.")
