"""The language of the words cardimg adds (Sources, Continued) and of each card's quotation
marks: declared by the story's `lang`, else guessed from the whole story by its letters,
and per card only where a card is clearly written in another script."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cardimg
from cardimg.scripts import guess_lang, quotes_for, story_languages

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LONG_ENGLISH = " ".join(["The council met again on Tuesday to discuss the budget."] * 40)


def render_sample(name: str) -> cardimg.Carousel:
    return cardimg.render(cardimg.load_story(SAMPLES / name))


def sources_heading(carousel: cardimg.Carousel) -> str:
    slide = carousel.slides[-1]
    assert slide.kind == "sources"
    return slide.text.splitlines()[0]


def frame_words(carousel: cardimg.Carousel) -> list[str]:
    # Markers are set in capitals by the theme: compare their words, not their case.
    return [
        line.text.casefold()
        for slide in carousel.slides
        for line in slide.lines
        if line.role == "marker"
    ]


@pytest.mark.parametrize(
    ("sample", "heading"),
    [
        ("20240112-cyrillic.md", "Джерела"),  # Ukrainian, not Russian "Источники"
        ("20240115-devanagari.md", "स्रोत"),
        ("20240116-thai.md", "แหล่งที่มา"),
        ("20240111-greek.md", "Πηγές"),
    ],
)
def test_samples_get_the_theme_words_of_their_language(sample: str, heading: str) -> None:
    assert sources_heading(render_sample(sample)) == heading


def test_one_kana_word_keeps_an_english_story_english(story_text) -> None:
    text = story_text(
        [
            {"body": 'The mayor said "we will rebuild" on Monday.'},
            {"body": f'Fans shouted "arigatou" (ありがとう) as she left. {LONG_ENGLISH}'},
        ],
        sources="**Report** [https://example.org/a](https://example.org/a)",
    )
    carousel = cardimg.render(cardimg.parse_story(text, name="s.md"))
    assert sources_heading(carousel) == "Sources"
    assert "continued" in frame_words(carousel)
    assert "“arigatou”" in carousel.slides[1].text
    assert "「" not in "".join(slide.text for slide in carousel.slides)


def test_a_card_clearly_in_another_script_gets_its_own_quotes(story_text) -> None:
    text = story_text(
        [
            {"body": 'The mayor said "we will rebuild" on Monday, and the crowd cheered.'},
            {"body": '"必ず再建する"、と市長は述べた。'},
        ],
        sources="**Report** [https://example.org/a](https://example.org/a)",
    )
    carousel = cardimg.render(cardimg.parse_story(text, name="s.md"))
    assert "“we will rebuild”" in carousel.slides[0].text
    assert "「必ず再建する」" in carousel.slides[1].text
    assert sources_heading(carousel) == "Sources"


def test_declared_lang_rules_every_slide_and_card(story_text) -> None:
    text = story_text(
        [
            {"body": f'Le maire a dit "nous reconstruirons". {LONG_ENGLISH}'},
            {"body": 'Мэр сказал "мы восстановим".'},
            {"body": '"必ず再建する"、と市長は述べた。'},
        ],
        sources="**Rapport** [https://example.org/a](https://example.org/a)",
        lang="fr",
    )
    carousel = cardimg.render(cardimg.parse_story(text, name="s.md"))
    words = frame_words(carousel)
    assert "suite" in words and "à suivre →" in words
    assert "continued" not in words
    assert "«\u202fnous reconstruirons\u202f»" in carousel.slides[0].text
    texts = [slide.text for slide in carousel.slides if slide.kind == "card"]
    assert "«\u202fмы восстановим\u202f»" in texts[-2]
    assert "«\u202f必ず再建する\u202f»" in texts[-1]
    assert sources_heading(carousel) == "Sources"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Студенти з Києва готують до запуску власний супутник", "uk"),
        ("Студэнты з Мінска рыхтуюць да запуску ўласны спадарожнік", "be"),
        ("Студенти из Београда припремају лансирање свог сателита, њихов рад", "sr"),
        ("Студентите од Скопје подготвуваат лансирање, ќе биде голем настан", "mk"),
        ("Студентите от София подготвят изстрелването на своя спътник във вторник", "bg"),
        ("Студенты из Москвы готовят к запуску собственный спутник", "ru"),
        ("Алматы студенттері өз серігін ұшыруға дайындалуда", "kk"),
        ("Бишкектин студенттери жаңы спутнигин учурууга даярданууда", "ky"),
        ("Улаанбаатарын оюутнууд өөрсдийн хиймэл дагуулаа хөөргөнө", "mn"),
        ("दिल्ली में आज बारिश हुई", "hi"),
        ("เชียงใหม่เปิดศูนย์เฝ้าระวังฝุ่น", "th"),
        ("東京で地震があった", "ja"),
        ("北京今天下雨", "zh"),
        ("서울에 비가 왔다", "ko"),
        ("Tbilisi: თბილისში წვიმს", "ka"),
        ("The mayor thanked everyone: ありがとう", None),
        ("A story in plain English", None),
    ],
)
def test_guess_lang_tells_languages_apart_where_letters_allow(text: str, lang: str | None) -> None:
    assert guess_lang(text) == lang


def test_story_languages_guesses_from_the_whole_story() -> None:
    # The second card has no letter only Ukrainian uses: it keeps the story's language.
    words, cards = story_languages(None, ["Київ і Львів", "Студенти готують супутник", "OK"])
    assert words == "uk"
    assert cards == ("uk", "uk", None)
    assert story_languages("pt-BR", ["Студенти", "東京"]) == ("pt-BR", ("pt-BR", "pt-BR"))


@pytest.mark.parametrize(
    ("lang", "opening"),
    [
        ("pt-BR", "“"),
        ("pt", "«"),
        ("zh-Hant", "「"),
        ("zh-Hant-TW", "「"),
        ("zh_TW", "「"),
        ("zh-Hans", "“"),
        ("de-CH", "«"),
        ("EN", "“"),
        ("xx-unknown", "“"),
    ],
)
def test_quotes_follow_the_most_specific_part_of_a_tag(lang: str, opening: str) -> None:
    assert quotes_for(lang)[0] == opening


@given(st.lists(st.text(max_size=40), max_size=6), st.sampled_from([None, "fr", "uk", "zh-Hant"]))
def test_story_languages_gives_one_language_per_card(cards: list[str], declared) -> None:
    words, langs = story_languages(declared, cards)
    assert len(langs) == len(cards)
    if declared:
        assert words == declared and set(langs) <= {declared}
    else:
        assert words == guess_lang("\n".join(cards))
        # A card keeps the story's language unless its own guess says otherwise.
        assert all(
            lang in (words, guess_lang(card)) for card, lang in zip(cards, langs, strict=True)
        )
