#!/usr/bin/env python3
"""Seeded random policies against an independent reference evaluator.

The reference below is written from spec/policy-semantics.md (sections 2, 3 and 5.3) alone and
shares no code with the engine: its own glob, its own condition operators, its own variable
substitution. Each run generates identity policies (and sometimes a permissions boundary) with
Action/NotAction, Resource/NotResource, variables and conditions, asks `gatehouse simulate
--requests` for the decision of every (action, resource) pair, and requires the reference's
decision. A disagreement prints the request so it can be replayed with `gatehouse simulate`.

usage: reference_evaluator_test.py GATEHOUSE [--seed N] [--cases N]
"""

import argparse
import ipaddress
import json
import random
import re
import subprocess
import sys
import tempfile

ACCOUNT = "111111111111"
FN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"

ACTIONS = ["lambda:GetFunction", "lambda:InvokeFunction", "lambda:DeleteFunction", "lambda:ListFunctions",
           "lambda:UpdateFunctionCode", "iam:GetUser", "iam:CreateUser"]
ACTION_PATTERNS = ACTIONS + ["*", "lambda:*", "lambda:Get*", "lambda:?nvokeFunction", "LAMBDA:getfunction",
                             "iam:*", "iam:Get*", "lambda:*Function", "lambda:Delete?unction", "s3:GetObject"]
