"""A `gatehouse serve --ephemeral` process for one test session: started from its binary, ready
when it prints its JSON line, stopped with SIGTERM; its control calls (reset, clock, credentials,
explain) and boto3 sessions signed as any principal of its world."""
import collections
import datetime
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import boto3.session
import botocore.auth
import botocore.config

__all__ = ["Gatehouse", "GatehouseError", "Explanation", "find_binary"]

# The header that carries the ready line's "controlToken" on each /_gatehouse/ call; without it
# the server answers those paths as unknown ones.
CONTROL_TOKEN_HEADER = "x-gatehouse-control-token"


class GatehouseError(RuntimeError):
    """The server did not start, or a control call failed."""


def find_binary(explicit=None):
    """The gatehouse binary: `explicit`, else $GATEHOUSE_BIN, else `gatehouse` on PATH."""
    for candidate in (explicit, os.environ.get("GATEHOUSE_BIN")):
        if candidate:
            return candidate
    found = shutil.which("gatehouse")
    if found:
        return found
    raise GatehouseError("no gatehouse binary: set GATEHOUSE_BIN, pass --gatehouse-bin, or put gatehouse on PATH")


def _iso(value):
    """An ISO 8601 UTC string from a datetime (naive means UTC) or a string."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _parse_time(text):
    """An aware UTC datetime from the server's ISO 8601 text."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)


class Explanation(dict):
    """The answer of /_gatehouse/explain: a dict with attribute access."""

    @property
    def decision(self):
        """allowed | explicitDeny | implicitDeny"""
        return self["decision"]

    @property
    def allowed(self):
        return self["decision"] == "allowed"

    @property
    def matched_statements(self):
        """[{"policy": ..., "sid": ...}] — the statements that decided."""
        return self.get("matchedStatements", [])

    @property
    def missing_context_values(self):
        return self.get("missingContextValues", [])

    def describe(self):
        """One line for a failure message: the decision, the statements, the missing context keys."""
        text = "%s %s on %s: %s" % (self.get("principal", "?"), self.get("action", "?"),
                                    self.get("resource", "?"), self.decision)
        statements = ["%s/%s" % (m.get("policy", "?"), m.get("sid") or "(no Sid)") for m in self.matched_statements]
        if statements:
            text += " by " + ", ".join(statements)
        elif self.decision == "implicitDeny":
            text += " (no statement allows it)"
        if self.missing_context_values:
            text += "; missing context values: " + ", ".join(self.missing_context_values)
        return text


class Clock:
    """The server's clock: what aws:CurrentTime, session expiry and the SigV4 time check see."""

    def __init__(self, server):
        self._server = server

    def now(self):
        """The server's current time (an aware UTC datetime)."""
        return self._server._update_clock(self._server._control("GET", "/_gatehouse/clock"))

    def set(self, when):
        """Sets the clock to `when` (a datetime or an ISO 8601 string); returns the new time."""
        return self._server._update_clock(self._server._control("POST", "/_gatehouse/clock", {"set": _iso(when)}))

    def advance(self, seconds=0, **delta):
        """Moves the clock on by `seconds` (a number or a timedelta) or timedelta keywords
        (`advance(hours=2)`); returns the new time."""
        if isinstance(seconds, datetime.timedelta):
            seconds = seconds.total_seconds()
        seconds += datetime.timedelta(**delta).total_seconds()
        answer = self._server._control("POST", "/_gatehouse/clock", {"advanceSeconds": int(seconds)})
        return self._server._update_clock(answer)


