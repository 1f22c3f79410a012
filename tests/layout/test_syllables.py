"""Scripts written without spaces break between words (ICU) or syllables, never inside one.

Fake widths (one pixel per character), the sentences of Article 1 of the Universal
Declaration of Human Rights, and a rule of each script, written here character by
character and independently of `layout/syllables.py`, for where a syllable cannot end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardimg.blocks import Span
from cardimg.layout import dictionary
from cardimg.layout.breaking import break_balanced, break_greedy, break_pretty, line_ranges
from cardimg.layout.items import Box, Glue, inline_items, split_oversized
from cardimg.layout.linebreak import break_units
from cardimg.layout.syllables import cluster_breaks, syllable_breaks, unbreakable
from cardimg.theme import BlockStyle
from tests.fakes import FixedMeasurer

MEASURE = FixedMeasurer(advance=0.1)  # 1 px per character at size 10

# Article 1 of the Universal Declaration of Human Rights.
UDHR = {
    "km": (
        "មនុស្សទាំងអស់កើតមកមានសេរីភាពនិងសមភាពក្នុងសេចក្ដីថ្លៃថ្នូរនិងសិទ្ធិ។ "
        "មនុស្សគ្រប់រូបសុទ្ធតែមានវិចារណញ្ញាណនិងសតិសម្បជញ្ញៈជាប់ពីកំណើត "
        "ហើយគប្បីប្រព្រឹត្ដចំពោះគ្នាទៅវិញទៅមកក្នុងស្មារតីភាតរភាពជាបងប្អូន។"
    ),
    "lo": (
        "ມະນຸດທັງຫລາຍເກີດມາມີສິດເສລີພາບ ແລະ ສະເໝີໜ້າກັນໃນທາງກຽດຕິສັກ ແລະ ທາງສິດ. "
        "ທຸກໆຄົນມີເຫດຜົນ ແລະ ຄວາມຄິດຄວາມເຫັນສ່ວນຕົວຂອງໃຜລາວ, "
        "ແຕ່ວ່າມະນຸດທຸກໆຄົນຄວນປະພຶດຕົນຕໍ່ກັນໃນທາງພີ່ນ້ອງ."
    ),
    "my": (
        "လူတိုင်းသည် တူညီ လွတ်လပ်သော ဂုဏ်သိက္ခာဖြင့် လည်းကောင်း၊ "
        "တူညီလွတ်လပ်သော အခွင့်အရေးများဖြင့် လည်းကောင်း၊ မွေးဖွားလာသူများ ဖြစ်သည်။ "
        "ထိုသူတို့၌ ပိုင်းခြား ဝေဖန်တတ်သော ဉာဏ်နှင့် ကျင့်ဝတ် သိတတ်သော စိတ်တို့ရှိကြ၍ "
        "ထိုသူတို့သည် အချင်းချင်း မေတ္တာထား၍ ဆက်ဆံကျင့်သုံးသင့်၏။"
    ),
    "bo": (
        "འགྲོ་བ་མིའི་རིགས་རྒྱུད་ཡོངས་ལ་སྐྱེས་ཙམ་ཉིད་ནས་ཆེ་མཐོངས་དང༌། "
        "ཐོབ་ཐང་གི་རང་དབང་འདྲ་མཉམ་དུ་ཡོད་ལ། ཁོང་ཚོར་རང་བྱུང་གི་བློ་རྩལ་དང་བསམ་ཚུལ་བཟང་པོ་"
        "འདོན་པའི་འོས་བབས་ཀྱང་ཡོད། དེ་བས་ཕན་ཚུན་གཅིག་གིས་གཅིག་ལ་བུ་སྤུན་གྱི་འདུ་ཤེས་"
        "འཛིན་པའི་བྱ་སྤྱོད་ཀྱི་མཚོན་དགོས་པ་ཡིན༎"
    ),
    "th": (
        "มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกันในเกียรติศักดิ์และสิทธิ "
        "ต่างมีเหตุผลและมโนธรรม และควรปฏิบัติต่อกันด้วยเจตนารมณ์แห่งภราดรภาพ"
    ),
}
# Khmer coeng stacks, Myanmar medials, stacked consonants and kinzi: one unit each.
WHOLE = ["ស្ត្រី", "ក្ដី", "ញ្ញាណ", "ကျွန်", "ကျွန်ုပ်", "ဖြင့်", "သင်္ချိုင်း", "မေတ္တာ"]

BREAKERS = [break_greedy, break_pretty, break_balanced]

_THAI_LAO_LEADING = set("เแโใไເແໂໃໄ")
_THAI_LAO_FOLLOWING = set("ะาำๅະາຳຽ")
_MAI_HAN_AKAT = set("\u0e31\u0eb1\u0ebb")  # ั, ັ, ົ: a final consonant must follow
_SILENT = set("\u0e4c\u0ecc")  # thanthakhat: the letter belongs to the syllable before
_TONES = set("\u0e48\u0e49\u0e4a\u0e4b\u0ec8\u0ec9\u0eca\u0ecb")
_TIBETAN_ENDS = set("\u0f0b\u0f0c\u0f0d\u0f0e\u0f11\u0f14 ")


def inside_syllable(text: str, i: int) -> bool:
    """Whether a line starting at text[i] would cut a syllable, by each script's spelling."""
    prev, char, after = text[i - 1], text[i], text[i + 1 : i + 3]
    if unicodedata.category(char) in ("Mn", "Mc", "Me"):
        return True  # a mark (vowel sign, subscript, medial, tone) ends the cluster it is in
    if prev in ("\u17d2", "\u1039"):
        return True  # after Khmer coeng or Myanmar virama comes the stacked consonant
    if "\u1000" <= char <= "\u1021" and after.lstrip("\u1037")[:1] in ("\u103a", "\u1039"):
        return True  # a Myanmar consonant killed by asat (or stacking) closes the syllable
    if prev in _THAI_LAO_LEADING or char in _THAI_LAO_FOLLOWING:
        return True  # a leading vowel and a following vowel keep to their consonant
    if prev in _MAI_HAN_AKAT or (prev in _TONES and text[i - 2] in _MAI_HAN_AKAT):
        return True
    if _SILENT & set(after[:2]):
        return True
    return "\u0f40" <= char <= "\u0fbc" and prev not in _TIBETAN_ENDS


