"""ONNX Runtime sessions: providers chosen by what the machine has, quiet logs, and the provider actually used.

TensorRT and CUDA are tried only when onnxruntime offers them *and* a GPU is present (the CUDA driver loads and
reports at least one device); otherwise the CPU provider is used without trying the others, so a machine without a
GPU never sees the provider libraries' error messages. When a GPU is there but its libraries are missing, the
probe that finds out runs once, with output silenced, and the answer is remembered.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from workbench.core.errors import WorkbenchError

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
GPU_PROVIDERS = (TENSORRT, CUDA)
PROVIDER_TITLES = {CPU: "CPU", CUDA: "CUDA (GPU)", TENSORRT: "TensorRT (GPU)"}
LOG_ERRORS_ONLY = 3  # ONNX Runtime severity: 0 verbose ... 3 error, 4 fatal
LOG_SILENT = 4

_probe_lock = threading.Lock()


def _ort():
    import onnxruntime as ort  # lazy

    ort.set_default_logger_severity(LOG_ERRORS_ONLY)
    return ort


@functools.lru_cache(maxsize=1)
def gpu_count() -> int:
    """How many CUDA devices the driver reports (0 without a driver or a GPU); never raises."""
    names = ("nvcuda.dll",) if sys.platform == "win32" else ("libcuda.so.1", "libcuda.so")
    for name in names:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        try:
            if lib.cuInit(0) != 0 or lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
                return 0
        except AttributeError:
            return 0
        return int(count.value)
    return 0


@contextlib.contextmanager
def _silenced_output():
    """Silences file descriptors 1 and 2 (native libraries print there directly) for the duration."""
    saved = []
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            saved.append((fd, os.dup(fd)))
            os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass
    try:
        yield
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)


def _tiny_model_bytes() -> bytes:
    from onnx import TensorProto, helper  # lazy

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "probe",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8).SerializeToString()


@functools.lru_cache(maxsize=1)
def usable_providers() -> tuple[str, ...]:
    """The providers that really work here, best first; always ends with the CPU provider."""
    ort = _ort()
    offered = set(ort.get_available_providers())
    candidates = [p for p in GPU_PROVIDERS if p in offered] if gpu_count() > 0 else []
    usable = []
    if candidates:
        model = _tiny_model_bytes()
        with _probe_lock, _silenced_output():
            for provider in candidates:
                options = ort.SessionOptions()
                options.log_severity_level = LOG_SILENT
                try:
                    session = ort.InferenceSession(model, options, providers=[provider, CPU])
                except Exception:  # a provider library that cannot load is simply not usable
                    continue
                if session.get_providers()[0] == provider:
                    usable.append(provider)
    return (*usable, CPU)


def choose_providers(preference: str = "auto") -> list[str]:
    """Providers to ask for: ``"auto"`` (best usable first), ``"cpu"``, ``"cuda"`` or ``"tensorrt"``."""
    usable = usable_providers()
    if preference == "auto":
        return list(usable)
    wanted = {"cpu": CPU, "cuda": CUDA, "tensorrt": TENSORRT}.get(preference)
    if wanted is None:
        raise WorkbenchError(f"Unknown runtime provider '{preference}': choose auto, cpu, cuda or tensorrt.")
    if wanted not in usable:
        raise WorkbenchError(f"{PROVIDER_TITLES[wanted]} is not available on this computer "
                             f"(available: {', '.join(PROVIDER_TITLES[p] for p in usable)}).")
    return [wanted] if wanted == CPU else [wanted, CPU]


@dataclass
class RuntimeSession:
    """An ONNX Runtime session with its input names and the provider that runs it."""

    session: object
    provider: str

    @property
    def provider_title(self) -> str:
        return PROVIDER_TITLES.get(self.provider, self.provider)

    @property
    def input_names(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    def run(self, *inputs):
        """Runs on NumPy arrays in input order; returns the first output (or a tuple of all when several)."""
        feeds = dict(zip(self.input_names, inputs))
        outputs = self.session.run(None, feeds)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


def open_session(model: str | Path | bytes, providers: list[str] | None = None, threads: int = 1) -> RuntimeSession:
    """An inference session on `model` (a path or serialized bytes); raises `WorkbenchError` if ORT refuses it."""
    ort = _ort()
    options = ort.SessionOptions()
    options.log_severity_level = LOG_ERRORS_ONLY
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    source = str(model) if isinstance(model, Path) else model
    try:
        session = ort.InferenceSession(source, options, providers=providers or choose_providers())
    except Exception as exc:
        raise RuntimeRefusedError(str(exc)) from None
    return RuntimeSession(session, session.get_providers()[0])


class RuntimeRefusedError(WorkbenchError):
    """ONNX Runtime could not load the model; `detail` is its own message (mapped to a layer by the caller)."""

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(f"ONNX Runtime cannot run this model: {detail}")
