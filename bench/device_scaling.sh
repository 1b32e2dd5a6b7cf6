#!/usr/bin/env bash
# One-shot scaling run for a 16-core machine (issue 13, item 2): bench/scaling.sh at 1, 2, 4, 8
# and 16 ranks, bound to cores, on a 400 MB tweetgen corpus (64 files, so 16 ranks get 4 gzip
# files each), every MPI job, best of 3. Writes the markdown table (with the machine line) to
# $OUT/scaling.md and the run's log to $OUT/scaling.log; does not touch bench/RESULTS.md (copy the
# table there by hand, or rerun scaling.sh with --record).
#
# Assumes a copy of the repository with build/ (Release: tweetgen and the jobs in build/bin) and
# Open MPI installed; nothing else (no Python, no network). Exits 2 if mpirun is missing or a
# binary or one of its shared libraries is (ldd).
# Expected time: ~3 minutes on 16 cores (tweet_features and profanity_index dominate: ~10 s and
# ~5 s at one rank on the 2-core machine); the whole run is capped at 7.5 minutes (timeout).
#
# Usage: OUT=/tmp/out bench/device_scaling.sh      (OUT defaults to /tmp/out)
# Env: RANKFLOW_BUILD_DIR (default build), SCALING_REPEATS (default 3), SCALING_MB (default 400).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
if ! command -v mpirun >/dev/null; then
  echo "device_scaling: mpirun not found: install Open MPI first" | tee "$OUT/scaling.log" >&2
  exit 2
fi
# The binaries need their shared libraries (Open MPI, ISA-L, simdjson, HDF5, …) on this machine.
BIN="${RANKFLOW_BUILD_DIR:-build}/bin"
MISSING=$(for b in tweetgen load_tweets top_terms tweet_features profanity_index retweet_graph \
  lang_by_hour top_domains mention_ratio; do
  [ -x "$BIN/$b" ] || echo "$BIN/$b: missing"
  [ -x "$BIN/$b" ] && ldd "$BIN/$b" 2>&1 | grep 'not found' | sed "s|^|$BIN/$b: |"
done)
if [ -n "$MISSING" ]; then
  { echo "device_scaling: cannot run the binaries here:"; echo "$MISSING"; } | tee "$OUT/scaling.log" >&2
  exit 2
fi
{
  echo "device_scaling: $(date -u +%FT%TZ), $(nproc) cores, $(mpirun --version 2>&1 | head -1)"
  grep -m1 'model name' /proc/cpuinfo
} | tee "$OUT/scaling.log" >&2
timeout 450 bench/scaling.sh --ranks "1 2 4 8 16" --mb "${SCALING_MB:-400}" --files 64 \
  --repeats "${SCALING_REPEATS:-3}" --mpirun-args "--bind-to core" \
  --work "${TMPDIR:-/tmp}/rankflow-device-scaling" --table "$OUT/scaling.md" \
  2>>"$OUT/scaling.log"
rc=$?
[ "$rc" = 124 ] && echo "device_scaling: stopped after 450 s" | tee -a "$OUT/scaling.log" >&2
exit "$rc"