class _ServerClockSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4 signed at the server's clock rather than this machine's, so that a moved server clock
    does not turn every request into a time-skew refusal. Chosen per client (choose-signer)."""

    def add_auth(self, request):
        now = request.context.get("gatehouse_now")
        if now is None or self.credentials is None:
            return super().add_auth(request)
        request.context["timestamp"] = now().strftime(botocore.auth.SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        canonical_request = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical_request)
        self._inject_signature_to_request(request, self.signature(string_to_sign, request))
        return None


_SIGNER_NAME = "gatehouse-server-clock-v4"
botocore.auth.AUTH_TYPE_MAPS.setdefault(_SIGNER_NAME, _ServerClockSigV4Auth)

_DEFAULT_CONFIG = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                         connect_timeout=5, read_timeout=60)


class GatehouseSession(boto3.session.Session):
    """A boto3 Session with one principal's credentials whose clients and resources talk to the
    gatehouse server: endpoint_url, region and signing time default to the server's, and a call is
    tried once (a refusal is never retried into another answer). `.principal` is the ARN."""

    def __init__(self, server, principal, credentials):
        super().__init__(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials.get("SessionToken"),
                         region_name=server.region)
        self.principal = principal
        self.gatehouse = server
        self.expiration = credentials.get("Expiration")

    def _defaults(self, kwargs):
        if kwargs.get("endpoint_url") is None:
            kwargs["endpoint_url"] = self.gatehouse.endpoint
        config = kwargs.get("config")
        kwargs["config"] = _DEFAULT_CONFIG.merge(config) if config is not None else _DEFAULT_CONFIG
        return kwargs

    def _instrument(self, client):
        client._gatehouse = self.gatehouse
        client._gatehouse_principal = self.principal
        client.meta.events.register("choose-signer", self.gatehouse._choose_signer)
        return client

    def client(self, service_name, *args, **kwargs):
        if args:
            raise TypeError("pass the client's options by keyword")
        return self._instrument(super().client(service_name, **self._defaults(kwargs)))

    def resource(self, service_name, *args, **kwargs):
        if args:
            raise TypeError("pass the resource's options by keyword")
        resource = super().resource(service_name, **self._defaults(kwargs))
        self._instrument(resource.meta.client)
        return resource


class Gatehouse:
    """One `gatehouse serve --ephemeral` process.

        with Gatehouse(world="world.json") as gh:
            lam = gh.client("lambda", principal="arn:aws:iam::111111111111:user/dev")

    `world` is a world file (the bootstrap format plus functions); `clock` an ISO 8601 time the
    server's clock starts at; `args` more `serve` arguments (`--no-grpc`, `--region` ...)."""

    def __init__(self, binary=None, world=None, clock=None, args=(), startup_timeout=10.0):
        self.binary = find_binary(binary)
        self.world = os.path.abspath(world) if world else None
        self.start_clock = _iso(clock) if clock else None
        self.extra_args = list(args)
        self.startup_timeout = startup_timeout
        self.process = None
        self.stderr_tail = collections.deque(maxlen=200)
        self.endpoint = self.grpc = self.region = None
        self.accounts = []
        self.control_token = None  # the ready line's: every control call carries it
        self.ready = {}
        self.clock = Clock(self)
        self._offset = 0.0  # server time minus this machine's time, in seconds

    # -- process -------------------------------------------------------------------------------
    def command(self):
        command = [self.binary, "serve", "--ephemeral", "--listen", "127.0.0.1:0"]
        if self.world:
            command += ["--world", self.world]
        if self.start_clock:
            command += ["--clock", self.start_clock]
        return command + self.extra_args

    def start(self):
        """Starts the server and waits for its ready line; returns self."""
        if self.process is not None:
            return self
        try:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True, start_new_session=True)
        except OSError as e:
            raise GatehouseError("cannot run %s: %s" % (self.binary, e)) from e
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        lines = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        line = lines[0] if lines else ""
        try:
            ready = json.loads(line) if line.strip() else None
        except ValueError:
            ready = None
        if not isinstance(ready, dict) or "endpoint" not in ready:
            status = self.process.poll()
            self.stop()
            time.sleep(0.05)  # the last lines of standard error
            raise GatehouseError("gatehouse did not start (%s; ready line %r):\n%s\ncommand: %s" % (
                "exit status %s" % status if status is not None else "no ready line in %gs" % self.startup_timeout,
                line.strip(), "\n".join(self.stderr_tail), " ".join(self.command())))
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        self.ready = ready
        self.endpoint = ready["endpoint"].rstrip("/")
        self.grpc = ready.get("grpc")
        self.region = ready.get("region", "us-east-1")
        self.accounts = list(ready.get("accounts", []))
        self.control_token = ready.get("controlToken")
        self.clock.now()
        return self

    def _drain_stderr(self):
        for line in self.process.stderr:
            self.stderr_tail.append(line.rstrip("\n"))

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s; the server removes everything it made."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- control calls (unsigned, with the ready line's control token; an ephemeral server only) -------------------------------------
    def _control(self, method, path, body=None):
        if self.endpoint is None:
            raise GatehouseError("the server is not started")
        data = json.dumps(body).encode() if body is not None else None
        headers = {CONTROL_TOKEN_HEADER: self.control_token or ""}
        if data:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.endpoint + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as e:
            raise GatehouseError("%s %s: HTTP %d %s" % (method, path, e.code, e.read().decode(errors="replace"))) from None
        except urllib.error.URLError as e:
            raise GatehouseError("%s %s: %s\n%s" % (method, path, e.reason, "\n".join(self.stderr_tail)))
        return json.loads(text) if text.strip() else None

    def _update_clock(self, answer):
        now = _parse_time(answer["now"])
        self._offset = now.timestamp() - time.time()
        return now

    def _server_now(self):
        """The server's time as botocore's signer wants it (naive UTC)."""
        return datetime.datetime.utcfromtimestamp(time.time() + self._offset)

    def _choose_signer(self, signature_version=None, context=None, **_):
        if signature_version == "v4" and context is not None:
            context["gatehouse_now"] = self._server_now
            return _SIGNER_NAME
        return None

    def reset(self):
        """The world back to what the world file declared (and the clock to its start)."""
        self._control("POST", "/_gatehouse/reset")
        self.clock.now()

    def principal_arn(self, principal=None):
        """A full ARN from `principal`: an ARN as is; `user/NAME`, `role/NAME` or `root` in the
        first account; None is the first account's root."""
        if principal is None:
            principal = "root"
        if principal.startswith("arn:"):
            return principal
        if not self.accounts:
            raise GatehouseError("the world has no accounts; name the principal by ARN")
        if principal == "root":
            return "arn:aws:iam::%s:root" % self.accounts[0]
        return "arn:aws:iam::%s:%s" % (self.accounts[0], principal)

    def credentials(self, principal=None):
        """{"AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?} for a user, a role
        (a fresh session) or an account root."""
        return self._control("POST", "/_gatehouse/credentials", {"principal": self.principal_arn(principal)})

    def session(self, principal=None):
        """A boto3 Session signed as `principal` whose clients default to this server."""
        arn = self.principal_arn(principal)
        return GatehouseSession(self, arn, self.credentials(arn))

    def client(self, service_name, principal=None, **kwargs):
        """A boto3 client of `service_name` ("lambda", "iam", "sts") signed as `principal`."""
        return self.session(principal).client(service_name, **kwargs)

    def explain(self, principal, action, resource="*", context=None):
        """The decision the server makes for `principal` doing `action` on `resource` with these
        context values, and why (an Explanation)."""
        arn = self.principal_arn(principal)
        answer = self._control("POST", "/_gatehouse/explain",
                               {"principal": arn, "action": action, "resource": resource, "context": context or {}})
        explanation = Explanation(answer)
        explanation.setdefault("principal", arn)
        explanation.setdefault("action", action)
        explanation.setdefault("resource", resource)
        return explanation

    def assert_allowed(self, *args, **kwargs):
        """`assert_allowed` (gatehouse_testing.assertions) against this server."""
        from .assertions import assert_allowed
        __tracebackhide__ = True
        return assert_allowed(*args, gatehouse=self, **kwargs)

    def assert_denied(self, *args, **kwargs):
        """`assert_denied` (gatehouse_testing.assertions) against this server."""
        from .assertions import assert_denied
        __tracebackhide__ = True
        return assert_denied(*args, gatehouse=self, **kwargs)
