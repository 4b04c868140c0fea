#!/usr/bin/env python3
"""Example app: a finished SageMaker Autopilot job as a model and a batch transform job.

    cdk synth                                    # built-in example, environment-agnostic, offline
    cdk synth -c config=examples/environments.yaml   # one stack per account/region entry
    cdk synth -c nag=true                        # also run cdk-nag's AwsSolutions checks (pip install cdk-nag)

The configuration is loaded and checked by ``examples/app/config.py``; the stack is
``examples/app/stack.py``'s ``AutopilotInferenceStack``; cdk-nag comes through the library's
``autopilot_inference.add_nag_checks``. They are the example app, not part of the library (its
wheel holds neither): ``cdk synth`` runs ``python3 app.py`` (``cdk.json``), so Python finds the
``examples`` package beside this file. This file only wires them together.
"""

import sys

import aws_cdk as cdk

from examples.app.config import ConfigError, apply_nag_checks, config_from_context, nag_requested
from examples.app.stack import create_stacks


def main() -> None:
    app = cdk.App()
    try:
        config = config_from_context(app)
        nag = nag_requested(app)
        create_stacks(app, config)
        if nag:
            apply_nag_checks(app)
    except ConfigError as error:
        sys.exit(f"Configuration error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
