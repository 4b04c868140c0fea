"""SageMaker ML instance types, as botocore's SageMaker API model lists them (generated; see tests/constructs/test_prop_types.py).

The enums grow with new instance families: a type missing here is only warned about, and
an unknown family is refused only when no installed botocore knows it either.
"""

from __future__ import annotations

# botocore 1.44.8, shape TransformInstanceType: {family: sizes}.
TRANSFORM_INSTANCE_TYPES_BY_FAMILY: dict[str, tuple[str, ...]] = {
    "ml.m4": ("xlarge", "2xlarge", "4xlarge", "10xlarge", "16xlarge"),
    "ml.c4": ("xlarge", "2xlarge", "4xlarge", "8xlarge"),
    "ml.p2": ("xlarge", "8xlarge", "16xlarge"),
    "ml.p3": ("2xlarge", "8xlarge", "16xlarge"),
    "ml.c5": ("xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge"),
    "ml.m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "ml.m6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "ml.c6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "ml.r6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "ml.m7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.c7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.r7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.g4dn": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.g5": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.trn1": ("2xlarge", "32xlarge"),
    "ml.inf2": ("xlarge", "8xlarge", "24xlarge", "48xlarge"),
    "ml.g6": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.g6e": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
}


# botocore 1.44.8, shape ProductionVariantInstanceType: {family: sizes}.
ENDPOINT_INSTANCE_TYPES_BY_FAMILY: dict[str, tuple[str, ...]] = {
    "ml.t2": ("medium", "large", "xlarge", "2xlarge"),
    "ml.m4": ("xlarge", "2xlarge", "4xlarge", "10xlarge", "16xlarge"),
    "ml.m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "ml.m5d": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "ml.c4": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge"),
    "ml.p2": ("xlarge", "8xlarge", "16xlarge"),
    "ml.p3": ("2xlarge", "8xlarge", "16xlarge"),
    "ml.c5": ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge"),
    "ml.c5d": ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge"),
    "ml.g4dn": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "ml.r5d": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "ml.inf1": ("xlarge", "2xlarge", "6xlarge", "24xlarge"),
    "ml.dl1": ("24xlarge",),
    "ml.c6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "ml.m6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "ml.r6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "ml.g5": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.g6": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.r8g": ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.g6e": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.g7e": ("2xlarge", "4xlarge", "8xlarge", "12xlarge", "24xlarge", "48xlarge"),
    "ml.g7": ("2xlarge", "4xlarge", "8xlarge", "12xlarge", "24xlarge", "48xlarge"),
    "ml.p4d": ("24xlarge",),
    "ml.c7g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.m6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.m6gd": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.c6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.c6gd": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.c6gn": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.r6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.r6gd": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.p4de": ("24xlarge",),
    "ml.trn1": ("2xlarge", "32xlarge"),
    "ml.trn1n": ("32xlarge",),
    "ml.trn2": ("48xlarge",),
    "ml.inf2": ("xlarge", "8xlarge", "24xlarge", "48xlarge"),
    "ml.p5": ("48xlarge", "4xlarge"),
    "ml.p5e": ("48xlarge",),
    "ml.p5en": ("48xlarge",),
    "ml.m7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.c7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.r7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.c8g": ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.r7gd": ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "ml.m8g": ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "ml.c6in": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "ml.p6-b200": ("48xlarge",),
    "ml.p6-b300": ("48xlarge",),
    "ml.p6e-gb200": ("36xlarge",),
}


SERVICE_SHAPES = {"TRANSFORM_INSTANCE_TYPES_BY_FAMILY": "TransformInstanceType", "ENDPOINT_INSTANCE_TYPES_BY_FAMILY": "ProductionVariantInstanceType"}
"""Which botocore shape each table copies."""
