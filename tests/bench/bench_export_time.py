"""Export time: `export_project` (what the Export button and `workbench export` run) against a plain
`torch.onnx.export` of the same trained module into a file, on networks of three sizes.

    .venv/bin/python tests/bench/bench_export_time.py [--rounds 5] [--units 256 1024 4096]

For each size a Dense network (digits input, two hidden layers of UNITS, 10 classes) is trained for one epoch, then
the two ways run alternately, ROUNDS times each (the machine may be shared), and the medians are compared. The
stages of `export_project` are timed from its progress reports: loading the trained network, exporting and
compacting, verifying (the ONNX checker, opening ONNX Runtime, comparing outputs on the test split), writing the
card and delivering the folder. The target (issue #18): the export without its verification at most 1.3x plain.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

VERIFY_STAGES = ("Checking the ONNX file", "Loading it in ONNX Runtime", "Comparing its outputs with the trained network")


def trained_project(folder: Path, units: int):
    from workbench.core.data import DatasetSpec, load_dataset
    from workbench.core.data_fit import fit_graph_to_dataset
    from workbench.core.project import open_template, save_project
    from workbench.core.project.actions import train_project
    from workbench.core.training.settings import TrainingSettings

    project = open_template("mlp")
    for node in project.graph.nodes.values():
        if node.type == "Dense":
            node.params["units"] = units
    project.dataset = DatasetSpec.from_dict({"source": "builtin", "name": "digits"})
    dataset = load_dataset(project.dataset)
    fit_graph_to_dataset(project.graph, dataset)
    save_project(project, folder / "net.wbproj")
    outcome = train_project(project, folder, dataset=dataset, settings=TrainingSettings(epochs=1, device="cpu"),
                            num_threads=1)
    project.add_run(outcome.record)
    return project, dataset


def plain_export(module, samples, path: Path) -> float:
    import torch

    inputs = tuple(torch.as_tensor(x[:2]) for x in samples)
    started = time.perf_counter()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, inputs, str(path), dynamo=False, opset_version=17, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    return time.perf_counter() - started


def our_export(project, dataset, folder: Path, out: Path) -> dict[str, float]:
    from workbench.core.project.actions import export_project

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    export_project(project, out, dataset=dataset, base_dir=folder, overwrite=True,
                   progress=lambda fraction, message: marks.append((message, time.perf_counter())))
    total = time.perf_counter() - started
    stages = {}
    for (message, at), (_, until) in zip(marks, marks[1:]):
        stages[message] = stages.get(message, 0.0) + until - at
    verify = sum(stages.get(stage, 0.0) for stage in VERIFY_STAGES)
    return {"total": total, "verify": verify, "without_verify": total - verify,
            "load": stages.get("Loading the trained model", 0.0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--units", type=int, nargs="+", default=[256, 1024, 4096])
    args = parser.parse_args()

    import torch

    from workbench.core.project.trained import trained_model

    torch.set_num_threads(1)
    print("| network | parameters | plain export | ours without verification | ratio | of which loading the trained "
          "network | ratio without it | verification |")
    print("|---|---|---|---|---|---|---|---|")
    for units in args.units:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            project, dataset = trained_project(folder, units)
            tm = trained_model(project, dataset, folder)
            samples, _ = tm.samples("test")
            params = sum(p.numel() for p in tm.module.parameters())
            plain, ours = [], []
            for k in range(args.rounds + 1):  # the first round of each warms up and is not counted
                p = plain_export(tm.module.eval(), samples, folder / f"plain{k}.onnx")
                o = our_export(project, dataset, folder, folder / "ours")
                if k:
                    plain.append(p)
                    ours.append(o)
            p50 = statistics.median(plain)
            o50 = {key: statistics.median(o[key] for o in ours) for key in ours[0]}
            exported = o50["without_verify"] - o50["load"]
            print(f"| MLP {units}x2 | {params:,} | {p50:.3f} s | {o50['without_verify']:.3f} s | "
                  f"{o50['without_verify'] / p50:.2f}x | {o50['load']:.3f} s | {exported / p50:.2f}x | "
                  f"{o50['verify']:.3f} s |")


if __name__ == "__main__":
    main()
