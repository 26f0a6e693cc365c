#!/usr/bin/env python3
"""Checks that every code name the docs quote in backticks exists in the code.

Docs drift: a class is renamed, an option goes, and the README still shows the old
name. This reads README.md and docs/*.md, takes each `inline code` span (not fenced
blocks, whose examples have local names of their own) and checks the names in it:

  - identifiers: CamelCase (`CsvSource`), snake_case (`restore_from`), qualified
    (`Job::Create`, `JobOptions::batch_size`: each part must exist, and the last one
    in a file that also has the first), and SLUICE_* settings;
  - paths (`io/log/record_batch.h`, `scripts/fuzz.sh`): must exist in the repository;
  - command-line flags (`--kills`): must appear in the code or scripts.

Names from outside the project (std::, absl::, POSIX calls, tools' own words) are
skipped by namespace or listed in scripts/check_doc_names.allow, one per line with
the reason after a '#'. Prints `FILE:LINE: `name` ...` for each miss; exits 1 if any.

    python3 scripts/check_doc_names.py            # what CI runs
    python3 scripts/check_doc_names.py --verbose  # also lists what was checked
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE_DIRS = ("engine", "operators", "runtime", "io", "examples", "benchmarks", "tests",
             "scripts", "cmake", ".ci")
CODE_EXTENSIONS = (".h", ".cc", ".cmake", ".sh", ".py", ".fbs", ".txt", ".in", ".js")
EXTERNAL_NAMESPACES = ("std::", "absl::", "tbb::", "flatbuffers::", "simdjson::",
                       "testing::", "benchmark::")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SPAN = re.compile(r"`([^`\n]+)`")
CPP_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
# A quoted message (`NOT_FOUND: input 'x' ...: Too many levels`), not a name.
MESSAGE = re.compile(r"^[A-Z_]+: |\.\.\.: ")
PATH = re.compile(r"^\.?[\w.-]+(/[\w.*<>-]+)+/?$|^[\w-]+\.(h|cc|md|sh|py|fbs|json|jsonl|csv)$")


def tracked_files():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def load_code(files):
    """Every identifier in the code, and which files hold each one."""
    where = {}
    text = {}
    for path in files:
        top = path.split("/")[0]
        if top not in CODE_DIRS and path != "CMakeLists.txt":
            continue
        if not path.endswith(CODE_EXTENSIONS) and "/" in path and not path.startswith(".ci/"):
            continue
        try:
            with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
                content = f.read()
        except OSError:
            continue
        text[path] = content
        if path.endswith((".h", ".cc")):
            # A name in a comment does not make it exist. Strings do count: benchmark
            # names, crash points and settings are strings.
            content = CPP_COMMENT.sub(" ", content)
        for word in set(IDENTIFIER.findall(content)):
            where.setdefault(word, set()).add(path)
    return where, text


def load_allowed():
    allowed = set()
    path = os.path.join(ROOT, "scripts", "check_doc_names.allow")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                name = line.split("#", 1)[0].strip()
                if name:
                    allowed.add(name)
    return allowed


def is_code_name(word):
    """Whether a word looks like a name from code rather than prose or a value."""
    if len(word) < 3 or word.isdigit():
        return False
    if word.startswith("SLUICE_"):
        return True
    if word.isupper():
        return False  # status codes, signals, errno names: not ours
    if "_" in word.strip("_"):
        return word.lower() == word or word[0].isupper()
    # In backticks even one capitalised word (`Generate`) is a name.
    return bool(re.match(r"^[A-Z][a-z0-9]+", word)) or bool(re.match(r"^[a-z]+[A-Z]", word))


class Checker:
    def __init__(self, files):
        self.files = set(files)
        self.dirs = {os.path.dirname(p) for p in files}
        self.dirs |= {d.rsplit("/", i)[0] for d in list(self.dirs) for i in range(1, 4)}
        self.basenames = {os.path.basename(p) for p in files}
        self.top_level = {p.split("/")[0] for p in files}
        self.where, self.text = load_code(files)
        self.allowed = load_allowed()
        self.checked = 0

    def misses(self, span):
        span = span.strip()
        if span.startswith(EXTERNAL_NAMESPACES) or span in self.allowed:
            return []
        if MESSAGE.search(span):
            return []
        if PATH.match(span) and " " not in span and self.looks_like_path(span):
            return self.path_misses(span)
        if span.startswith("-"):
            return self.flag_misses(span)
        missing = []
        for qualified in re.findall(r"[A-Za-z_][\w]*(?:::[A-Za-z_]\w*)+", span):
            if qualified.startswith(tuple(n.rstrip(":") for n in EXTERNAL_NAMESPACES)):
                continue
            missing += self.qualified_misses(qualified)
            span = span.replace(qualified, " ")
        for flag in re.findall(r"(?<![\w-])--[a-z][\w-]*", span):
            missing += self.flag_misses(flag)
            span = span.replace(flag, " ")
        for word in IDENTIFIER.findall(re.sub(r'"[^"]*"', " ", span)):
            if not is_code_name(word) or word in self.allowed:
                continue
            self.checked += 1
            if word not in self.where:
                missing.append(word)
        return missing

    def qualified_misses(self, qualified):
        if qualified in self.allowed:
            return []
        parts = qualified.split("::")
        self.checked += 1
        for part in parts:
            if part not in self.where and part not in self.allowed:
                return [qualified]
        if parts[0] in self.allowed:
            return []
        # The member must be named in a file that names its class too.
        if not (self.where[parts[0]] & self.where[parts[-1]]):
            return [qualified]
        return []

    def looks_like_path(self, span):
        """A path starts at a top-level entry of the repository, or is a file name;
        `log_sink/baseline` is a benchmark's name, `/real_time` part of one."""
        if span.startswith("/"):
            return False
        if "/" not in span:
            return True
        return span.split("/")[0] in self.top_level

    def path_misses(self, span):
        path = span.rstrip("/")
        if "*" in path or "<" in path or path.startswith(("build", "..", "~")):
            return []
        self.checked += 1
        if path in self.files or path in self.dirs or os.path.basename(path) in self.basenames:
            return []
        if os.path.exists(os.path.join(ROOT, path)):
            return []
        # A program built from a folder: tests/crash/sluice_crash_test.
        if os.path.dirname(path) in self.dirs and os.path.basename(path) in self.where:
            return []
        return [span]

    def flag_misses(self, span):
        flag = span.split("=")[0].split()[0]
        if not flag.startswith("--") or len(flag) < 4:
            return []
        if flag in self.allowed:
            return []
        self.checked += 1
        name = flag[2:]
        for content in self.text.values():
            if flag in content or re.search(r"ABSL_FLAG\(\s*\w+\s*,\s*" + re.escape(name.replace("-", "_")) + r"\b", content):
                return []
        return [flag]


def main():
    verbose = "--verbose" in sys.argv[1:]
    files = tracked_files()
    checker = Checker(files)
    docs = ["README.md"] + sorted(p for p in files if p.startswith("docs/") and p.endswith(".md"))
    problems = 0
    for doc in docs:
        in_fence = False
        with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.lstrip().startswith("```"):
                    in_fence = not in_fence
                    continue
                if in_fence:
                    continue
                for span in SPAN.findall(line):
                    for name in checker.misses(span):
                        problems += 1
                        print(f"{doc}:{number}: `{name}` (in `{span}`) is not in the code")
    if verbose or problems:
        print(f"check_doc_names: {checker.checked} names checked in {len(docs)} docs, "
              f"{problems} not found")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
