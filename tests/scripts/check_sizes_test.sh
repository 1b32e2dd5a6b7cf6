#!/usr/bin/env bash
# Tests scripts/check_sizes.sh on a small repository built in a temporary folder: files and
# functions at the limits pass, one line over is named (file, or file:line and function) with exit
# 1; member functions, constructors with brace initializers, templates, operators count; data
# tables, braces in strings and comments, and tests/ do not; an allow-list entry with a reason
# excuses exactly its file or function, one without a reason is refused, a stale one is warned
# about. Label unit; ~1 s.
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
mkdir -p scripts runtime operators jobs provision tests
cp "$src/scripts/check_sizes.sh" scripts/

# body N: N lines of statements (a function of N lines counts N: after its `{` up to its `}`).
body() {
  local i
  for ((i = 1; i < $1; i++)); do echo "  x += $i;"; done
}
# fn NAME N: a free function of N lines.
fn() {
  echo "int $1(int x) {"
  body "$2"
  echo "}"
}

{
  echo '#include <string>'
  echo 'namespace rankflow {'
  fn Short 80
  echo 'const char* kText = "{ not a brace } {";  // { nor this'
  echo '/* { or this */'
  echo 'constexpr int kTable[] = {'
  for ((i = 0; i < 100; i++)); do echo "    $i,"; done
  echo '};'
  echo '}  // namespace rankflow'
} >runtime/ok.cpp
{
  for ((i = 0; i < 600; i++)); do echo "// line $i"; done
} >operators/six_hundred.h
{
  fn TestBody 200
} >tests/long_test.cpp
git add -A

expect_pass() {  # WHAT
  local out
  if ! out=$(scripts/check_sizes.sh 2>&1); then fail "$1 refused: $out"; fi
}
expect_fail() {  # WHAT EXPECTED-LINE
  local out rc=0
  out=$(scripts/check_sizes.sh 2>/dev/null) || rc=$?
  [ "$rc" = 1 ] || fail "$1: exit $rc, want 1"
  grep -qxF "$2" <<<"$out" || fail "$1: want '$2', got '$out'"
}

expect_pass "a tree at the limits"

# One over, each kind; restored after each.
echo '// line 601' >>operators/six_hundred.h
expect_fail "a 601-line file" "operators/six_hundred.h: 601 lines (limit 600)"
sed -i '$d' operators/six_hundred.h

fn Long 81 >jobs/long.cpp
expect_fail "an 81-line function" "jobs/long.cpp:1: function Long: 81 lines (limit 80)"

{
  echo 'namespace rankflow {'
  echo 'class Reader {'
  echo ' public:'
  echo '  template <typename Fn>'
  echo '  void ForEach(Fn&& fn) const& {'
  body 81
  echo '  }'
  echo '};'
  echo '}  // namespace rankflow'
} >jobs/long.cpp
expect_fail "a member function in its class" \
  "jobs/long.cpp:4: function ForEach: 81 lines (limit 80)"

{
  echo 'Parts::Parts(int a, std::vector<int> v)'
  echo '    : a_{a}, b_(std::vector<int>{1, 2}), c_{v} {'
  body 81
  echo '}'
  echo 'bool Parts::operator==(const Parts& o) const {'
  body 81
  echo '}'
} >provision/long.cpp
rm jobs/long.cpp
rc=0
out=$(scripts/check_sizes.sh 2>/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "a constructor and an operator: exit $rc, want 1"
grep -qxF "provision/long.cpp:1: function Parts::Parts: 81 lines (limit 80)" <<<"$out" ||
  fail "constructor with brace initializers not named: $out"
grep -qxF "provision/long.cpp:84: function Parts::operator==: 81 lines (limit 80)" <<<"$out" ||
  fail "operator not named: $out"
[ "$(wc -l <<<"$out")" = 2 ] || fail "want exactly two lines: $out"

# The allow-list: an entry with a reason excuses exactly what it names.
printf '%s\n' '# comment' 'provision/long.cpp:Parts::Parts  one table of cases' >scripts/check_sizes.allow
expect_fail "one of two excused" \
  "provision/long.cpp:84: function Parts::operator==: 81 lines (limit 80)"
printf '%s\n' 'provision/long.cpp:Parts::Parts  one table' \
  'provision/long.cpp:Parts::operator==  generated' >scripts/check_sizes.allow
expect_pass "both excused"
printf '%s\n' 'provision/long.cpp:Parts::Parts' >scripts/check_sizes.allow
rc=0
out=$(scripts/check_sizes.sh 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "an exception without a reason: exit $rc, want 1"
grep -qF "an exception needs a reason" <<<"$out" || fail "no reason not named: $out"
rm provision/long.cpp
printf '%s\n' 'runtime/ok.cpp  was long once' >scripts/check_sizes.allow
out=$(scripts/check_sizes.sh 2>&1) || fail "a stale entry must only warn: $out"
grep -qF "lists runtime/ok.cpp, which is not over the limit" <<<"$out" ||
  fail "stale entry not warned about: $out"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "check_sizes.sh: all checks passed"
