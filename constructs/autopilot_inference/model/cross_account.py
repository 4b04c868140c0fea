"""Reading an AutoML job of another account: the policies the job's account writes for the reader role.

The consumer's stack names a role of the job's account (``source_role_arn``); its handler
assumes that role to read the job. The job's account owns two documents of that role:

- :func:`source_role_policy`, its identity policy: read the jobs, list their candidates;
- :func:`source_role_trust_policy`, its trust policy: the consumers' handler roles may assume it.

IAM refuses a trust policy naming a role that does not exist yet, and the job's account
usually writes its role before the consumer's first deployment. The trust therefore names the
consumer *accounts* and limits them with ``aws:PrincipalArn`` to the handler roles, whose
names are known in advance (``AutopilotInferenceProvider.handler_role_arn``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..checks.validation import AutopilotValidationError
from ..provider.permissions import (
    AUTOML_DESCRIBE_ACTIONS,
    AUTOML_LIST_ACTIONS,
    LIST_AUTOML_JOB_CANDIDATES_SID,
    READ_AUTOML_JOBS_SID,
)

AUTOML_JOB_ARN = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:automl-job/(?:[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,31}|\*)$"
)
"""An AutoML job's ARN (or ``automl-job/*``, every job of the account and region)."""
ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
ASSUMED_BY_HANDLERS_SID = "AssumedByAutopilotInferenceHandlers"
EXAMPLE_JOB_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:automl-job/churn"
EXAMPLE_ROLE_ARN = "arn:aws:iam::222222222222:role/churnscoring-1a2b3c-handler-eu-west-1"


def _arn_list(value: object, argument: str, example: str) -> list[str]:
    """``value`` as a list of strings; a single string (iterated character by character elsewhere) is refused."""
    if isinstance(value, (str, bytes)):
        raise AutopilotValidationError(
            f"{argument} takes a list of ARNs, got one string: pass [{value!r}] (e.g. [{example!r}])."
        )
    if not isinstance(value, Sequence) or not value or not all(isinstance(item, str) for item in value):
        raise AutopilotValidationError(f"{argument} takes a non-empty list of ARN strings, e.g. [{example!r}].")
    return list(value)


def source_role_policy(job_arns: Sequence[str]) -> dict[str, Any]:
    """The identity policy a ``source_role_arn`` in the job's account needs: read the jobs, list candidates.

    ``job_arns`` are AutoML job ARNs (``arn:aws:sagemaker:<region>:<account>:automl-job/<name>``,
    or ``.../automl-job/*``). SageMaker may authorize a job by its name as created or in lower
    case: both forms are allowed. ``ListCandidatesForAutoMLJob`` has no resource-level
    permissions: it is allowed on ``*``.

    Raises:
        AutopilotValidationError: ``job_arns`` is a string, empty, or holds something that is
            not an AutoML job ARN (a job name, a model ARN).
    """
    arns = _arn_list(job_arns, "source_role_policy", EXAMPLE_JOB_ARN)
    bad = [arn for arn in arns if not AUTOML_JOB_ARN.match(arn)]
    if bad:
        raise AutopilotValidationError(
            f"source_role_policy takes AutoML job ARNs (arn:<partition>:sagemaker:<region>:<account>:automl-job/"
            f"<name>); not one: {', '.join(map(repr, bad))}. A job name goes into the ARN, e.g. {EXAMPLE_JOB_ARN!r}."
        )
    resources: list[str] = []
    for arn in arns:
        for form in (arn, arn.lower()):
            if form not in resources:
                resources.append(form)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": READ_AUTOML_JOBS_SID,
                "Effect": "Allow",
                "Action": list(AUTOML_DESCRIBE_ACTIONS),
                "Resource": resources,
            },
            {
                "Sid": LIST_AUTOML_JOB_CANDIDATES_SID,
                "Effect": "Allow",
                "Action": list(AUTOML_LIST_ACTIONS),
                "Resource": "*",
            },
        ],
    }


def source_role_trust_policy(handler_role_arns: Sequence[str]) -> dict[str, Any]:
    """The trust policy of the ``source_role_arn`` role: the consumers' handler roles may assume it.

    ``handler_role_arns`` are the consumer stacks' ``AutopilotInferenceProvider.of(stack).handler_role_arn``
    (literal ARNs: give those stacks an ``env``). The policy trusts the accounts of those roles,
    limited by ``aws:PrincipalArn`` to the roles themselves, so it can be written before they exist.

    Raises:
        AutopilotValidationError: the argument is a string, empty, or holds something that is
            not a literal IAM role ARN.
    """
    arns = _arn_list(handler_role_arns, "source_role_trust_policy", EXAMPLE_ROLE_ARN)
    matches = [ROLE_ARN.match(arn) for arn in arns]
    bad = [arn for arn, found in zip(arns, matches, strict=True) if found is None]
    if bad:
        raise AutopilotValidationError(
            "source_role_trust_policy takes the handler roles' literal ARNs "
            f"(arn:<partition>:iam::<account>:role/<name>); not one: {', '.join(map(repr, bad))}. An ARN with "
            "${Token[...]} comes from an environment-agnostic stack: give the consumer stack an env."
        )
    roots: list[str] = []
    for found in matches:
        assert found is not None
        root = f"arn:{found.group(1)}:iam::{found.group(2)}:root"
        if root not in roots:
            roots.append(root)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": ASSUMED_BY_HANDLERS_SID,
                "Effect": "Allow",
                "Principal": {"AWS": roots if len(roots) > 1 else roots[0]},
                "Action": "sts:AssumeRole",
                "Condition": {"ArnEquals": {"aws:PrincipalArn": list(dict.fromkeys(arns))}},
            }
        ],
    }


__all__ = ["AUTOML_JOB_ARN", "source_role_policy", "source_role_trust_policy"]
