"""Comment text: the Markdown subset, and XSS attempts rendered inert (sanitised with nh3)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from loanlit.collaboration.rendering import ALLOWED_TAGS, mentioned_usernames, render


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_the_markdown_subset_renders_emphasis_lists_links_code_quotes_and_line_breaks():
    body = "**bold** *it* `code`\nnext line\n\n> quoted\n\n1. one\n2. two\n\n- a\n\n[site](https://example.com)"
    assert render(body) == (
        "<p><strong>bold</strong> <em>it</em> <code>code</code><br>\nnext line</p>\n"
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"
        "<ul>\n<li>a</li>\n</ul>\n"
        '<p><a href="https://example.com" rel="noopener noreferrer nofollow">site</a></p>'
    )


def test_headings_rules_and_images_are_not_part_of_the_subset():
    assert render("# Title\n\n---") == "<p># Title</p>\n<p>---</p>"
    assert render("![x](https://example.com/a.png)") == (
        '<p>!<a href="https://example.com/a.png" rel="noopener noreferrer nofollow">x</a></p>'
    )


@pytest.mark.parametrize(
    "attack, expected",
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("<svg onload=alert(1)>", "<p>&lt;svg onload=alert(1)&gt;</p>"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>"),
        ("[x](&#106;avascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](java&#x09;script:alert(1))", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>"),
        ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>"),
        ('![x](x" onerror="alert(1))', '<p>![x](x" onerror="alert(1))</p>'),
        ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<p>&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</p>'),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("&#60;script&#62;alert(1)&#60;/script&#62;", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[x](//evil.example/steal)", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
        (
            '[x](https://example.com"onmouseover="alert(1))',
            '<p><a href="https://example.com%22onmouseover=%22alert(1)" rel="noopener noreferrer nofollow">x</a></p>',
        ),
        ("```\n<script>alert(1)</script>\n```", "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>"),
    ],
)
def test_xss_attempts_render_inert(attack, expected):
    html = render(attack)
    assert html == expected
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") for name in attrs)
        assert not (attrs.get("href") or "").lower().startswith(("javascript", "data", "vbscript", "//"))


def test_links_get_rel_and_keep_only_allowed_schemes():
    html = render("[a](https://a.example) [b](mailto:x@example.com) [c](/cases/1/) [d](ftp://x.example/f)")
    assert html == (
        '<p><a href="https://a.example" rel="noopener noreferrer nofollow">a</a> '
        '<a href="mailto:x@example.com" rel="noopener noreferrer nofollow">b</a> '
        '<a href="/cases/1/" rel="noopener noreferrer nofollow">c</a> '
        '<a rel="noopener noreferrer nofollow">d</a></p>'
    )


def test_mentions_are_spans_only_for_allowed_users_and_never_inside_code_or_addresses():
    body = "@bob see `@carol` and mail a@bob.example, @dave."
    assert mentioned_usernames(body) == ["bob", "dave"]
    assert render(body, allowed_mentions={"bob"}) == (
        '<p><span class="mention">@bob</span> see <code>@carol</code> and mail a@bob.example, @dave.</p>'
    )


def test_a_mention_cannot_smuggle_markup():
    html = render('@bob<img src=x onerror=alert(1)> @"><script>', allowed_mentions={"bob"})
    assert html == '<p><span class="mention">@bob</span>&lt;img src=x onerror=alert(1)&gt; @"&gt;&lt;script&gt;</p>'
