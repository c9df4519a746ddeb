#!/usr/bin/env bash
# Smoke test of the bundle that packaging/build.sh made (dist/gd-explorer/gd-explorer):
#   0. its size: under 150 MB (10^6 bytes, `du -sb`; issue 13), unless numba was bundled
#   1. --version
#   2. fit demo:housing --json          (headless engine; the output must be one JSON object)
#   3. fit of an export-shaped CSV, --install-desktop-entry, predict from a saved run
#   4. --self-test on the offscreen Qt platform (the real window, a scripted session)
# Each runs with a clean environment (no PYTHONPATH, a throw-away HOME, the working
# directory outside the sources) and, where `unshare -n` works, without any network.
# Exit status: 0 all passed; 1 a check failed; 77 the sources have no self-test yet
# (gui_app/app.py without run_app), the first two checks having passed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EXE=$ROOT/dist/gd-explorer/gd-explorer
PY=${PYTHON:-python3}
SELF_TEST_TIMEOUT=${GDX_SELF_TEST_TIMEOUT:-300}
[ -x "$EXE" ] || { echo "smoke_test: $EXE is missing; run packaging/build.sh" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/run"
chmod 700 "$WORK/run"
NONET=()
if unshare -n true 2>/dev/null; then NONET=(unshare -n)
elif unshare -rn true 2>/dev/null; then NONET=(unshare -rn)
else echo "smoke_test: note: unshare is not available, running with the network as it is"
fi

# run NAME TIMEOUT ARGS...: the bundle in a clean environment; stdout/stderr in $WORK/NAME.*
run() {
  local name=$1 limit=$2
  shift 2
  (cd "$WORK" && env -i PATH=/usr/bin:/bin HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run" \
      XDG_CONFIG_HOME="$WORK/home/.config" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
      timeout "$limit" ${NONET[@]+"${NONET[@]}"} "$EXE" "$@" \
      >"$WORK/$name.out" 2>"$WORK/$name.err")
}
fail() {
  echo "FAIL: $1" >&2
  for f in "$WORK/$2.out" "$WORK/$2.err"; do
    [ -s "$f" ] && { echo "--- ${f##*/} (last 40 lines)" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}

# Classroom machines download and copy the folder: it must stay under 150 MB (issue 13).
# GDX_BUNDLE_NUMBA=1 builds add numba + llvmlite (~180 MB) knowingly; the limit is for the
# default bundle. packaging/README.md lists what each part costs.
LIMIT_BYTES=150000000
bytes=$(du -sb "$ROOT/dist/gd-explorer" | cut -f1)
size=$(awk "BEGIN{printf \"%.1f MB (%.1f MiB)\", $bytes/1e6, $bytes/1048576}")
if [ -d "$ROOT/dist/gd-explorer/_internal/numba" ]; then
  echo "note: the bundle holds numba: $size; the 150 MB limit is for the default bundle"
elif [ "$bytes" -ge "$LIMIT_BYTES" ]; then
  fail "the bundle is $size, not under 150 MB; see packaging/README.md" size
else
  echo "ok: bundle size $size (du -sb), under 150 MB"
fi

t0=$(date +%s.%N)
run version 60 --version || fail "--version exited $?" version
grep -Eq '^gd-explorer [0-9]+\.[0-9]+' "$WORK/version.out" || fail "--version printed: $(cat "$WORK/version.out")" version
t1=$(date +%s.%N)
echo "ok: --version -> $(cat "$WORK/version.out") ($(awk "BEGIN{printf \"%.2f\", $t1-$t0}") s)"

run fit 120 fit demo:housing --json || fail "fit demo:housing --json exited $?" fit
"$PY" - "$WORK/fit.out" <<'PYEOF' || fail "fit demo:housing --json: bad report" fit
import json, math, sys
report = json.load(open(sys.argv[1]))
coef = report["coefficients"]
assert report["m"] > 0 and len(coef) == report["n"] > 0, report
assert all(math.isfinite(v) for v in [*coef, report["intercept"], report["cost"]]), report
print(f"ok: fit demo:housing --json -> m={report['m']} n={report['n']} cost={report['cost']:.6g}")
PYEOF

# A real export shape through the bundled pandas reader: quoted grouped numbers, a text
# column encoded one-hot, an index column, a missing cell; and the same table as .xlsx.
printf ',region,size,price\n1,north,"2,104",399.9\n2,south,"1,600",329.9\n3,north,"2,400",\n4,east,"1,416",232\n5,south,"3,000",539.9\n6,east,"1,985",299.9\n' >"$WORK/run/export.csv"
run fitcsv 120 fit "$WORK/run/export.csv" --categorical region --missing drop --solver normal --json \
  || fail "fit export.csv exited $?" fitcsv
"$PY" - "$WORK/fitcsv.out" <<'PYEOF' || fail "fit export.csv: bad report" fitcsv
import json, sys
report = json.load(open(sys.argv[1]))
assert report["m"] == 5, report
assert "size" in report["feature_names"], report
assert any(n.startswith("region=") for n in report["feature_names"]), report
print(f"ok: fit export.csv --categorical region --missing drop -> {report['feature_names']}")
PYEOF

# The desktop entry (issue 13): written under the throw-away HOME, pointing at the bundle.
run desktop 60 --install-desktop-entry || fail "--install-desktop-entry exited $?" desktop
ENTRY="$WORK/home/.local/share/applications/gd-explorer.desktop"
grep -qx "Exec=$EXE" "$ENTRY" || fail "the desktop entry does not start $EXE: $(grep Exec "$ENTRY")" desktop
[ -s "$WORK/home/.local/share/icons/hicolor/256x256/apps/gd-explorer.png" ] || fail "no icon" desktop
echo "ok: --install-desktop-entry -> $ENTRY"

# Prediction from a saved run (issue 12): fit, save the JSON, predict the course's house.
run fitsave 120 fit demo:housing --solver normal --json || fail "fit for predict exited $?" fitsave
cp "$WORK/fitsave.out" "$WORK/run/run.json"
run predict 60 predict --model "$WORK/run/run.json" --x 1200,3,1,40 --json \
  || fail "predict exited $?" predict
"$PY" - "$WORK/predict.out" <<'PYEOF' || fail "predict: bad output" predict
import json, math, sys
out = json.load(open(sys.argv[1]))
y_hat = out["predictions"][0]["y_hat"]
assert math.isfinite(y_hat) and 200 < y_hat < 500, out
print(f"ok: predict --model run.json --x 1200,3,1,40 -> {y_hat:.6g}")
PYEOF

if ! grep -qs "def run_app" gui_app/app.py; then
  echo "SKIP: --self-test: the sources have no gui_app/app.py with run_app yet" >&2
  exit 77
fi
t0=$(date +%s.%N)
run self-test "$SELF_TEST_TIMEOUT" --self-test
rc=$?
t1=$(date +%s.%N)
if [ "$rc" != 0 ] && [ "$rc" -gt 128 ] && grep -qs '"passed": true' "$WORK/self-test.out"; then
  fail "--self-test reported passed, then the process died of signal $((rc - 128)) on the way \
out (a shutdown bug in the app, not in the bundle; it happens from a venv too)" self-test
fi
[ "$rc" = 0 ] || fail "--self-test exited $rc (124: timed out after ${SELF_TEST_TIMEOUT} s)" self-test
echo "ok: --self-test offscreen ($(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s); report:"
tail -n 40 "$WORK/self-test.out"
echo "smoke test passed"
