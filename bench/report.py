"""Turns bench/run's results (one JSON object a line) into bench/RESULTS.md.

usage: python3 bench/report.py RESULTS.jsonl COMMAND [PREVIOUS-RESULTS.md] > bench/RESULTS.md

The sections it writes are made anew from the figures; any other `## ` section of
PREVIOUS-RESULTS.md (written by hand: the first build, instructions per request...) is kept,
word for word, after them.
"""

import datetime
import json
import os
import platform
import re
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
command = sys.argv[2] if len(sys.argv) > 2 else "bash bench/run"
previous = sys.argv[3] if len(sys.argv) > 3 else None

# The headings of the sections this script writes; every other section of the previous
# report is someone's writing, and is kept.
GENERATED = re.compile(
    r"^## (Bulk load|(sqlite|postgres), \S+ articles|Against PostGraphile.*|Scale: .*|Newsroom.*|Targets)\s*$")


def hand_written(path):
    """The sections of the report at `path` that this script did not write, as text."""
    try:
        text = open(path).read()
    except OSError:
        return ""
    kept, keep = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            keep = not GENERATED.match(line)
        elif line.startswith("# "):
            keep = False
        if keep:
            kept.append(line)
    return "\n".join(kept).strip()


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "?"


def size_label(n):
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def find(kind, **match):
    for r in rows:
        if r["kind"] == kind and all(r.get(k) == v for k, v in match.items()):
            return r["figures"]
    return None


def rps(f):
    return f"{f['rps']:,.0f}" if f and f.get("rps") else "–"


def ms(f, key):
    # wrk reports 0 when it measured nothing (every request timed out): not a latency.
    return f"{f[key]:.2f}" if f and f.get(key) else "–"


def ratio(a, b):
    if not a or not b or not a.get("rps") or not b.get("rps"):
        return "–"
    return f"{a['rps'] / b['rps']:.2f}"


def errors(*fs):
    total = sum(max(f.get("errors", 0), 0) + f.get("socket_errors", 0) for f in fs if f)
    bad = any(f and f.get("errors", 0) < 0 for f in fs)
    return "run failed" if bad else str(total)


sizes = sorted({r["size"] for r in rows if "size" in r})
backends = [b for b in ("sqlite", "postgres") if any(r.get("backend") == b for r in rows)]
scenarios = []
for r in rows:
    if r["kind"] == "ours" and r["scenario"] not in scenarios:
        scenarios.append(r["scenario"])


def static_for(r):
    """The limit measured for a run of ours: right after it (same backend, size, scenario),
    or, in results of older harnesses, once per scenario."""
    for s in rows:
        if s["kind"] == "static" and s["scenario"] == r["scenario"] and s.get("size") == r.get("size") \
                and s.get("backend") == r.get("backend"):
            return s["figures"]
    for s in rows:
        if s["kind"] == "static" and s["scenario"] == r["scenario"] and "size" not in s:
            return s["figures"]
    return None


out = []
w = out.append


def table(title, columns, align):
    """A section heading and a Markdown table's header; `align` is one of l/r a column."""
    w(f"## {title}")
    w("")
    w("| " + " | ".join(columns) + " |")
    w("|" + "".join("---|" if a == "l" else "---:|" for a in align))

