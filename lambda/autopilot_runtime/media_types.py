"""What an Autopilot model reads and answers: the media types of its containers, in one place.

The synth-time warnings (``value_checks.content_type``/``accept``) and the deploy-time check
of a transform job's ``ContentType``/``Accept`` both read the tuples here. At deploy time
the model handler derives a candidate's :class:`MediaTypes` from the job's problem type
(and, when the job reports none, from its containers) and returns them in the model's
``Data``; the transform handler refuses a value outside them before ``CreateTransformJob``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import contract

AUTOPILOT_INPUT_CONTENT_TYPES = ("text/csv",)
"""What Autopilot's tabular inference pipelines read (the inverse label transform reads only CSV)."""

AUTOPILOT_ACCEPT_TYPES = ("text/csv", "application/json", "application/jsonlines")
"""What the last container of an Autopilot tabular pipeline answers."""

TABULAR_PROBLEM_TYPES = ("BinaryClassification", "MulticlassClassification", "Regression", "Tabular")
"""Problem types of tabular jobs: V1 jobs, and V2 ``TabularJobConfig`` (resolved, or the config name)."""

# Environment variables only Autopilot's tabular containers set (feature/inverse label
# transform, algorithm and AutoGluon ensembles); image and text (V2) containers have neither.
_TABULAR_MARKERS = ("AUTOML_TRANSFORM_MODE", "SAGEMAKER_INFERENCE_SUPPORTED")

# Data keys of the model resource (the contract's): comma-joined media types; empty means not known.


def media_type(value: str) -> str:
    """``text/CSV; charset=utf-8`` -> ``text/csv``."""
    return value.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class MediaTypes:
    """What a model reads (``inputs``) and answers (``answers``); an empty tuple: not known, anything goes."""

    inputs: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()

    def data(self) -> dict[str, str]:
        """The model's ``Data`` entries, comma-joined."""
        return {contract.ATTR_INPUT_CONTENT_TYPES: ",".join(self.inputs), contract.ATTR_ACCEPT_TYPES: ",".join(self.answers)}


TABULAR = MediaTypes(AUTOPILOT_INPUT_CONTENT_TYPES, AUTOPILOT_ACCEPT_TYPES)
UNKNOWN = MediaTypes()


def _is_tabular_pipeline(containers: Iterable[Mapping[str, Any]]) -> bool:
    for container in containers:
        environment = container.get("Environment") if isinstance(container, Mapping) else None
        if isinstance(environment, Mapping) and any(marker in environment for marker in _TABULAR_MARKERS):
            return True
    return False


def model_media_types(problem_type: str | None, containers: Iterable[Mapping[str, Any]] = ()) -> MediaTypes:
    """What a candidate's model reads and answers.

    Tabular candidates (V1 jobs, V2 tabular; HPO pipelines and ensembles) read ``text/csv``
    and answer CSV, JSON or JSON Lines. Image and text (V2) candidates and other problem
    types: not known here, so no constraint. A job that reports no problem type is judged
    by its containers (tabular ones set ``AUTOML_TRANSFORM_MODE`` or ``SAGEMAKER_INFERENCE_SUPPORTED``).
    """
    if problem_type:
        return TABULAR if problem_type in TABULAR_PROBLEM_TYPES else UNKNOWN
    return TABULAR if _is_tabular_pipeline(containers) else UNKNOWN


def parse_list(value: Any) -> tuple[str, ...]:
    """A comma-joined media type list (a Data value or transform property) as normalized types."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(media_type(str(item)) for item in items if str(item).strip())


def is_allowed(value: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``value`` (parameters ignored, case-insensitive) is among ``allowed``; empty ``allowed``: anything."""
    return not allowed or media_type(value) in allowed
