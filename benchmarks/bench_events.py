"""CloudFormation custom-resource events and botocore-shaped responses, with fake identifiers (no account
or region of anyone): the handler is driven the way the provider framework drives it.

Used by the benchmarks and by the tests' support package (``tests/support``); plain data, no pytest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

REGION = "us-east-1"
ACCOUNT = "111122223333"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/ChurnStack/5b9f3c10-9a1e-11f0-8de9-0a1b2c3d4e5f"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ChurnStack-ProviderframeworkonEvent-AbCdEf123456"
RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/secret-presigned-url?X-Amz-Signature=abc"
REQUEST_ID = "8c1f7e52-1b7d-4d8e-9a53-3f1b0e6c2d11"


def parse_times(value: Any) -> Any:
    """A saved response with its ISO timestamps (``...Time`` keys) turned into datetimes, as botocore returns them."""
    if isinstance(value, dict):
        return {
            key: datetime.fromisoformat(item) if key.endswith("Time") and isinstance(item, str) else parse_times(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [parse_times(item) for item in value]
    return value


def cfn_event(
    request_type: str,
    resource_type: str,
    properties: dict[str, Any],
    *,
    old_properties: dict[str, Any] | None = None,
    physical_id: str | None = None,
    logical_id: str = "ChurnModel",
    request_id: str = REQUEST_ID,
) -> dict[str, Any]:
    """A CloudFormation custom resource event as the provider framework passes it on."""
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": RESPONSE_URL,
        "StackId": STACK_ID,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": SERVICE_TOKEN, **properties},
    }
    if old_properties is not None:
        event["OldResourceProperties"] = {"ServiceToken": SERVICE_TOKEN, **old_properties}
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event
