"""Taking a project to a cluster: `write_cluster_job` writes a job folder that trains it there with `torchrun`.

The folder holds the project file (its runs left behind: the job makes a new one), its data (copied when it is a
file or folder of at most `COPY_LIMIT_BYTES`, with its labels file for the IDX format; else the project names the
path the data will have on the cluster),
``run.sh`` (the `torchrun` command, for one machine or several), ``job.slurm`` (a SLURM batch script: `srun` starts
one `torchrun` per machine, meeting on the first) and ``README.txt`` in plain words. The run lands in the folder
itself (the project file and its ``runs/`` folder), from where `bring_back_runs` (cluster_runs.py) adds it to the
project. The user's project is never changed; a folder that is not empty is only written into with `replace`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workbench.core.data.arrays import partner_path
from workbench.core.data.loader import resolve_path
from workbench.core.errors import WorkbenchError
from workbench.core.project.file_format import project_text, project_to_dict
from workbench.core.project.model import Project
from workbench.core.project.refile import folder_slug

COPY_LIMIT_BYTES = 2 * 1024 ** 3  # bigger data is not copied: it is usually on the cluster already
DATA_FOLDER = "data"
RDZV_PORT = 29500
TIME_PATTERN = re.compile(r"^(\d+-)?\d{1,3}:[0-5]\d:[0-5]\d$")  # SLURM's [days-]hours:minutes:seconds
PARTITION_PATTERN = re.compile(r"^[A-Za-z0-9_.,-]+$")
JOB_FILES = ("run.sh", "job.slurm", "README.txt")


class ClusterJobError(WorkbenchError):
    """The job folder cannot be written as asked."""


class JobFolderNotEmptyError(ClusterJobError):
    """The chosen folder already holds files (the app asks before writing into it)."""


@dataclass(frozen=True)
class ClusterJob:
    """A written job folder: where it is, its project file, and where the job reads the data from."""

    folder: Path
    project_file: Path
    data: str  # "built-in", "copied" (into data/) or "expected" (a path on the cluster)
    data_path: str | None  # the path the job's project reads the data from (None for built-in data)
    nodes: int
    gpus_per_node: int


def write_cluster_job(project: Project, out_dir, *, nodes: int = 1, gpus_per_node: int = 1,
                      data_path: str | None = None, time_limit: str = "04:00:00", partition: str | None = None,
                      replace: bool = False, copy_limit_bytes: int = COPY_LIMIT_BYTES) -> ClusterJob:
    """Writes the job folder `out_dir` for `project` (see the module docstring): `nodes` machines with
    `gpus_per_node` GPUs each (one process per GPU); `data_path`, when given, is where the data will be on the
    cluster (nothing is copied); `time_limit` and `partition` go to SLURM. Raises `ClusterJobError` (and
    `JobFolderNotEmptyError` for a folder with files in it unless `replace`) before anything is written."""
    out_dir = Path(out_dir).expanduser()
    _check_choices(nodes, gpus_per_node, time_limit, partition)
    if project.path is None:
        raise ClusterJobError("Save the project first: the job folder is made from the project's file and the data "
                              "it names.")
    if project.dataset is None:
        raise ClusterJobError("The project has no data chosen yet: choose it on the Data page first.")
    if project.training.init_from:
        raise ClusterJobError("This project starts from earlier weights (Transfer learning), which a cluster job "
                              "does not take along yet: choose 'Random weights' to train it on a cluster.")
    if out_dir.exists() and not out_dir.is_dir():
        raise ClusterJobError(f"'{out_dir}' is a file, not a folder: choose a folder for the job.")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not replace:
        raise JobFolderNotEmptyError(f"The folder '{out_dir}' is not empty. Choose an empty or new folder, or "
                                     "allow writing into it.")
    source = _data_source(project, data_path)
    companions = _companions(project, source)
    copied = (source is not None and data_path is None
              and _size(source) + sum(_size(c) for c in companions) <= copy_limit_bytes)
    if copied:
        job_data = f"{DATA_FOLDER}/{source.name}"
    else:
        job_data = data_path or (str(source) if source is not None else None)
    dataset = dataclasses.replace(project.dataset, path=job_data) if job_data else project.dataset
    if project.dataset.options.get("labels_path") and job_data:  # the labels file goes (or is expected) beside it
        labels_name = companions[0].name
        dataset = dataclasses.replace(dataset, options={**dataset.options, "labels_path": (
            f"{DATA_FOLDER}/{labels_name}" if copied else str(Path(job_data).parent / labels_name))})
    job_project = Project(graph=project.graph.copy(), name=project.name, description=project.description,
                          dataset=dataset, training=project.training, search=project.search,
                          extra=dict(project.extra), format_minor=project.format_minor)
    project_name = f"{folder_slug(project.path.stem)}.wbproj"
    texts = {project_name: project_text(job_project, project_to_dict(job_project)),
             "run.sh": run_script(project_name, project.name, nodes, gpus_per_node),
             "job.slurm": slurm_script(project_name, project.name, nodes, gpus_per_node, time_limit, partition),
             "README.txt": readme(project_name, project.name, nodes, gpus_per_node,
                                  "built-in" if source is None else "copied" if copied else "expected", job_data,
                                  [c.name for c in companions])}
    _write_folder(out_dir, texts, [source, *companions] if copied else [])
    return ClusterJob(out_dir.resolve(), out_dir.resolve() / project_name,
                      "built-in" if source is None else "copied" if copied else "expected", job_data, nodes,
                      gpus_per_node)


def _check_choices(nodes: int, gpus_per_node: int, time_limit: str, partition: str | None) -> None:
    if not 1 <= nodes <= 4096:
        raise ClusterJobError(f"The number of machines must be from 1 to 4096 (got {nodes}).")
    if not 1 <= gpus_per_node <= 64:
        raise ClusterJobError(f"The number of GPUs per machine must be from 1 to 64 (got {gpus_per_node}).")
    if not TIME_PATTERN.match(time_limit):
        raise ClusterJobError(f"The time limit must read hours:minutes:seconds, such as 04:00:00 or 1-12:00:00 "
                              f"for a day and a half (got {time_limit!r}).")
    if partition is not None and not PARTITION_PATTERN.match(partition):
        raise ClusterJobError(f"A SLURM partition name has letters, digits, '-', '_' or '.' only (got "
                              f"{partition!r}).")


def _data_source(project: Project, data_path: str | None) -> Path | None:
    """The data file or folder here (None for built-in data); refuses data that is not there, unless it is to be
    found on the cluster (`data_path`)."""
    if not project.dataset.path:
        return None
    source = resolve_path(project.dataset.path, project.folder)
    if not source.exists() and data_path is None:
        raise ClusterJobError(f"The project's data, '{source}', is not there, so it cannot go with the job. Put it "
                              "back, or give the path it has on the cluster.")
    return source


def _companions(project: Project, source: Path | None) -> list[Path]:
    """The files the data needs beside it: an IDX images file's labels file (the `labels_path` option, or the one
    named by the MNIST convention, which the loader looks for beside it), when it is there."""
    if source is None or project.dataset.source != "idx":
        return []
    if project.dataset.options.get("labels_path"):
        labels = resolve_path(project.dataset.options["labels_path"], project.folder)
    else:
        labels = next(p for p in partner_path(source) if p != source)
    return [labels] if labels != source and labels.is_file() else []


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _write_folder(out_dir: Path, texts: dict[str, str], data: list[Path]) -> None:
    """Writes everything into a new folder beside `out_dir`, then puts it in place (into an existing folder, file
    by file), so that a failure leaves no half-written job."""
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    except OSError as exc:
        raise ClusterJobError(f"Could not write the job folder '{out_dir}': {exc.strerror or exc}.") from None
    try:
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
        for script in ("run.sh", "job.slurm"):
            os.chmod(staging / script, 0o755)
        if data:
            (staging / DATA_FOLDER).mkdir()
        for item in data:
            copy = shutil.copytree if item.is_dir() else shutil.copy2
            copy(item, staging / DATA_FOLDER / item.name)
        if not out_dir.exists():
            os.replace(staging, out_dir)
            return
        for item in staging.iterdir():
            target = out_dir / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    except OSError as exc:
        raise ClusterJobError(f"Could not write the job folder '{out_dir}': {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _command(project_name: str) -> str:
    return f"-m workbench train {shlex.quote(project_name)} --json"


def run_script(project_name: str, title: str, nodes: int, gpus_per_node: int) -> str:
    """``run.sh``: `torchrun` on this machine (``bash run.sh``), or on each of several machines."""
    return f"""#!/usr/bin/env bash
