"""Test support checked against references written by others (the IAM authorization reference)."""
