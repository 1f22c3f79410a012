"""Rebuild the shipped Noto fonts of the Indic, South-East Asian, African and other scripts
(fonts/noto/NotoSans<Script>-*.ttf, NotoSerif<Script>-*.ttf) from the upstream files.

python scripts/build_script_fonts.py SOURCE_DIR [-o fonts/noto]

SOURCE_DIR holds the upstream static fonts, e.g. Debian's fonts-noto-core 20201225
(`apt-get download fonts-noto-core && dpkg-deb -x fonts-noto-core_*.deb x`, then
x/usr/share/fonts/truetype/noto). Each file is kept whole (every code point it maps,
every glyph its OpenType layout can reach, every layout feature and script, the name
table with its license), and only its TrueType hinting is dropped: hinting is about 40%
of these files, and at slide sizes (24 px labels and up, painted anti-aliased) it
makes no visible difference. The same sources always give the same bytes: the head
table's timestamps are kept as upstream set them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

# Sans families: every face (sans and serif) falls back to these.
SANS = (
    "Armenian",
    "Bengali",
    "Cherokee",
    "Ethiopic",
    "Georgian",
    "Gujarati",
    "Gurmukhi",
    "Kannada",
    "Khmer",
    "Lao",
    "Malayalam",
    "Myanmar",
    "Oriya",
    "Sinhala",
    "Tamil",
    "Telugu",
    "Thaana",
)
# Serif families: headings and quotes in the serif face. Tibetan has no Noto Sans: its
# serif is used for every face.
SERIF = (
    "Armenian",
    "Bengali",
    "Ethiopic",
    "Georgian",
    "Gujarati",
    "Gurmukhi",
    "Kannada",
    "Khmer",
    "Lao",
    "Malayalam",
    "Myanmar",
    "Sinhala",
    "Tamil",
    "Telugu",
    "Tibetan",
)
WEIGHTS = ("Regular", "Bold")
OFL = "SIL Open Font License, Version 1.1"


def file_names() -> list[str]:
    names = [f"NotoSans{script}-{weight}.ttf" for script in SANS for weight in WEIGHTS]
    names += [f"NotoSerif{script}-{weight}.ttf" for script in SERIF for weight in WEIGHTS]
    return names


def check_license(font: TTFont, name: str) -> None:
    """Only OFL fonts without a Reserved Font Name may ship modified under their own name."""
    table = font["name"]
    license_text = table.getDebugName(13) or ""
    copyright_text = table.getDebugName(0) or ""
    if OFL not in license_text:
        raise SystemExit(f"{name}: not under the {OFL}: {license_text!r}")
    if "reserved font name" in copyright_text.lower():
        raise SystemExit(f"{name}: has a Reserved Font Name: {copyright_text!r}")


def unhinted(source: Path, target: Path) -> None:
    options = subset.Options()
    options.unicodes = ["*"]  # (set through populate below: every mapped code point)
    options.layout_features = ["*"]
    options.layout_scripts = ["*"]
    options.name_IDs = ["*"]  # the license (13, 14) and every other name
    options.name_languages = ["*"]
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    options.recalc_timestamp = False
    font = subset.load_font(str(source), options, dontLoadGlyphNames=True)
    check_license(font, source.name)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="folder of the upstream Noto .ttf files")
    parser.add_argument("-o", "--out", type=Path, default=Path("fonts/noto"))
    args = parser.parse_args(argv)
    total_in = total_out = 0
    for name in file_names():
        source, target = args.source / name, args.out / name
        unhinted(source, target)
        total_in += source.stat().st_size
        total_out += target.stat().st_size
        print(f"{name:36} {source.stat().st_size:>9,} -> {target.stat().st_size:>9,}")
    print(f"{'total':36} {total_in:>9,} -> {total_out:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
