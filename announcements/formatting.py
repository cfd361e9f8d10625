"""An announcement's light formatting, rendered safely: the HTML keeps only a few tags. The
plain-text email is the body as written, which reads well as it is."""

import markdown
import nh3
from django.utils.html import urlize

_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}


def body_html(text: str) -> str:
    """The body as HTML: paragraphs, emphasis, lists and links, nothing else."""
    # urlize escapes what is not a web address, so HTML typed into the body stays text.
    linked = urlize(text, nofollow=True, autoescape=True)
    rendered = markdown.markdown(linked, extensions=["nl2br", "sane_lists"])
    return nh3.clean(
        rendered,
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
