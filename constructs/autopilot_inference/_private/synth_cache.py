"""Every speed cache of the construct package, in one place, and what each saves.

Each question a construct asks of aws-cdk-lib (``Stack.of``, ``node.path``, a token) is a
blocking round trip to jsii's Node process, a few hundred microseconds each. The facts below
never change once they exist, so each is asked once and kept here, keyed weakly by the
object it describes (a synthesized app and its stacks are freed as usual).

``make bench`` counts what they save (``benchmarks/bench_synth.py``: "jsii round trips per
added pair", an ``AutopilotModel`` + ``AutopilotBatchTransform`` pair with the default role,
and the 100-pair synth ratio against plain ``CfnModel``s). Measured from 1 to 11 pairs with
one cache switched off at a time: 8.3 round trips per pair with all of them, 70.6 with none;
the figure in brackets is each one's count without it.

* :func:`stack_of`, :func:`path_of`: ``Stack.of`` and ``node.path`` of a construct, asked by
  naming, validation and IAM of every construct (8.6; 14.6).
* :func:`top_level_stack`: the path and name of the stack that names a construct's resources,
  for every default name prefix (12.6).
* :func:`known_singletons`: the stack's provider and default execution role, found without
  ``node.try_find_child`` each time a construct needs them (14.6).
* :func:`sagemaker_arn_scope`, :func:`stack_id`: ``arn:<partition>:sagemaker:<region>:<account>``
  of a stack and ``Aws.STACK_ID``, read at every rendering of the handler's policy (26.6; 16.6).
* :func:`app_root`: the app of a stack, where the registry of output locations lives (10.6).
* :func:`duration_facts`: whether a ``Duration`` is a token and its seconds; every transform
  job shares the default ``wait_timeout`` (10.6).
* :class:`LazyTags`: a custom resource's ``TagManager``, created only once something tags it;
  most resources are never tagged (18.6).
* Attributes a construct reads from its custom resource (``model.model_name``...,
  ``provider.service_token``) are ``functools.cached_property`` on the construct: one
  ``Fn::GetAtt`` token each, however often read (10.6).
* :func:`sagemaker_enum`: botocore's SageMaker model, loaded once per process rather than for
  each instance type checked (about 250 ms a load; no round trip).
"""

from __future__ import annotations

import functools
from typing import Any
from weakref import WeakKeyDictionary

from aws_cdk import Aws, CfnResource, CustomResource, Duration, Stack, TagManager, TagType
from constructs import Construct, IConstruct

from .._lambda.autopilot_runtime import contract

_STACKS: WeakKeyDictionary[IConstruct, Stack] = WeakKeyDictionary()
_PATHS: WeakKeyDictionary[IConstruct, str] = WeakKeyDictionary()
_TOP_LEVEL: WeakKeyDictionary[Stack, tuple[str, str]] = WeakKeyDictionary()
_SINGLETONS: WeakKeyDictionary[Stack, dict[str, Construct]] = WeakKeyDictionary()
_ARN_SCOPES: WeakKeyDictionary[Stack, str] = WeakKeyDictionary()
_ROOTS: WeakKeyDictionary[Stack, IConstruct] = WeakKeyDictionary()
_DURATIONS: WeakKeyDictionary[Duration, tuple[bool, Any]] = WeakKeyDictionary()


def stack_of(construct: IConstruct) -> Stack:
    """``Stack.of(construct)``, asked of jsii once per construct."""
    if isinstance(construct, Stack):
        return construct
    stack = _STACKS.get(construct)
    if stack is None:
        stack = _STACKS[construct] = Stack.of(construct)
    return stack


def path_of(construct: IConstruct) -> str:
    """``construct.node.path``, asked of jsii once per construct."""
    path = _PATHS.get(construct)
    if path is None:
        path = _PATHS[construct] = construct.node.path
    return path


