"""The configuration file: defaults for the command line's long options.

`cardimg.toml` in the working folder or the nearest parent, or a `[tool.cardimg]` table in
a `pyproject.toml` there, holds defaults for any long option: at the top level for every
command that has the option, and in a table per command (`[render]`, `[check]`…) where
that command's differs. The command line wins over the file, the file over the built-in
defaults.

The file is input like a story: it is read only when it is a regular file of at most
MAX_CONFIG_BYTES, and every key and value is checked against the option it stands for
(its type, its choices, the preset or theme it names) before any command runs. A
mistake is one line naming the file and the key, with a suggestion for a near miss.

The options are read off the command's own argparse parser, so an option added to a
command is configurable with no change here.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CardimgError, did_you_mean, one_line, problem
from .presets import PRESETS
from .safefile import RefusedFile, read_regular

__all__ = [
    "CONFIG_NAME",
    "MAX_CONFIG_BYTES",
    "ConfigError",
    "Setting",
    "Settings",
    "configurable",
    "find_config",
    "load_settings",
]

CONFIG_NAME = "cardimg.toml"
MAX_CONFIG_BYTES = 256 << 10  # a few dozen lines in practice; a pyproject.toml is ~10 KB

# Never read from a file: they choose the file, or are about one invocation, not defaults.
_NOT_CONFIGURABLE = frozenset({"help", "version", "config", "no-config"})
# `output` reads better than `out` in a file, and is the name the issue tracker used.
_ALIASES = {"output": "out"}


class ConfigError(CardimgError, ValueError):
    """A configuration file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class Setting:
    """One option's value from the file, and where it was written (`[render]` or top)."""

    value: object
    table: str | None  # the command's table, or None for the top level


@dataclass(frozen=True)
class Settings:
    """A configuration file, read and checked: the file and each command's values by
    argparse destination."""

    path: Path | None
    commands: Mapping[str, Mapping[str, Setting]]

    def of(self, command: str) -> Mapping[str, Setting]:
        return self.commands.get(command, {})


def find_config(start: Path) -> Path | None:
    """The nearest `cardimg.toml`, or `pyproject.toml` with a `[tool.cardimg]` table, in
    `start` or a parent (the nearest folder wins, as for git and most linters)."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        # Only a pyproject.toml that says something to cardimg stops the search.
        if pyproject.is_file() and _mentions_cardimg(pyproject):
            return pyproject
    return None


def _mentions_cardimg(path: Path) -> bool:
    try:
        tool = _read(path).get("tool", {})
        return isinstance(tool, dict) and "cardimg" in tool
    except ConfigError:
        return True  # a broken one near us is reported, not skipped over


def configurable(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The long options a file may set for this command, by name without `--`."""
    found = {}
    for action in parser._actions:
        for option in action.option_strings:
            name = option.removeprefix("--")
            if option.startswith("--") and name not in _NOT_CONFIGURABLE:
                found[name] = action
    return found


