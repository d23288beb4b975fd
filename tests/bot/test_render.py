"""Rendering within Discord's limits: long answers paginate and a quote is never cut silently."""

from __future__ import annotations

import regex

from bot import render, render_admin, render_compact
from index import Answer, Article, Paragraph, Quote, SourceRef, say
from index import render as render_template
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


def page_text(page: list) -> str:
    """Every character a reader sees on a page: titles, descriptions, fields, footers."""
    parts = []
    for e in page:
        parts += [e.title or "", displayed(e.description or ""), e.footer.text or ""]
        parts += [f"{f.name}{f.value}" for f in e.fields]
    return "".join(parts)


def test_a_long_answer_fits_a_phone_and_leaves_the_rest_to_the_next_page() -> None:
    sentence = (
        "The council said the {} bridge over the river would cost 2.4 billion roubles, open in the spring of next "
        "year and carry four lanes of traffic, two tram lines and a path for cyclists and walkers on each side. "
    )
    texts = [
        "".join(sentence.format(w) for w in (f"first{i}", f"second{i}", f"third{i}")).strip()
        for i in range(8)
    ]
    answer = Answer(
        "What did the council say about the bridge cost?", [quote(t, i) for i, t in enumerate(texts, 1)]
    )
    (page,), shown = render_compact.answer_page(answer, k=len(texts))
    assert validate_message({"embeds": [e.to_dict() for e in page]}) is None
    assert len(page_text(page)) <= render_compact.PHONE_PAGE and 1 <= len(shown) < len(texts)
    assert shown == answer.quotes[: len(shown)]  # in order: the next page starts after the last one shown
    lines = displayed(page[0].description or "").split("\n")
    for n, q in enumerate(shown, 1):
        (line,) = [x for x in lines if x.startswith(f"{n}. “")]  # the number on its quote's line
        excerpt = line.removeprefix(f"{n}. “").removesuffix("”").removeprefix("… ").removesuffix(" …")
        assert excerpt and excerpt in q.text  # whole sentences of the verified text
        assert excerpt.endswith(".")
    assert "also in Copycat" in displayed(page[0].description or "")  # syndicated copies, on the source line


def test_a_long_paragraph_keeps_every_word_in_the_full_passage() -> None:
    words = [f"w{i}" for i in range(1800)]
    long_text = " ".join(words) + "."  # ~ 10,000 characters in one paragraph
    pages = render_compact.passage_pages(ARTICLE, Paragraph(1, "a1", 3, long_text))
    assert len(pages) >= 1
    shown = ""
    for page in pages:
        assert validate_message({"embeds": [e.to_dict() for e in page]}) is None
        shown += "\n".join(e.description or "" for e in page) + "\n"
    for w in words:
        assert f"{w} " in shown or f"{w}." in shown or f"{w}\n" in shown
    assert "part 1/" in shown and "continues" in shown
    assert "Outlet" in shown and "¶3" in shown and "✓ verbatim" in shown  # the source line
    assert pages[0][0].url == "https://example.org/a_(1)"


def test_progress_line() -> None:
    assert (
        render_admin.progress_line("Embedding", 12400, 37221)
        == "Embedding 12,400 / 37,221 paragraphs ▓▓▓░░░░░░░ 33%"
    )


ARTICLE = Article("a1", "Title 1 [x]", "Outlet", "2024-01-02", "https://example.org/a_(1)")


HOSTILE = (
    "The council spokesperson <@&1> told <@1> in <#1> at <t:0> that **the budget** is _final_, "
    "~~nothing~~ will ||change|| and `today` <:ok:1> </vote:1> <https://example.org> matters."
)


def test_article_text_shows_as_written() -> None:
    q = quote(HOSTILE)
    q.title, q.source = "The <@1> files: *who* said _what_", "Out*let <#1>"
    (page,), _ = render_compact.answer_page(Answer("What did <@1> say?", [q]), k=1)
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
    # the full passage (ephemeral) shows the paragraph as written too
    select = component(msg, ctype=3)
    full = await emu.click(msg, select["custom_id"], w.alpha, w.user, values=["0"])
    (ctx,) = await replies(emu, full)
    context = displayed(ctx["embeds"][0]["description"])
    assert HOSTILE in context
    assert_no_pings(emu)


