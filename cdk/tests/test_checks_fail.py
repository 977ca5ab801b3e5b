"""The checks catch what they are there to catch: each one fails on a deliberately broken stack."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from . import checks


def test_a_lambda_function_and_an_auto_delete_bucket_are_reported() -> None:
    stack = Stack(App(), "Broken")
    lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )
    s3.Bucket(
        stack,
        "Bucket",
        auto_delete_objects=True,
        removal_policy=__import__("aws_cdk").RemovalPolicy.DESTROY,
    )
    found = checks.lambda_violations(Template.from_stack(stack))
    assert any("AWS::Lambda::Function" in f for f in found)
    assert any("custom resource" in f for f in found)


def test_a_queue_without_dead_letter_queue_is_reported() -> None:
    stack = Stack(App(), "Broken")
    sqs.Queue(stack, "Lonely", queue_name="pocdex-lonely", visibility_timeout=Duration.seconds(30))
    assert checks.queues_without_dead_letter(Template.from_stack(stack)) == ["pocdex-lonely"]


def test_a_single_az_unencrypted_unprotected_database_is_reported() -> None:
    stack = Stack(App(), "Broken")
    rds.CfnDBInstance(
        stack,
        "Db",
        engine="postgres",
        db_instance_class="db.t4g.micro",
        multi_az=False,
        allocated_storage="20",
        master_username="x",
        manage_master_user_password=True,
    )
    template = Template.from_stack(stack)
    assert checks.not_multi_az(template) == ["Db"]
    assert checks.unencrypted(template) == ["Db"]
    assert checks.without_deletion_protection(template) == ["Db"]


def test_an_unacknowledged_nag_finding_fails_synthesis(tmp_path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Broken")
    sqs.Queue(stack, "Plain", encryption=sqs.QueueEncryption.UNENCRYPTED)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match=r"ValidationFailed(.|\n)*AwsSolutions-SQS2"):
        app.synth()


def test_an_acknowledged_nag_finding_passes(tmp_path) -> None:
    from pocdex_cdk.nag import acknowledge

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Fine")
    dlq = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    acknowledge(dlq, "AwsSolutions-SQS3", "This is a dead-letter queue.")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assert app.synth().stacks[0].template["Resources"]


def test_an_acknowledgement_needs_a_reason() -> None:
    from pocdex_cdk.nag import acknowledge

    stack = Stack(App(), "Any")
    with pytest.raises(ValueError, match="reason"):
        acknowledge(sqs.Queue(stack, "Q"), "AwsSolutions-SQS3", "  ")
