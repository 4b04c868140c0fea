"""Root of the custom-resource Lambda asset.

The Lambda imports ``autopilot_runtime.handler``; the installed construct package
imports the same code as ``autopilot_inference._lambda.autopilot_runtime``.
"""
