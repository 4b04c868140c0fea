"""The model registry: ``AutopilotModelPackage``, a candidate registered as a model package version."""
