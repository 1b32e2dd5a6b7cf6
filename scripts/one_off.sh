#!/usr/bin/env bash
# One job on a throwaway cluster, start to finish:
#   scripts/one_off.sh [--local] [--logs s3://bucket/prefix] [--ship s3://bucket/prefix]
#                      [--ranks N] [--detach] CONFIG [provision flags…] -- JOB [JOB ARGS…]
# 1. provision up (CONFIG + flags)        2. mpirun -n N JOB ARGS on the head with the hostfile
# 3. the job's output log and its _SUCCESS manifest are copied to S3 (--logs, default
#    s3://<bucket of --dest>/rankflow-logs/<UTC time>/ when the job writes to S3)
# 4. provision down — on success and on failure alike (also on Ctrl-C)
# Exits with the job's exit code (1 if the cluster never came up).
# --detach: steps 2-4 happen on the head without this machine (`provision run --detach`, see
# provision/README.md "Detached jobs"): the job's log and state go to --logs (or the default
# above) as they happen, and the head tears the cluster down when the job ends. Exits 0 once the
# job runs, printing how to follow it (`provision logs`); the lid can close. On EC2 this needs
# --ship (the head uploads with the shipped `provision`); with --local, running services.
# N defaults to the hostfile's total slots (vCPUs of all nodes).
# --ship: build/bin goes to the nodes in a tarball (and JOB too when given by its path, e.g. a job
# built from template/ outside the tree); the nodes run the shipped program by its name.
#
# --local: the same lifecycle against moto (EC2, S3, and IMDS for the nodes) and a loopback sshd
# on this machine. Uses $AWS_ENDPOINT_URL / $RANKFLOW_TEST_MOTO_ENDPOINT and
# $RANKFLOW_TEST_SSHD_PORT when set, else starts them (scripts/lib/services.sh). JOB may then be
# a program name from build/bin. See provision/README.md for what local mode does not exercise.
set -uo pipefail
source "$(dirname "$0")/lib/provision_common.sh"

LOCAL=0
LOGS=""
SHIP=""
RANKS=""
DETACH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --local) LOCAL=1; shift ;;
    --logs) LOGS=$2; shift 2 ;;
    --ship) SHIP=$2; shift 2 ;;
    --ranks) RANKS=$2; shift 2 ;;
    --detach) DETACH=1; shift ;;
    *) break ;;
  esac
