"""`workbench cluster-job PROJECT --out DIR`: writes a folder that trains the project on a cluster (run.sh with
the `torchrun` command, a SLURM batch script, the project and its data, a README in plain words)."""

from __future__ import annotations

from workbench.cli.common import add_json_flag, load_project_arg, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.project import actions
from workbench.core.project.cluster_job import JobFolderNotEmptyError


def add_parser(subparsers):
    parser = subparsers.add_parser("cluster-job", help="write a job folder that trains the project on a cluster "
                                                       "(torchrun, SLURM)")
    parser.add_argument("project", metavar="PROJECT", help="the project file")
    parser.add_argument("--out", required=True, metavar="DIR", help="the job folder to write (new or empty)")
    parser.add_argument("--nodes", type=int, default=1, metavar="N", help="machines to train on (default 1)")
    parser.add_argument("--gpus-per-node", type=int, default=1, metavar="G",
                        help="GPUs per machine, one training process each (default 1)")
    parser.add_argument("--data-path", metavar="PATH",
                        help="where the data is on the cluster (then it is not copied into the folder)")
    parser.add_argument("--time", default="04:00:00", metavar="HH:MM:SS", help="SLURM time limit (default 04:00:00)")
    parser.add_argument("--partition", metavar="P", help="SLURM partition (default: the cluster's own)")
    parser.add_argument("--force", action="store_true", help="write into DIR even if it holds files")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    project = load_project_arg(args.project)
    try:
        job = actions.write_cluster_job(project, args.out, nodes=args.nodes, gpus_per_node=args.gpus_per_node,
                                        data_path=args.data_path, time_limit=args.time, partition=args.partition,
                                        replace=args.force)
    except JobFolderNotEmptyError:
        raise WorkbenchError(f"The folder '{args.out}' is not empty: choose an empty or new folder, or add --force "
                             "to write the job's files into it (files of the same name are replaced).") from None
    if args.json:
        print_json({"folder": str(job.folder), "project": str(job.project_file), "data": job.data,
                    "data_path": job.data_path, "nodes": job.nodes, "gpus_per_node": job.gpus_per_node})
        return 0
    print(f"Wrote the cluster job to {job.folder}: {job.nodes} machine(s) x {job.gpus_per_node} GPU(s).")
    if job.data == "expected":
        print(f"The data is not in the folder: put it on the cluster at {job.data_path}.")
    print(f"Copy the folder to the cluster and run 'sbatch job.slurm' (or 'bash run.sh') inside it; see "
          f"{job.folder / 'README.txt'}.")
    return 0