def test_a_paragraph_that_looks_like_markdown_shows_as_written_in_the_full_passage() -> None:
    text = "1. The second paragraph starts like a numbered list and ends with a backslash \\"
    (page,) = render_compact.passage_pages(ARTICLE, Paragraph(2, "a1", 2, text))
    assert displayed(page[0].description or "").startswith(text + "\n")


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
    pages = render_compact.passage_pages(ARTICLE, Paragraph(1, "a1", 1, NO_SPACES))
    descriptions = [e.description or "" for page in pages for e in page]
    for page in pages:
        assert validate_message({"embeds": [e.to_dict() for e in page]}) is None
    shown = parts_shown(descriptions)
    assert len(shown) >= 3 and "".join(shown) == NO_SPACES
    for desc in descriptions:  # no part ends in an escape waiting for its character
        body = desc.split("\n— ")[0].rstrip()
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0


def test_long_text_is_never_cut_inside_a_grapheme() -> None:
    pages = render_compact.passage_pages(ARTICLE, Paragraph(1, "a1", 1, EMOJI))
    shown = parts_shown([e.description or "" for page in pages for e in page])
    assert len(shown) >= 2
    graphemes = [g for part in shown for g in regex.findall(r"\X", part)]
    assert graphemes == regex.findall(r"\X", EMOJI)
    # on the first page, a quote with no sentence break at all is cut between two graphemes, with an ellipsis
    (page,), _ = render_compact.answer_page(Answer("q?", [quote(EMOJI)]), k=1)
    line = displayed(page[0].description or "").split("\n")[0]
    assert (
        line.startswith("1. “") and line.endswith(" …”") and len(page_text(page)) <= render_compact.PHONE_PAGE
    )
    cut = regex.findall(r"\X", line.removeprefix("1. “").removesuffix(" …”"))
    assert cut and cut == regex.findall(r"\X", EMOJI)[: len(cut)]
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
    # "港湾" (harbour) is the long paragraph's only word: the question names it so that both paragraphs answer
    question = "When did the port authority publish its annual report? 港湾"
    token = await emu.slash(
        "ask", w.alpha, w.user, options=[{"name": "question", "type": 3, "value": question}]
    )
    (msg,) = await emu.wait_for(lambda: [m for m in emu.for_interaction(token) if m["components"]], 60)
    assert "published its annual report in Chinese" in displayed(msg["embeds"][0]["description"])
    assert len(text_of_page(msg)) <= render_compact.PHONE_PAGE  # the long paragraph is not on the first page
    # it did not fit beside the first quote: the next page shows it cut, and it is one click away there
    more = await emu.click(msg, component(msg, label="More passages")["custom_id"], w.alpha, w.user)
    (page2,) = await replies(emu, more)
    assert len(text_of_page(page2)) <= render_compact.PHONE_PAGE
    select = component(page2, ctype=3)
    (long,) = [o["value"] for o in select["options"] if "¶2" in o["label"]]
    full = await emu.click(page2, select["custom_id"], w.alpha, w.user, values=[long])

    def context() -> list[str]:
        return [
            e["description"]
            for m in emu.for_interaction(full)
            if m["_via"] != "deferred"
            for e in m["embeds"]
        ]

    await emu.wait_for(lambda: "".join(parts_shown(context())) == NO_SPACES, 60)
    assert all(m["flags"] & 64 for m in emu.for_interaction(full)) and len(parts_shown(context())) >= 3


def text_of_page(msg: dict) -> str:
    e = msg["embeds"][0]
    return (
        (e.get("title") or "")
        + displayed(e.get("description") or "")
        + ((e.get("footer") or {}).get("text") or "")
    )


