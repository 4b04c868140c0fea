"""Test harness shared by several test modules (emulators of the AWS side)."""
