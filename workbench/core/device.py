"""Which torch device to compute on (CUDA, then Apple MPS, then CPU, unless the user says otherwise), how to name
it for people, and how much memory it is using."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from workbench.core.errors import WorkbenchError


class DeviceError(WorkbenchError):
    """The device the user asked for is not available here."""


def choose_device(preference: str = "auto"):
    """A `torch.device` for "auto" (CUDA > MPS > CPU), "cuda", "mps" or "cpu"; raises `DeviceError` if absent."""
    import torch  # lazy

    if preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if preference == "cuda":
        if not torch.cuda.is_available():
            built = torch.version.cuda
            why = ("this PyTorch was built without CUDA (a CPU-only build)" if not built
                   else f"PyTorch (built for CUDA {built}) sees no usable NVIDIA GPU or driver")
            raise DeviceError(f"Training on the GPU (CUDA) was asked for, but {why}. Choose the CPU or 'auto', "
                              "or see Help > Diagnostics (workbench doctor) for what to install.")
        return torch.device("cuda")
    if preference == "mps":
        if not _mps_available():
            raise DeviceError("Training on the Apple GPU (MPS) was asked for, but it is not available here. "
                              "Choose the CPU or 'auto'.")
        return torch.device("mps")
    if preference == "cpu":
        return torch.device("cpu")
    raise DeviceError(f"Unknown device {preference!r}: choose auto, cpu, cuda or mps.")


@dataclass(frozen=True)
class GpuInfo:
    """One NVIDIA GPU that PyTorch sees: its CUDA index, name and memory."""

    index: int
    name: str
    memory_bytes: int

    @property
    def title(self) -> str:
        """"GPU 1: NVIDIA A100-SXM4-80GB, 80 GB"."""
        return f"GPU {self.index}: {self.name}, {self.memory_bytes / 1024 ** 3:.0f} GB"


def cuda_devices() -> list[GpuInfo]:
    """The NVIDIA GPUs PyTorch can train on here, in CUDA order (none without CUDA)."""
    import torch  # lazy

    if not torch.cuda.is_available():
        return []
    gpus = []
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        gpus.append(GpuInfo(index, props.name, int(props.total_memory)))
    return gpus


def _mps_available() -> bool:
    import torch  # lazy

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def device_label(device) -> str:
    """The device in words, e.g. "CPU (2 threads)" or "NVIDIA H100 80GB HBM3 (CUDA 12.4)"."""
    import torch  # lazy

    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"{torch.cuda.get_device_name(index)} (CUDA {torch.version.cuda})"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"


def memory_in_use(device) -> int | None:
    """Bytes in use: tensors allocated on a GPU, or this process's resident memory on the CPU (None if unknown)."""
    import torch  # lazy

    if device.type == "cuda":
        return int(torch.cuda.memory_allocated(device))
    if device.type == "mps":
        return int(torch.mps.current_allocated_memory())
    return process_memory()


def cuda_memory(device) -> dict[str, int]:
    """A GPU's memory as the caching allocator sees it, in bytes: "allocated" (held by tensors now), "reserved"
    (taken from the GPU by the allocator, what other programs cannot use) and "peak" (the most allocated since the
    run began)."""
    import torch  # lazy

    return {"allocated": int(torch.cuda.memory_allocated(device)), "reserved": int(torch.cuda.memory_reserved(device)),
            "peak": int(torch.cuda.max_memory_allocated(device))}


def describe_memory(allocated: int | None, reserved: int | None = None, peak: int | None = None) -> str:
    """Memory in use in words: "1.2 GB allocated, 1.5 GB reserved, peak 1.8 GB" on a GPU, "350.0 MB in use"
    elsewhere ("" when unknown)."""
    if allocated is None:
        return ""
    if reserved is None:
        return f"{format_bytes(allocated)} in use"
    text = f"{format_bytes(allocated)} allocated, {format_bytes(reserved)} reserved"
    return text + (f", peak {format_bytes(peak)}" if peak is not None else "")


def memory_available(device) -> int | None:
    """Bytes the device can still give (free GPU memory, or available system memory), None if unknown."""
    import torch  # lazy

    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type == "cpu" and sys.platform.startswith("linux"):
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
    return None


def process_memory() -> int | None:
    """Resident memory of this process in bytes (None where it cannot be read)."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return None
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def format_bytes(n: int | None) -> str:
    """Bytes for people: "512 B", "3.4 MB", "1.2 GB"."""
    if n is None:
        return "unknown"
    value = float(n)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
