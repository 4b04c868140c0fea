"""The model: ``AutopilotModel``, its base, a consumer stack's copy, the execution role with its
permissions and cdk-nag acknowledgements, S3 grants, and cross-account reader policies."""