def test_a_quote_in_another_language_than_english_says_which() -> None:
    russian = quote("Мэр заявила, что мост обойдётся городу в 2,4 миллиарда рублей.")
    russian.language = "ru"
    assert "in Russian" in render.quote_meta(russian)
    english = quote("The mayor said the bridge would cost 2.4 billion roubles.")
    english.language = "en"
    assert "in English" not in render.quote_meta(english)  # the usual language is not labelled
    assert "in Russian" in "\n".join(render.quote_blocks(russian, 1))  # verbatim text, label in the metadata
    assert "in Russian" in render_compact.source_line(russian)  # on the page for a phone too
    assert "in English" not in render_compact.source_line(english)


def test_a_quote_is_labelled_when_its_language_is_not_the_questions_as_in_the_terminal() -> None:
    """The terminal's rule (``index.shown_language``) on Discord too: a Russian question's English quote says
    "in English"; a quote in the question's own language says nothing."""
    english = quote("The mayor said the bridge would cost 2.4 billion roubles.")
    english.language = "en"
    russian = quote("Мэр заявила, что мост обойдётся городу в 2,4 миллиарда рублей.", 2)
    russian.language = "ru"
    cases = [  # (question, its language, quotes, the labels to show, the labels not to show)
        ("Сколько стоит мост?", "ru", [english, russian], ["in English"], ["in Russian"]),
        ("How much will the bridge cost?", "en", [english, russian], ["in Russian"], ["in English"]),
        ("How much will the bridge cost?", None, [english, russian], ["in Russian"], ["in English"]),
    ]
    for question, language, quotes, shown, hidden in cases:
        answer = Answer(question, quotes, language=language)
        (page,), _ = render_compact.answer_page(answer, k=2)
        phone = page_text(page)
        terminal = render_template("answer.md.j2", answer=answer, offset=0, k=2)
        for label in shown:
            assert label in phone and label in terminal, (language, label)
        for label in hidden:
            assert label not in phone and label not in terminal, (language, label)
    assert "in English" in render.quote_meta(english, "ru") and "in English" not in render.quote_meta(english)


def test_the_page_with_the_last_passing_passage_says_so() -> None:
    """Fewer quotes than the page asked for (the core's ``Answer.last_page``) and all of them shown: the page ends
    with the terminal's sentence. As many as asked for, or some left for More to fit a phone: it does not."""
    sentence = say("answer_last_page")
    short = Answer(
        "What did the council say about the bridge?", [quote("The council approved it.", n) for n in (1, 2)]
    )
    (page,), shown = render_compact.answer_page(short, k=5)
    assert displayed(page[0].description or "").endswith(sentence) and len(shown) == 2
    assert render_compact.last_page(short, shown, 5)
    (page,), shown = render_compact.answer_page(short, k=2)  # as many as asked for: More may find more
    assert sentence not in page_text(page) and not render_compact.last_page(short, shown, 2)
    long = (
        "The council said the {} bridge over the river would cost 2.4 billion roubles, open in the spring of next "
        "year and carry four lanes of traffic, two tram lines and a path for cyclists and walkers on each side."
    )
    many = Answer(
        "What did the council say about the bridge?", [quote(long.format(n), n) for n in range(1, 9)]
    )
    (page,), shown = render_compact.answer_page(many, k=10)
    assert len(shown) < len(many.quotes)  # the rest is on the next page: not the last one yet
    assert sentence not in page_text(page) and not render_compact.last_page(many, shown, 10)
    assert len(page_text(page)) <= render_compact.PHONE_PAGE
    misses = Answer("q?", [], no_answer=True, nearest_misses=[quote("Close but not it.")])
    (page,), _ = render_compact.answer_page(misses, k=5)  # a no-answer says so in its own words
    assert sentence not in page_text(page)


def test_a_source_link_of_thousands_of_characters_is_not_made():
    # the layout budgets visible text: an ingested URL of 1,800 characters must not push a page past Discord's limit
    from bot.render import MAX_LINK_URL, link

    assert link("Title", "https://example.org/a") == "[Title](https://example.org/a)"
    long = "https://example.org/" + "a" * 1800
    assert len(long) > MAX_LINK_URL and link("Title", long) == "Title"
