"""The example app that ``app.py`` wires together: its configuration (:mod:`.config`) and its stack (:mod:`.stack`).

Not part of the library: a user's own app builds its stacks with the constructs of
``autopilot_inference`` and, for cdk-nag, calls ``autopilot_inference.add_nag_checks(app)``.
"""
