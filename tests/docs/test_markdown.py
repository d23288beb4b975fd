"""The README and the docs render: every table row has as many cells as its header (a `|` inside code splits a
GitHub table), and every relative link points at a file of the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "bot" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def table_row_cells(text: str) -> list[tuple[int, int]]:
    """(cells in the header, cells in a row) for every row of every table, as GitHub-flavoured Markdown splits them."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    out, header, cells, in_head = [], 0, 0, False
    for tok in tokens:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            cells = 0
        elif tok.type in ("th_open", "td_open"):
            cells += 1
        elif tok.type == "tr_close":
            if in_head:
                header = cells
            else:
                out.append((header, cells))
    return out


def raw_table_rows(text: str) -> list[tuple[int, int]]:
    """The same from the source lines: a row's unescaped pipes (GitHub does not protect code spans from them)."""
    out, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        n = len(re.split(r"(?<!\\)\|", line.strip().strip("|")))
        if header is None:
            header = n
        elif not set(line) <= set("|-: "):
            out.append((header, n))
    return out


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_tables_keep_their_columns(path: Path) -> None:
    text = path.read_text()
    for header, cells in table_row_cells(text) + raw_table_rows(text):
        assert cells == header, f"{path.name}: a table row has {cells} cells under a header of {header}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(path: Path) -> None:
    for target in LINK.findall(path.read_text()):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (path.parent / target).exists(), f"{path.name} links to {target}, which does not exist"
