"""What both resource kinds do the same way: dispatch on ``RequestType``, name failures, replace or keep, sync tags.

Each resource module (:mod:`.model_resource`, :mod:`.transform_resource`) passes its own
Create/Update/Delete, its configuration (the properties that define the resource) and its label;
the decisions are small pure functions (:func:`replaces`, :func:`tag_changes`) and the AWS calls
sit at the edge (:func:`sync_tags`, :func:`stack_is_rolling_back`).

IAM actions this module calls beyond the resources' own: ``cloudformation:DescribeStacks``
on the handler's stack (:func:`stack_is_rolling_back`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import contract, naming
from .clients import Clients
from .errors import AutopilotDeploymentError
from .events import new_properties, old_properties
from .ownership import user_tags
from .properties import PropertyError, configuration_changes, parse_tags
from .sagemaker_requests import tag_list
from .service_errors import describe_error

ROLLBACK_STATUS = "UPDATE_ROLLBACK_IN_PROGRESS"

LifecycleHandler = Callable[[Mapping[str, Any], Clients], dict[str, Any]]
"""Create, Update or Delete of one resource kind: ``(event, clients) -> on_event answer``."""
Configuration = Callable[[Mapping[str, Any]], Mapping[str, Any]]
"""``raw properties -> the properties that define the resource`` (a change of them replaces it)."""


@contextmanager
def as_deployment_error(label: str) -> Iterator[None]:
    """AWS, connection, request and property errors raised inside become deployment errors prefixed with ``label``."""
    try:
        yield
    except (ClientError, BotoCoreError, PropertyError) as error:
        raise AutopilotDeploymentError(f"{label}: {describe_error(error)}") from error


def run_lifecycle(
    event: Mapping[str, Any], clients: Clients, handlers: Mapping[str, LifecycleHandler], label: str
) -> dict[str, Any]:
    """Run the handler of the event's ``RequestType`` (Create, Update, Delete), its failures named by ``label``."""
    request_type = str(event.get("RequestType", ""))
    if request_type not in handlers:
        raise AutopilotDeploymentError(f"{label}: unsupported RequestType {request_type!r}.")
    with as_deployment_error(label):
        return handlers[request_type](event, clients)


def replaces(event: Mapping[str, Any], configuration: Configuration) -> bool:
    """Whether an Update replaces the resource instead of keeping it (and applying tag changes in place).

    It does when the ``configuration`` of the new properties differs from that of the old ones, or when
    the physical id is not a name the handler made (there is nothing of ours to keep).
    """
    changed = bool(configuration_changes(old_properties(event), new_properties(event), configuration))
    return changed or not naming.is_generated_name(str(event.get("PhysicalResourceId", "")))


def tag_changes(
    old: Mapping[str, str], new: Mapping[str, str], *, keep: tuple[str, ...] = ()
) -> tuple[dict[str, str], list[str]]:
    """What turns tags ``old`` into ``new``: ``(tags to add or change, keys to remove)``.

    Never the owner tag; never removes a key of ``keep`` (tags the handler sets itself).
    """
    old, new = user_tags(old), user_tags(new)
    added = {key: value for key, value in new.items() if old.get(key) != value}
    removed = [key for key in old if key not in new and key not in keep]
    return added, removed


def sync_tags(client: Any, arn: str, event: Mapping[str, Any], *, keep: tuple[str, ...] = ()) -> None:
    """Apply an Update's tag changes to the resource ``arn``: ``DeleteTags``, then ``AddTags``, each only if needed."""
    added, removed = tag_changes(
        parse_tags(old_properties(event).get(contract.TAGS)), parse_tags(new_properties(event).get(contract.TAGS)), keep=keep
    )
    if removed:
        client.delete_tags(ResourceArn=arn, TagKeys=removed)
    if added:
        client.add_tags(ResourceArn=arn, Tags=tag_list(added))


def stack_is_rolling_back(clients: Clients, stack_id: str) -> bool:
    """Whether the stack is rolling back an update (``DescribeStacks``): the event itself carries no such flag."""
    try:
        stacks = clients.cloudformation().describe_stacks(StackName=stack_id).get("Stacks") or [{}]
    except (ClientError, BotoCoreError) as error:
        raise AutopilotDeploymentError(
            f"cannot tell whether stack {stack_id} is rolling back: {describe_error(error)}. The handler needs "
            "cloudformation:DescribeStacks on its stack."
        ) from error
    return str(stacks[0].get("StackStatus", "")) == ROLLBACK_STATUS
