"""bot.common.mrkdwn: escaping, links only to real web addresses, and long text split or cut without breaking an
entity."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checkout import rules
from bot.common.mrkdwn import (
    SECTION_LIMIT,
    cut,
    escape,
    is_web_url,
    link,
    quote,
    quote_split,
    split,
    unescape,
)

INSIDE_AN_ENTITY = re.compile(r"&[a-z]{0,3}$")
people_text = st.text(alphabet=st.sampled_from("ab &<>\n\t.|!@"), max_size=400)


@given(text=people_text)
def test_unescape_undoes_escape_and_escaped_text_has_no_markup(text):
    assert unescape(escape(text)) == text
    assert "<" not in escape(text) and ">" not in escape(text)


@settings(max_examples=200)
@given(text=people_text, limit=st.integers(min_value=8, max_value=60))
def test_split_keeps_everything_within_the_limit_and_never_inside_an_entity(text, limit):
    escaped = escape(text)
    pieces = split(escaped, limit)
    assert all(len(p) <= limit for p in pieces)
    assert not any(INSIDE_AN_ENTITY.search(p) for p in pieces)
    # nothing is lost but the line breaks the splits fell on
    joined = "".join(pieces)
    # (at most one per split: a line break that ends the text is dropped with no empty piece after it)
    assert joined.replace("\n", "") == escaped.replace("\n", "") and len(escaped) - len(joined) <= len(pieces)


def test_split_prefers_a_line_break_then_a_space():
    assert split("aaaa\nbbbb cccc", 10) == ["aaaa", "bbbb cccc"]
    assert split("aaaa bbbb cccc", 10) == ["aaaa bbbb ", "cccc"]
    assert split("a" * 9 + "&amp;b", 10) == ["a" * 9, "&amp;b"]  # a cut never splits `&amp;`
    assert split("", 10) == [""]


def test_a_long_quote_is_whole_and_every_piece_is_quoted():
    text = ("Q&A <&> " * 600).strip()
    pieces = quote_split(text)
    assert len(pieces) > 1 and all(len(p) <= SECTION_LIMIT and p.startswith(">") for p in pieces)
    assert unescape("".join(p[1:] for p in pieces)) == text
    lines = quote_split("one\ntwo & three")
    assert lines == [quote("one\ntwo & three")] == [">one\n>two &amp; three"]


def test_cut_marks_the_cut_and_never_splits_an_entity():
    assert cut("short") == "short"
    assert cut("abc&amp;def", 6) == "abc…"
    assert cut("abcdefgh", 6) == "abcde…"
    assert len(cut("&lt;" * 1000)) <= SECTION_LIMIT


@pytest.mark.parametrize("url", ["https://example.org", "http://example.org/a?b=1&c=2", "https://x.org/p#frag"])
def test_web_urls(url):
    assert is_web_url(url)


@pytest.mark.parametrize("url", ["https://x/<!channel>", "https://x.org/a|click", "https://x.org/a b", "javascript:x",
                                 "ftp://x.org", "https://", "https://[::1", "example.org", "https://x.org/>"])
def test_not_web_urls(url):
    assert not is_web_url(url)


def test_a_link_is_made_only_of_a_web_url_and_its_label_is_escaped():
    assert link("https://x.org/a?b=1&c=2") == "<https://x.org/a?b=1&amp;c=2|https://x.org/a?b=1&amp;c=2>"
    assert link("https://x.org", "<!here> & co") == "<https://x.org|&lt;!here&gt; &amp; co>"
    assert link("https://x/<!channel>") == "https://x/&lt;!channel&gt;"


@pytest.mark.parametrize("url", ["https://x/<!channel>", "https://example.org/a|click", "https://example.org/<x>",
                                 "https://exa mple.org"])
def test_a_get_involved_link_that_could_hide_markup_is_refused_on_its_field(url):
    form = rules.GetInvolvedForm("workshop", url, None, None)
    with pytest.raises(rules.InvalidSubmission) as refused:
        rules.check_get_involved(form, None)
    assert "not a web link" in refused.value.errors["url"]
