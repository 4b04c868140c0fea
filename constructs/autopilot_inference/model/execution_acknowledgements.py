"""cdk-nag acknowledgements of the default execution role's inherent wildcards.

Keyed by the statement ids of :mod:`autopilot_inference.model.execution_permissions`: a statement
renamed there is no longer explained here, and its wildcard becomes a finding again.
"""

from __future__ import annotations

import re

from aws_cdk import aws_iam as iam

from ..compliance.acknowledgements import (
    ARN_PART,
    ARN_START,
    Classifier,
    Wildcard,
    acknowledge,
    at_synthesis,
    explained_wildcards,
)
from . import execution_permissions as ep

_ECR_REPOSITORIES = re.compile(rf"{ARN_START}ecr:{ARN_PART}:\*:repository/\*$")
_SAGEMAKER_LOG_GROUPS = re.compile(
    rf"{ARN_START}logs:{ARN_PART}:{ARN_PART}:log-group:{re.escape(ep.SAGEMAKER_LOG_GROUPS)}$"
)
_EC2_IN_ACCOUNT = re.compile(rf"{ARN_START}ec2:{ARN_PART}:{ARN_PART}:(network-interface|subnet|security-group)/\*$")
_S3_LITERAL = re.compile(rf"{ARN_START}s3:::([a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9])/([^*]*)\*$")
_S3_TOKEN = re.compile(rf"{ARN_START}s3:::\{{.*\}}\*$")  # s3://<token> -> arn:...:s3:::{"Fn::Select":...}*

_S3_WHAT = {
    ep.READ_MODEL_ARTIFACTS_SID: (
        "GetObject on the model artifacts below an automl_output_s3_uri: the AutoML job chose their keys "
        "(one model.tar.gz per container and candidate), so only the job's output prefix is known"
    ),
    ep.READ_TRANSFORM_INPUTS_SID: (
        "GetObject on the transform input objects whose keys start with an input_s3_uri: an S3Prefix (or "
        "manifest) input names many objects by their common start"
    ),
    ep.WRITE_RESULTS_SID: (
        "PutObject on keys below an output_s3_uri or a data capture destination: SageMaker names the result "
        "objects after the input files and the captured data after endpoint, variant and time"
    ),
}


def _s3_reason(sid: str, value: str) -> str | None:
    what = _S3_WHAT.get(sid)
    if what is None:
        return None
    literal = _S3_LITERAL.match(value)
    if literal:
        return f"{what}; the pattern spans s3://{literal.group(1)}/{literal.group(2)}... only."
    if _S3_TOKEN.match(value):
        return f"{what}; the location is a token given to the construct and the pattern spans the keys below it only."
    return None


_KMS_KEYS = (
    "only on the customer-managed keys passed for transform output, volumes or captured data (the statement "
    "lists their ARNs)"
)
_KMS_WILDCARD_ACTIONS = {
    "kms:GenerateDataKey*": (
        f"'kms:GenerateDataKey*' (GenerateDataKey and its WithoutPlaintext and Pair variants) {_KMS_KEYS}: "
        "SageMaker encrypts what it writes with data keys of those keys."
    ),
    "kms:ReEncrypt*": (
        f"'kms:ReEncrypt*' (ReEncryptFrom and ReEncryptTo) {_KMS_KEYS}: part of the encrypt-and-decrypt set "
        "CDK's key grants use (grantEncryptDecrypt); it re-encrypts under those keys only."
    ),
}


