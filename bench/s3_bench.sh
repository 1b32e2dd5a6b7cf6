#!/usr/bin/env bash
# S3 benchmark: rankflow's S3 client (bench/s3_copy) vs `aws s3 cp` on one 1 GB object, and
# top_terms reading from S3 vs from local files, all against the same moto_server in one run.
# Checks every copy (sha256) and that the S3 job's output equals the local job's before timing
# counts. Prints one table and writes it into bench/RESULTS.md (section "S3", between markers).
# Usage: bench/s3_bench.sh [--mb-object 1024] [--mb-archive 512]
# Needs a Release build in ${RANKFLOW_BUILD_DIR:-build} with s3_copy, top_terms, tweetgen.
# RANKFLOW_BENCH_RESULTS=FILE writes the section there instead of bench/RESULTS.md (trial runs).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN, bench_need_bins, bench_record
OBJECT_MB=1024
ARCHIVE_MB=512
while [ $# -gt 0 ]; do
  case "$1" in
    --mb-object) OBJECT_MB=$2; shift 2 ;;
    --mb-archive) ARCHIVE_MB=$2; shift 2 ;;
    *) echo "usage: $0 [--mb-object N] [--mb-archive N]" >&2; exit 2 ;;
  esac
done
bench_need_bins s3_bench s3_copy top_terms tweetgen

# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh
WORK=$(mktemp -d /tmp/rankflow-s3bench-XXXXXX)
cleanup() { moto_stop; rm -rf "$WORK"; }
trap cleanup EXIT
moto_start "$WORK"
export AWS_ENDPOINT_URL=$RANKFLOW_TEST_MOTO_ENDPOINT
export AWS_ACCESS_KEY_ID=rankflowbenchkey AWS_SECRET_ACCESS_KEY=rankflowbenchsecret
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
AWS=(aws --endpoint-url "$AWS_ENDPOINT_URL")
"${AWS[@]}" s3 mb s3://bench >/dev/null

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
mbps() { python3 -c "print(f'{$1 / 1e6 / $2:.0f}')"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

echo "s3_bench: making a ${OBJECT_MB} MB random object" >&2
head -c "$((OBJECT_MB << 20))" /dev/urandom >"$WORK/object"
BYTES=$(stat -c %s "$WORK/object")
WANT=$(sha "$WORK/object")

# One object at a time in moto (it keeps objects in memory): upload, download, check, delete.
t0=$(now); "${AWS[@]}" s3 cp --only-show-errors "$WORK/object" s3://bench/aws.bin; t1=$(now)
AWS_UP=$(secs "$t0" "$t1")
t0=$(now); "${AWS[@]}" s3 cp --only-show-errors s3://bench/aws.bin "$WORK/aws.down"; t1=$(now)
AWS_DOWN=$(secs "$t0" "$t1")
[ "$(sha "$WORK/aws.down")" = "$WANT" ] || { echo "s3_bench: aws download differs" >&2; exit 1; }
rm -f "$WORK/aws.down"; "${AWS[@]}" s3 rm --only-show-errors s3://bench/aws.bin

t0=$(now); "$BIN/s3_copy" upload "$WORK/object" s3://bench/rf.bin >/dev/null; t1=$(now)
RF_UP=$(secs "$t0" "$t1")
t0=$(now); "$BIN/s3_copy" download s3://bench/rf.bin "$WORK/rf.down" >/dev/null; t1=$(now)
RF_DOWN=$(secs "$t0" "$t1")
[ "$(sha "$WORK/rf.down")" = "$WANT" ] || { echo "s3_bench: rankflow download differs" >&2; exit 1; }
# Cross-check: what rankflow uploaded is what the aws CLI downloads.
"${AWS[@]}" s3 cp --only-show-errors s3://bench/rf.bin "$WORK/cross.down"
[ "$(sha "$WORK/cross.down")" = "$WANT" ] || { echo "s3_bench: cross download differs" >&2; exit 1; }
rm -f "$WORK/rf.down" "$WORK/cross.down" "$WORK/object"; "${AWS[@]}" s3 rm --only-show-errors s3://bench/rf.bin

echo "s3_bench: top_terms on a ${ARCHIVE_MB} MB archive, local vs s3, 2 ranks" >&2
"$BIN/tweetgen" --dest "$WORK/archive" --files 8 --mb "$ARCHIVE_MB" --seed 5 >/dev/null
ARCHIVE_BYTES=$(du -cb "$WORK"/archive/* | tail -1 | cut -f1)
"${AWS[@]}" s3 cp --only-show-errors --recursive "$WORK/archive" s3://bench/archive/
MPI=(mpirun -n 2 --bind-to none)
t0=$(now); "${MPI[@]}" "$BIN/top_terms" --src "$WORK/archive" --dest "$WORK/out-local" --what words >/dev/null 2>&1; t1=$(now)
JOB_LOCAL=$(secs "$t0" "$t1")
t0=$(now); "${MPI[@]}" "$BIN/top_terms" --src s3://bench/archive --dest s3://bench/out --what words >/dev/null 2>&1; t1=$(now)
JOB_S3=$(secs "$t0" "$t1")
"${AWS[@]}" s3 cp --only-show-errors --recursive s3://bench/out "$WORK/out-s3"
for f in "$WORK"/out-local/part-*; do
  cmp -s "$f" "$WORK/out-s3/$(basename "$f")" || { echo "s3_bench: $(basename "$f") differs" >&2; exit 1; }
done
[ -f "$WORK/out-s3/_SUCCESS" ] || { echo "s3_bench: no _SUCCESS on s3" >&2; exit 1; }

RATIO_UP=$(python3 -c "print(f'{$AWS_UP / $RF_UP:.2f}')")
RATIO_DOWN=$(python3 -c "print(f'{$AWS_DOWN / $RF_DOWN:.2f}')")
RATIO_JOB=$(python3 -c "print(f'{$JOB_LOCAL / $JOB_S3:.2f}')")
MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), moto $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?'), $(aws --version 2>&1 | cut -d' ' -f1)"
TABLE=$(cat <<EOT
| step | aws CLI / local | rankflow / s3 | ratio |
|---|---|---|---|
| upload ${OBJECT_MB} MB object | ${AWS_UP} s ($(mbps "$BYTES" "$AWS_UP") MB/s) | ${RF_UP} s ($(mbps "$BYTES" "$RF_UP") MB/s) | ${RATIO_UP}x aws |
| download ${OBJECT_MB} MB object | ${AWS_DOWN} s ($(mbps "$BYTES" "$AWS_DOWN") MB/s) | ${RF_DOWN} s ($(mbps "$BYTES" "$RF_DOWN") MB/s) | ${RATIO_DOWN}x aws |
| top_terms --what words, 2 ranks, ${ARCHIVE_MB} MB archive ($((ARCHIVE_BYTES / 1000000)) MB gz, 8 files) | local: ${JOB_LOCAL} s | s3: ${JOB_S3} s | s3 runs at ${RATIO_JOB} of local speed |
EOT
)
echo "$TABLE"

SECTION=$(cat <<EOT
## S3 (bench/s3_bench.sh)

Run $(date -u +%Y-%m-%dT%H:%MZ) on ${MACHINE}; moto_server on loopback, shared by both sides,
same run. Every copy is checked by sha256, the S3 job's parts equal the local job's. Ratios above 1
mean rankflow is faster. The machine's 2 cores are shared by moto, the clients and the job.

${TABLE}

moto is the bottleneck on both sides: it reads the whole object for every GET (ranged or not)
under a per-object lock and closes every connection, so the download rows measure request counts
(aws CLI: 8 MiB ranges; rankflow: 16 MiB ranges, 4 in flight) more than client speed, and the
upload rows sit near parity (moto stores and concatenates every part in Python).
EOT
)
bench_record s3-bench "$SECTION"
echo "s3_bench: results written to bench/RESULTS.md" >&2
