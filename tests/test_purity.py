"""`render` is a pure function: a story's slides depend only on the story, the theme and
the options, never on what was rendered before it in the process (a batch renders many
stories in one worker) nor on which process renders it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import cardimg

SRC = Path(cardimg.__file__).resolve().parents[1]
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CHINESE = SAMPLES / "20240117-chinese.md"
MIXED = SAMPLES / "20240121-mixed-scripts.md"

# Hundreds of characters no font has, each in its own block of 256 code points: every
# one costs a fontconfig question, more than a render may ask.
RARE = "".join(chr(0x30000 + 256 * n) for n in range(270))


def rare_story(tmp_path: Path) -> Path:
    path = tmp_path / "rare.md"
    body = json.dumps(f"Rare characters: {RARE}", ensure_ascii=False)
    path.write_text(f"---\nslug: rare\ncards:\n  - _key: k\n    body: {body}\n---\n", "utf-8")
    return path


def fingerprint(carousel: cardimg.Carousel) -> tuple[list[str], list[str]]:
    """Each slide's PNG bytes (hashed) and the render's warnings."""
    digests = [hashlib.sha256(slide.encode("png")).hexdigest() for slide in carousel.slides]
    return digests, list(carousel.warnings)


RENDER_LAST = """
import hashlib, json, sys
import cardimg
*before, last = sys.argv[1:]
for path in before:
    cardimg.render(path)
carousel = cardimg.render(last)
print(json.dumps([
    [hashlib.sha256(s.encode("png")).hexdigest() for s in carousel.slides],
    list(carousel.warnings),
]))
"""


def in_fresh_process(*paths: Path) -> tuple[list[str], list[str]]:
    """Render `paths` in order in a new Python process; the last one's fingerprint."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-c", RENDER_LAST, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    digests, warnings = json.loads(result.stdout)
    return digests, warnings


def test_a_story_renders_the_same_first_after_rare_characters_and_in_another_process(tmp_path):
    alone = in_fresh_process(CHINESE)
    rare = rare_story(tmp_path)
    assert in_fresh_process(rare, MIXED, CHINESE) == alone
    # And in this process, after whatever other tests rendered, twice.
    cardimg.render(rare)
    assert fingerprint(cardimg.render(CHINESE)) == alone
    cardimg.render(SAMPLES / "20240119-korean.md")
    assert fingerprint(cardimg.render(CHINESE)) == alone


def test_the_story_of_rare_characters_itself_renders_the_same_twice(tmp_path):
    rare = rare_story(tmp_path)
    first = fingerprint(cardimg.render(rare))
    cardimg.render(MIXED)
    assert fingerprint(cardimg.render(rare)) == first
