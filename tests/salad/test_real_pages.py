"""Whole real pages the salad step flagged in stop 20's audit (docs/salad_unseen.md), made into cases."""

from gristmill.salad import analyse
from gristmill.salad.analysis import MIN_ENGLISH
from gristmill.text.content import stopword_share
from gristmill.text.furniture import furniture_rule

# A DokuWiki "page does not exist" page of the dolma sample: two sentences of prose under the
# template's navigation headings. Counted as six sentences it was judged, and flagged at 0.985.
DOKUWIKI = (
    "User Tools\n\nSite Tools\n\n\nen:1964-1968\n\nThis topic does not exist yet\n\n"
    "You've followed a link to a topic that doesn't exist yet. If permissions allow, you may create "
    "it by clicking on “Create this page”."
)

# A Japanese bibliography page of the dolma sample with English glosses. Each run of Japanese
# characters counted as one word, so its function-word share passed as English: flagged at 0.972.
NKYSDB = (
    "nkysdb: 共著者関連データベース\n\n井上 尚文 様の 共著関連データベース\n\n"
    "Search this DB\nusing Google\n\n"
    '+(A list of literatures under single or joint authorship with "井上 尚文")\n\n'
    "共著回数と共著者名 (a list of the joint author(s))\n\n"
    "    2: 井上 尚文\n\n    1: 西岡 幸一, 鎌田 泰彦\n\n\n"
    "発行年とタイトル (Title and year of the issue(s))\n\n"
    "    1973: サハラ・モーリタリア沖合大陸棚・大陸斜面の底質 [Net] [Bib]\n\n"
    "    1975: 東シナ海大陸棚上の海底流動 [Net] [Bib]\n"
    "    Bottom Current on the Continental Shelf of the East China Sea [Net] [Bib]\n\nAbout this page:"
)


def test_dokuwiki_navigation_headings_are_furniture() -> None:
    assert furniture_rule("User Tools") == "label"
    assert furniture_rule("Site Tools") == "label"
    assert furniture_rule("Page Tools") == "label"
    assert furniture_rule("The user tools are in the shed.") is None


def test_a_two_sentence_page_under_navigation_is_not_judged() -> None:
    found = analyse(DOKUWIKI)
    assert found.score == 0.0
    assert not found.features


def test_japanese_text_counts_by_its_characters_in_the_english_share() -> None:
    assert stopword_share(NKYSDB) < MIN_ENGLISH
    assert stopword_share("The mill stands by the brook and the wheel turns.") > 0.3


def test_a_mostly_japanese_page_is_not_judged() -> None:
    found = analyse(NKYSDB)
    assert found.score == 0.0
    assert not found.features


def test_one_japanese_line_in_english_prose_keeps_the_page_english() -> None:
    # A stitched page of the report half holds one Japanese sentence among its English ones.
    english = " ".join(
        [
            "The old mill by the brook has turned for more than two hundred years.",
            "The miller still grinds rye and wheat there every morning for the bakers of the village.",
            "In winter the brook sometimes freezes and the wheel stands still.",
        ]
    )
    mixed = (
        english
        + "\n\n通常、権利者により正規のルートで販売された商品を"
        + "そのまま転売する場合は、商標権侵害にはなりません。"
    )
    assert stopword_share(mixed) > MIN_ENGLISH
