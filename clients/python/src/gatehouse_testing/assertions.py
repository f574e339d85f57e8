"""assert_allowed / assert_denied: on a boto3 call (the call is made; AccessDenied or success) or
on an explain question (principal, action, resource, context: nothing is called). A failure says
why the server decided as it did: the deciding statements and the missing context values."""
import re

import botocore.exceptions

__all__ = ["assert_allowed", "assert_denied", "DENIAL_CODES", "set_active", "active"]

# The error codes of an authorization refusal: IAM and STS say AccessDenied, Lambda
# AccessDeniedException. Authentication failures (a bad signature, an expired token) are not.
DENIAL_CODES = frozenset({"AccessDenied", "AccessDeniedException"})
REASONS = ("explicitDeny", "implicitDeny")

# "User: ARN is not authorized to perform: ACTION[ on resource: RESOURCE][ because ... | with an explicit deny ...]"
_MESSAGE = re.compile(r"User: (?P<principal>\S+) is not authorized to perform: (?P<action>\S+)"
                      r"(?: on resource: (?P<resource>\S+))?(?: (?P<clause>.*))?$")
_ASSUMED_ROLE = re.compile(r"arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([^/]+)/")

_active = [None]


def set_active(server):
    """The server that explain questions go to when no `gatehouse=` is given (the pytest plugin
    sets it to the current test's server)."""
    _active[0] = server


def active():
    return _active[0]


def _server_of(call, gatehouse):
    if gatehouse is not None:
        return gatehouse
    client = getattr(call, "__self__", None)
    return getattr(client, "_gatehouse", None) or _active[0]


def _denial_of(error):
    """(principal, action, resource, reason) from an AccessDenied message; None for other errors."""
    code = error.response.get("Error", {}).get("Code")
    if code not in DENIAL_CODES:
        return None
    message = error.response.get("Error", {}).get("Message", "")
    match = _MESSAGE.search(message)
    if not match:
        return {"message": message}
    clause = match.group("clause") or ""
    reason = "explicitDeny" if "explicit deny" in clause else "implicitDeny" if clause.startswith("because no") else None
    principal = match.group("principal")
    session = _ASSUMED_ROLE.match(principal)
    if session:  # an assumed-role session is explained as its role
        principal = "arn:%s:iam::%s:role/%s" % session.groups()
    return {"message": message, "principal": principal, "action": match.group("action"),
            "resource": match.group("resource") or "*", "reason": reason}


def _explain(server, principal, action, resource, context):
    if server is None:
        return None
    try:
        return server.explain(principal, action, resource, context)
    except Exception as e:  # the explanation is extra: its failure must not hide the assertion's
        return {"error": str(e)}


def _describe(explanation):
    if explanation is None:
        return ""
    if "error" in explanation:
        return "\n  (explain failed: %s)" % explanation["error"]
    return "\n  explain: " + explanation.describe()


def _statement_matches(explanation, statement, policy):
    for m in explanation.matched_statements:
        sid_ok = statement is None or m.get("sid") == statement
        policy_name = str(m.get("policy", ""))
        policy_ok = policy is None or policy_name == policy or policy_name.endswith("/" + policy) \
            or policy_name.endswith(":" + policy)
        if sid_ok and policy_ok:
            return True
    return False


def _check_statement(explanation, statement, policy, what):
    __tracebackhide__ = True  # pytest shows the test's line, not this function's
    if statement is None and policy is None:
        return
    if explanation is None or "error" in explanation:
        raise AssertionError("%s, but the deciding statement cannot be checked without the server's explain%s"
                             % (what, _describe(explanation)))
    if not _statement_matches(explanation, statement, policy):
        wanted = "/".join(x for x in (policy, statement) if x)
        raise AssertionError("%s, but not by statement %s%s" % (what, wanted, _describe(explanation)))


def _question(call, args, kwargs, server, name):
    """The Explanation of an explain question (a principal ARN and what follows); None for a call."""
    if callable(call):
        return None
    if not isinstance(call, str):
        raise TypeError("%s takes a callable (a boto3 client method) or principal, action, resource[, context]" % name)
    if server is None:
        raise TypeError("no gatehouse server to explain with: pass gatehouse= or use gatehouse.%s" % name)
    principal, action, resource, context = _explain_args(call, args, kwargs)
    return server.explain(principal, action, resource, context)


