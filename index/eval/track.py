"""``newsdesk eval-track``: tracked questions measured on real news replayed day by day as if it arrived live.

The articles are ingested into a throw-away data dir one day at a time, in date order. Each question is tracked
from ``--days`` (7) days before its ``question_date`` ("from now on": it is added before that day's articles) and
removed on its ``question_date``; after each day's ingest the real ``track.check`` runs with the clock set to that
day, so the alerts, the copy collapse and the same-day story rule are the production path's.

Figures, per half of the split (``index/eval/split.py``: tune the threshold on one, report on the other):

* alert recall: questions that got an alert quoting a passage that contains one of their answers;
* alert precision: alerts whose quote contains an answer to their question;
* alerts per question.

To choose the threshold without replaying once per value, every passage over the grid's lowest value is kept with its score during the same replay, and the firing rules (``rules.decide``) are
applied to it for each value of a grid; the chosen value maximises F1 of precision and recall on the tuning half
(ties to the higher, quieter value). The replay with the code's alert bar for the model (``profiles.Bar.min_alert``)
is reported as measured beside the grid's value at it.

Embedding 37k paragraphs takes a while on two cores: ``--vectors-from`` takes the vectors of an earlier index of the
same articles by the same model (today's data dir, or an old layout with ``index/vectors.faiss``), by paragraph
text, after checking a sample against the model; whatever it lacks is embedded live.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from index import track
from index.answer.compose import MIN_SCORE
from index.config import CoreSettings
from index.embed.model import Embedder
from index.eval.data import load_jsonl
from index.eval.metrics import contains_answer
from index.eval.split import half_of
from index.ingest.extract import ExtractError, articles_from_file
from index.models import ArticleIn
from index.service import Newsdesk
from index.track.ledger import LoggedStory
from index.track.match import Found, alert_floor, find
from index.track.rules import STORY_MIN, Clock, decide, story_floor

log = logging.getLogger(__name__)

# From below every model's answer bar (``profiles.py``: e5's is 0.26) to 0.70.
GRID = [round(x, 2) for x in np.arange(min(MIN_SCORE, 0.20), 0.701, 0.02)]
SAMPLE_CHECK = 5  # cached vectors compared with the live model before the cache is trusted
MIN_AGREEMENT = 0.99  # cosine a cached vector must have with the live one
PROGRESS_EVERY = 20  # days between progress lines on stderr


class CachedEmbedder:
    """The real model, with the vectors it already computed for these texts in an earlier index (same model):
    looked up by text, the rest embedded live. Questions are always embedded live."""

    def __init__(self, model: Embedder, cache: dict[str, np.ndarray] | None = None):
        self.model = model
        self.cache = cache or {}
        self.live = 0  # paragraphs the cache did not hold

    @property
    def dimension(self) -> int:
        return self.model.dimension

    @property
    def identity(self) -> str:
        """The wrapped model's: the cached vectors came from the same model (checked on load)."""
        return self.model.identity

    def encode_query(self, text: str) -> np.ndarray:
        return self.model.encode_query(text)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        missing = [i for i, t in enumerate(texts) if t not in self.cache]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if missing:
            self.live += len(missing)
            out[missing] = self.model.encode([texts[i] for i in missing])
        for i, t in enumerate(texts):
            if t in self.cache:
                out[i] = self.cache[t]
        if progress:
            progress(len(texts))
        return out


