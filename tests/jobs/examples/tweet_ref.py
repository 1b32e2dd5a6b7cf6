"""The normalized-tweet fields the example jobs use, read straight from archive files.

An independent reference for tests/jobs/examples_test: Python 3 standard library only, written
from the contract in operators/README.md ("Normalized tweet"), not from rankflow's code. It
reads what `--src` names the way a job does (every file below the folder, recursively, skipping
names that start with '_' or '.'; .gz gunzipped; one JSON document per line, a trailing '\r' and a
leading byte-order mark dropped, empty lines skipped) and yields one Tweet per tweet:

  v1.1 statuses (classic, extended_tweet, full_text), REST wrappers ({"statuses": [...]} and
  top-level arrays), Gnip activities (post / share, long_object, {"activities": [...]}), API v2
  pages ({"data": ... , "includes": ...}). Notices and bad lines give nothing.

Fields: id, ms (epoch milliseconds), screen_name, user_id, lang, retweet (bool),
rt_screen_name / rt_user_id (the retweeted tweet's author; "" when not a retweet or unknown),
mentions, urls (the normalized tweet's lists: a retweet gives the retweeted tweet's entities,
its author first among the mentions). Entities missing from a tweet are taken from its text with
a small approximation of the twitter-text rules (mentions and URLs only), enough for the test
corpora.
"""

import datetime
import gzip
import json
import os
import re

MAX_NESTED = 6  # nested statuses deeper than this are not read (operators/README.md)
NOTICE_KEYS = {"delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "warning",
               "disconnect", "friends", "friends_str", "event", "direct_message", "control",
               "info", "error", "action"}
TWEET_KEYS = {"text", "full_text", "body", "user", "actor"}


class Tweet:
    __slots__ = ("id", "ms", "screen_name", "user_id", "lang", "retweet", "rt_screen_name",
                 "rt_user_id", "mentions", "urls")

    def __init__(self):
        self.id = ""
        self.ms = 0
        self.screen_name = ""
        self.user_id = ""
        self.lang = ""
        self.retweet = False
        self.rt_screen_name = ""
        self.rt_user_id = ""
        self.mentions = []
        self.urls = []


def input_files(src):
    out = []
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if not d.startswith(("_", "."))]
        out += [os.path.join(root, f) for f in files if not f.startswith(("_", "."))]
    return sorted(out)


def lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    for raw in data.split(b"\n"):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if raw:
            yield raw


def is_decimal_id(s):
    return isinstance(s, str) and 1 <= len(s) <= 20 and s.isascii() and s.isdigit()


def trailing_id(s):
    if not isinstance(s, str):
        return ""
    tail = re.split(r"[:/]", s)[-1]
    return tail if is_decimal_id(tail) else ""


def string(v):
    return v if isinstance(v, str) else None


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def parse_time(s):
    """Epoch ms from a v1.1 date ("Tue Jul 18 23:25:04 +0000 2017") or ISO-8601; None."""
    if not isinstance(s, str):
        return None
    try:
        d = datetime.datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)", s)
        if not m:
            return None
        tz = m.group(8)
        off = 0 if tz == "Z" else (1 if tz[0] == "+" else -1) * (
            int(tz[1:3]) * 60 + int(tz[-2:]))
        try:
            d = datetime.datetime(*(int(m.group(i)) for i in range(1, 7)),
                                  tzinfo=datetime.timezone(datetime.timedelta(minutes=off)))
        except ValueError:
            return None
        frac = m.group(7)
        ms = int((frac[1:] + "000")[:3]) if frac else 0
        return int(d.timestamp()) * 1000 + ms
    return int(d.timestamp()) * 1000


def snowflake_ms(tweet_id):
    if not is_decimal_id(tweet_id) or len(tweet_id) > 19 or int(tweet_id) < 29700859247:
        return None
    return (int(tweet_id) >> 22) + 1288834974657


# --- entities ---------------------------------------------------------------------------------

def names(v, first, second):
    """["a", "b"] or [{"screen_name": "a"}, ...]: the strings, else each object's first name."""
    out = []
    if not isinstance(v, list):
        return out
    for el in v:
        if isinstance(el, str):
            out.append(el)
        elif isinstance(el, dict):
            a, b = string(el.get(first)) or "", string(el.get(second)) or ""
            if a or b:
                out.append(a or b)
    return out


class Entities:
    def __init__(self):
        self.present = False
        self.mentions = []
        self.urls = []
        self.hashtags = []

    def any(self):
        return self.present or self.mentions or self.urls or self.hashtags


def read_entities(v, e):
    if not isinstance(v, dict):
        return
    e.present = True
    for key, val in v.items():
        if key == "hashtags":
            e.hashtags = names(val, "text", "tag")
        elif key in ("user_mentions", "mentions"):
            e.mentions = names(val, "screen_name", "username")
        elif key == "urls":
            e.urls = names(val, "expanded_url", "url")


