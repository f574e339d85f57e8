#!/usr/bin/env python3
"""`gatehouse test --junit FILE` and `--json` read by the parsers CI systems use.

Runs the real binary on a fixture whose case names carry XML and JSON metacharacters, a control
character and a byte that is not UTF-8, plus a file that does not follow the format, and reads
the JUnit report with xml.etree (as Jenkins, GitLab and GitHub's test reporters read it) and the
JSON document with json.loads: every case is there with its status, the failure has a message
and a body, the broken file is an <error>, and the counts agree with the cases.

usage: test_junit_test.py GATEHOUSE_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Invoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}
F = "arn:aws:lambda:us-east-1:111111111111:function:F"


def case(name, decision):
    return {"name": name, "description": "d", "source": "s", "principal": "alice",
            "action": "lambda:InvokeFunction", "resource": F, "expect": {"decision": decision}}


def main():
    binary = sys.argv[1]
    names = ["plain", "<tag> & \"quotes\" 'apos' ]]>", "control \x01 char", "wrong]]>"]
    fixture = {"description": "junit", "source": "tests/cli/test_junit_test.py",
               "policies": {"invoke": {"type": "identity", "document": POLICY}},
               "principals": {"alice": {"arn": "arn:aws:iam::111111111111:user/alice", "identity": ["invoke"]}},
               "cases": [case(names[0], "allowed"), case(names[1], "allowed"), case(names[2], "allowed"),
                         case(names[3], "implicitDeny")]}
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "a.json")
        # A name with a byte that is not UTF-8 (the loader takes the bytes as they are).
        text = json.dumps(fixture).replace("plain", "pl\\u00e9in").encode()
        text = text.replace(b"control", b"c\xffntrol")
        with open(good, "wb") as f:
            f.write(text)
        broken = os.path.join(tmp, "b.json")
        with open(broken, "w") as f:
            f.write('{"description": "d", "source": "s", "cases": [], "oops": 1}')
        report = os.path.join(tmp, "junit.xml")
        run = subprocess.run([binary, "test", "--junit", report, good, broken], capture_output=True)
        assert run.returncode == 2, run  # the broken file
        root = ET.parse(report).getroot()
        assert root.tag == "testsuites", root.tag
        suites = root.findall("testsuite")
        assert [s.get("name") for s in suites] == [good, broken], [s.get("name") for s in suites]
        cases = suites[0].findall("testcase")
        assert len(cases) == 4, len(cases)
        got = [c.get("name") for c in cases]
        assert got[0] == "pl\u00e9in", got
        assert got[1] == names[1], got
        assert got[2] == "c\ufffdntrol \ufffd char", got
        assert all(c.get("classname") == good for c in cases)
        failures = [c for c in cases if c.find("failure") is not None]
        assert [c.get("name") for c in failures] == ["wrong]]>"], failures
        failure = failures[0].find("failure")
        assert failure.get("message") == "decision: expected implicitDeny, got allowed", failure.attrib
        assert "deciding statements: invoke#0(Invoke)" in failure.text, failure.text
        assert suites[0].get("tests") == "4" and suites[0].get("failures") == "1", suites[0].attrib
        error = suites[1].find("testcase/error")
        assert error is not None and "$: unknown field `oops`" in error.get("message"), ET.tostring(suites[1])
        assert root.get("tests") == "5" and root.get("failures") == "1" and root.get("errors") == "1", root.attrib
        for c in cases:
            float(c.get("time"))

        run = subprocess.run([binary, "test", "--json", good, broken], capture_output=True)
        assert run.returncode == 2, run
        doc = json.loads(run.stdout.decode("utf-8"))
        assert [c["name"] for c in doc["cases"]] == ["pl\u00e9in", names[1], "c\ufffdntrol \x01 char", "wrong]]>"], doc
        assert doc["totals"] == {"passed": 3, "failed": 1, "errors": 1}, doc["totals"]
        assert doc["errors"][0]["file"] == broken and doc["errors"][0]["path"] == "$", doc["errors"]
        assert run.stderr.decode().startswith("ERROR " + broken + ": $: unknown field `oops`"), run.stderr
    check_completion(binary)
    check_docs_example(binary)
    print("junit/json reports, completion, docs example: ok")


def check_docs_example(binary):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "docs", "testing.md"), encoding="utf-8") as f:
        page = f.read()
    blocks = page.split("```")[1::2]
    example = next(b for b in blocks if b.startswith("json\n") and '"where"' in b)
    with open(os.path.join(root, "fixtures", "runner", "invoke-table.json"), encoding="utf-8") as f:
        assert json.loads(example[len("json\n"):]) == json.load(f), "docs/testing.md example != fixture"
    shown = next(b for b in blocks if "$ gatehouse test --verbose --coverage" in b).strip("\n").split("\n")
    command = shown[0][len("$ "):].split()
    run = subprocess.run([binary] + command[1:], capture_output=True, text=True, cwd=root)
    assert run.returncode == 0, run
    assert run.stdout.rstrip("\n").split("\n") == shown[1:], (run.stdout, shown)


def complete(binary, words, cwd=None):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cli", "gatehouse-completion.bash")
    line = " ".join(words)
    command = (f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _gatehouse; '
               'printf "%s\\n" "${COMPREPLY[@]}"')
    bindir = os.path.dirname(os.path.abspath(binary))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, check=True, cwd=cwd)
    return [w for w in out.stdout.split("\n") if w]


def check_completion(binary):
    flags = complete(binary, ["gatehouse", "test", "--"])
    for flag in ["--json", "--junit", "--coverage", "--coverage-min", "--run", "--verbose"]:
        assert flag in flags, (flag, flags)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ["x.json", "80.json"]:
            open(os.path.join(tmp, name), "w").close()
        # A file name is offered where a path goes, never after --run or --coverage-min.
        assert complete(binary, ["gatehouse", "test", "x"], cwd=tmp) == ["x.json"]
        assert complete(binary, ["gatehouse", "test", "--junit", "x"], cwd=tmp) == ["x.json"]
        assert complete(binary, ["gatehouse", "test", "--run", "x"], cwd=tmp) == []
        assert complete(binary, ["gatehouse", "test", "--coverage-min", "8"], cwd=tmp) == []


if __name__ == "__main__":
    main()