w("# Benchmark results")
w("")
w(f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
w(f"- Machine: {os.cpu_count()} cores ({cpu_model()}), {memory_gib()}, {platform.system()} {platform.release()}")
w(f"- Command: `{command}`")
w(
    f"- Load: `wrk -t1 -c{os.environ.get('BENCH_CONNECTIONS', '32')}` pinned to core 0, "
    f"{os.environ.get('BENCH_DURATION', '?')} s a scenario after a warm-up (which first asks for "
    "each item of the scenario's list once, then at random); the server under test "
    "(one worker) and PostgreSQL pinned to core 1. Every response is checked (status 200, no "
    "`errors`); a failed response is counted under errors, not as throughput."
)
w("- Latencies in milliseconds. \"cached\" is Broadsheet's response cache (\"hits\": the share of "
  "its responses that came from the cache); \"limit\" is a static server that reads the same requests "
  "and answers one of the scenario's own responses byte for byte, measured right after the cached "
  "run. \"RSS\" is the server's peak resident memory (VmHWM) once the scenario has run, uncached / cached.")
w("")
w("Scenarios: **home** 20 latest with tags and authors (GraphQL); **slug** an article by random slug "
  "with body, tags, authors and 5 related (GraphQL; with the cache on, one of the newest 1,000, "
  "the hot set a cache is for; without it, any of the archive); **tag** 20 latest of one of the 200 most used "
  "tags; **deep** a page of 20 near page 5,000 of the most used tag (its last pages when it has "
  "fewer), by cursor; **search** full text, 10 results with snippets, for one of 700 names "
  "each found in roughly 0.2-3% of the articles; **search-common** the same for a word found in "
  "nearly every article; **json** the Content API's "
  "posts browse with tags and authors; **json-slug** one post by slug from the Content API; "
  "**json-tags** the Content API's first 15 tags with their post counts (`include=count.posts`); "
  "**json-tags-by-count** the same ordered by count (`order=count.posts desc`); **json-tag** one of "
  "the 200 most used tags by slug with its count; **json-authors** the authors with their counts; "
  "**json-filter** the posts browse filtered by two of the 50 most used tags and featured "
  "(`filter=tag:[a,b]+featured:true`).")
w("")

loads = [r for r in rows if r["kind"] == "load"]
if loads:
    table("Bulk load", ["backend", "articles", "seconds", "articles/s"], "lrrr")
    for r in loads:
        f = r["figures"]
        w(f"| {r['backend']} | {f['articles']:,} | {f['seconds']:.1f} | {f['per_second']:,.0f} |")
    w("")

for size in sizes:
    for backend in backends:
        if not any(r["kind"] == "ours" and r["size"] == size and r["backend"] == backend for r in rows):
            continue
        w(f"## {backend}, {size_label(size)} articles")
        w("")
        w("| scenario | uncached req/s | p50 | p99 | p99.9 | cached req/s | p50 | p99 | p99.9 | hits | body bytes | limit req/s | cached / limit | RSS MB | errors |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for s in scenarios:
            match = dict(size=size, backend=backend, scenario=s)
            u = find("ours", cache=False, **match)
            c = find("ours", cache=True, **match)
            lim = static_for(match)
            body = f"{c['body_bytes']:,.0f}" if c and c.get("body_bytes") else "–"
            hits = f"{c['cache_hit_ratio']:.0%}" if c and "cache_hit_ratio" in c else "–"
            rss = " / ".join(
                f"{r['peak_rss_mb']:.0f}" if "peak_rss_mb" in r else "–"
                for r in rows if r["kind"] == "ours" and all(r.get(k) == v for k, v in match.items()))
            w(
                f"| {s} | {rps(u)} | {ms(u, 'p50_ms')} | {ms(u, 'p99_ms')} | {ms(u, 'p999_ms')} "
                f"| {rps(c)} | {ms(c, 'p50_ms')} | {ms(c, 'p99_ms')} | {ms(c, 'p999_ms')} "
                f"| {hits} | {body} | {rps(lim)} | {ratio(c, lim)} | {rss or '–'} | {errors(u, c)} |"
            )
        rss = [r for r in rows if r["kind"] == "rss" and r["size"] == size and r["backend"] == backend]
        if rss:
            w("")
            w("Peak RSS of the server: " + ", ".join(
                f"{'cached' if r['cache'] else 'uncached'} {r['figures']['peak_rss_mb']} MB" for r in rss))
        w("")

peers = [r for r in rows if r["kind"] == "peer"]
if peers:
    table(
        "Against PostGraphile v5 (same PostgreSQL data, same fields, no caches)",
        ["articles", "scenario", "Broadsheet req/s", "p99", "PostGraphile req/s", "p99",
         "Broadsheet / PostGraphile", "errors"],
        "rlrrrrrl",
    )
    for r in peers:
        p = r["figures"]
        o = find("ours", size=r["size"], backend="postgres", scenario=r["scenario"], cache=False)
        w(f"| {size_label(r['size'])} | {r['scenario']} | {rps(o)} | {ms(o, 'p99_ms')} | {rps(p)} | {ms(p, 'p99_ms')} | {ratio(o, p)} | {errors(o, p)} |")
    w("")

if len(sizes) > 1:
    w("## Scale: p99 (ms) as the archive grows, uncached")
    w("")
    w("| backend | scenario | " + " | ".join(size_label(s) for s in sizes) + " |")
    w("|---|---|" + "---:|" * len(sizes))
    for backend in backends:
        for s in scenarios:
            cells = [ms(find("ours", size=n, backend=backend, scenario=s, cache=False), "p99_ms") for n in sizes]
            w(f"| {backend} | {s} | " + " | ".join(cells) + " |")
    w("")

newsroom = [r for r in rows if r["kind"] == "newsroom"]
newsroom_pairs = []
for busy in (r for r in newsroom if r.get("writes")):
    quiet = find("newsroom", writes=False, size=busy["size"], backend=busy["backend"],
                 scenario=busy["scenario"])
    newsroom_pairs.append((busy, quiet))
if newsroom_pairs:
    w("## Newsroom: cached reads while the newsroom writes")
    w("")
    w("Each cached scenario twice in a row on the same warm server (64 MB cache): without writes, "
      "then while `bench/newsroom-writer` updates a published article (one of the newest 1,000) "
      "every second and publishes a new one (two of the most used tags) every ten seconds, "
      "through GraphQL mutations with an editor's token. \"hits\": the share of responses with "
      "`X-Cache: HIT`.")
    w("")
    w("| backend | articles | scenario | quiet req/s | hits | p99 | writing req/s | hits | p99 | writing / quiet | updates | publishes | write p50 ms | errors |")
    w("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for busy, quiet in newsroom_pairs:
        b = busy["figures"]
        wr = busy.get("writer", {})
        hit = lambda f: f"{f['cache_hit_ratio']:.1%}" if f and "cache_hit_ratio" in f else "–"
        write_errors = f" (writes: {wr['write_errors']})" if wr.get("write_errors") else ""
        w(f"| {busy['backend']} | {size_label(busy['size'])} | {busy['scenario']} "
          f"| {rps(quiet)} | {hit(quiet)} | {ms(quiet, 'p99_ms')} "
          f"| {rps(b)} | {hit(b)} | {ms(b, 'p99_ms')} | {ratio(b, quiet)} "
          f"| {wr.get('updates', '–')} | {wr.get('publishes', '–')} | {wr.get('write_p50_ms', '–')} "
          f"| {errors(quiet, b)}{write_errors} |")
    w("")

# The targets, checked against the figures above.
w("## Targets")
w("")
checks = []
cached_ratios = []
for r in rows:
    if r["kind"] == "ours" and r["cache"]:
        lim = static_for(r)
        if lim and lim.get("rps") and r["figures"].get("rps"):
            cached_ratios.append((r["figures"]["rps"] / lim["rps"], r))
if cached_ratios:
    worst = min(cached_ratios, key=lambda x: x[0])
    best = max(cached_ratios, key=lambda x: x[0])
    ok = worst[0] >= 0.75
    checks.append((
        "Cached reads ≥ 75% of the static limit",
        ok,
        f"from {worst[0]:.0%} ({worst[1]['backend']} {size_label(worst[1]['size'])} {worst[1]['scenario']}) "
        f"to {best[0]:.0%} ({best[1]['backend']} {size_label(best[1]['size'])} {best[1]['scenario']})",
    ))
for r in peers:
    o = find("ours", size=r["size"], backend="postgres", scenario=r["scenario"], cache=False)
    if o and o.get("rps") and r["figures"].get("rps"):
        x = o["rps"] / r["figures"]["rps"]
        checks.append((
            f"Uncached {r['scenario']} on PostgreSQL ({size_label(r['size'])}) ≥ 3× PostGraphile, lower p99",
            x >= 3 and o["p99_ms"] < r["figures"]["p99_ms"],
            f"{x:.2f}×, p99 {o['p99_ms']:.1f} vs {r['figures']['p99_ms']:.1f} ms",
        ))
def is_search(r):
    return r["scenario"].startswith("search")


def failed(r):
    """A run with failed responses, or none at all: it meets no target."""
    f = r["figures"]
    return not f.get("rps") or f.get("errors", 0) != 0 or f.get("socket_errors", 0) != 0


def label(r):
    cache = ("cached" if r["cache"] else "uncached") if "cache" in r else ""
    return " ".join(x for x in (r["backend"], size_label(r["size"]), r.get("scenario", ""), cache) if x)


def ceiling(name, candidates, figure, limit, unit, strict=False):
    """A check that every candidate's `figure` stays within `limit` (below it when `strict`);
    reports the worst, and any run that failed."""
    if not candidates:
        return
    broken = [r for r in candidates if r["kind"] != "load" and r["kind"] != "rss" and failed(r)]
    worst = max(candidates, key=lambda r: r["figures"].get(figure, 0))
    detail = f"worst {worst['figures'].get(figure, 0):.1f} {unit} ({label(worst)})"
    if broken:
        detail += "; failed runs: " + ", ".join(label(r) for r in broken)
    value = worst["figures"].get(figure, 0)
    within = value < limit if strict else value <= limit
    checks.append((name, not broken and within, detail))


if newsroom_pairs:
    hits = [(b["figures"].get("cache_hit_ratio", 0), b) for b, _ in newsroom_pairs]
    shares = [(b["figures"]["rps"] / q["rps"], b) for b, q in newsroom_pairs
              if q and q.get("rps") and b["figures"].get("rps")]
    low_hit = min(hits, key=lambda x: x[0])
    broken = [b for b, q in newsroom_pairs if failed(b) or b.get("writer", {}).get("write_errors")]
    checks.append((
        "Newsroom: hit share ≥ 90% while writing",
        low_hit[0] >= 0.9 and not broken,
        f"lowest {low_hit[0]:.1%} ({label(low_hit[1])})"
        + ("; failed runs or writes: " + ", ".join(label(b) for b in broken) if broken else ""),
    ))
    if shares:
        low = min(shares, key=lambda x: x[0])
        checks.append((
            "Newsroom: throughput while writing ≥ 70% of the same scenario without writes",
            low[0] >= 0.7,
            f"lowest {low[0]:.0%} ({label(low[1])})",
        ))

ours = [r for r in rows if r["kind"] == "ours"]
for size in sizes:
    for backend in backends:
        home = find("ours", size=size, backend=backend, scenario="home", cache=False)
        lists = [r for r in ours if not r["cache"] and r["size"] == size and r["backend"] == backend
                 and r["scenario"] in ("json-tags", "json-tags-by-count", "json-authors", "json-filter")]
        if size != 100_000 or not home or not home.get("p99_ms") or not lists:
            continue
        worst = max(lists, key=lambda r: r["figures"].get("p99_ms", 0) if not failed(r) else float("inf"))
        x = worst["figures"].get("p99_ms", 0) / home["p99_ms"]
        checks.append((
            f"Uncached Content API lists p99 within 2× the GraphQL home page's ({backend}, 100k)",
            x <= 2 and not any(failed(r) for r in lists),
            f"worst {worst['scenario']} {worst['figures'].get('p99_ms', 0):.1f} ms = {x:.2f}× home's {home['p99_ms']:.1f} ms",
        ))
over = [r for r in ours if not is_search(r) and (failed(r) or r["figures"].get("p99_ms", 0) > 10)]
if any(not is_search(r) for r in ours):
    checks.append((
        "p99 ≤ 10 ms at 32 connections, every scenario but search",
        not over,
        "all within" if not over else "over in: " + ", ".join(
            f"{label(r)} {'failed' if failed(r) else format(r['figures']['p99_ms'], '.1f')}"
            for r in over),
    ))
ceiling("Search p99 ≤ 50 ms at 100k articles",
        [r for r in ours if is_search(r) and r["size"] == 100_000], "p99_ms", 50, "ms")
ceiling("Server peak RSS < 150 MB at 100k articles",
        [r for r in rows if r["kind"] == "rss" and r["size"] == 100_000], "peak_rss_mb", 150, "MB", strict=True)
ceiling("Bulk load of 100k articles < 60 s",
        [r for r in loads if r["size"] == 100_000], "seconds", 60, "s", strict=True)
w("| target | met | figures |")
w("|---|---|---|")
for name, ok, detail in checks:
    w(f"| {name} | {'yes' if ok else '**no**'} | {detail} |")
w("")
kept = hand_written(previous) if previous else ""
if kept:
    w("")
    w(kept)
    w("")
print("\n".join(out))
