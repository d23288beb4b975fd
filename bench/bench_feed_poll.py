"""Poll a 50-item feed served on 127.0.0.1 twice (then once more after one new item) and say what each poll did.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_feed_poll.py            # Wikinews: 40 stories + 10 reprints
    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_feed_poll.py --rtqa     # 50 distinct RTQA stories (eval data)

The default feed is built from the bundled Wikinews sample: 40 of its 41 articles, plus 10 of them carried again by
a second outlet under other URLs (50 items; the 10 become copies of stories already indexed, not new stories); the
41st is added to the feed before the third poll.
``--rtqa`` reads 50 articles from ../shared/data/rtqa (internal evaluation data, never copied into the repo).
Times are wall-clock on this machine and include fetching, trafilatura, embedding and FAISS; the model is loaded
before the clock starts. A script, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.config import CoreSettings  # noqa: E402
from index.service import Newsdesk  # noqa: E402
from index.sources.feeds import add_feed, poll  # noqa: E402
from tests.index.sources.loopback_news import NewsSite, load_records  # noqa: E402

RTQA = ROOT.parent / "shared" / "data" / "rtqa" / "articles.jsonl"


def build_items(site: NewsSite, rtqa: bool) -> list:
    if rtqa:
        if not RTQA.exists():
            sys.exit(f"--rtqa needs {RTQA} (evaluation data); it is not on this machine.")
        records = []
        with RTQA.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if len(rec.get("text", "")) > 500 and rec.get("url"):
                    records.append(rec)
                if len(records) == 51:
                    break
        items = [site.article(r, outlet=r["source"]) for r in records]
        return items[:50], items[50]
    records = load_records()  # 41 stories: 40 + 10 reprints in the feed, the 41st arrives before poll 3
    items = [site.article(r, outlet="Wikinews") for r in records[:40]]
    reprints = [site.article(r, outlet="Wire Reprints") for r in records[:10]]
    return items + reprints, site.article(records[40], outlet="Wikinews")


def describe(n: int, report, site: NewsSite, before: dict[str, int], elapsed: float) -> None:
    f = report.feeds[0]
    hits = {p: c - before.get(p, 0) for p, c in site.hits.items() if c - before.get(p, 0)}
    feed_hits = sum(c for p, c in hits.items() if p in site.feeds)
    page_hits = sum(c for p, c in hits.items() if p in site.pages)
    http = f.feed_http or f.status
    print(
        f"poll {n}: {elapsed:6.2f} s  feed HTTP {http}; {f.entries} items in the feed, {f.seen} seen before; "
        f"added {f.added}, copies {f.count('duplicate')}, skipped {f.count('unchanged', 'skipped')}, "
        f"failed {f.count('failed')}; requests to the server: {feed_hits} feed + {page_hits} pages"
    )


async def main(rtqa: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        desk = Newsdesk.open(CoreSettings(data_dir=Path(tmp), allow_hosts="127.0.0.1"))
        desk.embedder.encode(["warm up"])  # model load is not part of a poll
        site = NewsSite()
        await site.start()
        try:
            items, late = build_items(site, rtqa)
            feed = site.feed("/bench.rss", "Bench Feed", items)
            info = add_feed(desk, site.url("/bench.rss"))
            for n in (1, 2):
                before = dict(site.hits)
                t0 = time.perf_counter()
                report = await poll(desk, feed_ids=[info.id])
                describe(n, report, site, before, time.perf_counter() - t0)
            feed.items.insert(0, late)
            before = dict(site.hits)
            t0 = time.perf_counter()
            report = await poll(desk, feed_ids=[info.id])
            describe(3, report, site, before, time.perf_counter() - t0)
            stats = desk.stats()
            print(
                f"index: {stats.articles} articles ({stats.duplicates} copies), {stats.paragraphs} paragraphs"
            )
        finally:
            await site.stop()
            desk.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtqa", action="store_true", help="50 distinct RTQA articles instead of Wikinews")
    asyncio.run(main(parser.parse_args().rtqa))
