"""Test support shared by several test modules: emulators of the AWS side, and IAM checks against the
authorization reference (``iam_reference``, ``iam_eval``, ``iam_replay``)."""
