"""The options several commands share, declared once, and the output formats.

One meaning per short flag across all commands (``tests/cli/test_flags.py`` holds them to it): ``-o`` is
``--output``, the format of what is printed; a directory written is ``--out`` (no short flag); ``-p`` the catalog,
``-b`` a build to read, ``-t`` tags, ``-q`` and ``-v`` how much is said beside the result. Light on purpose:
``hearth --help`` and ``hearth validate`` import this and typer, nothing of the pipeline.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    """The output formats of the commands that print a report: a table for a person, JSON for a program."""

    table = "table"
    json = "json"


class DoctorFormat(StrEnum):
    """Formats of ``hearth doctor``."""

    text = "text"
    json = "json"


class SchemaFormat(StrEnum):
    """Formats of ``hearth schema``."""

    markdown = "markdown"
    json = "json"


class GraphFormat(StrEnum):
    """Formats of ``hearth graph``."""

    mermaid = "mermaid"
    dot = "dot"


FormatOpt = Annotated[Format, typer.Option("--output", "-o", help="table or json.")]
PlatformOpt = Annotated[
    Path | None,
    typer.Option(
        "--platform",
        "-p",
        help="Catalog directory (platform.yaml + services/). Default: the packaged seed platform.",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path,
    typer.Option("--out", help="Build directory, replaced as a whole (only if empty or a previous build)."),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only errors and the result: no stage lines, no warnings.")
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Print each stage on stderr with the seconds since the start, and per-step detail."
    ),
]
DetailsOpt = Annotated[bool, typer.Option("--details", help="Print every table of every section, as well.")]
TagsOpt = Annotated[
    list[str] | None,
    typer.Option("--tags", "-t", help="Select by tag (component, namespace, base/databases/apps); repeatable."),
]
NoDepsOpt = Annotated[bool, typer.Option("--no-deps", help="Do not add the selection's transitive needs.")]
BuildOpt = Annotated[
    Path | None, typer.Option("--build", "-b", help="Deploy this rendered build instead of rendering the catalog.")
]
KubeconfigOpt = Annotated[
    str | None, typer.Option("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config).")
]
ContextOpt = Annotated[str | None, typer.Option("--context", help="kubeconfig context (default: the current one).")]
