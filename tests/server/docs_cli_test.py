#!/usr/bin/env python3
"""The quick start's and the IAM/STS walkthrough's commands, run in order against `make demo`'s
world with the AWS CLI: every command must succeed, except one the page shows failing
(`# An error occurred (CODE) ...` right below it), which must fail with that code.

usage: docs_cli_test.py GATEHOUSE_BINARY SOURCE_DIR

How the pages are read:
- code blocks of docs/quickstart.md, then docs/iam-sts.md; a command is a line with its `\\`
  continuations and any lines a quote left open; `# ...` after it is a comment;
- the demo is started by fixtures/demo/run-demo.sh (what `make demo` runs) on a free port, and
  `E="--endpoint-url ..."` is pointed at it;
- a block runs as the demo account's root (what `make demo` prints to export) unless the text
  before it says "As NAME (... keys in the environment)": then with the access key the page
  created last; `export AWS_...=...` lines set the environment; a comment saying "export" after
  create-access-key or assume-role switches to the credentials that command returned;
- docs/world-file.md's complete example must be a world serve accepts;
- a `$ gatehouse ...` line in a code block of README.md or docs/ whose files are in the source
  folder must print the lines the page shows below it;
- every flag a `gatehouse COMMAND ...` line of a code block there shows is in `gatehouse COMMAND
  --help`;
- blocks that run `make`, and blocks that show output rather than commands, are skipped; `build/gatehouse` is the binary under test, run in the
  source folder; everything else runs in a scratch folder.
"""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile

ROOT_ENV = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEROOT11111",
            "AWS_SECRET_ACCESS_KEY": "rootSecretEXAMPLErootSecretEXAMPLEroot00",
            "AWS_DEFAULT_REGION": "us-east-1"}
counts = {"passed": 0, "failed": 0}


def blocks(page):
    """(text before the block, [lines]) for each ``` block of the page."""
    out, text, lines, inside = [], [], [], False
    with open(page, encoding="utf-8") as f:
        for line in f:
            if line.lstrip().startswith("```"):
                if inside:
                    out.append(("".join(text[-6:]), lines))
                    text, lines = [], []
                inside = not inside
                continue
            (lines if inside else text).append(line.rstrip("\n"))
    return out


def commands(lines):
    """Logical commands: (command text, the comment lines that follow it)."""
    result, current, joiner = [], "", "\n"
    for line in lines:
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            if result and line.lstrip().startswith("#"):
                result[-1][1].append(line.strip())
            continue
        current = current + joiner + line if current else line
        joiner = "\n"
        if current.endswith("\\"):
            current = current[:-1]
            joiner = " "
            continue
        try:
            shlex.split(current, comments=True)
        except ValueError:  # a quote is still open
            continue
        comment = ""
        if " #" in current and not current.strip().startswith("#"):
            # a trailing comment outside quotes
            lexer = shlex.shlex(current, posix=True, punctuation_chars=False)
            lexer.whitespace_split = True
            lexer.commenters = ""
            tokens = list(lexer)
            if "#" in tokens:
                comment = " ".join(tokens[tokens.index("#"):])
        result.append((current, [comment] if comment else []))
        current = ""
    return result


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, GATEHOUSE_DEMO_DATA=os.path.join(scratch, "demo-data"),
                   GATEHOUSE_DEMO_LISTEN="127.0.0.1:%d" % port, AWS_PAGER="", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        demo = subprocess.Popen([os.path.join(source, "fixtures/demo/run-demo.sh"), binary], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env, start_new_session=True)
        try:
            for line in demo.stdout:
                if line.startswith("gatehouse: listening on "):
                    break
            else:
                print("the demo did not start")
                return 1
            run_pages(binary, source, scratch, env, port)
        finally:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=20)
        check_world_file_example(binary, source, scratch)
        check_transcripts(binary, source)
        check_synopses(binary, source)
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]))
    return 1 if counts["failed"] else 0


def check_world_file_example(binary, source, scratch):
    """docs/world-file.md's complete example is a world serve accepts, and serves its region."""
    text = open(os.path.join(source, "docs/world-file.md"), encoding="utf-8").read()
    example = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    world = os.path.join(scratch, "example-world.json")
    with open(world, "w") as f:
        f.write(example)
    server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(scratch, "example"),
                               "--bootstrap", world], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = server.stdout.readline().startswith("gatehouse: listening on ")
    if started:
        server.send_signal(signal.SIGTERM)
    _, err = server.communicate(timeout=20)
    ok = started and "none differs from the file" in err and "gatehouse: region eu-west-1 (the world file)" in err
    counts["passed" if ok else "failed"] += 1
    if not ok:
        print("FAIL docs/world-file.md: the complete example does not load\n  " + err.strip()[:400])


