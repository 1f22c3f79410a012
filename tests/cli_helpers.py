"""Running the command line in-process, for the CLI tests."""

from __future__ import annotations

from cardimg.cli import main


def run(argv: list[str]) -> int:
    """main() in-process; argparse's own exits (--help, --version, usage errors) included."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1


def problems(stderr: str) -> list[str]:
    """The lines of stderr, without the one-off notice about the Raqm text layout library."""
    return [line for line in stderr.splitlines() if line.strip() and "Raqm" not in line]
