"""A post's dates: read from the front matter's text, compared with a given `now`, and set
in the post's language for its cover.

Nothing here reads the clock: whoever decides what is in the future passes `now` (a
batch takes it once when it starts; tests fix it), so the same inputs always give the
same answer.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

__all__ = ["format_date", "is_future", "parse_date"]

# What the big generators write: a date, or a date and time (`T` or a space), seconds
# and fractions optional, then `Z`, an offset or nothing (read as UTC, Hugo's default).
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*\Z"
)


def parse_date(text: str | None) -> datetime | None:
    """The moment `text` names (aware, UTC when it names no zone), or None when it is
    not a date cardimg reads (the text is then shown as written and never in the future)."""
    match = _DATE.match((text or "").strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
        return moment.replace(tzinfo=_zone(zone))
    except ValueError:  # 2024-13-45: not a date
        return None


def _zone(text: str | None) -> tzinfo:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def is_future(text: str | None, now: datetime) -> bool:
    """Whether `text` names a moment after `now` (an aware datetime)."""
    moment = parse_date(text)
    return moment is not None and moment > now


# Month names as a date is written in running text ("14 March 2024"), for the languages
# whose stories cardimg's samples cover; other languages get the ISO date, which every
# reader can read. The genitive forms are the ones a day number takes (ru, uk, pl, el).
_MONTH_TABLE = """
en January February March April May June
    July August September October November December
fr janvier février mars avril mai juin
    juillet août septembre octobre novembre décembre
de Januar Februar März April Mai Juni
    Juli August September Oktober November Dezember
es enero febrero marzo abril mayo junio
    julio agosto septiembre octubre noviembre diciembre
it gennaio febbraio marzo aprile maggio giugno
    luglio agosto settembre ottobre novembre dicembre
pt janeiro fevereiro março abril maio junho
    julho agosto setembro outubro novembro dezembro
nl januari februari maart april mei juni
    juli augustus september oktober november december
ru января февраля марта апреля мая июня
    июля августа сентября октября ноября декабря
uk січня лютого березня квітня травня червня
    липня серпня вересня жовтня листопада грудня
pl stycznia lutego marca kwietnia maja czerwca
    lipca sierpnia września października listopada grudnia
el Ιανουαρίου Φεβρουαρίου Μαρτίου Απριλίου Μαΐου Ιουνίου
    Ιουλίου Αυγούστου Σεπτεμβρίου Οκτωβρίου Νοεμβρίου Δεκεμβρίου
tr Ocak Şubat Mart Nisan Mayıs Haziran
    Temmuz Ağustos Eylül Ekim Kasım Aralık
ar يناير فبراير مارس أبريل مايو يونيو
    يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر
he בינואר בפברואר במרץ באפריל במאי ביוני
    ביולי באוגוסט בספטמבר באוקטובר בנובמבר בדצמבר
"""
# A line that starts with spaces goes on with the language above it.
_MONTHS: dict[str, tuple[str, ...]] = {
    row.split()[0]: tuple(row.split()[1:])
    for row in _MONTH_TABLE.replace("\n    ", " ").strip().splitlines()
}
_DE_STYLE = frozenset({"de"})  # "14. März 2024"
_OF_STYLE = frozenset({"es", "pt"})  # "14 de marzo de 2024"
_EAST_ASIAN = {"ja": "{y}年{m}月{d}日", "zh": "{y}年{m}月{d}日", "ko": "{y}년 {m}월 {d}일"}


def format_date(text: str | None, lang: str | None) -> str | None:
    """`text` as a date is written in `lang` (`14 March 2024`, `2024年3月14日`); text that
    is not a date is shown as written; None stays None."""
    if text is None or not text.strip():
        return None
    moment = parse_date(text)
    if moment is None:
        return " ".join(text.split())
    return _written(moment.date(), (lang or "en").lower().replace("_", "-").split("-")[0])


def _written(day: date, primary: str) -> str:
    if primary in _EAST_ASIAN:
        return _EAST_ASIAN[primary].format(y=day.year, m=day.month, d=day.day)
    months = _MONTHS.get(primary)
    if months is None:
        return day.isoformat()
    month = months[day.month - 1]
    if primary in _DE_STYLE:
        return f"{day.day}. {month} {day.year}"
    if primary in _OF_STYLE:
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"
