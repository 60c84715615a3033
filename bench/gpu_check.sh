#!/usr/bin/env bash
# One call on a lent GPU machine: GPU tests, then the benchmarks, results under $OUT.
# Usage on the device tool: bash bench/gpu_check.sh   (PYTHONPATH=src is set here)
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=src:. PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
# Pythia 8 (tracking events) from a carried wheel when the image lacks it: prepare with
# `pip download pythia8mc==8.317.2 --no-deps --python-version 3.X -d .wheels` and carry .wheels.
if ! python3 -c "import pythia8mc" 2>/dev/null && ls .wheels/pythia8mc-*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps .wheels/pythia8mc-*.whl
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import jax; print(jax.__version__, jax.devices())" | tee -a "$OUT/gpu.txt"
python3 -m pytest -q -m gpu -p no:cacheprovider 2>&1 | tee "$OUT/gpu_tests.log" | tail -5
(cd bench && python3 me_throughput.py --device gpu --dtype float64 float32 --events 65536 \
    --repeats 5) 2>&1 | tee "$OUT/me_gpu.txt" | tail -25
(cd bench && python3 tracker_sim.py --device gpu --sizes 10000 100000) 2>&1 \
    | tee "$OUT/tracker_gpu.txt" | tail -10
# Cross sections and events on the GPU (PDF grids: the pythia8mc wheel or $LHAPDF_DATA_PATH).
(cd bench && timeout 420 python3 integration.py --device gpu --processes pp_tt pp_ttj \
    --no-vegas) 2>&1 | tee "$OUT/integration_gpu.txt" | tail -15
(cd bench && timeout 420 python3 generation.py --device gpu --processes tt ttj) 2>&1 \
    | tee "$OUT/generation_gpu.txt" | tail -20
(cd bench && timeout 300 python3 tracking.py --device gpu --mu 200 --events 2 \
    --methods ckf gnn) 2>&1 | tee "$OUT/tracking_gpu.txt" | tail -30
