"""The README stays a front door, and no link of the README or docs/ leads nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
README = REPO / "README.md"
DOCUMENTS = [README, *sorted((REPO / "docs").glob("*.md"))]
README_MAX_LINES = 350

# The sections of the 900-line README, each of which docs/README.md says where it went.
FORMER_README_SECTIONS = [
    "RMA platform",
    "Start",
    "Architecture",
    "Layout",
    "Events",
    "Try it",
    "The web panel",
    "The claim lifecycle",
    "The warehouse's intake page",
    "Warranty: verdicts, art. 581 §1 and the product passport",
    "Reliability",
    "`make chaos`",
    "Configuration",
    "Metrics and traces",
    "Kafka: users, ACLs and three nodes",
    "Production: TLS as well as SASL",
    "Run one service alone",
    "Tests",
    "Performance",
    "Security",
    "Docker",
    "Lint and docs",
]

_FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)


def prose(markdown: str) -> str:
    """The text without code blocks and inline code, where brackets are not links."""
    return _INLINE_CODE.sub("", _FENCED.sub("", markdown))


def links(markdown: str) -> list[str]:
    return _LINK.findall(prose(markdown))


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated one numbered."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for heading in _HEADING.findall(_FENCED.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(document: Path) -> list[str]:
    broken = []
    for target in links(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved}")
        elif (
            anchor
            and resolved.suffix == ".md"
            and anchor not in anchors(resolved.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    return broken


def test_the_readme_is_at_most_350_lines() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_every_relative_link_lands_on_a_file_and_heading(document: Path) -> None:
    assert broken_links(document) == []


def test_the_readme_links_every_document_in_docs() -> None:
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for target in links(README.read_text(encoding="utf-8"))
    }
    assert [path.name for path in DOCUMENTS[1:] if path.resolve() not in linked] == []


def test_every_former_readme_section_has_a_home() -> None:
    index = (REPO / "docs" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \| (.+) \|$", index, re.MULTILINE)
    homes = {section: where for section, where in rows}
    for section in FORMER_README_SECTIONS:
        assert section in homes, f"docs/README.md does not say where {section!r} went"
        assert links(homes[section]), f"{section!r}: no link to its new place"


def test_broken_links_finds_a_missing_file_and_a_missing_heading(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A `code` heading, here\n", encoding="utf-8")
    document = tmp_path / "doc.md"
    document.write_text(
        "[ok](other.md#a-code-heading-here) [gone](missing.md) [bad](other.md#nowhere)\n"
        "[web](https://example.com) `[not](a-link.md)`\n```\n[nor](this.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(document) == [
        f"missing.md: no file {tmp_path / 'missing.md'}",
        "other.md#nowhere: no heading #nowhere in other.md",
    ]
