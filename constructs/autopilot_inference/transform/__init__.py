"""Batch transform jobs: deploy-time (``AutopilotBatchTransform``) and scheduled
(``AutopilotScheduledTransform``), their shared options, run locations, schedules, waits and IAM."""
