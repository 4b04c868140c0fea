"""Tags of a custom resource, kept by a ``TagManager`` created only once something tags it."""

from __future__ import annotations

from aws_cdk import CfnResource, CustomResource, TagManager, TagType

from ._lambda.autopilot_runtime import contract

TAGS_PROPERTY = contract.TAGS


class ResourceTags:
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
            manager = TagManager(TagType.KEY_VALUE, self._resource_type, None, tag_property_name=TAGS_PROPERTY)
            default_child = self._resource.node.default_child
            assert isinstance(default_child, CfnResource)  # noqa: S101 - a CustomResource's own L1
            default_child.add_property_override(TAGS_PROPERTY, manager.rendered_tags)
            self._manager = manager
        return self._manager
