"""Glyphs rendered by the FreeType library Pillow itself loaded, through ctypes.

Pillow draws text with its FreeType; to paste glyphs that are the pixels it would draw,
they must come from the same library, at the same version, with the same size request
and load flags. Pillow does not render a glyph by its id (only text, which it shapes
again), so the few calls needed are made here directly: open a face, set its size as
Pillow does, load and render one glyph, read its bitmap. No second FreeType is brought
in (a wheel's bundled copy could be another version, with another hinter: measured, a
Devanagari line then sat a pixel lower at some sizes).

The structures below are FreeType's public ones (`FT_FaceRec`, `FT_GlyphSlotRec`,
`FT_Bitmap`), declared up to the last field read; their layout has been FreeType's ABI
since 2.0. Where the library cannot be found (a platform other than Linux and macOS, a
Pillow built some other way), `available()` is False and Pillow draws the text.
"""

from __future__ import annotations

import ctypes
import re
import struct
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

__all__ = ["Rendered", "available", "pillow_size_64ths", "render_glyph"]

_long, _ptr, _short = ctypes.c_long, ctypes.c_void_p, ctypes.c_short


class _Bitmap(ctypes.Structure):
    _fields_ = [
        ("rows", ctypes.c_uint),
        ("width", ctypes.c_uint),
        ("pitch", ctypes.c_int),
        ("buffer", ctypes.POINTER(ctypes.c_ubyte)),
        ("num_grays", ctypes.c_ushort),
        ("pixel_mode", ctypes.c_ubyte),
        ("palette_mode", ctypes.c_ubyte),
        ("palette", _ptr),
    ]


class _GlyphSlot(ctypes.Structure):
    _fields_ = [
        ("library", _ptr),
        ("face", _ptr),
        ("next", _ptr),
        ("glyph_index", ctypes.c_uint),
        ("generic", _ptr * 2),
        ("metrics", _long * 8),
        ("linear_hori_advance", _long),
        ("linear_vert_advance", _long),
        ("advance", _long * 2),
        ("format", ctypes.c_uint),
        ("bitmap", _Bitmap),
        ("bitmap_left", ctypes.c_int),
        ("bitmap_top", ctypes.c_int),
    ]


class _Face(ctypes.Structure):
    _fields_ = [
        ("num_faces", _long),
        ("face_index", _long),
        ("face_flags", _long),
        ("style_flags", _long),
        ("num_glyphs", _long),
        ("family_name", ctypes.c_char_p),
        ("style_name", ctypes.c_char_p),
        ("num_fixed_sizes", ctypes.c_int),
        ("available_sizes", _ptr),
        ("num_charmaps", ctypes.c_int),
        ("charmaps", _ptr),
        ("generic", _ptr * 2),
        ("bbox", _long * 4),
        ("units_per_em", ctypes.c_ushort),
        ("ascender", _short),
        ("descender", _short),
        ("height", _short),
        ("max_advance_width", _short),
        ("max_advance_height", _short),
        ("underline_position", _short),
        ("underline_thickness", _short),
        ("glyph", ctypes.POINTER(_GlyphSlot)),
    ]


_FacePtr = ctypes.POINTER(_Face)
_LOAD_RENDER = 1 << 2  # FT_LOAD_DEFAULT | FT_LOAD_RENDER: what Pillow asks for grey text
_PIXEL_MODE_GRAY = 2
# FreeType's faces and library are not for two threads at once, and ctypes lets go of the
# GIL during each call: every call below holds this lock (as Pillow holds its own). Only
# cache misses reach here, so it is seldom taken.
_LOCK = threading.RLock()  # (re-entrant: a face closed while the lock is held)
_FACE_FLAG_SCALABLE = 1 << 0


class Rendered(NamedTuple):
    """A rendered glyph: its grey coverage rows and bearings from the pen."""

    width: int
    rows: int
    pitch: int
    pixels: bytes
    left: int
    top: int


def _pillow_freetype_name() -> str | None:
    """The FreeType shared library Pillow's text module is linked with: the name it
    asks the dynamic loader for (a wheel's own copy, or the system's). Asked by that
    name, the loader hands back the copy already loaded, not another one in the process
    (fontconfig, say, loads the system's)."""
    from PIL import _imagingft  # loads Pillow's FreeType

    binary = Path(_imagingft.__file__ or "")
    if sys.platform == "darwin":
        found = sorted((binary.parent / ".dylibs").glob("libfreetype*.dylib"))
        return str(found[0]) if found else None
    try:
        names = re.findall(rb"libfreetype[\w.+-]*\.so[\w.]*", binary.read_bytes())
    except OSError:
        return None
    # A wheel's copy is renamed (libfreetype-<hash>.so...) and the plain name may also
    # appear in the binary: the longest name is the one it is linked with.
    return max(names, key=len).decode() if names else None


