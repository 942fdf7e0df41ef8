#!/usr/bin/env bash
# The GPU checks, in one go, on a machine with an NVIDIA GPU (how the figures in benchmarks/results/gpu.md were taken):
#   1. benchmarks/gpu.py: model alone vs the library's training path, the cached loader, inference (under 6 minutes);
#   2. the notebooks' `#| cuda` cells (04d_data.loader: the loader on the GPU; 10_learner: mixed precision + channels_last;
#      13a_distributed: torchrun with nccl).
# Usage: tools/gpu_session.sh [ROOT [ROAD]]   (ROOT holds the road; default data/apolloscape and zpark-synth)
# Results go to $OUT (default gpu_out/). Wheels in .whl/ (fastai & co. for a machine without them) are installed first.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=${1:-data/apolloscape}; ROAD=${2:-zpark-synth}; OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/apollo_site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/apollo_site:$PWD${PYTHONPATH:+:$PYTHONPATH}
else export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}; fi
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/nvidia-smi.txt"
$PY -c "import torch, fastai; print('torch', torch.__version__, 'fastai', fastai.__version__, torch.cuda.get_device_name(0))"
$PY benchmarks/gpu.py --root "$ROOT" --road "$ROAD" --out "$OUT" ${GPU_ARGS:-} 2>&1 | tee "$OUT/gpu.log"
for nb in 04d_data.loader 10_learner 13a_distributed; do
  $PY tools/run_tests.py --no-sync --flags cuda --path nbs/$nb.ipynb > "$OUT/cuda_$nb.log" 2>&1; tail -25 "$OUT/cuda_$nb.log"
done | tee "$OUT/cuda_tests.log"
