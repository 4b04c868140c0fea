"""Report sections: one table per benchmark, rendered as plain text (stdout) and Markdown."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata


@dataclass
class Section:
    """One benchmark's results: a title, a one-line explanation, a table and notes."""

    title: str
    explanation: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


def machine_facts() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    facts = [
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("platform", platform.platform()),
        ("cpu count", str(os.cpu_count())),
    ]
    for package in ("aws-cdk-lib", "boto3", "botocore"):
        try:
            facts.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            facts.append((package, "not installed"))
    return facts


def _widths(section: Section) -> list[int]:
    columns = [section.headers, *section.rows]
    return [max(len(row[index]) for row in columns) for index in range(len(section.headers))]


def text_table(section: Section) -> str:
    """The section as an aligned plain-text table with its notes."""
    widths = _widths(section)

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    parts = [section.title, "=" * len(section.title), line(section.headers), line(["-" * width for width in widths])]
    parts += [line(row) for row in section.rows]
    parts += [f"  * {note}" for note in section.notes]
    return "\n".join(parts)


def markdown_table(section: Section) -> str:
    """The section as a Markdown table with its explanation and notes."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    parts = [f"## {section.title}", "", section.explanation, "", line(section.headers)]
    parts.append("| " + " | ".join("---" for _ in section.headers) + " |")
    parts += [line(row) for row in section.rows]
    if section.notes:
        parts.append("")
        parts += [f"- {note}" for note in section.notes]
    return "\n".join(parts)


def render_text(sections: list[Section]) -> str:
    """Everything for stdout."""
    facts = ", ".join(f"{name} {value}" for name, value in machine_facts())
    return "\n\n".join([f"Benchmarks ({facts})", *(text_table(section) for section in sections)]) + "\n"


def render_markdown(sections: list[Section], *, elapsed_seconds: float | None = None) -> str:
    """The whole of BENCHMARKS.md."""
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# Benchmarks",
        "",
        "Written by `benchmarks/run.py`: do not edit the figures by hand. Regenerate with `make bench`",
        "(`.venv/bin/python -m benchmarks.run`). Other work may share the machine, so absolute times are",
        "noisy: the figures that matter are ratios and counts measured in the same run. Targets are",
        "reported next to the measured value, never asserted.",
        "",
        "| machine | |",
        "| --- | --- |",
    ]
    header += [f"| {name} | {value} |" for name, value in machine_facts()]
    header.append(f"| generated | {generated} |")
    if elapsed_seconds is not None:
        header.append(f"| run took | {elapsed_seconds:.0f} s |")
    body = [markdown_table(section) for section in sections]
    return "\n".join(header) + "\n\n" + "\n\n".join(body) + "\n"


def write_report(path: str | os.PathLike[str], sections: list[Section], *, elapsed_seconds: float | None = None) -> str:
    """Write BENCHMARKS.md; returns the text written."""
    text = render_markdown(sections, elapsed_seconds=elapsed_seconds)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return text