def check_transcripts(binary, source):
    """Every `$ gatehouse ...` line of a page's code block whose files are in the source folder
    prints what the page shows below it (up to the next `$ ` line or blank line)."""
    pages = ["README.md"] + sorted("docs/" + p for p in os.listdir(os.path.join(source, "docs")) if p.endswith(".md"))
    for page in pages:
        for _, lines in blocks(os.path.join(source, page)):
            for i, line in enumerate(lines):
                if not line.startswith("$ gatehouse "):
                    continue
                shown = []
                for following in lines[i + 1:]:
                    if not following.strip() or following.startswith("$ "):
                        break
                    shown.append(following)
                args = shlex.split(line[2:])[1:]
                files = [a[len("file://"):] if a.startswith("file://") else a for a in args if "/" in a or "." in a]
                if not all(os.path.exists(os.path.join(source, f)) for f in files if not f.startswith("-")):
                    continue  # an example on a file of the reader's own
                done = subprocess.run([binary] + args, cwd=source, capture_output=True, text=True, timeout=120)
                ok = done.stdout.rstrip("\n").split("\n") == shown
                counts["passed" if ok else "failed"] += 1
                if not ok:
                    print("FAIL %s: `%s` prints\n  %s" % (page, line[2:], done.stdout.strip()[:600].replace("\n", "\n  ")))


def check_synopses(binary, source):
    """Every flag a code block of README.md or docs/ gives a `gatehouse COMMAND` line (and its
    continuation lines) is one that `gatehouse COMMAND --help` lists."""
    helps = {}
    pages = ["README.md"] + sorted("docs/" + p for p in os.listdir(os.path.join(source, "docs")) if p.endswith(".md"))
    for page in pages:
        for _, lines in blocks(os.path.join(source, page)):
            command = None
            for line in lines:
                m = re.match(r"^\s*(?:\$ )?(?:build/)?gatehouse (simulate|validate|test|sign|serve|dlq|logs|sync)\b", line)
                if m:
                    command = m.group(1)
                elif not (command and re.match(r"^\s+[\[-]", line)):
                    command = None  # a synopsis goes on over indented lines of options
                if not command:
                    continue
                if command not in helps:
                    helps[command] = subprocess.run([binary, command, "--help"], capture_output=True,
                                                    text=True, timeout=30).stdout
                code = line.split(" #")[0]
                for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", code):
                    ok = re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(flag), helps[command]) is not None
                    counts["passed" if ok else "failed"] += 1
                    if not ok:
                        print("FAIL %s: `gatehouse %s %s` is not in `gatehouse %s --help`" % (page, command, flag, command))


def run_pages(binary, source, scratch, base_env, port):
    created_key = None  # (id, secret) of the last create-access-key
    for page in ("docs/quickstart.md", "docs/iam-sts.md"):
        for before, lines in blocks(os.path.join(source, page)):
            body = "\n".join(lines)
            if re.search(r"^make ", body, re.M):
                continue
            if not re.search(r"^(aws |export |printf |build/gatehouse |E=)", body, re.M):
                continue  # an example of output, not commands
            env = dict(base_env, **ROOT_ENV)
            env["E"] = "--endpoint-url http://127.0.0.1:%d" % port
            if re.search(r"As \w+ \(.*keys in the environment\)", before) and created_key:
                env.update(AWS_ACCESS_KEY_ID=created_key[0], AWS_SECRET_ACCESS_KEY=created_key[1])
                env.pop("AWS_SESSION_TOKEN", None)
            last_output = None
            for command, comments in commands(lines):
                name = "%s: %s" % (page, command.split("\n")[0][:100])
                if re.match(r"^\w+=", command):  # E="--endpoint-url ...": the test's own endpoint
                    continue
                m = re.match(r"^export (\w+)=(\S+)$", command.strip())
                if m:
                    env[m.group(1)] = m.group(2)
                    continue
                in_source = "build/gatehouse" in command
                shell = command.replace("build/gatehouse", shlex.quote(binary))
                done = subprocess.run(["bash", "-c", shell], cwd=source if in_source else scratch, env=env,
                                      capture_output=True, text=True, timeout=60)
                expected = None
                for c in comments:
                    e = re.match(r"# An error occurred \((\w+)\)", c)
                    if e:
                        expected = e.group(1)
                if expected:
                    ok = done.returncode != 0 and ("(%s)" % expected) in done.stderr
                    detail = "expected %s, got exit %d: %s" % (expected, done.returncode, done.stderr.strip()[:300])
                else:
                    ok = done.returncode == 0
                    detail = "exit %d: %s" % (done.returncode, (done.stderr or done.stdout).strip()[:400])
                if ok:
                    counts["passed"] += 1
                else:
                    counts["failed"] += 1
                    print("FAIL %s\n  %s" % (name, detail))
                try:
                    last_output = json.loads(done.stdout) if done.stdout.strip().startswith("{") else None
                except ValueError:
                    last_output = None
                if last_output and "AccessKey" in last_output:
                    created_key = (last_output["AccessKey"]["AccessKeyId"], last_output["AccessKey"]["SecretAccessKey"])
                if any("export" in c for c in comments) and last_output:
                    if "AccessKey" in last_output:
                        env.update(AWS_ACCESS_KEY_ID=created_key[0], AWS_SECRET_ACCESS_KEY=created_key[1])
                        env.pop("AWS_SESSION_TOKEN", None)
                    elif "Credentials" in last_output:
                        c = last_output["Credentials"]
                        env.update(AWS_ACCESS_KEY_ID=c["AccessKeyId"], AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"],
                                   AWS_SESSION_TOKEN=c["SessionToken"])


if __name__ == "__main__":
    sys.exit(main())
