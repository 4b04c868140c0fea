"""Replays the handler's AWS requests against a synthesized policy, as IAM would authorize them.

:class:`PolicyReplay` hooks into botocore clients (the Stubber'd ones of ``tests/support/handler.py``):
before each call it maps the operation and its parameters to the IAM requests AWS authorizes
(action, resource ARN, request context: ``aws:RequestTag/*``, ``aws:TagKeys``, ``aws:ResourceTag/*``
of the resource as it stands, the ``sagemaker:*`` and ``iam:PassedToService`` keys) and evaluates
each with :mod:`support.iam_eval` against the policy given for that client. A resource name is
tried as sent and lowercased (SageMaker authorizes some names one way, some the other): both must
be allowed. A request that is not allowed raises ``AccessDeniedException`` into the handler, as
AWS would, and is recorded in :attr:`PolicyReplay.denied`. The resources' tags are tracked from the
calls that succeed (create, tag, delete) and can be seeded with :meth:`PolicyReplay.exists`.

Model packages (the registry): a call on a version or group of another account is authorized by the
caller's policy *and* by the group's resource policy (:attr:`PolicyReplay.resource_policies`, the statements
whose ``Principal`` names the caller's account). ``CreateModel`` naming a version (``ModelPackageName``) is
authorized, as the IAM references have it, against the model only in the caller's policy; the registry's
side of it (``CreateModel`` on the version, which AWS's multi-account samples grant in the group policy) is
checked against the group policy. ``CreateModelPackage`` is authorized on the group and on a version of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .iam_eval import ALLOW, Request, evaluate
from .iam_reference import Resolver
from .stacks import custom_resource_id

SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass
class Decision:
    """One evaluated IAM request."""

    principal: str
    operation: str
    request: Request
    decision: str


@dataclass
class PolicyReplay:
    """The policies of the handler (and of the roles it assumes) and the tags of the resources."""

    region: str
    account: str
    statements: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """principal name -> the statements of its policies, fully resolved to strings."""
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """lowercased resource ARN -> its tags."""
    decisions: list[Decision] = field(default_factory=list)
    resource_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """registry account -> the statements of its groups' resource policies (resolved)."""

    @property
    def denied(self) -> list[Decision]:
        return [decision for decision in self.decisions if decision.decision != ALLOW]

    # -- the resources -------------------------------------------------------------------------

    accounts: dict[str, str] = field(default_factory=dict)
    """principal name -> the account its calls go to (default: :attr:`account`)."""

    def arn(self, kind: str, name: str, account: str | None = None) -> str:
        return f"arn:aws:sagemaker:{self.region}:{account or self.account}:{kind}/{name}"

    def exists(self, kind: str, name: str, tags: Mapping[str, str]) -> None:
        """Seed a resource (``model``, ``transform-job``) that exists with ``tags``."""
        self.tags[self.arn(kind, name).lower()] = dict(tags)

    def _resource_context(self, arn: str) -> dict[str, str]:
        tags = self.tags.get(arn.lower())
        return {} if tags is None else {f"aws:ResourceTag/{key}": value for key, value in tags.items()}

    # -- mapping requests ----------------------------------------------------------------------

    def iam_requests(
        self, service: str, operation: str, params: Mapping[str, Any], account: str | None = None
    ) -> list[Request]:
        """What IAM authorizes for one API call (the dependent actions included), in ``account``."""
        if service == "sts" and operation == "AssumeRole":
            return [Request("sts:AssumeRole", str(params["RoleArn"]))]
        if service == "cloudformation" and operation in ("DescribeStacks", "DescribeStackResource"):
            return [Request(f"cloudformation:{operation}", str(params["StackName"]))]
        if service != "sagemaker":
            raise AssertionError(f"no IAM mapping for {service}:{operation}")
        action = f"sagemaker:{operation}"
        tags = {str(tag["Key"]): str(tag["Value"]) for tag in params.get("Tags", [])}
        request_tags: dict[str, Any] = {f"aws:RequestTag/{key}": value for key, value in tags.items()}
        if tags:
            request_tags["aws:TagKeys"] = list(tags)
        if operation in ("DescribeAutoMLJob", "DescribeAutoMLJobV2"):
            return [Request(action, self.arn("automl-job", str(params["AutoMLJobName"]), account))]
        if operation == "CreateModelPackage":
            group = str(params["ModelPackageGroupName"])
            context = {**request_tags, "sagemaker:ModelApprovalStatus": str(params.get("ModelApprovalStatus", ""))}
            for key, value in (params.get("CustomerMetadataProperties") or {}).items():
                context[f"sagemaker:CustomerMetadataProperties/{key}"] = str(value)
            version = self.arn("model-package", f"{group}/1", account)  # the version being created
            requests = [Request(action, self.arn("model-package-group", group, account), context), Request(action, version, context)]
            if tags:
                requests.append(Request("sagemaker:AddTags", version, {**request_tags, "sagemaker:TaggingAction": operation}))
            return requests
        if operation == "ListModelPackages":
            group = str(params["ModelPackageGroupName"])
            if group.startswith("arn:"):
                return [Request(action, group.replace(":model-package-group/", ":model-package/") + "/*")]
            return [Request(action, self.arn("model-package", f"{group}/*", account))]
        if operation in ("DescribeModelPackage", "DeleteModelPackage"):
            return [Request(action, str(params["ModelPackageName"]))]
        if operation in ("ListCandidatesForAutoMLJob", "ListModels", "ListTransformJobs"):
            return [Request(action, "*")]
        if operation == "CreateModel":
            arn = self.arn("model", str(params["ModelName"]))
            vpc = params.get("VpcConfig") or {}
            context: dict[str, Any] = {**request_tags, "sagemaker:NetworkIsolation": str(bool(params.get("EnableNetworkIsolation"))).lower()}
            if vpc:
                context["sagemaker:VpcSubnets"] = list(vpc.get("Subnets", []))
                context["sagemaker:VpcSecurityGroupIds"] = list(vpc.get("SecurityGroupIds", []))
            requests = [
                Request(action, arn, context),
                Request("iam:PassRole", str(params["ExecutionRoleArn"]), {"iam:PassedToService": SAGEMAKER_SERVICE}),
            ]
            if tags:
                requests.append(Request("sagemaker:AddTags", arn, {**request_tags, "sagemaker:TaggingAction": "CreateModel"}))
            return requests
        if operation == "CreateTransformJob":
            arn = self.arn("transform-job", str(params["TransformJobName"]))
            resources = params.get("TransformResources", {})
            context = {**request_tags, "sagemaker:InstanceTypes": [str(resources.get("InstanceType"))]}
            if resources.get("VolumeKmsKeyId"):
                context["sagemaker:VolumeKmsKey"] = str(resources["VolumeKmsKeyId"])
            if params.get("TransformOutput", {}).get("KmsKeyId"):
                context["sagemaker:OutputKmsKey"] = str(params["TransformOutput"]["KmsKeyId"])
            context["sagemaker:ModelArn"] = self.arn("model", str(params["ModelName"]))
            requests = [Request(action, arn, context)]
            if tags:
                requests.append(
                    Request("sagemaker:AddTags", arn, {**request_tags, "sagemaker:TaggingAction": "CreateTransformJob"})
                )
            return requests
        if operation in ("DescribeModel", "DeleteModel"):
            arn = self.arn("model", str(params["ModelName"]))
            return [Request(action, arn, self._resource_context(arn))]
        if operation in ("DescribeTransformJob", "StopTransformJob"):
            arn = self.arn("transform-job", str(params["TransformJobName"]))
            return [Request(action, arn, self._resource_context(arn))]
        if operation == "ListTags":
            arn = str(params["ResourceArn"])
            return [Request(action, arn, self._resource_context(arn))]
        if operation == "AddTags":
            arn = str(params["ResourceArn"])
            return [Request(action, arn, {**self._resource_context(arn), **request_tags})]
        if operation == "DeleteTags":
            arn = str(params["ResourceArn"])
            return [Request(action, arn, {**self._resource_context(arn), "aws:TagKeys": list(params["TagKeys"])})]
        raise AssertionError(f"no IAM mapping for sagemaker:{operation}: add one to {__name__}")

    @staticmethod
    def _lowercased(request: Request) -> Request:
        """The request with the SageMaker resource's name lowercased (other ARNs are matched as sent)."""
        if ":sagemaker:" not in request.resource:
            return request
        head, _, name = request.resource.rpartition("/")
        return Request(request.action, f"{head}/{name.lower()}" if head else request.resource, request.context)

    def _registry_statements(self, caller_account: str, resource: str) -> list[dict[str, Any]] | None:
        """The group policy statements that name ``caller_account``, when ``resource`` is another account's version
        or group; ``None`` when the resource is the caller's own (no resource policy needed)."""
        parts = resource.split(":")
        if len(parts) < 6 or parts[2] != "sagemaker" or parts[4] == caller_account or not parts[5].startswith("model-package"):
            return None
        root = f"arn:aws:iam::{caller_account}:root"
        return [
            statement
            for statement in self.resource_policies.get(parts[4], [])
            if root in [str(p) for p in _as_list((statement.get("Principal") or {}).get("AWS"))]
        ]

    def _registry_side(self, operation: str, params: Mapping[str, Any]) -> list[Request]:
        """What the registry's group policy must allow besides the caller's requests: CreateModel of its versions."""
        if operation != "CreateModel":
            return []
        return [
            Request("sagemaker:CreateModel", str(container["ModelPackageName"]))
            for container in params.get("Containers") or []
            if container.get("ModelPackageName")
        ]

    def authorize(self, principal: str, service: str, operation: str, params: Mapping[str, Any]) -> bool:
        """Evaluate every IAM request of the call, as sent and lowercased; record each decision."""
        statements = self.statements[principal]
        caller = self.accounts.get(principal, self.account)
        allowed = True
        for request in self.iam_requests(service, operation, params, self.accounts.get(principal)):
            for variant in {request.resource: request, self._lowercased(request).resource: self._lowercased(request)}.values():
                decision = evaluate(statements, variant)
                registry = self._registry_statements(caller, variant.resource)
                if decision == ALLOW and registry is not None:
                    decision = evaluate(registry, variant)
                self.decisions.append(Decision(principal, operation, variant, decision))
                allowed = allowed and decision == ALLOW
        for request in self._registry_side(operation, params):
            registry = self._registry_statements(caller, request.resource)
            if registry is not None:
                decision = evaluate(registry, request)
                self.decisions.append(Decision(f"{principal} (group policy)", operation, request, decision))
                allowed = allowed and decision == ALLOW
        return allowed

    # -- tracking what exists ------------------------------------------------------------------

    def record_success(self, operation: str, params: Mapping[str, Any]) -> None:
        tags = {str(tag["Key"]): str(tag["Value"]) for tag in params.get("Tags", [])}
        if operation == "CreateModel":
            self.tags[self.arn("model", str(params["ModelName"])).lower()] = tags
        elif operation == "CreateTransformJob":
            self.tags[self.arn("transform-job", str(params["TransformJobName"])).lower()] = tags
        elif operation == "CreateModelPackage":
            group = str(params["ModelPackageGroupName"])
            self.tags[self.arn("model-package", f"{group}/1").lower()] = tags
        elif operation == "DeleteModel":
            self.tags.pop(self.arn("model", str(params["ModelName"])).lower(), None)
        elif operation == "AddTags":
            self.tags.setdefault(str(params["ResourceArn"]).lower(), {}).update(tags)
        elif operation == "DeleteTags":
            for key in params["TagKeys"]:
                self.tags.get(str(params["ResourceArn"]).lower(), {}).pop(key, None)

    # -- hooking into clients ------------------------------------------------------------------

    def attach(self, client: Any, principal: str, account: str | None = None) -> None:
        """Authorize every call of ``client`` (a botocore client) against ``principal``'s policy (in ``account``)."""
        if account is not None:
            self.accounts[principal] = account
        service = client.meta.service_model.service_name
        replay = self

        def before(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            context["iam_replay_params"] = dict(params)
            if not replay.authorize(principal, service, model.name, params):
                denied = [d.request for d in replay.denied if d.operation == model.name]
                print(f"iam replay: denied {denied}")  # shown with the failing test's output
                raise ClientError(
                    {
                        "Error": {
                            "Code": "AccessDeniedException",
                            "Message": f"User: {principal} is not authorized to perform: {service}:{model.name} "
                            "(replayed against the synthesized policy)",
                        },
                        "ResponseMetadata": {"HTTPStatusCode": 400},
                    },
                    model.name,
                )

        def after(parsed: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            if "Error" not in parsed and "iam_replay_params" in context:
                replay.record_success(model.name, context["iam_replay_params"])

        client.meta.events.register_first("provide-client-params.*.*", before)
        client.meta.events.register("after-call.*.*", after)


# --- a stack's synthesized template, as CloudFormation delivers it to the handler of a stack ----------


def stack_pseudo(stack_id: str) -> dict[str, str]:
    """The pseudo parameters of the stack ``stack_id`` (``arn:aws:cloudformation:<region>:<account>:stack/...``)."""
    region, account = stack_id.split(":")[3:5]
    return {"AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": account, "AWS::StackId": stack_id}


def handler_statements(template: dict[str, Any], stack_id: str) -> list[dict[str, Any]]:
    """The resolved statements of the handler's policies (its own and the log group's)."""
    resolver = Resolver(template, pseudo=stack_pseudo(stack_id))
    return [
        statement
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Policy" and logical_id.startswith("AutopilotInferenceProviderHandler")
        for statement in resolver.resolve(resource["Properties"]["PolicyDocument"])["Statement"]
    ]


def delivered_properties(template: dict[str, Any], logical_id: str, stack_id: str, **changes: Any) -> dict[str, Any]:
    """A custom resource's properties as CloudFormation delivers them (tokens resolved, no ``ServiceToken``)."""
    resolved = Resolver(template, pseudo=stack_pseudo(stack_id)).resolve(template["Resources"][logical_id]["Properties"])
    resolved.pop("ServiceToken", None)
    resolved.update(changes)
    return dict(resolved)


def properties_of(templates: Mapping[str, dict[str, Any]], stack: Any, construct: Any, stack_id: str, **changes: Any) -> dict[str, Any]:
    """``construct``'s custom-resource properties in ``stack``'s synthesized template, as CloudFormation delivers them."""
    template = templates[stack.stack_name]
    return delivered_properties(template, custom_resource_id(stack, construct), stack_id, **changes)
