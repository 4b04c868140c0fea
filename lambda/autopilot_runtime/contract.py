"""The custom resources' contract, shared by the constructs and the handler, in one place.

Both sides import the names here (the constructs as ``from ._lambda.autopilot_runtime import
contract``); no other module spells a resource type, a property name, a ``Data`` key or a
limit (``tests/package/test_contract.py`` walks every module's string literals to keep it so).

Sections: platform limits of the handler; resource types; properties of
``Custom::AutopilotModel`` and ``Custom::AutopilotTransformJob``; their ``Data`` (GetAtt)
attributes; API limits; enumerations (checked against botocore's SageMaker model);
name patterns.

CloudFormation keeps every resource made with these names: add names, never rename or remove one.
"""

from __future__ import annotations

import re

# --- Limits of the platform the handler runs on ---------------------------------------------------
# The construct sets the handler function's timeout from HANDLER_TIMEOUT_SECONDS;
# every client's timeouts and retries, the deadline check before each call and the length
# of failure reasons are computed from the constants here.

# The handler function's timeout (the construct's ``timeout``): one invocation, on_event or a job event.
HANDLER_TIMEOUT_SECONDS = 300

# botocore client settings: a call with every retry must end well inside one invocation.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20
MAX_ATTEMPTS = 3
# Standard retry mode waits at most 20 s between attempts, plus up to 5 s when the service
# sends ``x-amz-retry-after`` (botocore.retries.standard.ExponentialBackoff).
MAX_BACKOFF_SECONDS = 25
# Time kept back to build and return a failure after the last call gave up.
REPORT_RESERVE_SECONDS = 20


def call_budget_seconds() -> int:
    """The longest one API call can take with its retries: every attempt times out, every backoff is maximal."""
    return MAX_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + (MAX_ATTEMPTS - 1) * MAX_BACKOFF_SECONDS


def minimum_remaining_seconds() -> int:
    """A call starts only with this much of the invocation left: its whole budget and time to report."""
    return call_budget_seconds() + REPORT_RESERVE_SECONDS


# CloudFormation refuses a custom-resource response above 4096 bytes ("Response object is
# too long"). The framework's reason is its JavaScript error's stack: "Error: <message>", its
# log group line and up to 10 frames; the response also holds the ids and Data.
RESPONSE_LIMIT_BYTES = 4096
FRAMEWORK_REASON_OVERHEAD_BYTES = 1200
MAX_REASON_BYTES = 1800

# A waited transform job is waited for by an AWS::CloudFormation::WaitCondition, signalled when the
# job's own state-change event arrives: its Timeout is at most 43,200 s (12 hours).
MAX_WAIT_SECONDS = 12 * 60 * 60
MAX_WAIT_HOURS = MAX_WAIT_SECONDS // 3600
# The default wait_timeout is what it was with the provider framework's poller (55 minutes).
DEFAULT_WAIT_TIMEOUT_MINUTES = 55
DEFAULT_WAIT_TIMEOUT_SECONDS = DEFAULT_WAIT_TIMEOUT_MINUTES * 60


# A CreateTransformJob starts only with this much of the invocation left: the call with its retries,
# then the ListTransformJobs that finds the job under its name when the call's answer was lost, and
# time to report. Nothing can then end the invocation between the job's start and its adoption.
def create_remaining_seconds() -> int:
    """The time a CreateTransformJob needs left: its budget, a list call's and the report reserve."""
    return 2 * call_budget_seconds() + REPORT_RESERVE_SECONDS


# --- Wait conditions and the job events that signal them ------------------------------------------
# The EventBridge event SageMaker sends when a transform job's status changes (source aws.sagemaker).
SAGEMAKER_EVENT_SOURCE = "aws.sagemaker"
TRANSFORM_JOB_STATE_CHANGE = "SageMaker Transform Job State Change"
TRANSFORM_JOB_END_STATUSES = ("Completed", "Failed", "Stopped")
# The tag a waited job carries: the logical id of the wait condition handle to signal when it ends.
WAIT_HANDLE_TAG_KEY = "autopilot-inference:wait-handle"


