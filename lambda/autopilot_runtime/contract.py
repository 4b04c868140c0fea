"""Limits of the platform the handler runs on, in one place.

The construct sets the handler function's timeout from :data:`HANDLER_TIMEOUT_SECONDS`;
every client's timeouts and retries, the deadline check before each call, the waiter
input check and the length of failure reasons are computed from the constants here.
"""

from __future__ import annotations

# The handler function's timeout (the construct's ``timeout``): one invocation, on_event or is_complete.
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


# The provider framework starts its waiter with the event merged with on_event's answer:
# Step Functions refuses a StartExecution input above 256 KiB.
WAITER_INPUT_LIMIT_BYTES = 256 * 1024
# on_event sees ResponseURL as "..."; the waiter input carries the real pre-signed URL.
RESPONSE_URL_RESERVE_BYTES = 2048

# CloudFormation refuses a custom-resource response above 4096 bytes ("Response object is
# too long"). The framework's reason is its JavaScript error's stack: "Error: <message>", its
# log group line and up to 10 frames; the response also holds the ids and Data.
RESPONSE_LIMIT_BYTES = 4096
FRAMEWORK_REASON_OVERHEAD_BYTES = 1200
MAX_REASON_BYTES = 1800

# The framework's waiter gives up after an hour; the handler stops waiting before that.
MAX_WAIT_MINUTES = 55
