"""The custom-resource provider: the one handler function per stack, its permissions and
cdk-nag acknowledgements, and the handler code asset."""