# --- Resource types -------------------------------------------------------------------------------
MODEL_RESOURCE_TYPE = "Custom::AutopilotModel"
TRANSFORM_JOB_RESOURCE_TYPE = "Custom::AutopilotTransformJob"
# A candidate registered as a version of a model package group (the registry).
MODEL_PACKAGE_RESOURCE_TYPE = "Custom::AutopilotModelPackage"
# A SageMaker model of a registered (Approved) version.
PACKAGE_MODEL_RESOURCE_TYPE = "Custom::AutopilotPackageModel"
RESOURCE_TYPES = (MODEL_RESOURCE_TYPE, TRANSFORM_JOB_RESOURCE_TYPE, MODEL_PACKAGE_RESOURCE_TYPE, PACKAGE_MODEL_RESOURCE_TYPE)

# --- Properties of both resource types ------------------------------------------------------------
# Set by the framework, not by us: never part of a resource's configuration.
SERVICE_TOKEN = "ServiceToken"
# Tags are applied in place; they never replace a model or start a new job.
TAGS = "Tags"
# Members of a Tags item (CloudFormation's and the SageMaker API's).
TAG_KEY = "Key"
TAG_VALUE = "Value"

# --- Properties of Custom::AutopilotModel ---------------------------------------------------------
AUTOML_JOB_NAME = "AutoMLJobName"
CANDIDATE_NAME = "CandidateName"
INFERENCE_RESPONSE_KEYS = "InferenceResponseKeys"
EXECUTION_ROLE_ARN = "ExecutionRoleArn"
MODEL_NAME_PREFIX = "ModelNamePrefix"
VPC_CONFIG = "VpcConfig"
# Members of VpcConfig (the CreateModel request's VpcConfig, passed on as it is).
SECURITY_GROUP_IDS = "SecurityGroupIds"
SUBNETS = "Subnets"
ENABLE_NETWORK_ISOLATION = "EnableNetworkIsolation"
ARTIFACT_S3_URI = "ArtifactS3Uri"
PROCESSING_UNIT = "ProcessingUnit"
SOURCE_ROLE_ARN = "SourceRoleArn"
# Set on a model that a serverless endpoint serves: SageMaker serverless inference runs no
# inference pipelines, so the handler refuses a multi-container candidate before CreateModel.
SINGLE_CONTAINER_REQUIRED = "SingleContainerRequired"
# The version of the model's Data the constructs read (GetAtt). Not part of the configuration:
# raising it makes CloudFormation send an Update that rebuilds Data in place (new keys for a
# model made by an older handler), never a new model. 2: InputContentTypes and AcceptTypes.
MODEL_DATA_VERSION = "DataVersion"
MODEL_DATA_VERSION_VALUE = "2"

# Template metadata (not a property) on a consumer stack's copy of a model of another stack:
# the construct path of the model it copies, for `summary` and `diff`.
MODEL_COPY_METADATA = "autopilot-inference:copy-of"
MODEL_IN_PLACE_PROPERTIES = (MODEL_DATA_VERSION,)

# Every property Custom::AutopilotModel has ever been created with: an unknown one is refused,
# naming it, so a misspelt property never deploys the defaults silently. Only ever add here.
MODEL_PROPERTIES = (
    SERVICE_TOKEN,
    AUTOML_JOB_NAME,
    CANDIDATE_NAME,
    INFERENCE_RESPONSE_KEYS,
    EXECUTION_ROLE_ARN,
    MODEL_NAME_PREFIX,
    VPC_CONFIG,
    ENABLE_NETWORK_ISOLATION,
    ARTIFACT_S3_URI,
    PROCESSING_UNIT,
    SOURCE_ROLE_ARN,
    SINGLE_CONTAINER_REQUIRED,
    MODEL_DATA_VERSION,
    TAGS,
)

