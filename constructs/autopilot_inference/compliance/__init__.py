"""cdk-nag: the acknowledgement machinery (imports no construct) and ``add_nag_checks``."""
