"""Drives three replicas on one database (see `run`): python3 check.py TOKEN PORT_A PORT_B PORT_C.

Prints what it measured; exits non-zero, saying why, when a replica serves what another has
replaced, or a scheduled article is not published exactly once.
"""

import datetime
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TOKEN = sys.argv[1]
A, B, C = (f"http://127.0.0.1:{p}" for p in sys.argv[2:5])
# Within this long of a write through A, B and C serve it (their polls are a minute apart:
# only the change notification can bring it this soon).
BOUND_S = 2.0
LIST = "{ articles(first: 5) { nodes { id title } } }"


def get(base, query):
    url = base + "/graphql?query=" + urllib.parse.quote(query)
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r), r.headers.get("X-Cache")


def post(base, query, variables=None, token=TOKEN):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + "/graphql", data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        reply = json.load(r)
    if reply.get("errors"):
        sys.exit(f"{query}: {reply['errors']}")
    return reply["data"]


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def titles(reply):
    return [n["title"] for n in reply["data"]["articles"]["nodes"]]


def until(what, test, bound):
    started = time.monotonic()
    while time.monotonic() - started < bound:
        if test():
            return time.monotonic() - started
        time.sleep(0.01)
    fail(f"{what}: not within {bound} s")


# 1. A write through A reaches B's and C's caches.
for base in (B, C):
    get(base, LIST)
    _, cache = get(base, LIST)
    if cache != "HIT":
        fail(f"{base} did not cache the list (X-Cache: {cache})")
first = get(A, LIST)[0]["data"]["articles"]["nodes"][0]
# The version is staff's to see.
first["version"] = post(A, "{ article(id: \"%s\") { version } }" % first["id"])["article"]["version"]
new_title = "Corrected on replica A at " + datetime.datetime.now(datetime.timezone.utc).isoformat()
post(
    A,
    "mutation($id: ID!, $v: Int!, $t: String!) { updateArticle(id: $id, expectedVersion: $v, input: {title: $t}) { article { title } } }",
    {"id": first["id"], "v": first["version"], "t": new_title},
)
for base in (B, C):
    took = until(f"{base} serving the new title", lambda: new_title in titles(get(base, LIST)[0]), BOUND_S)
    reply, cache = get(base, LIST)
    if new_title not in titles(reply):
        fail(f"{base} went back to the old title")
    print(f"write through A served by {base} after {took * 1000:.0f} ms (then X-Cache: {cache})")
    staff = post(base, "{ article(id: \"%s\") { title } }" % first["id"])
    if staff["article"]["title"] != new_title:
        fail(f"{base} served the old title to staff (uncached)")

# 2. A scheduled article is published once, by whichever replica's scheduler comes first.
created = post(
    A,
    "mutation { createArticle(input: {title: \"Embargoed until the count\", markdown: \"The result.\"}) { article { id version } } }",
)["createArticle"]["article"]
due = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=3)
scheduled = post(
    A,
    "mutation($id: ID!, $v: Int!, $at: DateTime!) { scheduleArticle(id: $id, expectedVersion: $v, publishAt: $at) { article { version status } } }",
    {"id": created["id"], "v": created["version"], "at": due.isoformat()},
)["scheduleArticle"]["article"]
if scheduled["status"] != "SCHEDULED":
    fail(f"not scheduled: {scheduled}")
until("the scheduled article published", lambda: post(C, "{ article(id: \"%s\") { status } }" % created["id"])["article"]["status"] == "PUBLISHED", 15)
time.sleep(2.5)  # every replica's scheduler has run at least twice since it came due
after = post(B, "{ article(id: \"%s\") { version status } }" % created["id"])["article"]
if after["version"] != scheduled["version"] + 1:
    fail(f"published more than once or changed meanwhile: version {scheduled['version']} -> {after['version']}")
for base in (A, B, C):
    if "Embargoed until the count" not in titles(get(base, LIST)[0]):
        fail(f"{base} does not list the published article")
print("the scheduled article was published once (version", scheduled["version"], "->", after["version"], ") and every replica lists it")

# 3. A partner key limited to 60 requests a minute gets at most 60 across the three replicas
# in a clock minute (each claims a twentieth of the limit at a time: at most two chunks, 6
# requests, may go unspent).
KEY = os.environ["BROADSHEET_CLUSTER_KEY"]
LIMIT, CHUNK = 60, 3
second = datetime.datetime.now(datetime.timezone.utc).second
if second > 40:
    time.sleep(61 - second)  # all within one clock minute