# Trains the Workbench project {title!r} with torchrun (PyTorch's launcher, python -m torch.distributed.run):
# {gpus_per_node} process(es) per machine, one per GPU (on a machine without GPUs they train on the CPU).
#   On one machine:  {"" if nodes == 1 else "NNODES=1 "}bash run.sh
#   On {max(nodes, 2)} machines, with this folder on each (or on a shared disk), start it on every machine with
#   the first machine's address:  NNODES={max(nodes, 2)} NODE_RANK=0 MASTER_ADDR=first-machine bash run.sh
#   (NODE_RANK=1 on the second machine, and so on).
# PYTHON is the Python that has Workbench installed (default: python3).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${{PYTHON:-python3}}"
NNODES="${{NNODES:-{nodes}}}"
NPROC_PER_NODE="${{NPROC_PER_NODE:-{gpus_per_node}}}"
NODE_RANK="${{NODE_RANK:-0}}"
MASTER_ADDR="${{MASTER_ADDR:-localhost}}"
MASTER_PORT="${{MASTER_PORT:-{RDZV_PORT}}}"
export OMP_NUM_THREADS="${{OMP_NUM_THREADS:-1}}"
if [ "$NNODES" = 1 ]; then
  WHERE=(--standalone --nnodes=1)
else
  WHERE=(--nnodes="$NNODES" --node-rank="$NODE_RANK" --rdzv-backend=c10d
         --rdzv-endpoint="$MASTER_ADDR:$MASTER_PORT" --rdzv-id=workbench)
