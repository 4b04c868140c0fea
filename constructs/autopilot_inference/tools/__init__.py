"""The command line (``python -m autopilot_inference plan|summary|diff``) and how it words a template."""
