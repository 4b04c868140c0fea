"""The error a deployment shows in CloudFormation when the handler cannot go on."""

from __future__ import annotations


class AutopilotDeploymentError(Exception):
    """A deploy-time failure with a message that says what failed and what to do.

    The provider framework reports the message as the resource's status reason, so it
    names the AutoML job, candidate, transform job or property concerned.
    """
