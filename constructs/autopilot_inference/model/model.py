"""``AutopilotModel``: a SageMaker model made from a finished Autopilot job's candidate."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any, TypedDict, Union, Unpack, cast
from weakref import WeakSet

import jsii
from aws_cdk import Annotations, CfnResource, CustomResource, Fn, ITaggable, Stack, TagManager, TagType
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from .._lambda.autopilot_runtime import contract
from .._lambda.autopilot_runtime.response_keys import InferenceResponseKey
from .._private.arns import vpc_arn
from .._private.package_refs import group_of
from .._private.scopes import default_prefix, stack_of
from .._private.signatures import prop_defaults, props_signature, public_construct, refuse_unknown_props
from .._private.synth_cache import LazyTags
from .._private.tokens import is_token
from ..checks import prop_types, validation, value_checks
from ..checks.environments import StackEnvironment, mismatch
from ..checks.problems import Problems, Unbuilt
from ..provider.permissions import ModelBinding, literal_list
from ..provider.provider import AutopilotInferenceProvider
from ..serving.endpoint import AutopilotEndpoint, EndpointProps
from .base import AutopilotModelBase, ModelResourceAttributes
from .consumer_copy import COPIES_ID, AutopilotModelCopy, ModelRecipe, copy_id
from .execution_permissions import (
    ENI_DESCRIBE_ACTIONS,
    ENI_MANAGE_ACTIONS,
    KMS_DECRYPT_ACTIONS,
    KMS_ENCRYPT_DECRYPT_ACTIONS,
    S3_READ_ACTIONS,
    S3_WRITE_ACTIONS,
    kms_statement,
    network_statements,
    s3_statements,
)
from .execution_role import DefaultExecutionRole

ResponseKeysInput = Union[str, Sequence[Union[str, InferenceResponseKey]], None]
prop_types.hint(
    ResponseKeysInput,
    "a list of InferenceResponseKey members or strings, or one comma-separated string",
    problem=validation.unordered_keys_message,  # a dict or set: its order is not the columns' order
)


class PackageModelProps(TypedDict, total=False):
    """The props of :meth:`AutopilotModel.from_model_package` (every key optional).

    Keys:
        model_package_group_arn: the group (``arn:...:model-package-group/<name>``); its newest Approved
            version is deployed. Exactly one of this and ``model_package_arn``.
        model_package_arn: one version (``arn:...:model-package/<group>/<n>``), deployed only if Approved.
        role: the execution role; it must be able to read the registered artifacts (in another account:
            through the registry's bucket and key policies, see ``registry_artifact_policy``).
            Default: the stack's default execution role, reading under ``automl_output_s3_uri``.
        automl_output_s3_uri: where the registered artifacts lie (the AutoML job's output path in the
            registry's account); required when ``role`` is not given.
        vpc, vpc_subnets, security_groups, network_isolation, kms_key, model_name_prefix: as for
            ``AutopilotModel`` (``network_isolation`` defaults to ``False``).
    """

    model_package_group_arn: str | None
    model_package_arn: str | None
    role: iam.IRole | None
    vpc: ec2.IVpc | None
    vpc_subnets: ec2.SubnetSelection | None
    security_groups: Sequence[ec2.ISecurityGroup] | None
    network_isolation: bool
    kms_key: kms.IKey | None
    model_name_prefix: str | None
    automl_output_s3_uri: str | None


PACKAGE_MODEL_DEFAULTS = prop_defaults(PackageModelProps, network_isolation=False)
"""The defaults of :class:`PackageModelProps` other than ``None``."""


@public_construct
@jsii.implements(ITaggable, iam.IGrantable, ec2.IConnectable)
class AutopilotModel(ModelResourceAttributes, AutopilotModelBase):
    """A SageMaker model of a finished Autopilot job's best (or a named) candidate.

    At deploy time the stack's custom-resource handler reads the job, picks the candidate,
    applies the inference response keys to its containers and calls ``CreateModel``. The
    model is immutable: any change of these props creates a new model under a new name,
    and CloudFormation deletes the old one after the update. Tags (``Tags.of(...)``) are
    applied in place.

    Args:
        scope: the parent construct.
        id: the construct id.
        automl_job_name: name of the finished AutoML job (V1 or V2) whose candidate to deploy.
        inference_response_keys: what a classification model returns, among
            ``predicted_label``, ``probability``, ``probabilities`` and ``labels``
            (``InferenceResponseKey`` members or strings; a list, or one comma-separated
            string). Default: the containers' own defaults (usually ``predicted_label``).
        candidate_name: deploy this candidate instead of the job's best one.
            Default: the best candidate.
        automl_output_s3_uri: the job's ``OutputDataConfig.S3OutputPath``. Every
            container's model data must lie under it (checked at deploy time), and the
            default execution role may read only there. Required when ``role`` is not
            given. Default: no location check.
        role: the execution role SageMaker runs the model with; it must be able to pull
            the candidate's images and read its artifacts. Default: the stack's shared
            default execution role, limited to pulling images, reading the artifacts under
            each of its models' ``automl_output_s3_uri``, reading and writing its transform
            jobs' data, writing ``/aws/sagemaker/*`` logs and metrics, and (with ``vpc``)
            managing network interfaces.
        model_name_prefix: start of the model's name; a hash of the stack, the
            resource and the configuration is appended. Letters, digits and single
            hyphens, at most 52 characters. Default: derived from the stack name and
            the construct path.
        processing_unit: ``CPU`` or ``GPU``: which container set of an image or text
            classification (V2) job to deploy; ignored for jobs with a single set.
            Default: ``CPU``.
        vpc: the VPC the model's containers run in. Default: no VPC.
        vpc_subnets: where in ``vpc`` to place them (needs ``vpc``; 1-16 subnets).
            Default: the VPC's private subnets.
        security_groups: security groups of the containers (needs ``vpc``; at most 5).
            Default: a new security group in ``vpc``.
        allow_all_outbound: whether the created security group allows all outbound
            traffic (needs ``vpc``; not with ``security_groups``). Default: ``True``.
        network_isolation: run the containers without network access.
            Default: ``False``.
        source_role_arn: a role in the account that owns the AutoML job; the handler
            assumes it to read the job (cross-account). Default: the job is read in
            this stack's account with the handler's own role.
        kms_key: the key that encrypts the job's artifacts; the execution role is
            granted decrypt (when the role is mutable). Default: no key.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        automl_job_name: str,
        inference_response_keys: ResponseKeysInput = None,
        candidate_name: str | None = None,
        automl_output_s3_uri: str | None = None,
        role: iam.IRole | None = None,
        model_name_prefix: str | None = None,
        processing_unit: str = contract.DEFAULT_PROCESSING_UNIT,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        allow_all_outbound: bool | None = None,
        network_isolation: bool = False,
        source_role_arn: str | None = None,
        kms_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems(self)
        keys, unit, subnet_ids = _check_props(problems, locals())
        self._connections: ec2.Connections | None = None
        self._in_vpc = vpc is not None
        self._network_isolation = bool(network_isolation)
        if problems:
            # Nothing is built from props that cannot work: every problem is reported on this construct.
            self.resource = cast(CustomResource, Unbuilt())  # a stand-in: nothing was built
            return

        self.automl_job_name = automl_job_name
        """The AutoML job the model comes from."""
        stack = stack_of(scope)
        self.model_name_prefix = (
            validation.lowercase_prefix(model_name_prefix) if model_name_prefix is not None else default_prefix(scope, id)
        )
        """The start of the model's name, in lower case (as every generated name)."""
        self.provider = AutopilotInferenceProvider.of(stack)
        """The stack's custom-resource provider."""
        role_arn = self._use_execution_role(stack, role, automl_output_s3_uri, vpc)
        self._allow_handler_to_read_job(automl_job_name, candidate_name, source_role_arn)
        vpc_config: dict[str, Any] | None = None
        if vpc is not None:
            vpc_config = self._vpc_config(vpc, subnet_ids, security_groups, allow_all_outbound)
            if vpc_config is None:
                return
        binding = self._allow_managing_models(vpc_config, network_isolation)

        properties: dict[str, Any] = {
            contract.AUTOML_JOB_NAME: automl_job_name,
            contract.EXECUTION_ROLE_ARN: role_arn,
            contract.MODEL_NAME_PREFIX: self.model_name_prefix,
            # The Data the attributes below read; a new version refreshes Data in place, never a new model.
            contract.MODEL_DATA_VERSION: contract.MODEL_DATA_VERSION_VALUE,
        }
        if candidate_name is not None:
            properties[contract.CANDIDATE_NAME] = candidate_name
        if keys:
            properties[contract.INFERENCE_RESPONSE_KEYS] = keys
        if vpc_config is not None:
            properties[contract.VPC_CONFIG] = vpc_config
        if network_isolation:
            properties[contract.ENABLE_NETWORK_ISOLATION] = "true"
        if automl_output_s3_uri is not None:
            properties[contract.ARTIFACT_S3_URI] = automl_output_s3_uri
        if unit != contract.DEFAULT_PROCESSING_UNIT:
            properties[contract.PROCESSING_UNIT] = unit
        if source_role_arn is not None:
            properties[contract.SOURCE_ROLE_ARN] = source_role_arn

        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=contract.MODEL_RESOURCE_TYPE,
            properties=properties,
        )
        """The ``Custom::AutopilotModel`` resource."""
        self._recipe = self._recipe_of(
            properties,
            binding,
            automl_job_name=automl_job_name,
            candidate_named=candidate_name is not None,
            source_role_arn=source_role_arn,
        )
        self.properties: dict[str, Any] = properties
        """The resource's properties as given (the model's configuration; a job's wait condition hashes them)."""
        self.property_overrides: dict[str, Any] = {}
        """Properties set later (``require_single_container``)."""
        self._tags = LazyTags(self.resource, contract.MODEL_RESOURCE_TYPE)
        self._wait_for_role(stack)
        if kms_key is not None:
            self.allow_key_use(kms_key, encrypt=False, dependent=self.resource)
        if vpc is not None and self._default_role is None:
            self._allow_network_on_given_role(stack, vpc)

    @classmethod
    @props_signature
    def from_model_package(cls, scope: Construct, id: str, **props: Unpack[PackageModelProps]) -> AutopilotModel:
        """A model of an **Approved** version of a model package group, in this account or the registry's.

        Usable everywhere an ``AutopilotModel`` is (batch and scheduled transforms, endpoints). At deploy
        time the handler picks the version: ``model_package_arn``, that version; ``model_package_group_arn``,
        the group's newest Approved version when the model is created or replaced (a tag-only update keeps
        it; pin ``model_package_arn`` to have the version in the template). A version that is not Approved,
        or a group with none, fails the deployment naming the group, the version and its status, and
        nothing is created. ``plan`` / ``summary`` show which version a group would give.

        The props are :class:`PackageModelProps`.
        """
        refuse_unknown_props(props, PackageModelProps, "from_model_package")
        return _PackageModel(scope, id, **props)

    # The steps of __init__, in order.

    def _use_execution_role(
        self, stack: Stack, role: iam.IRole | None, automl_output_s3_uri: str | None, vpc: ec2.IVpc | None
    ) -> str:
        """Run with ``role``, or the stack's default role (which may read the artifacts); the handler may pass it.

        Returns the role's ARN.
        """
        self._default_role: DefaultExecutionRole | None = None
        if role is None:
            self._default_role = DefaultExecutionRole.of(stack)
            self._default_role.allow_read_artifacts(automl_output_s3_uri)  # type: ignore[arg-type]
            if vpc is not None:
                self._default_role.allow_network_interfaces(vpc_arn(stack, vpc.vpc_id))
            role = self._default_role.role
            role_arn = self._default_role.role_arn
        else:
            role_arn = role.role_arn
        self._role = role
        self._role_stack = stack if self._default_role is not None else stack_of(role)
        # Constructs already made to wait for the role (the model's resource waits through its ARN).
        self._waiting_for_role: WeakSet[IConstruct] = WeakSet()
        self.provider.permissions.allow_pass_role(role_arn)
        return role_arn

    def _allow_handler_to_read_job(
        self, automl_job_name: str, candidate_name: str | None, source_role_arn: str | None
    ) -> None:
        """The handler reads the job with its own role, or assumes ``source_role_arn`` (cross-account)."""
        if source_role_arn is not None:
            self.provider.permissions.allow_assume_source_role(source_role_arn)
        else:
            self.provider.permissions.allow_read_automl_job(automl_job_name, candidate_named=candidate_name is not None)

    def _vpc_config(
        self,
        vpc: ec2.IVpc,
        subnet_ids: list[str] | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
        allow_all_outbound: bool | None,
    ) -> dict[str, Any] | None:
        """The model's ``VpcConfig`` (its security groups, created when none are given); ``None`` on a problem.

        ``subnet_ids`` were selected and checked with the other props (:func:`_check_network`).
        """
        groups = (
            list(security_groups)
            if security_groups
            else [
                ec2.SecurityGroup(
                    self,
                    "SecurityGroup",
                    vpc=vpc,
                    allow_all_outbound=True if allow_all_outbound is None else allow_all_outbound,
                    description="Autopilot model containers",
                )
            ]
        )
        self._connections = ec2.Connections(security_groups=groups)
        if subnet_ids is None:
            return None
        return {
            contract.SECURITY_GROUP_IDS: [group.security_group_id for group in groups],
            contract.SUBNETS: subnet_ids,
        }

    def _allow_managing_models(self, vpc_config: Mapping[str, Any] | None, network_isolation: bool) -> ModelBinding:
        """Let the handler create and manage models with this network (its subnets, groups and isolation)."""
        binding = ModelBinding(
            subnets=literal_list(vpc_config[contract.SUBNETS]) if vpc_config else [],
            security_groups=literal_list(vpc_config[contract.SECURITY_GROUP_IDS]) if vpc_config else [],
            network_isolation=bool(network_isolation),
        )
        self.provider.permissions.allow_manage_models(binding)
        return binding

    def _recipe_of(self, properties: Mapping[str, Any], binding: ModelBinding, **kind: Any) -> ModelRecipe:
        """What another stack of this environment needs to deploy this model again (see :meth:`in_stack`)."""
        return ModelRecipe(
            source=self,
            properties=dict(properties),
            automl_job_name=kind.pop("automl_job_name", None),
            candidate_named=kind.pop("candidate_named", False),
            source_role_arn=kind.pop("source_role_arn", None),
            binding=binding,
            default_role_name=self._default_role.role_name if self._default_role is not None else None,
            role=self._role,
            in_vpc=self._in_vpc,
            network_isolation=self._network_isolation,
            **kind,
        )

    def _wait_for_role(self, stack: Stack) -> None:
        """The handler's policy, and the execution role with every policy attached to it, exist before the model.

        The ServiceToken leads to the handler's policy (see AutopilotInferenceProvider) and
        ExecutionRoleArn to the role (inline policies, DefaultPolicy); the default role adds a
        DependsOn on a DefaultPolicy at synthesis, should grants make one.
        """
        if self._default_role is not None:
            self._default_role.add_dependent(self.resource)
        elif self._role_stack is stack:
            self.resource.node.add_dependency(self._role)
        self._waiting_for_role.add(self.resource)

    def _allow_network_on_given_role(self, stack: Stack, vpc: ec2.IVpc) -> None:
        """A given role of a VPC model gets the network-interface statements; an immutable one cannot."""
        results = [
            self.add_to_role_policy(statement, dependent=self.resource)
            for statement in network_statements(stack, [vpc_arn(stack, vpc.vpc_id)])
        ]
        # An immutable role "adds" statements nowhere: no policy holds them.
        if not all(isinstance(result.policy_dependable, iam.Policy) for result in results):
            Annotations.of(self).add_warning_v2(
                "autopilot-inference:vpc-role",
                "The role of this VPC model is immutable: it must already allow SageMaker to manage network "
                f"interfaces in the VPC ({', '.join(ENI_DESCRIBE_ACTIONS + ENI_MANAGE_ACTIONS)}), or the model's "
                "containers cannot start. Pass a mutable role, or add these permissions to it.",
            )

    @property
    def tags(self) -> TagManager:
        """The model's tags; ``Tags.of(scope).add(...)`` reaches them."""
        if "_tags" not in self.__dict__:  # not built (its props have problems): tags go nowhere
            return TagManager(TagType.KEY_VALUE, contract.MODEL_RESOURCE_TYPE)
        return self._tags.manager

    @property
    def role(self) -> iam.IRole:
        """The execution role SageMaker runs the model with."""
        return self._role

    @property
    def connections(self) -> ec2.Connections:
        """The model's security groups (only with ``vpc``)."""
        if self._connections is None:
            raise validation.AutopilotValidationError(
                "This AutopilotModel has no network connections: pass vpc to manage its network access."
            )
        return self._connections

    @property
    def has_default_role(self) -> bool:
        """Whether the model runs with the stack's default execution role (``role`` not given)."""
        return self._default_role is not None

    def add_to_role_policy(
        self, statement: iam.PolicyStatement, *, dependent: IConstruct | None = None
    ) -> iam.AddToPrincipalPolicyResult:
        """Add a statement to the execution role's policy (no effect on an immutable role).

        ``dependent``, when given, is made to depend on the policy that holds the statement.
        """
        result = self._role.add_to_principal_policy(statement)
        if dependent is not None and result.statement_added and result.policy_dependable is not None:
            dependent.node.add_dependency(result.policy_dependable)
        return result

    def allow_read_transform_input(
        self, uri: str, *, dependent: IConstruct | None = None, list_bucket: bool = True
    ) -> None:
        """Let the execution role read (and, ``list_bucket``, list) the objects whose keys start with ``uri``."""
        self._allow(
            lambda default: default.allow_read_input(uri, list_bucket=list_bucket),
            lambda: s3_statements(uri, S3_READ_ACTIONS, list_bucket=list_bucket, folder=False),
            dependent,
        )

    def allow_write_results(self, uri: str, *, dependent: IConstruct | None = None) -> None:
        """Let the execution role write objects under ``uri`` (transform output, captured data)."""
        self._allow(
            lambda default: default.allow_write(uri),
            lambda: s3_statements(uri, S3_WRITE_ACTIONS, list_bucket=False),
            dependent,
        )

    def allow_key_use(self, key: kms.IKey, *, encrypt: bool, dependent: IConstruct | None = None) -> None:
        """Let the execution role decrypt (and, with ``encrypt``, encrypt) with ``key``."""
        actions = KMS_ENCRYPT_DECRYPT_ACTIONS if encrypt else KMS_DECRYPT_ACTIONS
        self._allow(lambda default: default.allow_key(key, actions), lambda: [kms_statement(key, actions)], dependent)

    def _allow(
        self,
        on_default_role: Callable[[DefaultExecutionRole], None],
        statements: Callable[[], list[iam.PolicyStatement]],
        dependent: IConstruct | None,
    ) -> None:
        """Grouped statements on the shared default role; plain statements on a given role."""
        if self._default_role is not None:
            on_default_role(self._default_role)
            if dependent is not None:
                self.depend_on_role_policies(dependent)
            return
        for statement in statements():
            self.add_to_role_policy(statement, dependent=dependent)

    def depend_on_role_policies(self, dependent: IConstruct) -> None:
        """Make ``dependent`` wait for the execution role and the policies attached to it (same stack only)."""
        if dependent in self._waiting_for_role:
            return
        self._waiting_for_role.add(dependent)
        if stack_of(dependent) is self._role_stack:
            dependent.node.add_dependency(self._role)

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``actions`` (e.g. ``sagemaker:DescribeModel``) on this model to ``grantee``."""
        return iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=[self.model_arn])

    def in_stack(self, scope: IConstruct) -> AutopilotModelBase:
        """The model as ``scope``'s stack uses it: this model in its own stack, else that stack's copy of it.

        A consumer in another stack of the same account and region (``AutopilotBatchTransform``,
        ``AutopilotScheduledTransform``, ``AutopilotEndpoint`` call this for you) deploys its own
        copy of the model (:class:`~autopilot_inference.model.consumer_copy.AutopilotModelCopy`), made and
        replaced in its own deployment: nothing in another stack ever names this stack's model,
        so its replacement never blocks on an export nor leaves a consumer pointing at a deleted
        model. Use it for your own resources in another stack too:
        ``model.in_stack(serving_stack).model_name``.

        Raises:
            AutopilotValidationError: ``scope``'s stack is in another account or region.
        """
        stack = stack_of(scope)
        if stack is stack_of(self):
            return self
        model_env, consumer_env = StackEnvironment.of(stack_of(self)), StackEnvironment.of(stack)
        if mismatch(model_env, consumer_env):
            raise validation.AutopilotValidationError(
                f"{self.node.path} is in {model_env} and cannot be used in {consumer_env}: a SageMaker model "
                "exists in one account and region only."
            )
        copies = cast(Construct, stack.node.try_find_child(COPIES_ID) or Construct(stack, COPIES_ID))
        found = copies.node.try_find_child(copy_id(self.node.path))
        if isinstance(found, AutopilotModelCopy):
            return found
        return AutopilotModelCopy(copies, copy_id(self.node.path), recipe=self._recipe)

    @props_signature
    def add_endpoint(self, id: str, **props: Unpack[EndpointProps]) -> AutopilotEndpoint:
        """A real-time endpoint serving this model; ``props`` as for :class:`AutopilotEndpoint`
        (e.g. ``serverless=ServerlessConfig(...)``)."""
        refuse_unknown_props(props, EndpointProps, "add_endpoint")
        return AutopilotEndpoint(self, id, model=self, **props)

    # Serving (issue 13): facts the endpoint checks, and use by other libraries.

    @property
    def in_vpc(self) -> bool:
        """Whether the containers run in a VPC (``vpc`` given)."""
        return self._in_vpc

    @property
    def network_isolation(self) -> bool:
        """Whether the containers run without network access."""
        return self._network_isolation

    def require_single_container(self) -> None:
        """Make the deployment refuse a candidate of more than one container, before ``CreateModel``.

        Set by a serverless endpoint (serverless inference runs no inference pipelines). It is
        a property of the model, so setting it makes a new model on the next deployment.
        """
        # jsii types default_child as IConstruct; a CustomResource's is its CfnResource.
        cast(CfnResource, self.resource.node.default_child).add_property_override(contract.SINGLE_CONTAINER_REQUIRED, "true")
        self.property_overrides[contract.SINGLE_CONTAINER_REQUIRED] = "true"

    def as_alpha_model(self, id: str = "AlphaModel") -> Any:
        """This model as an ``aws_cdk.aws_sagemaker_alpha.IModel`` (e.g. for its ``EndpointConfig``).

        Needs the optional package ``aws-cdk.aws-sagemaker-alpha``
        (``pip install "autopilot-inference[alpha]"``). The same object is returned for the same ``id``.
        """
        try:
            from aws_cdk import aws_sagemaker_alpha as sagemaker_alpha
        except ImportError:
            raise validation.AutopilotValidationError(
                "as_alpha_model needs the optional package aws-cdk.aws-sagemaker-alpha: "
                'pip install "autopilot-inference[alpha]" (or aws-cdk.aws-sagemaker-alpha).'
            ) from None
        cache: dict[str, Any] = self.__dict__.setdefault("_alpha_models", {})
        if id not in cache:
            cache[id] = sagemaker_alpha.Model.from_model_attributes(self, id, model_arn=self.model_arn, role=self._role)
        return cache[id]


def group_arn_of(model_package_arn: str) -> str:
    """The group ARN of a version ARN (``.../model-package/<group>/<n>`` -> ``.../model-package-group/<group>``)."""
    marker = ":model-package/"
    known = group_of(model_package_arn)  # an AutopilotModelPackage's attribute: its group, without a cycle
    if known is not None:
        return known
    if marker not in model_package_arn:  # a token standing for the whole ARN (an attribute): split in the template
        rest = Fn.select(1, Fn.split(marker, model_package_arn))
        return Fn.join("", [Fn.select(0, Fn.split(marker, model_package_arn)), ":model-package-group/", Fn.select(0, Fn.split("/", rest))])
    head, _, rest = model_package_arn.partition(marker)
    return f"{head}:model-package-group/{rest.partition('/')[0]}"


class _PackageModel(AutopilotModel):
    """``AutopilotModel.from_model_package``: a ``Custom::AutopilotPackageModel`` instead of ``Custom::AutopilotModel``."""

    def __init__(self, scope: Construct, id: str, **props: Unpack[PackageModelProps]) -> None:
        AutopilotModelBase.__init__(self, scope, id)  # not AutopilotModel's: no AutoML job to read
        problems = Problems(self)
        given: dict[str, Any] = {**dict.fromkeys(PackageModelProps.__annotations__), **PACKAGE_MODEL_DEFAULTS, **props}
        subnet_ids = _check_package_props(problems, given)
        vpc, role, automl_output_s3_uri = given["vpc"], given["role"], given["automl_output_s3_uri"]
        model_package_group_arn, model_package_arn = given["model_package_group_arn"], given["model_package_arn"]
        model_name_prefix, kms_key = given["model_name_prefix"], given["kms_key"]
        security_groups, network_isolation = given["security_groups"], given["network_isolation"]
        self._connections = None
        self._in_vpc = vpc is not None
        self._network_isolation = bool(network_isolation)
        if problems:
            self.resource = cast(CustomResource, Unbuilt())
            return
        stack = stack_of(scope)
        self.model_name_prefix = (
            validation.lowercase_prefix(model_name_prefix) if model_name_prefix is not None else default_prefix(scope, id)
        )
        self.provider = AutopilotInferenceProvider.of(stack)
        role_arn = self._use_execution_role(stack, role, automl_output_s3_uri, vpc)
        group_arn = model_package_group_arn if model_package_group_arn is not None else group_arn_of(str(model_package_arn))
        self.model_package_group_arn = group_arn
        """The group whose version the model serves."""
        self.provider.permissions.allow_deploy_model_packages(group_arn)
        vpc_config: dict[str, Any] | None = None
        if vpc is not None:
            vpc_config = self._vpc_config(vpc, subnet_ids, security_groups, None)
            if vpc_config is None:
                return
        binding = self._allow_managing_models(vpc_config, network_isolation)
        properties: dict[str, Any] = {contract.EXECUTION_ROLE_ARN: role_arn, contract.MODEL_NAME_PREFIX: self.model_name_prefix}
        if model_package_arn is not None:
            properties[contract.MODEL_PACKAGE_ARN] = model_package_arn
        else:
            properties[contract.MODEL_PACKAGE_GROUP_ARN] = model_package_group_arn
        if vpc_config is not None:
            properties[contract.VPC_CONFIG] = vpc_config
        if network_isolation:
            properties[contract.ENABLE_NETWORK_ISOLATION] = "true"
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=contract.PACKAGE_MODEL_RESOURCE_TYPE,
            properties=properties,
        )
        self._tags = LazyTags(self.resource, contract.PACKAGE_MODEL_RESOURCE_TYPE)
        self.properties = properties
        """The resource's properties as given (a job's wait condition hashes them)."""
        self.property_overrides = {}
        """Properties set later (``require_single_container``)."""
        self._recipe = self._recipe_of(
            properties,
            binding,
            resource_type=contract.PACKAGE_MODEL_RESOURCE_TYPE,
            model_package_group_arn=group_arn,
        )
        self._wait_for_role(stack)
        if kms_key is not None:
            self.allow_key_use(kms_key, encrypt=False, dependent=self.resource)
        if vpc is not None and self._default_role is None:
            self._allow_network_on_given_role(stack, vpc)

    @cached_property
    def automl_job_name(self) -> str:  # type: ignore[override]
        """The AutoML job the served version was registered from (from its metadata)."""
        return self.resource.get_att_string(contract.ATTR_AUTOML_JOB_NAME)

    @cached_property
    def model_package_arn(self) -> str:
        """The version the model serves."""
        return self.resource.get_att_string(contract.ATTR_MODEL_PACKAGE_ARN)

    @cached_property
    def model_package_version(self) -> str:
        """The number of the version the model serves."""
        return self.resource.get_att_string(contract.ATTR_MODEL_PACKAGE_VERSION)


def _check_package_props(problems: Problems, props: Mapping[str, Any]) -> list[str] | None:
    """Every problem of ``from_model_package``'s props, reported in ``problems``; the selected subnet ids."""
    # A prop of the wrong type stands in with its default, so that every other prop is still checked;
    # what was given or not is read from the props as given.
    values, _ = prop_types.checked_types(problems, AutopilotModel.from_model_package, props)
    if values is None:
        return None
    if (props["model_package_group_arn"] is None) == (props["model_package_arn"] is None):
        problems.add(
            "Pass exactly one of model_package_group_arn (deploy the group's newest Approved version) and "
            "model_package_arn (deploy that version, if Approved)."
        )
    for prop, pattern, example in (
        ("model_package_group_arn", contract.MODEL_PACKAGE_GROUP_ARN_PATTERN, "model-package-group/<name>"),
        ("model_package_arn", contract.MODEL_PACKAGE_VERSION_ARN_PATTERN, "model-package/<group>/<version>"),
    ):
        value = values[prop]
        if value is not None and not is_token(value) and not pattern.match(value):
            problems.add(f"{prop} must be an ARN arn:aws:sagemaker:<region>:<account>:{example}; got {value!r}.")
    problems.check(validation.name_prefix, values["model_name_prefix"], "model_name_prefix")
    subnet_ids = _check_network(problems, values, allow_all_outbound=None)
    if values["automl_output_s3_uri"] is not None:
        problems.check(validation.s3_uri, values["automl_output_s3_uri"], "automl_output_s3_uri")
    if props["role"] is None and props["automl_output_s3_uri"] is None:
        problems.add(
            "automl_output_s3_uri is required when no role is given: the default execution role may only read the "
            "registered artifacts under it. Pass the S3 output path of the AutoML job the versions come from "
            "(in the registry's account, whose bucket policy must let this role read it: registry_artifact_policy), "
            "or pass a role that can read the artifacts."
        )
    return subnet_ids


