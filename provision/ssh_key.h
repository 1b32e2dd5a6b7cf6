// ed25519 SSH keys: generation (OpenSSL EVP_PKEY_ED25519) and the OpenSSH file formats.
// We generate keys in-process rather than shelling out to ssh-keygen so the library has no
// dependency on a program being installed and no key material ever passes through a command line.
// Only ed25519: libssh2 1.10 signs RSA with SHA-1 only, which OpenSSH 9 refuses.
// Thread-safe; no I/O except WritePrivateKeyFile / WriteFileAtomic.
#pragma once

#include <string>
#include <string_view>

#include "runtime/status.h"

namespace rankflow::provision {

struct SshKeyPair {
  // "-----BEGIN OPENSSH PRIVATE KEY-----…" (unencrypted openssh-key-v1), what ssh and libssh2 read.
  std::string private_openssh;
  // The wire blob of the public key (string "ssh-ed25519", string 32-byte key).
  std::string public_blob;
  // "ssh-ed25519 AAAA… comment", one line without newline: authorized_keys / ImportKeyPair.
  std::string public_line;
};

// A fresh key pair; `comment` ends up in the public line and inside the private file.
Result<SshKeyPair> GenerateEd25519Key(const std::string& comment);

// Writes the private key with mode 0600 (created as such, never world-readable for an instant),
// and "<path>.pub" with the public line. Creates missing parent folders with mode 0700.
Status WriteKeyFiles(const std::string& path, const SshKeyPair& key);

// Reads the public line from "<private path>.pub".
Result<std::string> ReadPublicLine(const std::string& private_path);

// A known_hosts line: "host key_type base64" or "[host]:port key_type base64" when port != 22.
std::string KnownHostsLine(const std::string& host, int port, const std::string& key_type,
                           std::string_view key_blob);

// Standard base64 with padding (RFC 4648), no line breaks.
std::string Base64Encode(std::string_view bytes);
// Inverse of Base64Encode; ignores whitespace. InvalidArgument on other characters.
Result<std::string> Base64Decode(std::string_view text);

// "SHA256:…" fingerprint of a public key blob, as ssh-keygen -l prints it.
std::string Sha256Fingerprint(std::string_view key_blob);

}  // namespace rankflow::provision
