// The Debian packages that a set of shipped binaries needs at run time, derived from the binaries
// instead of typed by hand (a hand list misses libraries, e.g. libicu through libxml2/boost): on
// the launching machine, which is Debian 12 like the nodes (provision/README.md, step 1), `ldd`
// resolves every shared library of every ELF file and `dpkg -S` names the package that owns it —
// what dpkg-shlibdeps does for a .deb. `up` runs it over the tarball it ships.
//
// Runs ldd, dpkg and tar as child processes (through /bin/sh); blocking; thread-safe. Costs
// about one ldd per binary and two dpkg calls in all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/status.h"

namespace rankflow::provision {

// Sorted package names (without ":amd64") for the ELF files directly in `dir`. NotFound naming
// the binary and library when ldd cannot resolve a library here (the nodes could not either), or
// when no installed package owns a resolved library (built against something outside Debian).
// A folder without ELF files gives an empty list.
Result<std::vector<std::string>> PackagesForBinaries(const std::string& dir);

// Unpacks a .tar.gz (the bytes of what scripts/lib/provision_common.sh ships: `bin/…`) into a
// temporary folder, removed afterwards, and returns PackagesForBinaries of its bin/ folder
// (InvalidArgument when it does not unpack or holds no bin/ folder).
Result<std::vector<std::string>> PackagesForTarball(std::string_view tar_gz);

}  // namespace rankflow::provision