def _check_network(problems: Problems, props: Mapping[str, Any], *, allow_all_outbound: Any) -> list[str] | None:
    """The network props together, then the subnets they select: every problem, reported in ``problems``.

    Returns the selected subnet ids (``None`` without a VPC, or when they cannot be selected).
    """
    accepted = problems.check(
        validation.network,
        vpc=props["vpc"],
        vpc_subnets=props["vpc_subnets"],
        security_groups=props["security_groups"],
        allow_all_outbound=allow_all_outbound,
    )
    if not accepted or props["vpc"] is None:
        return None
    subnet_ids, found = value_checks.subnets(props["vpc"], props["vpc_subnets"])
    problems.report(found)
    return subnet_ids


def _check_props(problems: Problems, props: Mapping[str, Any]) -> tuple[list[str], str, list[str] | None]:
    """Every problem of ``AutopilotModel``'s ``props`` (values as given), reported in ``problems``.

    Returns the normalised response keys, the processing unit and the selected subnet ids (meaningless
    when there are problems).
    """
    keys: list[str] = []
    unit = contract.DEFAULT_PROCESSING_UNIT
    subnet_ids: list[str] | None = None
    # A prop of the wrong type stands in with its default, so that every other prop is still checked.
    values, _ = prop_types.checked_types(problems, AutopilotModel.__init__, props)
    if values is not None:
        problems.check(validation.automl_job_name, values["automl_job_name"])
        normalized, refused = validation.inference_response_keys(values["inference_response_keys"])
        if problems.report(refused):
            keys = normalized
        problems.check(validation.candidate_name, values["candidate_name"])
        if values["automl_output_s3_uri"] is not None:
            problems.check(validation.s3_uri, values["automl_output_s3_uri"], "automl_output_s3_uri")
        problems.check(validation.name_prefix, values["model_name_prefix"], "model_name_prefix")
        if problems.check(validation.processing_unit, values["processing_unit"]):
            unit = validation.processing_unit_value(values["processing_unit"])
        subnet_ids = _check_network(problems, values, allow_all_outbound=values["allow_all_outbound"])
        problems.check(validation.role_arn, values["source_role_arn"], "source_role_arn")
        problems.check(validation.kms_key, values["kms_key"], "kms_key", region=stack_of(problems.construct).region)
    if props["role"] is None and props["automl_output_s3_uri"] is None:
        problems.add(
            "automl_output_s3_uri is required when no role is given: the default execution role may only "
            "read the model artifacts under it. Pass the AutoML job's OutputDataConfig.S3OutputPath "
            "(e.g. s3://bucket/autopilot/output), or pass a role that can read the artifacts."
        )
    return keys, unit, subnet_ids
