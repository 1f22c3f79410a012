"""Shell completion scripts (`cardimg completion bash|zsh|fish`), made from the parser.

The scripts are generated from the same argparse parser the command runs with, so a
command or option added to it completes with no change here. Names a value takes (a
preset, a theme, a target, a format) are written into the script: completing is then
instant, with no Python started on every Tab.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .presets import PRESETS, TARGETS

__all__ = ["completion_script"]

# Only plain words go into a script: a name with quotes or spaces could break it.
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@dataclass(frozen=True)
class _Option:
    names: tuple[str, ...]  # -o, --out
    takes_value: bool
    words: tuple[str, ...]  # the names its value may be (presets, formats), if any
    files: str | None  # "file", "dir" or None: what else its value completes to
    help: str


def completion_script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for `shell` (bash, zsh or fish)."""
    commands = _commands(parser)
    top = _options(parser)
    if shell == "fish":
        return _fish(top, commands, parser)
    script = _bash(top, commands)
    if shell == "zsh":
        # zsh runs bash's completion functions through its bashcompinit module.
        return (
            "# cardimg completion for zsh: source <(cardimg completion zsh) in ~/.zshrc\n"
            "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\n"
            "autoload -U +X bashcompinit && bashcompinit\n" + script
        )
    return script


def _commands(parser: argparse.ArgumentParser) -> dict[str, list[_Option]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {name: _options(sub) for name, sub in action.choices.items()}
    return {}


def _options(parser: argparse.ArgumentParser) -> list[_Option]:
    options = []
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._SubParsersAction):
            continue
        takes_value = action.nargs != 0
        options.append(
            _Option(
                names=tuple(action.option_strings),
                takes_value=takes_value,
                words=_words(action) if takes_value else (),
                files=_files(action) if takes_value else None,
                help=" ".join((action.help or "").split()),
            )
        )
    return options


def _words(action: argparse.Action) -> tuple[str, ...]:
    if action.choices is not None:
        names = [str(choice) for choice in action.choices]
    elif "--preset" in action.option_strings:
        names = list(PRESETS)
    elif "--theme" in action.option_strings:
        from .theme import theme_names

        names = theme_names()
    elif "--target" in action.option_strings:
        names = list(TARGETS)
    else:
        names = []
    return tuple(name for name in names if _WORD.match(name))


def _files(action: argparse.Action) -> str | None:
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    if "DIR" in metavar or metavar == "OUT":
        return "dir"
    if "FILE" in metavar or "--theme" in action.option_strings:
        return "file"
    return None


# --------------------------------------------------------------------------- bash


def _bash(top: list[_Option], commands: Mapping[str, list[_Option]]) -> str:
    valued = sorted({name for o in (*top, *_every(commands)) if o.takes_value for name in o.names})
    lines = [
        "# cardimg completion for bash: source <(cardimg completion bash)",
        "_cardimg() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local command="" i',
        "    COMPREPLY=()",
        "    # The command is the first word that is neither an option nor an option's value.",
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in',
        f"            {'|'.join(valued)}) ((i++)) ;;",
        "            -*) ;;",
        '            *) command="${COMP_WORDS[i]}"; break ;;',
        "        esac",
        "    done",
        '    case "$command" in',
    ]
    for name, options in [('""', top), *commands.items()]:
        lines.append(f"        {name})")
        lines.extend("            " + line for line in _bash_values(options))
        lines.append("            ;;")
    lines += ["    esac", '    if [[ "$cur" == -* ]]; then', '        case "$command" in']
    for name, options in [('""', top), *commands.items()]:
        words = " ".join(n for o in options for n in o.names)
        lines.append(f'            {name}) _cardimg_words "{words}" ;;')
    lines += [
        "        esac",
        "        return",
        "    fi",
        '    case "$command" in',
        f'        "") _cardimg_words "{" ".join(commands)}" ;;',
        f'        config) _cardimg_words "{" ".join(commands)}" ;;',
        '        completion) _cardimg_words "bash zsh fish" ;;',
        '        *) COMPREPLY=($(compgen -f -- "$cur")) ;;',
        "    esac",
        "}",
        "_cardimg_words() {",
        '    COMPREPLY+=($(compgen -W "$1" -- "${COMP_WORDS[COMP_CWORD]}"))',
        "}",
        "complete -o filenames -F _cardimg cardimg",
    ]
    return "\n".join(lines) + "\n"


def _every(commands: Mapping[str, list[_Option]]) -> list[_Option]:
    return [option for options in commands.values() for option in options]


def _bash_values(options: list[_Option]) -> list[str]:
    """The `case "$prev"` of one command: what an option's value completes to."""
    lines = ['case "$prev" in']
    for option in options:
        if not option.takes_value:
            continue
        action = []
        if option.words:
            action.append(f'_cardimg_words "{" ".join(option.words)}"')
        if option.files:
            flag = "-d" if option.files == "dir" else "-f"
            action.append(f'COMPREPLY+=($(compgen {flag} -- "$cur"))')
        lines.append(f"    {'|'.join(option.names)}) {'; '.join([*action, 'return'])} ;;")
    lines.append("esac")
    return lines


# --------------------------------------------------------------------------- fish


def _fish(
    top: list[_Option], commands: Mapping[str, list[_Option]], parser: argparse.ArgumentParser
) -> str:
    lines = [
        "# cardimg completion for fish: cardimg completion fish | source",
        "complete -c cardimg -f",
    ]
    helps = _command_helps(parser)
    for name in commands:
        said = _fish_quote(helps.get(name, ""))
        lines.append(f"complete -c cardimg -n __fish_use_subcommand -a {name} -d {said}")
    for option in top:
        lines.append(_fish_option("__fish_use_subcommand", option))
    for name, options in commands.items():
        for option in options:
            lines.append(_fish_option(f"'__fish_seen_subcommand_from {name}'", option))
    lines.append(
        "complete -c cardimg -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'"
    )
    return "\n".join(lines) + "\n"


def _command_helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {choice.dest: choice.help or "" for choice in action._choices_actions}
    return {}


def _fish_option(condition: str, option: _Option) -> str:
    parts = ["complete -c cardimg", f"-n {condition}"]
    for name in option.names:
        parts.append(f"-l {name[2:]}" if name.startswith("--") else f"-s {name[1:]}")
    if option.takes_value:
        parts.append("-r" if option.files else "-x")
        if option.files:
            parts.append("-F")
        if option.words:
            parts.append(f"-a {_fish_quote(' '.join(option.words))}")
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)


def _fish_quote(text: str) -> str:
    short = text if len(text) <= 70 else text[:69] + "…"
    return "'" + short.replace("\\", "\\\\").replace("'", "\\'") + "'"
