"""The import path the README documented before the IAM code moved beside each construct.

``autopilot_inference.permissions.source_role_policy`` keeps working; new code imports
``autopilot_inference.source_role_policy``. The statements themselves live in
``provider_permissions.py`` (the handler's), ``execution_permissions.py`` (the model's role)
and ``scheduled_permissions.py`` (the scheduled transform's).
"""

from __future__ import annotations

from .cross_account import source_role_policy

__all__ = ["source_role_policy"]
