"""The repository's pre-commit hook (`.pre-commit-hooks.yaml`), tried as a user's
pre-commit runs it: `pre-commit try-repo` installs this checkout into a virtual
environment of its own (from the package registry, as it would for a user) and runs
`cardimg check` on the files given."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"

GOOD = """---
title: Fine
cards:
  - _key: one
    body: A short card.
---
"""
BROKEN = """---
title: Broken
cards:
  - _key: one
    body: [not, text]
---
"""


def test_the_hook_file_defines_cardimg_check() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    (hook,) = [hook for hook in hooks if hook["id"] == "cardimg-check"]
    assert hook["entry"] == "cardimg check" and hook["language"] == "python"
    assert hook["files"] == r"\.md$"


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=cardimg", "-c", "user.email=cardimg@example.org", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def _try_repo(folder: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    # The hook's cardimg must be the one pre-commit installed, not this checkout's source.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PRE_COMMIT_HOME"] = str(home)
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "cardimg-check"]
    return subprocess.run(
        [*command, "--verbose", "--files", *files],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (the test extras)")
    if not (ROOT / ".git").exists():
        pytest.skip("cardimg is not a git checkout here: pre-commit installs hooks from one")
    repo = tmp_path / "cms"
    (repo / "stories").mkdir(parents=True)
    (repo / "stories" / "good.md").write_text(GOOD, encoding="utf-8")
    (repo / "stories" / "broken.md").write_text(BROKEN, encoding="utf-8")
    (repo / "README.md").write_text("# Our stories\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "stories")
    home = tmp_path / "pre-commit-home"

    clean = _try_repo(repo, home, "stories/good.md", "README.md")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "cardimg check" in clean.stdout and "Passed" in clean.stdout
    assert "checked 1 file" in clean.stdout  # the README is not a story: left out

    failed = _try_repo(repo, home, "stories/good.md", "stories/broken.md")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "stories/broken.md: story-invalid: cards[0].body: expected text" in failed.stdout