# --- Properties of Custom::AutopilotTransformJob --------------------------------------------------
# Passed to CreateTransformJob as they are: each is also a member of its request (botocore's name).
MODEL_NAME = "ModelName"
TRANSFORM_INPUT = "TransformInput"
TRANSFORM_OUTPUT = "TransformOutput"
TRANSFORM_RESOURCES = "TransformResources"
BATCH_STRATEGY = "BatchStrategy"
MAX_PAYLOAD_IN_MB = "MaxPayloadInMB"
MAX_CONCURRENT_TRANSFORMS = "MaxConcurrentTransforms"
MODEL_CLIENT_CONFIG = "ModelClientConfig"
DATA_PROCESSING = "DataProcessing"
ENVIRONMENT = "Environment"
TRANSFORM_REQUEST_PROPERTIES = (
    MODEL_NAME,
    TRANSFORM_INPUT,
    TRANSFORM_OUTPUT,
    TRANSFORM_RESOURCES,
    BATCH_STRATEGY,
    MAX_PAYLOAD_IN_MB,
    MAX_CONCURRENT_TRANSFORMS,
    MODEL_CLIENT_CONFIG,
    DATA_PROCESSING,
    ENVIRONMENT,
)
# The request properties a transform job cannot start without.
TRANSFORM_REQUIRED_PROPERTIES = (MODEL_NAME, TRANSFORM_INPUT, TRANSFORM_OUTPUT, TRANSFORM_RESOURCES)
TRANSFORM_JOB_NAME_PREFIX = "TransformJobNamePrefix"
# Properties that change how the handler waits, not the job itself.
WAIT_FOR_COMPLETION = "WaitForCompletion"
WAIT_TIMEOUT_SECONDS = "WaitTimeoutSeconds"
# The logical id of the AWS::CloudFormation::WaitConditionHandle whose wait condition waits for the job
# (absent: nothing waits, or a resource made before wait conditions). A logical id, never the handle's
# pre-signed URL: the handler reads the URL from CloudFormation only when it signals.
WAIT_HANDLE = "WaitHandle"
TRANSFORM_WAIT_PROPERTIES = (WAIT_FOR_COMPLETION, WAIT_TIMEOUT_SECONDS, WAIT_HANDLE)
# What the model reads and answers (its Data InputContentTypes / AcceptTypes, comma-joined; empty:
# not known). Checked against TransformInput.ContentType / TransformOutput.Accept before the job
# starts; never sent to CreateTransformJob and not part of the job's configuration.
MODEL_INPUT_CONTENT_TYPES = "ModelInputContentTypes"
MODEL_ACCEPT_TYPES = "ModelAcceptTypes"
TRANSFORM_MODEL_FACT_PROPERTIES = (MODEL_INPUT_CONTENT_TYPES, MODEL_ACCEPT_TYPES)

# Every property Custom::AutopilotTransformJob has ever been created with (refused otherwise). Only ever add here.
TRANSFORM_JOB_PROPERTIES = (
    SERVICE_TOKEN,
    TRANSFORM_JOB_NAME_PREFIX,
    *TRANSFORM_REQUEST_PROPERTIES,
    *TRANSFORM_WAIT_PROPERTIES,
    *TRANSFORM_MODEL_FACT_PROPERTIES,
    TAGS,
)

# --- Properties of Custom::AutopilotModelPackage -------------------------------------------------
# Also AUTOML_JOB_NAME, CANDIDATE_NAME, INFERENCE_RESPONSE_KEYS, ARTIFACT_S3_URI, PROCESSING_UNIT, SOURCE_ROLE_ARN.
MODEL_PACKAGE_GROUP_NAME = "ModelPackageGroupName"
MODEL_PACKAGE_DESCRIPTION = "ModelPackageDescription"
# The status a new version is registered with; never sent again (approval belongs to people).
MODEL_APPROVAL_STATUS = "ModelApprovalStatus"
SUPPORTED_TRANSFORM_INSTANCE_TYPES = "SupportedTransformInstanceTypes"
SUPPORTED_REALTIME_INFERENCE_INSTANCE_TYPES = "SupportedRealtimeInferenceInstanceTypes"
# "true": DeleteModelPackage when the resource is deleted (default: versions are kept).
DELETE_VERSIONS_ON_REMOVAL = "DeleteVersionsOnRemoval"
# Not what is registered: changing them registers no new version.
MODEL_PACKAGE_IN_PLACE_PROPERTIES = (MODEL_APPROVAL_STATUS, DELETE_VERSIONS_ON_REMOVAL)
# Every property Custom::AutopilotModelPackage has ever been created with (refused otherwise). Only ever add here.
MODEL_PACKAGE_PROPERTIES = (
    SERVICE_TOKEN,
    AUTOML_JOB_NAME,
    CANDIDATE_NAME,
    INFERENCE_RESPONSE_KEYS,
    MODEL_PACKAGE_GROUP_NAME,
    MODEL_PACKAGE_DESCRIPTION,
    MODEL_APPROVAL_STATUS,
    SUPPORTED_TRANSFORM_INSTANCE_TYPES,
    SUPPORTED_REALTIME_INFERENCE_INSTANCE_TYPES,
    ARTIFACT_S3_URI,
    PROCESSING_UNIT,
    SOURCE_ROLE_ARN,
    DELETE_VERSIONS_ON_REMOVAL,
    TAGS,
)

