"""The plugin's own tests: each runs a small test suite with pytester against the real binary
($GATEHOUSE_BIN) and checks what passes, what fails, and what the failures say."""
import json

import pytest

DEV = "arn:aws:iam::111111111111:user/dev"


def world(account="111111111111"):
    return {
        "accounts": [{
            "id": account,
            "rootAccessKeys": [{"accessKeyId": "AKIAROOT" + account, "secretAccessKey": "rootSecretEXAMPLE" + "0" * 23}],
            "users": [{
                "name": "dev",
                "inlinePolicies": {"dev": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "Read", "Effect": "Allow", "Action": ["lambda:List*", "lambda:Get*"], "Resource": "*"},
                        {"Sid": "NoDelete", "Effect": "Deny", "Action": "lambda:DeleteFunction", "Resource": "*"},
                    ]}},
            }],
            "roles": [{
                "name": "deployer",
                "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
                     "Action": "sts:AssumeRole"}]},
                "inlinePolicies": {"deploy": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "Deploy", "Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}},
            }],
        }],
    }


@pytest.fixture
def suite(pytester):
    pytester.makefile(".json", world=json.dumps(world()))
    pytester.makeini("[pytest]\ngatehouse_world = world.json\n")
    return pytester


def test_failures_say_what_was_decided_and_why(suite):
    suite.makepyfile(test_inner='''
        from gatehouse_testing import assert_allowed, assert_denied
        DEV = "%s"

        def test_passes(gatehouse):
            lam = gatehouse.client("lambda", principal=DEV)
            assert_allowed(lam.list_functions)
            error = assert_denied(lam.delete_function, FunctionName="f", reason="explicitDeny", statement="NoDelete")
            assert error.response["Error"]["Code"] == "AccessDeniedException"
            assert_denied(lam.update_function_configuration, FunctionName="f", Timeout=3, reason="implicitDeny")
            gatehouse.assert_denied(DEV, "lambda:DeleteFunction", "*", reason="explicitDeny", statement="NoDelete")
            gatehouse.assert_allowed(DEV, "lambda:GetFunction", "*", statement="Read")

        def test_denied_but_allowed(gatehouse):
            assert_denied(gatehouse.client("lambda", principal=DEV).list_functions)

        def test_allowed_but_denied(gatehouse):
            assert_allowed(gatehouse.client("lambda", principal=DEV).delete_function, FunctionName="f")

        def test_wrong_reason(gatehouse):
            lam = gatehouse.client("lambda", principal=DEV)
            assert_denied(lam.delete_function, FunctionName="f", reason="implicitDeny")

        def test_wrong_statement(gatehouse):
            lam = gatehouse.client("lambda", principal=DEV)
            assert_denied(lam.delete_function, FunctionName="f", statement="Read")

        def test_not_a_denial(gatehouse):
            assert_denied(gatehouse.client("lambda", principal=DEV).get_function, FunctionName="missing")

        def test_explain_form_fails(gatehouse):
            gatehouse.assert_allowed(DEV, "lambda:DeleteFunction", "*")
    ''' % DEV)
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=6)
    result.stdout.fnmatch_lines([
        "*expected AccessDenied, but the call succeeded*",
        "*expected allowed, got AccessDeniedException: User: %s is not authorized to perform: "
        "lambda:DeleteFunction on resource: *with an explicit deny*" % DEV,
        "*explain: %s lambda:DeleteFunction on *: explicitDeny by *NoDelete*" % DEV,
    ])
    result.stdout.fnmatch_lines(["*expected implicitDeny, got explicitDeny*"])
    result.stdout.fnmatch_lines(["*but not by statement Read*"])
    result.stdout.fnmatch_lines(["*expected AccessDenied, got ResourceNotFoundException*"])
    result.stdout.fnmatch_lines(["E *AssertionError: expected allowed, got explicitDeny",
                                 "E *explain: %s lambda:DeleteFunction on [*]: explicitDeny by *NoDelete" % DEV],
                                consecutive=True)


def test_each_test_starts_from_the_world_file(suite):
    suite.makepyfile(test_inner='''
        import botocore.exceptions, pytest

        def test_creates(gatehouse):
            iam = gatehouse.client("iam")  # the first account's root
            iam.create_user(UserName="temp")
            assert iam.get_user(UserName="temp")["User"]["UserName"] == "temp"

        def test_sees_it_gone(gatehouse):
            with pytest.raises(botocore.exceptions.ClientError) as e:
                gatehouse.client("iam").get_user(UserName="temp")
            assert e.value.response["Error"]["Code"] == "NoSuchEntity"
    ''')
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_marker_serves_another_world(suite):
    suite.makefile(".json", other=json.dumps(world("222222222222")))
    suite.makepyfile(test_inner='''
        import pytest

        def test_default(gatehouse):
            assert gatehouse.accounts == ["111111111111"]

        @pytest.mark.gatehouse_world("other.json")
        def test_marked(gatehouse):
            assert gatehouse.accounts == ["222222222222"]
            arn = "arn:aws:iam::222222222222:user/dev"
            assert gatehouse.session(arn).client("sts").get_caller_identity()["Arn"] == arn

        def test_default_again(gatehouse):
            assert gatehouse.accounts == ["111111111111"]
    ''')
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_a_role_is_a_session_and_the_clock_moves(suite):
    suite.makepyfile(test_inner='''
        import datetime

        def test_role(gatehouse):
            session = gatehouse.session("role/deployer")
            assert session.get_credentials().token
            arn = session.client("sts").get_caller_identity()["Arn"]
            assert arn.startswith("arn:aws:sts::111111111111:assumed-role/deployer/")
            gatehouse.assert_allowed("arn:aws:iam::111111111111:role/deployer", "lambda:CreateFunction", "*",
                                     statement="Deploy")

        def test_clock(gatehouse):
            start = gatehouse.clock.set("2030-01-01T00:00:00Z")
            assert start == datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
            later = gatehouse.clock.advance(hours=2)
            assert later - start >= datetime.timedelta(hours=2)
            assert later - start < datetime.timedelta(hours=2, minutes=1)
            # requests are signed at the server's time, so they still authenticate
            sts = gatehouse.client("sts", principal="user/dev")
            assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::111111111111:user/dev"
    ''')
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_no_server_without_the_fixture_and_a_clear_error_without_a_binary(suite, monkeypatch):
    monkeypatch.setenv("GATEHOUSE_BIN", str(suite.path / "no-such-gatehouse"))
    suite.makepyfile(test_inner='''
        def test_without(): pass

        def test_with(gatehouse): pass
    ''')
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*cannot run *no-such-gatehouse*"])
