"""Construct ids of the stack singletons the library adds, in one place and without CDK: the provider and
construct modules name their singletons with them, ``diff`` tells the library's resources by them."""

PROVIDER_ID = "AutopilotInferenceProvider"
EXECUTION_ROLE_ID = "AutopilotInferenceExecutionRole"
STACK_SINGLETON_IDS = (PROVIDER_ID, EXECUTION_ROLE_ID)

__all__ = ["EXECUTION_ROLE_ID", "PROVIDER_ID", "STACK_SINGLETON_IDS"]