# --- Properties of Custom::AutopilotPackageModel --------------------------------------------------
# Also EXECUTION_ROLE_ARN, MODEL_NAME_PREFIX, VPC_CONFIG, ENABLE_NETWORK_ISOLATION, SINGLE_CONTAINER_REQUIRED.
# The group (ARN) whose newest Approved version to deploy, or one version (ARN): exactly one of them.
MODEL_PACKAGE_GROUP_ARN = "ModelPackageGroupArn"
MODEL_PACKAGE_ARN = "ModelPackageArn"
PACKAGE_MODEL_PROPERTIES = (
    SERVICE_TOKEN,
    MODEL_PACKAGE_GROUP_ARN,
    MODEL_PACKAGE_ARN,
    EXECUTION_ROLE_ARN,
    MODEL_NAME_PREFIX,
    VPC_CONFIG,
    ENABLE_NETWORK_ISOLATION,
    SINGLE_CONTAINER_REQUIRED,
    TAGS,
)

# --- Data of Custom::AutopilotModel (Fn::GetAtt attributes; strings only) -------------------------
ATTR_MODEL_NAME = "ModelName"
ATTR_MODEL_ARN = "ModelArn"
ATTR_CANDIDATE_NAME = "CandidateName"
ATTR_OBJECTIVE_METRIC_NAME = "ObjectiveMetricName"
ATTR_OBJECTIVE_METRIC_VALUE = "ObjectiveMetricValue"
ATTR_PROBLEM_TYPE = "ProblemType"
ATTR_MODE = "Mode"
# The keys as applied, comma-joined (empty: the containers' defaults).
ATTR_INFERENCE_RESPONSE_KEYS = "InferenceResponseKeys"
ATTR_AUTOML_JOB_NAME = "AutoMLJobName"
# Comma-joined media types the model reads / answers; empty means not known (no constraint).
ATTR_INPUT_CONTENT_TYPES = "InputContentTypes"
ATTR_ACCEPT_TYPES = "AcceptTypes"
MODEL_ATTRIBUTES = (
    ATTR_MODEL_NAME,
    ATTR_MODEL_ARN,
    ATTR_CANDIDATE_NAME,
    ATTR_OBJECTIVE_METRIC_NAME,
    ATTR_OBJECTIVE_METRIC_VALUE,
    ATTR_PROBLEM_TYPE,
    ATTR_MODE,
    ATTR_INFERENCE_RESPONSE_KEYS,
    ATTR_AUTOML_JOB_NAME,
    ATTR_INPUT_CONTENT_TYPES,
    ATTR_ACCEPT_TYPES,
)

# --- Data of Custom::AutopilotModelPackage (and, with MODEL_ATTRIBUTES, of Custom::AutopilotPackageModel) --
ATTR_MODEL_PACKAGE_GROUP_NAME = "ModelPackageGroupName"
ATTR_MODEL_PACKAGE_ARN = "ModelPackageArn"
ATTR_MODEL_PACKAGE_VERSION = "ModelPackageVersion"
MODEL_PACKAGE_ATTRIBUTES = (ATTR_MODEL_PACKAGE_GROUP_NAME, ATTR_MODEL_PACKAGE_ARN, ATTR_MODEL_PACKAGE_VERSION)
PACKAGE_MODEL_ATTRIBUTES = (*MODEL_ATTRIBUTES, *MODEL_PACKAGE_ATTRIBUTES)

# --- Data of Custom::AutopilotTransformJob --------------------------------------------------------
ATTR_TRANSFORM_JOB_NAME = "TransformJobName"
ATTR_TRANSFORM_JOB_ARN = "TransformJobArn"
TRANSFORM_JOB_ATTRIBUTES = (ATTR_TRANSFORM_JOB_NAME, ATTR_TRANSFORM_JOB_ARN)

