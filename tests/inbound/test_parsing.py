"""Reading a raw email: what its headers and its text say, whatever the mail program wrote."""

from email.message import EmailMessage
from email.policy import SMTP

from inbound.parsing import parse


def an_email(**headers) -> EmailMessage:
    headers = {"From": "Ada <ada@example.com>", "To": "log@inbound.example.com"} | headers
    message = EmailMessage()
    message["Subject"] = "Booking"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_an_html_only_email_is_read_without_its_stylesheet_scripts_or_entities():
    message = an_email()
    message.set_content(
        "<html><head><title>Booking</title>"
        '<style type="text/css">p { color: red; }\n.x { margin: 0 }</style></head>'
        "<body><p>Don&#x27;t move Friday&#39;s booking &amp; keep the &lt;b&gt; table.</p>"
        "<SCRIPT>var tracking = 1;</SCRIPT><p>Caf&eacute;&nbsp;au lait</p></body></html>",
        subtype="html",
    )
    text = parse(message.as_bytes(policy=SMTP)).text
    assert "Don't move Friday's booking & keep the <b> table." in text
    assert "Café\xa0au lait" in text
    assert "color" not in text and "tracking" not in text and "Booking" not in text


def test_the_plain_text_is_preferred_to_the_html():
    message = an_email()
    message.set_content("Can we book for four?")
    message.add_alternative("<p>Can we book for <b>five</b>?</p>", subtype="html")
    assert parse(message.as_bytes(policy=SMTP)).text == "Can we book for four?"


def test_each_header_is_read_as_written():
    message = an_email(
        From="=?utf-8?q?Jos=C3=A9_P=C3=A9rez?= <Jose@Example.COM>",
        Cc='"Smith, Jo" <JO@example.org>, nobody',
        Date="Mon, 01 Dec 2025 10:00:00 +0100",
        In_Reply_To="<b@rapport.example>",
        References="<a@rapport.example> <b@rapport.example>",
    )
    message.set_content("Hello")
    parsed = parse(message.as_bytes(policy=SMTP))
    assert (parsed.sender_name, parsed.sender) == ("José Pérez", "jose@example.com")
    assert parsed.recipients == ["log@inbound.example.com", "jo@example.org"]
    assert parsed.references == ["<b@rapport.example>", "<a@rapport.example>"]
    assert parsed.sent_at.isoformat() == "2025-12-01T10:00:00+01:00"
    assert (parsed.subject, parsed.automatic) == ("Booking", "")


def test_the_same_headers_in_two_emails_are_read_the_same_way():
    first, second = an_email(Auto_Submitted="auto-replied"), an_email()
    for message in (first, second):
        message.set_content("Out of the office", charset="utf-8")
    assert parse(first.as_bytes(policy=SMTP)).automatic
    assert parse(second.as_bytes(policy=SMTP)).automatic == ""
    assert parse(first.as_bytes(policy=SMTP)) == parse(first.as_bytes(policy=SMTP))
