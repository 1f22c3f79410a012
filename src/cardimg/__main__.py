"""`python -m cardimg` runs the command line."""

from .cli import run

run()
