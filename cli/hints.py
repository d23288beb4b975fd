"""Help where input is wrong: an outlet the index does not hold, a speaker nobody quoted, a date outside the
corpus's range get one sentence with the nearest known values, instead of a search of nothing.

Before these checks ``ask tsunami --source Reuters`` answered "Searched 0 paragraphs (source: Reuters)" and
``ask … --since 2020-01-01`` "no relevant passage": true, and no help. The checks read the small per-outlet summary
the store keeps (``Newsdesk.sources``) and the speakers table (``Newsdesk.speaker_names``), never the corpus. An
empty index is left alone: its own sentence ("No articles yet …") says more.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from cli.args import CliError
from cli.output import warn
from index import Newsdesk, SourceStats, say

# How alike a name must be to be offered (difflib's ratio; "Reuter"/"Reuters" 0.92, "Egelund"/"Egeland" 0.86).
NEAREST_CUTOFF = 0.6
NEAREST_N = 3
LISTED_OUTLETS = 5  # with nothing alike, the largest outlets are named (`sources` lists them all)
SPEAKERS_READ = 20_000  # speaker names compared at most (the table is small; most quoted first)


def nearest(word: str, names: Iterable[str], n: int = NEAREST_N) -> list[str]:
    """The names most like ``word``: by the whole name or by any of its words ("Egelund" → "Jan Egeland"), case
    ignored, best first."""
    wanted = word.casefold().strip()
    scored: list[tuple[float, str]] = []
    matcher = difflib.SequenceMatcher(b=wanted, autojunk=False)
    for name in names:
        best = 0.0
        for part in {name.casefold(), *name.casefold().split()}:
            matcher.set_seq1(part)
            if matcher.real_quick_ratio() >= NEAREST_CUTOFF and matcher.quick_ratio() >= NEAREST_CUTOFF:
                best = max(best, matcher.ratio())
        if best >= NEAREST_CUTOFF:
            scored.append((best, name))
    scored.sort(key=lambda s: -s[0])
    return [name for _, name in scored[:n]]


def outlet_problem(name: str, outlets: list[SourceStats]) -> str | None:
    """The sentence for an outlet the index does not hold (None when it holds it, or holds nothing at all)."""
    if not outlets or name.strip().casefold() in {o.source.casefold() for o in outlets}:
        return None
    close = nearest(name, [o.source for o in outlets])
    return say(
        "cli_unknown_outlet",
        name=name,
        nearest=close,
        listed=[o.source for o in outlets[:LISTED_OUTLETS]],
        more=max(0, len(outlets) - LISTED_OUTLETS),
    )


def check_outlets(desk: Newsdesk, names: Iterable[str | None]) -> list[SourceStats]:
    """Raise ``CliError`` with one sentence for the first outlet the index does not hold; the outlets' summaries."""
    outlets = desk.sources()
    for name in names:
        if name and (problem := outlet_problem(name, outlets)):
            raise CliError(problem)
    return outlets


def check_some_outlets(desk: Newsdesk, names: list[str]) -> list[SourceStats]:
    """For a briefing of several outlets: those the index does not hold get a warning each, and only when it
    holds none of them is it an error (a briefing of the others is still worth reading)."""
    outlets = desk.sources()
    problems = [p for name in names if (p := outlet_problem(name, outlets))]
    if names and len(problems) == len(names):
        raise CliError(problems[0])
    for problem in problems:
        warn(problem)
    return outlets


def warn_unknown_outlet(desk: Newsdesk, name: str | None) -> None:
    """For ``track add``: an outlet not held yet may come with tomorrow's feed, so it is a warning, not an error."""
    if name and (problem := outlet_problem(name, desk.sources())):
        warn(say("cli_track_outlet_not_yet", problem=problem))


def date_range(outlets: list[SourceStats], names: Iterable[str | None] = ()) -> tuple[str, str] | None:
    """The first and last article dates of these outlets (all of them when none is named); None when undated."""
    wanted = {n.strip().casefold() for n in names if n}
    chosen = [o for o in outlets if not wanted or o.source.casefold() in wanted]
    firsts = [o.first_date[:10] for o in chosen if o.first_date]
    lasts = [o.last_date[:10] for o in chosen if o.last_date]
    return (min(firsts), max(lasts)) if firsts and lasts else None


def check_dates(
    outlets: list[SourceStats],
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    day: str | None = None,
    sources: Iterable[str | None] = (),
) -> None:
    """Raise ``CliError`` saying the corpus's range when a date filter leaves no article at all."""
    names = [s for s in sources if s]
    span = date_range(outlets, names)
    if span is None:
        return
    first, last = span
    wrong = None
    if since and since > last:
        wrong = ("since", since)
    elif until and until < first:
        wrong = ("until", until)
    elif as_of and as_of <= first:
        wrong = ("as_of", as_of)
    elif day and not first <= day <= last:
        wrong = ("day", day)
    if wrong is not None:
        raise CliError(
            say("cli_date_out_of_range", when=wrong[0], date=wrong[1], first=first, last=last, sources=names)
        )


def check_filters(
    desk: Newsdesk,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
) -> None:
    """The outlet, then the dates, of an ``ask``, ``timeline`` or ``quotes`` (nothing is read without a filter)."""
    if not (source or since or until or as_of):
        return
    outlets = check_outlets(desk, [source])
    check_dates(outlets, since, until, as_of, sources=[source])


def speaker_hint(desk: Newsdesk, speaker: str) -> list[str]:
    """The quoted names nearest to a speaker nobody of that name is quoted as (for ``quotes --speaker``)."""
    return nearest(speaker, desk.speaker_names("", limit=SPEAKERS_READ))
