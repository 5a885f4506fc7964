"""A job folder for a cluster: its files say the right things, its scripts parse, `bash run.sh` really trains the
project here (1 machine x 2 CPU processes, gloo) and writes a run, and bad requests are refused with nothing
written and the user's project unchanged."""

import json
import os
import subprocess
import sys

import pytest

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.cluster_job import ClusterJobError, JobFolderNotEmptyError, write_cluster_job


@pytest.fixture
def project(tmp_path):
    """The iris MLP (built-in data), saved as my-iris.wbproj, trained for 2 epochs."""
    project = open_template("mlp")
    project.training = project.training.replaced(epochs=2, early_stopping=False)
    save_project(project, tmp_path / "my-iris.wbproj")
    return project


@pytest.fixture
def csv_project(tmp_path):
    (tmp_path / "table.csv").write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    project = open_template("mlp")
    project.dataset = DatasetSpec.from_dict({"source": "csv", "path": "table.csv", "options": {"target": "label"}})
    save_project(project, tmp_path / "table-project.wbproj")
    return project


def test_the_folder_holds_the_project_scripts_and_readme(project, tmp_path):
    before = (tmp_path / "my-iris.wbproj").read_bytes()
    job = write_cluster_job(project, tmp_path / "job", nodes=2, gpus_per_node=4, time_limit="12:00:00",
                            partition="gpu")
    assert sorted(p.name for p in job.folder.iterdir()) == ["README.txt", "job.slurm", "my-iris.wbproj", "run.sh"]
    assert job.data == "built-in" and job.project_file == job.folder / "my-iris.wbproj"
    copy = load_project(job.project_file)
    assert copy.runs == [] and copy.training == project.training and copy.dataset == project.dataset
    assert (tmp_path / "my-iris.wbproj").read_bytes() == before  # the user's project is untouched

    run = (job.folder / "run.sh").read_text()
    assert run.startswith("#!/usr/bin/env bash\n") and os.access(job.folder / "run.sh", os.X_OK)
    assert 'NNODES="${NNODES:-2}"' in run and 'NPROC_PER_NODE="${NPROC_PER_NODE:-4}"' in run
    assert '-m torch.distributed.run "${WHERE[@]}" --nproc-per-node="$NPROC_PER_NODE"' in run
    assert '--rdzv-endpoint="$MASTER_ADDR:$MASTER_PORT"' in run and '--nnodes="$NNODES"' in run
    assert "-m workbench train my-iris.wbproj --json" in run

    slurm = (job.folder / "job.slurm").read_text()
    directives = [line for line in slurm.splitlines() if line.startswith("#SBATCH")]
    assert directives == ["#SBATCH --job-name=workbench-my-iris", "#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=1",
                          "#SBATCH --gpus-per-node=4", "#SBATCH --time=12:00:00", "#SBATCH --partition=gpu",
                          "#SBATCH --output=workbench-%j.log"]
    assert 'srun --kill-on-bad-exit=1 "$PYTHON" -m torch.distributed.run' in slurm
    assert '--nnodes="$SLURM_JOB_NUM_NODES" --nproc-per-node=4' in slurm
    assert '--rdzv-id="$SLURM_JOB_ID" --rdzv-backend=c10d --rdzv-endpoint="$HEAD_NODE:29500"' in slurm
    assert 'scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1' in slurm
    for script in ("run.sh", "job.slurm"):
        checked = subprocess.run(["bash", "-n", str(job.folder / script)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr

    readme = (job.folder / "README.txt").read_text()
    for words in ("sbatch job.slurm", "bash run.sh", "no data to take along", "runs/", "Open Cluster Run"):
        assert words in readme


def test_a_data_file_is_copied_and_a_big_one_is_expected_on_the_cluster(csv_project, tmp_path):
    job = write_cluster_job(csv_project, tmp_path / "small")
    assert job.data == "copied" and (job.folder / "data" / "table.csv").read_bytes() == \
        (tmp_path / "table.csv").read_bytes()
    assert load_project(job.project_file).dataset.path == "data/table.csv"
    assert "travels with the folder" in (job.folder / "README.txt").read_text()

    big = write_cluster_job(csv_project, tmp_path / "big", copy_limit_bytes=10)
    assert big.data == "expected" and not (big.folder / "data").exists()
    assert load_project(big.project_file).dataset.path == str(tmp_path / "table.csv")
    assert f"Put it on the cluster at:\n    {tmp_path / 'table.csv'}" in (big.folder / "README.txt").read_text()

    there = write_cluster_job(csv_project, tmp_path / "there", data_path="/scratch/me/table.csv")
    assert there.data == "expected" and load_project(there.project_file).dataset.path == "/scratch/me/table.csv"
    assert csv_project.dataset.path == "table.csv"


def refused(project, out, match, **options):
    with pytest.raises(ClusterJobError, match=match):
        write_cluster_job(project, out, **options)


def test_refusals_write_nothing(project, csv_project, tmp_path):
    unsaved = open_template("mlp")
    unsaved.path = None
    refused(unsaved, tmp_path / "a", "Save the project first")
    (tmp_path / "table.csv").unlink()
    refused(csv_project, tmp_path / "b", "is not there")
    (tmp_path / "a-file").write_text("mine")
    refused(project, tmp_path / "a-file", "is a file, not a folder")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(JobFolderNotEmptyError, match="is not empty"):
        write_cluster_job(project, tmp_path / "full")
    refused(project, tmp_path / "c", "hours:minutes:seconds", time_limit="4 hours")
    refused(project, tmp_path / "c", "partition name", partition="gpu; rm -rf ~")
    refused(project, tmp_path / "c", "from 1 to 64", gpus_per_node=0)
    nodata = open_template("mlp")
    nodata.dataset = None
    save_project(nodata, tmp_path / "nodata.wbproj")
    refused(nodata, tmp_path / "c", "no data chosen")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
    assert (tmp_path / "a-file").read_text() == "mine" and sorted(os.listdir(tmp_path / "full")) == ["notes.txt"]
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no staging folder left behind

    write_cluster_job(project, tmp_path / "full", replace=True)  # when the user said yes
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine" and (tmp_path / "full" / "run.sh").is_file()


def test_run_sh_trains_the_project_with_two_processes(project, tmp_path):
    job = write_cluster_job(project, tmp_path / "job", gpus_per_node=2)
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(["bash", str(job.folder / "run.sh")], capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout[done.stdout.index("{"):])
    assert summary["status"] == "completed" and summary["processes"] == 2
    trained = load_project(job.project_file)
    assert len(trained.runs) == 1 and "× 2 processes (gloo)" in trained.runs[0].device
    assert (job.folder / trained.runs[0].files.weights).is_file()
    assert trained.runs[0].files.weights.startswith("runs/my-iris/")
    assert project.runs == []


def write_idx_pair(folder, images_name, labels_name, count=12):
    """An IDX images file of `count` 4x4 images and its labels file (two classes)."""
    header = b"\x00\x00\x08\x03" + count.to_bytes(4, "big") + (4).to_bytes(4, "big") * 2
    (folder / images_name).write_bytes(header + bytes(range(count * 16)))
    (folder / labels_name).write_bytes(b"\x00\x00\x08\x01" + count.to_bytes(4, "big") + bytes(i % 2 for i in range(count)))


@pytest.mark.parametrize("named", [False, True], ids=["labels-beside-by-name", "labels_path-option"])
def test_an_idx_file_goes_with_its_labels(tmp_path, named):
    labels_name = "my-answers.bin" if named else "train-labels-idx1-ubyte"
    write_idx_pair(tmp_path, "train-images-idx3-ubyte", labels_name)
    project = open_template("mlp")
    options = {"labels_path": labels_name} if named else {}
    project.dataset = DatasetSpec.from_dict({"source": "idx", "path": "train-images-idx3-ubyte", "options": options})
    save_project(project, tmp_path / "idx.wbproj")

    job = write_cluster_job(project, tmp_path / "job")
    assert job.data == "copied"
    for name in ("train-images-idx3-ubyte", labels_name):
        assert (job.folder / "data" / name).read_bytes() == (tmp_path / name).read_bytes()
    there = load_project(job.project_file).dataset
    assert there.options.get("labels_path") == (f"data/{labels_name}" if named else None)
    assert len(load_dataset(there, base_dir=job.folder).y) == 12  # the job reads its images with their labels
    assert f"with {labels_name}" in (job.folder / "README.txt").read_text()
    assert project.dataset.options == options  # the user's project is unchanged

    expected = write_cluster_job(project, tmp_path / "expected", data_path="/scratch/me/train-images-idx3-ubyte")
    assert not (expected.folder / "data").exists()
    readme = (expected.folder / "README.txt").read_text()
    assert f"/scratch/me/train-images-idx3-ubyte\nand beside it, in the same folder:\n    {labels_name}" in readme
    assert load_project(expected.project_file).dataset.options.get("labels_path") == (
        f"/scratch/me/{labels_name}" if named else None)