MENTION = re.compile(r"(?:^|(?<=[^A-Za-z0-9_!@＠#＃$%&*]))[@＠]([A-Za-z0-9_]{1,20})(?![@＠A-Za-z0-9_])")
URL = re.compile(r"(?:https?://)?(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/[^\s]*[^\s.,!?:;\"')\]])?",
                 re.IGNORECASE)


def from_text(text):
    """Mentions and URLs of a text (approximating twitter-text: a mention is not part of an e-mail
    address or followed by '://' ; a URL is scheme://host... or a bare host with a TLD)."""
    mentions = []
    for m in MENTION.finditer(text):
        if text.startswith("://", m.end()):
            continue
        mentions.append(m.group(1))
    urls = []
    for m in URL.finditer(text):
        s = m.start()
        if s > 0 and (text[s - 1].isalnum() or text[s - 1] in "@＠$#_./-"):
            continue
        urls.append(m.group(0))
    return mentions, urls


# --- statuses ---------------------------------------------------------------------------------

class Raw:
    """The fields of one status object (v1.1 or Gnip), read in key order; the last value wins."""

    def __init__(self, obj, depth):
        self.id_str = self.id_string = None
        self.id_number = -1
        self.created_at = self.posted_time = None
        self.timestamp_ms = -1
        self.text = self.full_text = self.body = None
        self.lang = ""
        self.user = None
        self.entities = Entities()
        self.extended = self.retweeted = self.object = None
        self.verb = ""
        self.author_id = ""
        self.referenced = []
        self.tweetish = False
        for key, v in obj.items():
            self.field(key, v, depth)

    def field(self, key, v, depth):
        if key in TWEET_KEYS:
            self.tweetish = True
        if key == "id_str":
            self.id_str = string(v) if string(v) is not None else self.id_str
        elif key == "id":
            if isinstance(v, str):
                self.id_string = v
            elif is_int(v) and 0 < v <= 2 ** 53:
                self.id_number = v
        elif key == "created_at" and isinstance(v, str):
            self.created_at = v
        elif key == "postedTime" and isinstance(v, str):
            self.posted_time = v
        elif key == "timestamp_ms":
            if isinstance(v, str):
                if is_decimal_id(v) and len(v) < 16:
                    self.timestamp_ms = int(v)
            elif is_int(v):
                self.timestamp_ms = v
        elif key in ("text", "full_text", "body"):
            setattr(self, key, string(v))
        elif key in ("lang", "twitter_lang") and isinstance(v, str):
            self.lang = v
        elif key in ("user", "actor"):
            self.user = read_user(v) if isinstance(v, dict) else self.user
        elif key in ("entities", "twitter_entities"):
            read_entities(v, self.entities)
        elif key in ("user_mentions", "mentions"):
            self.entities.mentions = names(v, "screen_name", "username")
        elif key == "urls":
            self.entities.urls = names(v, "expanded_url", "url")
        elif key == "hashtags":
            self.entities.hashtags = names(v, "text", "tag")
        elif key in ("extended_tweet", "long_object", "retweeted_status", "object"):
            nested = Raw(v, depth + 1) if isinstance(v, dict) and depth < MAX_NESTED else None
            attr = {"extended_tweet": "extended", "long_object": "extended",
                    "retweeted_status": "retweeted", "object": "object"}[key]
            setattr(self, attr, nested)
        elif key == "verb" and isinstance(v, str):
            self.verb = v
        elif key == "author_id" and isinstance(v, str):
            self.author_id = v
        elif key == "referenced_tweets" and isinstance(v, list):
            self.referenced = [(string(r.get("type")), string(r.get("id")))
                               for r in v if isinstance(r, dict)]

    def status_id(self):
        if is_decimal_id(self.id_str):
            return self.id_str
        tid = trailing_id(self.id_string)
        if not tid and self.id_number > 0:
            tid = str(self.id_number)
        return tid

    def time_ms(self, tweet_id):
        if self.timestamp_ms >= 0:
            return self.timestamp_ms
        for s in (self.created_at, self.posted_time):
            ms = parse_time(s)
            if ms is not None:
                return ms
        return snowflake_ms(tweet_id)

    def full_text_of(self):
        e = self.extended
        if e is not None:
            for t in (e.full_text, e.body, e.text):
                if t is not None:
                    return t
        for t in (self.full_text, self.text, self.body):
            if t is not None:
                return t
        return None

    def full_entities(self):
        if self.extended is not None and self.extended.entities.any():
            return self.extended.entities
        return self.entities