class _Library:
    """The loaded library, its functions typed, and one FT_Library of ours."""

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        self.new_face = lib.FT_New_Face
        self.new_face.argtypes = [_ptr, ctypes.c_char_p, _long, ctypes.POINTER(_FacePtr)]
        self.set_char_size = lib.FT_Set_Char_Size
        self.set_char_size.argtypes = [_FacePtr, _long, _long, ctypes.c_uint, ctypes.c_uint]
        self.load_glyph = lib.FT_Load_Glyph
        self.load_glyph.argtypes = [_FacePtr, ctypes.c_uint, ctypes.c_int32]
        self.done_face = lib.FT_Done_Face
        self.done_face.argtypes = [_FacePtr]
        self.handle = _ptr()
        if lib.FT_Init_FreeType(ctypes.byref(self.handle)) != 0:
            raise OSError("FT_Init_FreeType failed")


@lru_cache(maxsize=1)
def _library() -> _Library | None:
    path = _pillow_freetype_name()
    if path is None:
        return None
    try:
        return _Library(path)
    except (OSError, AttributeError):
        return None


def pillow_size_64ths(size: float) -> int:
    """A font size as Pillow hands it to FreeType: a C float (32 bits), times 64,
    truncated. (89.99999999999999 px is 90 px there.)"""
    single: float = struct.unpack("f", struct.pack("f", size))[0]
    return int(single * 64)


def available() -> bool:
    """Whether glyphs can be rendered here by Pillow's own FreeType."""
    return _library() is not None


class _SizedFace:
    """A face at one size, closed with the object."""

    def __init__(self, library: _Library, path: str, index: int, size: float) -> None:
        self._library = library
        self._lock = _LOCK  # held here: at exit, module globals are gone before objects
        self._open = False
        self.face = _FacePtr()
        if library.new_face(library.handle, path.encode(), index, ctypes.byref(self.face)):
            raise OSError(f"FreeType cannot open {path}")
        self._open = True
        if not self.face.contents.face_flags & _FACE_FLAG_SCALABLE:
            # Bitmap strikes only (colour emoji): Pillow draws those, in colour.
            raise OSError(f"{path} has no outlines")
        # As Pillow requests a size: nominal, in 26.6 pixels (72 dpi), truncated to the
        # 64th as Pillow truncates it (rounding would render some sizes differently).
        if library.set_char_size(self.face, 0, pillow_size_64ths(size), 72, 72):
            raise OSError(f"FreeType cannot size {path} at {size}")

    def __del__(self) -> None:
        if self._open:
            self._open = False
            with self._lock:
                self._library.done_face(self.face)


@lru_cache(maxsize=64)
def _sized_face(path: str, index: int, size: float, stamp: object = None) -> _SizedFace | None:
    # (`stamp`, the file's state, is only part of the key: a replaced file is opened anew)
    library = _library()
    if library is None:
        return None
    try:
        with _LOCK:
            return _SizedFace(library, path, index, size)
    except OSError:
        return None


def render_glyph(
    path: str, index: int, size: float, gid: int, stamp: object = None
) -> Rendered | None:
    """Glyph `gid` of the font at `size` pixels as grey coverage, or None where it is not
    (no library, a colour or monochrome strike, an error). `stamp` tells states of the
    file apart (see glyphs.file_stamp)."""
    face = _sized_face(path, index, size, stamp)
    if face is None or _library() is None:
        return None
    library = _library()
    assert library is not None
    with _LOCK:  # the face's one glyph slot is read right after it is filled
        if library.load_glyph(face.face, gid, _LOAD_RENDER):
            return None
        slot = face.face.contents.glyph.contents
        bitmap = slot.bitmap
        if bitmap.rows and bitmap.width and bitmap.pixel_mode != _PIXEL_MODE_GRAY:
            return None
        pitch = bitmap.pitch
        if pitch < 0:  # rows bottom-up: never for grey glyphs, but not ours to assume
            return None
        size_bytes = pitch * bitmap.rows
        pixels = ctypes.string_at(bitmap.buffer, size_bytes) if size_bytes else b""
        rendered = Rendered(
            bitmap.width, bitmap.rows, pitch, pixels, slot.bitmap_left, slot.bitmap_top
        )
    return rendered
