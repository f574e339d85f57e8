"""The greeter app's permissions, checked against a real, enforcing gatehouse."""
import datetime

import botocore.exceptions
import pytest

import greeter_app
from gatehouse_testing import assert_allowed, assert_denied

DEV = "arn:aws:iam::111111111111:user/dev"
CONTRACTOR = "arn:aws:iam::111111111111:user/contractor"
ADMIN = "arn:aws:iam::111111111111:user/admin"
GREETER = "arn:aws:lambda:us-east-1:111111111111:function:greeter"


def test_the_session_is_signed_as_its_principal(gatehouse):
    sts = gatehouse.session(DEV).client("sts")
    assert sts.get_caller_identity()["Arn"] == DEV
    assert gatehouse.accounts == ["111111111111"]
    assert gatehouse.region == "us-east-1"


def test_dev_reads_and_invokes_the_greeter(gatehouse):
    lam = gatehouse.client("lambda", principal=DEV)
    configuration = assert_allowed(greeter_app.describe, lam)
    assert configuration["FunctionName"] == "greeter"
    assert greeter_app.greet(lam, "ada") == "hello ada"


def test_dev_may_not_delete_or_reconfigure_it(gatehouse):
    lam = gatehouse.client("lambda", principal=DEV)
    # A Deny statement refuses the delete; nothing allows a configuration change.
    assert_denied(greeter_app.retire, lam, reason="explicitDeny", statement="NoDelete")
    assert_denied(lam.update_function_configuration, FunctionName="greeter", Timeout=10, reason="implicitDeny")
    assert greeter_app.describe(lam)["FunctionName"] == "greeter"


def test_the_same_questions_asked_of_explain(gatehouse):
    gatehouse.assert_allowed(DEV, "lambda:GetFunction", GREETER, statement="ReadAndInvoke")
    gatehouse.assert_denied(DEV, "lambda:DeleteFunction", GREETER, reason="explicitDeny", statement="NoDelete")
    explanation = gatehouse.explain(DEV, "lambda:UpdateFunctionConfiguration", GREETER)
    assert explanation.decision == "implicitDeny"


onboarded = []


def test_the_admin_onboards_a_user(gatehouse):
    iam = gatehouse.client("iam", principal=ADMIN)
    arn = greeter_app.onboard(iam, "carol")
    assert arn == "arn:aws:iam::111111111111:user/carol"
    # The new user signs her own requests, with what onboard gave her.
    carol = gatehouse.client("lambda", principal=arn)
    assert_allowed(carol.get_function, FunctionName="greeter")
    assert_denied(carol.invoke, FunctionName="greeter", reason="implicitDeny")
    onboarded.append(arn)


def test_the_next_test_starts_from_the_world_file_again(gatehouse):
    if not onboarded:
        pytest.skip("shows the reset after test_the_admin_onboards_a_user")
    iam = gatehouse.client("iam", principal=ADMIN)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        iam.get_user(UserName="carol")
    assert refused.value.response["Error"]["Code"] == "NoSuchEntity"


def test_the_contractor_reads_until_june(gatehouse):
    # pytest.ini starts the server's clock on 1 January 2026.
    assert gatehouse.clock.now() < datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    lam = gatehouse.client("lambda", principal=CONTRACTOR)
    assert_allowed(lam.get_function, FunctionName="greeter")
    gatehouse.clock.advance(days=151)  # 1 June: the condition no longer holds
    assert_denied(lam.get_function, FunctionName="greeter", reason="implicitDeny")
    gatehouse.clock.set("2026-05-31T23:00:00Z")
    assert_allowed(lam.get_function, FunctionName="greeter")


def test_the_clock_is_back_at_its_start_after_the_reset(gatehouse):
    assert gatehouse.clock.now() < datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