def read_user(obj):
    """(id, screen_name) of a v1 user, a Gnip actor or a v2 user."""
    uid, name = "", ""
    for key, v in obj.items():
        if key == "id_str":
            if is_decimal_id(v):
                uid = v
        elif key == "id":
            if isinstance(v, str):
                uid = uid or trailing_id(v)
            elif is_int(v) and 0 < v <= 2 ** 53 and not uid:
                uid = str(v)
        elif key in ("screen_name", "preferredUsername", "username") and isinstance(v, str):
            name = v
    return uid, name


def decode_html(s):
    for a, b in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&apos;", "'"),
                 ("&amp;", "&")):
        s = s.replace(a, b)
    return s


def fill_entities(t, e, text):
    if e.any():
        t.mentions, t.urls = list(e.mentions), list(e.urls)
    else:
        t.mentions, t.urls = from_text(text)


def status(raw):
    """A v1.1 status or Gnip activity -> Tweet, or None (a bad record)."""
    t = Tweet()
    t.id = raw.status_id()
    own_text = raw.full_text_of()
    if not t.id or own_text is None:
        return None
    ms = raw.time_ms(t.id)
    if ms is None or raw.user is None or raw.user == ("", ""):
        return None
    t.ms = ms
    t.user_id, t.screen_name = raw.user
    t.lang = raw.lang
    rt = raw.retweeted
    if rt is None and raw.verb == "share":
        rt = raw.object
    t.retweet = rt is not None
    rt_name = rt.user[1] if rt is not None and rt.user is not None else ""
    if rt is not None and rt.user is not None:
        t.rt_user_id, t.rt_screen_name = rt.user
    rt_text = rt.full_text_of() if rt is not None else None
    if rt_text is not None and rt_name:
        text = "RT @" + rt_name + ": " + decode_html(rt_text)
        fill_entities(t, rt.full_entities(), text)
        if rt.full_entities().any():
            t.mentions.insert(0, rt_name)
    else:
        fill_entities(t, raw.full_entities(), decode_html(own_text))
    return t


def v2_tweets(obj):
    users, tweets = {}, {}
    inc = obj.get("includes")
    if isinstance(inc, dict):
        for u in inc.get("users") or []:
            if isinstance(u, dict):
                uid, name = read_user(u)
                users.setdefault(uid, name)
        for x in inc.get("tweets") or []:
            if isinstance(x, dict):
                r = Raw(x, 0)
                if isinstance(r.id_string, str):
                    tweets.setdefault(r.id_string, r)
    data = obj["data"]
    for d in ([data] if isinstance(data, dict) else data if isinstance(data, list) else []):
        if not isinstance(d, dict):
            continue
        raw = Raw(d, 0)
        t = Tweet()
        t.id = raw.status_id()
        ms = raw.time_ms(t.id) if t.id else None
        if not t.id or ms is None or raw.text is None:
            continue
        t.ms = ms
        t.user_id = raw.author_id if is_decimal_id(raw.author_id) else ""
        t.screen_name = users.get(raw.author_id, "")
        t.lang = raw.lang
        rt_id = ""
        for kind, rid in raw.referenced:
            if kind == "retweeted" and is_decimal_id(rid):
                rt_id = rid
        t.retweet = bool(rt_id)
        rt = tweets.get(rt_id) if rt_id else None
        rt_name = users.get(rt.author_id, "") if rt is not None else ""
        if rt is not None:
            t.rt_user_id = rt.author_id if is_decimal_id(rt.author_id) else ""
            t.rt_screen_name = rt_name
        if rt is not None and rt.text is not None and rt_name:
            fill_entities(t, rt.entities, "RT @" + rt_name + ": " + decode_html(rt.text))
            if rt.entities.any():
                t.mentions.insert(0, rt_name)
        else:
            fill_entities(t, raw.entities, decode_html(raw.text))
        yield t


def tweets_of_document(doc):
    if isinstance(doc, list):
        if not all(isinstance(x, dict) for x in doc):
            return
        for x in doc:
            t = status(Raw(x, 0))
            if t is not None:
                yield t
        return
    if not isinstance(doc, dict):
        return
    if isinstance(doc.get("source_format"), str):
        raise ValueError("normalized tweets (load_tweets output) are not read by this reference")
    if "data" in doc:
        yield from v2_tweets(doc)
        return
    for key in ("statuses", "activities"):
        if key in doc:
            for x in doc[key] if isinstance(doc[key], list) else []:
                if isinstance(x, dict):
                    t = status(Raw(x, 0))
                    if t is not None:
                        yield t
            return
    if not any(k in TWEET_KEYS for k in doc):
        return
    t = status(Raw(doc, 0))
    if t is not None:
        yield t


def read_tweets(src):
    for path in input_files(src):
        for line in lines(path):
            try:
                doc = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
            yield from tweets_of_document(doc)
