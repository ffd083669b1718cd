"""The review command writes every template in both languages, and the label."""

from __future__ import annotations

from pathlib import Path

from services.notifications import preview

TEMPLATES = Path(preview.__file__).parent / "templates"


def test_preview_writes_every_template_and_the_label(tmp_path: Path) -> None:
    assert preview.main([str(tmp_path)]) == 0
    for language in ("pl", "en"):
        templates = {path.stem for path in (TEMPLATES / language).glob("*.j2")}
        folder = tmp_path / language
        for template in templates:
            assert (folder / f"{template}.html").read_text().startswith("<!doctype html>")
            assert (folder / f"{template}.txt").read_text().startswith("Subject: ")
        assert (folder / "claim_status_changed-shipped_back.txt").exists()
        assert (folder / "claim_decided-rejection.html").exists()
        assert (folder / "etykieta-RMA-1024-SR-2026.pdf").read_bytes().startswith(b"%PDF")


def test_preview_needs_the_output_folder() -> None:
    assert preview.main([]) == 2
