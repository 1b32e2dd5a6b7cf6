#!/usr/bin/env bash
# Tests scripts/check_layers.sh and scripts/check_format.sh on a small repository built in a
# temporary folder: a tree that follows the rules passes, and each kind of break is found and
# named by file:line (layers) or by file (format), with a non-zero exit. Label unit; ~2 s.
set -euo pipefail
src=${RANKFLOW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

cd "$work"
git init -q .
mkdir -p scripts runtime/aws operators/ml jobs provision tests
cp "$src/scripts/check_layers.sh" "$src/scripts/check_format.sh" "$src/.clang-format" .
mv check_layers.sh check_format.sh scripts/
put() {  # put FILE LINE…: writes the lines to FILE
  local f=$1
  shift
  printf '%s\n' "$@" >"$f"
}
put runtime/status.h '#pragma once'
put runtime/aws/http.h '#pragma once' '#include "runtime/status.h"'
put runtime/fs.h '#pragma once' '#include "runtime/aws/http.h"'
put operators/tweet.h '#pragma once' '#include "runtime/fs.h"'
put operators/ml/mlp.h '#pragma once' '#include "runtime/fs.h"'
put jobs/top_terms.h '#pragma once' '#include "operators/ml/mlp.h"' '#include "operators/tweet.h"'
put jobs/top_terms_text.h '#pragma once'
put jobs/top_terms_main.cpp '#include "jobs/top_terms.h"' '#include "jobs/top_terms_text.h"'
put jobs/tweetgen.h '#pragma once'
put jobs/tweetgen_main.cpp '#include "jobs/tweetgen.h"'
put provision/cluster.h '#pragma once' '#include "runtime/aws/http.h"' '#include "runtime/status.h"'
put tests/fs_test.cpp '#include "jobs/top_terms.h"' '#include "provision/cluster.h"'
git add -A

# A tree that follows the rules.
if ! out=$(scripts/check_layers.sh 2>&1); then fail "clean tree refused: $out"; fi
if ! out=$(scripts/check_format.sh 2>&1); then fail "formatted tree refused: $out"; fi

# Each break, one at a time: the offending file:line and edge are named, the exit is 1.
expect_layer_break() {  # FILE INCLUDE EXPECTED-LINE
  local file=$1 include=$2 expected=$3 saved rc=0
  saved=$(cat "$file")
  echo "#include \"$include\"" >>"$file"
  out=$(scripts/check_layers.sh 2>/dev/null) || rc=$?
  [ "$rc" = 1 ] || fail "$file including $include: exit $rc, want 1"
  grep -qxF "$expected" <<<"$out" || fail "$file including $include: want '$expected', got '$out'"
  printf '%s\n' "$saved" >"$file"
}
expect_layer_break runtime/fs.h operators/tweet.h \
  'runtime/fs.h:3: runtime -> operators: #include "operators/tweet.h"'
expect_layer_break runtime/aws/http.h runtime/fs.h \
  'runtime/aws/http.h:3: runtime/aws -> runtime: #include "runtime/fs.h"'
expect_layer_break runtime/status.h runtime/aws/http.h \
  'runtime/status.h:2: base -> runtime/aws: #include "runtime/aws/http.h"'
expect_layer_break operators/tweet.h jobs/top_terms.h \
  'operators/tweet.h:3: operators -> jobs: #include "jobs/top_terms.h"'
expect_layer_break operators/tweet.h operators/ml/mlp.h \
  'operators/tweet.h:3: operators -> operators/ml: #include "operators/ml/mlp.h"'
expect_layer_break provision/cluster.h runtime/fs.h \
  'provision/cluster.h:4: provision -> runtime: #include "runtime/fs.h"'
expect_layer_break jobs/tweetgen_main.cpp jobs/top_terms.h \
  'jobs/tweetgen_main.cpp:2: job tweetgen -> job top_terms: #include "jobs/top_terms.h"'
expect_layer_break jobs/tweetgen_main.cpp jobs/top_terms_text.h \
  'jobs/tweetgen_main.cpp:2: job tweetgen -> job top_terms: #include "jobs/top_terms_text.h"'
if ! out=$(scripts/check_layers.sh 2>&1); then fail "restored tree refused: $out"; fi

# Jobs reach MPI only through MpiContext: an MPI_ name in code or <mpi.h> is named; comments are not.
expect_layer_break jobs/tweetgen_main.cpp mpi.h \
  'jobs/tweetgen_main.cpp:2: jobs -> MPI: #include "mpi.h" (use runtime/mpi_context.h)'
saved=$(cat jobs/tweetgen_main.cpp)
printf '%s\n' '#include <mpi.h>' >>jobs/tweetgen_main.cpp
rc=0
out=$(scripts/check_layers.sh 2>/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "<mpi.h> in a job: exit $rc, want 1"
grep -qxF 'jobs/tweetgen_main.cpp:2: jobs -> MPI: #include <mpi.h> (use runtime/mpi_context.h)' \
  <<<"$out" || fail "<mpi.h> in a job not named: $out"
printf '%s\n' "$saved" >jobs/tweetgen_main.cpp
printf '%s\n' '// MPI_Comm_split is named in a comment only' 'int n = 0;  // MPI_Barrier' >>jobs/tweetgen_main.cpp
if ! out=$(scripts/check_layers.sh 2>&1); then fail "MPI_ in comments refused: $out"; fi
printf '%s\n' 'void f() { MPI_Barrier(c); }' >>jobs/tweetgen_main.cpp
rc=0
out=$(scripts/check_layers.sh 2>/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "MPI call in a job: exit $rc, want 1"
grep -qxF 'jobs/tweetgen_main.cpp:4: jobs -> MPI: MPI_Barrier (use runtime/mpi_context.h)' <<<"$out" ||
  fail "MPI call in a job not named: $out"
printf '%s\n' "$saved" >jobs/tweetgen_main.cpp

# Format: an unformatted file is named; --staged looks at the index, not the working tree.
printf 'int  f( ) {return 1;}\n' >runtime/bad.cpp
git add runtime/bad.cpp
rc=0
out=$(scripts/check_format.sh 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "unformatted file: exit $rc, want 1"
grep -qxF '  runtime/bad.cpp' <<<"$out" || fail "unformatted file not listed: $out"
rc=0
out=$(scripts/check_format.sh --staged 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "--staged, unformatted file staged: exit $rc, want 1"
printf 'int f() { return 1; }\n' >runtime/bad.cpp  # fixed in the tree, not in the index
rc=0
out=$(scripts/check_format.sh --staged 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "--staged must check the index, not the working tree: exit $rc"
git add runtime/bad.cpp
if ! out=$(scripts/check_format.sh --staged 2>&1); then fail "--staged, fixed file: $out"; fi
if ! out=$(scripts/check_format.sh 2>&1); then fail "fixed file refused: $out"; fi

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "check_layers.sh and check_format.sh: all checks passed"
