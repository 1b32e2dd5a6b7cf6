# Sourced by scripts/test.sh: starts and stops the services tests talk to.
#   services_start   starts moto_server on a free loopback port; exports RANKFLOW_TEST_MOTO_ENDPOINT
#   services_stop    stops everything services_start started
# Tests also need test credentials; they are fake and only ever sent to the local moto.

SERVICES_DIR=""
MOTO_PID=""

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

services_start() {
  SERVICES_DIR=$(mktemp -d /tmp/rankflow-services-XXXXXX)
  local port
  port=$(free_port)
  S3_UPLOAD_PART_MIN_SIZE=1 moto_server -H 127.0.0.1 -p "$port" >"$SERVICES_DIR/moto.log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    if curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "test: moto_server failed to start; see $SERVICES_DIR/moto.log" >&2
      cat "$SERVICES_DIR/moto.log" >&2
      return 1
    fi
    sleep 0.1
  done
  export RANKFLOW_TEST_MOTO_ENDPOINT="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=rankflowtestkeyid AWS_SECRET_ACCESS_KEY=rankflowtestsecret
  export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

services_stop() {
  if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; fi
  [ -n "$SERVICES_DIR" ] && rm -rf "$SERVICES_DIR"
  return 0
}
