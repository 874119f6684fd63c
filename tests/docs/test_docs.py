"""``hearth docs`` on the seed and on a changed copy: computed figures, Mermaid that renders, a page that opens.

One render of the seed is shared by the module (``seed``); the traceability test renders one overlay (a node's
memory and a PVC size changed). The browser tests use Debian's headless Chromium (tests/docs/docs_browser.py).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from docs_browser import mermaid_page, mermaid_results, open_page, screenshot

from hearth.catalog.loader import default_catalog_dir, load_catalog
from hearth.commands.render import render
from hearth.docs import MARKDOWN, PAGE, facts_of, generate
from hearth.docs.document import markdown
from hearth.docs.page import html
from hearth.verify.report import SECTIONS, TITLES
from tools import RunHearth

SEED_HEADINGS = [
    "Overview",
    "Infrastructure",
    "Network Topology",
    "Component Inventory",
    "Database Architecture",
    "Security Architecture",
    "Deployment Architecture",
    "Resource Allocation",
    "Monitoring & Observability",
    "Status Summary",
    "Differences from the Seed's Statements",
]


@dataclass(frozen=True)
class Docs:
    """The seed's build, its audit and the two generated files."""

    build: Path
    markdown: str
    page: str
    audit: dict[str, dict[str, object]]


def _document(catalog_dir: Path | None, where: Path) -> Docs:
    catalog = load_catalog(catalog_dir)
    build = where / "build"
    render(catalog, build)
    facts = facts_of(catalog, build)
    text = markdown(facts)
    sections = facts.report.to_json()["sections"]
    assert isinstance(sections, dict)
    return Docs(build, text, html(facts, text), {k: {**v, "status": facts.status(k)} for k, v in sections.items()})


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Docs:
    """The seed documented once for the module."""
    return _document(None, tmp_path_factory.mktemp("docs-seed"))


def _section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _row(text: str, first_cell: str) -> list[str]:
    for line in text.splitlines():
        if line.startswith(f"| {first_cell} |"):
            return [cell.strip() for cell in line.strip("|").split("|")]
    raise AssertionError(f"no table row starting {first_cell!r}")


def test_the_seed_structure_in_order(seed: Docs) -> None:
    """The seed's sections, in its order, plus the statements audit; the contents lists every one."""
    headings = re.findall(r"^## (.+)$", seed.markdown, re.M)
    assert headings == ["Table of Contents", *SEED_HEADINGS]
    contents = _section(seed.markdown, "Table of Contents")
    assert contents.count("\n- [") == len(SEED_HEADINGS)


def test_status_summary_is_the_audit_verdicts(seed: Docs) -> None:
    """One row per check section with check's own verdict and summary; nothing claims 100% by itself."""
    summary = _section(seed.markdown, "Status Summary")
    marks = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail"}
    for key in SECTIONS:
        row = _row(summary, TITLES[key])
        assert row[1] == marks[str(seed.audit[key]["status"])], (key, row)
        assert row[2] == str(seed.audit[key]["summary"]).replace("|", "\\|")
    statuses = {str(seed.audit[key]["status"]) for key in SECTIONS}
    assert statuses != {"pass"}  # the seed fails capacity and compliance: the document says so
    assert "❌ check fails" in summary
    assert "100%" not in summary and "Production" not in seed.markdown


def test_versions_are_the_deployed_ones(seed: Docs) -> None:
    """Each release's chart version (helmfile.yaml) and app version (Chart.yaml, or the image the pods run)."""
    helmfile = yaml.safe_load((seed.build / "helmfile.yaml").read_text())
    inventory = _section(seed.markdown, "Component Inventory")
    components = load_catalog(None).components
    checked = 0
    for release in helmfile["releases"]:
        if release["chart"].startswith("./") and components[release["labels"]["component"]].install.method == "chart":
            continue  # a chart beside an upstream release: its companion, or its bootstrap TLS chart
        component = components[release["labels"]["component"]]
        row = _row(inventory, component.display_name)
        if release["chart"].startswith("./"):
            chart = yaml.safe_load((seed.build / release["chart"] / "Chart.yaml").read_text())
            assert row[2] == f"{release['chart'][2:]} {chart['version']}"
            assert row[3] == str(chart["appVersion"]).replace("|", "\\|")
        else:
            assert row[2] == f"{release['chart']} {release['version']}", row
        checked += 1
    assert checked == len(components)
    traefik = _row(inventory, "Traefik")
    assert traefik[1] == "v37.2.0" and traefik[2] != "traefik/traefik v37.2.0"  # the seed's string, and the truth


