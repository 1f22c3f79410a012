"""MkDocs hook: the CLI reference is generated from the real `cardimg` parser.

A page writes `<!-- cli-help: render -->` (or `<!-- cli-help: -->` for `cardimg --help`)
where the command's help belongs; the hook runs `python -m cardimg render --help` and puts
its output there, so the reference shows exactly what the installed command accepts.

It also checks the prose: every option the help lists must be named somewhere on the same
page (as `--option`), else the build warns, and `mkdocs build --strict` fails. An option
added to the parser without a word in the docs cannot slip through.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

log = logging.getLogger("mkdocs.hooks.cli_reference")

_MARKER = re.compile(r"<!--\s*cli-help:\s*([a-z-]*)\s*-->")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b")
# Every command's help is wrapped at this width, whatever terminal builds the docs.
_WIDTH = "76"


def _help(command: str) -> str:
    argv = [sys.executable, "-m", "cardimg", *([command] if command else []), "--help"]
    env = {**os.environ, "COLUMNS": _WIDTH, "NO_COLOR": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} failed: {done.stderr.strip()}")
    return done.stdout.rstrip()


def _options(help_text: str) -> set[str]:
    """The options a help text lists (its `options:` section), not the ones its prose
    or examples mention."""
    listed: set[str] = set()
    for line in help_text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("-") and line.startswith("  "):
            listed.update(m for m in _OPTION.findall(stripped.split("  ")[0]))
    return listed - {"-h", "--help"}


def on_page_markdown(markdown: str, page, config, files) -> str:  # MkDocs calls it so
    if not _MARKER.search(markdown):
        return markdown
    helps: dict[str, str] = {}
    # Each command's options must be described in its own section (from one `## ` heading
    # to the next), so an option of `render` does not count as documented for `check`.
    for section in re.split(r"(?m)^(?=## )", markdown):
        for command in _MARKER.findall(section):
            helps[command] = _help(command)
            prose = _MARKER.sub("", section)
            for option in sorted(_options(helps[command])):
                if f"`{option}" not in prose:
                    log.warning(
                        "%s: `cardimg %s` has option %s, which its section never describes",
                        page.file.src_uri,
                        command,
                        option,
                    )

    def block(match: re.Match[str]) -> str:
        command = match.group(1)
        title = " ".join(filter(None, ("cardimg", command, "--help")))
        return f'```text title="{title}"\n{helps[command]}\n```'

    return _MARKER.sub(block, markdown)
