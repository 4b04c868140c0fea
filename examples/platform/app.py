#!/usr/bin/env python3
"""The platform layout in one account: ``cdk synth --app "python3 -m examples.platform.app"``.

Accounts and region come from ``-c account=... -c region=...`` (defaults: an example account).
"""

import aws_cdk as cdk

from examples.platform.stacks import create_account_stacks


def main() -> None:
    app = cdk.App()
    env = cdk.Environment(
        account=app.node.try_get_context("account") or "111111111111",
        region=app.node.try_get_context("region") or "eu-west-1",
    )
    create_account_stacks(app, env=env)
    app.synth()


if __name__ == "__main__":
    main()
