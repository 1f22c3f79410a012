"""fontconfig's best match for a pattern, asked in this process when its library loads.

`fc-match PATTERN` parses the pattern, applies the configuration's and the default
substitutions and returns FcFontMatch's font. Doing those same four calls through the
library spares a process per question (a CJK story asks about a dozen), and gives the
same answer, since it is the same library with the same configuration. Where the
library cannot be loaded, `match` says so and the caller runs `fc-match`.
"""

from __future__ import annotations

import ctypes
import os
import threading
from functools import lru_cache

__all__ = ["available", "font_dirs_state", "match", "refresh", "version"]

_FC_MATCH_PATTERN = 0  # FcMatchPattern: the substitutions fc-match applies to a query
_lock = threading.Lock()  # one question at a time: old fontconfig builds are not thread-safe


def _new_lock_in_child() -> None:
    # A process forked while another thread held the lock would otherwise never get it.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    # The soname first: `find_library` runs `ldconfig -p` in a subprocess, a cost only
    # paid where the usual name does not load.
    lib = _load("libfontconfig.so.1")
    if lib is None:
        from ctypes.util import find_library

        name = find_library("fontconfig")
        lib = _load(name) if name else None
    return None if lib is None else _declare(lib)


def _load(name: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def available() -> bool:
    """Whether the fontconfig library loads in this process (no `fc-match` needed)."""
    return _library() is not None


def version() -> str | None:
    """The loaded library's version ("2.14.1"), or None without it."""
    lib = _library()
    if lib is None:
        return None
    number = int(lib.FcGetVersion())
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    pointer = ctypes.c_void_p
    lib.FcGetVersion.restype = ctypes.c_int
    lib.FcGetVersion.argtypes = []
    lib.FcInitReinitialize.restype = ctypes.c_int
    lib.FcInitReinitialize.argtypes = []
    lib.FcConfigGetFontDirs.restype = pointer
    lib.FcConfigGetFontDirs.argtypes = [pointer]
    lib.FcStrListNext.restype = ctypes.c_char_p
    lib.FcStrListNext.argtypes = [pointer]
    lib.FcStrListDone.restype = None
    lib.FcStrListDone.argtypes = [pointer]
    lib.FcNameParse.restype = pointer
    lib.FcNameParse.argtypes = [ctypes.c_char_p]
    lib.FcConfigSubstitute.restype = ctypes.c_int
    lib.FcConfigSubstitute.argtypes = [pointer, pointer, ctypes.c_int]
    lib.FcDefaultSubstitute.restype = None
    lib.FcDefaultSubstitute.argtypes = [pointer]
    lib.FcFontMatch.restype = pointer
    lib.FcFontMatch.argtypes = [pointer, pointer, ctypes.POINTER(ctypes.c_int)]
    lib.FcPatternFormat.restype = pointer
    lib.FcPatternFormat.argtypes = [pointer, ctypes.c_char_p]
    lib.FcStrFree.restype = None
    lib.FcStrFree.argtypes = [pointer]
    lib.FcPatternDestroy.restype = None
    lib.FcPatternDestroy.argtypes = [pointer]
    return lib


def match(pattern: str, fmt: str) -> str | None:
    """What `fc-match --format=FMT PATTERN` prints ("" when nothing matches), or None
    when the fontconfig library is not available in this process."""
    lib = _library()
    if lib is None:
        return None
    with _lock:
        query = lib.FcNameParse(os.fsencode(pattern))
        if not query:
            return ""  # fc-match refuses a pattern it cannot parse, printing nothing
        try:
            lib.FcConfigSubstitute(None, query, _FC_MATCH_PATTERN)
            lib.FcDefaultSubstitute(query)
            result = ctypes.c_int()
            found = lib.FcFontMatch(None, query, ctypes.byref(result))
        finally:
            lib.FcPatternDestroy(query)
        if not found:
            return ""
        try:
            text = lib.FcPatternFormat(found, os.fsencode(fmt))
        finally:
            lib.FcPatternDestroy(found)
        if not text:
            return ""
        try:
            return os.fsdecode(ctypes.string_at(text))
        finally:
            lib.FcStrFree(text)


def _font_dirs(lib: ctypes.CDLL) -> list[str]:
    """Every folder fontconfig reads fonts from, subfolders included."""
    listing = lib.FcConfigGetFontDirs(None)
    if not listing:
        return []
    try:
        folders = []
        while (name := lib.FcStrListNext(listing)) is not None:
            folders.append(os.fsdecode(name))
        return folders
    finally:
        lib.FcStrListDone(listing)


def font_dirs_state() -> tuple[tuple[str, int], ...]:
    """The font folders with their modification times: installing or removing a font
    changes the time of the folder it lands in (or of its parent, for a new folder),
    so an answer given under one state may be stale under another. Empty without the
    library (then every question runs `fc-match`, which is never stale)."""
    lib = _library()
    if lib is None:
        return ()
    with _lock:
        folders = _font_dirs(lib)
    state = []
    for folder in folders:
        try:
            state.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            state.append((folder, -1))  # gone, or not there yet: a state of its own
    return tuple(state)


def refresh() -> None:
    """Make the library read its configuration and font folders again (fonts were
    installed or removed since it last did): later matches see them."""
    lib = _library()
    if lib is None:
        return
    with _lock:
        lib.FcInitReinitialize()
