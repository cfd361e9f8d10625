"""Inbound email throughput: realistic messages stored, then filed by one worker in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/inbound.py --messages 10000

Needs a database seeded by bench/seed.py: its customers, staff and complaints are who writes
(run alone, it migrates the database first).
Builds raw RFC 5322 messages as they arrive from the internet (Received and DKIM-Signature
lines, Message-ID, Date minutes ago): most from customers' addresses (plain text with quoted
history and a signature, alone or beside an HTML part; HTML only; with a small attachment; in
Latin-1, Windows-1252, Latin-9, KOI8-R or Shift JIS), staff BCCs to one or two customers,
replies to a customer's own complaint naming "case #<id>", auto-replies (Auto-Submitted) and
mail from strangers. Stores each with inbound.storing.message_store, its enqueue a no-op (this
process is the worker), then times inbound.processing.message_process over all of them in turn,
and checks each kind ended as it should (none failed). Prints one JSON line.
Deletes what it created on the way out, and puts back the customers, cases and reminders the
filing changed, so the other figures of the bench see the seeded book. Loyalty recomputations
the filing enqueues go to an in-memory broker; no worker runs them.
``--profile N`` prints cProfile's N costliest functions of the processing to stderr.
"""

import argparse
import collections
import contextlib
import cProfile
import datetime
import email.policy
import email.utils
import io
import json
import os
import pstats
import random
import re
import sys
import time
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"

LOG_ADDRESS = "log@rapport.example"
# The share of each kind of message, in percent.
MIX = {
    "plain": 25,  # text/plain
    "alternative": 20,  # the same text beside an HTML version, as most mail clients send
    "html_only": 8,
    "attachment": 8,  # text and a small PDF, photo or spreadsheet
    "charset": 7,  # a legacy charset
    "staff_bcc": 10,  # staff writing to customers, Rapport in BCC
    "case_reply": 6,  # a customer replying about their complaint: "case #<id>" in the subject
    "auto_reply": 6,  # Auto-Submitted: auto-replied
    "unknown": 10,  # nobody Rapport knows
}
EXPECTED_STATE = {
    "staff_bcc": "filed",
    "case_reply": "filed",
    "auto_reply": "ignored",
    "unknown": "unmatched",
}  # every other kind: filed on the sender's timeline
SMTP = email.policy.SMTP
_IN_LIST = re.compile(r"IN \((?:%s, )*%s\)")
_SAVEPOINT = re.compile(r"\"s\d+_x\d+\"")
SMTP_COMPAT = email.policy.compat32.clone(linesep="\r\n")

