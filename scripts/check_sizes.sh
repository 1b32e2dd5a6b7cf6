#!/usr/bin/env bash
# Checks the size targets of issue 11 outside tests: no source file over 600 lines and no function
# over 80 lines in runtime/, operators/, jobs/ and provision/ (.h, .cpp; tests/, bench/, template/
# are not checked). A function's size is its lines after the opening brace up to the closing one,
# as clang-tidy's readability-function-size counts them (the same figures on the files compared;
# clang-tidy itself takes ~4 s per file here, minutes for the tree). Member functions defined in a
# class count; lambdas count as part of the function around them.
#
# Exceptions live in scripts/check_sizes.allow, one per line: `PATH` (the file's line count) or
# `PATH:FUNCTION` (the name as this script prints it), then the reason; the folder's README says
# why too. A listed entry that is no longer over is reported as a warning (remove it).
#
# Reads the tracked files and the untracked ones git does not ignore, as they are in the working
# tree. Prints nothing on stdout and exits 0 when nothing is over; otherwise one line per
# violation, exit 1:
#   file: N lines (limit 600)
#   file:line: function NAME: N lines (limit 80)
# Cost: well under a second (a brace-matching scan in Python: comments, strings, character
# literals and preprocessor lines are blanked first, then each `{` is classed by the text before
# it: namespace, class, function body, or data).
set -euo pipefail
cd "$(dirname "$0")/.."

