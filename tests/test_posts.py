"""Covers for plain posts: a Hugo-like site (YAML, TOML and JSON front matter, a leaf
bundle, a section's `_index.md`, a draft, a future post) rendered with `--preset og
--name "{slug}.png"` into flat files, again incrementally, and a name clash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

import cardimg
from cardimg.batch import render_batch
from cardimg.cli import main
from cardimg.dates import format_date, is_future
from cardimg.errors import OptionsError, StoryError
from cardimg.named import INDEX
from cardimg.story import load_story, parse_story

NOW = datetime(2024, 12, 1, tzinfo=UTC)


def _photo(path: Path) -> None:
    """A generated, photo-like picture: a sky gradient, a sun, buildings."""
    image = Image.linear_gradient("L").resize((400, 250)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((260, 30, 340, 110), fill=(255, 210, 140))
    for x in range(20, 380, 60):
        draw.rectangle((x, 120 + x % 70, x + 45, 250), fill=(40, 50, 80))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    posts = content / "posts"
    (posts / "budget-vote").mkdir(parents=True)
    _photo(posts / "budget-vote" / "cover.png")
    _photo(tmp_path / "static" / "images" / "zoning.png")
    (posts / "budget-vote" / "index.md").write_text(
        "---\ntitle: Council passes the budget\ndescription: Transit and housing win.\n"
        "date: 2024-11-14\nauthors: [Ana Lima]\ntags: [City Hall]\nimage: cover.png\n---\n"
    )
    (posts / "zoning.md").write_text(
        '+++\ntitle = "The new zoning map"\ndate = 2024-10-02T09:00:00Z\n'
        'author = "Maya Okafor"\nimages = ["/images/zoning.png"]\n+++\nBody.\n'
    )
    (posts / "arabic.md").write_text(
        '{\n  "title": "المجلس يقر الميزانية",\n  "lang": "ar",\n  "date": "2024-11-14"\n}\n'
    )
    (posts / "_index.md").write_text("---\ntitle: Posts\n---\n")
    (posts / "draft.md").write_text("---\ntitle: Not yet\ndraft: true\n---\n")
    (posts / "later.md").write_text("---\ntitle: Tomorrow\npublishDate: 2025-01-01\n---\n")
    return tmp_path


def _render(site: Path, **options: object) -> cardimg.batch.BatchResult:
    return render_batch(
        [site / "content"],
        site / "static" / "og",
        preset="og",
        name="{slug}.png",
        images_dir=site / "static",
        now=NOW,
        **options,  # type: ignore[arg-type]
    )


def test_a_hugo_site_renders_to_flat_named_covers_and_again_incrementally(site: Path) -> None:
    first = _render(site)
    out = site / "static" / "og"
    assert (first.rendered, first.drafts, first.future, first.failed) == (4, 1, 1, 0)
    names = sorted(path.name for path in out.iterdir())
    assert names == ["arabic.png", "budget-vote.png", INDEX, "posts.png", "zoning.png"]
    with Image.open(out / "budget-vote.png") as image:
        assert image.size == (1200, 630)
    index = json.loads((out / INDEX).read_text("utf-8"))
    assert set(index["sources"]) == {
        "posts/_index.md",
        "posts/arabic.md",
        "posts/budget-vote/index.md",
        "posts/zoning.md",
    }
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    again = _render(site)
    assert (again.rendered, again.unchanged) == (0, 4)
    (site / "content" / "posts" / "zoning.md").write_text(
        '+++\ntitle = "The new zoning map, revised"\ndate = 2024-10-02\n+++\n'
    )
    (out / "arabic.png").write_bytes(b"cut")  # a damaged file renders again
    third = _render(site)
    assert (third.rendered, third.unchanged) == (2, 2)
    assert (out / "budget-vote.png").read_bytes() == before["budget-vote.png"]
    assert (out / "arabic.png").read_bytes() == before["arabic.png"]  # byte-identical


def test_future_posts_render_with_future_and_drafts_with_drafts(site: Path) -> None:
    result = _render(site, future=True, drafts=True)
    assert (result.rendered, result.future, result.drafts) == (6, 0, 0)


def test_two_posts_naming_the_same_file_are_an_error_before_anything_is_written(
    site: Path,
) -> None:
    (site / "content" / "posts" / "other.md").write_text("---\ntitle: X\nslug: zoning\n---\n")
    with pytest.raises(OptionsError, match=r"other\.md and .*zoning\.md|zoning\.md and .*other"):
        _render(site)
    assert not (site / "static" / "og").exists()


def test_the_cli_names_covers_and_a_carousel_preset_lists_posts_as_not_stories(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = site / "out"
    code = main(["render", str(site / "content"), "--preset", "og", "--name", "{slug}.png",
                 "-o", str(out), "--future", "-j", "1"])  # fmt: skip
    assert code == 0
    assert (out / "later.png").is_file() and (out / "budget-vote.png").is_file()
    code = main(["render", str(site / "content"), "-o", str(site / "cards"), "-j", "1"])
    assert code == 0
    assert "not stories skipped" in capsys.readouterr().out
    assert main(["render", str(site / "content"), "--name", "{slug}.png", "-o", str(out)]) == 1


def test_check_checks_posts(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images = str(site / "static")
    assert main(["check", str(site / "content"), "--preset", "og", "--images", images]) == 0
    (site / "content" / "posts" / "zoning.md").write_text(
        '+++\ntitle = "x"\nimages = ["/no.png"]\n+++\n'
    )
    main(["check", str(site / "content"), "--preset", "og", "--images", images])
    assert "zoning.md: featured_image: image-missing: no.png not found" in capsys.readouterr().out


def test_front_matter_errors_name_the_file_line_and_key() -> None:
    with pytest.raises(StoryError, match=r"^p\.md: front matter line 3, column \d+: TOML error"):
        parse_story("\n+++\ntitle = \n+++\n", name="p.md", posts=True)
    with pytest.raises(StoryError, match=r"^p\.md: front matter line 2, column \d+: JSON error"):
        parse_story('{"title": "x",\n "tags": [1,}\n', name="p.md", posts=True)
    with pytest.raises(StoryError, match=r"^p\.md: title: expected text, got a list"):
        parse_story('{"title": ["x"]}', name="p.md", posts=True)
    with pytest.raises(StoryError, match=r"^p\.md: tags\[0\]: expected text, got a list"):
        parse_story("+++\ntitle = 'x'\ntags = [[1]]\n+++\n", name="p.md", posts=True)


def test_a_post_reads_the_generators_fields(tmp_path: Path) -> None:
    path = tmp_path / "my-post" / "index.md"
    path.parent.mkdir()
    path.write_text(
        "---\ntitle: T\nsummary: S\nauthor: {name: Ana}\ncategories: [News]\n"
        "cover: {image: c.jpg, alt: A}\ndate: 2024-03-14\n---\n"
    )
    story = load_story(path, posts=True)
    assert story.slug == "my-post"
    assert story.post is not None
    assert (story.post.standfirst, story.post.authors, story.post.tags) == (
        "S",
        ("Ana",),
        ("News",),
    )
    assert story.featured_image is not None and story.featured_image.url == "c.jpg"
    with pytest.raises(StoryError, match="cards: missing"):
        load_story(path)


def test_dates_are_set_in_the_posts_language_and_compared_with_a_given_now() -> None:
    assert format_date("2024-03-14", "en") == "14 March 2024"
    assert format_date("2024-03-14T10:00:00Z", "fr") == "14 mars 2024"
    assert format_date("2024-03-14", "ja") == "2024年3月14日"
    assert format_date("2024-03-14", "xx") == "2024-03-14"
    assert is_future("2025-01-01", NOW) and not is_future("2024-01-01", NOW)
    assert not is_future("soon", NOW)


@pytest.mark.parametrize("theme", ["default", "bold", "quiet"])
def test_every_theme_has_a_designed_post_cover(site: Path, theme: str) -> None:
    path = site / "content" / "posts" / "budget-vote" / "index.md"
    story = load_story(path, posts=True)
    carousel = cardimg.render(story, theme=theme, preset="og")
    slide = carousel.slides[0]
    roles = {line.role for line in slide.lines}
    assert {"heading", "series", "byline"} <= roles
    assert any("ana lima" in line.text.lower() for line in slide.lines)
    again = cardimg.render(story, theme=theme, preset="og")
    assert again.slides[0].image.tobytes() == slide.image.tobytes()
    with pytest.raises(StoryError, match="a post"):
        cardimg.render(story, theme=theme)
