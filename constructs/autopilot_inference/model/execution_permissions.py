"""What a SageMaker execution role needs to run an Autopilot model: actions, statement ids, statements.

The stack's shared :class:`~autopilot_inference.model.execution_role.DefaultExecutionRole` groups
these statements per stack; a role the user passed (``role=``) gets them one by one from
:class:`~autopilot_inference.model.model.AutopilotModel`. The statement ids (``*_SID``) are the keys
of the role's cdk-nag acknowledgements (:mod:`autopilot_inference.model.execution_acknowledgements`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from .._private.arns import s3_bucket_arn, s3_list_conditions, s3_object_arn
from .._private.lazy import lazy_list
from .._private.tokens import is_token

EXECUTION_POLICY_NAME = "AutopilotModelExecution"
"""The default execution role's inline policy."""

ECR_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
LOG_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
)
ENI_DESCRIBE_ACTIONS = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
ENI_MANAGE_ACTIONS = (
    "ec2:CreateNetworkInterface",  # first: see network_statements
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
S3_READ_ACTIONS = ("s3:GetObject",)
S3_WRITE_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload")
KMS_DECRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
KMS_ENCRYPT_DECRYPT_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)

# Statement ids of the default execution role's policy.
PULL_IMAGES_AUTH_SID = "PullImagesAuth"
PULL_IMAGES_SID = "PullImages"
WRITE_LOGS_SID = "WriteLogs"
PUT_METRICS_SID = "PutMetrics"
READ_MODEL_ARTIFACTS_SID = "ReadModelArtifacts"
READ_TRANSFORM_INPUTS_SID = "ReadTransformInputs"
LIST_TRANSFORM_INPUTS_SID = "ListTransformInputs"
"""Followed by a number: one statement per input bucket."""
WRITE_RESULTS_SID = "WriteResults"
DECRYPT_WITH_KEYS_SID = "DecryptWithKeys"
ENCRYPT_WITH_KEYS_SID = "EncryptWithKeys"
DESCRIBE_NETWORK_SID = "DescribeNetwork"
CREATE_NETWORK_INTERFACES_SID = "CreateNetworkInterfacesInModelVpcs"
MANAGE_NETWORK_INTERFACES_SID = "ManageNetworkInterfacesInModelVpcs"

SAGEMAKER_LOG_GROUPS = "/aws/sagemaker/*"
SAGEMAKER_METRIC_NAMESPACES = "/aws/sagemaker/*"


def source_account_condition() -> dict[str, Any]:
    """Trust condition of an execution role: SageMaker may assume it only for this account."""
    return {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}


def base_statements(stack: Stack) -> list[iam.PolicyStatement]:
    """What every model needs: pull its images, write its logs and metrics."""
    return [
        iam.PolicyStatement(sid=PULL_IMAGES_AUTH_SID, actions=["ecr:GetAuthorizationToken"], resources=["*"]),
        iam.PolicyStatement(
            sid=PULL_IMAGES_SID,
            actions=list(ECR_PULL_ACTIONS),
            resources=[stack.format_arn(service="ecr", account="*", resource="repository", resource_name="*")],
        ),
        iam.PolicyStatement(
            sid=WRITE_LOGS_SID,
            actions=list(LOG_ACTIONS),
            resources=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=SAGEMAKER_LOG_GROUPS,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        ),
        iam.PolicyStatement(
            sid=PUT_METRICS_SID,
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": SAGEMAKER_METRIC_NAMESPACES}},
        ),
    ]


def kms_sid(actions: Sequence[str]) -> str:
    """The statement of the default role that holds keys used for ``actions``."""
    return DECRYPT_WITH_KEYS_SID if tuple(actions) == KMS_DECRYPT_ACTIONS else ENCRYPT_WITH_KEYS_SID


def s3_statements(
    uri: str, actions: Sequence[str], *, list_bucket: bool, folder: bool = True
) -> list[iam.PolicyStatement]:
    """``actions`` on the objects under ``uri``, and (``list_bucket``) listing that prefix."""
    statements = [iam.PolicyStatement(actions=list(actions), resources=[s3_object_arn(uri, folder=folder)])]
    if list_bucket and not is_token(uri):
        statements.append(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[s3_bucket_arn(uri)],
                conditions=s3_list_conditions(uri, folder=folder),
            )
        )
    return statements


def kms_statement(key: kms.IKey, actions: Sequence[str]) -> iam.PolicyStatement:
    """``actions`` on ``key`` (the key's policy must let IAM policies of the account grant it)."""
    return iam.PolicyStatement(actions=list(actions), resources=[key.key_arn])


def network_statements(stack: Stack, vpc_arns: Callable[[], list[str]] | list[str]) -> list[iam.PolicyStatement]:
    """What SageMaker needs for the network interfaces of a model in one of ``vpc_arns``.

    The reference supports ``ec2:Vpc`` on the subnet and security groups a new interface uses, and
    on the interface for the other actions; the new interface itself carries no such key (hence
    ``ArnEqualsIfExists`` when creating: the interface passes, its subnet and groups must be in a VPC).
    """
    arns = lazy_list(vpc_arns) if callable(vpc_arns) else list(vpc_arns)

    def arn(resource: str) -> str:
        return stack.format_arn(service="ec2", resource=resource, resource_name="*")

    return [
        iam.PolicyStatement(sid=DESCRIBE_NETWORK_SID, actions=list(ENI_DESCRIBE_ACTIONS), resources=["*"]),
        iam.PolicyStatement(
            sid=CREATE_NETWORK_INTERFACES_SID,
            actions=["ec2:CreateNetworkInterface"],
            resources=[arn("network-interface"), arn("subnet"), arn("security-group")],
            conditions={"ArnEqualsIfExists": {"ec2:Vpc": arns}},
        ),
        iam.PolicyStatement(
            sid=MANAGE_NETWORK_INTERFACES_SID,
            actions=list(ENI_MANAGE_ACTIONS[1:]),
            resources=[arn("network-interface")],
            conditions={"ArnEquals": {"ec2:Vpc": arns}},
        ),
    ]
