"""A channel's URL is shown as its scheme and a stable fingerprint, never whole."""

import hashlib

from djops.channels import chat, fingerprint


def test_a_label_is_the_scheme_and_four_hex_of_the_whole_urls_sha256():
    url = "pbul://o.TOKENtoken123/#chan"
    digest = hashlib.sha256(url.encode()).hexdigest()[:4]
    assert fingerprint.label(url) == f"pbul://…#{digest}"
    assert fingerprint.label(url) == fingerprint.label(url), "stable"
    assert fingerprint.label(url + "x") != fingerprint.label(url)
    assert "TOKEN" not in fingerprint.label(url)


def test_a_url_without_a_sane_scheme_shows_none_of_it():
    assert fingerprint.label("not a url").startswith("?://…#")
    assert fingerprint.label("t\x1bok://x").startswith("?://…#")


def test_scrub_replaces_the_url_and_its_token_parts_in_an_errors_words():
    url = "https://user:pa55word@hc-ping.com/0123456789abcdef/slug?k=v"
    text = f"failed: {url}; host hc-ping.com; key 0123456789abcdef; pa55word"
    scrubbed = fingerprint.scrub(text, url)
    for part in ("0123456789abcdef", "pa55word", "hc-ping.com"):
        assert part not in scrubbed
    assert fingerprint.label(url) in scrubbed and scrubbed.startswith("failed: ")


def test_a_chat_body_is_at_most_five_single_lines():
    body = chat.body(["a", "", "b\nc", "x" * 999, "d", "e", "f"])
    assert body.split("\n") == ["a", "b c", "x" * chat.MAX_LINE, "d", "e"]