RESOURCES = [FN + "f", FN + "f:1", FN + "F", FN + "g", FN + "alice", f"arn:aws:iam::{ACCOUNT}:user/alice"]
RESOURCE_PATTERNS = ["*", FN + "f", FN + "f*", FN + "*", FN + "f:*", FN + "${aws:username}",
                     FN + "${aws:PrincipalTag/team, 'g'}", FN + "${aws:PrincipalTag/team}", "arn:aws:lambda:*:*:function:?",
                     f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}", "arn:aws:iam::*:user/*", FN + "F"]

# Context keys: name -> (simulator type, generator of values)
STRING_VALUES = ["prod", "dev", "Prod", "", "pr*", "alice", "dev-1"]
CONTEXT_KEYS = {
    "aws:RequestTag/env": ("string", lambda r: [r.choice(STRING_VALUES)]),
    "aws:PrincipalTag/team": ("string", lambda r: [r.choice(["g", "f", "x", ""])]),
    "aws:TagKeys": ("stringList", lambda r: r.sample(["env", "team", "cost", "Env", ""], r.randint(1, 3))),
    "aws:MultiFactorAuthPresent": ("boolean", lambda r: [r.choice(["true", "false"])]),
    "aws:MultiFactorAuthAge": ("numeric", lambda r: [r.choice(["0", "30", "3600", "7200", "15.5", "abc"])]),
    "aws:SourceIp": ("ip", lambda r: [r.choice(["10.1.2.3", "192.168.0.7", "203.0.113.9", "10.255.0.1", "2001:db8::1", "::ffff:10.0.0.1"])]),
}

STRING_OPS = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
              "StringLike", "StringNotLike"]
NUMERIC_OPS = ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
               "NumericGreaterThan", "NumericGreaterThanEquals"]


# ---------------------------------------------------------------- the reference (spec 2, 3, 5.3)

def glob(pattern, text, fold):
    """2.1: '*' any run, '?' one code point, anchored; iterative two-pointer backtracking."""
    if fold:
        pattern, text = pattern.lower(), text.lower()
    p = t = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(pattern) and (pattern[p] == "?" or (pattern[p] != "*" and pattern[p] == text[t])):
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def context_values(ctx, key):
    for name, entry in ctx.items():
        if name.lower() == key.lower():
            return entry
    return None


VAR = re.compile(r"\$\{([^}]*)\}")


def substitute(value, ctx):
    """3.13: returns (text, parts) where parts marks literal vs. pattern pieces, or None when unresolvable."""
    pieces = []  # (text, is_literal)
    pos = 0
    for m in VAR.finditer(value):
        pieces.append((value[pos:m.start()], False))
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            pieces.append((inner, True))
        else:
            dm = re.fullmatch(r"(.+), '(.*)'", inner)
            name, default = (dm.group(1), dm.group(2)) if dm else (inner, None)
            entry = context_values(ctx, name)
            single = entry is not None and not entry["multi"] and len(entry["values"]) == 1 and entry["values"][0] != ""
            if single:
                pieces.append((entry["values"][0], True))
            elif entry is not None and not entry["multi"] and len(entry["values"]) == 1 and default is None:
                pieces.append(("", True))  # present but empty, no default: the empty string
            elif default is not None:
                pieces.append((default, True))
            else:
                return None
        pos = m.end()
    pieces.append((value[pos:], False))
    return pieces


def glob_pieces(pieces, text, fold):
    # Literal pieces contain no wildcards in our generator's values except via ${*}/${?}; translate
    # a literal '*' or '?' into a one-character class by matching it exactly: expand into a regex.
    rx = []
    for piece, literal in pieces:
        if literal:
            rx.append(re.escape(piece))
        else:
            for ch in piece:
                rx.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    flags = re.DOTALL | (re.IGNORECASE if fold else 0)
    return re.fullmatch("".join(rx), text, flags) is not None


def resource_matches(value, resource, ctx):
    if value == "*":
        return True
    # Variables only after the fifth colon.
    head_parts = value.split(":", 5)
    if len(head_parts) == 6:
        head = ":".join(head_parts[:5]) + ":"
        tail = head_parts[5]
    else:
        head, tail = value, ""
    pieces = substitute(tail, ctx)
    if pieces is None:
        return None  # unresolvable
    return glob_pieces([(head, False)] + pieces, resource, False)


def parse_number(s):
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        return None
    return float(s)


def compare_one(op, ctx_value, policy_value, ctx):
    """One (context value, policy value) comparison of a positive base operator; None when unparsable."""
    base = op
    if base in ("StringEquals", "StringEqualsIgnoreCase", "StringLike"):
        pieces = substitute(policy_value, ctx)
        if pieces is None:
            return "unresolved"
        if base == "StringEquals":
            return "".join(p for p, _ in pieces) == ctx_value
        if base == "StringEqualsIgnoreCase":
            return "".join(p for p, _ in pieces).lower() == ctx_value.lower()
        return glob_pieces(pieces, ctx_value, False)
    if base.startswith("Numeric"):
        a, b = parse_number(ctx_value), parse_number(policy_value)
        if a is None or b is None:
            return None
        return {"NumericEquals": a == b, "NumericLessThan": a < b, "NumericLessThanEquals": a <= b,
                "NumericGreaterThan": a > b, "NumericGreaterThanEquals": a >= b}[base]
    if base == "Bool":
        if ctx_value.lower() not in ("true", "false") or policy_value.lower() not in ("true", "false"):
            return None
        return ctx_value.lower() == policy_value.lower()
    if base == "IpAddress":
        try:
            addr = ipaddress.ip_address(ctx_value)
            net = ipaddress.ip_network(policy_value, strict=False)
        except ValueError:
            return None
        return addr.version == net.version and addr in net
    raise AssertionError(op)


NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
           "StringNotLike": "StringLike", "NumericNotEquals": "NumericEquals", "NotIpAddress": "IpAddress"}


def op_holds_for_value(base, negated, ctx_value, policy_values, ctx):
    """3.1: positive = any policy value matches; negated = none matches (unparsable: false both ways)."""
    results = [compare_one(base, ctx_value, pv, ctx) for pv in policy_values]
    if any(r is None for r in results):
        # 3.3: an unparsable side makes that comparison false, and the negated comparison false too.
        if not negated:
            return any(r is True for r in results)
        return False
    if negated:
        return not any(r is True for r in results)
    return any(r is True for r in results)


def condition_holds(op_full, key, policy_values, ctx):
    qualifier = None
    op = op_full
    if ":" in op:
        qualifier, op = op.split(":", 1)
    if_exists = op.endswith("IfExists")
    if if_exists:
        op = op[: -len("IfExists")]
    entry = context_values(ctx, key)
    if op == "Null":
        if entry is None:
            is_null = True
        elif entry["multi"]:
            is_null = not [v for v in entry["values"] if v != ""]
        else:
            is_null = entry["values"] == [""]
        return any((pv.lower() == "true") == is_null for pv in policy_values if pv.lower() in ("true", "false"))
    negated = op in NEGATED
    base = NEGATED.get(op, op)
    if entry is None:
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated
    if qualifier:
        values = [v for v in entry["values"] if v != ""]
        if not values:
            return True if (if_exists or qualifier == "ForAllValues") else False
        checks = [op_holds_for_value(base, negated, v, policy_values, ctx) for v in values]
        return all(checks) if qualifier == "ForAllValues" else any(checks)
    if entry["multi"]:
        return False
    return op_holds_for_value(base, negated, entry["values"][0], policy_values, ctx)


def statement_applies(st, action, resource, ctx):
    if "Action" in st:
        if not any(glob(a, action, True) for a in as_list(st["Action"])):
            return False
    else:
        if any(glob(a, action, True) for a in as_list(st["NotAction"])):
            return False
    if "Resource" in st:
        if not any(resource_matches(r, resource, ctx) is True for r in as_list(st["Resource"])):
            return False
    else:
        if any(resource_matches(r, resource, ctx) is True for r in as_list(st["NotResource"])):
            return False
    for op, pairs in st.get("Condition", {}).items():
        for key, values in pairs.items():
            values = [str(v).lower() if isinstance(v, bool) else str(v) for v in as_list(values)]
            if not condition_holds(op, key, values, ctx):
                return False
    return True


def as_list(v):
    return v if isinstance(v, list) else [v]


def decide(identity, boundary, action, resource, ctx):
    """5.3, same account, no resource policy: explicit deny anywhere, else identity and boundary allow."""
    sets = [identity] + ([[boundary]] if boundary is not None else [])
    for docs in sets:
        for doc in docs:
            for st in as_list(doc["Statement"]):
                if st["Effect"] == "Deny" and statement_applies(st, action, resource, ctx):
                    return "explicitDeny"

    def allows(docs):
        return any(st["Effect"] == "Allow" and statement_applies(st, action, resource, ctx)
                   for doc in docs for st in as_list(doc["Statement"]))

    if not allows(identity):
        return "implicitDeny"
    if boundary is not None and not allows([boundary]):
        return "implicitDeny"
    return "allowed"


# ---------------------------------------------------------------- the generator

def gen_condition(r):
    cond = {}
    for _ in range(r.randint(1, 2)):
        key = r.choice(list(CONTEXT_KEYS))
        kind = CONTEXT_KEYS[key][0]
        if kind in ("string", "stringList"):
            op = r.choice(STRING_OPS)
            pool = ["env", "team", "cost", "Env"] if key == "aws:TagKeys" else STRING_VALUES + ["${aws:username}", "${aws:PrincipalTag/team}", "p*", "?rod"]
            values = r.sample(pool, r.randint(1, 2))
            if key == "aws:TagKeys" or r.random() < 0.2:
                op = r.choice(["ForAllValues:", "ForAnyValue:"]) + op
        elif kind == "numeric":
            op = r.choice(NUMERIC_OPS)
            values = [r.choice(["0", "30", "3600", "3600.0", "+30", "100"])]
        elif kind == "boolean":
            op = "Bool"
            values = [r.choice(["true", "false", "True", True, False])]
        else:
            op = r.choice(["IpAddress", "NotIpAddress"])
            values = r.sample(["10.0.0.0/8", "192.168.0.0/16", "203.0.113.9", "10.1.2.3/8", "2001:DB8::/32", "::/0"], r.randint(1, 2))
        if r.random() < 0.15:
            op, key, values = "Null", key, [r.choice(["true", "false"])]
        elif r.random() < 0.25:
            op += "IfExists"
        cond.setdefault(op, {})[key] = values if len(values) > 1 or r.random() < 0.5 else values[0]
    return cond


def gen_statement(r):
    st = {"Effect": "Deny" if r.random() < 0.3 else "Allow"}
    actions = r.sample(ACTION_PATTERNS, r.randint(1, 3))
    st["NotAction" if r.random() < 0.15 else "Action"] = actions if len(actions) > 1 else actions[0]
    resources = r.sample(RESOURCE_PATTERNS, r.randint(1, 2))
    st["NotResource" if r.random() < 0.15 else "Resource"] = resources if len(resources) > 1 else resources[0]
    if r.random() < 0.5:
        st["Condition"] = gen_condition(r)
    return st


def gen_policy(r):
    return {"Version": "2012-10-17", "Statement": [gen_statement(r) for _ in range(r.randint(1, 4))]}


def gen_case(r):
    user = r.choice(["alice", "bob"])
    identity = [gen_policy(r) for _ in range(r.randint(1, 3))]
    boundary = gen_policy(r) if r.random() < 0.3 else None
    ctx = {}
    entries = []
    for key, (kind, values_of) in CONTEXT_KEYS.items():
        if r.random() < 0.6:
            values = values_of(r)
            ctx[key] = {"values": values, "multi": kind.endswith("List") or len(values) > 1}
            entries.append({"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": kind})
    ctx["aws:username"] = {"values": [user], "multi": False}
    request = {
        "PolicyInputList": [json.dumps(p) for p in identity],
        "ActionNames": r.sample(ACTIONS, r.randint(1, 3)),
        "ResourceArns": r.sample(RESOURCES, r.randint(1, 2)),
        "CallerArn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
        "ResourceOwner": f"arn:aws:iam::{ACCOUNT}:root",
        "ContextEntries": entries,
    }
    if boundary is not None:
        request["PermissionsBoundaryPolicyInputList"] = [json.dumps(boundary)]
    return request, identity, boundary, ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gatehouse")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--cases", type=int, default=4000)
    args = ap.parse_args()

    r = random.Random(args.seed)
    cases = [gen_case(r) for _ in range(args.cases)]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for request, *_ in cases:
            f.write(json.dumps(request) + "\n")
        path = f.name
    out = subprocess.run([args.gatehouse, "simulate", "--requests", path], capture_output=True, text=True)
    if out.returncode != 0:
        print("simulate failed:", out.returncode, out.stderr[:2000])
        return 1
    lines = out.stdout.splitlines()
    if len(lines) != len(cases):
        print(f"expected {len(cases)} result lines, got {len(lines)}")
        return 1

    seen = {"allowed": 0, "explicitDeny": 0, "implicitDeny": 0}
    failures = 0
    for (request, identity, boundary, ctx), line in zip(cases, lines):
        got = json.loads(line)
        if "EvaluationResults" not in got:
            print("simulate refused a generated request:", line[:500], "\n", json.dumps(request))
            failures += 1
            continue
        for result in got["EvaluationResults"]:
            action, resource = result["EvalActionName"], result["EvalResourceName"]
            want = decide(identity, boundary, action, resource, ctx)
            seen[want] += 1
            if result["EvalDecision"] != want:
                failures += 1
                if failures <= 5:
                    print(f"MISMATCH {action} on {resource}: gatehouse {result['EvalDecision']}, reference {want}")
                    print("  request:", json.dumps(request))
    total = sum(seen.values())
    print(f"{total} decisions compared ({seen}), {failures} mismatches, seed {args.seed}")
    # The generator must reach every outcome, or the comparison proves little.
    if min(seen.values()) < total // 20:
        print("the generated corpus does not exercise every decision enough")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
