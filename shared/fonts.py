"""A TrueType font less what a PDF does not use, made in a process of its own.

`python -m shared.fonts FONT.ttf` writes the font to stdout with every glyph it has, but without
its hinting (instructions fitting outlines to a screen's pixels; a PDF viewer or printer scales
the outlines itself) and its layout tables (reportlab does no shaping). DejaVu Sans Bold's subset
in a parcel label is then ~9 KB instead of ~19, and quicker to make.

A process of its own, because fontTools (12 MB once imported) and the tables it builds for a
whole font would stay in a service for good: its peak RSS was 26 MB higher (shared/labels.py
runs this once per machine and keeps what it wrote).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont


def without_hinting(path: Path) -> bytes:
    font = TTFont(path)
    options = subset.Options(
        hinting=False,
        layout_features=[],
        notdef_outline=True,
        name_IDs=["*"],
        name_languages=["*"],
        # FontForge's timestamp table, which the subsetter only warns about and drops.
        drop_tables=[*subset.Options().drop_tables, "FFTM"],
    )
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap())
    subsetter.subset(font)
    prepared = io.BytesIO()
    font.save(prepared)
    return prepared.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m shared.fonts FONT.ttf > PREPARED.ttf", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(without_hinting(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
