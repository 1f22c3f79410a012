"""`cardimg --help` and `import cardimg` load no heavy library: start-up stays close to a bare
Python's (the time itself is measured by benchmarks/bench.py, never by a test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
SAMPLE = SRC.parent / "samples" / "20200314-iraq-latest.md"
HEAVY = ("PIL", "fontTools", "markdown_it", "pikepdf", "rich", "yaml", "frontmatter", "uniseg")

PROBE = """
import contextlib, io, json, sys
{code}
print(json.dumps(sorted(name for name in {heavy} if name in sys.modules)))
"""


def loaded_after(code: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code, heavy=HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_help_loads_no_heavy_library():
    code = (
        "from cardimg.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['render', '--help'])"
    )
    assert loaded_after(code) == []


def test_import_cardimg_loads_no_heavy_library():
    assert loaded_after("import cardimg") == []


def test_public_names_load_on_first_use_and_render_stays_the_function():
    code = (
        "import cardimg, cardimg.render\n"
        "assert callable(cardimg.render) and cardimg.render.__module__ == 'cardimg.render'\n"
        "assert cardimg.Carousel.__name__ == 'Carousel' and cardimg.__version__\n"
        "assert set(cardimg.__all__) <= set(dir(cardimg))"
    )
    assert "PIL" in loaded_after(code)


# Modules a render of a story in Latin script has no use for: dictionaries and segmenters of
# other scripts, hyphenation patterns (the default theme hyphenates nothing), uniseg (the
# common blocks' line-breaking keys are a table) and what `ctypes.util.find_library` and
# `importlib.metadata` pull in.
NOT_FOR_LATIN = (
    "icu4py",
    "budoux",
    "pyphen",
    "fontTools",
    "uniseg",
    "importlib.metadata",
    "ctypes.util",
    "glob",
)


def test_a_latin_render_starts_no_process_and_loads_only_what_it_uses():
    code = (
        "import cardimg, subprocess\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError(f'a process was started: {args}')\n"
        "subprocess.Popen.__init__ = refuse\n"
        f"carousel = cardimg.render({str(SAMPLE)!r}, preset='og')\n"
        "carousel.slides[0].encode('png')\n"
        f"carousel = cardimg.render({str(SAMPLE)!r})\n"
        "assert carousel.slides\n"
        f"print(json.dumps(sorted(n for n in {NOT_FOR_LATIN} if n in sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# What only painting, encoding and batches of renders use: a check paints, encodes and
# writes nothing, so it must not pay for importing them (they were a tenth of its time).
NOT_FOR_CHECK = (
    "cardimg.batch",
    "cardimg.export",
    "cardimg.paint",
    "cardimg.render",
    "cardimg.video",
    "concurrent.futures.process",
    "multiprocessing",
    "PIL.ImageDraw",
)


def test_a_check_loads_nothing_of_render_s_painting_or_batches():
    code = (
        "from cardimg.cli import main\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        f"    status = main(['check', {str(SAMPLE)!r}, '--jobs', '1'])\n"
        "assert status == 0, status\n"
        f"print(json.dumps(sorted(n for n in {NOT_FOR_CHECK} if n in sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-c", "import contextlib, io, json, sys\n" + code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