# The scanner reads the file list on stdin, so it is passed with -c.
read -r -d '' SCAN <<'PY' || true
import os, re, sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def blank(text):
    """Comments, string and character literals and preprocessor lines become spaces; newlines
    stay, so offsets keep their line numbers."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":  # a preprocessor line, with its continuations
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c not in " \t":
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif c == "R" and text.startswith('"', i + 1) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            if not m:
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):  # ' in 1'000 is a separator
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            i += 1
            continue
        for k in range(i, j):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


CLASS_HEAD = re.compile(r"^(template\s*<.*>\s*)?(typedef\s+)?(class|struct|union|enum)\b(?![^<]*\()", re.S)
NAMESPACE_HEAD = re.compile(r"\bnamespace(\s+[\w:]+)?\s*$|^extern\s*$", re.S)
QUALIFIERS = re.compile(
    r"(\s*\b(const|override|final|mutable|volatile)\b|\s*\bnoexcept\b(\s*\([^()]*\))?|\s*&&?)*\s*$", re.S)


def function_name(head):
    """The (qualified) name before the parameter list: the first '(' outside <> and ()."""
    m = re.search(r"((?:[\w~]+::)*)operator\s*(\(\)|[^(]*?)\s*\(", head)
    if m:
        return m.group(1) + "operator" + re.sub(r"\s+", "", m.group(2))
    angle = paren = 0
    i = 0
    while i < len(head):
        c = head[i]
        if c == "<" and paren == 0:
            angle += 1
        elif c == ">" and paren == 0 and angle > 0 and head[i - 1] != "-":
            angle -= 1
        elif c == "(":
            if paren == 0 and angle == 0:
                k = i - 1
                while k >= 0 and head[k].isspace():
                    k -= 1
                end = k + 1
                depth = 0
                while k >= 0:
                    ch = head[k]
                    if ch == ">":
                        depth += 1
                    elif ch == "<":
                        depth -= 1
                    elif depth == 0 and not (ch.isalnum() or ch in "_:~"):
                        break
                    k -= 1
                name = re.sub(r"\s+", "", head[k + 1:end])
                if name not in ("requires", "decltype", "alignas", "__attribute__"):
                    return name or "(anonymous)"
            paren += 1
        elif c == ")":
            paren = max(0, paren - 1)
        i += 1
    return "(unknown)"


def classify(head):
    """What a '{' opens, from the text since the last ; { or } before it."""
    h = head.strip()
    h = re.sub(r"\[\[.*?\]\]", " ", h).strip()
    h = re.sub(r"^(template\s*<[^{}]*?>\s*)+(?=(class|struct|union)\b)", "", h)
    if h.count("(") > h.count(")"):
        return "init"  # a brace inside an expression: `f(std::vector<int>{`
    if NAMESPACE_HEAD.search(h):
        return "namespace"
    if CLASS_HEAD.match(h):
        return "class"
    if "(" not in h or h.endswith("=") or re.search(r"(^|[^=!<>])=\s*$", h):
        return "data"
    if re.search(r"\)\s*(noexcept\s*)?:", h) and re.search(r"[\w>]\s*$", h) and not re.search(r"\)\s*->", h):
        return "init"  # a brace member initializer of a constructor's init list: `b_{`
    body = QUALIFIERS.sub("", h)
    if body.endswith(")") or body.endswith("}") or re.search(r"\)\s*->", h) or re.search(r"\brequires\b", h):
        if re.search(r"=\s*\[[^\]]*\]\s*\(", h) or re.search(r"^\s*\[", h):
            return "data"  # a lambda at namespace scope: part of a declaration
        return "function"
    return "data"


def scan(path, text):
    """Yields (line, name, lines) for every function body."""
    code = blank(text)
    n = len(code)
    head_start = 0
    i = 0
    stack = []  # kinds of the open braces outside function bodies
    while i < n:
        c = code[i]
        if c == ";":
            head_start = i + 1
        elif c == "}":
            if stack:
                kind = stack.pop()
                if kind == "init":
                    i += 1
                    continue
            head_start = i + 1
        elif c == "{":
            head = code[head_start:i]
            kind = classify(head)
            if kind in ("function", "data"):
                depth, j = 1, i + 1
                while j < n and depth:
                    if code[j] == "{":
                        depth += 1
                    elif code[j] == "}":
                        depth -= 1
                    j += 1
                if kind == "function":
                    first = code.count("\n", 0, i) + 1
                    last = code.count("\n", 0, j - 1) + 1
                    lead = re.match(r"\s*((public|private|protected)\s*:(?!:)\s*)*", head)
                    start = head_start + lead.end()
                    yield code.count("\n", 0, start) + 1, function_name(head), last - first
                    head_start = j
                i = j
                continue
            stack.append(kind)
            if kind != "init":
                head_start = i + 1
        i += 1


allow_path = sys.argv[1]
allowed = {}
if os.path.exists(allow_path):
    for number, line in enumerate(open(allow_path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            print(f"{allow_path}:{number}: an exception needs a reason: {line}")
            sys.exit(1)
        allowed[parts[0]] = False

paths = [p for p in sys.stdin.read().split("\0") if re.search(r"\.(h|cpp)$", p)]
bad = []
for path in sorted(paths):
    if not os.path.isfile(path):
        continue
    text = open(path, encoding="utf-8", errors="replace").read()
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if lines > MAX_FILE_LINES:
        if path in allowed:
            allowed[path] = True
        else:
            bad.append(f"{path}: {lines} lines (limit {MAX_FILE_LINES})")
    for line, name, size in scan(path, text):
        if size <= MAX_FUNCTION_LINES:
            continue
        key = f"{path}:{name}"
        if key in allowed:
            allowed[key] = True
        else:
            bad.append(f"{path}:{line}: function {name}: {size} lines (limit {MAX_FUNCTION_LINES})")

for key, used in allowed.items():
    if not used:
        print(f"check_sizes: warning: {allow_path} lists {key}, which is not over the limit: "
              "remove it", file=sys.stderr)
for b in bad:
    print(b)
if bad:
    print(f"check_sizes: {len(bad)} over the limits; split them, or list an exception with its "
          f"reason in {allow_path} and the folder README", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
git ls-files -z --cached --others --exclude-standard -- 'runtime/*' 'operators/*' 'jobs/*' \
  'provision/*' | python3 -c "$SCAN" scripts/check_sizes.allow
