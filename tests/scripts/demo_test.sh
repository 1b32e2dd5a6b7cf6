#!/usr/bin/env bash
# scripts/demo.sh on the built programs (--bin, no package install or build) with a 40 MB archive:
# it exits 0, prints the path of profanity_index's report, which is the one report.html its
# _SUCCESS lists, and the index draws a real curve: profane tweets in many hours, rates that vary,
# a burst (an hour where one brand has >= 50 tweets, >= 25% of them profane), and an SVG with a
# line per brand, two or more of them at three or more heights. (The archive is small: the rare
# brands have few tweets per hour, so their lines are mostly flat at 0.) The most linked domains include youtube.com.
# Usage: demo_test.sh BIN_DIR
set -euo pipefail
BIN=$(cd "${1:?usage: demo_test.sh BIN_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib/manifest.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() {
  echo "demo_test: $*" >&2
  exit 1
}

if ! RANKFLOW_DEMO_DIR="$WORK" bash "$ROOT/scripts/demo.sh" --bin "$BIN" --mb 40 >"$WORK/log" 2>&1
then
  tail -n 30 "$WORK/log" >&2
  fail "scripts/demo.sh failed"
fi
report=$(sed -n 's/^demo: the profanity index report (open it in a browser): //p' "$WORK/log")
[ -n "$report" ] || fail "demo.sh printed no report path"
[ -s "$report" ] || fail "the report $report is missing or empty"
[ "$(committed_file "$WORK/profanity" report.html)" = "$report" ] ||
  fail "$report is not the report.html that $WORK/profanity/_SUCCESS lists"
names=$(python3 -c 'import json,sys; print(" ".join(f["name"] for f in json.load(open(sys.argv[1]))["files"]))' \
  "$WORK/profanity/_SUCCESS")
[ "$names" = "part-00000.csv report.html" ] || fail "profanity_index committed: $names"
grep -q '^  20..-..-..,youtube.com,' "$WORK/log" || fail "youtube.com is not among the top domains"

python3 - "$(committed_file "$WORK/profanity" part-00000.csv)" "$report" <<'PY' || fail "the curve is not real (above)"
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
profane_hours = {r["bucket"] for r in rows if int(r["profane"]) > 0}
rates = {r["rate"] for r in rows}
bursts = [r for r in rows if int(r["tweets"]) >= 50 and float(r["rate"]) >= 0.25]
print(f"{len(rows)} rows, profane tweets in {len(profane_hours)} hours, {len(rates)} distinct "
      f"rates, {len(bursts)} burst hours")
ok = len(profane_hours) >= 12 and len(rates) >= 8 and len(bursts) >= 1
html = open(sys.argv[2]).read()
lines = re.findall(r'<polyline[^>]* points="([^"]*)"', html)
ys = [{p.split(",")[1] for p in pts.split()} for pts in lines]
print(f"{len(lines)} polylines, distinct heights per line: {[len(y) for y in ys]}")
ok = ok and len(lines) == 5 and sum(len(y) >= 3 for y in ys) >= 2
sys.exit(0 if ok else 1)
PY
echo "demo_test: ok ($report)"