def load_settings(
    path: Path | None,
    commands: Mapping[str, argparse.ArgumentParser],
    running: Collection[str] | None = None,
) -> Settings:
    """The settings of the file at `path` (None: no file), checked against `commands`:
    every name against all of them, the values for the commands `running` (default: all),
    so a top-level value another command could not take does not stop this one."""
    if path is None:
        return Settings(None, {})
    data = _read(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("cardimg", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: tool.cardimg: a table, not {_kind(data)}")
    return Settings(path, _checked(path, data, commands, running))


def _read(path: Path) -> dict[str, Any]:
    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8")
        return tomllib.loads(text)
    except RefusedFile as exc:
        reason = one_line(str(exc)).removeprefix(f"{path}: ")
        raise ConfigError(f"{path}: {reason} (a configuration file)") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {one_line(problem(exc))}") from None


def _checked(
    path: Path,
    data: Mapping[str, Any],
    commands: Mapping[str, argparse.ArgumentParser],
    running: Collection[str] | None,
) -> dict[str, dict[str, Setting]]:
    """Each command's settings: the top level's, where the command has the option,
    overridden by its own table's."""
    options = {name: configurable(parser) for name, parser in commands.items()}
    top = {key: value for key, value in data.items() if not isinstance(value, dict)}
    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    _check_names(path, top, tables, options)
    settings: dict[str, dict[str, Setting]] = {}
    for command, known in options.items():
        if running is not None and command not in running:
            continue
        chosen: dict[str, tuple[object, str | None]] = {key: (v, None) for key, v in top.items()}
        chosen.update((key, (v, command)) for key, v in tables.get(command, {}).items())
        settings[command] = {}
        for key, (value, table) in chosen.items():
            action = known.get(_option_name(key))
            if action is None:
                continue  # a top-level option this command does not have
            where = f"{path}: {table}.{key}" if table else f"{path}: {key}"
            try:
                checked = _value(action, value, where, path.parent)
            except ConfigError as exc:
                if table is not None:
                    raise
                # A top-level value fits one command's option and not another's (render's
                # --format is an image format, check's a report format): say the way out.
                raise ConfigError(f"{exc} (for {command}: set [{command}] {key})") from None
            settings[command][action.dest] = Setting(checked, table)
        _check_preset(settings[command], path)
    return settings


def _check_names(
    path: Path,
    top: Mapping[str, object],
    tables: Mapping[str, Mapping[str, object]],
    options: Mapping[str, Mapping[str, argparse.Action]],
) -> None:
    """Every table a command, every key an option (of some command at the top level, of
    the table's command in a table): a misspelt one is an error, never ignored."""
    every = sorted({key for known in options.values() for key in known})
    for table, values in tables.items():
        if table not in options:
            near = did_you_mean(table, [*options, *every])
            raise ConfigError(f"{path}: [{table}]: not a command{near}")
        for key in values:
            if _option_name(key) not in options[table]:
                near = did_you_mean(_option_name(key), options[table])
                raise ConfigError(f"{path}: {table}.{key}: not an option of {table}{near}")
    for key in top:
        if _option_name(key) not in every:
            near = did_you_mean(_option_name(key), every)
            raise ConfigError(f"{path}: {key}: not an option of any command{near}")


def _option_name(key: str) -> str:
    name = key.replace("_", "-")
    return _ALIASES.get(name, name)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date" if value is not None else "nothing"


def _value(action: argparse.Action, value: object, where: str, base: Path) -> object:
    """The value the option takes from the file, as the command line would give it."""
    if action.nargs == 0:  # a flag: --strict, --no-sources, --force
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: true or false, not {_kind(value)} ({value!r})")
        return action.const if value else action.default
    if isinstance(action, argparse._AppendAction):  # --cors: a list
        items = value if isinstance(value, list) else [value]
        return [_one(action, item, where, base) for item in items]
    return _one(action, value, where, base)


def _one(action: argparse.Action, value: object, where: str, base: Path) -> object:
    if action.type in (int, float):
        numeric = int if action.type is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            raise ConfigError(f"{where}: a number, not {_kind(value)} ({value!r})")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: text, not {_kind(value)} ({value!r})")
    if not value:
        raise ConfigError(f"{where}: an empty name")
    if _is_path(action, value):
        # A path in a file means the same from wherever cardimg runs: beside the file.
        value = str(base / Path(value).expanduser())
    converted: object = value
    if callable(action.type):
        try:
            converted = action.type(value)
        except (argparse.ArgumentTypeError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {one_line(str(exc))}") from None
    if action.choices is not None and converted not in action.choices:
        choices = [str(choice) for choice in action.choices]
        near = did_you_mean(str(converted), choices)
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}{near}")
    if "--theme" in action.option_strings and not _is_path(action, value):
        _check_theme_name(value, where)
    return converted


def _is_path(action: argparse.Action, value: str) -> bool:
    """Whether an option's value names a file or folder (a theme: when it looks like one,
    as the theme loader decides)."""
    if "--theme" in action.option_strings:
        return "/" in value or "\\" in value or value.endswith(".toml")
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    return any(word in metavar for word in ("FILE", "DIR", "OUT"))


def _check_theme_name(name: str, where: str) -> None:
    from .theme import theme_names

    names = theme_names()
    if name not in names:
        near = did_you_mean(name, names)
        raise ConfigError(
            f"{where}: {name!r} is not a built-in theme{near} ({', '.join(names)}; "
            "a theme file is a path ending in .toml)"
        )


def _check_preset(chosen: Mapping[str, Setting], path: Path) -> None:
    """A preset must be a built-in one, unless a theme file (which may define its own) is
    set: that one is checked when the theme is loaded."""
    preset, theme = chosen.get("preset"), chosen.get("theme")
    if preset is None or str(preset.value).lower() in PRESETS:
        return
    if theme is not None and _looks_like_file(str(theme.value)):
        return
    shown = f"{preset.table}.preset" if preset.table else "preset"
    near = did_you_mean(str(preset.value).lower(), PRESETS)
    raise ConfigError(f"{path}: {shown}: {preset.value!r} is not a preset{near}")


def _looks_like_file(value: str) -> bool:
    return "/" in value or "\\" in value or value.endswith(".toml")


def describe(settings: Settings, commands: Mapping[str, argparse.ArgumentParser]) -> Sequence[str]:
    """`cardimg config`: each command's options, their effective values, and whence,
    as lines a configuration file could hold (`render.preset = "og"  # where`)."""
    lines = [f"# configuration file: {settings.path or 'none found'}"]
    for command, parser in commands.items():
        from_file = settings.of(command)
        for name, action in configurable(parser).items():
            if name != action.option_strings[-1].removeprefix("--"):
                continue  # one line per option, by its long name
            setting = from_file.get(action.dest)
            value = setting.value if setting is not None else action.default
            if action.nargs == 0:  # a flag: whether it is on, as the file would say it
                value = value is not argparse.SUPPRESS and value == action.const
            elif value is argparse.SUPPRESS:
                value = None
            if setting is None:
                whence = "default"
            else:
                whence = f"{settings.path} " + (
                    f"[{setting.table}]" if setting.table else "top level"
                )
            lines.append(f"{command}.{name} = {_shown(value)}  # {whence}")
    return lines


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        return '"' + one_line(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    return one_line(str(value))
