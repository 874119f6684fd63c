"""No module of src/hearth is over 300 lines without saying why in its docstring.

A long module is either one idea (then its docstring has a paragraph that starts ``Kept whole`` or ``One module``
and gives the reason) or a split not made yet; this test makes the second visible when it happens.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hearth

SRC = Path(hearth.__file__).parent
LIMIT = 300
MARKERS = ("Kept whole", "One module")


def reason(path: Path) -> str | None:
    """The docstring paragraph of ``path`` that says why it is kept whole, if any."""
    doc = ast.get_docstring(ast.parse(path.read_text()), clean=True) or ""
    return next((p for p in doc.split("\n\n") if p.startswith(MARKERS)), None)


def test_the_reason_is_found() -> None:
    """The reader finds a marked paragraph, and only a marked one."""
    assert reason(SRC / "deploy" / "gates.py") is not None
    assert reason(SRC / "graph.py") is None


def test_every_long_module_says_why() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for path in sorted(SRC.rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > LIMIT
    }
    assert long, "no module over the limit: the test would hold nothing"
    unexplained = {name: n for name, n in long.items() if reason(SRC / name) is None}
    assert not unexplained, f"modules over {LIMIT} lines without a 'Kept whole' paragraph: {unexplained}"
