// One SSH connection (libssh2) authenticated with an ed25519 key file: run commands with streamed
// stdout/stderr and their exit status, upload files. Every operation has a deadline.
// Not thread-safe: one thread uses one session. Sessions are independent of each other.
// Host keys are not checked against a known_hosts file here (the caller learns a fresh node's key
// on first contact and pins it for the cluster: see host_key_* and KnownHostsLine).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/status.h"

namespace rankflow::provision {

// RANKFLOW_SSH_KEEPALIVE_S (else 15) and RANKFLOW_SSH_DEAD_AFTER_S (else 60): SshOptions' defaults.
int DefaultSshKeepaliveS();
int DefaultSshDeadAfterS();

struct SshOptions {
  std::string host;  // IPv4 or IPv6 literal, or a name resolved with getaddrinfo
  int port = 22;
  std::string user;
  std::string private_key_path;   // OpenSSH-format ed25519 key; the public half is derived from it
  int connect_timeout_ms = 5000;  // TCP connect + handshake + authentication
  // After authentication, a keepalive (a global request with a reply wanted) goes out whenever the
  // session has been waiting `keepalive_interval_s` seconds, and any wait (a command's output,
  // a channel, a close) that has received nothing from the server — no data, no keepalive
  // reply — for `dead_after_s` seconds fails with Unavailable naming the host: a node that was
  // terminated without a RST, or a laptop's network that went away, ends the call in a bounded
  // time even when the command has no timeout. 0 turns either off (the bound needs keepalives:
  // without them a silent command is indistinguishable from a dead peer). The socket also gets TCP
  // keepalives (SO_KEEPALIVE, probes every keepalive_interval_s). libssh2 makes an interval of 1
  // into 2; keep dead_after_s at several intervals. Defaults: 15 and 60, or
  // RANKFLOW_SSH_KEEPALIVE_S / RANKFLOW_SSH_DEAD_AFTER_S when set (read when the options are made).
  int keepalive_interval_s = DefaultSshKeepaliveS();
  int dead_after_s = DefaultSshDeadAfterS();
};

// Receives output as it arrives; chunks are arbitrary pieces, not lines.
using OutputSink = std::function<void(std::string_view chunk)>;

struct ExecResult {
  int exit_code = -1;       // the remote exit status; 128 + signal number if killed by a signal
  std::string exit_signal;  // "TERM", "KILL", … when killed by a signal, else empty
};

class SshSession {
 public:
  // Connects, handshakes and authenticates. Unavailable when the host does not answer or refuses
  // the connection (worth retrying while a node boots); PermissionDenied when the key is refused.
  static Result<std::unique_ptr<SshSession>> Connect(const SshOptions& options);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  // Runs `command` through the remote user's shell. `stdin_data` (may be empty) is written to
  // its standard input, followed by EOF. Output goes to the sinks as it arrives (a null sink
  // drops it). Returns the exit status; a non-zero status is a value, not an error. Errors:
  // Unavailable on a broken connection, when the server has been silent past
  // SshOptions::dead_after_s ("ssh root@10.0.0.5:22: no answer from the server for 60 s (…)"),
  // and when `timeout_ms` (> 0) passes first (the channel is closed; the remote process gets
  // SIGHUP from sshd). A session that failed for silence stays failed.
  Result<ExecResult> Exec(const std::string& command, const OutputSink& on_stdout,
                          const OutputSink& on_stderr, int timeout_ms,
                          std::string_view stdin_data = {});

  // Writes `contents` to `remote_path` with `mode` (e.g. 0600), atomically (temporary file +
  // rename), creating the parent folder. Uses only a POSIX shell, cat, chmod and mv on the remote
  // side, so it needs neither an SFTP subsystem nor scp.
  Status Upload(const std::string& remote_path, std::string_view contents, int mode,
                int timeout_ms);

  // The server's host key as presented in the handshake: type ("ssh-ed25519", "ssh-rsa",
  // "ecdsa-sha2-nistp256", …) and wire blob.
  const std::string& host_key_type() const { return host_key_type_; }
  const std::string& host_key_blob() const { return host_key_blob_; }
  const SshOptions& options() const { return options_; }

 private:
  SshSession() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SshOptions options_;
  std::string host_key_type_;
  std::string host_key_blob_;
};

// Quotes `s` for a POSIX shell: 'it'\''s'.
std::string ShellQuote(std::string_view s);

}  // namespace rankflow::provision
