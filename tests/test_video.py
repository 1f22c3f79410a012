"""The story as a video: read back with PyAV, it is the H.264 file the publishing APIs take
(size, pixel format, rate, fast start, no edit lists), each slide on screen for its reading
time and matching its PNG, with captions of its words at its times; the same story gives
the same bytes in any process; a story too long for the target is split, never cut."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import math
import os
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

import cardimg
from cardimg.check import check_story
from cardimg.presets import TARGETS
from cardimg.story import Card, Source, Story
from cardimg.timing import VideoStyle, reading_seconds, timeline, word_count

av = pytest.importorskip("av")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "20200314-iraq-latest.md"
SLUG = "20200314-iraq-latest"


def psnr(a: Image.Image, b: Image.Image) -> float:
    squares = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).sum2
    mse = sum(squares) / (a.width * a.height * 3)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """The MP4 boxes at one level: (type, offset of its content, end)."""
    out, at, end = [], start, len(data) if end is None else end
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[at + 8 : at + 16])[0], 16
        elif size == 0:
            size = end - at
        out.append((kind.decode("latin-1"), at + header, at + size))
        at += size
    return out


def box_types(data: bytes) -> list[str]:
    """Every box type in the file, depth first (the containers that hold boxes opened)."""
    containers = {"moov", "trak", "mdia", "minf", "stbl", "edts", "udta", "dinf"}
    found: list[str] = []

    def walk(start: int, end: int) -> None:
        for kind, content, stop in boxes(data, start, end):
            found.append(kind)
            if kind in containers:
                walk(content, stop)

    walk(0, len(data))
    return found


def small_story(cards: int = 2, slug: str = "small") -> Story:
    bodies = [
        f"Card {n}: the council voted to rebuild the old bridge by 2027." for n in range(cards)
    ]
    cards_ = tuple(Card(n, f"k{n}", body) for n, body in enumerate(bodies))
    return Story(
        slug, "Small story", "Briefing", "--default", None, (Source("Minutes", None),), cards_
    )


@pytest.fixture(scope="module")
def seed() -> cardimg.Carousel:
    return cardimg.render(SEED, preset="reel")


@pytest.fixture(scope="module")
def saved(seed, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("video")
    seed.save(out, format="mp4")
    return out / SLUG


@pytest.fixture(scope="module")
def decoded(saved) -> dict:
    """The seed's video read back: stream facts and one frame from the middle of each slide."""
    manifest = json.loads((saved / "manifest.json").read_text("utf-8"))
    middles = [round((s["start"] + s["end"]) / 2 * 30) for s in manifest["slides"]]
    frames = {}
    with av.open(str(saved / f"{SLUG}.mp4")) as container:
        stream = container.streams.video[0]
        facts = {
            "codec": stream.codec_context.name,
            "profile": stream.codec_context.profile,
            "size": (stream.width, stream.height),
            "pix_fmt": stream.format.name,
            "rate": stream.average_rate,
            "frames": stream.frames,
            "duration": float(stream.duration * stream.time_base),
            "audio": len(container.streams.audio),
        }
        for number, frame in enumerate(container.decode(stream)):
            if number in middles:
                frames[number] = frame.to_image()
    return {"facts": facts, "manifest": manifest, "middles": middles, "frames": frames}


def test_the_video_is_h264_high_yuv420p_30fps_at_the_reel_size(decoded):
    facts = decoded["facts"]
    assert facts["codec"] == "h264" and facts["profile"] == "High"
    assert facts["size"] == (1080, 1920)
    assert facts["pix_fmt"] == "yuv420p"
    assert facts["rate"] == 30
    assert facts["audio"] == 0  # silent: no audio track unless a sound is given


def test_its_length_is_the_sum_of_the_slides_times(decoded, seed):
    manifest, facts = decoded["manifest"], decoded["facts"]
    plan = timeline([slide.words for slide in seed.slides], seed.video)
    assert facts["frames"] == plan.total_frames == manifest["video"]["frames"]
    assert facts["duration"] == pytest.approx(plan.duration, abs=1e-6)
    ends = [s["end"] for s in manifest["slides"]]
    assert manifest["video"]["seconds"] == ends[-1] == pytest.approx(sum(plan.seconds), abs=1e-3)
    starts = [s["start"] for s in manifest["slides"]]
    assert starts == [0.0, *ends[:-1]]  # slide after slide, no gap