admitted = refused = 0
for n in range(2 * LIMIT):
    url = (A, B, C)[n % 3] + f"/ghost/api/content/posts/?key={KEY}&limit=1"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            r.read()
            admitted += 1
    except urllib.error.HTTPError as e:
        if e.code != 429:
            fail(f"{url}: {e.code}")
        refused += 1
if not LIMIT - 2 * CHUNK <= admitted <= LIMIT:
    fail(f"a key limited to {LIMIT} a minute was admitted {admitted} times across three replicas")
print(f"a key limited to {LIMIT} a minute: {admitted} admitted, {refused} refused across three replicas")

# 4. Webhooks: every event reaches the receiver, one replica at a time, none lost when the
# replica delivering one dies in the middle of it.
lock = threading.Lock()
arrivals = []  # (event id, peer port, started, ended or None)
hung = threading.Event()
hung_port = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        event = self.headers.get("X-Broadsheet-Event-Id")
        port = self.client_address[1]
        with lock:
            first = not arrivals
            index = len(arrivals)
            arrivals.append([event, port, time.monotonic(), None])
        if first:
            # The first delivery hangs: its sender is killed meanwhile.
            hung_port.append(port)
            hung.set()
            time.sleep(30)
            return
        time.sleep(0.2)  # long enough for another replica's duplicate to overlap, if any
        with lock:
            arrivals[index][3] = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
receiver.daemon_threads = True
threading.Thread(target=receiver.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
post(
    A,
    "mutation($url: String!) { createWebhook(input: {url: $url, secret: \"a secret of enough length\", events: [ARTICLE_UPDATED]}) { webhook { id } } }",
    {"url": hook_url},
)
ids = [n["id"] for n in get(A, LIST)[0]["data"]["articles"]["nodes"]][:4]
for n, article in enumerate(ids):
    version = post(A, "{ article(id: \"%s\") { version } }" % article)["article"]["version"]
    post(
        (A, B, C)[n % 3],
        "mutation($id: ID!, $v: Int!) { updateArticle(id: $id, expectedVersion: $v, input: {customExcerpt: \"Updated for the webhook test\"}) { article { id } } }",
        {"id": article, "v": version},
    )
if not hung.wait(20):
    fail("no webhook delivery arrived")
ours = {int(p) for p in os.environ.get("BROADSHEET_CLUSTER_PIDS", "").split()}
sockets = subprocess.run(["ss", "-Htnp", f"sport = :{hung_port[0]}"], capture_output=True, text=True).stdout
found = {int(p) for p in re.findall(r"pid=(\d+)", sockets)}
victims = found & ours
if len(victims) != 1:
    fail(f"cannot tell which replica delivers: {sockets!r} (ours: {ours})")
victim = victims.pop()
os.kill(victim, signal.SIGKILL)
killed_at = time.monotonic()
with lock:
    arrivals[0][3] = killed_at  # that attempt ended with its sender
print(f"killed replica pid {victim} in the middle of delivering event {arrivals[0][0]}")
# Four events; the one cut off is claimed again when its lease (2 x 2 s + 10 s) runs out.
deadline = time.monotonic() + 40
while time.monotonic() < deadline:
    with lock:
        done = {a[0] for a in arrivals[1:] if a[3] is not None}
    if len(done) >= 4 and arrivals[0][0] in done:
        break
    time.sleep(0.2)
with lock:
    snapshot = [list(a) for a in arrivals]
events = {a[0] for a in snapshot}
done = {a[0] for a in snapshot[1:] if a[3] is not None}
if len(events) != 4 or done != events:
    fail(f"events lost: {len(events)} arrived, {len(done)} delivered: {snapshot}")
for i, a in enumerate(snapshot):
    for b in snapshot[i + 1:]:
        if a[0] == b[0] and a[2] < (b[3] or time.monotonic()) and b[2] < (a[3] or time.monotonic()):
            fail(f"event {a[0]} was in flight twice at once: {snapshot}")
again = [a for a in snapshot[1:] if a[0] == snapshot[0][0]]
print(
    f"4 webhook events delivered, none twice at once; the one cut off was delivered again "
    f"{again[0][2] - killed_at:.1f} s after the kill with the same event id"
)
print("cluster test passed")
