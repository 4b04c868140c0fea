"""Real-time serving: ``AutopilotEndpoint``, serverless inference, deployment policies, alarms,
metrics, scaling and data capture."""
