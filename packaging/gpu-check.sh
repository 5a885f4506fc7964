#!/usr/bin/env bash
# The GPU check: one script for a machine with an NVIDIA GPU, under 8 minutes, that verifies Workbench's CUDA path
# and writes what it found to RESULTS_DIR (a summary.txt, and one log or JSON file per step).
#
#   packaging/gpu-check.sh RESULTS_DIR          from the repository root (PYTHON=... to choose the interpreter)
#
# What it verifies, each step with its own time limit:
#   1. the core and the command line import without PySide6, pyqtgraph or psygnal (they are blocked for every
#      step, so each step also proves that; only python3 with torch, onnx, onnxruntime(-gpu), numpy, scikit-learn,
#      safetensors and Pillow is needed);
#   2. `workbench doctor --json`: what PyTorch and ONNX Runtime see, and which providers open;
#   3. the CUDA tests (tests/core/training/test_cuda_path.py, the CUDA test of test_trainer.py), when pytest is
#      installed (else written down as skipped);
#   4. `workbench doctor --check --json`: the demo trained on every device with and without mixed precision,
#      compared with the CPU, exported and run on every ONNX Runtime provider that opens;
#   5. a two-process DDP run (`workbench train --nproc-per-node 2`) on the GPU: one GPU shared by two processes
#      (gloo) when only one is present, NCCL when there are two or more;
#   6. the engine benchmark on the GPU (tests/bench/bench_training.py --part engine --device cuda).
# Without a GPU (e.g. on a CPU machine, to try the script) steps 3-6 say "skipped: no CUDA GPU" except the CPU
# parts of doctor --check, and the script still ends with a summary.
#
# How step 1 blocks the GUI libraries: every Python step starts through `$BARE` (RESULTS_DIR/bare.py), which puts None for
# PySide6, shiboken6, pyqtgraph and psygnal in sys.modules before Workbench is imported, so any import of them
# fails as on a machine without them. To check by hand in a venv that truly lacks them:
#   python3 -m venv /tmp/bare && /tmp/bare/bin/pip install torch onnx onnxruntime numpy scikit-learn safetensors \
#     Pillow && PYTHONPATH=. /tmp/bare/bin/python -m workbench doctor --check
set -u
RESULTS=${1:?usage: packaging/gpu-check.sh RESULTS_DIR}
PYTHON=${PYTHON:-python3}
cd "$(dirname "$0")/.."
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
SUMMARY="$RESULTS/summary.txt"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} QT_QPA_PLATFORM=offscreen
: > "$SUMMARY"
START=$(date +%s)

say() { echo "$*" | tee -a "$SUMMARY"; }

# $BARE ARGS...: python3 with the GUI libraries blocked; `-m MODULE`, `-c CODE` or a script, as for python
cat > "$RESULTS/bare.py" <<'EOF'
import runpy, sys
for name in ("PySide6", "shiboken6", "pyqtgraph", "psygnal"):
    sys.modules[name] = None
args = sys.argv[1:]
if args[0] == "-m":
    sys.argv = [args[1], *args[2:]]
    runpy.run_module(args[1], run_name="__main__", alter_sys=True)
elif args[0] == "-c":
    sys.argv = ["-c", *args[2:]]
    exec(compile(args[1], "<check>", "exec"), {"__name__": "__main__"})
else:  # a script
    sys.argv = args
    runpy.run_path(args[0], run_name="__main__")
EOF
BARE="$PYTHON $RESULTS/bare.py"

# step NAME SECONDS COMMAND...: runs it with a time limit, its output in RESULTS/NAME.log; one summary line
step() {
    local name=$1 limit=$2; shift 2
    local t0=$(date +%s)
    timeout "$limit" "$@" > "$RESULTS/$name.log" 2>&1
    local rc=$? t=$(( $(date +%s) - t0 ))
    if [ $rc -eq 0 ]; then say "PASS  $name (${t}s)"; elif [ $rc -eq 124 ]; then say "FAIL  $name: over ${limit}s";
    else say "FAIL  $name (exit $rc, ${t}s): see $name.log"; fi
    return $rc
}

say "Workbench GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$RESULTS/nvidia-smi.txt" 2>&1 \
    && say "GPUs: $(paste -sd ';' "$RESULTS/nvidia-smi.txt")" || say "GPUs: none reported by nvidia-smi"

step imports 120 $BARE -c "import workbench.cli, workbench.core.project.actions, workbench.core.training.distributed; print('ok')"
step doctor 120 $BARE -m workbench doctor --json
cp "$RESULTS/doctor.log" "$RESULTS/doctor.json" 2>/dev/null
GPU=$("$PYTHON" -c "import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)" 2>/dev/null || echo 0)
say "CUDA GPUs seen by PyTorch: $GPU"

if [ "$GPU" -gt 0 ] && "$PYTHON" -c "import pytest" 2>/dev/null; then
    step cuda-tests 240 $BARE -m pytest -q -p no:cacheprovider -p no:qt tests/core/training/test_cuda_path.py \
        "tests/core/training/test_trainer.py::test_cuda_run_with_mixed_precision"
elif [ "$GPU" -gt 0 ]; then
    say "SKIP  cuda-tests: pytest is not installed"
else
    say "SKIP  cuda-tests: no CUDA GPU"
fi

step doctor-check 240 $BARE -m workbench doctor --check --json
"$PYTHON" - "$RESULTS/doctor-check.log" >> "$SUMMARY" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
try:
    report = json.loads(text[text.index("{"):])
except ValueError:
    sys.exit(0)
for section in report["check"]["sections"]:
    print("      " + section["verdict"])
EOF

if [ "$GPU" -gt 0 ]; then
    WORK=$(mktemp -d)
    step ddp-two-processes 240 bash -c "cd '$WORK' && PYTHONPATH='$PYTHONPATH' '$PYTHON' -m workbench train mlp \
        --data digits --epochs 3 --device cuda --nproc-per-node 2 --out ddp.wbproj --json"
    grep -h '"device"\|"identical_on_ranks"\|"status"' "$RESULTS/ddp-two-processes.log" | sed 's/^/      /' >> "$SUMMARY"
    rm -rf "$WORK"
    step bench-engine 300 $BARE tests/bench/bench_training.py --part engine --device cuda --repeat 1 --threads 1 \
        2>/dev/null || true
else
    say "SKIP  ddp-two-processes: no CUDA GPU"
    say "SKIP  bench-engine: no CUDA GPU"
fi
say "Done in $(( $(date +%s) - START ))s; results in $RESULTS"
grep -q '^FAIL' "$SUMMARY" && exit 1 || exit 0