fi
exec "$PYTHON" -m torch.distributed.run "${{WHERE[@]}}" --nproc-per-node="$NPROC_PER_NODE" \\
  {_command(project_name)}
"""


def slurm_script(project_name: str, title: str, nodes: int, gpus_per_node: int, time_limit: str,
                 partition: str | None) -> str:
    """``job.slurm``: `srun` starts one `torchrun` per machine; they meet on the job's first machine."""
    slug = folder_slug(Path(project_name).stem)
    partition_line = f"#SBATCH --partition={partition}\n" if partition else ""
    return f"""#!/bin/bash
#SBATCH --job-name=workbench-{slug}
#SBATCH --nodes={nodes}
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node={gpus_per_node}
#SBATCH --time={time_limit}
{partition_line}#SBATCH --output=workbench-%j.log
# Trains the Workbench project {title!r} on {nodes} machine(s) x {gpus_per_node} GPU(s). Submit it from this
# folder:  sbatch job.slurm   (PYTHON: the Python that has Workbench installed, default python3).
set -euo pipefail
cd "${{SLURM_SUBMIT_DIR:-.}}"
PYTHON="${{PYTHON:-python3}}"
HEAD_NODE="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"
export OMP_NUM_THREADS="${{SLURM_CPUS_PER_TASK:-1}}"
srun --kill-on-bad-exit=1 "$PYTHON" -m torch.distributed.run \\
  --nnodes="$SLURM_JOB_NUM_NODES" --nproc-per-node={gpus_per_node} \\
  --rdzv-id="$SLURM_JOB_ID" --rdzv-backend=c10d --rdzv-endpoint="$HEAD_NODE:{RDZV_PORT}" \\
  {_command(project_name)}
"""


def readme(project_name: str, title: str, nodes: int, gpus_per_node: int, data: str, data_path: str | None,
           companions: list[str] = ()) -> str:
    """``README.txt``: what the folder is, how to run it, where the result lands and how to bring it back;
    `companions` are the names of files the data needs beside it (an IDX file's labels)."""
    beside = "".join(f"\nand beside it, in the same folder:\n    {name}" for name in companions)
    data_text = {
        "built-in": "The project trains on a data set built into Workbench: there is no data to take along.",
        "copied": f"The data is in this folder ({data_path}"
                  + "".join(f", with {name}" for name in companions) + "): it travels with the folder.",
        "expected": f"THE DATA IS NOT IN THIS FOLDER. Put it on the cluster at:\n    {data_path}{beside}\n"
                    f"(or change the path: open {project_name} in Workbench on the cluster, or edit its \"dataset\" "
                    "\"path\").",
    }[data]
    without_slurm = ("bash run.sh on the machine (on several machines: see the lines at the top of run.sh)."
                     if nodes == 1 else f"start run.sh on each of the {nodes} machines as the lines at its top say\n"
                     "     (NNODES=1 bash run.sh trains on one machine alone).")
    return f"""Workbench cluster job: {title}

This folder trains the Workbench project "{title}" ({project_name}) on {nodes} machine(s)
with {gpus_per_node} GPU(s) each, using PyTorch's own launcher, torchrun: one training process per GPU, all
training together.

Data
{data_text}

1. Copy this whole folder to the cluster (for example: scp -r FOLDER you@cluster:), onto a disk that every machine
   of the job can see (your home or scratch folder). Workbench must be installed there, best the same version as
   here. If the Python that has it is not "python3", set PYTHON=/path/to/python before starting.
2. Start the training:
   - with SLURM, from inside the folder:   sbatch job.slurm
     (it asks for {nodes} machine(s), {gpus_per_node} GPU(s) each; change the #SBATCH lines at the top to suit your
     cluster: time limit, partition, account). Its messages go to workbench-JOBID.log in this folder.
   - without SLURM: {without_slurm}
3. When it has finished, the result is in this folder: {project_name} now holds the new run (its curves and
   figures), and its weights are under runs/.
4. Bring it back: copy the folder back to your computer (at least {project_name} and runs/), then in Workbench
   choose File > Open Cluster Run... and pick the folder (or: workbench cluster-runs YOUR_PROJECT FOLDER). The run
   appears among your project's runs, with its curves.
"""
