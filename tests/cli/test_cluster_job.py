"""`workbench cluster-job PROJECT --out DIR`: writes the job folder; a folder with files needs --force; errors are
one plain line."""

import json
import subprocess
import sys

from workbench.core.project import open_template, save_project


def workbench(*args, cwd):
    return subprocess.run([sys.executable, "-m", "workbench", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_the_command_writes_the_folder_and_asks_for_force(tmp_path):
    save_project(open_template("mlp"), tmp_path / "iris.wbproj")
    done = workbench("cluster-job", "iris.wbproj", "--out", "job", "--nodes", "2", "--gpus-per-node", "8",
                     "--time", "1-00:00:00", "--partition", "a100", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["nodes"] == 2 and summary["gpus_per_node"] == 8 and summary["data"] == "built-in"
    slurm = (tmp_path / "job" / "job.slurm").read_text()
    assert "#SBATCH --time=1-00:00:00" in slurm and "#SBATCH --partition=a100" in slurm
    again = workbench("cluster-job", "iris.wbproj", "--out", "job", cwd=tmp_path)
    assert again.returncode == 2 and "add --force" in again.stderr and "Traceback" not in again.stderr
    forced = workbench("cluster-job", "iris.wbproj", "--out", "job", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "sbatch job.slurm" in forced.stdout
    bad = workbench("cluster-job", "iris.wbproj", "--out", "other", "--time", "soon", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error: The time limit") and not (tmp_path / "other").exists()
