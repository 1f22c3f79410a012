"""Load a story file (YAML front matter + Markdown) and validate it into frozen values.

Limits (each breach is a `StoryError` naming the limit):

* `MAX_FILE_BYTES`: a story file is read up to this size and no further.
* `MAX_CARDS`: cards per story.
* `MAX_BODY_CHARS`: characters per card body (after trailing whitespace is stripped).
* `MAX_FRONT_MATTER_VALUES`: YAML values built from the fields cardimg reads. Other keys
  are skipped without building anything, so any file under `MAX_FILE_BYTES` loads in
  bounded time and memory.
* `MAX_SOURCES_CHARS`: only this much of the Markdown after the front matter is searched
  for sources (a warning says so); real source lists are a few hundred characters, and
  Markdown parsing costs about a second per 100,000 hostile characters.

Card order: cards are shown sorted by their integer `order` (a stable sort, so equal
orders keep file order). Cards without `order` follow all ordered cards, in file order,
and are numbered on from the highest given order. Error messages name cards by their
position in the file (`cards[2]`), which is what a person can find in the file.

YAML anchors and aliases are refused: CMS exports never use them, and refusing them
stops alias expansion ("billion laughs") before it starts.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .errors import StoryError, one_line
from .findings import Finding, warning_texts
from .storyfiles import MAX_FILE_BYTES, safe_slug
from .storyfiles import fallback_slug as _fallback_slug

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_CARDS",
    "MAX_FILE_BYTES",
    "MAX_FRONT_MATTER_VALUES",
    "MAX_SOURCES_CHARS",
    "Card",
    "FeaturedImage",
    "Post",
    "Source",
    "Story",
    "StoryError",
    "field_line",
    "load_story",
    "parse_sources",
    "parse_story",
    "safe_slug",
    "story_name",
]

MAX_CARDS = 60
MAX_BODY_CHARS = 20_000
MAX_SOURCES_CHARS = 100_000

DEFAULT_PALETTE = "--default"
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FeaturedImage:
    """The story's featured image: `url` is an asset file name, never a URL to fetch."""

    url: str
    alt: str = ""


@dataclass(frozen=True)
class Post:
    """What a post (a page with a `title` and no `cards`) adds for its cover, read from
    the fields the big site generators use: a standfirst, its authors, tags, and the
    moment it is published (`publishDate`, else `date`)."""

    standfirst: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    publish_date: str | None = None


@dataclass(frozen=True)
class Source:
    """One source listed after the front matter: a title and its link."""

    title: str
    url: str


@dataclass(frozen=True)
class Card:
    """One card of the stack, in the order it is shown."""

    order: int
    key: str
    body: str
    citation: str | None = None


@dataclass(frozen=True)
class Story:
    """A validated story, ready to render."""

    slug: str
    title: str | None
    series: str | None
    palette: str
    featured_image: FeaturedImage | None
    sources: tuple[Source, ...]
    cards: tuple[Card, ...]
    path: Path | None = None
    date: str | None = None
    draft: bool = False
    story_id: str | None = None
    lang: str | None = None  # BCP 47 tag from `lang`/`language`; None: guessed from the text
    post: Post | None = None  # a post's fields (a post has no cards); None: a story
    warnings: tuple[str, ...] = field(default=(), compare=False)
    findings: tuple[Finding, ...] = field(default=(), compare=False)  # the warnings as values
    # 1-based lines of the file where fields and cards start, by the name a finding gives
    # them (`featured_image`, `cards[2]`, `card KEY`): CI annotates those lines.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def base_dir(self) -> Path | None:
        """The folder the story file lives in: featured images are looked up there."""
        return self.path.parent if self.path is not None else None


def story_name(story: Story) -> str:
    """How messages name a story: its file name, else its slug."""
    return story.path.name if story.path is not None else story.slug


# --------------------------------------------------------------------------- errors

_one_line = one_line


def _error(name: str, where: str, problem: str, line: int | None = None) -> StoryError:
    finding = Finding(
        code="story-invalid",
        file=name,
        field=where or None,
        message=_one_line(problem),
        line=line,
    )
    return StoryError.of(finding)


def _warning(name: str, where: str, problem: str, code: str, card: str | None = None) -> Finding:
    return Finding(code=code, file=name, field=where, card=card, message=_one_line(problem))


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, set):
        return "a set"
    if isinstance(value, bytes):
        return "binary data"
    return type(value).__name__


