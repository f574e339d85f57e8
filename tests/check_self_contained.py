#!/usr/bin/env python3
"""A clone stands on its own: no build or test path leaves the repository.

usage: check_self_contained.py SOURCE_DIR BUILD_DIR

Two checks, both must pass:
1. The build description as CMake generated it: every absolute path in the compile commands
   (include folders, -D...="path" definitions, sources) and in the ctest commands lies inside the
   repository, the build folder or the system (/usr, /bin, /lib, /etc, /dev, /tmp, /proc).
2. The sources that name paths (CMake files, the Makefile, tests/, bench/, fuzz/, fixtures/ scripts):
   no path built from the source folder climbs out of it ("${PROJECT_SOURCE_DIR}/../x",
   GATEHOUSE_SOURCE_DIR "/../x"), and nothing names a sibling folder such as ../shared.
"""
import json
import os
import re
import shlex
import sys

SYSTEM = ("/usr/", "/bin/", "/lib", "/etc/", "/dev/", "/tmp/", "/proc/", "/sbin/")


def inside(path, root):
    path = os.path.normpath(path)
    return path == root or path.startswith(root + os.sep)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    root = os.path.realpath(sys.argv[1])
    build = os.path.realpath(sys.argv[2])
    problems = []
    outside = {}  # path outside -> (first place it is used, number of uses)

    def judge(path, where):
        path = os.path.normpath(path)
        if inside(path, root) or inside(path, build) or path.startswith(SYSTEM) or path in ("/usr", "/tmp"):
            return
        first, count = outside.get(path, (where, 0))
        outside[path] = (first, count + 1)

    # 1. What CMake generated.
    commands = os.path.join(build, "compile_commands.json")
    if os.path.exists(commands):
        with open(commands) as f:
            for entry in json.load(f):
                where = "compile command of " + os.path.relpath(entry["file"], root)
                judge(entry["file"], where)
                for token in shlex.split(entry.get("command", "")):
                    m = re.match(r'^-(?:I|isystem|D[A-Za-z0-9_]+=)"?(/[^"]*)"?$', token)
                    if m:
                        judge(m.group(1), where)
    for folder, _, files in os.walk(build):
        if "CTestTestfile.cmake" not in files:
            continue
        with open(os.path.join(folder, "CTestTestfile.cmake")) as f:
            for line in f:
                m = re.match(r'\s*add_test\(\s*\[?=*\[?"?([^"\s\]]+)', line)
                if not m:
                    continue
                for path in re.findall(r'"(/[^"]*)"', line):
                    judge(path, "ctest entry " + m.group(1))

    for path, (first, count) in outside.items():
        more = f" (and {count - 1} more)" if count > 1 else ""
        problems.append(f"{first}{more}: {path} is outside the repository")

    # 2. The sources that build paths.
    climbs = [
        re.compile(r'\$\{(?:PROJECT_SOURCE_DIR|CMAKE_SOURCE_DIR|CMAKE_CURRENT_SOURCE_DIR|CMAKE_CURRENT_LIST_DIR)\}(/[^\s")]*)'),
        re.compile(r'GATEHOUSE_SOURCE_DIR\)?\s*(?:\+|/)?\s*"(/[^"]*)"'),
    ]
    sibling = re.compile(r'\.\./shared\b|GATEHOUSE_SHARED_DIR')
    scanned = []
    for top in ("CMakeLists.txt", "Makefile", "tests", "bench", "fuzz", "fixtures", "policy", "sigv4", "store",
                "server", "cli"):
        path = os.path.join(root, top)
        if os.path.isfile(path):
            scanned.append(path)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d not in ("node_modules", "data", "golden")]
            for name in files:
                if name == "CMakeLists.txt" or name.endswith((".cmake", ".cc", ".h", ".py", ".sh", ".mjs", ".in")):
                    scanned.append(os.path.join(folder, name))
    checkers = os.path.join(root, "tests")
    for path in scanned:
        # The checkers name the folders they look for.
        if os.path.dirname(path) == checkers and os.path.basename(path).startswith("check_"):
            continue
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if sibling.search(line):
                    problems.append(f"{rel}:{number}: names a folder beside the repository: {line.strip()}")
                for pattern in climbs:
                    for m in pattern.finditer(line):
                        base = os.path.dirname(path) if "CURRENT" in m.group(0) else root
                        target = os.path.normpath(base + m.group(1))
                        if not inside(target, root):
                            problems.append(f"{rel}:{number}: {m.group(0)} leaves the repository")

    for p in problems:
        print(p)
    if problems:
        print(f"self-contained: {len(problems)} path(s) leave the repository")
        return 1
    print(f"self-contained: ok ({len(scanned)} files scanned, build folder {os.path.relpath(build, root)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
