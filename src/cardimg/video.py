"""A story as an MP4 video: its slides in turn, each for its reading time (`timing`).

Encoded in-process with PyAV (FFmpeg's libraries in a wheel: libx264 for H.264, FFmpeg's
own AAC encoder), frames made one at a time as they are encoded, so memory does not grow
with the video's length. The file is what the publishing APIs take as it is: H.264 High,
progressive yuv420p (BT.709), 30 fps, closed GOPs, no B-frames and no edit lists, the
`moov` box before `mdat` (fast start), AAC at 48 kHz when there is sound.

Deterministic: one encoder thread (x264's threads split the picture, and so the bytes, by
the core count), FFmpeg's bit-exact flags (no library version in the file), no creation
time: the same slides and timeline give the same bytes in any process.
"""

from __future__ import annotations

import itertools
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CardimgError, OptionsError
from .timing import Timeline, timeline

if TYPE_CHECKING:
    from PIL import Image

    from .formats import Page

__all__ = ["VideoError", "encode_mp4", "webvtt"]

# Measured on the seed: text edges clean at phone size. 21 without x264's macroblock tree
# matches what 18 gave with it (48.4 against 48.2 dB luma PSNR) for 8% more bytes.
DEFAULT_CRF = 21
KEYFRAME_SECONDS = 2  # a keyframe every 2 s: players can seek, and every GOP is closed
SAMPLE_RATE = 48_000  # the Reels API's maximum, and AAC's usual rate for video
AUDIO_BITRATE = 128_000
AUDIO_FADE = 1.0  # seconds of fade-out where a longer sound is cut at the video's end


class VideoError(CardimgError):
    """The video could not be made (PyAV missing, an unreadable audio file)."""


def _av() -> Any:
    try:
        import av
    except ImportError:
        raise VideoError(
            'the mp4 format needs PyAV: pip install "cardimg[video]" (FFmpeg comes in its wheel)'
        ) from None
    return av


def crf_for(quality: int | None) -> int:
    """x264's constant rate factor for a 1-100 quality (higher is better): 59 is 21."""
    if quality is None:
        return DEFAULT_CRF
    return round(51 * (100 - quality) / 99)


def encode_mp4(
    pages: Sequence[Page],
    quality: int | None = None,
    *,
    title: str | None = None,
    date: object = None,
    timeline: Timeline | None = None,
    audio: Path | None = None,
) -> bytes:
    """The pages as an MP4, each for its time in `timeline` (by default, the reading
    time of its lines: see `timing`). `audio` is laid under it: cut at the video's end with
    a fade-out, never looped; without it the video is silent (no audio track). `title`
    and `date` are accepted as any story format's; an MP4 carries no metadata of its own."""
    av = _av()
    if not pages:
        raise OptionsError("a video needs at least one slide")
    plan = timeline or _timeline_of(pages)
    if len(plan.frames) != len(pages):
        raise OptionsError(f"a timeline of {len(plan.frames)} slides for {len(pages)} pages")
    images = _one_size(pages)  # each page's pixels read once, in turn, as frames need them
    first = next(images)  # (its size is the video's, known before the container opens)
    size = first.size
    frames = _frames(itertools.chain([first], images), plan)
    del first  # the frames hold it until they are made, not for the whole video
    # Fast start (moov first), no edit lists, and no muxer version string in the file.
    # Written to a file, not memory: moving moov to the front reads the file back, which
    # FFmpeg does only through its own file I/O.
    options = {"movflags": "+faststart", "use_editlist": "0", "fflags": "+bitexact"}
    with tempfile.TemporaryDirectory(prefix="cardimg-video-") as folder:
        path = Path(folder) / "video.mp4"
        with av.open(str(path), "w", format="mp4", container_options=options) as container:
            _mux_video(container, frames, size, plan, quality, audio)
        return path.read_bytes()


def _one_size(pages: Sequence[Page]) -> Iterator[Image.Image]:
    """The pages' pixels in turn, each checked to be the first one's size, with even sides
    (4:2:0 chroma): a page is read only when its frames are made, so pages painted as they
    are read (`export.painted_pages`) are never all held at once."""
    size = None
    for page in pages:
        image = page.image
        size = size or image.size
        if image.size != size or size[0] % 2 or size[1] % 2:
            raise OptionsError("a video's slides are one size, with even sides (4:2:0 chroma)")
        yield image


