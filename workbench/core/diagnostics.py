"""What this installation can compute with: Python, PyTorch and the CUDA it was built for, the GPUs it sees,
ONNX Runtime and its execution providers, and advice when a GPU is present but unused.

`collect_diagnostics` returns a JSON-safe dict (for `workbench doctor --json` and the Diagnostics dialog);
`format_diagnostics` words it for people.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys

from workbench.core.export.runtime import GPU_PROVIDERS, PROVIDER_TITLES, usable_providers


def _nvidia_gpus_on_system() -> list[str]:
    """NVIDIA GPUs the driver reports, whether or not PyTorch can use them (empty when there is no driver)."""
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                                 text=True, timeout=10, check=False)
            names = [line.strip() for line in out.stdout.splitlines() if line.strip()]
            if names:
                return names
        except (OSError, subprocess.SubprocessError):
            pass
    if os.path.exists("/proc/driver/nvidia/version"):
        return ["NVIDIA GPU (driver loaded)"]
    return []


def _torch_section() -> dict:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        return {"installed": False, "error": str(exc)}
    info = {
        "installed": True,
        "version": torch.__version__,
        "built_with_cuda": torch.version.cuda,
        "cuda_available": bool(torch.cuda.is_available()),
        "gpus": [],
        "mps_available": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()),
        "cpu_threads": torch.get_num_threads(),
    }
    if info["cuda_available"]:
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            info["gpus"].append({"name": props.name, "memory_gb": round(props.total_memory / 1024 ** 3, 1),
                                 "compute_capability": f"{props.major}.{props.minor}"})
        info["cudnn"] = torch.backends.cudnn.version()
        info["bf16_supported"] = bool(torch.cuda.is_bf16_supported())
    return info


def _onnxruntime_section() -> dict:
    """ONNX Runtime's version and its providers: "providers" are those that really open a session here (what
    `bench` and export use), "offered" those the installed package ships, which may need a GPU or libraries this
    machine lacks; "device" is "GPU" only when a GPU provider opens."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        return {"installed": False, "error": str(exc)}
    offered = list(ort.get_available_providers())
    usable = list(usable_providers())
    return {"installed": True, "version": ort.__version__, "providers": usable, "offered": offered,
            "not_usable": [p for p in offered if p not in usable],
            "device": "GPU" if any(p in GPU_PROVIDERS for p in usable) else "CPU"}


def collect_diagnostics() -> dict:
    torch_info = _torch_section()
    ort_info = _onnxruntime_section()
    system_gpus = _nvidia_gpus_on_system()
    report = {
        "python": {"version": platform.python_version(), "executable": sys.executable,
                   "implementation": platform.python_implementation()},
        "system": {"platform": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count()},
        "torch": torch_info,
        "onnxruntime": ort_info,
        "system_gpus": system_gpus,
    }
    report["training_device"] = _training_device(torch_info)
    report["advice"] = advice(torch_info, ort_info, system_gpus, platform.system())
    return report


def _training_device(torch_info: dict) -> str:
    if torch_info.get("cuda_available") and torch_info["gpus"]:
        return f"GPU: {torch_info['gpus'][0]['name']} (CUDA {torch_info['built_with_cuda']})"
    if torch_info.get("mps_available"):
        return "Apple GPU (MPS)"
    return "CPU"


def advice(torch_info: dict, ort_info: dict, system_gpus: list[str], system: str) -> list[str]:
    """What to do so that a GPU that is present gets used; empty when nothing needs doing."""
    tips = []
    if system_gpus and not torch_info.get("cuda_available"):
        if not torch_info.get("built_with_cuda"):
            tips.append(f"This computer has an NVIDIA GPU ({system_gpus[0]}), but the installed PyTorch "
                        f"{torch_info.get('version', '')} is a CPU-only build, so training runs on the CPU. Install "
                        "a CUDA build of PyTorch, for example: pip install torch --index-url "
                        "https://download.pytorch.org/whl/cu124 (pick the CUDA version on pytorch.org that your "
                        "driver supports).")
        else:
            tips.append(f"This computer has an NVIDIA GPU ({system_gpus[0]}) and PyTorch is built for CUDA "
                        f"{torch_info['built_with_cuda']}, but PyTorch cannot use the GPU. Update the NVIDIA driver "
                        "to one that supports this CUDA version (nvidia-smi shows the driver's CUDA version).")
    gpu_usable = bool(system_gpus) or torch_info.get("cuda_available")
    providers = ort_info.get("providers") or []
    offered = ort_info.get("offered", providers)
    if gpu_usable and ort_info.get("installed") and "CUDAExecutionProvider" not in providers:
        if "CUDAExecutionProvider" in offered:
            tips.append("ONNX Runtime's CUDA provider is installed but does not open here, so exported models run "
                        "on the CPU. It needs the CUDA and cuDNN libraries of its version (see the onnxruntime-gpu "
                        "install notes) and a working NVIDIA driver.")
        else:
            tips.append("ONNX Runtime has no CUDA provider, so exported models run on the CPU. Install "
                        "onnxruntime-gpu instead of onnxruntime to run them on the GPU.")
    if not ort_info.get("installed"):
        tips.append("ONNX Runtime is not installed, so exported models cannot be checked or benchmarked. Install "
                    "onnxruntime (or onnxruntime-gpu).")
    if system == "Darwin" and not torch_info.get("mps_available") and platform.machine() == "arm64":
        tips.append("This Mac has Apple silicon, but PyTorch does not see its GPU (MPS). Update PyTorch and "
                    "macOS.")
    return tips


def format_diagnostics(report: dict) -> str:
    t, o = report["torch"], report["onnxruntime"]
    lines = [f"Python {report['python']['version']} ({report['python']['executable']})",
             f"System: {report['system']['platform']}, {report['system']['cpus']} CPU cores"]
    if t.get("installed"):
        cuda = f"built with CUDA {t['built_with_cuda']}" if t["built_with_cuda"] else "CPU-only build"
        lines.append(f"PyTorch {t['version']} ({cuda}); {t['cpu_threads']} CPU threads")
        if t["gpus"]:
            for g in t["gpus"]:
                lines.append(f"GPU seen by PyTorch: {g['name']}, {g['memory_gb']} GB, compute capability "
                             f"{g['compute_capability']}")
        else:
            lines.append("GPU seen by PyTorch: none" + (" (Apple GPU via MPS is available)"
                                                         if t.get("mps_available") else ""))
    else:
        lines.append(f"PyTorch: not installed ({t.get('error')})")
    if report["system_gpus"]:
        lines.append(f"GPUs reported by the NVIDIA driver: {', '.join(report['system_gpus'])}")
    if o.get("installed"):
        lines.append(f"ONNX Runtime {o['version']}; runs exported models on: "
                     f"{', '.join(PROVIDER_TITLES.get(p, p) for p in o['providers'])}")
        if o.get("not_usable"):
            lines.append("Installed but not usable on this computer: "
                         f"{', '.join(PROVIDER_TITLES.get(p, p) for p in o['not_usable'])}")
    else:
        lines.append(f"ONNX Runtime: not installed ({o.get('error')})")
    lines.append(f"Training will run on: {report['training_device']}")
    if report["advice"]:
        lines.append("")
        lines.append("What to do:")
        lines += [f"- {tip}" for tip in report["advice"]]
    return "\n".join(lines)
