"""Parses every feed of a Broadsheet server with feedparser (and the XML ones with the
standard library's strict parser too), and checks what a feed reader relies on.

Usage: python check_feeds.py <site url> <title that must round-trip> <tag slug> <author slug>
Exits non-zero, saying why, on the first problem.
"""
import json
import sys
import urllib.request
import xml.etree.ElementTree as ET

import feedparser

base, hostile_title, tag, author = sys.argv[1:5]


def fetch(path):
    with urllib.request.urlopen(base + path) as response:
        return response.headers, response.read()


def check_xml(path):
    headers, body = fetch(path)
    ET.fromstring(body)  # well-formed, or this raises
    feed = feedparser.parse(body)
    assert not feed.bozo, f"{path}: {feed.bozo_exception!r}"
    assert feed.entries, f"{path}: no entries"
    assert headers["ETag"] and headers["Last-Modified"], f"{path}: caching headers"
    for entry in feed.entries:
        assert entry.title, f"{path}: an entry without a title"
        assert entry.link.startswith("http"), f"{path}: relative link {entry.link}"
        assert entry.get("published_parsed"), f"{path}: {entry.title}: no date"
        assert entry.get("author"), f"{path}: {entry.title}: no author"
        assert entry.get("tags"), f"{path}: {entry.title}: no categories"
        content = entry.get("content") or [{"value": entry.get("summary", "")}]
        assert "<p>" in content[0]["value"] or "&lt;p&gt;" in content[0]["value"], f"{path}: {entry.title}: no HTML"
        assert entry.get("summary"), f"{path}: {entry.title}: no summary"
    return feed


def check_json(path):
    headers, body = fetch(path)
    feed = json.loads(body)
    assert feed["version"] == "https://jsonfeed.org/version/1.1", path
    assert feed["items"], f"{path}: no items"
    for item in feed["items"]:
        assert item["url"].startswith("http") and item["content_html"] and item["date_published"], path
        assert item["authors"] and item["authors"][0]["name"], path
    return feed


site = check_xml("/rss/")
titles = [e.title for e in site.entries]
assert hostile_title in titles, f"the hostile title did not survive: {titles[:3]}"
atom = check_xml("/atom/")
assert hostile_title in [e.title for e in atom.entries]
entry = next(e for e in site.entries if e.title == hostile_title)
body = entry.content[0]["value"]
assert "]]&gt; inside" in body or "]]> inside" in body, f"the body survived: {body}"
assert "<script>" not in body, "sanitized"
assert len(site.entries) <= 20
assert check_json("/feed.json")["items"][0]["title"] == site.entries[0].title

for scope in (f"/tag/{tag}", f"/author/{author}"):
    for kind in ("/rss/", "/atom/"):
        feed = check_xml(scope + kind)
        assert feed.feed.title, scope + kind
    check_json(scope + "/feed.json")

tag_feed = feedparser.parse(fetch(f"/tag/{tag}/rss/")[1])
for e in tag_feed.entries:
    assert tag in [t.term.lower().replace(" ", "-").replace("\u2019", "") for t in e.tags] or e.tags, e.title

print("ok: every feed parses")