done
if [ $# -lt 3 ]; then
  echo "usage: scripts/one_off.sh [--local] [--logs s3://…] [--ship s3://…] [--ranks N] [--detach] CONFIG [flags…] -- JOB [ARGS…]" >&2
  exit 2
fi
CONFIG=$1
shift
FLAGS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do FLAGS+=("$1"); shift; done
if [ "${1:-}" != "--" ] || [ $# -lt 2 ]; then
  echo "one_off: missing -- JOB" >&2
  exit 2
fi
shift
JOB=("$@")
provision_ensure_built

STARTED_SERVICES=0
if [ "$LOCAL" = 1 ]; then
  FLAGS+=(--local)
  source "$ROOT/scripts/lib/services.sh"
  if [ -z "${AWS_ENDPOINT_URL:-}" ] && [ -z "${RANKFLOW_TEST_MOTO_ENDPOINT:-}" ]; then
    if [ "$DETACH" = 1 ]; then
      echo "one_off: --local --detach needs running services (moto, sshd): the detached job outlives this script" >&2
      exit 2
    fi
    services_start || exit 1  # moto, fake credentials, and the loopback sshd
    STARTED_SERVICES=1
  elif [ -z "${RANKFLOW_TEST_SSHD_PORT:-}" ]; then
    SERVICES_DIR=$(mktemp -d /tmp/rankflow-services-XXXXXX)
    sshd_start "" || exit 1
    STARTED_SERVICES=1
  fi
  export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-$RANKFLOW_TEST_MOTO_ENDPOINT}
  # A program of build/bin: the loopback "nodes" are this machine. (With --ship the nodes run
  # the shipped copy instead, as on EC2.)
  if [ -z "$SHIP" ] && [[ "${JOB[0]}" != */* ]] && [ -x "$BIN_DIR/${JOB[0]}" ]; then
    JOB[0]=$BIN_DIR/${JOB[0]}
  fi
fi

# --ship with a JOB given by its path (a job built outside the tree, e.g. from template/): it
# travels in the tarball with build/bin, and the nodes run it by its name.
SHIP_EXTRA=()
if [ -n "$SHIP" ] && [[ "${JOB[0]}" == */* ]]; then
  if [ ! -f "${JOB[0]}" ] || [ ! -x "${JOB[0]}" ]; then
    echo "one_off: ${JOB[0]}: not an executable file" >&2
    exit 2
  fi
  SHIP_EXTRA=("${JOB[0]}")
  JOB[0]=$(basename "${JOB[0]}")
fi

# Where the job writes (--dest X / --dest=X), and the logs' default place: beside its output.
# The time is the launch's.
DEST=""
for ((i = 0; i < ${#JOB[@]}; i++)); do
  case "${JOB[$i]}" in
    --dest) DEST=${JOB[$((i + 1))]:-} ;;
    --dest=*) DEST=${JOB[$i]#--dest=} ;;
  esac
done
if [ -z "$LOGS" ] && [[ "$DEST" == s3://* ]]; then
  BUCKET=${DEST#s3://}
  BUCKET=${BUCKET%%/*}
  LOGS="s3://$BUCKET/rankflow-logs/$(date -u +%Y%m%dT%H%M%SZ)"
fi
if [ "$DETACH" = 1 ] && [ -z "$LOGS" ]; then
  echo "one_off: --detach needs --logs s3://… (or an s3 --dest): where the job's log goes" >&2
  exit 2
fi

WORK=$(mktemp -d /tmp/rankflow-one-off-XXXXXX)
cleanup() {
  echo "one_off: tearing the cluster down" >&2
  "$PROVISION" down --config "$CONFIG" "${FLAGS[@]}" || echo "one_off: warning: down failed; run scripts/down.sh $CONFIG" >&2
  if [ "$STARTED_SERVICES" = 1 ]; then services_stop; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$SHIP" ]; then
  FLAGS+=(--artifacts "$(provision_ship_binaries "$SHIP" "${SHIP_EXTRA[@]}")")
fi
if ! HOSTFILE=$("$PROVISION" up --config "$CONFIG" "${FLAGS[@]}"); then
  echo "one_off: the cluster did not come up; nothing ran" >&2
  exit 1
fi
if [ -z "$RANKS" ]; then
  RANKS=$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^slots=/) { sub("slots=", "", $i); n += $i } } END { print n }' "$HOSTFILE")
fi

# Quote every word for the head's shell.
CMD="mpirun -n $RANKS"
if [ -n "$SHIP" ]; then
  # The shipped program, found on the head's PATH (/usr/local/bin on EC2, the node folder's
  # opt/rankflow/bin locally), by absolute path so that every node starts the same file.
  PROG=$(printf '%q' "${JOB[0]}")
  CMD+=" \"\$(command -v $PROG || echo $PROG)\""
  for w in "${JOB[@]:1}"; do CMD+=" $(printf '%q' "$w")"; done
else
  for w in "${JOB[@]}"; do CMD+=" $(printf '%q' "$w")"; done
fi
echo "one_off: $CMD" >&2
if [ "$DETACH" = 1 ]; then
  if ! "$PROVISION" run --config "$CONFIG" "${FLAGS[@]}" --log-url "$LOGS" --detach -- "$CMD"; then
    echo "one_off: the detached job did not start" >&2
    exit 1  # the trap tears the cluster down
  fi
  trap - EXIT  # from here on the head owns the cluster's end
  rm -rf "$WORK"
  echo "one_off: detached; the cluster tears itself down when the job ends. Follow it with:" >&2
  echo "  $PROVISION logs --config $CONFIG ${FLAGS[*]} --log-url $LOGS" >&2
  echo "  $PROVISION status --config $CONFIG ${FLAGS[*]} --log-url $LOGS" >&2
  exit 0
fi
"$PROVISION" run --config "$CONFIG" "${FLAGS[@]}" -- "$CMD" 2>&1 | tee "$WORK/job.log"
RC=${PIPESTATUS[0]}
echo "one_off: job exited with $RC" >&2

if [ -n "$LOGS" ]; then
  "$PROVISION" put "$WORK/job.log" "${LOGS%/}/job.log" && echo "one_off: log: ${LOGS%/}/job.log" >&2
  if [[ "$DEST" == s3://* ]]; then
    "$PROVISION" get "${DEST%/}/_SUCCESS" "$WORK/_SUCCESS" 2>/dev/null
  elif [ -n "$DEST" ]; then
    "$PROVISION" run --config "$CONFIG" "${FLAGS[@]}" -- "cat $(printf '%q' "${DEST%/}/_SUCCESS")" >"$WORK/_SUCCESS" 2>/dev/null
  fi
  if [ -s "$WORK/_SUCCESS" ]; then
    "$PROVISION" put "$WORK/_SUCCESS" "${LOGS%/}/_SUCCESS" && echo "one_off: manifest: ${LOGS%/}/_SUCCESS" >&2
  else
    echo "one_off: no _SUCCESS manifest (the job did not commit its output)" >&2
  fi
else
  echo "one_off: no --logs and no s3 --dest: log kept only in this terminal" >&2
fi
exit "$RC"
