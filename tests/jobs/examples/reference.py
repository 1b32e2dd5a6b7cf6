#!/usr/bin/env python3
"""Sequential references of the four example jobs (jobs/examples/, contracts in jobs/README.md,
"Example jobs"), for tests/jobs/examples_test. Python 3 standard library only; tweets come from
tweet_ref.py, which reads the archives itself.

    reference.py EXAMPLE --src DIR --out DIR [--top N]

writes OUT/<output>.csv for each output of the example, with the header and the row order the
job's contract gives (numbers as Python's repr: shortest round-trip), and OUT/tweets.txt, the
number of tweets read (the job's manifest counter tweets_in). Exit code 2 on bad usage.
"""

import argparse
import collections
import csv
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tweet_ref  # noqa: E402


def lowercase_term(s):
    """operators/terms.h LowercaseTerm, from its description: ASCII, Latin-1 capitals
    U+00C0-U+00DE (not U+00D7), Latin Extended-A pairs (U+0130 -> i, U+0178 -> U+00FF), Greek
    U+0386-U+03AB and Cyrillic U+0400-U+042F; everything else kept."""
    out = []
    for ch in s:
        c = ord(ch)
        low = ch
        if 0x41 <= c <= 0x5A or (0xC0 <= c <= 0xDE and c != 0xD7):
            low = chr(c + 0x20)
        elif c == 0x130:
            low = "i"
        elif c == 0x178:
            low = "\u00ff"
        elif 0x100 <= c <= 0x17F or 0x386 <= c <= 0x3AB or 0x400 <= c <= 0x42F:
            low = ch.lower() if len(ch.lower()) == 1 else ch
        out.append(low)
    return "".join(out)


def utc(ms):
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)


def num(x):
    return repr(x) if isinstance(x, float) else str(x)


def retweet_graph(tweets, top):
    edges = collections.Counter()
    for t in tweets:
        if t.retweet and t.screen_name and t.rt_screen_name:
            edges[(lowercase_term(t.screen_name), lowercase_term(t.rt_screen_name))] += 1
    edge_rows = sorted(((r, a, n) for (r, a), n in edges.items()),
                       key=lambda e: (-e[2], e[0], e[1]))
    retweeters = collections.Counter()
    retweets = collections.Counter()
    for (r, a), n in edges.items():
        retweeters[a] += 1
        retweets[a] += n
    authors = sorted(((a, retweeters[a], retweets[a]) for a in retweeters),
                     key=lambda x: (-x[1], x[0]))[:top]
    return {"edges": (["retweeter", "author", "retweets"], edge_rows),
            "authors": (["author", "retweeters", "retweets"], authors)}


def lang_by_hour(tweets, top):
    counts = collections.Counter()
    for t in tweets:
        counts[(utc(t.ms).hour, t.lang or "und")] += 1
    totals = collections.Counter()
    for (hour, _), n in counts.items():
        totals[hour] += n
    rows = sorted(((h, lang, n, n / totals[h]) for (h, lang), n in counts.items()),
                  key=lambda r: (r[0], -r[2], r[1]))
    return {"shares": (["hour", "lang", "tweets", "share"], rows)}


def domain(url):
    """The web domain of a URL (jobs/README.md, top_domains): after the scheme, before the
    path, without user info and port, ASCII-lowercased, without a trailing '.' and a leading
    "www."."""
    cut = min([i for i in (url.find(c) for c in "/?#") if i >= 0], default=len(url))
    s = url.find("://")
    if s >= 0 and s < cut:
        url = url[s + 3:]
    for c in "/?#":
        url = url.split(c, 1)[0]
    url = url.rsplit("@", 1)[-1]
    if url.startswith("["):
        url = url[:url.find("]") + 1] if "]" in url else ""
    else:
        url = url.split(":", 1)[0]
    url = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in url)
    if url.endswith("."):
        url = url[:-1]
    if url.startswith("www."):
        url = url[4:]
    return url


def top_domains(tweets, top):
    counts = collections.Counter()
    for t in tweets:
        day = utc(t.ms).strftime("%Y-%m-%d")
        for u in t.urls:
            d = domain(u)
            if d:
                counts[(day, d)] += 1
    by_day = collections.defaultdict(list)
    for (day, d), n in counts.items():
        by_day[day].append((day, d, n))
    rows = []
    for day in sorted(by_day):
        rows += sorted(by_day[day], key=lambda r: (-r[2], r[1]))[:top]
    return {"domains": (["day", "domain", "links"], rows)}


def mention_ratio(tweets, top):
    mentions = collections.Counter()
    authored = collections.Counter()
    for t in tweets:
        if t.screen_name:
            authored[lowercase_term(t.screen_name)] += 1
        for m in t.mentions:
            if m:
                mentions[lowercase_term(m)] += 1
    rows = [(u, n, authored[u], n / (authored[u] + 1)) for u, n in mentions.items()]
    rows.sort(key=lambda r: (-r[3], r[0]))
    return {"ratios": (["user", "mentions", "tweets", "ratio"], rows[:top])}


EXAMPLES = {"retweet_graph": (retweet_graph, 20), "lang_by_hour": (lang_by_hour, 0),
            "top_domains": (top_domains, 10), "mention_ratio": (mention_ratio, 20)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("example", choices=sorted(EXAMPLES))
    p.add_argument("--src", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--top", type=int)
    a = p.parse_args()
    fn, default_top = EXAMPLES[a.example]
    tweets = list(tweet_ref.read_tweets(a.src))
    outputs = fn(tweets, a.top if a.top is not None else default_top)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "tweets.txt"), "w") as f:
        f.write("%d\n" % len(tweets))
    for name, (header, rows) in outputs.items():
        with open(os.path.join(a.out, name + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for r in rows:
                w.writerow([num(x) for x in r])


if __name__ == "__main__":
    main()
