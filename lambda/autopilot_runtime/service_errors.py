"""What a botocore error says: its code and message, whether it is worth trying again, and its text."""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from .invocation import last_call

# Error codes of a call worth trying again later (besides HTTP 5xx and 429).
TRANSIENT_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def error_code(error: ClientError) -> str:
    """The service's error code, e.g. ``ValidationException``."""
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    """The service's error message."""
    return str(error.response.get("Error", {}).get("Message", ""))


def is_transient(error: BaseException) -> bool:
    """Throttling, a 5xx or 429 answer, or a connection failure or timeout: worth trying again later."""
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return error_code(error) in TRANSIENT_ERROR_CODES or status >= 500 or status == 429
    return isinstance(error, (BotoConnectionError, HTTPClientError))


def describe_error(error: BaseException) -> str:
    """The error's text, naming the API call when the text does not (connection and pagination errors)."""
    text = str(error) or type(error).__name__
    call = error.operation_name if isinstance(error, ClientError) else last_call()
    if call and call not in text:
        text = f"{call} failed: {text}"
    return text
