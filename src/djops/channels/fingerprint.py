"""How a channel's URL is named wherever djops shows it (status, journal,
mail, errors): its scheme and a short stable fingerprint of the whole URL,
`pbul://…#3f2a`. For many Apprise schemes the host is the token (pbul://,
ntfys://, prowl://, ...), and a healthchecks ping URL is one, so nothing of
the URL beyond its scheme is ever shown."""

import hashlib
import re
import urllib.parse

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}")


def label(url: str) -> str:
    """`scheme://…#xxxx`: the same URL always gets the same label."""
    scheme, sep, _ = url.partition("://")
    shown = scheme.lower() if sep and _SCHEME.fullmatch(scheme) else "?"
    return f"{shown}://…#{digest(url)}"


def digest(url: str) -> str:
    """The first 4 hex digits of the URL's sha256."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:4]


def scrub(text: str, url: str) -> str:
    """`text` (an error's words, which may quote the URL or part of it) with
    the URL and each part of it that may be a token replaced by its label."""
    shown = label(url)
    parts = {url}
    try:
        split = urllib.parse.urlsplit(url)
        parts |= {split.netloc, split.hostname or "", split.username or "", split.password or ""}
        parts |= {split.query} | {p for p in split.path.split("/") if len(p) >= 8}
    except ValueError:
        pass
    for part in sorted((p for p in parts if len(p) >= 4), key=len, reverse=True):
        text = text.replace(part, shown)
    return text
