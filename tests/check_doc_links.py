#!/usr/bin/env python3
"""No page of docs/ nor the READMEs sends a reader outside the repository.

usage: check_doc_links.py SOURCE_DIR

Every relative Markdown link ([text](target)) of README.md, docs/*.md and fixtures/README.md
must name a file or folder that exists inside the repository (an #anchor part is allowed).
Web links (http, https, mailto) are fine. Nor may the text name a specification or test-data
folder a clone does not have (../shared, shared/spec, spec/<file>.md, "interface contract").
"""
import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
OUTSIDE_TEXT = re.compile(r"\.\./shared|shared/spec|shared/testdata|(?<![\w/])spec/[\w-]+\.(?:md|json)|interface contract")


def pages(root):
    yield os.path.join(root, "README.md")
    yield os.path.join(root, "fixtures", "README.md")
    docs = os.path.join(root, "docs")
    for name in sorted(os.listdir(docs)):
        if name.endswith(".md"):
            yield os.path.join(docs, name)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = os.path.realpath(sys.argv[1])
    problems = []
    checked = 0
    for page in pages(root):
        if not os.path.exists(page):
            continue
        rel_page = os.path.relpath(page, root)
        in_code = False
        with open(page, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.lstrip().startswith("```"):
                    in_code = not in_code
                for m in OUTSIDE_TEXT.finditer(line):
                    problems.append(f"{rel_page}:{number}: names `{m.group(0)}`, which a clone does not have")
                if in_code:
                    continue
                for m in LINK.finditer(line):
                    target = m.group(1)
                    checked += 1
                    if re.match(r"^(https?|mailto):", target) or target.startswith("#"):
                        continue
                    path = target.split("#", 1)[0]
                    resolved = os.path.normpath(os.path.join(os.path.dirname(page), path))
                    if not (resolved == root or resolved.startswith(root + os.sep)):
                        problems.append(f"{rel_page}:{number}: link `{target}` leaves the repository")
                    elif not os.path.exists(resolved):
                        problems.append(f"{rel_page}:{number}: link `{target}` names nothing in the repository")
    for p in problems:
        print(p)
    if problems:
        print(f"doc links: {len(problems)} problem(s)")
        return 1
    print(f"doc links: ok ({checked} links)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