def test_a_frame_in_the_middle_of_each_slide_is_that_slide(decoded, seed):
    for middle, slide in zip(decoded["middles"], seed.slides, strict=True):
        frame = decoded["frames"][middle]
        assert frame.size == slide.image.size
        assert psnr(frame, slide.image) >= 35, slide.index


def test_the_file_is_fast_start_with_no_edit_lists(saved):
    data = (saved / f"{SLUG}.mp4").read_bytes()
    top = [kind for kind, _, _ in boxes(data)]
    assert top[0] == "ftyp"
    assert top.index("moov") < top.index("mdat")  # moov first: fast start
    kinds = box_types(data)
    assert "edts" not in kinds and "elst" not in kinds
    assert "ctts" not in kinds  # no reordered (B-) frames


def test_every_gop_is_closed_and_starts_with_a_keyframe(saved):
    with av.open(str(saved / f"{SLUG}.mp4")) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    keys = [number for number, packet in enumerate(packets) if packet.is_keyframe]
    assert keys[0] == 0 and all(b - a == 60 for a, b in itertools.pairwise(keys))
    assert all(p.pts == p.dts for p in packets)  # decode order is display order


def test_the_captions_hold_each_slides_words_at_its_times(saved, seed, decoded):
    text = (saved / f"{SLUG}.vtt").read_text("utf-8")
    assert text.startswith("WEBVTT\n")
    cues = [cue.split("\n") for cue in text.strip().split("\n\n")[1:]]
    assert len(cues) == len(seed.slides)
    for cue, slide, entry in zip(cues, seed.slides, decoded["manifest"]["slides"], strict=True):
        start, end = cue[1].split(" --> ")
        assert _seconds(start) == pytest.approx(entry["start"], abs=1e-3)
        assert _seconds(end) == pytest.approx(entry["end"], abs=1e-3)
        assert "\n".join(cue[2:]) == slide.words
    manifest = decoded["manifest"]
    assert manifest["video"]["captions"] == f"{SLUG}.vtt"
    assert set(manifest["files"]) == {f"{SLUG}.mp4", f"{SLUG}.vtt", "caption.txt"}


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


HASH = """
import hashlib, sys
import cardimg
from cardimg.story import Card, Source, Story
cards = tuple(Card(n, f"k{n}", f"Card {n}: a short line.") for n in range(2))
story = Story("p", "P", "Series", "--default", None, (Source("S", None),), cards)
data = cardimg.render(story, preset=sys.argv[1]).encode_video()
print(hashlib.sha256(data).hexdigest())
"""


# instagram-portrait and og are sizes where x264's macroblock tree read memory it had
# never written: a process whose heap held other bytes made another file.
@pytest.mark.parametrize("preset", ["reel", "instagram-portrait", "og"])
def test_two_processes_give_the_same_bytes_whatever_their_memory_held(preset):
    """The second process runs with glibc's MALLOC_PERTURB_, which fills memory it hands
    out with a pattern instead of what was there: an encoder reading memory it never wrote
    gives other bytes at once, as it did after a long test run."""
    runs = [
        subprocess.run(
            [sys.executable, "-c", HASH, preset],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **perturb},
        )
        for perturb in ({}, {"MALLOC_PERTURB_": "1"})
    ]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr + runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and len(runs[0].stdout.strip()) == 64


def test_a_story_too_long_for_the_target_is_split_never_cut(tmp_path):
    story = small_story(6, "long")
    carousel = cardimg.render(story, preset="reel")
    target = dataclasses.replace(TARGETS["reels"], max_seconds=20)
    carousel.save(tmp_path, target=target)
    whole = timeline([slide.words for slide in carousel.slides], carousel.video).duration
    assert whole > 20
    parts = sorted(p.name for p in (tmp_path / "long").iterdir())
    count = len(parts)
    assert count >= 2 and parts == [f"{n:02d}-of-{count:02d}" for n in range(1, count + 1)]
    indices = []
    for part in parts:
        folder = tmp_path / "long" / part
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        assert manifest["video"]["seconds"] <= 20
        with av.open(str(folder / "long.mp4")) as container:
            frames = container.streams.video[0].frames
        assert frames == manifest["video"]["frames"]
        indices += [s["index"] for s in manifest["slides"]]
    assert indices == list(range(1, len(carousel.slides) + 1))  # every slide, in order


