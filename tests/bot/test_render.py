"""Rendering within Discord's limits: long answers paginate and a quote is never cut silently."""

from __future__ import annotations

import regex

from bot import render, render_admin
from index import Answer, Quote, SourceRef
from tests.bot.helpers import assert_no_pings, component, replies
from tests.discord_emulator import displayed, validate_message


def quote(text: str, n: int = 1) -> Quote:
    return Quote(
        text=text,
        article_id=f"a{n}",
        title=f"Title {n} [x]",
        source="Outlet",
        date="2024-01-02",
        url="https://example.org/a_(1)",
        paragraph=n,
        paragraph_id=n,
        start=0,
        end=len(text),
        score=1.0,
        also_in=[SourceRef("b", "Copycat", "T", "https://example.org/b", None)],
    )


def test_long_answer_paginates_and_keeps_every_word() -> None:
    words = [f"w{i}" for i in range(1800)]
    long_text = " ".join(words) + "."  # ~ 10,000 characters in one quote
    answer = Answer("q?", [quote(long_text, 1)] + [quote("Short one @everyone.", i) for i in range(2, 12)])
    pages = render.render_answer(answer)
    assert len(pages) >= 2
    shown = ""
    for page in pages:
        assert validate_message({"embeds": [e.to_dict() for e in page]}) is None
        shown += "\n".join(e.description or "" for e in page) + "\n"
    for w in words:
        assert f"{w} " in shown or f"{w}." in shown or f"{w}\n" in shown
    assert "quote part 1/" in shown and "continues" in shown
    assert "*also in:* [Copycat](https://example.org/b)" in shown
    assert "(https://example.org/a_%281%29)" in shown


def test_progress_line() -> None:
    assert (
        render_admin.progress_line("Embedding", 12400, 37221)
        == "Embedding 12,400 / 37,221 paragraphs ▓▓▓░░░░░░░ 33%"
    )


HOSTILE = (
    "The council spokesperson <@&1> told <@1> in <#1> at <t:0> that **the budget** is _final_, "
    "~~nothing~~ will ||change|| and `today` <:ok:1> </vote:1> <https://example.org> matters."
)


def test_article_text_shows_as_written() -> None:
    q = quote(HOSTILE)
    q.title, q.source = "The <@1> files: *who* said _what_", "Out*let <#1>"
    (page,) = render.render_answer(Answer("What did <@1> say?", [q]))
    shown = displayed(page[0].description or "")
    assert HOSTILE in shown
    assert "Out*let <#1>" in shown and "The <@1> files: *who* said _what_" in shown
    assert "<@1>" not in page[0].title  # neutralised, yet it reads the same:
    assert page[0].title.replace(render.WORD_JOINER, "") == "❓ What did <@1> say?"


