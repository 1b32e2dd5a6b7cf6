#include "provision/binary_packages.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "provision/ssh_session.h"
#include "runtime/sys.h"

namespace rankflow::provision {
namespace {

namespace fs = std::filesystem;

struct Output {
  int exit_code = -1;
  std::string text;
};

// Runs `command` through /bin/sh, stdout captured (stderr as the command redirects it).
Output RunShell(const std::string& command) {
  Output out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.text.append(buf, n);
  int status = pclose(p);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

bool IsElf(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' &&
         magic[3] == 'F';
}

// Package names owning `paths`, from `dpkg -S` lines "pkg1:amd64, pkg2: /path".
std::map<std::string, std::string> Owners(const std::set<std::string>& paths) {
  std::map<std::string, std::string> owner;
  if (paths.empty()) return owner;
  std::string cmd = "dpkg -S";
  for (const auto& p : paths) cmd += " " + ShellQuote(p);
  std::istringstream lines(RunShell(cmd + " 2>/dev/null").text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t sep = line.find(": /");
    if (sep == std::string::npos) continue;
    std::string path = line.substr(sep + 2);
    std::string pkg = line.substr(0, line.find_first_of(":,"));
    if (paths.count(path) && !pkg.empty()) owner[path] = pkg;
  }
  return owner;
}

}  // namespace

Result<std::vector<std::string>> PackagesForBinaries(const std::string& dir) {
  std::error_code ec;
  std::set<std::string> libraries;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || !IsElf(entry.path())) continue;
    Output ldd = RunShell("ldd " + ShellQuote(entry.path().string()) + " 2>&1");
    std::istringstream lines(ldd.text);
    std::string line;
    while (std::getline(lines, line)) {
      // "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x…)" or "\tlibfoo.so.1 => not found"
      size_t arrow = line.find(" => ");
      if (arrow == std::string::npos) continue;
      std::string lib = line.substr(line.find_first_not_of(" \t"), arrow);
      lib = lib.substr(0, lib.find(' '));
      std::string target = line.substr(arrow + 4);
      if (target.rfind("not found", 0) == 0) {
        return Status::NotFound(entry.path().filename().string() + ": shared library " + lib +
                                " not found on this machine (ldd), so the nodes would lack it too");
      }
      if (target.empty() || target[0] != '/') continue;  // linux-vdso.so.1
      libraries.insert(target.substr(0, target.find(' ')));
    }
  }
  if (ec) return Status::IOError(dir + ": cannot list: " + ec.message());
  // dpkg knows a library by the path its package installed, which with Debian 12's merged /usr
  // may be the /lib or the /usr/lib spelling, or the symlink's target.
  std::map<std::string, std::string> owner = Owners(libraries);
  std::map<std::string, std::string> alias;  // other spelling -> library
  for (const auto& lib : libraries) {
    if (owner.count(lib)) continue;
    std::string other = lib.rfind("/usr/", 0) == 0 ? lib.substr(4) : "/usr" + lib;
    alias[other] = lib;
    alias[fs::canonical(lib, ec).string()] = lib;
  }
  std::set<std::string> others;
  for (const auto& [path, lib] : alias) others.insert(path);
  for (const auto& [path, pkg] : Owners(others)) owner[alias[path]] = pkg;
  std::set<std::string> packages;
  for (const auto& lib : libraries) {
    auto it = owner.find(lib);
    if (it == owner.end()) {
      return Status::NotFound(lib +
                              ": no installed Debian package owns it (dpkg -S); install "
                              "the binaries' libraries from Debian or ship them");
    }
    packages.insert(it->second);
  }
  return std::vector<std::string>(packages.begin(), packages.end());
}

Result<std::vector<std::string>> PackagesForTarball(std::string_view tar_gz) {
  std::string tmpl = SpillDirectory("") + "/rankflow-ship-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError(tmpl + ": cannot create a temporary folder: " + ErrnoText(errno));
  }
  const fs::path dir = tmpl;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  {
    std::ofstream out(dir / "bin.tar.gz", std::ios::binary);
    out.write(tar_gz.data(), static_cast<std::streamsize>(tar_gz.size()));
    if (!out) return Status::IOError((dir / "bin.tar.gz").string() + ": cannot write");
  }
  fs::create_directory(dir / "x");
  Output tar = RunShell("tar -xzf " + ShellQuote((dir / "bin.tar.gz").string()) + " -C " +
                        ShellQuote((dir / "x").string()) + " 2>&1");
  if (tar.exit_code != 0) {
    return Status::InvalidArgument("the binaries tarball does not unpack: " + tar.text);
  }
  if (!fs::is_directory(dir / "x" / "bin")) {
    return Status::InvalidArgument("the binaries tarball holds no bin/ folder");
  }
  return PackagesForBinaries((dir / "x" / "bin").string());
}

}  // namespace rankflow::provision