# --- Limits of the SageMaker API and of the provider framework ------------------------------------
# (MAX_WAIT_SECONDS / DEFAULT_WAIT_TIMEOUT_SECONDS above: the wait condition's 12 hours.)
MAX_AUTOML_JOB_NAME_LENGTH = 32
MAX_CANDIDATE_NAME_LENGTH = 64
# Model, transform job, endpoint and variant names.
MAX_NAME_LENGTH = 63
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
MAX_TRANSFORM_ENVIRONMENT_ENTRIES = 16
MAX_TRANSFORM_ENVIRONMENT_VALUE_LENGTH = 10240
MAX_FILTER_LENGTH = 63
MAX_CONTENT_TYPE_LENGTH = 256
# The largest MaxPayloadInMB CreateTransformJob accepts.
PAYLOAD_LIMIT_MB = 100
# TransformResources.InstanceCount: "the maximum is 100" (SageMaker API reference).
MAX_TRANSFORM_INSTANCE_COUNT = 100
# ModelClientConfig: InvocationsTimeoutInSeconds 1-3600, InvocationsMaxRetries 0-3.
MAX_INVOCATIONS_TIMEOUT_SECONDS = 3600
MAX_INVOCATIONS_MAX_RETRIES = 3
# A SageMaker tag value, a tag key, tags of one resource.
MAX_TAG_VALUE_LENGTH = 256
MAX_TAG_KEY_LENGTH = 128
MAX_TAGS = 50
# An S3 URI of a SageMaker request (S3Uri, S3OutputPath).
MAX_S3_URI_LENGTH = 1024

# --- Enumerations (tests/package/test_contract.py checks them against botocore's enums) -----------
CPU = "CPU"
GPU = "GPU"
PROCESSING_UNITS = (CPU, GPU)
DEFAULT_PROCESSING_UNIT = CPU
S3_DATA_TYPES = ("S3Prefix", "ManifestFile", "AugmentedManifestFile")
DEFAULT_S3_DATA_TYPE = "S3Prefix"
SPLIT_TYPES = ("None", "Line", "RecordIO", "TFRecord")
DEFAULT_SPLIT_TYPE = "Line"
ASSEMBLE_WITH = ("None", "Line")
DEFAULT_ASSEMBLE_WITH = "Line"
BATCH_STRATEGIES = ("MultiRecord", "SingleRecord")
COMPRESSION_TYPES = ("None", "Gzip")
JOIN_SOURCES = ("Input", "None")
APPROVED = "Approved"
PENDING_MANUAL_APPROVAL = "PendingManualApproval"
APPROVAL_STATUSES = (APPROVED, "Rejected", PENDING_MANUAL_APPROVAL)
DEFAULT_APPROVAL_STATUS = PENDING_MANUAL_APPROVAL
# What a registered version supports when the construct is told nothing else (transform and real-time
# instance types, per processing unit); tests/package/test_contract.py checks them against botocore's enums.
DEFAULT_PACKAGE_INSTANCE_TYPES = {
    CPU: ("ml.m5.large", "ml.m5.xlarge", "ml.m5.2xlarge", "ml.m5.4xlarge", "ml.c5.xlarge", "ml.c5.2xlarge"),
    GPU: ("ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g5.xlarge", "ml.g5.2xlarge"),
}

# --- Name patterns --------------------------------------------------------------------------------
AUTOML_JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")
# Model names (and name prefixes): letters, digits and hyphens, starting and ending with a letter or digit.
MODEL_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$")
TRANSFORM_JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# Endpoint, endpoint configuration and production variant names.
ENDPOINT_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# ml.<family>.<size>, e.g. ml.m5.xlarge, ml.g4dn.12xlarge, ml.p4d.24xlarge.
INSTANCE_TYPE_PATTERN = re.compile(r"^ml\.[a-z][a-z0-9-]*\.[a-z0-9-]+$")
IAM_ROLE_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
ENVIRONMENT_KEY_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")
# A model package group name, and a version ARN (.../model-package/<group>/<version>).
MODEL_PACKAGE_GROUP_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MODEL_PACKAGE_VERSION_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]+:(\d{12}):model-package/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})/(\d+)$"
)
MODEL_PACKAGE_GROUP_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]+:(\d{12}):model-package-group/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})$"
)
BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
