"""The document as one self-contained HTML page: the Markdown rendered, the figures inline, the full audit.

Nothing is fetched: the CSS is inline, the pictures are inline SVG (:mod:`hearth.docs.pictures`), there is no
script and the favicon is an empty data URL, so the page opens offline with a clean console. Mermaid blocks stay
as their source (collapsed), beside the SVG drawn from the same data. The appendix carries every table
``hearth check`` prints, section by section, with its verdict, warnings and notes.
"""

from __future__ import annotations

import re
from html import escape, unescape

from markdown_it import MarkdownIt
from rich.errors import MarkupError
from rich.table import Table
from rich.text import Text

from hearth.docs.facts import Facts
from hearth.docs.pictures import FIGURES
from hearth.docs.text import MARKS, anchor
from hearth.verify.report import TITLES

__all__ = ["CSS", "html"]

CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; color: #1d2733; }
h1 { border-bottom: 2px solid #3b82c4; padding-bottom: .3rem; }
h2 { border-bottom: 1px solid #d0d7de; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .85rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f6f9; }
code, pre { font-family: ui-monospace, monospace; font-size: .82rem; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; }
figure.picture { margin: 1rem 0; overflow-x: auto; }
figcaption { font-size: .85rem; color: #57606a; }
details > summary { cursor: pointer; color: #3b5b7b; margin: .3rem 0; }
[class^="verdict-"] { font-weight: 600; padding: 0 .3rem; border-radius: 3px; }
.verdict-pass { color: #1a7f37; background: #dafbe1; } .verdict-warn { color: #9a6700; background: #fff8c5; }
.verdict-fail { color: #cf222e; background: #ffebe9; }
hr { border: 0; border-top: 1px solid #eee; }
"""

_TONE = {"pass": "pass", "holds": "pass", "warn": "warn", "fail": "fail", "contradicted": "fail"}
_FENCE = re.compile(r'<pre><code class="language-mermaid">(.*?)</code></pre>', re.S)
_HEADING = re.compile(r"<h([23])>(.*?)</h\1>", re.S)
_FIGURE = re.compile(r"<!-- figure: ([a-z-]+) -->")


def _cell(renderable: object) -> str:
    if isinstance(renderable, Text):
        return escape(renderable.plain)
    if isinstance(renderable, str):
        try:
            return escape(Text.from_markup(renderable).plain)
        except MarkupError:  # printed by rich with markup off: the text as it is
            return escape(renderable)
    return escape(str(renderable))


def table_html(table: Table) -> str:
    """A rich table of ``hearth check`` as an HTML table (title as caption, cells as plain text)."""
    head = "".join(f"<th>{_cell(column.header)}</th>" for column in table.columns)
    columns = [list(column.cells) for column in table.columns]
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(cells[i])}</td>" for cells in columns) + "</tr>" for i in range(table.row_count)
    )
    caption = f"<caption>{_cell(table.title)}</caption>" if table.title else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _audit(facts: Facts) -> str:
    parts = ['<h2 id="full-audit">Full Audit</h2>', "<p>Every table of <code>hearth check</code>, by section.</p>"]
    for key, section in facts.report.sections():
        verdict = facts.status(key)
        parts.append(
            f'<h3 id="audit-{key}">{escape(TITLES[key])} <span class="verdict-{verdict}">{verdict}</span></h3>'
        )
        parts.append(f"<p>{escape(section.summary())}</p>")
        parts += [table_html(table) for table in section.tables()]
        notes = [*(getattr(section, "warnings", None) or []), *(getattr(section, "notes", None) or [])]
        if notes:
            parts.append("<ul>" + "".join(f"<li>{escape(str(note))}</li>" for note in notes) + "</ul>")
    return "".join(parts)


def _heading(match: re.Match[str]) -> str:
    level, inner = match.group(1), match.group(2)
    return f'<h{level} id="{anchor(unescape(re.sub(r"<[^>]+>", "", inner)))}">{inner}</h{level}>'


def html(facts: Facts, markdown: str) -> str:
    """The page: ``markdown`` rendered (headings with GitHub's anchors), figures in place, the full audit."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    body = renderer.render(markdown)
    body = _HEADING.sub(_heading, body)
    body = _FENCE.sub(
        lambda m: f"<details><summary>Mermaid source</summary><pre><code>{m.group(1)}</code></pre></details>", body
    )
    body = _FIGURE.sub(lambda m: FIGURES[m.group(1)](facts), body)
    for verdict, text in MARKS.items():  # words in colour: a headless browser may have no emoji font
        body = body.replace(text, f'<span class="verdict-{_TONE[verdict]}">{verdict}</span>')
    title = escape(f"Architecture: {facts.catalog.platform.name}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{title}</title><style>{CSS}</style></head>'
        f"<body>{body}{_audit(facts)}</body></html>\n"
    )
