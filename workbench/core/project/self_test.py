"""The self-test of `workbench doctor --check` and of the Diagnostics dialog: on every device present (the CPU,
each CUDA GPU, an Apple GPU), the demo (the digits and the small CNN template) trains a few epochs, without and (on
CUDA) with mixed precision; the loss must fall, and on a GPU the accuracy must match the CPU's and the GPU's
outputs the CPU's for the same weights. Then the CPU-trained network is exported to ONNX and run on every ONNX
Runtime provider that opens here, with parity against torch. About 30 seconds per device on a small machine.

`self_test` returns a JSON-safe report: ``ok``, ``seconds``, and ``sections`` (one per device, then one for ONNX
Runtime), each with a plain ``verdict`` and its ``checks`` (name, ok, detail in words, figures).
"""

from __future__ import annotations

import time

from workbench.core.build import build_module
from workbench.core.device import device_label
from workbench.core.errors import CancelledError
from workbench.core.export.onnx_export import export_module
from workbench.core.export.runtime import PROVIDER_TITLES, open_session, usable_providers
from workbench.core.export.verify import max_abs_diff, runtime_outputs, torch_outputs
from workbench.core.project.data import project_dataset
from workbench.core.project.templates import open_template
from workbench.core.training.callbacks import Callback, RunControl
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.trainer import Trainer

EPOCHS = 3
SEED = 0
ACCURACY_GAP = 0.05  # a GPU's validation accuracy may differ from the CPU's by this much (other kernels, orders)
DEVICE_TOLERANCE = 1e-2  # |GPU - CPU| outputs for the same weights (TF32 products carry about 3 decimal digits)
PROVIDER_TOLERANCE = {"CPUExecutionProvider": 1e-4}  # else 1e-2: GPU providers may use TF32 / fp16 kernels
SAMPLES = 256  # validation samples the parity checks use