def test_a_png_save_beside_the_video_keeps_both(tmp_path):
    carousel = cardimg.render(small_story(1, "both"), preset="reel")
    carousel.save(tmp_path, format="mp4")
    carousel.save(tmp_path, format="png")
    carousel.save(tmp_path, format="mp4")  # and again: the video replaces its own files
    folder = tmp_path / "both"
    names = sorted(p.name for p in folder.iterdir())
    assert "both.mp4" in names and "both.vtt" in names and "01.png" in names
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert set(manifest["formats"]) == {"mp4", "png"}


def _tone(path: Path, seconds: float) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44_100)
        count = round(seconds * 44_100)
        samples = (round(8000 * math.sin(2 * math.pi * 440 * n / 44_100)) for n in range(count))
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))


@pytest.mark.parametrize("sound_seconds", [2.0, 60.0])
def test_audio_is_laid_under_at_48khz_for_exactly_the_videos_length(sound_seconds, tmp_path):
    sound = tmp_path / "tone.wav"
    _tone(sound, sound_seconds)
    carousel = cardimg.render(small_story(1, "tone"), preset="reel")
    data = carousel.encode_video(audio=sound)
    with av.open(io.BytesIO(data)) as container:
        video, (audio,) = container.streams.video[0], container.streams.audio
        assert audio.codec_context.name == "aac" and audio.sample_rate == 48_000
        length = float(video.duration * video.time_base)
        samples = sum(frame.samples for frame in container.decode(audio))
    assert samples / 48_000 == pytest.approx(length, abs=0.05)  # trimmed, or silence after
    assert "edts" not in box_types(data)
    assert data == carousel.encode_video(audio=sound)


def test_an_unreadable_sound_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a sound")
    carousel = cardimg.render(small_story(1, "bad"), preset="reel")
    with pytest.raises(cardimg.CardimgError, match=r"bad\.wav"):
        carousel.encode_video(audio=bad)


# --------------------------------------------------------------------------- the timing rule


def test_reading_time_is_words_at_the_pace_within_the_limits():
    style = VideoStyle(words_per_minute=240, min_seconds=3, max_seconds=10, hold_seconds=1)
    assert reading_seconds("one two three four", style) == pytest.approx(1.0)
    plan = timeline(["a b", " ".join(["w"] * 20), " ".join(["w"] * 100)], style)
    assert plan.seconds == (3 + 1, 5, 10 + 1)  # min and hold; as read; max and hold
    assert plan.clipped == (False, False, True)


def test_chinese_and_japanese_are_read_by_the_character():
    assert word_count("今日は晴れ") == (0, 5)
    assert word_count("Hello 世界 again") == (2, 2)
    style = VideoStyle(characters_per_minute=300)
    assert reading_seconds("字" * 50, style) == pytest.approx(10.0)


def test_transitions_are_a_theme_setting():
    assert timeline(["a", "b"], VideoStyle(transition="cut")).transition_frames == 0
    push = timeline(["a", "b"], VideoStyle(transition="push", transition_seconds=0.5))
    assert (push.transition, push.transition_frames) == ("push", 15)
    with pytest.raises(ValueError, match="transition"):
        VideoStyle(transition="wipe")  # type: ignore[arg-type]


def test_check_reports_what_breaks_the_reels_rules():
    long_card = " ".join(["word"] * 120)
    cards = (Card(0, "k0", long_card),)
    story = Story("dense", "Dense", "S", "--default", None, (), cards)
    codes = {f.code for f in check_story(story, options=cardimg.RenderOptions(preset="reel"))}
    assert "slide-time-cut" in codes
    target = dataclasses.replace(TARGETS["reels"], max_seconds=15)
    codes = {f.code for f in check_story(story, target=target)}
    assert {"slide-time-cut", "video-too-long"} <= codes


def test_check_reports_a_video_shorter_than_the_platform_takes():
    story = Story("tiny", "Tiny", "S", "--default", None, (), (Card(0, "k0", "Hi."),))
    target = dataclasses.replace(TARGETS["reels"], min_seconds=30)
    findings = [f for f in check_story(story, target=target) if f.code == "video-too-short"]
    assert len(findings) == 1 and findings[0].severity == "error"
    assert "takes 30 s at least" in findings[0].message
