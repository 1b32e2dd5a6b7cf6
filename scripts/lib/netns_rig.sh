# shellcheck shell=bash
# Several "hosts" on one machine, for multi-host tests (issue 13, item 3). Source it:
#   source scripts/lib/netns_rig.sh
#   netns_rig_check                    # exit status 0 iff we may create namespaces (root, ip, sshd)
#   netns_rig_up N DIR                 # N hosts (network namespaces), each with its own sshd
#   netns_rig_export_mpi_env           # exports the OMPI_MCA_* settings mpirun needs to span them
#   netns_rig_exec I CMD…              # runs CMD inside host I's namespace
#   netns_rig_cut I                    # cuts host I off: its link goes down on the switch side
#   netns_rig_uncut I                  # joins it again
#   netns_rig_down                     # removes everything netns_rig_up made (idempotent)
#
# Layout: one namespace per host (NETNS_RIG_NS[i]) and one "switch" namespace holding a bridge; a
# veth pair joins each host to the bridge. Host i has address 10.213.0.(10+i)/24 on its veth (and
# its own lo); nothing is added to the caller's namespace, so the subnet cannot collide with the
# machine's networks, and two rigs at once (different PIDs, different names) do not see each other.
# Each host runs /usr/sbin/sshd on NETNS_RIG_SSH_PORT inside its namespace, key auth only, with a
# key the rig generates (DIR/id_ed25519). The file system is shared: every host is this machine.
#
# netns_rig_up registers nothing itself: call `trap netns_rig_down EXIT` in the caller so that
# namespaces, veths, bridge and sshds are removed even when the test fails.

NETNS_RIG_NS=()
NETNS_RIG_SWITCH=""
NETNS_RIG_DIR=""
NETNS_RIG_SUBNET="10.213.0.0/24"
NETNS_RIG_SSH_PORT=2222

netns_rig_addr() { echo "10.213.0.$((10 + $1))"; }

# Returns 0 iff this process can build the rig; otherwise prints why (one line) and returns 1.
netns_rig_check() {
  if [ "$(id -u)" != "0" ]; then
    echo "netns rig: needs root (CAP_NET_ADMIN) to create network namespaces; running as $(id -un)" >&2
    return 1
  fi
  if ! command -v ip >/dev/null 2>&1; then
    echo "netns rig: the 'ip' command (iproute2) is missing; scripts/setup.sh installs it" >&2
    return 1
  fi
  if [ ! -x /usr/sbin/sshd ]; then
    echo "netns rig: /usr/sbin/sshd is missing (openssh-server)" >&2
    return 1
  fi
  local probe="rfprobe$$"
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "netns rig: 'ip netns add' failed: no CAP_NET_ADMIN in this container?" >&2
    return 1
  fi
  ip netns del "$probe" 2>/dev/null || true
  return 0
}