def devices_present() -> list:
    """The CPU, then each CUDA GPU, then the Apple GPU, as torch devices."""
    import torch  # lazy

    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices += [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(torch.device("mps"))
    return devices


def _check(name: str, ok: bool, detail: str, **figures) -> dict:
    return {"name": name, "ok": bool(ok), "detail": detail, "figures": figures}


class _SelfTest:
    def __init__(self, progress, should_cancel, num_threads):
        self.progress = progress or (lambda fraction, message: None)
        self.should_cancel = should_cancel or (lambda: False)
        self.num_threads = num_threads
        self.project = open_template("cnn")
        self.dataset = project_dataset(self.project)
        x, _ = self.dataset.tensors("val")
        self.samples = x[:SAMPLES].numpy()

    def cancelled(self) -> None:
        if self.should_cancel():
            raise CancelledError("The self-test was cancelled.")

    def train(self, device, mixed_precision: bool):
        """(module trained on `device`, its TrainResult), from the same start on every device."""
        import torch  # lazy

        self.cancelled()
        torch.manual_seed(SEED)
        module = build_module(self.project.graph)
        settings = TrainingSettings(epochs=EPOCHS, batch_size=64, early_stopping=False, seed=SEED,
                                    mixed_precision=mixed_precision, restore_best=False)
        control = RunControl()
        watcher = _CancelWatcher(self.should_cancel, control)
        result = Trainer(module, self.dataset, settings, [watcher], device, graph=self.project.graph, control=control,
                         num_threads=self.num_threads).fit()
        self.cancelled()
        return module, result

    def device_section(self, device, cpu_run) -> tuple[dict, tuple]:
        label = device_label(device)
        checks, runs = [], []
        variants = [False, True] if device.type == "cuda" else [False]
        for amp in variants:
            module, result = self.train(device, amp)
            runs.append((module, result))
            first, last = result.history[0]["train_loss"], result.history[-1]["train_loss"]
            what = "with mixed precision" if amp else "in float32"
            checks.append(_check(f"training {what}", result.ok and last < first,
                                 f"{EPOCHS} epochs {what}: the training loss went from {first:.3f} to {last:.3f}"
                                 f"{'' if last < first else ', which is not falling'}.", loss_first=first,
                                 loss_last=last, val_accuracy=result.history[-1].get("val_accuracy"),
                                 samples_per_s=round(result.samples_per_s, 1), seconds=round(result.elapsed_s, 2)))
        if device.type != "cpu" and cpu_run is not None:
            checks += self.matches_cpu(device, runs[0], cpu_run)
        ok = all(c["ok"] for c in checks)
        verdict = (f"{label}: works (trains, and agrees with the CPU)." if ok and device.type != "cpu" else
                   f"{label}: works." if ok else
                   f"{label}: PROBLEM: {'; '.join(c['detail'] for c in checks if not c['ok'])}")
        return {"device": label, "ok": ok, "verdict": verdict, "checks": checks}, runs[0]

    def matches_cpu(self, device, run, cpu_run) -> list[dict]:
        import torch  # lazy

        (module, result), (_, cpu_result) = run, cpu_run
        acc, cpu_acc = result.history[-1].get("val_accuracy"), cpu_result.history[-1].get("val_accuracy")
        gap = abs(acc - cpu_acc)
        checks = [_check("accuracy as on the CPU", gap <= ACCURACY_GAP,
                         f"validation accuracy {acc:.3f} here, {cpu_acc:.3f} on the CPU (difference {gap:.3f}, "
                         f"{ACCURACY_GAP:g} allowed).", accuracy=acc, cpu_accuracy=cpu_acc)]
        module = module.to(device).eval()
        with torch.no_grad():
            here = module(torch.from_numpy(self.samples).to(device)).float().cpu().numpy()
        module.to("cpu")
        diff = max_abs_diff(torch_outputs(module, [self.samples]), [here])
        checks.append(_check("outputs as on the CPU", diff <= DEVICE_TOLERANCE,
                             f"the same weights give outputs within {diff:.2g} of the CPU's ({DEVICE_TOLERANCE:g} "
                             "allowed).", max_abs_diff=diff))
        return checks

    def runtime_section(self, module) -> dict:
        self.cancelled()
        module = module.to("cpu").eval()
        model = export_module(module, self.project.graph).SerializeToString()
        expected = torch_outputs(module, [self.samples])
        checks = []
        for provider in usable_providers():
            self.cancelled()
            session = open_session(model, [provider] if provider == "CPUExecutionProvider" else
                                   [provider, "CPUExecutionProvider"])
            tolerance = PROVIDER_TOLERANCE.get(provider, 1e-2)
            diff = max_abs_diff(expected, runtime_outputs(session, [self.samples]))
            title = PROVIDER_TITLES.get(provider, provider)
            used = session.provider == provider
            checks.append(_check(title, used and diff <= tolerance,
                                 f"{title}: the exported model's outputs are within {diff:.2g} of torch's "
                                 f"({tolerance:g} allowed)" + ("." if used else f", but it ran on {session.provider}."),
                                 provider=provider, max_abs_diff=diff))
        ok = all(c["ok"] for c in checks)
        titles = ", ".join(c["name"] for c in checks)
        verdict = (f"ONNX Runtime: the exported model runs with parity on {titles}." if ok else
                   f"ONNX Runtime: PROBLEM: {'; '.join(c['detail'] for c in checks if not c['ok'])}")
        return {"device": "ONNX Runtime", "ok": ok, "verdict": verdict, "checks": checks}


class _CancelWatcher(Callback):
    """Stops the trainer between batches once the caller cancels."""

    def __init__(self, should_cancel, control: RunControl):
        self.should_cancel, self.control = should_cancel, control

    def on_progress(self, trainer, info):
        if self.should_cancel():
            self.control.stop()


def self_test(progress=None, should_cancel=None, num_threads: int | None = None) -> dict:
    """Runs the self-test; `progress(fraction, message)` before each part, `should_cancel()` checked between
    parts and batches (then `CancelledError`). See the module docstring for the report."""
    start = time.perf_counter()
    test = _SelfTest(progress, should_cancel, num_threads)
    devices = devices_present()
    parts = len(devices) + 1
    sections, cpu_run = [], None
    for i, device in enumerate(devices):
        test.progress(i / parts, f"Training the demo on {device_label(device)}…")
        section, run = test.device_section(device, cpu_run)
        if device.type == "cpu":
            cpu_run = run
        sections.append(section)
    test.progress(len(devices) / parts, "Exporting the demo and running it on ONNX Runtime…")
    sections.append(test.runtime_section(cpu_run[0]))
    test.progress(1.0, "Done.")
    return {"ok": all(s["ok"] for s in sections), "seconds": round(time.perf_counter() - start, 1),
            "sections": sections}


def format_self_test(report: dict) -> str:
    """The verdicts in words, one line per device, then the overall one."""
    lines = [s["verdict"] for s in report["sections"]]
    lines.append(f"Self-test {'passed' if report['ok'] else 'FAILED'} in {report['seconds']:.0f} s.")
    return "\n".join(lines)
