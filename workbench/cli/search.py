"""`workbench search PROJECT`: search the project's network and training settings (its ``search`` section, or a
suggested space) with Optuna, and print the Pareto front of validation error against a cost, or the best network
under a limit. The study is stored beside the project (or at ``--storage``), so running again continues it and
several processes pointed at one storage URL share the work."""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.cli.common import add_json_flag, add_threads_argument, load_project_arg, print_json
from workbench.cli.train import stopping_on_signals
from workbench.core.project import actions, is_template
from workbench.core.search.settings import OBJECTIVE_TITLES, OBJECTIVES, SearchSection
from workbench.core.search.suggest import suggested_space
from workbench.core.search.trial import TrialResult, describe_choices
from workbench.core.training.callbacks import RunControl


def add_parser(subparsers):
    parser = subparsers.add_parser("search", help="search network and training settings; print the Pareto front")
    parser.add_argument("project", metavar="PROJECT", help="project file or template name")
    parser.add_argument("--trials", type=int, metavar="N", help="the study's budget of trials (default: the "
                        "project's, normally 30; a continued study counts its earlier trials)")
    parser.add_argument("--timeout", type=float, metavar="S", help="stop starting trials after S seconds")
    parser.add_argument("--objective", choices=OBJECTIVES, help="the cost set against validation error")
    parser.add_argument("--limit", type=float, metavar="COST",
                        help="find the best network costing at most COST (parameters, MACs, bytes or ms)")
    parser.add_argument("--epochs", type=int, metavar="N", help="at most N epochs per trial")
    parser.add_argument("--seed", type=int, metavar="N", help="the sampler's seed")
    parser.add_argument("--study", metavar="NAME", help="the study's name in its storage (default: search)")
    parser.add_argument("--storage", metavar="URL", help="an Optuna storage URL shared by several processes, e.g. "
                        "sqlite:////shared/study.db or postgresql://user@host/db (default: SQLite beside PROJECT)")
    add_threads_argument(parser, 1, "CPU threads for PyTorch in each trial (default 1)")
    add_json_flag(parser)
    return parser


def section_of(project, args) -> SearchSection:
    section = project.search
    if section is None:
        section = SearchSection(suggested_space(project.graph))
        print("note: the project has no search set up; searching every layer's width, the dropout layers and the "
              "learning rate.", file=sys.stderr)
    changes = {"trials": args.trials, "timeout_s": args.timeout, "objective": args.objective, "limit": args.limit,
               "epochs": args.epochs, "seed": args.seed, "study": args.study, "storage": args.storage}
    changes = {k: v for k, v in changes.items() if v is not None}
    if changes:
        section = section.with_settings(section.settings.replaced(**changes))
    return section


def print_trial(result: TrialResult, objective: str) -> None:
    figures = f"error {result.error:.2%}" if result.error is not None else ""
    if result.cost is not None:
        figures += f"{', ' if figures else ''}{_cost(result.cost, objective)}"
    print(f"trial {result.number:>3}: {result.state.title:<13} {figures:<32} {describe_choices(result.choices)}"
          + (f"\n           {result.message}" if result.state.value not in ("complete",) and result.message else ""),
          file=sys.stderr)


def _cost(value: float, objective: str) -> str:
    if objective == "latency":
        return f"{value:.3f} ms"
    if objective == "size":
        return f"{value / 1024:.1f} KB"
    return f"{value:,.0f} {'params' if objective == 'params' else 'MACs'}"


def run(args) -> int:
    project = load_project_arg(args.project)
    section = section_of(project, args)
    base_dir = Path.cwd() if project.path is None or is_template(project.path) else project.folder
    control = RunControl()
    on_trial = None if args.json else (lambda result: print_trial(result, section.settings.objective))
    with stopping_on_signals(control):  # Ctrl-C ends the trial in progress as "stopped"; the study keeps the rest
        report = actions.search_project(project, base_dir, section=section, control=control,
                                        num_threads=args.threads, on_trial=on_trial)
    if args.json:
        print_json(report.to_dict())
        return 0
    print(report.message)
    title = "Best under the limit" if report.limit is not None else "Pareto front"
    print(f"{title} (validation error against {OBJECTIVE_TITLES[report.objective]}):")
    for number in report.front:
        t = report.trial(number)
        print(f"  trial {t.number:>3}  error {t.error:7.2%}  {_cost(t.cost, report.objective):>16}  "
              f"{describe_choices(t.choices)}")
    if not report.front:
        print("  (none yet)")
    return 0 if report.front else 1
