"""``hearth schema``: the catalog reference (Markdown) and its JSON Schemas, generated from the models."""

from __future__ import annotations

import sys
from pathlib import Path

from hearth.catalog.reference import FILES, documentation_files, reference_markdown, schema_text
from hearth.commands.terminal import Voice, echo, user_errors


def schema_output(output: str, kind: str) -> str:
    """The text ``hearth schema`` prints: the reference (``markdown``) or one kind of file's JSON Schema."""
    if output == "markdown":
        return reference_markdown()
    if kind not in FILES:
        raise ValueError(f"--file: {kind!r} is not a kind of catalog file; one of: {', '.join(FILES)}")
    return schema_text(kind)


def write_documentation(directory: Path) -> list[Path]:
    """Write the reference and the schemas under ``directory`` (e.g. ``docs``); return the files written.

    Only these files are touched; each is replaced whole, so a rerun on current models changes nothing.
    """
    written: list[Path] = []
    for relative, text in documentation_files().items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        written.append(path)
    return written


def schema_command(output: str, kind: str, out_dir: Path | None, voice: Voice) -> None:
    """``hearth schema``: print the reference or a schema, or with ``out_dir`` write them all and name each (one
    line for them all with --quiet)."""
    with user_errors():
        if out_dir is not None:
            voice.stage(f"write: the reference and the schemas under {out_dir}")
            paths = write_documentation(out_dir)
            voice.done()
            if voice.quiet:
                echo(f"wrote {len(paths)} files under {out_dir}")
            for path in [] if voice.quiet else paths:
                echo(f"wrote {path}")
            return
        voice.stage(f"generate: {'the reference' if output == 'markdown' else f'the {kind} schema'}")
        text = schema_output(output, kind)
        voice.done()
        sys.stdout.write(text)
