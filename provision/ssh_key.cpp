#include "provision/ssh_key.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace rankflow::provision {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void PutU32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

// SSH wire "string": uint32 length + bytes.
void PutString(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};

Status WriteWithMode(const std::string& path, const std::string& contents, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IOError(tmp + ": cannot create: " + std::strerror(errno));
  fchmod(fd, mode);  // O_CREAT's mode is masked by umask; an existing file keeps its old mode
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = std::strerror(errno);
      close(fd);
      return Status::IOError(tmp + ": write failed: " + err);
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) return Status::IOError(tmp + ": close failed: " + std::strerror(errno));
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(path + ": rename failed: " + std::strerror(errno));
  }
  return Status::OK();
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') break;
    const char* p = std::strchr(kB64, c);
    if (p == nullptr || c == '\0') {
      return Status::InvalidArgument(std::string("base64: unexpected character '") + c + "'");
    }
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

Result<SshKeyPair> GenerateEd25519Key(const std::string& comment) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_keygen(ctx.get(), &raw) <= 0) {
    return Status::Internal("ed25519 key generation failed (openssl)");
  }
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey(raw);
  unsigned char pub[32];
  unsigned char seed[32];
  size_t pub_len = sizeof pub;
  size_t seed_len = sizeof seed;
  if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &pub_len) <= 0 ||
      EVP_PKEY_get_raw_private_key(pkey.get(), seed, &seed_len) <= 0 || pub_len != 32 ||
      seed_len != 32) {
    return Status::Internal("ed25519 raw key export failed (openssl)");
  }
  std::string_view pub_sv(reinterpret_cast<const char*>(pub), 32);

  SshKeyPair key;
  PutString(&key.public_blob, "ssh-ed25519");
  PutString(&key.public_blob, pub_sv);
  key.public_line = "ssh-ed25519 " + Base64Encode(key.public_blob) + " " + comment;

  // openssh-key-v1 (PROTOCOL.key in OpenSSH's sources): magic, cipher "none", kdf "none",
  // empty kdf options, one key, public blob, then the private section padded to 8 bytes.
  uint32_t check = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&check), sizeof check);
  std::string priv;
  PutU32(&priv, check);
  PutU32(&priv, check);
  PutString(&priv, "ssh-ed25519");
  PutString(&priv, pub_sv);
  std::string secret(reinterpret_cast<const char*>(seed), 32);
  secret.append(pub_sv);  // OpenSSH stores seed || public key
  PutString(&priv, secret);
  PutString(&priv, comment);
  for (char pad = 1; priv.size() % 8 != 0; ++pad) priv.push_back(pad);
  OPENSSL_cleanse(seed, sizeof seed);

  std::string blob("openssh-key-v1", 15);  // includes the terminating NUL
  PutString(&blob, "none");
  PutString(&blob, "none");
  PutString(&blob, "");
  PutU32(&blob, 1);
  PutString(&blob, key.public_blob);
  PutString(&blob, priv);
  OPENSSL_cleanse(priv.data(), priv.size());
  OPENSSL_cleanse(secret.data(), secret.size());

  std::string b64 = Base64Encode(blob);
  OPENSSL_cleanse(blob.data(), blob.size());
  key.private_openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 70) key.private_openssh += b64.substr(i, 70) + "\n";
  key.private_openssh += "-----END OPENSSH PRIVATE KEY-----\n";
  return key;
}

Status WriteKeyFiles(const std::string& path, const SshKeyPair& key) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(parent, ec)) {
      std::filesystem::create_directories(parent, ec);
      if (ec) return Status::IOError(parent.string() + ": cannot create: " + ec.message());
      chmod(parent.c_str(), 0700);
    }
  }
  RF_RETURN_IF_ERROR(WriteWithMode(path, key.private_openssh, 0600));
  return WriteWithMode(path + ".pub", key.public_line + "\n", 0644);
}

Result<std::string> ReadPublicLine(const std::string& private_path) {
  std::ifstream in(private_path + ".pub");
  if (!in) return Status::NotFound(private_path + ".pub: cannot open");
  std::string line;
  std::getline(in, line);
  if (line.rfind("ssh-", 0) != 0) {
    return Status::InvalidArgument(private_path + ".pub: not an ssh public key line");
  }
  return line;
}

std::string KnownHostsLine(const std::string& host, int port, const std::string& key_type,
                           std::string_view key_blob) {
  std::string name = port == 22 ? host : "[" + host + "]:" + std::to_string(port);
  return name + " " + key_type + " " + Base64Encode(key_blob);
}

std::string Sha256Fingerprint(std::string_view key_blob) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key_blob.data()), key_blob.size(), digest);
  std::string b64 =
      Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

}  // namespace rankflow::provision
