"""Deploy-time code of the Autopilot inference constructs.

Modules import each other relatively so the package works both as the Lambda's
top-level ``autopilot_runtime`` and inside the installed ``autopilot_inference``.
"""