async def test_hostile_article_renders_as_its_own_text_in_discord(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    article = (
        '---\ntitle: "The <@1> files: *who* said _what_"\nsource: "Out*let <#1>"\ndate: 2024-03-02\n---\n\n'
        f"{HOSTILE}\n\n1. The second paragraph starts like a numbered list and ends with a backslash \\\n"
    )
    att = emu.attachment("council.md", article.encode())
    token = await emu.slash(
        "ingest",
        w.alpha,
        w.admin,
        options=[{"name": "file", "type": 11, "value": att["id"]}],
        resolved={"attachments": {att["id"]: att}},
    )
    assert "added 1" in (await replies(emu, token))[0]["content"]
    question = "What did the council spokesperson say about the budget?"
    token = await emu.slash(
        "ask", w.alpha, w.user, options=[{"name": "question", "type": 3, "value": question}]
    )
    (msg,) = await replies(emu, token)
    shown = displayed(msg["embeds"][0]["description"])
    assert HOSTILE in shown
    assert "Out*let <#1>" in shown and "The <@1> files: *who* said _what_" in shown
    # the full paragraph (ephemeral) shows the neighbouring paragraph as written too
    select = component(msg, ctype=3)
    full = await emu.click(msg, select["custom_id"], w.alpha, w.user, values=["0"])
    (ctx,) = await replies(emu, full)
    context = displayed(ctx["embeds"][0]["description"])
    assert HOSTILE in context
    assert "1. The second paragraph starts like a numbered list and ends with a backslash \\" in context
    assert_no_pings(emu)


NO_SPACES = "".join(f"港*湾_{i % 10}" for i in range(2000))  # 10,000 characters, no space, * and _ throughout
EMOJI = (
    "👍🏽🇯🇵👨‍👩‍👧é" * 1000
)  # skin tone, flag, family (ZWJ), e + combining accent: several code points each


def parts_shown(descriptions: list[str]) -> list[str]:
    """The text lines that follow each "(… part i/n …)" marker, as a reader sees them."""
    shown = []
    for desc in descriptions:
        lines = displayed(desc).split("\n")
        shown += [lines[i + 1] for i, line in enumerate(lines) if "part " in line and "/" in line]
    return shown


def test_long_text_without_spaces_splits_into_parts_that_each_render_as_written() -> None:
    pages = render.render_answer(Answer("q?", [quote(NO_SPACES)]))
    descriptions = [e.description or "" for page in pages for e in page]
    for page in pages:
        assert validate_message({"embeds": [e.to_dict() for e in page]}) is None
    shown = parts_shown(descriptions)
    assert len(shown) >= 3 and "".join(shown) == NO_SPACES
    for desc in descriptions:  # no part ends in an escape waiting for its character
        body = desc.split("\n— ")[0].rstrip()
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0


def test_long_text_is_never_cut_inside_a_grapheme() -> None:
    pages = render.render_answer(Answer("q?", [quote(EMOJI)]))
    shown = parts_shown([e.description or "" for page in pages for e in page])
    assert len(shown) >= 2
    graphemes = [g for part in shown for g in regex.findall(r"\X", part)]
    assert graphemes == regex.findall(r"\X", EMOJI)
    clipped = regex.findall(r"\X", render.clip(EMOJI, 100).removesuffix("…"))
    assert clipped and clipped == regex.findall(r"\X", EMOJI)[: len(clipped)]


async def test_a_long_paragraph_reaches_discord_in_parts_that_render_as_written(world) -> None:
    w, start = world
    await start()
    emu = w.emu
    article = (
        "---\ntitle: Port report\nsource: Harbour Gazette\ndate: 2024-04-04\n---\n\n"
        "The port authority published its annual report in Chinese on Tuesday.\n\n"
        f"{NO_SPACES}\n"
    )
    att = emu.attachment("port.md", article.encode())
    token = await emu.slash(
        "ingest",
        w.alpha,
        w.admin,
        options=[{"name": "file", "type": 11, "value": att["id"]}],
        resolved={"attachments": {att["id"]: att}},
    )
    assert "added 1" in (await replies(emu, token))[0]["content"]
    question = "When did the port authority publish its annual report?"
    token = await emu.slash(
        "ask", w.alpha, w.user, options=[{"name": "question", "type": 3, "value": question}]
    )
    msgs = await emu.wait_for(lambda: [m for m in emu.for_interaction(token) if m["components"]], 60)
    answer = [e["description"] for m in emu.for_interaction(token) for e in m["embeds"]]
    assert "published its annual report in Chinese" in displayed(answer[0])
    # The long paragraph does not answer the question, so the relevance bar keeps it off the answer (its evidence is
    # far below the best quote's: issue 21); it reaches Discord in parts through "Full paragraph" below.
    assert NO_SPACES[:20] not in "".join(displayed(a) for a in answer)
    msg = msgs[-1]
    select = component(msg, ctype=3)
    full = await emu.click(msg, select["custom_id"], w.alpha, w.user, values=["0"])

    def context() -> list[str]:
        return [
            e["description"]
            for m in emu.for_interaction(full)
            if m["_via"] != "deferred"
            for e in m["embeds"]
        ]

    await emu.wait_for(lambda: "".join(parts_shown(context())) == NO_SPACES, 60)
    assert all(m["flags"] & 64 for m in emu.for_interaction(full)) and len(parts_shown(context())) >= 3


def test_a_quote_in_another_language_than_english_says_which() -> None:
    russian = quote("Мэр заявила, что мост обойдётся городу в 2,4 миллиарда рублей.")
    russian.language = "ru"
    assert "in Russian" in render.quote_meta(russian)
    english = quote("The mayor said the bridge would cost 2.4 billion roubles.")
    english.language = "en"
    assert "in English" not in render.quote_meta(english)  # the usual language is not labelled
    assert "in Russian" in "\n".join(render.quote_blocks(russian, 1))  # verbatim text, label in the metadata
