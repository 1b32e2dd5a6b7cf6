#!/usr/bin/env bash
# Skew (issue 13, item 4): how far from the balanced case top_terms and load_tweets get when
#   huge      one gzip file holds half the archive (the first half of the files concatenated as
#             gzip members: the same tweets, one unit that cannot be split) among small ones;
#   slow      one rank (the last) is slowed: every input read of 64 KiB or more sleeps DELAY µs
#             (tests/util/rename_shim.c through LD_PRELOAD), so the dynamic claimer must move its
#             units to the others;
#   hot key   the corpus itself: tweetgen's top hashtag is in ~40% of the tweets (the share is
#             printed), which map-side combine has to absorb (measured in every case above).
# Per job and case, the best of R interleaved runs of the job's own time ("seconds" of _SUCCESS),
# and the ratio to the balanced case. Outputs are checked equal to the balanced run's first.
#
# Usage: bench/skew.sh [--ranks 2] [--mb 200] [--files 32] [--repeats 3] [--delay-us 2000]
#                      [--record]   (--record appends the table to bench/RESULTS.md)
# Env: RANKFLOW_BUILD_DIR (default build).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN
SHIM=$(find "$BIN/.." -name librankflow_rename_shim.so | head -1)
RANKS=2 MB=200 FILES=32 REPEATS=3 DELAY=2000 RECORD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) RANKS=$2; shift 2 ;;
    --mb) MB=$2; shift 2 ;;
    --files) FILES=$2; shift 2 ;;
    --repeats) REPEATS=$2; shift 2 ;;
    --delay-us) DELAY=$2; shift 2 ;;
    --record) RECORD=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "skew: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$SHIM" ] || { echo "skew: librankflow_rename_shim.so not built (cmake --build)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
WORK=${TMPDIR:-/tmp}/rankflow-skew
rm -rf "$WORK"
mkdir -p "$WORK/balanced" "$WORK/huge"
"$BIN/tweetgen" --dest "$WORK/balanced" --files "$FILES" --mb "$MB" --seed 7 >/dev/null
half=$((FILES / 2))
i=0
for f in "$WORK"/balanced/*.jsonl.gz; do
  if [ "$i" -lt "$half" ]; then cat "$f" >>"$WORK/huge/huge.jsonl.gz"; else cp "$f" "$WORK/huge/"; fi
  i=$((i + 1))
done

seconds() { grep -o '"seconds":[0-9.]*' "$1/_SUCCESS" | cut -d: -f2; }
# Sorted output lines of a committed folder (the files its manifest lists).
output_digest() {
  grep -o '"file":"[^"]*"' "$1/_SUCCESS" | cut -d'"' -f4 | while read -r f; do
    case "$f" in *.gz) zcat "$1/$f" ;; *) cat "$1/$f" ;; esac
  done | sort | md5sum | cut -d' ' -f1
}
run() {  # run JOB CASE DEST   (cases solo and solo-slow: one rank, to measure the slowdown)
  local src="$WORK/balanced" env=() n=$RANKS
  [ "$2" = huge ] && src="$WORK/huge"
  case "$2" in solo | solo-slow) n=1 ;; esac
  if [ "$2" = slow ] || [ "$2" = solo-slow ]; then
    env=(-x LD_PRELOAD="$SHIM" -x RANKFLOW_SHIM_READ_DELAY_US="$DELAY" -x RANKFLOW_SHIM_RANK=$((n - 1)))
  fi
  local args=(--src "$src" --dest "$3")
  [ "$1" = top_terms ] && args+=(--what hashtags --top 1)
  mpirun -n "$n" --oversubscribe "${env[@]}" "$BIN/$1" "${args[@]}" >"$3.log" 2>&1 ||
    { echo "skew: $1 $2 failed:" >&2; cat "$3.log" >&2; exit 1; }
}

declare -A best digest
for r in $(seq 1 "$REPEATS"); do
  for job in top_terms load_tweets; do
    for c in balanced huge slow solo solo-slow; do
      d="$WORK/out-$job-$c-$r"
      run "$job" "$c" "$d"
      s=$(seconds "$d")
      echo "skew: round $r: $job $c: $s s" >&2
      if [ -z "${best[$job/$c]:-}" ] || awk -v a="$s" -v b="${best[$job/$c]}" 'BEGIN{exit !(a<b)}'; then
        best[$job/$c]=$s
      fi
      [ "$r" = 1 ] && digest[$job/$c]=$(output_digest "$d")
      rm -rf "$d"
    done
  done
done
for job in top_terms load_tweets; do
  for c in huge slow; do
    [ "${digest[$job/$c]}" = "${digest[$job/balanced]}" ] ||
      { echo "skew: $job $c: output differs from the balanced run" >&2; exit 1; }
  done
done
top=$(grep -o '^ *1 .*' "$WORK/out-top_terms-balanced-1.log" | head -1 || true)
tweets=$(grep -o '[0-9,]* records' "$WORK/out-top_terms-balanced-1.log" | head -1 | tr -d ',' | cut -d' ' -f1)
count=$(awk '{print $2}' <<<"$top")
{
  echo ""
  echo "## skew.sh — $(date -u +%FT%TZ)"
  echo ""
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
  echo "load $(cut -d' ' -f1-3 /proc/loadavg). \`bench/skew.sh --ranks $RANKS --mb $MB --files $FILES"
  echo "--repeats $REPEATS --delay-us $DELAY\`; best of $REPEATS interleaved runs, job time from _SUCCESS."
  echo "Hot key: the top hashtag ($(awk '{print $3}' <<<"$top")) is in $count of $tweets records"
  echo "($(awk -v a="$count" -v b="$tweets" 'BEGIN{printf "%.0f", 100*a/b}')%) in every case."
  echo "Outputs of every case equal the balanced run's."
  echo ""
  echo "Slowdown f of the slowed rank: the job at 1 rank with the delay over without. With one of"
  echo "$RANKS ranks that slow, a static split would take f x the balanced time; perfect dynamic"
  echo "claiming $RANKS/($RANKS - 1 + 1/f) x (\"ideal\")."
  echo ""
  echo "| job | balanced s | huge file s | ratio | slowdown f | slow rank s | ratio | ideal |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for job in top_terms load_tweets; do
    b=${best[$job/balanced]} h=${best[$job/huge]} s=${best[$job/slow]}
    f=$(awk -v a="${best[$job/solo-slow]}" -v b="${best[$job/solo]}" 'BEGIN{print a/b}')
    awk -v j="$job" -v b="$b" -v h="$h" -v s="$s" -v f="$f" -v n="$RANKS" \
      'BEGIN{printf "| %s | %.3f | %.3f | %.2fx | %.2f | %.3f | %.2fx | %.2fx |\n", j, b, h, h/b, f, s, s/b, n/(n-1+1/f)}'
  done
} | tee "$WORK/table.md"
[ "$RECORD" = 1 ] && cat "$WORK/table.md" >>"$ROOT/bench/RESULTS.md"
exit 0