def top_level_stack(construct: IConstruct) -> tuple[str, str]:
    """The path and name of ``construct``'s top-level stack (nested stacks' names are tokens)."""
    stack = stack_of(construct)
    facts = _TOP_LEVEL.get(stack)
    if facts is None:
        root = stack
        while root.nested_stack_parent is not None:
            root = root.nested_stack_parent
        facts = _TOP_LEVEL[stack] = (path_of(root), root.stack_name)
    return facts


def known_singletons(stack: Stack) -> dict[str, Construct]:
    """The stack-scoped singletons of ``stack`` found so far, by construct id (filled by ``scopes.stack_singleton``)."""
    return _SINGLETONS.setdefault(stack, {})


def sagemaker_arn_scope(stack: Stack) -> str:
    """``arn:<partition>:sagemaker:<region>:<account>`` of ``stack`` (three tokens, read once)."""
    scope = _ARN_SCOPES.get(stack)
    if scope is None:
        scope = _ARN_SCOPES[stack] = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
    return scope


@functools.cache
def stack_id() -> str:
    """``Aws.STACK_ID``: one token, the same in every stack, read from jsii once per process."""
    return str(Aws.STACK_ID)


def app_root(scope: IConstruct) -> IConstruct:
    """The root of ``scope``'s construct tree (the app)."""
    stack = stack_of(scope)
    root = _ROOTS.get(stack)
    if root is None:
        root = _ROOTS[stack] = stack.node.root
    return root


@functools.lru_cache(maxsize=4)
def sagemaker_enum(shape_name: str) -> frozenset[str]:
    """The values of the string shape ``shape_name`` in the installed botocore's SageMaker model.

    Empty without botocore, or when the shape has no enum.
    """
    try:
        import botocore.session
        from botocore.model import StringShape
    except ImportError:
        return frozenset()
    try:
        model = botocore.session.get_session().get_service_model("sagemaker")
        shape = model.shape_for(shape_name)
        if not isinstance(shape, StringShape):  # only a string shape has an enum
            return frozenset()
        return frozenset(shape.enum)
    except Exception:  # noqa: BLE001 - an unexpected botocore: the caller's own table alone decides
        return frozenset()


def duration_facts(value: Duration) -> tuple[bool, Any]:
    """Whether ``value`` is a token, and its whole seconds (``None`` when it has none)."""
    facts = _DURATIONS.get(value)
    if facts is None:
        try:
            seconds = value.to_seconds()
        except Exception:  # noqa: BLE001 - e.g. Duration.millis(1500), or a token in another unit
            seconds = None
        facts = _DURATIONS[value] = (value.is_unresolved(), seconds)
    return facts


class LazyTags:
    """The tags of ``resource``, rendered into its ``Tags`` property as ``[{Key, Value}]``.

    Most resources are never tagged, and a ``TagManager`` is a jsii object: it is created when
    first asked for (by ``Tags.of(...)`` at synthesis, or by the user), and only then does the
    resource get a ``Tags`` property, rendered from it after every tag aspect has run.
    """

    def __init__(self, resource: CustomResource, resource_type: str) -> None:
        self._resource = resource
        self._resource_type = resource_type
        self._manager: TagManager | None = None

    @property
    def manager(self) -> TagManager:
        """The ``TagManager``, created (and wired into the resource) on first use."""
        if self._manager is None:
            manager = TagManager(TagType.KEY_VALUE, self._resource_type, None, tag_property_name=contract.TAGS)
            default_child = self._resource.node.default_child
            assert isinstance(default_child, CfnResource)  # noqa: S101 - a CustomResource's own L1
            default_child.add_property_override(contract.TAGS, manager.rendered_tags)
            self._manager = manager
        return self._manager


__all__ = [
    "LazyTags",
    "app_root",
    "duration_facts",
    "known_singletons",
    "path_of",
    "sagemaker_arn_scope",
    "sagemaker_enum",
    "stack_id",
    "stack_of",
    "top_level_stack",
]
