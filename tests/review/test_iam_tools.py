"""The IAM test tools themselves: the reference checker finds what AWS would refuse, the evaluator
decides as IAM's documented evaluation logic does."""

from __future__ import annotations

import pytest
from support.iam_eval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate
from support.iam_reference import PolicyStatement, check_statement, check_with_parliament, patterns_overlap

ARN = "arn:aws:sagemaker:us-east-1:111122223333"


def findings(statement: dict) -> list[str]:
    item = PolicyStatement("Policy", 0, {"Effect": "Allow", "Sid": "S", **statement})
    return [problem.message for problem in check_statement(item) + check_with_parliament(item)]


def test_reference_accepts_correct_statements() -> None:
    assert findings({"Action": "sagemaker:ListCandidatesForAutoMLJob", "Resource": "*"}) == []
    assert findings({
        "Action": ["sagemaker:DescribeModel", "sagemaker:DeleteModel"],
        "Resource": f"{ARN}:model/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/autopilot-inference:owner": "x"}},
    }) == []
    assert findings({
        "Action": "sagemaker:CreateTransformJob",
        "Resource": f"{ARN}:transform-job/*",
        "Condition": {"ForAllValues:StringEquals": {"sagemaker:InstanceTypes": ["ml.m5.xlarge"]}},
    }) == []


def test_reference_finds_a_list_action_scoped_to_a_resource() -> None:
    found = findings({"Action": "sagemaker:ListCandidatesForAutoMLJob", "Resource": f"{ARN}:automl-job/churn"})
    assert any("no resource-level permissions" in message for message in found)
    assert any("RESOURCE_MISMATCH" in message for message in found)


def test_reference_finds_unknown_actions_wrong_resource_types_star_and_condition_keys() -> None:
    assert any("does not exist" in m for m in findings({"Action": "sagemaker:CreateModels", "Resource": "*"}))
    assert any("accepts none of" in m for m in findings({"Action": "sagemaker:DescribeModel", "Resource": f"{ARN}:endpoint/x"}))
    assert any("granted on '*'" in m for m in findings({"Action": "sagemaker:DeleteModel", "Resource": "*"}))
    found = findings({
        "Action": "sagemaker:DescribeModel",
        "Resource": f"{ARN}:model/*",
        "Condition": {"StringEquals": {"aws:RequestTag/owner": "x", "sagemaker:InstanceTypes": "y"}},
    })
    assert sum("condition key" in m for m in found) == 2
    # ec2:Vpc is not a key of the interface a CreateNetworkInterface creates.
    assert any("ec2:Vpc" in m for m in findings({
        "Action": "ec2:CreateNetworkInterface",
        "Resource": "arn:aws:ec2:us-east-1:111122223333:network-interface/*",
        "Condition": {"ArnEquals": {"ec2:Vpc": "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1"}},
    }))


@pytest.mark.parametrize(
    ("pattern", "arn_format", "expected"),
    [
        ("arn:aws:ec2:r:a:*", "arn:${Partition}:ec2:${Region}:${Account}:subnet/${SubnetId}", True),
        ("arn:aws:s3:::bucket/key*", "arn:${Partition}:s3:::${BucketName}", False),
        ("arn:aws:s3:::bucket/key*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", True),
        ("arn:aws:logs:r:a:log-group:/aws/sagemaker/*", "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}", True),
    ],
)
def test_resource_patterns_against_arn_formats(pattern: str, arn_format: str, expected: bool) -> None:
    from support.iam_reference import _arn_shape

    assert patterns_overlap(pattern, _arn_shape(arn_format)) is expected


OWNED = {"StringEquals": {"aws:ResourceTag/owner": "stack-a"}}


def test_evaluator_allows_and_denies() -> None:
    statements = [
        {"Effect": "Allow", "Action": "sagemaker:Describe*", "Resource": f"{ARN}:model/*", "Condition": OWNED},
        {"Effect": "Deny", "Action": "sagemaker:DescribeModel", "Resource": f"{ARN}:model/secret-?"},
    ]
    mine = Request("sagemaker:describemodel", f"{ARN}:model/m-1", {"aws:ResourceTag/owner": "stack-a"})
    assert evaluate(statements, mine) == ALLOW
    assert evaluate(statements, Request("sagemaker:DescribeModel", f"{ARN}:model/m-1", {"aws:ResourceTag/owner": "b"})) == IMPLICIT_DENY
    # A resource that is gone has no tag: denied.
    assert evaluate(statements, Request("sagemaker:DescribeModel", f"{ARN}:model/m-1")) == IMPLICIT_DENY
    secret = Request("sagemaker:DescribeModel", f"{ARN}:model/secret-1", {"aws:ResourceTag/owner": "stack-a"})
    assert evaluate(statements, secret) == EXPLICIT_DENY
    # Resources are case-sensitive.
    assert evaluate(statements, Request("sagemaker:DescribeModel", f"{ARN}:MODEL/m-1", {"aws:ResourceTag/owner": "stack-a"})) == IMPLICIT_DENY


def test_evaluator_set_operators_if_exists_null_bool() -> None:
    def allowed(condition: dict, context: dict) -> bool:
        statement = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
        return evaluate([statement], Request("s:a", "r", context)) == ALLOW

    only_owner_free = {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["owner"]}}
    assert allowed(only_owner_free, {"aws:TagKeys": ["team"]})
    assert not allowed(only_owner_free, {"aws:TagKeys": ["team", "owner"]})
    assert allowed(only_owner_free, {})  # ForAllValues holds for a missing key
    assert not allowed({"ForAnyValue:StringEquals": {"k": ["a"]}}, {})
    subnets = {"ForAllValues:StringEquals": {"sagemaker:VpcSubnets": ["s-1", "s-2"]}}
    assert allowed(subnets, {"sagemaker:VpcSubnets": ["s-2"]}) and not allowed(subnets, {"sagemaker:VpcSubnets": ["s-3"]})
    key = {"StringEqualsIfExists": {"sagemaker:VolumeKmsKey": ["k1"]}}
    assert allowed(key, {}) and allowed(key, {"sagemaker:VolumeKmsKey": "k1"}) and not allowed(key, {"sagemaker:VolumeKmsKey": "k2"})
    assert not allowed({"StringEquals": {"k": "v"}}, {})
    assert allowed({"StringNotEquals": {"k": "v"}}, {})
    assert allowed({"Null": {"k": "true"}}, {}) and not allowed({"Null": {"k": "true"}}, {"k": "v"})
    assert allowed({"Bool": {"sagemaker:NetworkIsolation": "true"}}, {"sagemaker:NetworkIsolation": "true"})
    assert not allowed({"Bool": {"sagemaker:NetworkIsolation": "true"}}, {"sagemaker:NetworkIsolation": "false"})
    vpc = "arn:aws:ec2:r:a:vpc/vpc-1"
    assert allowed({"ArnEqualsIfExists": {"ec2:Vpc": [vpc]}}, {}) and not allowed({"ArnEquals": {"ec2:Vpc": [vpc]}}, {})
    assert allowed({"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:a:*"}}, {"aws:SourceArn": "arn:aws:sagemaker:r:a:model/x"})
