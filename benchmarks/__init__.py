"""Benchmarks of the constructs and the handler: ``make bench`` (``python -m benchmarks.run``).

A package run from the repository root; it imports the library and its own modules only (no
test code): the saved API responses of ``tests/fixtures`` are read as data.
"""
