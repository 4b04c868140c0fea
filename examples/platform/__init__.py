"""The platform-team layout: a model stack, a scoring stack and a serving stack per account (not part of the library)."""
