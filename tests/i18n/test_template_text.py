"""No template shows words a translation cannot reach: every piece of text a person reads on a
page or in an email is inside {% translate %} or {% blocktranslate %}.

The check reads each template with Django's own lexer, drops what is not shown (tags, comments,
variables, scripts, styles, the HTML markup itself) and looks at what is left, and at the
attributes a person reads (title, alt, placeholder, aria-label, aria-description). Its false
positives, each allowed below with the reason: the product's name, codes and symbols that read
the same in every language, products' names, and code samples (in <code> and <pre>).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}
WORD = re.compile(r"[^\W\d_]{2,}")
# Words that are the same in every language Rapport speaks.
SAME_EVERYWHERE = {
    "Rapport",  # the product's name
    "CSV",
    "API",
    "URL",
    "ICS",
    "JSON",
    "PDF",
    "HTML",
    "SMTP",
    "IMAP",
    "NPS",
    "OK",
    "Bearer",  # the HTTP scheme's keyword, typed as it is
    "Authorization",  # an HTTP header's name
    "webcal",
    "https",
    "http",
    # Products named as they are sold: Google Calendar, Outlook, Apple Calendar.
    "Google",
    "Outlook",
    "Apple",
    "Calendar",
}
# Template folders whose text is not shown to people (none yet), by path prefix.
NOT_SHOWN = ()


# Elements whose text is not words to translate: scripts, styles and code samples.
UNREAD = ("script", "style", "code", "pre")


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in UNREAD:
            self.hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.text.append(value)

    def handle_endtag(self, tag):
        if tag in UNREAD and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.text.append(data)


def untranslated(source: str) -> list[str]:
    """The words of ``source`` (a template) that are outside any translation tag."""
    outside, depth_translate, depth_comment = [], 0, 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in ("blocktranslate", "blocktrans"):
                depth_translate += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                depth_translate -= 1
            elif name == "comment":
                depth_comment += 1
            elif name == "endcomment":
                depth_comment -= 1
            # Each tag is a boundary: text on either side is parsed apart.
            outside.append(" \x00 ")
        elif token.token_type == TokenType.TEXT and not (depth_translate or depth_comment):
            outside.append(token.contents)
        elif token.token_type == TokenType.VAR:
            outside.append(" \x00 ")
    parser = _Visible()
    parser.feed("".join(outside))
    parser.close()
    words = WORD.findall(" ".join(parser.text))
    return [word for word in words if word not in SAME_EVERYWHERE]


def _templates():
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in (".html", ".txt") and not str(path.relative_to(TEMPLATES)).startswith(
            NOT_SHOWN
        ):
            yield path


@pytest.mark.parametrize("path", list(_templates()), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_shown_word_is_translatable(path):
    words = untranslated(path.read_text())
    assert words == [], f"{path.relative_to(TEMPLATES)}: words outside translation tags: {words}"


def test_the_check_finds_what_it_should():
    assert untranslated("<p>Hello {{ name }}</p>") == ["Hello"]
    assert untranslated('<input placeholder="Search">') == ["Search"]
    assert untranslated("{% translate 'Hello' %} <b>{{ x }}</b>") == []
    assert untranslated("{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}") == []
    assert untranslated("<script>var words = 'x';</script>") == []
    assert untranslated("<pre><code>import hmac</code></pre>") == []
    assert untranslated("{% comment %}Notes{% endcomment %}") == []
    assert untranslated('<a class="btn btn-primary" href="/x">Rapport</a>') == []