# netns_rig_up N DIR: builds N hosts. DIR holds the key, the sshd configs and logs, the hostfile.
netns_rig_up() {
  local n=$1 i ns addr
  NETNS_RIG_DIR=$2
  mkdir -p "$NETNS_RIG_DIR" /run/sshd
  chmod 700 "$NETNS_RIG_DIR"
  local tag="rf$$" stale pid
  # Rigs of processes that were killed before their trap ran (ctest's timeout kills): rf<pid>…
  # names whose pid is gone. Only names of this pattern, never another live rig's.
  for stale in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^rf[0-9]+(sw|h[0-9]+)$'); do
    local spid=${stale#rf}
    spid=${spid%%[sh]*}
    if ! kill -0 "$spid" 2>/dev/null; then
      for pid in $(ip netns pids "$stale" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$stale" 2>/dev/null || true
    fi
  done
  NETNS_RIG_SWITCH="${tag}sw"
  ip netns add "$NETNS_RIG_SWITCH" || return 1
  ip -n "$NETNS_RIG_SWITCH" link add br0 type bridge || return 1
  ip -n "$NETNS_RIG_SWITCH" link set br0 up || return 1
  ip -n "$NETNS_RIG_SWITCH" link set lo up || return 1
  ssh-keygen -q -t ed25519 -N '' -f "$NETNS_RIG_DIR/id_ed25519" -C rankflow-netns-rig </dev/null ||
    return 1
  ssh-keygen -q -t ed25519 -N '' -f "$NETNS_RIG_DIR/host_ed25519" -C rankflow-netns-host </dev/null ||
    return 1
  cp "$NETNS_RIG_DIR/id_ed25519.pub" "$NETNS_RIG_DIR/authorized_keys"
  chmod 600 "$NETNS_RIG_DIR/authorized_keys"
  : >"$NETNS_RIG_DIR/hostfile"
  for ((i = 0; i < n; i++)); do
    ns="${tag}h$i"
    addr=$(netns_rig_addr "$i")
    ip netns add "$ns" || return 1
    NETNS_RIG_NS+=("$ns")
    # The pair is created inside the switch namespace (names are per namespace), then one end moves.
    ip -n "$NETNS_RIG_SWITCH" link add "port$i" type veth peer name "eth$i" || return 1
    ip -n "$NETNS_RIG_SWITCH" link set "eth$i" netns "$ns" || return 1
    ip -n "$NETNS_RIG_SWITCH" link set "port$i" master br0 || return 1
    ip -n "$NETNS_RIG_SWITCH" link set "port$i" up || return 1
    ip -n "$ns" link set lo up || return 1
    ip -n "$ns" addr add "$addr/24" dev "eth$i" || return 1
    ip -n "$ns" link set "eth$i" up || return 1
    {
      echo "Port $NETNS_RIG_SSH_PORT"
      echo "ListenAddress $addr"
      echo "HostKey $NETNS_RIG_DIR/host_ed25519"
      echo "AuthorizedKeysFile $NETNS_RIG_DIR/authorized_keys"
      echo "PasswordAuthentication no"
      echo "KbdInteractiveAuthentication no"
      echo "PermitRootLogin prohibit-password"
      echo "UsePAM no"
      echo "StrictModes no"
      echo "PidFile $NETNS_RIG_DIR/sshd$i.pid"
      echo "MaxStartups 100:30:200"
      echo "MaxSessions 100"
      echo "ClientAliveInterval 1"
      echo "ClientAliveCountMax 3"
      echo "LogLevel ERROR"
    } >"$NETNS_RIG_DIR/sshd$i.config"
    ip netns exec "$ns" /usr/sbin/sshd -f "$NETNS_RIG_DIR/sshd$i.config" \
      -E "$NETNS_RIG_DIR/sshd$i.log" || {
      echo "netns rig: sshd of host $i failed; see $NETNS_RIG_DIR/sshd$i.log" >&2
      return 1
    }
    echo "$addr slots=1" >>"$NETNS_RIG_DIR/hostfile"
  done
  # Every host must answer ssh from host 0 before the rig counts as up (the bridge needs a moment).
  for ((i = 0; i < n; i++)); do
    local ok=0
    for _ in $(seq 1 100); do
      # shellcheck disable=SC2046
      if netns_rig_exec 0 ssh $(netns_rig_ssh_args) "$(netns_rig_addr "$i")" true 2>/dev/null; then
        ok=1
        break
      fi
      sleep 0.1
    done
    if [ "$ok" != 1 ]; then
      echo "netns rig: host $i ($(netns_rig_addr "$i")) does not answer ssh from host 0" >&2
      return 1
    fi
  done
}

# ssh options for the rig (set once the key exists; netns_rig_ssh_args prints them as one string).
netns_rig_ssh_args() {
  echo "-p $NETNS_RIG_SSH_PORT -i $NETNS_RIG_DIR/id_ed25519 -o BatchMode=yes" \
    "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" \
    "-o ServerAliveInterval=1 -o ServerAliveCountMax=3 -o ConnectTimeout=5"
}
netns_rig_exec() {
  local i=$1
  shift
  ip netns exec "${NETNS_RIG_NS[$i]}" "$@"
}

# Exports the env for mpirun: TCP only
# (no shared-memory shortcut between "hosts"), both the MPI and the runtime (OOB) traffic on the
# rig's subnet, ssh with the rig's key. ServerAlive makes the launcher's ssh to a host that went
# silent end within ~3-4 s, which is how mpirun learns that the host's daemon is gone.
# mpirun ssh-es to every host itself (no tree spawn: an orted never needs the key).
netns_rig_export_mpi_env() {
  export OMPI_MCA_btl=self,tcp
  export OMPI_MCA_btl_tcp_if_include=$NETNS_RIG_SUBNET
  export OMPI_MCA_oob_tcp_if_include=$NETNS_RIG_SUBNET
  export OMPI_MCA_plm_rsh_agent=ssh
  export OMPI_MCA_plm_rsh_no_tree_spawn=1 OMPI_MCA_routed=direct
  # mpirun and the orteds talk over TCP (OOB) and, once launched, ssh is gone: a host that went
  # silent is only noticed by TCP keepalive, 300 + 9 x 20 s by default. ~3 s here.
  export OMPI_MCA_oob_tcp_keepalive_time=${NETNS_RIG_KEEPALIVE_S:-1}
  export OMPI_MCA_oob_tcp_keepalive_intvl=1
  export OMPI_MCA_oob_tcp_keepalive_probes=2
  OMPI_MCA_plm_rsh_args=$(netns_rig_ssh_args)
  export OMPI_MCA_plm_rsh_args
}

# Cuts host I off the switch: its veth peer goes down (no RST, no FIN: the peers just stop hearing).
netns_rig_cut() {
  ip -n "$NETNS_RIG_SWITCH" link set "port$1" down
}

# Joins host I again (after netns_rig_cut).
netns_rig_uncut() {
  ip -n "$NETNS_RIG_SWITCH" link set "port$1" up
}

netns_rig_down() {
  local i ns pid
  for ((i = 0; i < ${#NETNS_RIG_NS[@]}; i++)); do
    ns=${NETNS_RIG_NS[$i]}
    # Every process still inside the namespace (sshd, orted, ranks of a job we cut off) was
    # started by this rig: end them by pid.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  NETNS_RIG_NS=()
  if [ -n "$NETNS_RIG_SWITCH" ]; then
    ip netns del "$NETNS_RIG_SWITCH" 2>/dev/null || true
    NETNS_RIG_SWITCH=""
  fi
  return 0
}
