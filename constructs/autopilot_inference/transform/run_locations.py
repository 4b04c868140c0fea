"""Per-run job names and S3 locations of a scheduled transform, as Step Functions intrinsics.

Pure functions, no CDK: the construct emits them, ``summary`` and the tests read them.

A location template is an ``s3://`` URI that may hold placeholders for the run's
scheduled time (always UTC: EventBridge Scheduler's ``<aws.scheduler.scheduled-time>``,
or the execution's start time for a run started by hand without one):

==============  ==========================  ===========================
placeholder     value                       for 2026-12-01T02:00:00Z
==============  ==========================  ===========================
``{date}``      ``YYYY-MM-DD``              ``2026-12-01``
``{time}``      ``HH-MM-SS``                ``02-00-00``
``{datetime}``  ``YYYY-MM-DDTHH-MM-SSZ``    ``2026-12-01T02-00-00Z``
``{year}``      ``YYYY``                    ``2026``
``{month}``     ``MM``                      ``12``
``{day}``       ``DD``                      ``01``
``{hour}``      ``HH``                      ``02``
``{minute}``    ``MM``                      ``00``
``{job_name}``  the run's transform job     ``nightly-20261201t0200-1a2b3c4d``
==============  ==========================  ===========================

The job name is ``<prefix>-<YYYYMMDD>t<HHMM>-<run id>``. For a scheduled run the run id is
``s<SS>`` (the scheduled time's seconds): the name is a function of the schedule (its prefix,
unique in the app) and the scheduled time, so a second execution for the same time (a retried
or duplicated ``StartExecution``) finds the job already there instead of starting another. A
run started by hand without a scheduled time gets the first group of a UUID drawn once per
execution (``States.UUID()``): two such runs never share a name. Either way the task's retries
and a redrive of the execution reuse the name.

Literal text may not hold ``'``, ``\\``, ``{`` or ``}`` (outside placeholders): ASL
interpreters escape them differently inside ``States.Format`` literals.

The state machine splits the time with ``States.StringSplit(time, '-T:.Z')`` into
``[YYYY, MM, DD, HH, MM, SS, ...]`` and joins the pieces with ``States.Format``;
:func:`render` is the same computation in Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .._lambda.autopilot_runtime import contract
from .._private.s3_uris import s3_uri_problem

TIME_DELIMITERS = "-T:.Z"
"""``States.StringSplit`` delimiters that cut an ISO-8601 UTC time into its fields."""

RUN_ID_LENGTH = 8
"""Length of the longest run id: the first group of a UUID (8 lowercase hex digits)."""

SCHEDULED_RUN_ID_PREFIX = "s"
"""A scheduled run's id is ``s<SS>``, the seconds of its scheduled time."""

FORBIDDEN_LITERAL_CHARACTERS = ("'", "\\", "{", "}")
"""Characters refused in a template's literal text: interpreters escape them differently in ``States.Format``."""

JOB_NAME_TIME_LENGTH = len("20261201t0200")
MAX_JOB_NAME_PREFIX_LENGTH = contract.MAX_NAME_LENGTH - JOB_NAME_TIME_LENGTH - RUN_ID_LENGTH - 2
"""40: what is left of a job name's 63 characters for the prefix."""

# The fields of the split time by index, and what each placeholder is made of: a string is
# literal text, an int the index of a time field, ``RUN_ID`` the run id.
YEAR, MONTH, DAY, HOUR, MINUTE, SECOND = range(6)


class _RunId:
    """The run id's place in a name or location (a marker, never literal text)."""

    def __repr__(self) -> str:
        return "RUN_ID"


RUN_ID = _RunId()

Piece = str | int | _RunId
"""One piece of a parsed template: literal text, a time field index or ``RUN_ID``."""

PLACEHOLDERS: dict[str, tuple[Piece, ...]] = {
    "date": (YEAR, "-", MONTH, "-", DAY),
    "time": (HOUR, "-", MINUTE, "-", SECOND),
    "datetime": (YEAR, "-", MONTH, "-", DAY, "T", HOUR, "-", MINUTE, "-", SECOND, "Z"),
    "year": (YEAR,),
    "month": (MONTH,),
    "day": (DAY,),
    "hour": (HOUR,),
    "minute": (MINUTE,),
}
JOB_NAME_PLACEHOLDER = "job_name"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class LocationTemplateError(ValueError):
    """A location template with an unknown placeholder or stray braces."""


def job_name_pieces(prefix: str) -> tuple[Piece, ...]:
    """What a run's job name is made of: ``<prefix>-<YYYYMMDD>t<HHMM>-<run id>``."""
    return (f"{prefix}-", YEAR, MONTH, DAY, "t", HOUR, MINUTE, "-", RUN_ID)


def placeholders(template: str) -> list[str]:
    """The placeholders of ``template``, in order."""
    return _PLACEHOLDER.findall(template)