FIRST_NAMES = ["Ada", "Grace", "Alan", "Joan", "Ravi", "Mei", "Olu", "Sofia", "Lars", "Amara"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Clarke", "Patel", "Chen", "Adeyemi", "Rossi"]
DOMAINS = ["mail.example", "post.example", "inbox.example", "corp.example", "shop.example"]
OPENERS = ["Hi {staff},", "Hello {staff},", "Dear {staff},", "Hi,", "Good morning {staff},"]
SENTENCES = [
    "Thanks for getting back to me so quickly.",
    "The order arrived yesterday but one of the boxes was damaged in transit.",
    "Could you send me a copy of invoice INV-{n}? Our accounts team cannot find it.",
    "We would like to increase our monthly order to {n} units from next month.",
    "Is there any chance the delivery could come on Thursday instead of Friday?",
    "I tried to call this morning but could not get through.",
    "Our payment of £{n}.00 went out on Monday, so it should reach you by Wednesday.",
    "Please update our billing address to {n} High Street, Leeds LS1 4AP.",
    "The new samples look great and the team is very happy with them.",
    "Can we set up a call next week to go through the renewal?",
    "I still haven't had an answer about the missing items from order #{n}.",
    "Let me know if you need anything else from our side.",
    "We're opening a second site in March and will need the same setup there.",
    "The engineer who came out on Tuesday was very helpful, please pass on our thanks.",
    "Could you confirm the price per unit for an order of {n}?",
    "Our purchase order number for this is PO-{n}.",
]
SUBJECTS = [
    "Order {n}",
    "Invoice INV-{n}",
    "Delivery next week",
    "Renewal",
    "Question about our account",
    "Missing items",
    "Price list for {year}",
    "New site",
    "Thank you",
    "Change of address",
]
CLOSINGS = ["Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Many thanks,"]
DISCLAIMER = (
    "This email and any attachments are confidential and intended solely for the addressee. "
    "If you have received it in error, please tell the sender and delete it."
)
STAFF_SENTENCES = [
    "Thanks for your time on the phone today.",
    "As promised, here are the figures we discussed.",
    "Your order has been dispatched and should arrive within two working days.",
    "I've attached nothing, but the quote stands at £{n} for the year.",
    "I'll check in again next month to see how the new setup is working.",
    "Just a reminder that your contract comes up for renewal in six weeks.",
]
# Legacy charsets and what people write in them: (charset, subject, greeting, body, closing,
# the line before the quoted history).
LEGACY = [
    (
        "iso-8859-1",
        "AW: Lieferung für Bestellung {n}",
        "Hallo {staff},",
        "vielen Dank für Ihre schnelle Antwort. Die Lieferung ist gestern angekommen, aber zwei "
        "Artikel fehlen. Könnten Sie bitte prüfen, ob sie nachgeliefert werden?",
        "Mit freundlichen Grüßen",
        "Am {date} schrieb {staff} <{staff_email}>:",
    ),
    (
        "iso-8859-1",
        "RE: Factura {n}",
        "Hola {staff},",
        "Gracias por la información. ¿Podrían enviarnos la factura de nuevo? No la encontramos "
        "en el correo de contabilidad.",
        "Saludos cordiales,",
        "El {date}, {staff} <{staff_email}> escribió:",
    ),
    (
        "windows-1252",
        "Re: Payment – invoice {n}",
        "Hi {staff},",
        "We’ve paid the €1,250 invoice today — could you confirm it’s arrived? The “late” "
        "reminder we got this morning must have crossed with it.",
        "Kind regards,",
        "On {date}, {staff} <{staff_email}> wrote:",
    ),
    (
        "iso-8859-15",
        "Re: Colis abîmé, commande {n}",
        "Bonjour {staff},",
        "Merci pour votre réponse. Le colis est arrivé abîmé ; pourriez-vous nous renvoyer les "
        "pièces ? Le montant était de 120 €.",
        "Cordialement,",
        "Le {date}, {staff} <{staff_email}> a écrit :",
    ),
    (
        "koi8-r",
        "Re: Поставка {n}",
        "Здравствуйте, {staff}!",
        "Спасибо за ответ. Подскажите, пожалуйста, когда будет следующая поставка?",
        "С уважением,",
        "{date}, {staff} <{staff_email}> пишет:",
    ),
    (
        "shift_jis",
        "Re: ご注文 {n} について",
        "{staff}様",
        "いつもお世話になっております。ご注文の件でご連絡いたしました。納期を教えていただけますでしょうか。",
        "よろしくお願いいたします。",
        "{date} {staff} <{staff_email}>:",
    ),
]
ATTACHMENTS = [
    ("invoice-{n}.pdf", "application", "pdf"),
    ("damaged-box.jpg", "image", "jpeg"),
    ("order-{n}.xlsx", "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("screenshot.png", "image", "png"),
]


# Who writes ----------------------------------------------------------------------------------
def book():
    """The seeded people mail comes from: customers (id, email), staff (name, email), and
    complaints with their customer's email."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, email FROM customers_customer "
            "WHERE email <> '' AND archived_at IS NULL ORDER BY id"
        )
        customers = cursor.fetchall()
        cursor.execute(
            "SELECT first_name || ' ' || last_name, email FROM auth_user "
            "WHERE is_active AND email LIKE '%%@bench.example' AND username LIKE 'bench-staff-%%' "
            "ORDER BY id"
        )
        staff = cursor.fetchall()
        cursor.execute(
            "SELECT c.id, cu.id, cu.email FROM interactions_complaint c "
            "JOIN customers_customer cu ON cu.id = c.customer_id "
            "WHERE cu.email <> '' AND cu.archived_at IS NULL ORDER BY c.id"
        )
        complaints = cursor.fetchall()
    if not (customers and staff and complaints):
        sys.exit(
            "bench/inbound.py needs a seeded database (customers, bench staff and complaints): "
            "run bench/seed.py --scale 0.02 (or more) on it first."
        )
    return customers, staff, complaints


# What they write -----------------------------------------------------------------------------
class Writer:
    """Builds the raw messages; ``rng`` decides everything, so a seed gives the same mail."""

    def __init__(self, rng: random.Random, token: str, now: datetime.datetime, people):
        self.rng, self.token, self.now = rng, token, now
        self.customers, self.staff, self.complaints = people
        self.count = 0

    # Pieces
    def n(self):
        return self.rng.randint(1000, 99999)

    def person(self):
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def sent_at(self):
        return self.now - datetime.timedelta(seconds=self.rng.randint(30, 90 * 60))

    def message_id(self, domain):
        self.count += 1
        return f"<{self.token}.{self.count}.{self.rng.getrandbits(32):08x}@{domain}>"

    def sentence(self, pool=SENTENCES):
        return self.rng.choice(pool).format(n=self.n())

    def paragraphs(self, pool=SENTENCES):
        return "\n\n".join(
            " ".join(self.sentence(pool) for _ in range(self.rng.randint(1, 3)))
            for _ in range(self.rng.randint(1, 4))
        )

    def signature(self, name, company):
        style = self.rng.randrange(4)
        if style == 0:
            return f"-- \n{name}\nPurchasing, {company}\nTel: +44 113 496 {self.n() % 10000:04d}"
        if style == 1:
            return f"{name}\n\nSent from my iPhone"
        if style == 2:
            return f"{name} | {company}\n{DISCLAIMER}"
        return name

    def history(self, staff_name, staff_email, subject, depth=None):
        """The quoted earlier messages, in one of the common clients' styles."""
        depth = depth if depth is not None else self.rng.randint(1, 3)
        earlier = self.now - datetime.timedelta(days=self.rng.randint(1, 20))
        text = self.paragraphs(STAFF_SENTENCES) + f"\n\n{staff_name}"
        if depth > 1:
            text += "\n\n" + self.history(staff_name, staff_email, subject, depth - 1)
        style = self.rng.randrange(3)
        if style == 0:  # Gmail
            when = earlier.strftime("%a, %d %b %Y at %H:%M")
            quoted = "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
            return f"On {when}, {staff_name} <{staff_email}> wrote:\n{quoted}"
        if style == 1:  # Outlook
            return (
                "________________________________\n"
                f"From: {staff_name} <{staff_email}>\n"
                f"Sent: {earlier.strftime('%d %B %Y %H:%M')}\n"
                f"To: {LOG_ADDRESS}\nSubject: {subject}\n\n{text}"
            )
        when = earlier.strftime("%d %b %Y, at %H:%M")  # Apple Mail
        quoted = "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
        return f"> On {when}, {staff_name} <{staff_email}> wrote:\n> \n{quoted}"

    def customer_text(self, name, company, staff_name, staff_email, subject):
        opener = self.rng.choice(OPENERS).format(staff=staff_name.split()[0])
        body = self.paragraphs()
        closing = self.rng.choice(CLOSINGS)
        text = f"{opener}\n\n{body}\n\n{closing}\n{self.signature(name, company)}"
        if self.rng.random() < 0.85:
            text += "\n\n" + self.history(staff_name, staff_email, subject)
        return text + "\n"

    @staticmethod
    def html_of(text):
        """An HTML version of a text as a mail client writes it: quoted lines as a blockquote."""
        from html import escape

        parts, quoted = [], []
        for line in text.split("\n"):
            if line.startswith(">"):
                quoted.append(escape(line.lstrip("> ")))
                continue
            parts.append(f"<div>{escape(line) or '<br>'}</div>")
        if quoted:
            parts.append(
                '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;'
                'border-left:1px #ccc solid;padding-left:1ex">'
                + "<br>".join(quoted)
                + "</blockquote>"
            )
        return (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            "<style>p{margin:0}</style></head><body>"
            '<div dir="ltr">' + "\n".join(parts) + "</div></body></html>\n"
        )

    def trace(self, domain, date):
        """The lines the sending and receiving servers add above the message."""
        stamp = email.utils.format_datetime(date)
        body_hash = self.rng.randbytes(32).hex()[:44]
        signature = " ".join(self.rng.randbytes(32).hex() for _ in range(5))
        return (
            f"Return-Path: <bounces@{domain}>\r\n"
            f"Received: from mail.{domain} (mail.{domain} [203.0.113.{self.rng.randint(1, 254)}])"
            f"\r\n\tby mx.rapport.example (Postfix) with ESMTPS id {self.n():X}\r\n"
            f"\tfor <{LOG_ADDRESS}>; {stamp}\r\n"
            f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s1;\r\n"
            f"\th=from:to:subject:date:message-id; bh={body_hash}=;\r\n"
            f"\tb={signature}\r\n"
        ).encode()

    def headers(self, message, *, sender, to, subject, domain, date, cc=(), reply=False):
        message["From"] = sender
        message["To"] = ", ".join(to)
        if cc:
            message["Cc"] = ", ".join(cc)
        message["Subject"] = subject
        message["Date"] = email.utils.format_datetime(date)
        message["Message-ID"] = self.message_id(domain)
        if reply:
            earlier = f"<{self.n()}.{self.n()}@rapport.example>"
            message["In-Reply-To"] = earlier
            message["References"] = f"<{self.n()}@rapport.example> {earlier}"
        message["MIME-Version"] = "1.0"
        message["User-Agent"] = self.rng.choice(
            ["Mozilla Thunderbird 128.3", "Microsoft Outlook 16.0", "Apple Mail (2.3774)"]
        )

    # Messages
    def from_customer(self, kind):
        """A message from a customer: (raw, customer ids it concerns)."""
        customer_id, address = self.rng.choice(self.customers)
        if self.rng.random() < 0.05:  # some clients keep the case the address was typed in
            address = address.capitalize()
        name, company = self.person(), f"Company {customer_id % 5000}"
        staff_name, staff_email = self.rng.choice(self.staff)
        date = self.sent_at()
        domain = address.rsplit("@", 1)[1]
        if kind == "charset":
            return self.legacy(name, address, staff_name, staff_email, date), [customer_id]
        subject = "Re: " + self.rng.choice(SUBJECTS).format(n=self.n(), year=date.year)
        text = self.customer_text(name, company, staff_name, staff_email, subject)
        message = EmailMessage(policy=SMTP)
        self.headers(
            message,
            sender=f'"{name}" <{address}>',
            to=[f"{staff_name} <{staff_email}>"],
            cc=[LOG_ADDRESS] if self.rng.random() < 0.5 else (),
            subject=subject,
            domain=domain,
            date=date,
            reply=True,
        )
        if kind == "html_only":
            message.set_content(self.html_of(text), subtype="html", cte="quoted-printable")
        else:
            message.set_content(text, cte=self.rng.choice([None, "quoted-printable"]))
            if kind == "alternative":
                message.add_alternative(self.html_of(text), subtype="html")
            if kind == "attachment":
                filename, maintype, subtype = self.rng.choice(ATTACHMENTS)
                message.add_attachment(
                    self.rng.randbytes(self.rng.randint(2_000, 40_000)),
                    maintype=maintype,
                    subtype=subtype,
                    filename=filename.format(n=self.n()),
                )
        return self.trace(domain, date) + message.as_bytes(policy=SMTP), [customer_id]

    def legacy(self, name, address, staff_name, staff_email, date):
        charset, subject, greeting, body, closing, quote_line = self.rng.choice(LEGACY)
        earlier = (date - datetime.timedelta(days=self.rng.randint(1, 9))).strftime(
            "%d.%m.%Y %H:%M"
        )
        history = "\n".join(f"> {line}" for line in self.paragraphs(STAFF_SENTENCES).split("\n"))
        text = (
            f"{greeting.format(staff=staff_name)}\n\n{body}\n\n{closing}\n{name}\n\n"
            f"{quote_line.format(date=earlier, staff=staff_name, staff_email=staff_email)}\n"
            f"{history}\n"
        )
        # What the charset cannot hold (a pound sign in KOI8-R) becomes "?", as old clients do.
        text = text.encode(charset, "replace").decode(charset)
        message = MIMEText(text, "plain", charset)
        message["From"] = f"{name} <{address}>"
        message["To"] = f"{staff_name} <{staff_email}>"
        message["Subject"] = Header(subject.format(n=self.n()), charset)
        message["Date"] = email.utils.format_datetime(date)
        message["Message-ID"] = self.message_id(address.rsplit("@", 1)[1])
        domain = address.rsplit("@", 1)[1]
        return self.trace(domain, date) + message.as_bytes(policy=SMTP_COMPAT)

    def case_reply(self):
        case_id, customer_id, address = self.rng.choice(self.complaints)
        name = self.person()
        staff_name, staff_email = self.rng.choice(self.staff)
        date = self.sent_at()
        subject = self.rng.choice(
            [
                f"Re: We're looking into your complaint (case #{case_id})",
                f"RE: Your case #{case_id} has been resolved",
                f"Re: Case #{case_id}",
            ]
        )
        text = (
            f"Hi,\n\n{self.rng.choice(['Thanks for the update.', 'This is still not fixed.'])} "
            f"{self.paragraphs()}\n\n{self.rng.choice(CLOSINGS)}\n{name}\n\n"
            + self.history(staff_name, staff_email, subject, depth=1)
            + "\n"
        )
        message = EmailMessage(policy=SMTP)
        domain = address.rsplit("@", 1)[1]
        self.headers(
            message,
            sender=f"{name} <{address}>",
            to=[f"Rapport <{LOG_ADDRESS}>"],
            subject=subject,
            domain=domain,
            date=date,
            reply=True,
        )
        message.set_content(text)
        return self.trace(domain, date) + message.as_bytes(policy=SMTP), [customer_id], case_id

    def staff_bcc(self):
        """A member of staff writing to one or two customers, with Rapport in BCC (so in the
        envelope only)."""
        staff_name, staff_email = self.rng.choice(self.staff)
        addressed = self.rng.sample(self.customers, 2 if self.rng.random() < 0.2 else 1)
        date = self.sent_at()
        subject = self.rng.choice(
            ["Following up on our call", "Your quote", "Order {n} dispatched", "Renewal"]
        ).format(n=self.n())
        text = (
            f"Hi {self.rng.choice(FIRST_NAMES)},\n\n{self.paragraphs(STAFF_SENTENCES)}\n\n"
            f"Best wishes,\n{staff_name}\nAccount manager, Rapport Ltd\n"
        )
        message = EmailMessage(policy=SMTP)
        self.headers(
            message,
            sender=f"{staff_name} <{staff_email}>",
            to=[address for _id, address in addressed[:1]],
            cc=[address for _id, address in addressed[1:]],
            subject=subject,
            domain="bench.example",
            date=date,
        )
        message.set_content(text)
        if self.rng.random() < 0.5:
            message.add_alternative(self.html_of(text), subtype="html")
        raw = self.trace("bench.example", date) + message.as_bytes(policy=SMTP)
        return raw, [customer_id for customer_id, _address in addressed]

    def auto_reply(self):
        if self.rng.random() < 0.8:
            customer_id, address = self.rng.choice(self.customers)
            concerns = [customer_id]
        else:
            address, concerns = f"{self.n()}@{self.rng.choice(DOMAINS)}", []
        date = self.sent_at()
        subject = self.rng.choice(["Automatic reply: ", "Out of Office: ", "Auto: "])
        subject += self.rng.choice(SUBJECTS).format(n=self.n(), year=date.year)
        back = (date + datetime.timedelta(days=self.rng.randint(2, 14))).strftime("%d %B")
        message = EmailMessage(policy=SMTP)
        domain = address.rsplit("@", 1)[1]
        self.headers(
            message,
            sender=f"{self.person()} <{address}>",
            to=[LOG_ADDRESS],
            subject=subject,
            domain=domain,
            date=date,
        )
        message["Auto-Submitted"] = "auto-replied"
        if self.rng.random() < 0.5:
            message["X-Autoreply"] = "yes"
        message.set_content(
            f"Thank you for your email. I am out of the office until {back} with limited access "
            "to email. For anything urgent please call the office on 0113 496 0000.\n"
        )
        return self.trace(domain, date) + message.as_bytes(policy=SMTP), concerns

    def unknown(self):
        name = self.person()
        domain = self.rng.choice(DOMAINS)
        address = f"{name.split()[0].lower()}.{self.n()}@{domain}"
        date = self.sent_at()
        subject = self.rng.choice(
            ["Enquiry about wholesale prices", "Partnership opportunity", "Do you ship abroad?"]
        )
        message = EmailMessage(policy=SMTP)
        self.headers(
            message,
            sender=f"{name} <{address}>",
            to=[LOG_ADDRESS],
            subject=subject,
            domain=domain,
            date=date,
        )
        message.set_content(f"Hello,\n\n{self.paragraphs()}\n\n{name}\n")
        return self.trace(domain, date) + message.as_bytes(policy=SMTP), []

    def write(self, kind):
        """(raw, customer ids it concerns, case id or None)."""
        if kind == "case_reply":
            return self.case_reply()
        if kind == "staff_bcc":
            return (*self.staff_bcc(), None)
        if kind == "auto_reply":
            return (*self.auto_reply(), None)
        if kind == "unknown":
            return (*self.unknown(), None)
        return (*self.from_customer(kind), None)


def build(count: int, rng: random.Random, token: str, people):
    """``count`` messages in a random order of the kinds in MIX: a list of (kind, raw,
    customer ids, case id)."""
    writer = Writer(rng, token, datetime.datetime.now(datetime.UTC), people)
    kinds = [kind for kind, share in MIX.items() for _ in range(round(count * share / 100))]
    kinds = (kinds + ["plain"] * count)[:count]
    rng.shuffle(kinds)
    return [(kind, *writer.write(kind)) for kind in kinds]


# Leaving the book as it was ------------------------------------------------------------------
def _created_tables():
    """The models whose new rows filing a message creates, children first."""
    from core.models import OutgoingEmail
    from customers.models import Customer
    from inbound.models import InboundMessage
    from interactions.models import Complaint, ComplaintEvent, Interaction, Reminder

    return [
        InboundMessage.interactions.through,
        InboundMessage,
        ComplaintEvent,
        Reminder,
        OutgoingEmail,
        Interaction,
        Interaction.history.model,
        Customer.history.model,
        Complaint.history.model,
    ]


class Snapshot:
    """The rows filing changes (the customers written to or about, their reminders, the cases
    replied to) copied aside, and the last id of every table it adds to; ``restore`` deletes the
    new rows and puts the copies back."""

    def __init__(self, customer_ids, case_ids):
        from django.db import connection

        from customers.models import Customer
        from interactions.models import Complaint, Reminder

        self.kept = [
            (Customer, "id", sorted(customer_ids)),
            (Complaint, "id", sorted(case_ids)),
            (Reminder, "customer_id", sorted(customer_ids)),
        ]
        self.last = {}
        with connection.cursor() as cursor:
            for model in _created_tables():
                cursor.execute(
                    f"SELECT coalesce(max({model._meta.pk.column}), 0) FROM {model._meta.db_table}"
                )
                self.last[model] = cursor.fetchone()[0]
            for model, column, ids in self.kept:
                table = model._meta.db_table
                cursor.execute(f"DROP TABLE IF EXISTS bench_kept_{table}")
                cursor.execute(
                    f"CREATE TEMP TABLE bench_kept_{table} AS "
                    f"SELECT * FROM {table} WHERE {column} = ANY(%s)",
                    [ids],
                )

    def created(self, model):
        return model._default_manager.filter(pk__gt=self.last[model])

    def restore(self):
        from django.db import connection, transaction

        from interactions import stats
        from interactions.models import Interaction

        quote = connection.ops.quote_name
        first_day = (
            self.created(Interaction)
            .order_by("occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        with transaction.atomic(), connection.cursor() as cursor:
            for model in _created_tables():
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE {model._meta.pk.column} > %s",
                    [self.last[model]],
                )
            for model, _column, _ids in self.kept:
                table = model._meta.db_table
                # The copy's own columns: the model may have a field its table lacks yet.
                cursor.execute(f"SELECT * FROM bench_kept_{table} LIMIT 0")
                columns = [c.name for c in cursor.description if c.name != "id"]
                cursor.execute(
                    f"UPDATE {table} t SET ({', '.join(quote(c) for c in columns)}) = "
                    f"({', '.join(f's.{quote(c)}' for c in columns)}) "
                    f"FROM bench_kept_{table} s WHERE t.id = s.id"
                )
                cursor.execute(f"DROP TABLE bench_kept_{table}")
        # Mail dated within the summary's closed days changed their counts: count them again.
        through = stats.counted_through()
        if first_day is not None and through is not None:
            from django.utils import timezone

            day = timezone.localdate(first_day)
            if day <= through:
                stats.recount_days(day, through)


# The measure ---------------------------------------------------------------------------------
class Meter:
    """Counts and times what filing does: every SQL statement (and with ``statements``, each
    one's total), the commits, and the steps of inbound.processing by the names it calls."""

    # (module, attribute, step): wrapped while measuring; nested steps count in both.
    STEPS = [
        ("inbound.processing", "read", "parse"),
        ("inbound.processing", "_customers", "match customers by address"),
        ("inbound.processing", "author_for", "find the author"),
        ("inbound.processing", "interaction_log", "log the interaction"),
        ("inbound.threads", "case_replied_to", "find the case replied to"),
        ("inbound.processing", "complaint_customer_replied", "put the reply on the case"),
        ("inbound.processing", "bounces_record", "read a delivery report"),
        ("voice.rescoring", "enqueue", "enqueue loyalty (in-memory broker)"),
    ]

    def __init__(self, statements=False):
        self.queries, self.sql_seconds = 0, 0.0
        self.statements = collections.Counter() if statements else None
        self.calls: collections.Counter = collections.Counter()
        self.steps: collections.Counter = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.sql_seconds += took
            if self.statements is not None:
                shape = _SAVEPOINT.sub("…", _IN_LIST.sub("IN (…)", sql))
                self.statements[shape] += took
                self.calls[shape] += 1

    def timed(self, step, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.steps[step] += time.perf_counter() - started

        return wrapper

    @contextlib.contextmanager
    def measuring(self):
        import importlib

        from django.db import connection

        with contextlib.ExitStack() as stack:
            stack.enter_context(connection.execute_wrapper(self))
            targets = [(importlib.import_module(m), name, step) for m, name, step in self.STEPS]
            targets.append((connection, "_commit", "commit"))
            for target, name, step in targets:
                original = getattr(target, name, None)
                if original is None:  # renamed since: that step goes untimed, not the bench
                    continue
                stack.enter_context(mock.patch.object(target, name, self.timed(step, original)))
            yield self


def vacuum():
    """What autovacuum would have done by now to the tables filing reads, after the rows an
    earlier job or run of the bench deleted (the digests' reminders and emails, say)."""
    from django.db import connection

    from core.models import OutgoingEmail
    from customers.models import Customer
    from interactions.models import Complaint, Reminder

    with connection.cursor() as cursor:
        for model in (Customer, Complaint, Reminder, OutgoingEmail):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def measure(count: int = 10_000, seed: int = 1, profile: int = 0) -> dict:
    """Build ``count`` messages, store them, file them one after another; the figures."""
    from inbound import storing
    from inbound.models import InboundMessage
    from inbound.processing import message_process
    from interactions.models import ComplaintEvent, Interaction

    vacuum()
    rng = random.Random(seed)
    token = f"bench-inbound-{os.getpid()}-{time.time_ns():x}"
    people = book()
    started = time.perf_counter()
    messages = build(count, rng, token, people)
    build_seconds = time.perf_counter() - started
    customer_ids = {pk for _kind, _raw, ids, _case in messages for pk in ids}
    case_ids = {case for _kind, _raw, _ids, case in messages if case is not None}
    snapshot = Snapshot(customer_ids, case_ids)
    outcomes: collections.defaultdict = collections.defaultdict(collections.Counter)
    meter = Meter(statements=bool(profile))
    profiler = cProfile.Profile() if profile else None
    try:
        # This process is the worker: storing wakes no other one.
        with mock.patch.object(storing, "enqueue", lambda task, *args: None):
            started = time.perf_counter()
            stored = []
            for kind, raw, _ids, _case in messages:
                message, new = storing.message_store(
                    raw, source="smtp", envelope_from=f"bounces@{token}", envelope_to=[LOG_ADDRESS]
                )
                assert new, message.dedupe_key
                stored.append((kind, message.pk))
            store_seconds = time.perf_counter() - started

        with meter.measuring():
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            for kind, pk in stored:
                outcomes[kind][message_process(pk)] += 1
            process_seconds = time.perf_counter() - started
            if profiler:
                profiler.disable()
        replies = snapshot.created(ComplaintEvent).filter(kind=ComplaintEvent.Kind.REPLY).count()
        interactions = snapshot.created(Interaction).count()
        failures = list(
            snapshot.created(InboundMessage)
            .filter(state=InboundMessage.State.FAILED)
            .values_list("reason", flat=True)[:5]
        )
    finally:
        snapshot.restore()

    if profiler:
        report(profiler, meter, count, profile)
    states = sum(outcomes.values(), collections.Counter())
    wrong = {
        kind: dict(by_state)
        for kind, by_state in outcomes.items()
        if set(by_state) != {EXPECTED_STATE.get(kind, "filed")}
    }
    case_replies = sum(outcomes["case_reply"].values())
    if states["failed"] or wrong or replies != case_replies:
        sys.exit(
            f"bench/inbound.py: messages not filed as expected: {wrong or dict(states)}; "
            f"{replies} of {case_replies} case replies on their case; failures: {failures}"
        )

    def ms(seconds):
        return round(seconds / count * 1000, 2)

    return {
        "inbound_messages": count,
        "inbound_mb": round(sum(len(raw) for _k, raw, _i, _c in messages) / 1024 / 1024, 1),
        "inbound_build_seconds": round(build_seconds, 1),
        "inbound_store_seconds": round(store_seconds, 1),
        "inbound_store_per_second": round(count / store_seconds, 1),
        "inbound_process_seconds": round(process_seconds, 1),
        "inbound_per_second_one_worker": round(count / process_seconds, 1),
        "inbound_under_profiler": bool(profile),
        "inbound_ms_per_message": ms(process_seconds),
        "inbound_queries_per_message": round(meter.queries / count, 1),
        # Waiting for PostgreSQL's answers to statements; commits are a step of their own.
        "inbound_sql_ms_per_message": ms(meter.sql_seconds),
        "inbound_ms_per_message_by_step": {
            step: ms(meter.steps[step]) for _m, _n, step in [*Meter.STEPS, (0, 0, "commit")]
        },
        "inbound_states": {state: states[state] for state in ("filed", "unmatched", "ignored")}
        | {"failed": states["failed"]},
        "inbound_kinds": {kind: sum(by_state.values()) for kind, by_state in outcomes.items()},
        "inbound_case_replies_on_case": replies,
        "inbound_interactions_logged": interactions,
    }


def report(profiler, meter, count, top):
    """cProfile's costliest functions, and the statements that took longest, to stderr."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue(), file=sys.stderr)
    print("Statements by total time (ms a message, runs a message, statement):", file=sys.stderr)
    for sql, seconds in meter.statements.most_common(top):
        runs = meter.calls[sql] / count
        print(f"{seconds / count * 1000:6.2f} {runs:5.2f}  {sql[:160]}", file=sys.stderr)
    print(
        "(Figures taken under cProfile, which slows Python down; run without --profile to "
        "measure.)",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    from bench.standalone import django_on_postgres

    django_on_postgres()
    print(json.dumps(measure(args.messages, args.seed, args.profile)))


if __name__ == "__main__":
    main()
