"""checkov's checks that fail on the library's resources on purpose: which resources, and why.

Only the review test (``tests/review/test_checkov.py``) reads this list, so it lives with the tests,
not in the wheel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckovAcknowledgement:
    """A checkov check that fails on resources of this library, on purpose: on which resources and why."""

    check_id: str
    resources: str
    """Regular expression of the ``<Type>.<logical id>`` checkov names (logical ids start with the construct id)."""
    reason: str


_PROVIDER_FUNCTIONS = r"AWS::Lambda::Function\.AutopilotInferenceProvider(Handler|frameworkonEvent)[0-9A-F]{8}"
CHECKOV_ACKNOWLEDGEMENTS: tuple[CheckovAcknowledgement, ...] = (
    CheckovAcknowledgement(
        "CKV_AWS_115",
        _PROVIDER_FUNCTIONS,
        "The custom-resource handler and the provider framework's function run only during deployments, once "
        "per resource event and per waited job's end; reserved concurrency would take capacity from the "
        "account's pool for nothing.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_116",
        _PROVIDER_FUNCTIONS,
        "Invoked synchronously by CloudFormation through the framework's onEvent function, which reports every "
        "failure to CloudFormation; the handler's only asynchronous invocations (a waited job's end event) are "
        "retried by Lambda, and one that still fails ends in its wait condition's timeout, which fails and rolls "
        "back the deployment: a dead-letter queue would hold nothing anyone needs to act on.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_117",
        _PROVIDER_FUNCTIONS,
        "They call only AWS APIs (SageMaker, STS, CloudFormation, Lambda) and the wait condition handles' S3 URLs, "
        "and reach no private resource; in a VPC "
        "they would need NAT or interface endpoints, for no isolation gain.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_173",
        _PROVIDER_FUNCTIONS,
        "Their environment holds no secret: the framework's functions the ARNs of the functions they call, the "
        "handler its stack's id (the owner tag's value); Lambda encrypts environments at rest with its own key.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_158",
        r"AWS::Logs::LogGroup\.AutopilotInferenceProvider(Handler|Framework)LogGroup[0-9A-F]{8}",
        "By default the provider's log groups use CloudWatch Logs' own encryption (they hold names and ids, no "
        "property values); pass log_encryption_key to AutopilotInferenceProvider.configure to use a KMS key.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_158",
        r"AWS::Logs::LogGroup\.[A-Za-z0-9]*Logs[0-9A-F]{8}",
        "The execution log group of an AutopilotScheduledTransform's state machine uses CloudWatch Logs' own "
        "encryption: it holds execution events (job names, states), no data; the construct has no key prop yet.",
    ),
)
"""Every checkov check failing on the library's resources, with its reason (``tests/review/test_checkov.py``)."""


def checkov_acknowledgement(check_id: str, resource: str) -> CheckovAcknowledgement | None:
    """The acknowledgement covering a failed check on ``resource`` (``<Type>.<logical id>``), if any."""
    for entry in CHECKOV_ACKNOWLEDGEMENTS:
        if entry.check_id == check_id and re.fullmatch(entry.resources, resource):
            return entry
    return None


__all__ = ["CHECKOV_ACKNOWLEDGEMENTS", "CheckovAcknowledgement", "checkov_acknowledgement"]