def parse(template: str, prop: str, *, job_name_prefix: str) -> list[Piece]:
    """``template`` as literal text, time field indices and ``RUN_ID``, adjacent literals joined.

    Raises:
        LocationTemplateError: an unknown placeholder, or a brace outside a placeholder.
    """
    pieces: list[Piece] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        pieces.append(template[position : match.start()])
        name = match.group(1)
        if name == JOB_NAME_PLACEHOLDER:
            pieces.extend(job_name_pieces(job_name_prefix))
        elif name in PLACEHOLDERS:
            pieces.extend(PLACEHOLDERS[name])
        else:
            known = ", ".join("{" + known + "}" for known in [*PLACEHOLDERS, JOB_NAME_PLACEHOLDER])
            raise LocationTemplateError(
                f"{prop} has the unknown placeholder {{{name}}} in {template!r}; use one of {known}."
            )
        position = match.end()
    pieces.append(template[position:])
    for piece in pieces:
        if isinstance(piece, str) and ("{" in piece or "}" in piece):
            raise LocationTemplateError(
                f"{prop} has a brace outside a placeholder in {template!r}; placeholders look like {{date}}."
            )
        if isinstance(piece, str):
            found = [character for character in FORBIDDEN_LITERAL_CHARACTERS if character in piece]
            if found:
                raise LocationTemplateError(
                    f"{prop} has {' and '.join(repr(character) for character in found)} in {template!r}: quotes "
                    "and backslashes cannot be passed through the state machine's States.Format reliably. Use "
                    "letters, digits and - _ . / = in the location."
                )
    return _join_literals(pieces)


def checked(template: str, prop: str, *, job_name_prefix: str) -> list[Piece]:
    """``template`` as pieces, checked as ``AutopilotScheduledTransform`` checks it (and ``plan`` with it).

    Raises:
        LocationTemplateError: a placeholder in the bucket, an S3 URI problem (``_private.s3_uris``), an
            unknown placeholder or a stray brace, a rendering longer than SageMaker's S3 URIs.
    """
    bucket = template[len("s3://") :].split("/", 1)[0] if isinstance(template, str) else ""
    if "{" in bucket:
        raise LocationTemplateError(
            f"{prop}: the bucket of {template!r} must be literal; placeholders may only appear in the key."
        )
    problem = s3_uri_problem(template, prop)
    if problem is None:
        pieces = parse(template, prop, job_name_prefix=job_name_prefix)
        longest = sample(pieces)
        problem = s3_uri_problem(longest, prop)
    if problem is not None:
        raise LocationTemplateError(problem)
    if len(longest) > contract.MAX_S3_URI_LENGTH:
        raise LocationTemplateError(
            f"{prop} {template!r} renders up to {len(longest)} characters (e.g. {longest[:60]}...); SageMaker takes "
            f"S3 URIs of at most {contract.MAX_S3_URI_LENGTH}. Shorten the template or the job_name_prefix."
        )
    return pieces


def _join_literals(pieces: Sequence[Piece]) -> list[Piece]:
    joined: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str):
            if not piece:
                continue
            if joined and isinstance(joined[-1], str):
                joined[-1] += piece
                continue
        joined.append(piece)
    return joined


def sample(pieces: Sequence[Piece], *, year: str = "2026", run_id: str = "0" * RUN_ID_LENGTH) -> str:
    """``pieces`` with the longest values each field can take (to check lengths and patterns)."""
    fields = [year, "12", "31", "23", "59", "59"]
    return "".join(
        piece if isinstance(piece, str) else run_id if isinstance(piece, _RunId) else fields[piece]
        for piece in pieces
    )


def render(pieces: Sequence[Piece], time: str, run_id: str) -> str:
    """What the state machine computes for ``pieces`` at ``time`` (ISO-8601 UTC) and ``run_id``."""
    fields = [part for part in re.split(f"[{re.escape(TIME_DELIMITERS)}]", time)]
    return "".join(
        piece if isinstance(piece, str) else run_id if isinstance(piece, _RunId) else fields[piece]
        for piece in pieces
    )


TOKEN_MARKER = re.compile(r"\$\{Token\[[^\]]*\]\}")
"""A CDK token inside a string (``${Token[...]}``): resolved by CDK at synthesis, never escaped."""


def _escape(text: str) -> str:
    """Literal text inside an intrinsic function's quoted string: escape ``' { } \\`` (CDK tokens left as they are)."""
    parts = TOKEN_MARKER.split(text)
    tokens = TOKEN_MARKER.findall(text)
    escaped = [re.sub(r"(['{}\\])", r"\\\1", part) for part in parts]
    return "".join(part + (tokens[index] if index < len(tokens) else "") for index, part in enumerate(escaped))


def without_tokens(template: str) -> str:
    """``template`` with each CDK token marker replaced by a blank of the same length (no braces)."""
    return TOKEN_MARKER.sub(lambda found: "_" * len(found.group(0)), template)


def intrinsic(pieces: Sequence[Piece], *, fields_path: str, run_id_path: str) -> str:
    """``States.Format`` of ``pieces``: the time fields from the array at ``fields_path``."""
    template = ""
    arguments: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            template += _escape(piece)
            continue
        template += "{}"
        arguments.append(run_id_path if piece == RUN_ID else f"States.ArrayGetItem({fields_path}, {piece})")
    if not arguments:
        return f"States.Format('{template}')"
    return f"States.Format('{template}', {', '.join(arguments)})"


def split_time_intrinsic(time_path: str) -> str:
    """The intrinsic that cuts the run's time into fields."""
    return f"States.StringSplit({time_path}, '{TIME_DELIMITERS}')"


RUN_ID_INTRINSIC = "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0)"
"""A run by hand's id: the first group of a fresh UUID, drawn once per execution."""


def scheduled_run_id_intrinsic(time_path: str) -> str:
    """A scheduled run's id, ``s<SS>``: a function of the scheduled time only."""
    return (
        f"States.Format('{SCHEDULED_RUN_ID_PREFIX}{{}}', "
        f"States.ArrayGetItem({split_time_intrinsic(time_path)}, {SECOND}))"
    )


def scheduled_run_id(time: str) -> str:
    """What :func:`scheduled_run_id_intrinsic` computes for ``time`` (ISO-8601 UTC)."""
    return SCHEDULED_RUN_ID_PREFIX + re.split(f"[{re.escape(TIME_DELIMITERS)}]", time)[SECOND]