def load_vector_cache(directory: Path, model: str, embedder: Embedder) -> dict[str, np.ndarray]:
    """Paragraph text -> vector from an earlier index of the same model; empty when it does not agree.

    Today's layout keeps the vectors in the store (``paragraphs.vector``, the model in ``meta``); an old-layout
    data dir kept them in ``index/vectors.faiss`` with the model in ``index/manifest.json``.
    """
    conn = sqlite3.connect(f"file:{directory / 'newsdesk.db'}?mode=ro", uri=True)
    try:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(paragraphs)")}
        if "vector" in columns:
            row = conn.execute("SELECT value FROM meta WHERE key = 'model'").fetchone()
            stored = row[0] if row else None
            data = conn.execute(
                "SELECT text, vector FROM paragraphs WHERE vector IS NOT NULL ORDER BY id"
            ).fetchall()
            rows = [(i, text) for i, (text, _) in enumerate(data)]
            vecs = (
                np.stack([np.frombuffer(v, dtype=np.float32) for _, v in data]) if data else np.zeros((0, 1))
            )
        else:
            stored, rows, vecs = None, [], None
            rows = conn.execute("SELECT id, text FROM paragraphs ORDER BY id").fetchall()
    finally:
        conn.close()
    if vecs is None:
        import faiss

        manifest = json.loads((directory / "index" / "manifest.json").read_text())
        stored = manifest.get("model")
        index = faiss.read_index(str(directory / "index" / "vectors.faiss"))
        have = set(faiss.vector_to_array(index.id_map).tolist())
        rows = [r for r in rows if r[0] in have]
        vecs = index.reconstruct_batch(np.asarray([r[0] for r in rows], dtype=np.int64))
    if not stored or not (stored == model or stored.startswith(model + " ")):
        log.warning("%s holds vectors of %s, not %s: embedding everything", directory, stored, model)
        return {}
    cache = {text: vecs[i] for i, (_, text) in enumerate(rows)}
    if not cache:
        return {}
    sample = [r[1] for r in rows[:: max(1, len(rows) // SAMPLE_CHECK)]][:SAMPLE_CHECK]
    live = embedder.encode(sample)
    agreement = float(min(np.sum(live * np.stack([cache[t] for t in sample]), axis=1)))
    if agreement < MIN_AGREEMENT:
        log.warning("cached vectors disagree with the model (cosine %.3f): embedding everything", agreement)
        return {}
    print(
        f"vectors of {len(cache):,} paragraphs taken from {directory} (sample cosine {agreement:.4f})",
        file=sys.stderr,
    )
    return cache


@dataclass
class Question:
    record: dict[str, Any]
    start: str  # the day tracking starts (its articles are checked)
    end: str  # question_date: removed before this day's articles
    half: str
    tracked_id: int | None = None
    vector: np.ndarray | None = None
    found: list[tuple[Clock, list[Found]]] = field(default_factory=list)  # per day, over answer.MIN_SCORE

    @property
    def answers(self) -> list[str]:
        return self.record.get("answers") or []


def load_questions(path: Path, days: int) -> list[Question]:
    out = []
    for q in load_jsonl(path):
        if not q.get("question_date") or not q.get("answers"):
            continue
        qd = date.fromisoformat(str(q["question_date"])[:10])
        out.append(Question(q, (qd - timedelta(days=days)).isoformat(), qd.isoformat(), half_of(q)))
    return out


def articles_by_day(path: Path) -> dict[str, list[ArticleIn]]:
    days: dict[str, list[ArticleIn]] = {}
    for a in articles_from_file(path):
        if isinstance(a, ExtractError):
            log.warning("%s", a)
        elif a.date:
            days.setdefault(a.date[:10], []).append(a)
    return days


def noon(day: str) -> Clock:
    return Clock(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC), UTC)  # type: ignore[arg-type]


def replay(desk: Newsdesk, questions: list[Question], days: dict[str, list[ArticleIn]]) -> float:
    """Ingest day by day, adding and removing tracked questions on their days and checking after each ingest."""
    t0 = time.perf_counter()
    calendar = sorted(set(days) | {q.start for q in questions} | {q.end for q in questions})
    for n, day in enumerate(calendar, 1):
        if n % PROGRESS_EVERY == 0:
            print(f"replayed {n}/{len(calendar)} days ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        clock = noon(day)
        for q in questions:
            if q.end == day and q.tracked_id is not None:
                track.remove(desk, q.tracked_id)
            if q.start == day:
                q.tracked_id = track.add(desk, q.record["question"], now=clock.now).id
        before, _ = desk.store.positions()
        desk.ingest_articles(days.get(day, []))
        head, _ = desk.store.positions()
        if head == before:
            continue
        track.check(desk, now=clock.now)
        for q in questions:
            if q.start <= day < q.end:
                tq = track.get(desk, q.tracked_id)
                if q.vector is None:
                    q.vector = desk.embedder.encode_query(tq.question)
                q.found.append((clock, find(desk, tq, q.vector, before, head, GRID[0])))
    return time.perf_counter() - t0


@dataclass
class Figures:
    questions: int = 0
    recalled: int = 0
    alerts: int = 0
    correct: int = 0

    def add(self, q: Question, quotes: list[str]) -> None:
        self.questions += 1
        hits = sum(1 for text in quotes if contains_answer(text, q.answers))
        self.alerts += len(quotes)
        self.correct += hits
        self.recalled += int(hits > 0)

    def row(self) -> dict[str, float]:
        recall = self.recalled / max(self.questions, 1)
        precision = self.correct / max(self.alerts, 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "questions": self.questions,
            "recall": round(recall, 4),
            "precision": round(precision, 4),
            "alerts_per_question": round(self.alerts / max(self.questions, 1), 2),
            "alerts": self.alerts,
            "f1": round(f1, 4),
        }


def simulate(q: Question, threshold: float, story_min: float = STORY_MIN) -> list[str]:
    """The quotes that would have fired for ``q`` at ``threshold`` (the same rules, an in-memory log): the floor
    reads a quote's evidence, as ``match.find`` does (its score with the priors would keep more)."""
    stories: dict[str, list[LoggedStory]] = {}
    tq = track.Tracked(q.tracked_id or 0, q.record["question"], None, "", None, "", None, True, 0)
    quotes = []
    for clock, found in q.found:
        kept = [
            f
            for f in found
            if (f.quote.evidence if f.quote.evidence is not None else f.quote.score) >= threshold
        ]
        for alert, _ in decide(kept, stories.setdefault(clock.day, []), tq, clock, story_min):
            quotes.append(alert.quote.text)
    return quotes


def measure(desk: Newsdesk, questions: list[Question]) -> dict[str, Any]:
    grid: dict[str, dict[float, Figures]] = {"tune": {}, "report": {}}
    story_min = story_floor(desk)
    for half in grid:
        for t in GRID:
            fig = grid[half][t] = Figures()
            for q in questions:
                if q.half == half:
                    fig.add(q, simulate(q, t, story_min))
    tune = grid["tune"]
    chosen = max(GRID, key=lambda t: (tune[t].row()["f1"], t))
    fired: dict[int, list[str]] = {}
    for a in track.alerts(desk):
        fired.setdefault(a.tracked_id, []).append(a.quote.text)
    measured = {h: Figures() for h in ("tune", "report")}
    for q in questions:
        measured[q.half].add(q, fired.get(q.tracked_id or -1, []))
    return {
        "grid": {h: {str(t): f.row() for t, f in g.items()} for h, g in grid.items()},
        "chosen_on_tune": chosen,
        "code_threshold": alert_floor(desk),
        "measured": {h: f.row() for h, f in measured.items()},
        "simulated_at_code_threshold": {
            h: _sim_row(questions, h, alert_floor(desk), story_min) for h in grid
        },
    }


def _sim_row(questions: list[Question], half: str, threshold: float, story_min: float) -> dict[str, float]:
    fig = Figures()
    for q in questions:
        if q.half == half:
            fig.add(q, simulate(q, threshold, story_min))
    return fig.row()


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"eval-track: {result['articles']:,} articles over {result['days']} days replayed in {result['seconds']:.0f} s; "
        f"{result['questions']} questions tracked from {result['days_before']} days before their question_date",
        "",
        "threshold grid on the tune half (the alert bar on the answer stage's score):",
        f"{'threshold':>10}{'recall':>9}{'precision':>11}{'alerts/q':>10}{'F1':>8}",
    ]
    for t, row in result["grid"]["tune"].items():
        lines.append(
            f"{t:>10}{row['recall']:>9.3f}{row['precision']:>11.3f}{row['alerts_per_question']:>10.2f}{row['f1']:>8.3f}"
        )
    lines += [
        "",
        f"chosen on the tune half (best F1, ties to the higher): {result['chosen_on_tune']}; "
        f"the code's alert bar for this model: {result['code_threshold']}",
        "",
        "measured by the real check (alerts recorded in the replayed store), at the code's threshold:",
    ]
    for half in ("report", "tune"):
        row = result["measured"][half]
        sim = result["simulated_at_code_threshold"][half]
        lines.append(
            f"  {half:<6} half: {row['questions']} questions, alert recall {row['recall']:.3f}, alert precision "
            f"{row['precision']:.3f}, {row['alerts_per_question']:.2f} alerts per question ({row['alerts']} alerts)"
            f"{'' if sim['alerts'] == row['alerts'] else f'  [grid replay gives {sim}]'}"
        )
    return "\n".join(lines)


def run_eval_track(args: Any, settings: CoreSettings, model: Embedder | None = None) -> int:
    """Replay, measure, print (``model``: an already loaded embedder to use, e.g. a test's)."""
    questions = load_questions(Path(args.questions), args.days)
    days = articles_by_day(Path(args.articles))
    with tempfile.TemporaryDirectory(prefix="newsdesk-evaltrack-") as tmp:
        embedder = CachedEmbedder(model or Embedder(settings.model, settings.batch_size))
        if args.vectors_from:
            embedder.cache = load_vector_cache(Path(args.vectors_from), settings.model, embedder.model)
        desk = Newsdesk.open(
            settings.model_copy(update={"data_dir": Path(tmp)}),
            embedder=embedder,  # type: ignore[arg-type]  # the Embedder interface, vectors looked up first
        )
        try:
            seconds = replay(desk, questions, days)
            result = measure(desk, questions)
        finally:
            desk.close()
    result.update(
        articles=sum(len(v) for v in days.values()),
        days=len(days),
        seconds=seconds,
        questions=len(questions),
        days_before=args.days,
        embedded_live=embedder.live,
    )
    print(json.dumps(result, indent=1) if args.json else format_report(result))
    return 0
