"""Shared plumbing of the rooms: ARNs, S3 URIs, tokens, ids, scopes, synthesis caches, role names, signatures,
CloudFormation values as text. Nothing here is public."""
