"""`workbench evaluate PROJECT`: the test figures of a trained run (the latest one unless --run names another)."""

from __future__ import annotations

from workbench.cli.common import add_data_arguments, add_json_flag, load_project_with_data, print_json
from workbench.core.device import choose_device
from workbench.core.project import actions
from workbench.core.training.evaluation import json_metrics, scalar_metrics


def add_parser(subparsers):
    parser = subparsers.add_parser("evaluate", help="print the test metrics of a trained project")
    parser.add_argument("project", metavar="PROJECT", help="a trained project file")
    add_data_arguments(parser)
    parser.add_argument("--run", metavar="RUN_ID", help="which run (default: the latest trained one)")
    parser.add_argument("--split", choices=("test", "val", "train"), default="test",
                        help="which part of the data (default: test)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="cpu",
                        help="where to compute (default: cpu)")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    project, data_report = load_project_with_data(args.project, args)
    evaluation = actions.evaluate_project(project, args.run, args.split, device=choose_device(args.device))
    record, result = evaluation.run, evaluation.result
    if args.json:
        details = json_metrics(result)
        print_json({"project": str(project.path), "run": record.id, "split": args.split,
                    args.split: scalar_metrics(result),
                    **{k: v for k, v in details.items() if k not in scalar_metrics(result)},
                    "warnings": evaluation.warnings, **({"data": data_report} if data_report else {})})
        return 0
    print(f"{record.title} ({record.id}) on the {args.split} split, {result['samples_count']:,} samples:")
    for key, value in scalar_metrics(result).items():
        print(f"  {key:<16}{value:.4f}")
    if result["task"] == "classification":
        _print_classes(result)
    if result["task"] == "multilabel":
        _print_labels(result)
    for warning in evaluation.warnings:
        print(f"warning: {warning}")
    return 0


def _print_labels(result: dict) -> None:
    width = max(8, *(len(str(n)) for n in result["label_names"]))
    print(f"\n  {'label':<{width}}  accuracy  precision  recall     f1  support")
    for row in result["per_label"]:
        print(f"  {row['label']:<{width}}  {row['accuracy']:8.3f}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
              f"{row['f1']:5.3f}  {row['support']:7d}")
    print(f"\n  {result['wrong_count']:,} of {result['samples_count']:,} rows have at least one label wrong.")


def _print_classes(result: dict) -> None:
    names = [str(n) for n in result["class_names"]]
    width = max(8, *(len(n) for n in names))
    print(f"\n  {'class':<{width}}  precision  recall     f1  support")
    for row in result["per_class"]:
        print(f"  {row['class']:<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  {row['f1']:5.3f}  "
              f"{row['support']:7d}")
    k = len(names)
    if k <= 20:
        cell = max(5, *(len(n) for n in names))
        print("\n  Confusion matrix (rows: true class, columns: predicted class)")
        print("  " + " " * width + "".join(f" {n:>{cell}}" for n in names))
        for name, row in zip(names, result["confusion_matrix"]):
            print(f"  {name:<{width}}" + "".join(f" {v:>{cell}}" for v in row))