# --------------------------------------------------------------------------- reading


def load_story(path: str | os.PathLike[str], *, posts: bool = False, sources: bool = True) -> Story:
    """Read and validate the story file at `path`; every problem is a one-line StoryError.
    With `posts`, a file with a `title` and no `cards` is read as a post (see `Post`).
    `sources=False`: the sources list below the front matter is not read (the Story's
    `sources` is empty), for a caller that needs only the front matter and cards."""
    file_path = Path(path)
    name = _one_line(file_path.name or str(file_path))
    data = _read_capped(file_path, name)
    text = _decode_utf8(data, name)
    return parse_story(text, name=name, path=file_path, posts=posts, sources=sources)


def _read_capped(path: Path, name: str) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise _error(name, "", "is a directory, not a story file")
        # A FIFO or device could block or never end; only regular files are stories.
        if not stat.S_ISREG(info.st_mode):
            raise _error(name, "", "is not a regular file")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _error(name, "", f"no such file ({path})") from None
    except OSError as exc:
        raise _error(name, "", f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(name, info.st_size)
    return data


def _too_big(name: str, size: int) -> StoryError:
    shown = f"{size:,} bytes" if size > MAX_FILE_BYTES else "the file"
    return _error(name, "", f"{shown}, over the limit of {MAX_FILE_BYTES:,} bytes")


def _decode_utf8(data: bytes, name: str) -> str:
    skipped = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skipped
        line = data.count(b"\n", 0, offset) + 1
        bad = data[offset : offset + 1].hex()
        raise _error(
            name, "", f"not UTF-8 text: byte 0x{bad} at byte offset {offset:,} (line {line})", line
        ) from None


# --------------------------------------------------------------------------- YAML

# The fields cardimg reads, nested as they are in the front matter; `None` reads a value
# whole. A sequence's items are read with the sequence's own fields (`cards` is a list of
# card mappings). Any other key is skipped event by event, never built into values: a CMS
# can put anything in a story, and a million-item list cardimg ignores must cost nothing.
_CARD_FIELDS: dict[str, Any] = dict.fromkeys(("order", "body", "_key", "citation", "<<"))
_STORY_FIELDS: dict[str, Any] = {
    **dict.fromkeys(
        ("slug", "title", "card_series", "colorpaletteclassname", "date", "draft", "_id"),
    ),
    **dict.fromkeys(("lang", "language", "<<")),
    "featured_image": dict.fromkeys(("url", "alt", "<<")),
    "cards": _CARD_FIELDS,
    # A post's fields (see `_post`), under the names Hugo, Jekyll, Eleventy and Gatsby use.
    **dict.fromkeys(("description", "summary", "excerpt", "author", "authors")),
    **dict.fromkeys(("tags", "categories", "image", "images", "og_image")),
    **dict.fromkeys(("publishDate", "publishdate", "publish_date")),
    "cover": dict.fromkeys(("image", "alt", "<<")),
}
# Values built from the fields above: a real story has a few hundred.
MAX_FRONT_MATTER_VALUES = 10_000

_NODE_START = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_NODE_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _refuse_anchor(event: Any) -> None:
    if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
        raise yaml.composer.ComposerError(
            None, None, "anchors (&name) and aliases (*name) are not allowed", event.start_mark
        )


if TYPE_CHECKING:
    # The composer is a mixin: each loader below brings the parser's events (peek_event,
    # get_event, check_event) and the resolver, which is what it is to a type checker.
    class _ComposerBase(yaml.composer.Composer, yaml.parser.Parser, yaml.resolver.Resolver):
        # types-PyYAML leaves these unannotated; the event's kind (and so its fields) is
        # known only from where the composer is in the document.
        def peek_event(self) -> Any: ...
        def get_event(self) -> Any: ...
        def check_event(self, *choices: Any) -> bool: ...
        def dispose(self) -> None: ...
        def resolve(self, kind: type[yaml.Node], value: str | None, implicit: object) -> str: ...

else:
    _ComposerBase = yaml.composer.Composer


class _StoryComposer(_ComposerBase):
    """Builds only the fields cardimg reads; refuses anchors and aliases everywhere (CMS
    exports never use them, and refusing them stops alias expansion before it starts)."""

    def __init__(self) -> None:
        super().__init__()
        self._fields: dict[str, Any] | None = _STORY_FIELDS
        self._values = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        _refuse_anchor(event)
        self._values += 1
        if self._values > MAX_FRONT_MATTER_VALUES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"more than {MAX_FRONT_MATTER_VALUES:,} values in the fields cardimg reads",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor: Any) -> Any:
        fields = self._fields
        if fields is None:
            return super().compose_mapping_node(anchor)
        start = self.get_event()
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolve(yaml.MappingNode, None, start.implicit)
        node = yaml.MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        while not self.check_event(yaml.MappingEndEvent):
            key_event = self.peek_event()
            if not isinstance(key_event, yaml.ScalarEvent) or key_event.value not in fields:
                self._skip_node()  # the key
                self._skip_node()  # its value
                continue
            key = self.compose_node(node, None)
            self._fields = fields[key_event.value]
            try:
                value = self.compose_node(node, key)
            finally:
                self._fields = fields
            node.value.append((key, value))
        node.end_mark = self.get_event().end_mark
        return node

    def _skip_node(self) -> None:
        """Consume one node's events without building anything (a loop, not recursion,
        so a deeply nested ignored value cannot exhaust the stack)."""
        depth = 0
        while True:
            event = self.get_event()
            _refuse_anchor(event)
            if isinstance(event, _NODE_START):
                depth += 1
            elif isinstance(event, _NODE_END):
                depth -= 1
            if depth == 0:
                return


