#include "provision/ssh_session.h"

#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>

#include "runtime/sys.h"

namespace rankflow::provision {
namespace {

using Clock = std::chrono::steady_clock;

void InitLibssh2Once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

int64_t MsLeft(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

// TCP keepalives, so the kernel too notices a peer that vanished (best effort).
void EnableTcpKeepalive(int fd, int interval_s) {
  if (interval_s <= 0) return;
  int on = 1;
  int count = 4;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &interval_s, sizeof interval_s);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_s, sizeof interval_s);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// Non-blocking TCP connect bounded by the deadline. Returns the fd or -1 with `error` set.
int ConnectTcp(const SshOptions& o, Clock::time_point deadline, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &res);
  if (rc != 0) {
    *error = std::string("cannot resolve: ") + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  *error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int64_t left = MsLeft(deadline);
      int n = left > 0 ? poll(&p, 1, static_cast<int>(left)) : 0;
      int soerr = 0;
      socklen_t len = sizeof soerr;
      if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) break;
      *error = n == 0 ? "connect timed out" : std::string("connect: ") + std::strerror(soerr);
    } else {
      *error = std::string("connect: ") + std::strerror(errno);
    }
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

const char* HostKeyTypeName(int type) {
  switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return "ssh-ed25519";
    default:
      return "unknown";
  }
}

}  // namespace

int DefaultSshKeepaliveS() {
  auto v = EnvInt("RANKFLOW_SSH_KEEPALIVE_S");
  return v && *v <= 3600 ? static_cast<int>(*v) : 15;
}

int DefaultSshDeadAfterS() {
  auto v = EnvInt("RANKFLOW_SSH_DEAD_AFTER_S");
  return v && *v <= 86400 ? static_cast<int>(*v) : 60;
}

struct SshSession::Impl {
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  // Set once authenticated: libssh2 keepalives are sent only from then on (a global request in
  // the middle of the key exchange or authentication is not ours to risk).
  bool keepalive = false;
  int dead_after_s = 0;
  Clock::time_point last_inbound = Clock::now();  // when the server was last heard from
  bool dead = false;                              // silent past dead_after_s

  // Notes that the server was heard from.
  void Heard() { last_inbound = Clock::now(); }

  int64_t SilentS() const {
    return std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - last_inbound).count();
  }

  ~Impl() {
    if (session != nullptr) {
      // Blocking with a short timeout: in non-blocking mode libssh2_session_free can answer
      // EAGAIN (pending data after a timed-out command) and free nothing; a dead peer must
      // still not hang the destructor.
      libssh2_session_set_timeout(session, 2000);
      libssh2_session_set_blocking(session, 1);
      libssh2_session_disconnect(session, "bye");
      libssh2_session_free(session);
    }
    if (fd >= 0) close(fd);
  }

  // Waits until the socket is ready in the direction libssh2 is blocked on, sending a keepalive
  // when one is due. False on timeout, and (with `dead` set) when the server has been silent
  // past dead_after_s.
  bool Wait(Clock::time_point deadline) {
    if (dead) return false;
    int dir = libssh2_session_block_directions(session);
    int64_t poll_ms = 1000;
    // Not while a packet of ours is half sent: libssh2 would finish that one in its place.
    if (keepalive && !(dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)) {
      int next_s = 0;
      if (libssh2_keepalive_send(session, &next_s) == 0 && next_s > 0) {
        poll_ms = std::min<int64_t>(poll_ms, next_s * 1000);
      }
    }
    pollfd p{fd, 0, 0};
    if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
    if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
    if (p.events == 0) p.events = POLLIN;
    int64_t left = MsLeft(deadline);
    if (left <= 0) return false;
    int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, poll_ms)));
    if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) Heard();
    if (keepalive && dead_after_s > 0 && SilentS() >= dead_after_s) {
      dead = true;
      return false;
    }
    return n >= 0 || errno == EINTR;
  }

  // Why a wait ended early, for messages: silence past the bound, else `otherwise`.
  std::string WhyStopped(const std::string& otherwise) const {
    if (!dead) return otherwise;
    return "no answer from the server for " + std::to_string(SilentS()) +
           " s (no data, no keepalive reply; dead_after_s " + std::to_string(dead_after_s) +
           "): the host is down or unreachable";
  }

  // Calls fn until it stops answering EAGAIN or the deadline passes (then returns EAGAIN).
  template <typename Fn>
  auto Retry(Clock::time_point deadline, Fn fn) -> decltype(fn()) {
    while (true) {
      auto rc = fn();
      if (rc != LIBSSH2_ERROR_EAGAIN) return rc;
      if (MsLeft(deadline) <= 0 || !Wait(deadline)) return rc;
    }
  }

  std::string LastError() const {
    char* msg = nullptr;
    libssh2_session_last_error(session, &msg, nullptr, 0);
    return msg != nullptr ? msg : "unknown libssh2 error";
  }
};

