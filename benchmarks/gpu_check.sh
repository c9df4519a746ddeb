#!/usr/bin/env bash
# GPU check for the timing lab (issue 4, item 5): one command for a machine with an NVIDIA
# GPU, CuPy and NumPy (no PySide6 needed; numba, threadpoolctl, hypothesis optional).
#
#   benchmarks/gpu_check.sh OUT_DIR          (from anywhere; runs in the repository root)
#
# It writes into OUT_DIR:
#   env.txt             python, numpy, cupy, numba versions and the GPU core.backend sees
#   gpu-tests.log/.xml  pytest tests/core -m gpu (Problem + gradient descent on CuPy, the
#                       bench's GPU rows, fit --device gpu)
#   fit-gpu.json        python -m core fit demo:synthetic --device gpu ... --json
#   bench-textbook.json python -m core bench --impl vectorised gram cupy --json (m=100,000,
#   bench-textbook.txt  n=1,000, float64 host data; the GPU rows, vectorised on CuPy and
#                       the fused cupy kernel, in float32 and float64)
#   summary.txt         one line per step and the headline GPU numbers
# Exit status 0 when every step passed. Budget: under 5 minutes in all (each step has a
# timeout). Set PYTHON to choose the interpreter (default: python, else python3).
set -u
OUT=${1:?usage: benchmarks/gpu_check.sh OUT_DIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$(dirname "$0")/.." || exit 2
PY=${PYTHON:-$(command -v python || command -v python3)}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export NUMBA_CACHE_DIR="${TMPDIR:-/tmp}/gdx-numba-cache"
export PYTHONDONTWRITEBYTECODE=1
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
failed=0
t_start=$(date +%s)

step() {  # step NAME TIMEOUT_S COMMAND...: run, log the outcome, remember failures
    local name=$1 limit=$2
    shift 2
    local t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$@"
    local rc=$?
    local msg="$name: $([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $(( $(date +%s) - t0 )) s"
    echo "$msg" | tee -a "$SUMMARY" >&2
    [ $rc -eq 0 ] || failed=1
}

"$PY" - >"$OUT/env.txt" 2>&1 <<'PYEOF'
import platform, importlib
print("python", platform.python_version(), platform.platform())
for name in ("numpy", "cupy", "numba", "threadpoolctl", "hypothesis", "pytest", "PySide6"):
    try:
        mod = importlib.import_module(name)
        print(name, getattr(mod, "__version__", "?"))
    except Exception as exc:
        print(name, "missing:", type(exc).__name__)
from core.backend import gpu_status
print("gpu_status", gpu_status())
PYEOF
cat "$OUT/env.txt" >&2

# Test files that need hypothesis cannot even be collected without it: leave them out then.
ignores=()
if ! "$PY" -c "import hypothesis" 2>/dev/null; then
    for f in $(grep -l "hypothesis" tests/core/test_*.py 2>/dev/null); do
        ignores+=("--ignore=$f")
    done
fi
step "gpu tests" 150 "$PY" -m pytest tests/core -m gpu -p no:pytest-qt -p no:pytestqt -p no:cacheprovider \
    -q -rs --junitxml="$OUT/gpu-tests.xml" ${ignores[@]+"${ignores[@]}"} >"$OUT/gpu-tests.log" 2>&1
tail -n 15 "$OUT/gpu-tests.log" >&2
grep -q " passed" "$OUT/gpu-tests.log" || { echo "gpu tests: none passed" | tee -a "$SUMMARY" >&2; failed=1; }

step "fit --device gpu" 60 "$PY" -m core fit demo:synthetic --m 200000 --n 20 --solver gd \
    --scaling zscore --alpha 0.5 --iterations 500 --device gpu --dtype float32 --json \
    >"$OUT/fit-gpu.json" 2>"$OUT/fit-gpu.err"

step "bench textbook" 240 "$PY" -m core bench --impl vectorised gram cupy \
    --json "$OUT/bench-textbook.json" >"$OUT/bench-textbook.txt" 2>"$OUT/bench-textbook.err"
cat "$OUT/bench-textbook.txt" >&2

"$PY" - "$OUT/bench-textbook.json" >>"$SUMMARY" 2>&1 <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
gpu = doc["machine"]["gpu"]
print(f"gpu: {gpu.get('name')}; measured read bandwidth {gpu.get('read_bandwidth_gbps')} GB/s; "
      f"theoretical {gpu.get('peak_bandwidth_gbps')} GB/s")
for r in doc["results"]:
    if r["device"] == "gpu" or (r["impl"] == "vectorised" and r["threads"] > 1):
        where = "GPU" if r["device"] == "gpu" else f"{r['threads']} threads"
        print(f"{r['impl']:10} {where:10} {r['dtype']:8} median {r['seconds_median']} s  "
              f"{r['gbps']} GB/s fraction of measured bandwidth {r['bandwidth_fraction']}  "
              f"one-read bound {r.get('read_bound_seconds')} s (x{r.get('read_bound_ratio')})  "
              f"speed-up vs vectorised (CPU) {r['speedup_vs_vectorised']}  "
              f"verified {r['verified']}  first call {r['compile_seconds']} s  "
              f"transfer {r['transfer_seconds']} s  "
              f"fraction of theoretical bandwidth {r.get('peak_fraction')} {r['reason']}")
PYEOF
echo "total $(( $(date +%s) - t_start )) s; $([ $failed -eq 0 ] && echo PASSED || echo FAILED)" \
    | tee -a "$SUMMARY" >&2
cat "$SUMMARY"
exit $failed