@pytest.fixture(params=["icu", "syllables"])
def path(request, monkeypatch):
    """Each test runs with ICU (the first provider found) and without any ICU at all."""
    if request.param == "icu":
        if not dictionary.icu_available():
            pytest.skip("no ICU: neither icu4py nor the system's library")
    else:
        monkeypatch.setattr(dictionary, "PROVIDERS", ())
    dictionary._provider.cache_clear()
    yield request.param
    dictionary._provider.cache_clear()


def layout(text: str, width: int, breaker=break_greedy) -> tuple[list, list[tuple[int, int]]]:
    items = inline_items((Span(text),), BlockStyle(), 10, MEASURE)
    items = split_oversized(items, width, MEASURE)
    return list(items), line_ranges(items, breaker(items, width))


def check_lines(text: str, width: int, breaker=break_greedy) -> list[str]:
    """The lines, checked: nothing lost or reordered, no break inside a syllable, and no
    line wider than `width` unless it holds a single syllable."""
    items, ranges = layout(text, width, breaker)
    texts = [item.text if isinstance(item, (Box, Glue)) else "" for item in items]
    assert "".join(texts) == text
    offsets = [0]
    for piece in texts:
        offsets.append(offsets[-1] + len(piece))
    lines, previous_end = [], 0
    for start, end in ranges:
        # Only spaces and break points fall between lines.
        assert all(not isinstance(item, Box) for item in items[previous_end:start])
        if start and offsets[start] < len(text):
            assert not inside_syllable(text, offsets[start]), (text[: offsets[start]], width)
        line = "".join(texts[start:end])
        assert len(line) <= width or unbreakable(line) or " " in line, (line, width)
        lines.append(line)
        previous_end = end
    assert all(not isinstance(item, Box) for item in items[previous_end:])
    return lines


@pytest.mark.parametrize("lang", sorted(UDHR))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(width=st.integers(1, 60), breaker=st.sampled_from(BREAKERS))
def test_lines_keep_the_text_and_break_between_syllables(path, lang, width, breaker):
    lines = check_lines(UDHR[lang], width, breaker)
    if width >= 10:
        # Phrases between spaces are longer: they are broken too, and nothing overflows.
        assert all(len(line) <= width for line in lines), (lines, width)


@pytest.mark.parametrize("lang", sorted(UDHR))
def test_every_narrow_width_breaks_between_syllables(path, lang):
    for width in range(1, 41):
        check_lines(UDHR[lang], width)


@pytest.mark.parametrize("word", WHOLE)
def test_stacks_and_medials_are_never_split(path, word):
    # Even when the syllable alone is wider than the line: it overflows, whole.
    for width in range(1, len(word) + 1):
        items, ranges = layout(word, width)
        assert [
            "".join(item.text for item in items[a:b] if isinstance(item, Box)) for a, b in ranges
        ] == [word]
        text = f"{word}{word}"
        lines = check_lines(text, width)
        assert all(line in (word, text) for line in lines), lines


def test_a_long_dictionary_word_is_not_cut_inside_a_coeng_stack():
    # Holds with or without ICU (an old build cut ស្|ត្|រី between graphemes).
    text = "សម្បជញ្ញៈ ស្ត្រី"
    for width in range(2, 6):
        items = split_oversized(
            inline_items((Span(text),), BlockStyle(), 10, MEASURE), width, MEASURE
        )
        lines = [
            "".join(item.text for item in items[a:b] if isinstance(item, Box))
            for a, b in line_ranges(items, break_greedy(items, width))
        ]
        assert "ស្ត្រី" in lines, lines
        for line in lines:
            assert not line.startswith(("\u17d2", "ត", "រ", "ី")), lines


