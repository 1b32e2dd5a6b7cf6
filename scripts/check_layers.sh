#!/usr/bin/env bash
# Checks that the include edges between the library folders follow the layers (docs/DESIGN.md):
#
#   jobs -> operators, operators/ml -> runtime -> runtime/aws -> base
#   provision -> runtime/aws -> base
#
# where "base" is rankflow_base (runtime/status.h, log.h, markup.h, sys.h, utf8.h: the files
# of that CMake library, which live in runtime/ but sit below runtime/aws). A folder may include its
# own headers and those of any layer below it, never one above or beside it (operators and
# operators/ml are side by side; provision sees only runtime/aws and base). A job may include its
# own headers (jobs/<job>.h, jobs/<job>_<part>.h, where <job> has a jobs/<job>_main.cpp; an
# example job jobs/examples/<job>.cpp its pipeline jobs/examples/<job>.h) but not another job's.
# tests/ and bench/ sit above everything and are not checked.
# Jobs reach MPI only through runtime's MpiContext: no file in jobs/ includes <mpi.h> or names an
# MPI_ identifier outside a comment.
#
# Reads every tracked .h/.cpp/.c file in the checked folders as it is in the working tree.
# Prints nothing on stdout and exits 0 when every edge is allowed (known violations, below, are
# warnings on stderr); otherwise prints one line per offence and exits 1:
#   file:line: layer -> layer: #include "header"
#   file:line: jobs -> MPI: MPI_Name (use runtime/mpi_context.h)
# Cost: one to a few seconds (one grep per file).
set -euo pipefail
cd "$(dirname "$0")/.."

# Known violations that another change removes; each is reported as a warning, not a failure.
# Format: "file -> header" and the reason. Keep this list empty whenever possible.
KNOWN=(
)

# The layer a repository file belongs to; empty for files outside the checked folders.
layer_of() {
  case "$1" in
    runtime/status.h | runtime/status.cpp | runtime/log.h | runtime/log.cpp | runtime/markup.h | \
      runtime/markup.cpp | runtime/sys.h | runtime/sys.cpp | runtime/utf8.h | runtime/utf8.cpp)
      echo base ;;
    runtime/aws/*) echo runtime/aws ;;
    runtime/*) echo runtime ;;
    operators/ml/*) echo operators/ml ;;
    operators/*) echo operators ;;
    jobs/*) echo jobs ;;
    provision/*) echo provision ;;
    *) echo "" ;;
  esac
}

# Whether a file in layer $1 may include a header in layer $2.
allowed() {
  case "$1:$2" in
    base:base) return 0 ;;
    runtime/aws:runtime/aws | runtime/aws:base) return 0 ;;
    runtime:runtime | runtime:runtime/aws | runtime:base) return 0 ;;
    operators:operators | operators:runtime | operators:runtime/aws | operators:base) return 0 ;;
    operators/ml:operators/ml | operators/ml:runtime | operators/ml:runtime/aws | operators/ml:base)
      return 0 ;;
    jobs:jobs | jobs:operators | jobs:operators/ml | jobs:runtime | jobs:runtime/aws | jobs:base)
      return 0 ;;
    provision:provision | provision:runtime/aws | provision:base) return 0 ;;
  esac
  return 1
}

# The job a jobs/ file belongs to: the longest job name N with jobs/N_main.cpp (or
# jobs/examples/N.cpp) such that the file's base name (without extension) is N or starts with N_.
jobs=()
for m in jobs/*_main.cpp; do
  n=${m#jobs/}
  jobs+=("${n%_main.cpp}")
done
for m in jobs/examples/*.cpp; do
  n=${m#jobs/examples/}
  jobs+=("${n%.cpp}")
done
job_of() {
  local stem best="" j
  stem=$(basename "$1")
  stem=${stem%%.*}
  for j in "${jobs[@]}"; do
    if [ "$stem" = "$j" ] || [[ "$stem" == "${j}_"* ]]; then
      [ ${#j} -gt ${#best} ] && best=$j
    fi
  done
  echo "$best"
}

is_known() {
  local k
  for k in "${KNOWN[@]}"; do
    [ "$k" = "$1" ] && return 0
  done
  return 1
}

failures=0
while IFS= read -r -d '' file; do
  [ -f "$file" ] || continue
  from=$(layer_of "$file")
  [ -n "$from" ] || continue
  # Project headers are included by their path from the repository root, in quotes.
  while IFS=: read -r line header; do
    to=$(layer_of "$header")
    if [ -z "$to" ]; then
      # A quoted include that names no checked folder: a header of tests/, bench/, or a path
      # relative to the including file, which the layering cannot be read from.
      if [ -e "$header" ] || [ -e "$(dirname "$file")/$header" ]; then
        echo "$file:$line: $from -> ?: #include \"$header\" (include project headers by their path from the repository root, inside the library folders)"
        failures=$((failures + 1))
      fi
      continue
    fi
    edge_ok=1
    allowed "$from" "$to" || edge_ok=0
    if [ "$edge_ok" = 1 ] && [ "$from" = jobs ] && [ "$to" = jobs ]; then
      [ "$(job_of "$file")" = "$(job_of "$header")" ] || edge_ok=0
      [ -n "$(job_of "$header")" ] || edge_ok=0
    fi
    [ "$edge_ok" = 1 ] && continue
    what="$from -> $to"
    [ "$from" = jobs ] && [ "$to" = jobs ] &&
      what="job $(job_of "$file") -> job $(job_of "$header")"
    if is_known "$file -> $header"; then
      echo "check_layers: warning: known violation (see KNOWN in $0): $file:$line: $what: #include \"$header\"" >&2
      continue
    fi
    echo "$file:$line: $what: #include \"$header\""
    failures=$((failures + 1))
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
    sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1:\2/' || true)
done < <(git ls-files -z -- 'runtime/*' 'operators/*' 'jobs/*' 'provision/*' |
  grep -zE '\.(h|cpp|c)$')

# MPI in jobs: an <mpi.h> include or an MPI_ name in code (the part of a line before any //).
while IFS= read -r -d '' file; do
  while IFS=: read -r line text; do
    code=${text%%//*}
    if [[ "$code" =~ \#[[:space:]]*include[[:space:]]*([\<\"]mpi\.h[\>\"]) ]]; then
      what="#include ${BASH_REMATCH[1]}"
    elif [[ "$code" =~ (^|[^A-Za-z0-9_])(MPI_[A-Za-z_]+) ]]; then
      what=${BASH_REMATCH[2]}
    else
      continue
    fi
    echo "$file:$line: jobs -> MPI: $what (use runtime/mpi_context.h)"
    failures=$((failures + 1))
  done < <(grep -nE 'MPI_|mpi\.h' "$file" || true)
done < <(git ls-files -z -- 'jobs/*' | grep -zE '\.(h|cpp|c)$')

if [ "$failures" -gt 0 ]; then
  echo "check_layers: $failures problem(s) (layers: jobs -> operators -> runtime -> runtime/aws -> base; provision -> runtime/aws -> base; a job includes no other job and no MPI)" >&2
  exit 1
fi
