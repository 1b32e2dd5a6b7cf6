#!/usr/bin/env bash
# Checks that every tracked C and C++ file (git ls-files '*.cpp' '*.h' '*.c') is formatted as
# .clang-format says. Prints nothing and exits 0 when all are; otherwise lists the files that are
# not, with the command that fixes them, and exits 1. Exits 2 when clang-format is missing.
# Usage: scripts/check_format.sh            every tracked file, as it is in the working tree
#        scripts/check_format.sh --staged   only staged files, as they are in the index
#                                           (what scripts/pre-commit runs)
# Formatting differs between clang-format releases; scripts/setup.sh installs Debian's (14).
# Cost: about 10 s for the whole tree on one core.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang-format >/dev/null 2>&1; then
  echo "check_format: clang-format not found (scripts/setup.sh --no-build installs it)" >&2
  exit 2
fi

staged=0
[ "${1:-}" = "--staged" ] && staged=1

bad=()
if [ "$staged" = 1 ]; then
  while IFS= read -r -d '' f; do
    # The index holds what will be committed; a later edit in the working tree must not hide it.
    if ! git show ":$f" | clang-format --assume-filename="$f" --dry-run --Werror >/dev/null 2>&1; then
      bad+=("$f")
    fi
  done < <(git diff --cached --name-only --diff-filter=ACMR -z -- '*.cpp' '*.h' '*.c')
else
  while IFS= read -r -d '' f; do
    [ -f "$f" ] || continue  # deleted in the working tree, not yet in the index
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      bad+=("$f")
    fi
  done < <(git ls-files -z -- '*.cpp' '*.h' '*.c')
fi

if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: ${#bad[@]} file(s) differ from .clang-format ($(clang-format --version)):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "fix with: clang-format -i ${bad[*]}" >&2
  exit 1
fi
