"""What a message from the public form is about, in a line: the title of its case or entry.

People open with a greeting ("Hello,", "Dear team", "Hola") and may close with thanks, so the
first line alone titled cases "Hello,". The summary is the first sentence that says something,
with any greeting in front of it dropped, cut at a word near SUMMARY_LENGTH; failing that, the
topic and the order reference. The whole message is kept as written, in the details.
"""

import re

from django.utils.text import Truncator
from django.utils.translation import gettext as _

SUMMARY_LENGTH = 120
# A greeting, alone or in front of what follows it in the same sentence.
GREETING = re.compile(
    r"^[¡¿]?(?:(?:hello|hi|hey|hiya|greetings|good\s+(?:morning|afternoon|evening|day)"
    r"|to\s+whom\s+it\s+may\s+concern|dear(?:\s+[\w'’-]+){0,3}"
    r"|hola|buen[oa]s(?:\s+(?:d[ií]as|tardes|noches))?|estimad[oa]s?(?:\s+[\w'’-]+){0,2}"
    r"|hallo|guten\s+(?:morgen|tag|abend)|(?:sehr\s+geehrte|liebe)[rs]?(?:\s+[\w'’-]+){0,3})"
    r"(?:\s+(?:there|all|team|everyone|folks))?)\b\s*[,!.:;—–-]*\s*",
    re.IGNORECASE,
)
# A sign-off says nothing on its own ("Thanks", "Kind regards").
SIGN_OFF = re.compile(
    r"(?:many\s+|kind\s+|best\s+)?(?:thanks|thank\s+you|cheers|regards|wishes|gracias|danke)"
    r"(?:\s+(?:again|in\s+advance|a\s+lot))?[\s,!.]*",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Fewer letters or digits than this is not saying anything ("Hi!", "?", "ok").
MEANINGFUL = 4


def message_summary(message: str, *, topic_label: str, order_ref: str = "") -> str:
    for sentence in SENTENCE_END.split(message):
        sentence = " ".join(GREETING.sub("", sentence.strip(), count=1).split())
        if SIGN_OFF.fullmatch(sentence):
            continue
        if sum(char.isalnum() for char in sentence) >= MEANINGFUL:
            sentence = sentence[0].upper() + sentence[1:]
            return Truncator(sentence).chars(SUMMARY_LENGTH)
    if order_ref:
        return Truncator(
            _("%(topic)s about order %(ref)s") % {"topic": topic_label, "ref": order_ref}
        ).chars(SUMMARY_LENGTH)
    return _("%(topic)s from the feedback form") % {"topic": topic_label}