def _explain_denial(call, denial, server):
    """The server's explanation of a refusal, as the client's principal (else the message's)."""
    if "action" not in denial:
        return None
    principal = getattr(getattr(call, "__self__", None), "_gatehouse_principal", None) or denial["principal"]
    return _explain(server, principal, denial["action"], denial["resource"], {})


def _explain_args(principal, args, kwargs):
    names = ("action", "resource", "context")
    values = dict(zip(names, args))
    for name in names:
        if name in kwargs:
            values[name] = kwargs.pop(name)
    if kwargs:
        raise TypeError("unexpected arguments: %s" % ", ".join(sorted(kwargs)))
    if "action" not in values:
        raise TypeError("an explain question needs principal, action[, resource[, context]]")
    return principal, values["action"], values.get("resource", "*"), values.get("context")


def assert_allowed(call, *args, gatehouse=None, statement=None, policy=None, **kwargs):
    """Asserts that a request is allowed.

    - `assert_allowed(lam.get_function, FunctionName="app")` calls it and returns its result; an
      AccessDenied fails the assertion with the server's explanation (other errors propagate).
    - `assert_allowed("arn:aws:iam::111111111111:user/dev", "lambda:GetFunction", resource, context)`
      asks the server's explain; returns the Explanation.
    `statement="Sid"` (and `policy="name"`) also requires that statement among the deciding ones."""
    __tracebackhide__ = True
    server = _server_of(call, gatehouse)
    explanation = _question(call, args, kwargs, server, "assert_allowed")
    if explanation is not None:
        if not explanation.allowed:
            raise AssertionError("expected allowed, got %s%s" % (explanation.decision, _describe(explanation)))
        _check_statement(explanation, statement, policy, "allowed")
        return explanation
    if statement is not None or policy is not None:
        raise TypeError("statement= on a call needs the explain form: assert_allowed(principal, action, resource)")
    try:
        result = call(*args, **kwargs)
    except botocore.exceptions.ClientError as error:
        denial = _denial_of(error)
        if denial is None:
            raise
        raise AssertionError("expected allowed, got %s: %s%s" % (
            error.response["Error"]["Code"], denial["message"],
            _describe(_explain_denial(call, denial, server)))) from error
    return result


def assert_denied(call, *args, gatehouse=None, reason=None, statement=None, policy=None, **kwargs):
    """Asserts that a request is refused by policy.

    - `assert_denied(lam.delete_function, FunctionName="app", reason="explicitDeny", statement="NoDelete")`
      calls it: it must raise AccessDenied(Exception); returns the botocore ClientError.
    - `assert_denied(principal, action, resource, context, reason=...)` asks explain.
    `reason` is "explicitDeny" or "implicitDeny"; `statement` (a Sid; `policy` a policy name or ARN)
    must be among the statements that decided — for a call, asked of explain with the principal,
    action and resource of the refusal."""
    __tracebackhide__ = True
    if reason is not None and reason not in REASONS:
        raise ValueError("reason must be one of %s" % ", ".join(REASONS))
    server = _server_of(call, gatehouse)
    explanation = _question(call, args, kwargs, server, "assert_denied")
    if explanation is not None:
        if explanation.allowed:
            raise AssertionError("expected a denial, got allowed%s" % _describe(explanation))
        if reason is not None and explanation.decision != reason:
            raise AssertionError("expected %s, got %s%s" % (reason, explanation.decision, _describe(explanation)))
        _check_statement(explanation, statement, policy, explanation.decision)
        return explanation
    try:
        result = call(*args, **kwargs)
    except botocore.exceptions.ClientError as error:
        denial = _denial_of(error)
        if denial is None:
            raise AssertionError("expected AccessDenied, got %s: %s" % (
                error.response.get("Error", {}).get("Code"), error.response.get("Error", {}).get("Message"))) from error
        explanation = None
        if reason is not None or statement is not None or policy is not None:
            explanation = _explain_denial(call, denial, server)
        if reason is not None:
            actual = denial.get("reason")
            if actual is None and explanation is not None and "error" not in explanation:
                actual = explanation.decision
            if actual != reason:
                raise AssertionError("expected %s, got %s: %s%s" % (
                    reason, actual or "a refusal of unknown kind", denial["message"], _describe(explanation)))
        _check_statement(explanation, statement, policy, "denied (%s)" % denial["message"])
        return error
    raise AssertionError("expected AccessDenied, but the call succeeded: %r" % (_short(result),))


def _short(result):
    if isinstance(result, dict):
        result = {k: v for k, v in result.items() if k != "ResponseMetadata"}
    text = repr(result)
    return text if len(text) < 300 else text[:300] + "..."
