#!/usr/bin/python3
"""Python baseline for bench/load_tweets_bench.sh (owner: tweets).

The same job as `load_tweets --format jsonl.gz` on v1.1 archives, written the plain way: gzip +
json from the standard library, one process. Normalizes each v1.1 status by the rules of
operators/README.md (full text, "RT @user: " + full text for retweets, HTML entities decoded,
entities of the extended / retweeted tweet, ISO times), skips notices and bad lines, keeps the
earliest record per id (smallest timestamp_ms, then smallest JSON), and writes one gzip (level 1,
like load_tweets' ISA-L level 1) JSON-lines file sorted by id.

usage: load_tweets_baseline.py OUT.jsonl.gz IN.jsonl.gz...
"""
import gzip
import json
import sys
from datetime import datetime, timezone

NOTICE_KEYS = ("delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "warning",
               "disconnect", "friends", "friends_str", "event", "direct_message", "control")


def unescape(text):
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#39;", "'").replace("&apos;", "'").replace("&amp;", "&"))


def full_text(s):
    ext = s.get("extended_tweet")
    if ext and "full_text" in ext:
        return ext["full_text"]
    if "full_text" in s:
        return s["full_text"]
    return s.get("text")


def full_entities(s):
    ext = s.get("extended_tweet")
    if ext and ext.get("entities") is not None:
        return ext["entities"]
    return s.get("entities") or {}


def media_count(s):
    ext = s.get("extended_tweet")
    if ext:
        if ext.get("extended_entities") is not None:
            return len(ext["extended_entities"].get("media") or [])
        if ext.get("entities") is not None:
            return len(ext["entities"].get("media") or [])
    if s.get("extended_entities") is not None:
        return len(s["extended_entities"].get("media") or [])
    return len((s.get("entities") or {}).get("media") or [])


def timestamp_ms(s):
    if isinstance(s.get("timestamp_ms"), str) and s["timestamp_ms"].isdigit():
        return int(s["timestamp_ms"])
    t = datetime.strptime(s["created_at"], "%a %b %d %H:%M:%S %z %Y")
    return int(t.timestamp()) * 1000


def normalize(s):
    ts = timestamp_ms(s)
    user = s.get("user") or {}
    rt = s.get("retweeted_status")
    content = rt if rt and full_text(rt) is not None and (rt.get("user") or {}).get("screen_name") else s
    ents = full_entities(content)
    mentions = [m.get("screen_name") for m in ents.get("user_mentions") or []]
    if content is rt:
        text = "RT @" + rt["user"]["screen_name"] + ": " + unescape(full_text(rt))
        mentions = [rt["user"]["screen_name"]] + mentions
    else:
        text = unescape(full_text(s))
    quoted = None
    if not rt:
        quoted = s.get("quoted_status_id_str") or (s.get("quoted_status") or {}).get("id_str")
    reply = s.get("in_reply_to_status_id_str")
    coords = (s.get("coordinates") or {}).get("coordinates")
    followers = user.get("followers_count")
    return {
        "id": s["id_str"],
        "created_at": datetime.fromtimestamp(ts // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timestamp_ms": ts,
        "user_id": user.get("id_str") or None,
        "screen_name": user.get("screen_name") or None,
        "followers": followers if isinstance(followers, int) and followers >= 0 else None,
        "lang": s.get("lang") or None,
        "text": text,
        "is_retweet": rt is not None,
        "is_quote": quoted is not None,
        "is_reply": reply is not None,
        "retweeted_id": rt.get("id_str") if rt else None,
        "quoted_id": quoted,
        "in_reply_to_id": reply,
        "hashtags": [h.get("text") for h in ents.get("hashtags") or []],
        "mentions": mentions,
        "urls": [u.get("expanded_url") or u.get("url") for u in ents.get("urls") or []],
        "media_count": media_count(content),
        "coordinates": coords if coords else None,
        "place": (s.get("place") or {}).get("full_name") or None,
        "source_format": "v1",
        "retweeted_user_id": ((rt or {}).get("user") or {}).get("id_str") or None,
        "retweeted_screen_name": ((rt or {}).get("user") or {}).get("screen_name") or None,
    }


def main():
    out_path, inputs = sys.argv[1], sys.argv[2:]
    best = {}
    tweets_in = notices = bad = 0
    for path in inputs:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    s = json.loads(line)
                except ValueError:
                    bad += 1
                    continue
                if not isinstance(s, dict):
                    bad += 1
                    continue
                if any(k in s for k in NOTICE_KEYS):
                    notices += 1
                    continue
                try:
                    t = normalize(s)
                except (KeyError, TypeError, ValueError):
                    bad += 1
                    continue
                tweets_in += 1
                j = json.dumps(t, ensure_ascii=False, separators=(",", ":"))
                v = (t["timestamp_ms"], j)
                old = best.get(t["id"])
                if old is None or v < old:
                    best[t["id"]] = v
    with gzip.open(out_path, "wt", encoding="utf-8", compresslevel=1) as out:
        for tid in sorted(best, key=int):
            out.write(best[tid][1])
            out.write("\n")
    print(f"baseline: {tweets_in} tweets in, {len(best)} out, {notices} notices, {bad} bad lines",
          file=sys.stderr)


if __name__ == "__main__":
    main()
