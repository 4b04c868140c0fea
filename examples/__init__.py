"""The example app's code (``examples/app``) and configurations; not part of the library or its wheel."""