def test_compliance_table_has_the_measured_counts(seed: Docs) -> None:
    """Every feature row carries compliance's own n/m for hearth and upstream charts."""
    security = _section(seed.markdown, "Security Architecture")
    features = seed.audit["compliance"]["features"]
    assert isinstance(features, dict) and features
    for name, counts in features.items():
        assert _row(security, name)[1:] == [counts["hearth"]["text"], counts["upstream"]["text"]]


def test_every_contradicted_statement_is_listed(seed: Docs) -> None:
    """The statements audit in a section of its own: each claim with its stated and computed figure."""
    section = _section(seed.markdown, "Differences from the Seed's Statements")
    statements = seed.audit["statements"]["statements"]
    assert isinstance(statements, list)
    contradicted = [s for s in statements if s["verdict"] == "contradicted"]
    assert contradicted
    for statement in statements:
        claim = statement["claim"].replace("|", "\\|")
        assert f"| {statement['kind']} | {claim} |" in section, statement
    assert section.count("❌ contradicted") == len(contradicted)


def _overlay(target: Path, edit: Callable[[Path], None]) -> Path:
    shutil.copytree(default_catalog_dir(), target)
    edit(target)
    return target


def _resize(root: Path) -> None:
    platform = root / "platform.yaml"
    text = platform.read_text()
    node = "{name: k8s-worker-2, role: worker, lan_ip: 192.168.100.12, wireguard_ip: 10.99.0.12,\n"
    node += "     cpu: 4, memory: 16Gi"
    assert node in text
    platform.write_text(text.replace(node, node.replace("memory: 16Gi", "memory: 24Gi")))
    service = root / "services/db/postgresql.yaml"
    text = service.read_text()
    assert "storage: {size: 50Gi," in text
    service.write_text(text.replace("storage: {size: 50Gi,", "storage: {size: 77Gi,"))


def test_a_node_and_a_pvc_changed_in_the_catalog_change_the_document(seed: Docs, tmp_path: Path) -> None:
    """Every number is computed: a node with 24Gi instead of 16Gi and a 77Gi PostgreSQL claim show up in the
    node table, the capacity table, the PVC table and its total, the inventory, and the page."""
    changed = _document(_overlay(tmp_path / "catalog", _resize), tmp_path)
    before, after = seed.markdown, changed.markdown
    assert _row(_section(before, "Infrastructure"), "k8s-worker-2")[5] == "16.0Gi"
    assert _row(_section(after, "Infrastructure"), "k8s-worker-2")[5] == "24.0Gi"
    resources_before, resources_after = _section(before, "Resource Allocation"), _section(after, "Resource Allocation")
    assert _row(resources_before, "db/postgresql-data")[1] == "50Gi"
    assert _row(resources_after, "db/postgresql-data")[1] == "77Gi"
    total = {doc: _row(_section(doc, "Resource Allocation"), "**Total**")[1] for doc in (before, after)}
    assert total[before] != total[after]
    memory = {doc: _row(_section(doc, "Resource Allocation"), "k8s-worker-2")[3] for doc in (before, after)}
    assert memory[before].endswith("/ 15.9Gi") and memory[after].endswith("/ 23.9Gi"), memory
    assert _row(_section(after, "Component Inventory"), "PostgreSQL")[4] == "77Gi"
    assert "77Gi" in changed.page and "24.0Gi" in changed.page


def test_hearth_docs_writes_both_files(hearth: RunHearth, tmp_path: Path) -> None:
    """The command writes architecture.md and index.html, names no temporary directory, and refuses a directory
    that is not a previous output."""
    out = tmp_path / "site"
    result = hearth("docs", "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [MARKDOWN, PAGE]
    assert "hearth-docs-" not in result.output and "/tmp/" not in result.output.replace(str(tmp_path), "")
    assert (out / MARKDOWN).read_text().startswith("# Architecture Documentation: hearth\n")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep\n")
    refused = hearth("docs", "--out", str(mine), "--quiet")
    assert refused.exit_code == 2
    assert refused.stderr.strip().count("\n") == 0 and "refusing to replace" in refused.stderr
    assert (mine / "notes.txt").read_text() == "keep\n"


def test_hearth_docs_of_an_existing_build(seed: Docs, hearth: RunHearth, tmp_path: Path) -> None:
    """--build documents the catalog's own render, as a fresh one would; a build that differs is refused."""
    result = hearth("docs", "--build", str(seed.build), "--out", str(tmp_path / "site"), "--quiet")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / MARKDOWN).read_text() == seed.markdown
    edited = tmp_path / "edited"
    shutil.copytree(seed.build, edited)
    values = edited / "values" / "traefik.yaml"
    values.write_text(values.read_text() + "# edited\n")
    refused = hearth("docs", "--build", str(edited), "--out", str(tmp_path / "other"), "--quiet")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        f"error: {edited}: not the render of this catalog (1 files differ, first values/traefik.yaml): "
        "run hearth render again, or drop --build"
    )
    assert not (tmp_path / "other").exists()