def _mux_video(
    container: Any,
    frames: Iterator[Any],
    size: tuple[int, int],
    plan: Timeline,
    quality: int | None,
    audio: Path | None,
) -> None:
    video = _video_stream(container, size[0], size[1], plan.fps, quality)
    sound = _audio_stream(container) if audio is not None else None
    for number, frame in enumerate(frames):
        frame.pts = number
        container.mux(video.encode(frame))
    container.mux(video.encode(None))
    if sound is not None and audio is not None:
        _mux_audio(container, sound, audio, plan.duration)


def _timeline_of(pages: Sequence[Page]) -> Timeline:
    from .model import join_lines

    texts = []
    for page in pages:
        lines = page.lines
        texts.append(join_lines(lines) if lines else "")  # type: ignore[arg-type]
    return timeline(texts)


def _video_stream(container: Any, width: int, height: int, fps: int, quality: int | None) -> Any:
    """H.264 High at yuv420p, BT.709 (HD video's colours, tagged so players agree)."""
    stream = container.add_stream(
        "libx264",
        rate=fps,
        options={
            "preset": "veryfast",  # measured on the seed: 2× faster than medium, and smaller
            "tune": "stillimage",  # slides are still pictures between transitions
            "crf": str(crf_for(quality)),
            "profile": "high",
            # Closed GOPs, no B-frames (B-frames delay display: the MP4 muxer then needs an
            # edit list, which the Reels API refuses), no scene-cut keyframes (fixed GOPs).
            # No macroblock tree: at some sizes (1080x1350, 1200x628) its lookahead reads
            # memory x264 never wrote, so the bytes depended on what the process had freed
            # before (seen in a long test run; MALLOC_PERTURB_=1 shows it at once).
            "x264-params": (
                f"keyint={fps * KEYFRAME_SECONDS}:min-keyint={fps * KEYFRAME_SECONDS}:"
                "scenecut=0:open-gop=0:bframes=0:mbtree=0:threads=1:sliced-threads=0"
            ),
            "flags": "+bitexact",
        },
    )
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    context = stream.codec_context
    context.thread_count = 1
    context.time_base = Fraction(1, fps)
    context.color_range = 1  # limited ("tv") range, what H.264 players assume
    context.colorspace = context.color_primaries = context.color_trc = 1  # BT.709
    return stream


def _audio_stream(container: Any) -> Any:
    stream = container.add_stream("aac", rate=SAMPLE_RATE, options={"flags": "+bitexact"})
    stream.codec_context.layout = "stereo"
    stream.codec_context.bit_rate = AUDIO_BITRATE
    stream.codec_context.thread_count = 1
    return stream


# --------------------------------------------------------------------------- frames


def _frames(images: Iterator[Image.Image], plan: Timeline) -> Iterator[Any]:
    """Every frame of the video in order, made as it is needed: a slide is converted to
    the video's colours once and its held frames repeat it; a transition's frames are
    made one at a time. Slides are read in turn, one per entry of the timeline, as their
    frames are made: at most two are held at once, and two converted."""
    half = plan.transition_frames // 2  # frames of a transition before the boundary
    count = len(plan.frames)
    previous: Image.Image | None = None
    image: Image.Image | None = next(images)
    for index in range(count):
        assert image is not None  # (a slide for each entry of the timeline)
        held = _video_frame(image)
        lead = plan.transition_frames - half if index > 0 else 0
        tail = half if index < count - 1 else 0
        for number in range(lead):  # the second half of the transition into this slide
            assert previous is not None
            yield _between(previous, image, plan, half + number)
        previous = None  # done with: not held while this slide's frames repeat
        for _ in range(plan.frames[index] - lead - tail):
            yield held
        following = next(images) if index < count - 1 else None
        for number in range(tail):  # the first half of the transition out of it
            assert following is not None
            yield _between(image, following, plan, number)
        previous, image = image, following


def _video_frame(image: Image.Image) -> Any:
    av = _av()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    frame = av.VideoFrame.from_image(rgb)
    # BT.709 limited range, as the stream is tagged (swscale's default would be BT.601).
    return frame.reformat(
        format="yuv420p", dst_colorspace="itu709", dst_color_range=1, interpolation="BICUBIC"
    )


