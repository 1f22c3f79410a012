"""`cardimg check`: each finding code from a story made here, the JSON schema, the exit
status, the same findings as `render`, and nothing written."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

import cardimg
from cardimg import Card, RenderOptions, Story
from cardimg.check import check_story
from cardimg.cli import main
from cardimg.findings import CODES
from cardimg.presets import Target

LOREM = [
    "Lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
]
# Codes only a check gives: they are about posting, which render does not know of.
POSTING_CODES = {"target-slides", "target-preset", "caption-too-long", "alt-too-long"}


def words(count: int) -> str:
    return " ".join(LOREM[i % len(LOREM)] for i in range(count))


def card(body: str, key: str = "k0", **more: object) -> dict:
    return {"_key": key, "body": body, **more}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = main(["check", *args, "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def codes_of(report: dict) -> list[str]:
    return [f["code"] for entry in report["files"] for f in entry["findings"]]


def save_image(path: Path, image: Image.Image, **params: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **params)
    return path


# --------------------------------------------------------------------------- each code


def _many_sources() -> str:
    return "\n".join(
        f"- [A long source title number {n} about the budget](https://example.org/{'path/' * 6}{n})"
        for n in range(40)
    )


# code -> (cards, story fields, extra CLI arguments, files to add: name -> writer)
CASES: dict[str, tuple[list[dict], dict, list[str], dict[str, Callable[[Path], object]]]] = {
    "card-empty": ([card("Body"), card("", "k1")], {}, [], {}),
    "card-order-missing": ([card("One", order=1), card("Two", "k1")], {}, [], {}),
    "markdown-hidden": ([card("Text <!-- a note for editors --> here")], {}, [], {}),
    "card-blank": ([card("Body"), card("[ref]: https://example.org", "k1")], {}, [], {}),
    "palette-unknown": ([card("Body")], {"colorpaletteclassname": "--nope"}, [], {}),
    "contrast-low": ([card("Body")], {"colorpaletteclassname": "--bronze"}, [], {}),
    "image-missing": ([card("Body")], {"featured_image": {"url": "gone.jpg"}}, [], {}),
    "image-unreadable": (
        [card("Body")],
        {"featured_image": {"url": "bad.jpg"}},
        [],
        {"bad.jpg": lambda p: p.write_bytes(b"\xff\xd8\xff not really a JPEG")},
    ),
    "image-small": (
        [card("Body")],
        {"featured_image": {"url": "thumb.png"}},
        [],
        {"thumb.png": lambda p: save_image(p, Image.new("RGB", (40, 30), (200, 40, 40)))},
    ),
    "image-profile": (
        [card("Body")],
        {"featured_image": {"url": "odd.png"}},
        [],
        {
            "odd.png": lambda p: save_image(
                p, Image.new("RGB", (1080, 1350), (200, 40, 40)), icc_profile=b"not a profile"
            )
        },
    ),
    "glyphs-missing": ([card("Text \U0010fffd here")], {}, [], {}),
    "title-shortened": ([card("Body")], {"title": words(400)}, ["--preset", "og"], {}),
    "card-continues": ([card(words(600))], {}, [], {}),
    "text-at-floor": ([card(words(236))], {}, [], {}),
    "target-slides": (
        [card(f"Card {n}", f"k{n}") for n in range(12)],
        {},
        ["--target", "instagram-api"],
        {},
    ),
    "target-preset": ([card("Body")], {}, ["--target", "instagram-api", "--preset", "story"], {}),
    "story-invalid": ([], {"cards": "three"}, [], {}),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_code_is_found_by_check(code, write_story, tmp_path, cwd, capsys) -> None:
    cards, meta, args, files = CASES[code]
    if "cards" in meta:
        path = tmp_path / "story.md"
        path.write_text("---\ncards: three\n---\n", encoding="utf-8")
    else:
        path = write_story("story.md", cards, slug="s", **meta)
    for name, write in files.items():
        write(tmp_path / name)
    status, report = run_json(capsys, str(path), *args)
    (entry,) = report["files"]
    found = [f for f in entry["findings"] if f["code"] == code]
    assert found, codes_of(report)
    assert all(f["severity"] == CODES[code][0] and f["file"] == str(path) for f in found)
    assert status == (2 if CODES[code][0] == "error" else 0)


def test_continuation_says_how_many_slides_and_names_the_card(write_story, cwd, capsys) -> None:
    path = write_story("story.md", [card("Short"), card(words(600), "long-one")])
    main(["check", str(path)])
    lines = capsys.readouterr().out.splitlines()
    (line,) = [line for line in lines if "card-continues" in line]
    prefix = re.escape(f"{path}: card long-one: card-continues: ")
    match = re.fullmatch(rf"{prefix}needs (\d) slides .*", line)
    assert match and int(match[1]) >= 2


def test_tofu_names_the_card_and_the_characters(write_story, cwd, capsys) -> None:
    path = write_story("story.md", [card("Fine"), card("Odd \U0010fffd\u0378 signs", "odd")])
    _, report = run_json(capsys, str(path))
    (finding,) = [f for f in report["files"][0]["findings"] if f["code"] == "glyphs-missing"]
    assert finding["card"] == "odd" and finding["figure"] == 2
    assert "U+10FFFD" in finding["message"] and "U+0378" in finding["message"]


def test_target_slides_says_how_many_uploads(write_story, cwd, capsys) -> None:
    cards = [card(f"Card {n}", f"k{n}") for n in range(22)]
    path = write_story("story.md", cards, sources="- [Source](https://example.org/a)\n")
    _, report = run_json(capsys, str(path), "--target", "instagram-api")
    (finding,) = [f for f in report["files"][0]["findings"] if f["code"] == "target-slides"]
    assert finding["figure"] == 23
    assert "saved as 3 uploads (8, 8, 7 slides)" in finding["message"]


def test_slides_over_the_story_limit_are_an_error(cwd) -> None:
    cards = tuple(Card(n, f"k{n}", "word " * 3000) for n in range(12))
    story = Story("big", "Big", None, "--default", None, (), cards)
    (finding,) = [f for f in check_story(story) if f.severity == "error"]
    assert finding.code == "slides-over-limit" and "over the limit of 100" in finding.message


def test_caption_over_the_platform_limit(cwd) -> None:
    story = cardimg.parse_story(f"---\ntitle: T\ncards:\n- body: Body\n---\n{_many_sources()}\n")
    (finding,) = [f for f in check_story(story) if f.code == "caption-too-long"]
    assert finding.figure is not None and finding.figure > 2200


def test_alt_text_over_a_target_limit(cwd) -> None:
    story = Story("s", "S", None, "--default", None, (), (Card(0, "k", words(40)),))
    tight = Target("tight", "alt text ≤ 60", formats=("png",), max_bytes=10**6, alt_limit=60)
    (finding,) = [f for f in check_story(story, target=tight) if f.code == "alt-too-long"]
    assert (finding.card, finding.slide) == ("k", 1) and finding.figure > 60


def test_an_unreadable_logo(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"not an image")
    story = Story("s", "S", None, "--default", None, (), (Card(0, "k", "Body"),))
    findings = check_story(story, options=RenderOptions(logo=logo))
    assert [f.code for f in findings] == ["logo-unreadable"]


def test_sources_longer_than_searched(cwd) -> None:
    story = cardimg.parse_story("---\ncards:\n- body: Body\n---\n" + "x " * 60_000)
    assert "sources-cut" in [f.code for f in check_story(story)]


def test_a_hand_built_story_s_text_warnings_are_findings() -> None:
    story = Story(
        "s", "S", None, "--default", None, (), (Card(0, "k", "Body"),), warnings=("s: odd",)
    )
    (finding,) = check_story(story)
    assert (finding.code, finding.message) == ("story-warning", "odd")


def test_every_code_is_covered_by_a_test() -> None:
    """Every finding code is named in a test (most here; a format's own, e.g. video's, in
    its test file)."""
    source = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    assert [code for code in CODES if f'"{code}"' not in source] == []


# --------------------------------------------------------------------------- output


def test_human_output_is_one_line_per_finding(write_story, cwd, capsys) -> None:
    path = write_story(
        "story.md",
        [card("Body <!-- note -->", "first")],
        colorpaletteclassname="--bronze",
    )
    status = main(["check", str(path)])
    out, err = capsys.readouterr()
    assert status == 0
    assert out.splitlines() == [
        f"{path}: card first: markdown-hidden: an HTML comment is not card text, not drawn: "
        "<!-- note -->",
        f"{path}: palette '--bronze': contrast-low: text is 2.95:1 against its background on "
        "slide 01, below WCAG AA 4.5:1 (--accessible moves the colours just enough to pass)",
    ]
    assert err.strip() == "cardimg: checked 1 file: 0 errors, 2 warnings, 0 info"


# The documented schema of `check --format json` (docs/check.md), as types per key.
FINDING_SCHEMA = {
    "code": str,
    "severity": str,
    "file": str,
    "field": (str, type(None)),
    "card": (str, type(None)),
    "slide": (int, type(None)),
    "message": str,
    "figure": (int, float, type(None)),
    "line": (int, type(None)),
}
SUMMARY_SCHEMA = {
    "files": int,
    "skipped": int,
    "errors": int,
    "warnings": int,
    "info": int,
    "exit_status": int,
}


def assert_schema(report: dict) -> None:
    assert set(report) == {"version", "files", "summary"} and report["version"] == 1
    for entry in report["files"]:
        assert set(entry) == {"path", "findings"} and isinstance(entry["path"], str)
        for finding in entry["findings"]:
            assert set(finding) == set(FINDING_SCHEMA)
            for key, kind in FINDING_SCHEMA.items():
                assert isinstance(finding[key], kind), (key, finding[key])
            assert finding["code"] in CODES and finding["severity"] in ("error", "warning", "info")
    assert set(report["summary"]) == set(SUMMARY_SCHEMA)
    for key, kind in SUMMARY_SCHEMA.items():
        assert isinstance(report["summary"][key], kind)


def test_json_output_follows_the_documented_schema(write_story, tmp_path, cwd, capsys) -> None:
    save_image(tmp_path / "thumb.png", Image.new("RGB", (40, 30), (200, 40, 40)))
    good = write_story("good.md", [card("Body")])
    busy = write_story(
        "busy.md",
        [card(words(600)), card("", "k1"), card("Odd \U0010fffd", "k2")],
        featured_image={"url": "thumb.png"},
        colorpaletteclassname="--nope",
    )
    broken = tmp_path / "broken.md"
    broken.write_text("---\ncards: []\n---\n", encoding="utf-8")
    status, report = run_json(capsys, str(good), str(busy), str(broken))
    assert_schema(report)
    assert [entry["path"] for entry in report["files"]] == [str(good), str(busy), str(broken)]
    assert report["files"][0]["findings"] == []
    summary = report["summary"]
    assert (summary["files"], summary["errors"], summary["exit_status"]) == (3, 1, 2)
    assert summary["warnings"] == sum(
        f["severity"] == "warning" for e in report["files"] for f in e["findings"]
    )
    assert status == 2


# --------------------------------------------------------------------------- exit status


def test_exit_status_is_0_clean_1_warnings_with_strict_2_errors(
    write_story, tmp_path, cwd, capsys
) -> None:
    clean = write_story("clean.md", [card("Body")])
    warned = write_story("warned.md", [card("Body")], colorpaletteclassname="--nope")
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: no cards\n---\n", encoding="utf-8")
    assert main(["check", str(clean)]) == 0
    assert main(["check", str(clean), "--strict"]) == 0
    assert main(["check", str(warned)]) == 0
    assert main(["check", str(warned), "--strict"]) == 1
    assert main(["check", str(broken)]) == 2
    assert main(["check", str(warned), str(broken), "--strict"]) == 2
    # Info findings (a card that continues) never fail a check, strict or not.
    long = write_story("long.md", [card(words(600))])
    assert main(["check", str(long), "--strict"]) == 0
    out = capsys.readouterr().out
    assert f"{broken}: story-invalid: cards: missing; a story needs a list of cards" in out


def test_an_unusable_option_is_an_error(write_story, tmp_path, cwd, capsys) -> None:
    path = write_story("story.md", [card("Body")])
    assert main(["check", str(path), "--images", str(tmp_path / "nowhere")]) == 2
    # A carousel preset for a one-image target.
    assert main(["check", str(path), "--target", "x", "--preset", "instagram-portrait"]) == 2
    err = capsys.readouterr().err
    assert "--images:" in err and "takes one cover image" in err and "Traceback" not in err


def test_a_folder_skips_what_render_skips(write_story, tmp_path, cwd, capsys) -> None:
    folder = tmp_path / "stories"
    write_story("a.md", [card("Body")], folder=folder)
    write_story("draft.md", [card("Body")], folder=folder, draft=True)
    (folder / "README.md").write_text("# Not a story\n", encoding="utf-8")
    _, report = run_json(capsys, str(folder))
    assert [Path(e["path"]).name for e in report["files"]] == ["a.md"]
    assert report["summary"]["skipped"] == 2


def test_worker_processes_give_the_report_of_one_process(write_story, tmp_path, capsys) -> None:
    folder = tmp_path / "stories"
    for number in range(5):
        write_story(f"s{number}.md", [card(words(30 + 40 * number))], folder=folder)
    write_story("draft.md", [card("Body")], folder=folder, draft=True)
    (folder / "README.md").write_text("# Not a story\n", encoding="utf-8")
    (folder / "broken.md").write_text("---\nslug: broken\ncards: 5\n---\n", encoding="utf-8")
    samples = Path(__file__).resolve().parents[1] / "samples"
    paths = [str(folder), str(samples / "20240113-arabic.md")]
    one = run_json(capsys, *paths)
    two = run_json(capsys, *paths, "--jobs", "2")
    assert two == one
    assert one[0] == 2 and one[1]["summary"]["skipped"] == 2  # broken.md is an error
    assert main(["check", *paths]) == 2
    text_one = capsys.readouterr()
    assert main(["check", *paths, "--jobs", "3"]) == 2
    text_three = capsys.readouterr()
    assert (text_three.out, text_three.err) == (text_one.out, text_one.err)
    lines = text_one.out.splitlines()  # a line per finding, in the order of the files
    assert len(lines) >= 3 and lines[0].startswith(str(folder / "broken.md"))
    assert lines[-1].startswith(paths[1])


def test_jobs_below_one_and_ctrl_c_are_one_line(write_story, monkeypatch, capsys) -> None:
    path = write_story("story.md", [card("Body")])
    assert main(["check", str(path), "--jobs", "0"]) == 2
    assert capsys.readouterr().err.startswith(
        "cardimg: error: --jobs: 0 is not a number of workers from 1 to "
    )

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("cardimg.check.check_files", interrupted)
    assert main(["check", str(path)]) == 130
    assert capsys.readouterr().err == "cardimg: error: interrupted\n"


def test_sigterm_during_a_check_is_one_line_and_143(write_story, monkeypatch, capsys) -> None:
    import os
    import signal

    path = write_story("story.md", [card("Body")])

    def terminated(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # a real signal, handled in this (main) thread
        raise AssertionError("SIGTERM did not stop the check")

    monkeypatch.setattr("cardimg.check.check_files", terminated)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["check", str(path)]) == 143
    assert capsys.readouterr().err == "cardimg: error: terminated\n"
    assert signal.getsignal(signal.SIGTERM) == before  # the caller's handler is back


# --------------------------------------------------------------------------- like render


def test_check_finds_what_render_finds(write_story, tmp_path, cwd) -> None:
    # White text on a mid blue that passes, over a white image: only the image slide fails.
    save_image(tmp_path / "snow.png", Image.new("RGB", (400, 300), (250, 250, 250)))
    path = write_story(
        "story.md",
        [
            card("Body <!-- hidden -->", "a"),
            card(words(600), "b"),
            card("", "c"),
            card("Odd \U0010fffd", "d"),
            card(words(236), "e"),
        ],
        featured_image={"url": "snow.png"},
        colorpaletteclassname="--dark-blue",
    )
    story = cardimg.load_story(path)
    rendered = cardimg.render(story).findings
    checked = check_story(story)

    def key(finding):
        return (finding.code, finding.card, finding.slide, finding.field)

    assert sorted(map(key, checked)) == sorted(map(key, rendered))
    assert {f.code for f in checked} >= {
        "markdown-hidden",
        "card-continues",
        "card-empty",
        "glyphs-missing",
        "text-at-floor",
        "image-small",
        "contrast-low",
    }
    (painted,) = [f for f in rendered if f.code == "contrast-low"]
    (computed,) = [f for f in checked if f.code == "contrast-low"]
    assert painted.slide == computed.slide == 1
    assert computed.figure == pytest.approx(painted.figure, abs=0.05)


@pytest.mark.parametrize("palette", ["--bronze", "--nope", "--light-blue"])
def test_check_agrees_with_render_on_palettes(palette) -> None:
    story = Story("s", "S", "Series", palette, None, (), (Card(0, "k", words(80)),))
    rendered = sorted((f.code, f.message) for f in cardimg.render(story).findings)
    checked = sorted((f.code, f.message) for f in check_story(story) if f.code not in POSTING_CODES)
    assert checked == rendered


def test_check_writes_nothing(write_story, tmp_path, cwd, tree, capsys) -> None:
    save_image(tmp_path / "thumb.png", Image.new("RGB", (40, 30), (200, 40, 40)))
    path = write_story("story.md", [card(words(600))], featured_image={"url": "thumb.png"})
    before = tree(tmp_path)
    main(["check", str(tmp_path), "--target", "instagram-api"])
    capsys.readouterr()
    run_json(capsys, str(path))
    assert tree(tmp_path) == before


def test_text_the_machine_cannot_shape_is_an_error_unless_allowed(monkeypatch) -> None:
    import cardimg.notes as notes
    from cardimg.engine import EngineStatus

    missing = EngineStatus(False, None, None, None, "the FriBiDi library (Debian: libfribidi0)")
    monkeypatch.setattr(notes, "engine_status", lambda: missing)
    story = Story("s", "S", None, "--default", None, (), (Card(0, "k", "مرحبا بالعالم"),))
    (finding,) = [f for f in check_story(story) if f.code == "text-engine-missing"]
    assert (finding.severity, finding.card) == ("error", "k")
    assert "Arabic (right-to-left) text" in finding.message and "libfribidi0" in finding.message
    allowed = check_story(story, options=RenderOptions(allow_basic_layout=True))
    assert [f.severity for f in allowed if f.code == "text-engine-missing"] == ["warning"]
    latin = Story("s", "S", None, "--default", None, (), (Card(0, "k", "Hello"),))
    assert "text-engine-missing" not in [f.code for f in check_story(latin)]


def test_a_label_wrapped_past_the_slide_s_edge_is_reported(tmp_path: Path) -> None:
    theme_path = tmp_path / "tight.toml"
    theme_path.write_text("[frame]\ninset = 16\n[styles.series]\nmin_scale = 1.0\n")
    from cardimg.theme import load_theme

    series = " ".join(["Extraordinarily long series label words"] * 6)
    story = Story("s", "S", series, "--default", None, (), (Card(0, "k", "Body"),))
    findings = check_story(story, theme=load_theme(theme_path))
    (finding,) = [f for f in findings if f.code == "text-off-slide"]
    assert finding.card == "k" and finding.slide == 1 and (finding.figure or 0) > 0
    assert "series line" in finding.message and "frame.inset" in finding.message
    rendered = cardimg.render(story, theme=theme_path)
    assert "text-off-slide" in [f.code for f in rendered.findings]
    roomy = check_story(story)  # the default inset holds a wrapped label
    assert "text-off-slide" not in [f.code for f in roomy]


def test_a_theme_with_no_room_for_text_at_the_preset_is_an_error_finding(tmp_path: Path) -> None:
    from cardimg.theme import load_theme

    theme_path = tmp_path / "huge.toml"
    theme_path.write_text("[type]\nbody_size = 240\nmin_body_size = 240\n")
    story = Story("s", "S", None, "--default", None, (), (Card(0, "k", "Body"),))
    findings = check_story(story, theme=load_theme(theme_path))
    (finding,) = [f for f in findings if f.severity == "error"]
    assert finding.code == "theme-invalid"
    assert finding.message.startswith("huge.toml: type.min_body_size: 240 px")