Result<std::unique_ptr<SshSession>> SshSession::Connect(const SshOptions& options) {
  InitLibssh2Once();
  std::string where = options.user + "@" + options.host + ":" + std::to_string(options.port);
  auto deadline = Clock::now() + std::chrono::milliseconds(options.connect_timeout_ms);
  std::unique_ptr<SshSession> s(new SshSession());
  s->options_ = options;
  s->impl_ = std::make_unique<Impl>();
  Impl& im = *s->impl_;
  std::string error;
  im.fd = ConnectTcp(options, deadline, &error);
  if (im.fd < 0) return Status::Unavailable("ssh " + where + ": " + error);
  im.session = libssh2_session_init();
  if (im.session == nullptr) return Status::Internal("ssh " + where + ": libssh2_session_init");
  libssh2_session_set_blocking(im.session, 0);
  int rc = im.Retry(deadline, [&] { return libssh2_session_handshake(im.session, im.fd); });
  if (rc != 0) {
    return Status::Unavailable("ssh " + where + ": handshake failed: " +
                               (rc == LIBSSH2_ERROR_EAGAIN ? "timed out" : im.LastError()));
  }
  size_t key_len = 0;
  int key_type = 0;
  const char* key = libssh2_session_hostkey(im.session, &key_len, &key_type);
  if (key != nullptr) {
    s->host_key_type_ = HostKeyTypeName(key_type);
    s->host_key_blob_.assign(key, key_len);
  }
  rc = im.Retry(deadline, [&] {
    return libssh2_userauth_publickey_fromfile_ex(
        im.session, options.user.c_str(), static_cast<unsigned>(options.user.size()), nullptr,
        options.private_key_path.c_str(), nullptr);
  });
  if (rc == LIBSSH2_ERROR_EAGAIN) {
    return Status::Unavailable("ssh " + where + ": authentication timed out");
  }
  if (rc != 0) {
    std::string msg = "ssh " + where + ": public key authentication with " +
                      options.private_key_path + " failed: " + im.LastError();
    if (rc == LIBSSH2_ERROR_FILE) return Status::NotFound(msg);
    return Status::PermissionDenied(msg);
  }
  EnableTcpKeepalive(im.fd, options.keepalive_interval_s);
  if (options.keepalive_interval_s > 0) {
    libssh2_keepalive_config(im.session, 1, static_cast<unsigned>(options.keepalive_interval_s));
    im.keepalive = true;
  }
  im.dead_after_s = options.dead_after_s;
  im.Heard();
  return s;
}

SshSession::~SshSession() = default;

namespace {

// A closed channel's exit: the command's status, or for a command ended by a signal its name and
// 128 + its number (as a shell reports it; 128 for a signal not in the table).
ExecResult ExitStatusOf(LIBSSH2_SESSION* session, LIBSSH2_CHANNEL* ch) {
  ExecResult result;
  result.exit_code = libssh2_channel_get_exit_status(ch);
  char* sig = nullptr;
  size_t sig_len = 0;
  libssh2_channel_get_exit_signal(ch, &sig, &sig_len, nullptr, nullptr, nullptr, nullptr);
  if (sig == nullptr) return result;
  result.exit_signal.assign(sig, sig_len);
  libssh2_free(session, sig);
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", 1}, {"INT", 2}, {"QUIT", 3}, {"ABRT", 6}, {"KILL", 9}, {"SEGV", 11}, {"TERM", 15}};
  result.exit_code = 128;
  for (const auto& [name, num] : kSignals) {
    if (result.exit_signal == name) result.exit_code = 128 + num;
  }
  return result;
}

}  // namespace

