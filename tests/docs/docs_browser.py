"""Debian's headless Chromium for the docs tests: open a page, collect its console, take a screenshot.

``chromium --headless`` with ``--enable-logging=stderr --v=0`` logs every console message (errors, uncaught
exceptions, refused resource loads) as a line with ``:CONSOLE`` on stderr; the page hearth writes has no
script, so any such line is a failure. Without Chromium the tests skip, except in CI (``CI`` set), where they
fail: ``make test`` installs it (scripts/install-services.sh).

Mermaid is validated for real by the same browser: the page :func:`mermaid_page` loads the pinned
``mermaid.min.js`` that scripts/install-tools.sh unpacks into ``.tools/mermaid/`` (or ``$HEARTH_MERMAID_JS``)
and renders each diagram with ``mermaid.render``; the results land in the DOM that ``--dump-dom`` prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
MERMAID_JS = REPO_ROOT / ".tools" / "mermaid" / "mermaid.min.js"


def _absent(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: make test installs it", pytrace=False)
    pytest.skip(f"{what} is not installed (scripts/install-services.sh / install-tools.sh install it)")


def chromium() -> str:
    """Debian's chromium; skip when absent (fail in CI)."""
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found is None:
        _absent("chromium")
    assert found is not None
    return found


def mermaid_js() -> Path:
    """The pinned mermaid.min.js; skip when absent (fail in CI)."""
    path = Path(os.environ.get("HEARTH_MERMAID_JS") or MERMAID_JS)
    if not path.is_file():
        _absent(f"mermaid.min.js ({path})")
    return path


@dataclass(frozen=True)
class Opened:
    """What the browser saw: the serialised DOM after load and the console messages."""

    dom: str
    console: list[str]


def open_page(page: Path, profile: Path, *extra: str, budget_ms: int = 0) -> Opened:
    """Open ``page`` headless with a fresh profile; the DOM after load (and ``budget_ms`` of virtual time)."""
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
    ]
    if budget_ms:
        args.append(f"--virtual-time-budget={budget_ms}")
    result = subprocess.run(
        [*args, "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return Opened(result.stdout, console)


def screenshot(page: Path, profile: Path, out: Path, size: str = "1280,3000") -> Path:
    """A PNG of ``page`` at ``size`` (width,height) into ``out``."""
    subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--screenshot={out}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return out


def mermaid_page(blocks: list[str], target: Path) -> Path:
    """A page that renders each of ``blocks`` with Mermaid and writes ``["ok", "error: ..."]`` into #result."""
    script = mermaid_js().resolve().as_uri()
    target.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>'
        f'<pre id="result">pending</pre><script src="{script}"></script><script>'
        "mermaid.initialize({startOnLoad: false});"
        f"const blocks = {json.dumps(blocks)};"
        "(async () => { const out = [];"
        " for (let i = 0; i < blocks.length; i++) {"
        '  try { const r = await mermaid.render("d" + i, blocks[i]);'
        '        out.push(r.svg.includes("<svg") ? "ok" : "no svg"); }'
        '  catch (e) { out.push("error: " + (e && e.message ? e.message : String(e))); } }'
        ' document.getElementById("result").textContent = JSON.stringify(out); })();'
        "</script></body></html>",
        encoding="utf-8",
    )
    return target


def mermaid_results(opened: Opened) -> list[str]:
    """The per-block results :func:`mermaid_page` left in the DOM."""
    found = re.search(r'<pre id="result">(.*?)</pre>', opened.dom, re.S)
    assert found is not None, opened.dom[:500]
    text = found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    results = json.loads(text)
    assert isinstance(results, list)
    return [str(r) for r in results]