def _between(first: Image.Image, second: Image.Image, plan: Timeline, number: int) -> Any:
    """Frame `number` of the transition from `first` to `second`: a cross-fade blends the
    two; a push slides the next in from the right, eased at both ends."""
    from PIL import Image

    amount = (number + 0.5) / plan.transition_frames
    a = first if first.mode == "RGB" else first.convert("RGB")
    b = second if second.mode == "RGB" else second.convert("RGB")
    if plan.transition == "push":
        eased = amount * amount * (3 - 2 * amount)
        shift = round(a.width * eased)
        frame = Image.new("RGB", a.size)
        frame.paste(a, (-shift, 0))
        frame.paste(b, (a.width - shift, 0))
        return _video_frame(frame)
    return _video_frame(Image.blend(a, b, amount))


# --------------------------------------------------------------------------- sound


def _mux_audio(container: Any, stream: Any, path: Path, seconds: float) -> None:
    """The sound of `path` at 48 kHz stereo for exactly `seconds`: cut with a fade-out
    when longer; when shorter it ends and the rest is silence (never looped)."""
    total = round(seconds * SAMPLE_RATE)
    fade = min(round(AUDIO_FADE * SAMPLE_RATE), total)
    written = 0
    for left, right in _decoded(path, total):
        gains = [_gain(written + i, total, fade) for i in range(len(left))]
        _encode_samples(container, stream, left, right, gains, written)
        written += len(left)
    while written < total:  # the rest of the video: silence, in AAC's 1024-sample frames
        count = min(1024, total - written)
        silent = array("f", bytes(4 * count))
        _encode_samples(container, stream, silent, silent, [0.0] * count, written)
        written += count
    container.mux(stream.encode(None))


def _gain(at: int, total: int, fade: int) -> float:
    return 1.0 if at < total - fade else max(0.0, (total - at) / fade)


def _decoded(path: Path, total: int) -> Iterator[tuple[array[float], array[float]]]:
    """The file's samples as (left, right) float arrays at 48 kHz, up to `total`."""
    av = _av()
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
    got = 0
    try:
        with av.open(str(path)) as source:
            if not source.streams.audio:
                raise VideoError(f"{path}: no sound in it")
            for decoded in source.decode(audio=0):
                for frame in [*resampler.resample(decoded)]:
                    left, right = (array("f", bytes(plane)) for plane in frame.planes[:2])
                    keep = min(frame.samples, total - got)
                    yield left[:keep], right[:keep]
                    got += keep
                    if got >= total:
                        return
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{path}: not a sound file cardimg can read ({exc})") from None


def _encode_samples(
    container: Any,
    stream: Any,
    left: array[float],
    right: array[float],
    gains: list[float],
    at: int,
) -> None:
    av = _av()
    frame = av.AudioFrame(format="fltp", layout="stereo", samples=len(left))
    frame.planes[0].update(array("f", [v * g for v, g in zip(left, gains, strict=True)]))
    frame.planes[1].update(array("f", [v * g for v, g in zip(right, gains, strict=True)]))
    frame.sample_rate, frame.pts = SAMPLE_RATE, at
    frame.time_base = Fraction(1, SAMPLE_RATE)
    container.mux(stream.encode(frame))


# --------------------------------------------------------------------------- captions


def _stamp(frames: int, fps: int) -> str:
    millis = round(frames * 1000 / fps)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def webvtt(texts: Sequence[str], plan: Timeline) -> str:
    """A WebVTT caption file: each slide's words from its start to its end."""
    cues = ["WEBVTT", ""]
    for number, (text, start, count) in enumerate(
        zip(texts, plan.starts, plan.frames, strict=True), start=1
    ):
        # A blank line ends a cue and "-->" starts a timing line: neither may be in its text.
        lines = [line.strip() for line in text.replace("-->", "→").splitlines() if line.strip()]
        cues += [str(number), f"{_stamp(start, plan.fps)} --> {_stamp(start + count, plan.fps)}"]
        cues += [*(lines or ["…"]), ""]
    return "\n".join(cues)
