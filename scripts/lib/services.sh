# Sourced by scripts/test.sh: starts and stops the services tests talk to.
#   services_start   starts moto_server on a free loopback port; exports RANKFLOW_TEST_MOTO_ENDPOINT
#   services_stop    stops everything services_start started
#   (services_start also starts a loopback sshd: see sshd_start below; exports RANKFLOW_TEST_SSHD_*)
# Tests also need test credentials; they are fake and only ever sent to the local moto.

SERVICES_DIR=""
MOTO_PID=""

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- moto S3/EC2 emulator (owner: aws) --------------------------------------------------------
# moto_start DIR   starts moto_server on a free loopback port (log in DIR/moto.log), checks that
#                  *our* process answers, exports RANKFLOW_TEST_MOTO_ENDPOINT and MOTO_PID.
# moto_stop        stops it.
moto_start() {
  local dir=$1 port
  for _ in 1 2 3; do
    port=$(free_port)
    S3_UPLOAD_PART_MIN_SIZE=1 moto_server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 1 200); do
      # Ours must be alive: if the port was taken, our moto exits and another one answers.
      if ! kill -0 "$MOTO_PID" 2>/dev/null; then break; fi
      if curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
        export RANKFLOW_TEST_MOTO_ENDPOINT="http://127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  done
  echo "test: moto_server failed to start; see $dir/moto.log" >&2
  cat "$dir/moto.log" >&2
  MOTO_PID=""
  return 1
}

moto_stop() {
  if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; fi
  MOTO_PID=""
}

services_start() {
  SERVICES_DIR=$(mktemp -d /tmp/rankflow-services-XXXXXX)
  moto_start "$SERVICES_DIR" || return 1
  export AWS_ACCESS_KEY_ID=rankflowtestkeyid AWS_SECRET_ACCESS_KEY=rankflowtestsecret
  export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
  unset AWS_PROFILE AWS_SESSION_TOKEN
  sshd_start "" || return 1
}

services_stop() {
  sshd_stop
  moto_stop
  [ -n "$SERVICES_DIR" ] && rm -rf "$SERVICES_DIR"
  return 0
}

# --- loopback sshd (owner: provision) ---------------------------------------------------------
# sshd_start [DIR]   starts a second sshd (its own host key and config in DIR, default a new folder
#                    under SERVICES_DIR or /tmp) on a free port, listening on 127.0.0.1 and on
#                    127.0.0.4 … 127.0.0.18: the addresses moto hands to instances in a 127.0.0.0/24
#                    subnet. Key auth only; every user's keys come from DIR/authorized_keys (what
#                    `provision up --local` writes, standing in for EC2's key injection). Exports
#                    RANKFLOW_TEST_SSHD_PORT and RANKFLOW_TEST_SSHD_DIR.
# sshd_stop          stops it (by its pid file).
SSHD_DIR=""

sshd_start() {
  SSHD_DIR=${1:-}
  if [ -z "$SSHD_DIR" ]; then
    SSHD_DIR=$(mktemp -d "${SERVICES_DIR:-/tmp}/sshd-XXXXXX")
  fi
  mkdir -p "$SSHD_DIR" /run/sshd
  chmod 700 "$SSHD_DIR"
  ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_ed25519" -C rankflow-test-host </dev/null
  : >"$SSHD_DIR/authorized_keys"
  chmod 600 "$SSHD_DIR/authorized_keys"
  local port i
  port=$(free_port)
  {
    echo "Port $port"
    echo "ListenAddress 127.0.0.1"
    for i in $(seq 4 18); do echo "ListenAddress 127.0.0.$i"; done
    echo "HostKey $SSHD_DIR/host_ed25519"
    echo "AuthorizedKeysFile $SSHD_DIR/authorized_keys"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "PermitRootLogin prohibit-password"
    echo "UsePAM no"
    echo "StrictModes no"
    echo "PidFile $SSHD_DIR/sshd.pid"
    echo "MaxStartups 100:30:200"
    echo "MaxSessions 100"
    echo "LogLevel ERROR"
  } >"$SSHD_DIR/sshd_config"
  /usr/sbin/sshd -f "$SSHD_DIR/sshd_config" -E "$SSHD_DIR/sshd.log" || {
    echo "test: sshd failed to start; see $SSHD_DIR/sshd.log" >&2
    cat "$SSHD_DIR/sshd.log" >&2
    return 1
  }
  for _ in $(seq 1 50); do
    [ -s "$SSHD_DIR/sshd.pid" ] && break
    sleep 0.1
  done
  export RANKFLOW_TEST_SSHD_PORT=$port RANKFLOW_TEST_SSHD_DIR=$SSHD_DIR
}

sshd_stop() {
  if [ -n "$SSHD_DIR" ] && [ -s "$SSHD_DIR/sshd.pid" ]; then
    kill "$(cat "$SSHD_DIR/sshd.pid")" 2>/dev/null || true
    rm -f "$SSHD_DIR/sshd.pid"
  fi
  return 0
}