# -------------------------------------------------------------- syllable rules


def cut(text: str, offsets: frozenset[int]) -> str:
    marks = sorted(offsets)
    return "|".join(text[a:b] for a, b in zip([0, *marks], [*marks, len(text)], strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("មនុស្សទាំងអស់កើតមកមានសេរីភាព", "ម|នុស្ស|ទាំងអស់|កើតមក|មាន|សេ|រី|ភាព"),
        ("ស្ត្រី", "ស្ត្រី"),
        ("ကျွန်ုပ်တို့", "ကျွန်ုပ်|တို့"),
        ("မေတ္တာထား", "မေတ္တာ|ထား"),
        ("အင်္ဂလိပ်", "အင်္ဂ|လိပ်"),
        ("လွတ်လပ်သော", "လွတ်|လပ်|သော"),
        # Thai and Lao: only the sure boundaries (a leading vowel, after sara a).
        ("เกิดมามีอิสระและเสมอภาค", "เกิดมามีอิสระ|และ|เสมอภาค"),
        ("ມະນຸດທັງຫລາຍເກີດມາ", "ມະ|ນຸດທັງຫລາຍ|ເກີດມາ"),
        # Tibetan is left to UAX #14.
        ("བསྒྲུབས་པ་", "བསྒྲུབས་པ་"),
    ],
)
def test_syllable_boundaries(text, expected):
    assert cut(text, syllable_breaks(text)) == expected


@pytest.mark.parametrize("lang", sorted(UDHR))
def test_cluster_boundaries_never_cut_a_syllable(lang):
    text = UDHR[lang]
    assert syllable_breaks(text) <= cluster_breaks(text)
    for offset in cluster_breaks(text):
        assert not inside_syllable(text, offset), cut(text, frozenset([offset]))


def test_thai_clusters_keep_vowels_and_the_letters_they_need():
    text = "ทั้งหลายศักดิ์สิทธิ์มนุษย์"
    assert cut(text, cluster_breaks(text)) == "ทั้ง|หลา|ย|ศักดิ์|สิทธิ์|ม|นุษย์"


def test_tibetan_breaks_after_tsheg_and_shad_only():
    text = "བསྒྲུབས་པ་ཡིན། ཐོབ་ཐང༌གི"
    assert break_units(text) == ("བསྒྲུབས་", "པ་", "ཡིན། ", "ཐོབ་", "ཐང༌གི")


# ------------------------------------------------------------------- providers


def test_icu4py_comes_first_when_installed():
    pytest.importorskip("icu4py.breakers")
    assert dictionary.icu_provider() == "icu4py"


@pytest.mark.parametrize("lang", ["th", "lo", "km", "my"])
def test_icu4py_and_the_system_icu_find_the_same_words(lang):
    pytest.importorskip("icu4py.breakers")
    system = dictionary._system_icu()
    if system is None:
        pytest.skip("the system's ICU library is not installed")
    wheel = dictionary._icu4py()
    assert wheel is not None
    assert wheel(UDHR[lang], lang) == system(UDHR[lang], lang)


def test_icu_breaks_khmer_between_dictionary_words(path):
    if path != "icu":
        pytest.skip("dictionary words need ICU")
    text = "មនុស្សទាំងអស់កើតមកមានសេរីភាព"
    assert cut(text, dictionary.complex_breaks(text)) == "មនុស្ស|ទាំងអស់|កើតមក|មាន|សេរីភាព"


def test_without_icu_complex_text_breaks_at_syllables(path):
    if path != "syllables":
        pytest.skip("the syllable fallback")
    assert dictionary.icu_provider() is None
    text = "ကျွန်ုပ်တို့ မေတ္တာထား"
    assert cut(text, dictionary.complex_breaks(text)) == "ကျွန်ုပ်|တို့ မေတ္တာ|ထား"


def test_a_lone_surrogate_does_not_stop_icu():
    text = "ภาษาไทย\ud800ง่ายมาก"
    assert isinstance(dictionary.complex_breaks(text), frozenset)


def test_text_without_these_scripts_never_loads_icu():
    code = (
        "import sys\n"
        "from cardimg.blocks import Span\n"
        "from cardimg.layout.items import inline_items\n"
        "from cardimg.theme import BlockStyle\n"
        "from tests.fakes import FixedMeasurer\n"
        "inline_items((Span('Plain English, 10 km.'),), BlockStyle(), 10, FixedMeasurer())\n"
        "assert 'icu4py.breakers' not in sys.modules\n"
        "from cardimg.layout import dictionary\n"
        "assert dictionary._provider.cache_info().currsize == 0\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