class _TextDatesResolver(yaml.resolver.Resolver):
    """PyYAML turns `2020-13-45` into a ValueError and valid dates into datetime objects;
    stories want the date text exactly as written."""


_TextDatesResolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}

# libyaml's C parser reads a 2 MiB front matter in well under a second; PyYAML's own
# parser takes tens of seconds. The composer stays the Python one above in both cases.
_FAST_PARSER = bool(getattr(yaml, "__with_libyaml__", False))
if _FAST_PARSER:
    from yaml._yaml import CParser  # what yaml.cyaml uses; present with libyaml

    class _StoryLoader(
        _StoryComposer, CParser, yaml.constructor.SafeConstructor, _TextDatesResolver
    ):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _StoryComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _TextDatesResolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _StoryLoader(  # type: ignore[no-redef]
        _StoryComposer,
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.constructor.SafeConstructor,
        _TextDatesResolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _StoryComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _TextDatesResolver.__init__(self)


class _StoryYAMLHandler(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return self.load_located(fm)[0]

    def load_located(self, fm: str) -> tuple[Any, dict[str, int]]:
        """The front matter's value, and the 0-based lines where its fields and cards start
        (read from the nodes' marks, which the value no longer has)."""
        loader = _StoryLoader(fm)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}
            return loader.construct_document(node), _node_lines(node)
        finally:
            loader.dispose()


def _node_lines(node: yaml.Node) -> dict[str, int]:
    """Where each top-level field and each card of the front matter starts (0-based)."""
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        lines[str(key.value)] = key.start_mark.line
        if key.value == "cards" and isinstance(value, yaml.SequenceNode):
            # A repeated `cards` key: the last one is the value, so its items' lines win.
            lines = {k: v for k, v in lines.items() if not k.startswith("cards[")}
            for index, item in enumerate(value.value):
                lines[f"cards[{index}]"] = item.start_mark.line
    return lines


_HANDLER = _StoryYAMLHandler()


def _split_front_matter(text: str, name: str) -> tuple[Any, str, dict[str, int]]:
    """Return (the front matter's value, Markdown after it, the 1-based lines of the file
    where its fields and cards start): YAML between `---` lines, TOML between `+++` lines,
    or a JSON object at the top (both as Hugo writes them; their lines are not known)."""
    stripped = text.lstrip()
    if not stripped:
        raise _error(name, "", "empty file")
    first_line = text[: len(text) - len(stripped)].count("\n") + 1
    if _TOML_OPENING.match(stripped):
        return (*_split_toml(stripped, name, first_line), {})
    if stripped.startswith("{"):
        return (*_split_json(stripped, name, first_line), {})
    boundary = _HANDLER.FM_BOUNDARY
    assert boundary is not None
    opening = boundary.match(stripped)
    if opening is None:
        raise _error(name, "", "no front matter: the file must start with a '---' line")
    try:
        front, content = _HANDLER.split(stripped)
    except ValueError:
        raise _error(name, "", "front matter has no closing '---' line") from None
    leading_lines = text[: len(text) - len(stripped)].count("\n")
    first_line = leading_lines + stripped.count("\n", 0, opening.end()) + 1
    value, lines = _load_yaml(front, name, first_line)
    return value, content.strip(), {key: first_line + line for key, line in lines.items()}


def _load_yaml(front: str, name: str, first_line: int) -> tuple[Any, dict[str, int]]:
    """Parse front matter; `first_line` maps YAML line 0 to its line in the file."""
    try:
        return _HANDLER.load_located(front)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(name, exc, first_line) from None
    except yaml.reader.ReaderError as exc:
        # libyaml reports a byte offset, PyYAML's own reader a character offset.
        lines_before = (
            front.encode("utf-8", "surrogatepass").count(b"\n", 0, exc.position)
            if _FAST_PARSER
            else front.count("\n", 0, exc.position)
        )
        line = first_line + lines_before
        raise _error(
            name,
            f"front matter line {line}",
            f"character #x{exc.character:04x} is not allowed",
            line,
        ) from None
    except RecursionError:
        raise _error(name, "front matter", "nested too deeply") from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise _error(name, "front matter", f"cannot read a value: {str(exc)[:200]}") from None


def _yaml_error(name: str, exc: yaml.MarkedYAMLError, first_line: int) -> StoryError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if mark is None:
        return _error(name, "front matter", f"YAML error: {problem}")
    line = first_line + mark.line
    where = f"front matter line {line}, column {mark.column + 1}"
    return _error(name, where, f"YAML error: {problem}", line)


# --------------------------------------------------------------------------- TOML, JSON

_TOML_OPENING = re.compile(r"\+\+\+[ \t]*\n")
_TOML_CLOSING = re.compile(r"^\+\+\+[ \t]*$", re.MULTILINE)
_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
# A JSON front matter is read only this far: a real one is a few hundred characters, and
# Python's JSON reader builds every value it meets (nothing is skipped, as for YAML).
MAX_JSON_FRONT_MATTER = 256 * 1024


def _split_toml(text: str, name: str, first_line: int) -> tuple[Any, str]:
    opening = _TOML_OPENING.match(text)
    assert opening is not None
    closing = _TOML_CLOSING.search(text, opening.end())
    if closing is None:
        raise _error(name, "", "front matter has no closing '+++' line")
    front = text[opening.end() : closing.start()]
    try:
        meta = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_WHERE.search(message)
        problem = _TOML_WHERE.sub("", message) or "invalid TOML"
        if where is None:
            raise _error(name, "front matter", f"TOML error: {problem}") from None
        line = first_line + int(where[1])
        where_text = f"front matter line {line}, column {where[2]}"
        raise _error(name, where_text, f"TOML error: {problem}") from None
    except RecursionError:
        raise _error(name, "front matter", "nested too deeply") from None
    return _read_fields(meta, name), text[closing.end() :].strip()


def _split_json(text: str, name: str, first_line: int) -> tuple[Any, str]:
    head = text[:MAX_JSON_FRONT_MATTER]
    try:
        meta, end = json.JSONDecoder().raw_decode(head)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(head) and len(text) > len(head):
            limit = f"{MAX_JSON_FRONT_MATTER:,}"
            raise _error(
                name, "front matter", f"JSON over the limit of {limit} characters"
            ) from None
        where = f"front matter line {first_line + exc.lineno - 1}, column {exc.colno}"
        raise _error(name, where, f"JSON error: {exc.msg}") from None
    except RecursionError:
        raise _error(name, "front matter", "nested too deeply") from None
    if not isinstance(meta, dict):
        raise _error(name, "front matter", f"expected a JSON object, got {_describe(meta)}")
    return _read_fields(meta, name), text[end:].strip()


def _read_fields(meta: dict[str, Any], name: str) -> dict[str, Any]:
    """The fields cardimg reads, as YAML gives them: dates as text, within the same
    limit of values (other keys are dropped unread)."""
    try:
        kept = {key: _as_yaml_value(v) for key, v in meta.items() if key in _STORY_FIELDS}
    except RecursionError:
        raise _error(name, "front matter", "nested too deeply") from None
    count, pending = 0, list(kept.values())
    while pending:  # a loop, not recursion: nesting was already bounded by the parser
        value = pending.pop()
        count += 1
        if count > MAX_FRONT_MATTER_VALUES:
            limit = f"{MAX_FRONT_MATTER_VALUES:,}"
            raise _error(
                name, "front matter", f"more than {limit} values in the fields cardimg reads"
            )
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return kept


def _as_yaml_value(value: object) -> Any:
    """TOML's dates and times become text, as the story's YAML reader keeps them."""
    if isinstance(value, dict):
        return {key: _as_yaml_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_yaml_value(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- story


def _as_text(text: object, name: str) -> str:
    """Story text as given: a str, or UTF-8 bytes (what a file or a request body holds)."""
    if isinstance(text, bytes | bytearray | memoryview):
        if len(text) > MAX_FILE_BYTES:
            raise _too_big(name, len(text))
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _error(name, "", f"not UTF-8 text (byte {exc.start:,})") from None
    if not isinstance(text, str):
        raise _error(name, "", f"expected the story's text, got {type(text).__name__}")
    return text


def parse_story(
    text: str | bytes,
    *,
    name: str = "<story>",
    path: Path | None = None,
    posts: bool = False,
    sources: bool = True,
) -> Story:
    """Validate story text (a str, or UTF-8 bytes); `name` starts every message, `path`
    locates images and the slug. With `posts`, front matter with a `title` and no
    `cards` is a post: a Story with no cards and its `post` fields, for a cover.
    `sources=False`: the sources list is not read (the sources never make an error)."""
    if path is not None and name == "<story>":
        name = _one_line(path.name) or name
    text = _as_text(text, name)
    size = _utf8_size(text)
    if size > MAX_FILE_BYTES:
        raise _too_big(name, size)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, content, lines = _split_front_matter(text, name)
    try:
        return _story(meta, content, name, path, lines, posts=posts, sources=sources)
    except StoryError as exc:
        raise _with_line(exc, lines) from None


def _story(
    meta: Any,
    content: str,
    name: str,
    path: Path | None,
    lines: dict[str, int],
    *,
    posts: bool = False,
    sources: bool = True,
) -> Story:
    if meta is None:
        raise _error(name, "front matter", "empty; expected a mapping with a 'cards' list")
    if not isinstance(meta, dict):
        raise _error(name, "front matter", f"expected a mapping, got {_describe(meta)}")
    if posts and "cards" not in meta and meta.get("title") is not None:
        return _post(meta, name, path)
    cards, findings, keys = _parse_cards(meta, name)
    for index, key in enumerate(keys):
        if f"cards[{index}]" in lines:
            lines.setdefault(f"card {key}", lines[f"cards[{index}]"])
    findings = tuple(_with_finding_line(f, lines) for f in findings)
    if len(content) > MAX_SOURCES_CHARS:
        findings += (_sources_cut_warning(name, len(content)),)
    return Story(
        slug=_text(meta, "slug", name) or _fallback_slug(name, path),
        title=_text(meta, "title", name),
        series=_text(meta, "card_series", name),
        palette=_text(meta, "colorpaletteclassname", name) or DEFAULT_PALETTE,
        featured_image=_featured_image(meta.get("featured_image"), name),
        sources=parse_sources(content[:MAX_SOURCES_CHARS]) if sources else (),
        cards=cards,
        path=path,
        date=_text(meta, "date", name),
        draft=_draft(meta.get("draft"), name),
        story_id=_text(meta, "_id", name),
        lang=_text(meta, "lang", name) or _text(meta, "language", name),
        warnings=warning_texts(findings),
        findings=findings,
        lines=lines,
    )


_CARD_WHERE = re.compile(r"cards\[\d+\]")


def field_line(where: str | None, lines: Mapping[str, int]) -> int | None:
    """The line where `where` (a finding's field, `cards[2].order`, or `card KEY`)
    starts in the file, from a story's `lines`; None when not known."""
    if not where:
        return None
    if where in lines:
        return lines[where]
    if where.startswith("palette "):  # contrast: the palette the story names, if it does
        return lines.get("colorpaletteclassname")
    card = _CARD_WHERE.match(where)
    return lines.get(card.group() if card else where.split(".", 1)[0])


def _with_finding_line(finding: Finding, lines: Mapping[str, int]) -> Finding:
    if finding.line is not None:
        return finding
    line = field_line(finding.where, lines)
    return finding if line is None else replace(finding, line=line)


def _with_line(exc: StoryError, lines: Mapping[str, int]) -> StoryError:
    """The error with its finding's line filled in, where its field's line is known."""
    if exc.finding is None or exc.finding.line is not None:
        return exc
    finding = _with_finding_line(exc.finding, lines)
    return exc if finding is exc.finding else StoryError.of(finding)


def _sources_cut_warning(name: str, length: int) -> Finding:
    return _warning(
        name,
        "sources",
        f"{length:,} characters, only the first {MAX_SOURCES_CHARS:,} are searched for sources",
        "sources-cut",
    )


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _scalar_text(value: object, name: str, where: str) -> str | None:
    """Text for a text field: None stays None, numbers become text, containers fail."""
    if value is None:
        return None
    if isinstance(value, bool):
        # YAML 1.1 reads `No`/`yes`/`off` as booleans; the written word is already lost.
        raise _error(name, where, "expected text, got a boolean (quote the value to keep it)")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    raise _error(name, where, f"expected text, got {_describe(value)}")


def _text(meta: dict[Any, Any], key: str, name: str) -> str | None:
    return _scalar_text(meta.get(key), name, key) or None


def _draft(value: object, name: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise _error(name, "draft", f"expected true or false, got {_describe(value)}")


def _featured_image(value: object, name: str) -> FeaturedImage | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _error(
            name, "featured_image", f"expected a mapping with url and alt, got {_describe(value)}"
        )
    url = _scalar_text(value.get("url"), name, "featured_image.url")
    alt = _scalar_text(value.get("alt"), name, "featured_image.alt")
    return FeaturedImage(url=url, alt=alt or "") if url else None


# --------------------------------------------------------------------------- posts

_STANDFIRST_KEYS = ("description", "summary", "excerpt")
_PUBLISH_KEYS = ("publishDate", "publishdate", "publish_date")


def _post(meta: dict[Any, Any], name: str, path: Path | None) -> Story:
    """A post: the fields its cover shows, under the generators' names."""
    title = _text(meta, "title", name)
    if not title:
        raise _error(name, "title", "empty; a post's cover needs a title")
    post = Post(
        standfirst=_first_text(meta, _STANDFIRST_KEYS, name),
        authors=_names(meta, ("authors", "author"), name),
        tags=_names(meta, ("tags", "categories"), name),
        publish_date=_first_text(meta, _PUBLISH_KEYS, name),
    )
    return Story(
        slug=_text(meta, "slug", name) or _fallback_slug(name, path),
        title=title,
        series=None,
        palette=_text(meta, "colorpaletteclassname", name) or DEFAULT_PALETTE,
        featured_image=_post_image(meta, name),
        sources=(),
        cards=(),
        path=path,
        date=_text(meta, "date", name),
        draft=_draft(meta.get("draft"), name),
        lang=_text(meta, "lang", name) or _text(meta, "language", name),
        post=post,
    )


def _first_text(meta: dict[Any, Any], keys: tuple[str, ...], name: str) -> str | None:
    for key in keys:
        value = _text(meta, key, name)
        if value:
            return " ".join(value.split())
    return None


def _names(meta: dict[Any, Any], keys: tuple[str, ...], name: str) -> tuple[str, ...]:
    """Authors or tags: text, a list of text, or mappings with a `name` (Jekyll's
    authors); the first of `keys` that gives any."""
    for key in keys:
        value = meta.get(key)
        items = value if isinstance(value, list) else [] if value is None else [value]
        found = [
            _name(item, name, f"{key}[{i}]" if value is items else key)
            for i, item in enumerate(items)
        ]
        kept = tuple(dict.fromkeys(text for text in found if text))
        if kept:
            return kept
    return ()


def _name(item: object, name: str, where: str) -> str | None:
    if isinstance(item, dict):
        return _scalar_text(item.get("name"), name, f"{where}.name")
    text = _scalar_text(item, name, where)
    return " ".join(text.split()) if text else None


def _post_image(meta: dict[Any, Any], name: str) -> FeaturedImage | None:
    """The featured image, from the first of `image`, `images[0]`, `cover.image`,
    `featured_image` (text, or a mapping with `url`) and `og_image` that names one."""
    cover = meta.get("cover")
    images = meta.get("images")
    featured = meta.get("featured_image")
    candidates: list[tuple[object, str]] = [(meta.get("image"), "image")]
    if isinstance(images, list) and images:
        candidates.append((images[0], "images[0]"))
    if isinstance(cover, dict):
        candidates.append((cover.get("image"), "cover.image"))
    if isinstance(featured, dict):
        candidates.append((featured.get("url"), "featured_image.url"))
    else:
        candidates.append((featured, "featured_image"))
    candidates.append((meta.get("og_image"), "og_image"))
    alt = cover.get("alt") if isinstance(cover, dict) else None
    alt = alt or (featured.get("alt") if isinstance(featured, dict) else None)
    for value, where in candidates:
        url = _scalar_text(value, name, where)
        if url:
            return FeaturedImage(url=url, alt=_scalar_text(alt, name, "alt") or "")
    return None


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class _RawCard:
    order: int | None
    key: str
    body: str
    citation: str | None


def _parse_cards(
    meta: dict[Any, Any], name: str
) -> tuple[tuple[Card, ...], tuple[Finding, ...], list[str]]:
    """The cards in the order shown, their warnings, and their keys in file order."""
    if "cards" not in meta:
        raise _error(name, "cards", "missing; a story needs a list of cards")
    raw = meta["cards"]
    if not isinstance(raw, list):
        raise _error(name, "cards", f"expected a list, got {_describe(raw)}")
    if not raw:
        raise _error(name, "cards", "empty list; a story needs at least one card")
    if len(raw) > MAX_CARDS:
        raise _error(name, "cards", f"{len(raw):,} cards, over the limit of {MAX_CARDS:,}")
    parsed = [_parse_card(item, index, name) for index, item in enumerate(raw)]
    warnings = [
        _warning(
            name, f"cards[{index}].body", "empty, rendered as an empty card", "card-empty", card.key
        )
        for index, card in enumerate(parsed)
        if not card.body
    ]
    warnings += _unordered_warnings(parsed, name)
    return _sorted_cards(parsed), tuple(warnings), [card.key for card in parsed]


def _parse_card(item: object, index: int, name: str) -> _RawCard:
    where = f"cards[{index}]"
    if not isinstance(item, dict):
        raise _error(name, where, f"expected a mapping, got {_describe(item)}")
    return _RawCard(
        order=_card_order(item, f"{where}.order", name),
        key=_scalar_text(item.get("_key"), name, f"{where}._key") or f"card-{index}",
        body=_card_body(item, f"{where}.body", name),
        citation=_card_citation(item.get("citation"), f"{where}.citation", name),
    )


def _card_order(item: dict[Any, Any], where: str, name: str) -> int | None:
    order = item.get("order")
    if order is None:
        return None
    if not isinstance(order, int) or isinstance(order, bool):
        raise _error(name, where, f"expected an integer, got {_describe(order)}")
    return order


def _card_body(item: dict[Any, Any], where: str, name: str) -> str:
    if "body" not in item:
        raise _error(name, where, "missing")
    body = item["body"]
    if not isinstance(body, str):
        raise _error(name, where, f"expected text, got {_describe(body)}")
    body = body.rstrip()
    if len(body) > MAX_BODY_CHARS:
        raise _error(name, where, f"{len(body):,} characters, over the limit of {MAX_BODY_CHARS:,}")
    return body


def _card_citation(value: object, where: str, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error(name, where, f"expected text, got {_describe(value)}")
    return value.strip() or None


def _unordered_warnings(cards: list[_RawCard], name: str) -> list[Finding]:
    # Only a mix is surprising; a file with no orders at all is simply in file order.
    if all(card.order is None for card in cards):
        return []
    return [
        _warning(
            name,
            f"cards[{index}].order",
            "missing, shown after the ordered cards",
            "card-order-missing",
            card.key,
        )
        for index, card in enumerate(cards)
        if card.order is None
    ]


def _sorted_cards(cards: list[_RawCard]) -> tuple[Card, ...]:
    ordered = sorted((c for c in cards if c.order is not None), key=lambda c: c.order or 0)
    next_order = max((c.order or 0 for c in ordered), default=-1) + 1
    result = [Card(c.order or 0, c.key, c.body, c.citation) for c in ordered]
    for offset, card in enumerate(c for c in cards if c.order is None):
        result.append(Card(next_order + offset, card.key, card.body, card.citation))
    return tuple(result)


# --------------------------------------------------------------------------- sources

_MARKDOWN = MarkdownIt("commonmark")
_BARE_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
# A source's web address names a public host: a dotted name right after the scheme
# (user info and port allowed). `https://(x)` or `https://https://x` are not addresses.
_WEB_URL = re.compile(
    r"https?://(?:[^\s/@]+@)?[\w-]+(?:\.[\w-]+)+\.?(?::\d*)?(?:[/?#]|$)", re.IGNORECASE
)
_WEB_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,;:!?\"'*_~"
_TITLE_EDGE_PUNCTUATION = " :-–—|•·"


def parse_sources(markdown: str) -> tuple[Source, ...]:
    """The sources listed in `markdown`, in order. Accepts any text and never raises.

    Entries are a link (or a bare http(s) URL) with a title taken from the nearest
    preceding bold text, else the link's own text, else plain text before it on the
    same block, else the URL itself. Bold titles with no link after them are skipped.
    """
    collector = _SourceCollector()
    for token in _MARKDOWN.parse(markdown):
        if token.type == "inline" and token.children:
            collector.feed_block(token.children)
    return tuple(collector.sources)


def _clean(pieces: list[str]) -> str:
    return " ".join("".join(pieces).split())


def _trim_url(url: str) -> str:
    """Drop what text glues to a bare URL: everything from the first closing bracket that
    has no opening one (the seed's `…)-1.622259)`), then sentence punctuation."""
    depth = {")": 0, "]": 0}
    pairs = {"(": ")", "[": "]"}
    end = len(url)
    for index, char in enumerate(url):
        if char in pairs:
            depth[pairs[char]] += 1
        elif char in depth:
            if depth[char] == 0:
                end = index
                break
            depth[char] -= 1
    return url[:end].rstrip(_URL_TRAILING_PUNCTUATION)


class _SourceCollector:
    """Walks inline tokens, pairing titles with the links that follow them."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._bold_title: str | None = None
        self._plain: list[str] = []
        self._strong_depth = 0
        self._strong: list[str] = []
        self._link_href: str | None = None
        self._link_text: list[str] = []

    def feed_block(self, children: list[Token]) -> None:
        self._plain = []
        self._strong_depth = 0
        self._link_href = None
        for token in children:
            self._feed(token)

    def _feed(self, token: Token) -> None:
        kind = token.type
        if kind == "link_open":
            self._link_href = str(token.attrGet("href") or "")
            self._link_text = []
        elif kind == "link_close" and self._link_href is not None:
            href, self._link_href = self._link_href, None
            self._emit(href.strip(), _clean(self._link_text))
        elif kind == "strong_open" and self._link_href is None:
            self._open_strong()
        elif kind == "strong_close" and self._link_href is None:
            self._close_strong()
        elif kind in ("softbreak", "hardbreak"):
            self._text(" ")
        elif kind in ("text", "code_inline"):
            self._text(token.content)
        elif kind == "image" and self._link_href is not None:
            self._link_text.append(token.content)

    def _open_strong(self) -> None:
        if self._strong_depth == 0:
            self._strong = []
        self._strong_depth += 1

    def _close_strong(self) -> None:
        self._strong_depth = max(self._strong_depth - 1, 0)
        title = _clean(self._strong)
        if self._strong_depth == 0 and title:
            self._bold_title = title

    def _text(self, text: str) -> None:
        if self._link_href is not None:
            self._link_text.append(text)
        elif self._strong_depth:
            self._strong.append(text)
        else:
            self._plain_text(text)

    def _plain_text(self, text: str) -> None:
        position = 0
        for match in _BARE_URL.finditer(text):
            url = _trim_url(match.group())
            self._plain.append(text[position : match.start()])
            position = match.start() + len(url)
            self._emit(url, "")
        self._plain.append(text[position:])

    def _emit(self, url: str, link_text: str) -> None:
        if not url or (_WEB_SCHEME.match(url) and not _WEB_URL.match(url)):
            return
        self.sources.append(Source(self._title_for(url, link_text), url))
        self._bold_title = None
        self._plain = []

    def _title_for(self, url: str, link_text: str) -> str:
        if self._bold_title:
            return self._bold_title
        if link_text and link_text != url and not _SCHEME.match(link_text):
            return link_text
        plain = _clean(self._plain).strip(_TITLE_EDGE_PUNCTUATION)
        return plain or link_text or url
