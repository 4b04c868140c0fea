#!/usr/bin/env python3
"""CDK Pipelines: one pipeline deploys the platform layout to a Dev and a Prod account.

    cdk synth --app "python3 -m examples.platform.pipeline"

The pipeline lives in the tooling account; each stage is one account with its model, scoring and
serving stacks, deployed in dependency order (model first). Dev builds its model from the AutoML
job and registers the candidate in the model registry (a new version of ``churn-models``, pending
approval, which Prod's account may deploy); Prod deploys the group's newest Approved version. A
person approves a version in SageMaker Studio, then releases the pipeline's Prod stage. Accounts, region and the source
connection come from context (``-c dev_account=... -c prod_account=... -c connection_arn=...``);
the defaults are examples. Every target account must be bootstrapped to trust the tooling account
(``cdk bootstrap --trust <tooling account>``).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import pipelines
from constructs import Construct

from examples.platform.stacks import MODEL_PACKAGE_GROUP_NAME, create_account_stacks

TOOLING_ACCOUNT = "000000000000"
DEV_ACCOUNT = "111111111111"
PROD_ACCOUNT = "222222222222"
REGION = "eu-west-1"
CONNECTION_ARN = "arn:aws:codeconnections:eu-west-1:000000000000:connection/00000000-0000-0000-0000-000000000000"
REPOSITORY = "example-org/churn-inference"


class ChurnStage(cdk.Stage):
    """One account: the model, scoring and serving stacks (``register_for`` / ``approved_from``: see ``ModelStack``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        register_for: list[str] | None = None,
        approved_from: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.model_stack, self.scoring_stack, self.serving_stack = create_account_stacks(
            self, prefix="Churn", register_for=register_for, approved_from=approved_from
        )


class PipelineStack(cdk.Stack):
    """The pipeline: source, synth, then the Dev stage and the Prod stage."""

    def __init__(self, scope: Construct, id: str, *, dev: cdk.Environment, prod: cdk.Environment, connection_arn: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        source = pipelines.CodePipelineSource.connection(REPOSITORY, "main", connection_arn=connection_arn)
        pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            cross_account_keys=True,
            synth=pipelines.ShellStep(
                "Synth",
                input=source,
                commands=["make install", "npx cdk synth --app 'python3 -m examples.platform.pipeline'"],
            ),
        )
        # Dev registers each new candidate for Prod; Prod deploys the newest version a person approved.
        pipeline.add_stage(ChurnStage(self, "Dev", env=dev, register_for=[str(prod.account)]))
        group_arn = f"arn:aws:sagemaker:{dev.region}:{dev.account}:model-package-group/{MODEL_PACKAGE_GROUP_NAME}"
        pipeline.add_stage(
            ChurnStage(self, "Prod", env=prod, approved_from=group_arn),
            pre=[pipelines.ManualApprovalStep("PromoteToProd")],
        )


def main() -> None:
    app = cdk.App()
    context = app.node.try_get_context
    region = context("region") or REGION
    PipelineStack(
        app,
        "ChurnPipeline",
        env=cdk.Environment(account=context("tooling_account") or TOOLING_ACCOUNT, region=region),
        dev=cdk.Environment(account=context("dev_account") or DEV_ACCOUNT, region=region),
        prod=cdk.Environment(account=context("prod_account") or PROD_ACCOUNT, region=region),
        connection_arn=context("connection_arn") or CONNECTION_ARN,
    )
    app.synth()


if __name__ == "__main__":
    main()