def execution_role_classifier(policy_name: str | None = ep.EXECUTION_POLICY_NAME) -> Classifier:
    """The reason for each wildcard of the default role's own policy that has the expected shape.

    ``policy_name`` is the policy considered (``None``: any policy of the node, for a policy of
    the library's own, such as a consumer stack's grants).
    """

    def classify(wildcard: Wildcard) -> str | None:
        if policy_name is not None and wildcard.policy_name != policy_name:
            return None
        sid, actions, value = wildcard.sid, wildcard.actions, wildcard.value
        if wildcard.kind == "Action":
            if sid == ep.ENCRYPT_WITH_KEYS_SID and value in _KMS_WILDCARD_ACTIONS:
                return _KMS_WILDCARD_ACTIONS[value]
            return None
        if value == "*":
            if sid == ep.PULL_IMAGES_AUTH_SID and actions == {"ecr:GetAuthorizationToken"}:
                return (
                    "ecr:GetAuthorizationToken has no resource-level permissions: SageMaker needs the "
                    "account-wide registry token to pull the Autopilot inference images."
                )
            condition = wildcard.statement.get("Condition", {}).get("StringLike", {})
            if (
                sid == ep.PUT_METRICS_SID
                and actions == {"cloudwatch:PutMetricData"}
                and condition.get("cloudwatch:namespace") == ep.SAGEMAKER_METRIC_NAMESPACES
            ):
                return (
                    "cloudwatch:PutMetricData has no resource-level permissions; the cloudwatch:namespace "
                    "condition limits it to SageMaker's /aws/sagemaker/* metric namespaces."
                )
            if sid == ep.DESCRIBE_NETWORK_SID and actions <= set(ep.ENI_DESCRIBE_ACTIONS):
                return (
                    "The ec2:Describe* calls SageMaker makes for models in a VPC (subnets, security groups, "
                    "network interfaces, DHCP options) have no resource-level permissions."
                )
            return None
        if sid == ep.PULL_IMAGES_SID and actions <= set(ep.ECR_PULL_ACTIONS) and _ECR_REPOSITORIES.match(value):
            return (
                "Pull-only (BatchGetImage, GetDownloadUrlForLayer, BatchCheckLayerAvailability) on the region's "
                "repositories: the Autopilot inference images live in AWS-owned registries whose account differs "
                "per region and per container, and the candidate (so its images) is chosen at deploy time."
            )
        if sid == ep.WRITE_LOGS_SID and actions <= set(ep.LOG_ACTIONS) and _SAGEMAKER_LOG_GROUPS.match(value):
            return (
                "SageMaker creates and writes its own log groups under /aws/sagemaker/ (TransformJobs, "
                "Endpoints/<name>) with a stream per instance, named at run time; limited to this account and region."
            )
        network = _EC2_IN_ACCOUNT.match(value)
        if (
            network
            and sid in (ep.CREATE_NETWORK_INTERFACES_SID, ep.MANAGE_NETWORK_INTERFACES_SID)
            and actions <= set(ep.ENI_MANAGE_ACTIONS)
        ):
            return (
                f"'{network.group(1)}/*': SageMaker creates and deletes the network interfaces of models in a VPC at "
                "run time, in subnets and security groups chosen per model, so their ids are unknown at synthesis; "
                "limited to this account and region, and (ec2:Vpc) to the models' VPCs (a new interface carries no "
                "ec2:Vpc key: it is bound through its subnet and security groups)."
            )
        return _s3_reason(sid or "", value)

    return classify


def acknowledge_execution_role_findings(owner: iam.Role | iam.Policy) -> None:
    """Acknowledge, at synthesis, the inherent wildcards of the default execution role, or of a consumer's grants.

    For the role, only its own inline policy is considered; statements users add to the role
    (a ``DefaultPolicy``) are theirs to review. A policy (``ConsumerExecutionGrants``) holds the
    library's statements only.
    """

    def run() -> None:
        node = owner.node.default_child
        if isinstance(node, iam.CfnRole):
            acknowledge(node, explained_wildcards(node, execution_role_classifier()))
        elif isinstance(node, iam.CfnPolicy):
            acknowledge(node, explained_wildcards(node, execution_role_classifier(None)))

    at_synthesis(owner, run)


__all__ = ["acknowledge_execution_role_findings", "execution_role_classifier"]