Result<ExecResult> SshSession::Exec(const std::string& command, const OutputSink& on_stdout,
                                    const OutputSink& on_stderr, int timeout_ms,
                                    std::string_view stdin_data) {
  Impl& im = *impl_;
  std::string where = options_.user + "@" + options_.host + ":" + std::to_string(options_.port);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 1 << 30);
  LIBSSH2_CHANNEL* ch = nullptr;
  while (true) {
    ch = libssh2_channel_open_session(im.session);
    if (ch != nullptr || libssh2_session_last_errno(im.session) != LIBSSH2_ERROR_EAGAIN) break;
    if (MsLeft(deadline) <= 0 || !im.Wait(deadline)) break;
  }
  if (ch == nullptr) {
    return Status::Unavailable("ssh " + where +
                               ": cannot open a channel: " + im.WhyStopped(im.LastError()));
  }
  auto free_channel = [&] {
    im.Retry(Clock::now() + std::chrono::seconds(2), [&] { return libssh2_channel_free(ch); });
  };
  auto fail = [&](const std::string& what) -> Status {
    free_channel();
    return Status::Unavailable("ssh " + where + ": " + what);
  };
  int rc = im.Retry(deadline, [&] {
    return libssh2_channel_process_startup(ch, "exec", 4, command.data(),
                                           static_cast<unsigned>(command.size()));
  });
  if (rc != 0) return fail("exec failed: " + im.WhyStopped(im.LastError()));

  size_t written = 0;
  bool eof_sent = false;
  char buf[32768];
  while (true) {
    bool progressed = false;
    if (written < stdin_data.size()) {
      ssize_t n =
          libssh2_channel_write(ch, stdin_data.data() + written, stdin_data.size() - written);
      if (n > 0) {
        written += static_cast<size_t>(n);
        progressed = true;
      } else if (n != LIBSSH2_ERROR_EAGAIN) {
        return fail("writing stdin failed: " + im.LastError());
      }
    } else if (!eof_sent) {
      int e = libssh2_channel_send_eof(ch);
      if (e == 0) {
        eof_sent = true;
        progressed = true;
      } else if (e != LIBSSH2_ERROR_EAGAIN) {
        return fail("sending eof failed: " + im.LastError());
      }
    }
    for (int stream : {0, SSH_EXTENDED_DATA_STDERR}) {
      while (true) {
        ssize_t n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf);
        if (n == LIBSSH2_ERROR_EAGAIN || n == 0) break;
        if (n < 0) return fail("reading output failed: " + im.LastError());
        progressed = true;
        im.Heard();
        const OutputSink& sink = stream == 0 ? on_stdout : on_stderr;
        if (sink) sink(std::string_view(buf, static_cast<size_t>(n)));
      }
    }
    if (libssh2_channel_eof(ch)) break;
    if (progressed) continue;
    if (MsLeft(deadline) <= 0 || !im.Wait(deadline)) {
      return fail(im.WhyStopped("command timed out after " + std::to_string(timeout_ms) + " ms") +
                  ": " + command);
    }
  }
  im.Retry(deadline, [&] { return libssh2_channel_close(ch); });
  im.Retry(deadline, [&] { return libssh2_channel_wait_closed(ch); });
  ExecResult result = ExitStatusOf(im.session, ch);
  free_channel();
  return result;
}

Status SshSession::Upload(const std::string& remote_path, std::string_view contents, int mode,
                          int timeout_ms) {
  char mode_str[8];
  std::snprintf(mode_str, sizeof mode_str, "%o", mode & 07777);
  std::string q = ShellQuote(remote_path);
  std::string tmp = ShellQuote(remote_path + ".rankflow-upload");
  std::string cmd = "umask 077 && mkdir -p \"$(dirname " + q + ")\" && cat > " + tmp +
                    " && chmod " + mode_str + " " + tmp + " && mv -f " + tmp + " " + q;
  std::string err;
  auto r = Exec(
      cmd, nullptr, [&](std::string_view c) { err.append(c); }, timeout_ms, contents);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return Status::IOError("ssh " + options_.host + ": upload to " + remote_path +
                           " failed (exit " + std::to_string(r->exit_code) + "): " + err);
  }
  return Status::OK();
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace rankflow::provision