def test_generate_returns_the_same_files_as_the_fixture(seed: Docs) -> None:
    """``hearth.docs.generate`` is the fixture's pipeline; two runs over one build are identical."""
    files = generate(load_catalog(None), seed.build)
    assert files == {MARKDOWN: seed.markdown, PAGE: seed.page}


# ------------------------------------------------------------------------------------------ Mermaid, page


def _mermaid_blocks(text: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", text, re.S | re.M)


_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_NODE = re.compile(rf'^({_ID})(\(".*"\)|\[".*"\])$')
_EDGE = re.compile(
    rf'^({_ID})(?:\[".*?"\]|\(".*?"\))? (?:-->|~~~|-- (?:"[^"]*"|[A-Z]+) -->) ({_ID})(?:\[".*"\]|\(".*"\))?$'
)


def structural_problems(block: str) -> list[str]:
    """Problems a structural reading of a flowchart finds (the fallback when Mermaid itself cannot run)."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    problems = [] if re.fullmatch(r"flowchart (TD|LR)", lines[0]) else [f"header {lines[0]!r}"]
    depth = 0
    for line in lines[1:]:
        if line.startswith("subgraph "):
            depth += 1
        elif line == "end":
            depth -= 1
        elif not (_NODE.match(line) or _EDGE.match(line)):
            problems.append(f"unreadable line {line!r}")
        if depth < 0:
            problems.append("end without subgraph")
    return problems + (["unclosed subgraph"] if depth else [])


def test_mermaid_blocks_are_well_formed(seed: Docs) -> None:
    """Topology, north-south and the dependency graph by waves, each a flowchart every line of which reads."""
    blocks = _mermaid_blocks(seed.markdown)
    assert len(blocks) == 3
    assert [structural_problems(block) for block in blocks] == [[], [], []]
    assert structural_problems("flowchart LR\n  a --> \n  subgraph x\n") != []
    waves = re.findall(r'subgraph wave\d+\["wave \d+"\]', blocks[2])
    table = seed.markdown[seed.markdown.index("### Deploy Waves") : seed.markdown.index("### Dependency Graph")]
    assert len(waves) == len(re.findall(r"^\| \d+ \|", table, re.M)) > 1


def test_mermaid_renders_every_diagram(seed: Docs, tmp_path: Path) -> None:
    """Mermaid itself (the pinned mermaid.min.js) renders each block to SVG in Chromium; a broken block fails."""
    blocks = [*_mermaid_blocks(seed.markdown), "flowchart LR\n  a --> \n  subgraph x\n"]
    page = mermaid_page(blocks, tmp_path / "mermaid.html")
    results = mermaid_results(open_page(page, tmp_path / "profile", budget_ms=60000))
    assert results[:-1] == ["ok"] * (len(blocks) - 1), results
    assert results[-1].startswith("error:")


def test_the_page_is_self_contained(seed: Docs) -> None:
    """No script, no external resource; the three pictures are inline SVG and carry the measured data."""
    page = seed.page
    assert "<script" not in page
    assert not re.search(r'(?:src|href)="(?!#|data:)', page), re.findall(r'(?:src|href)="[^"#][^"]*"', page)[:5]
    assert page.count("<svg") >= 3
    for node in seed.audit["capacity"]["nodes"]:  # type: ignore[union-attr]
        assert f"{node['cpu_requested_m']}m of {node['cpu_allocatable_m']}m" in page
    assert "Allowed flows between namespaces" in page and "Dependency graph:" in page
    assert 'id="full-audit"' in page and all(f'id="audit-{key}"' in page for key in SECTIONS)


def test_the_page_opens_in_chromium_without_console_errors(seed: Docs, tmp_path: Path) -> None:
    """Headless Chromium opens the page offline with an empty console; a page with an error is caught."""
    page = tmp_path / PAGE
    page.write_text(seed.page, encoding="utf-8")
    opened = open_page(page, tmp_path / "profile", "--host-resolver-rules=MAP * ~NOTFOUND")
    assert opened.console == []
    assert "Full Audit" in opened.dom and "Status Summary" in opened.dom
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><link rel="icon" href="data:,"><script>console.error("x")</script>')
    assert open_page(broken, tmp_path / "profile2").console != []
    shot = screenshot(page, tmp_path / "profile3", tmp_path / "architecture.png")
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
