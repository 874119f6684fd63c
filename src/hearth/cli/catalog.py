"""The commands that read the catalog only: validate, plan, graph, init, schema and doctor.

Option declarations and help only; each body is one call into ``hearth.commands``, imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearth.cli.options import (
    DoctorFormat,
    Format,
    FormatOpt,
    GraphFormat,
    NoDepsOpt,
    PlatformOpt,
    QuietOpt,
    SchemaFormat,
    VerboseOpt,
)


def validate(platform: PlatformOpt = None, quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Load the catalog and check it whole: schema, references, cycles, addresses and ports.

    Exit status: 0 when valid; 2 with one line FILE:LINE: FIELD: message per problem when not.
    """
    from hearth.commands.terminal import voice
    from hearth.commands.validate import validate_command

    validate_command(platform, voice(quiet, verbose))


def plan(
    platform: PlatformOpt = None,
    tags: Annotated[
        list[str] | None,
        typer.Option(
            "--tags",
            "-t",
            help="Select by tag: base, databases, apps, a component or a namespace. "
            "Repeat or comma-separate. Needs are included.",
        ),
    ] = None,
    no_deps: NoDepsOpt = False,
    output: FormatOpt = Format.table,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show the deploy order: waves of components that can start together, and the critical path.

    Exit status: 0 when planned; 2 on a bad catalog or an unknown tag.
    """
    from hearth.commands.plan import plan_command
    from hearth.commands.terminal import voice

    plan_command(platform, tags, voice(quiet, verbose), no_deps=no_deps, json_output=output is Format.json)


def graph(
    platform: PlatformOpt = None,
    output: Annotated[
        GraphFormat, typer.Option("--output", "-o", "--format", help="mermaid or dot.")
    ] = GraphFormat.mermaid,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Print the dependency graph (an edge a --> b means a needs b) as Mermaid or Graphviz dot.

    Exit status: 0 when printed; 2 on a bad catalog.
    """
    from hearth.commands.plan import graph_command
    from hearth.commands.terminal import voice

    graph_command(platform, voice(quiet, verbose), dot=output is GraphFormat.dot)


def init(
    directory: Annotated[Path, typer.Argument(help="Where to write the catalog (must not exist or be empty).")],
    blank: Annotated[
        bool, typer.Option("--blank", help="A minimal platform (one node, one example component, no claims).")
    ] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write the default platform catalog (or with --blank a minimal one) to DIRECTORY, to edit and pass back with
    --platform. Each file's first line points an editor at the JSON Schema written to DIRECTORY/.schema/.

    Exit status: 0 when written; 2 when DIRECTORY exists and is not empty, or cannot be written.
    """
    from hearth.commands.init import init_command
    from hearth.commands.terminal import voice

    init_command(directory, voice(quiet, verbose), blank=blank)


def schema(
    output: Annotated[
        SchemaFormat, typer.Option("--output", "-o", help="markdown (the reference) or json (a JSON Schema).")
    ] = SchemaFormat.markdown,
    file: Annotated[
        str, typer.Option("--file", help="With -o json: which file's schema: platform, component or claims.")
    ] = "platform",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write catalog-reference.md and schema/*.schema.json under this directory."),
    ] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The catalog explained from its own models: every field's type, default and meaning, or a JSON Schema.

    With --out DIR (the repository keeps them in docs/) the reference and every schema are written there.

    Exit status: 0 when printed or written; 2 on a bad --file or an unwritable DIR.
    """
    from hearth.commands.schema import schema_command
    from hearth.commands.terminal import voice

    schema_command(output.value, file, out_dir, voice(quiet, verbose))


def doctor(
    platform: PlatformOpt = None,
    output: Annotated[DoctorFormat, typer.Option("--output", "-o", help="text or json.")] = DoctorFormat.text,
    online: Annotated[
        bool, typer.Option("--online", help="Also reach every chart repository and image registry, fetch charts.")
    ] = False,
    kubeconfig: Annotated[str | None, typer.Option("--kubeconfig", help="kubeconfig deploy would use.")] = None,
    context: Annotated[str | None, typer.Option("--context", help="kubeconfig context (default: current).")] = None,
    vault_addr: Annotated[
        str | None, typer.Option("--vault-addr", help="Vault address bootstrap would use (default VAULT_ADDR).")
    ] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """What each stage needs on this machine (tools and versions, kubeconfig, Vault), and what in the catalog is
    end of life, unmaintained or outside a chart's kubeVersion. Offline unless --online; what is not checked says why.
    With --quiet, only what blocks and the verdict.

    Exit status: 0 when nothing blocks, 1 when a finding blocks a stage, 2 on bad input.
    """
    from hearth.commands.doctor import DoctorOptions, doctor_command
    from hearth.commands.terminal import voice

    options = DoctorOptions(online=online, kubeconfig=kubeconfig, context=context, vault_addr=vault_addr)
    doctor_command(platform, options, voice(quiet, verbose), json_output=output is DoctorFormat.json)
