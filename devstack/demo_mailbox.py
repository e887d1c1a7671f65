"""A deterministic, realistic Gmail mailbox for the demo, the tests and the benchmarks.

`generate()` returns RFC 822 messages (CRLF line endings, as the Gmail API's `raw` format) plus the
ground truth they were written from: the external people, their companies and the owner's
colleagues. `DemoMailbox.write_mbox()` writes them the way Google Takeout does (`From ` separator
lines, `X-Gmail-Labels`, `X-GM-THRID`).

The mail is built from the tables in `devstack/demo_data/`, with every choice drawn from one
`random.Random(seed)`: the same arguments always give byte-identical output. It contains what real mail throws at an
extractor: threads quoted in several client styles and languages, signatures with phone numbers
in national formats, encoded-word display names, plus-aliases, group mail, non-UTF-8 charsets,
attachments, and automated mail (newsletters, notifications, auto-replies, spam) that must never
become a contact.

    python -m devstack.demo_mailbox OUT.mbox [--messages N] [--seed S] [--anchor YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import re
import sys
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from random import Random
from typing import Any, ClassVar, TypeVar

from devstack.demo_hostile import hostile_messages, injection_messages

__all__ = ["Company", "DemoMailbox", "Person", "generate", "main"]

_R = TypeVar("_R")

# ---------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    country: str


@dataclass(frozen=True)
class Person:
    """Someone who writes to the owner. `email` is the canonical (lower-case, alias-free) address;
    `addresses` are the spellings that actually appear in the mail."""

    email: str
    name: str
    title: str | None
    company: str | None
    company_domain: str | None
    phones: tuple[str, ...]  # E.164
    is_freemail: bool
    addresses: tuple[str, ...]


@dataclass
class DemoMailbox:
    owner: str
    owner_name: str
    owner_company: Company
    messages: list[bytes]  # RFC 822, CRLF line endings, oldest first
    people: list[Person]  # external correspondents (company staff and free-mail users)
    companies: list[Company]  # the external companies
    colleagues: list[Person]  # the owner's colleagues at the owner's domain

    def write_mbox(self, path: str | Path) -> None:
        """Write a Takeout-style mbox: a `From ` line before each message, LF line endings, and
        body lines starting with `From ` (or `>From `) escaped with one more `>` (mboxrd)."""
        with Path(path).open("wb") as out:
            for raw in self.messages:
                out.write(_mbox_entry(raw))


_DATE_IN_FROM_LINE = re.compile(rb"^Date: (.+?)\r?$", re.MULTILINE)
_THREAD_ID = re.compile(rb"^X-GM-THRID: (\d+)\r?$", re.MULTILINE)
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def _mbox_entry(raw: bytes) -> bytes:

    head = raw.split(b"\r\n\r\n", 1)[0]
    date_match = _DATE_IN_FROM_LINE.search(head)
    thread_match = _THREAD_ID.search(head)
    when = parsedate_to_datetime(date_match.group(1).decode()) if date_match else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    stamp = when.astimezone(dt.UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
    thread = thread_match.group(1).decode() if thread_match else "0"
    body = _FROM_LINE.sub(rb">\1", raw.replace(b"\r\n", b"\n"))
    return f"From {thread}@xxx {stamp}\n".encode() + body.rstrip(b"\n") + b"\n\n"


# ---------------------------------------------------------------------------------------------
# Tables: the names, companies, phrases and senders live in devstack/demo_data/*.toml, read once
# when this module is imported. The order of every list matters: the generator draws by index.
# ---------------------------------------------------------------------------------------------

_DATA_DIR = Path(__file__).with_name("demo_data")


def _data(name: str) -> dict[str, Any]:
    with (_DATA_DIR / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def _record(cls: type[_R], row: dict[str, Any]) -> _R:
    """A frozen record from a TOML table, its arrays as tuples."""
    return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in row.items()})


def _tuples(table: dict[str, list[Any]]) -> dict[str, tuple[Any, ...]]:
    return {key: tuple(values) for key, values in table.items()}


@dataclass(frozen=True)
class _Country:
    tz_minutes: tuple[int, ...]  # offsets east of UTC the country's senders write from
    currency: str
    languages: tuple[str, ...]  # quote-header / greeting languages its people's clients use
    phone_plans: tuple[str, ...]  # keys of _PHONE_PLANS


@dataclass(frozen=True)
class _PhonePlan:
    """A block of numbers set aside for fiction and the styles people write them in (world.toml).
    `{n}` is the subscriber suffix, `{n2}` the same split in pairs, `{area}` a US/CA area code."""

    e164: str
    digits: int
    first: int
    last: int
    styles: tuple[str, ...]


@dataclass(frozen=True)
class _Topic:
    subjects: tuple[str, ...]
    openers: tuple[str, ...]
    replies: tuple[str, ...]
    attachment: str | None = None  # key of _ATTACHMENTS a first message sometimes carries


@dataclass(frozen=True)
class _Bulk:
    display: str
    address: str
    kind: str  # "newsletter" | "notification" | "forum"
    category: str
    subjects: tuple[str, ...]
    intro: str


_WORLD = _data("world")
_COUNTRIES = {key: _record(_Country, row) for key, row in _WORLD["countries"].items()}
_PHONE_PLANS = {key: _record(_PhonePlan, row) for key, row in _WORLD["phone_plans"].items()}
_US_AREAS: tuple[str, ...] = tuple(_WORLD["us_area_codes"])
_CA_AREAS: tuple[str, ...] = tuple(_WORLD["ca_area_codes"])
_COMPANIES: tuple[tuple[str, str, str, str], ...] = tuple(  # name, domain, country, address pattern
    (row["name"], row["domain"], row["country"], row["addresses"]) for row in _WORLD["companies"]
)
_FREEMAIL: tuple[tuple[str, str], ...] = tuple((row["domain"], row["country"]) for row in _WORLD["freemail"])

_PEOPLE = _data("people")
_FIRST_NAMES: dict[str, tuple[str, ...]] = _tuples(_PEOPLE["first_names"])
_LAST_NAMES: dict[str, tuple[str, ...]] = _tuples(_PEOPLE["last_names"])
_NON_LATIN_NAMES: tuple[tuple[str, str, str], ...] = tuple(
    (row["display"], row["first"], row["last"]) for row in _PEOPLE["non_latin_names"]
)
_CULTURES_BY_COUNTRY: dict[str, tuple[str, ...]] = _tuples(_PEOPLE["cultures_by_country"])
_TITLES: tuple[str, ...] = tuple(_PEOPLE["titles"])
_FREELANCE_TITLES: tuple[str | None, ...] = tuple(title or None for title in _PEOPLE["freelance_titles"])
_OWNER_TITLE: str = _PEOPLE["owner_title"]
_COLLEAGUE_TITLES: tuple[str, ...] = tuple(_PEOPLE["colleague_titles"])
_ASCII_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "'": ""})

_CONVERSATIONS = _data("conversations")
_TOPICS = tuple(_record(_Topic, row) for row in _CONVERSATIONS["topics"])
_INTERNAL_TOPIC = _record(_Topic, _CONVERSATIONS["internal_topic"])  # mail between the owner and colleagues
_PROJECTS: tuple[str, ...] = tuple(_CONVERSATIONS["projects"])
_FEATURES: tuple[str, ...] = tuple(_CONVERSATIONS["features"])
_EVENTS: tuple[str, ...] = tuple(_CONVERSATIONS["events"])
_WEEKDAYS: tuple[str, ...] = tuple(_CONVERSATIONS["weekdays"])
_TIMES: tuple[str, ...] = tuple(_CONVERSATIONS["times"])
_GREETINGS: dict[str, tuple[str, ...]] = _tuples(_CONVERSATIONS["greetings"])
_SIGN_OFFS: dict[str, tuple[str, ...]] = _tuples(_CONVERSATIONS["sign_offs"])
_MOBILE_FOOTERS: tuple[str, ...] = tuple(_CONVERSATIONS["mobile_footers"])
_DAYS: dict[str, tuple[str, ...]] = _tuples(_CONVERSATIONS["days"])
_MONTHS: dict[str, tuple[str, ...]] = _tuples(_CONVERSATIONS["months"])
_MONTHS_EN = _MONTHS["en"]
_CLIENTS_BY_LANGUAGE: dict[str, tuple[str, ...]] = _tuples(_CONVERSATIONS["clients_by_language"])
_HTML_SHARE: dict[str, float] = _CONVERSATIONS["html_share"]

_AUTOMATED = _data("automated")
_BULK = tuple(_record(_Bulk, row) for row in _AUTOMATED["bulk"])
_SPAM: tuple[tuple[str, str, str], ...] = tuple(
    (row["display"], row["address"], row["subject"]) for row in _AUTOMATED["spam"]
)

_TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e221bc330000000049454e44ae426082"
)
_ATTACHMENTS: dict[str, tuple[str, str, str]] = {  # key -> (maintype, subtype, filename)
    "pdf": ("application", "pdf", "{slug}.pdf"),
    "csv": ("text", "csv", "sample-records.csv"),
    "ics": ("text", "calendar", "invite.ics"),
    "png": ("image", "png", "logo.png"),
}

# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------

# EmailMessage parses and re-folds every header it is given. The mailbox repeats the same From/To
# values, label sets and MIME headers thousands of times, so memoising those keeps 10,000 messages
# to seconds. The headers unique to one message are plain ASCII tokens we write already folded, so
# they are stored as given (the policy's documented path for string values) instead of parsed.
_PREFOLDED = frozenset({"message-id", "date", "in-reply-to", "references", "x-gm-thrid"})


class _MemoRegistry(HeaderRegistry):
    """The standard registry, except it builds each header class once instead of on every lookup."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[Any]] = {}

    def __getitem__(self, name: str) -> type[Any]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


class _MemoPolicy(EmailPolicy):
    _parsed: ClassVar[dict[tuple[str, str], Any]] = {}
    _folded: ClassVar[dict[tuple[str, str], bytes]] = {}

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if not isinstance(value, str):
            return super().header_store_parse(name, value)
        if name.lower() in _PREFOLDED and value.isascii():
            return (name, value)
        key = (name, value)
        hit = self._parsed.get(key)
        if hit is None:
            hit = self._parsed[key] = super().header_store_parse(name, value)[1]
        return (name, hit)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _PREFOLDED:
            return super().fold_binary(name, value)
        key = (name, str(value))
        hit = self._folded.get(key)
        if hit is None:
            hit = self._folded[key] = super().fold_binary(name, value)
        return hit

    @classmethod
    def clear_cache(cls) -> None:
        cls._parsed.clear()
        cls._folded.clear()


_POLICY = _MemoPolicy(linesep="\r\n", header_factory=_MemoRegistry())  # policy.SMTP plus memoisation


@dataclass
class _Profile:
    """How one correspondent writes: the ground truth plus the habits that shape their mail."""

    person: Person
    first: str  # what others greet them with
    address: str  # the spelling they send from
    alias: str | None  # a second spelling (plus-alias) they sometimes use
    tz: dt.timezone
    lang: str
    client: str
    signature: str
    short_signature: str
    sign_off: str
    country: str
    colleague_of_owner: bool = False
    signed_in_full: bool = False
    weight: float = 1.0


@dataclass
class _Spec:
    """One message before rendering."""

    sender: _Profile | None  # None for automated/spam senders
    from_display: str
    from_address: str
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    subject: str
    when: dt.datetime
    text: str
    thread_id: int
    message_id: str
    labels: list[str]
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    html: bool = False
    charset: str = "utf-8"
    attachment: tuple[str, str, str, bytes] | None = None


class _Generator:
    def __init__(self, owner: str, seed: int, anchor: dt.date, total: int) -> None:
        self.rng = Random(seed)
        self.owner = owner
        self.total = total
        self.end = dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=dt.UTC)
        self.start = self.end - dt.timedelta(days=365)
        self.used_addresses: set[str] = {owner.lower()}
        self.used_names: set[str] = set()
        self.used_phones: set[str] = set()
        self.specs: list[_Spec] = []
        self.owner_domain = owner.split("@", 1)[1].lower()
        self.owner_company = Company(_company_from_domain(self.owner_domain), self.owner_domain, "US")
        self.companies = [Company(n, d, c) for n, d, c, _ in _COMPANIES]
        self.owner_profile = self._owner_profile()
        self.colleagues = [self._colleague(title) for title in _COLLEAGUE_TITLES]
        self.people = self._company_people(120) + self._freemail_people(20)

    # -- people --------------------------------------------------------------------------------

    def _pick_name(self, culture: str) -> tuple[str, str, str]:
        """(display name, ascii first, ascii last), unique across the mailbox."""
        rng = self.rng
        while True:
            if rng.random() < 0.09:
                display, first, last = rng.choice(_NON_LATIN_NAMES)
            else:
                first_d, last_d = rng.choice(_FIRST_NAMES[culture]), rng.choice(_LAST_NAMES[culture])
                display, first, last = f"{first_d} {last_d}", _ascii(first_d), _ascii(last_d)
            if display not in self.used_names:
                self.used_names.add(display)
                return display, first, last

    def _unique_address(self, local: str, domain: str) -> str:
        candidate, n = f"{local}@{domain}", 2
        while candidate.lower() in self.used_addresses:
            candidate, n = f"{local}{n}@{domain}", n + 1
        self.used_addresses.add(candidate.lower())
        return candidate

    def _phones(self, country: str, count: int) -> list[tuple[str, str]]:
        """`count` distinct (E.164, as written) pairs in the country's formats."""
        rng = self.rng
        plans = _COUNTRIES[country].phone_plans
        out: list[tuple[str, str]] = []
        while len(out) < count:
            key = plans[min(len(out), len(plans) - 1)]
            plan = _PHONE_PLANS[key]
            n = str(rng.randint(plan.first, plan.last)).zfill(plan.digits)
            area = rng.choice(_CA_AREAS if key == "ca" else _US_AREAS)
            e164 = plan.e164.format(area=area, n=n)
            if e164 in self.used_phones:
                continue
            self.used_phones.add(e164)
            written = rng.choice(plan.styles).format(area=area, n=n, n2=f"{n[:2]} {n[2:]}")
            out.append((e164, written))
        return out

    def _profile(
        self,
        display: str,
        first: str,
        address: str,
        alias: str | None,
        title: str | None,
        company: Company | None,
        country: str,
        is_freemail: bool,
        phone_count: int,
    ) -> _Profile:
        rng = self.rng
        if _is_latin(display):
            first = display.split(" ")[0]  # greet Jörg as Jörg, not as the address spells him
        info = _COUNTRIES[country]
        lang = rng.choice(info.languages)
        client = rng.choice(_CLIENTS_BY_LANGUAGE[lang])
        phones = self._phones(country, phone_count)
        sign_off = rng.choice(_SIGN_OFFS[lang])
        signature, short = self._signature(display, first, title, company, phones, sign_off, address)
        person = Person(
            email=_canonical(address),
            name=display,
            title=title,
            company=company.name if company else None,
            company_domain=company.domain if company else None,
            phones=tuple(e164 for e164, _ in phones),
            is_freemail=is_freemail,
            addresses=tuple(dict.fromkeys(a for a in (address, alias) if a)),
        )
        return _Profile(
            person=person,
            first=first,
            address=address,
            alias=alias,
            tz=dt.timezone(dt.timedelta(minutes=rng.choice(info.tz_minutes))),
            lang=lang,
            client=client,
            signature=signature,
            short_signature=short,
            sign_off=sign_off,
            country=country,
            weight=rng.paretovariate(1.3),  # a few correspondents dominate, as in real inboxes
        )

    def _signature(
        self,
        display: str,
        first: str,
        title: str | None,
        company: Company | None,
        phones: list[tuple[str, str]],
        sign_off: str,
        address: str,
    ) -> tuple[str, str]:
        """(full signature block, the short form used on quick replies)."""
        rng = self.rng
        lines: list[str] = []
        # People with a non-Latin name often add its romanisation.
        romanised = _ascii(address.split("@")[0].split("+")[0].replace(".", " ").replace("_", " ")).title()
        if not _is_latin(display) and rng.random() < 0.5:
            lines.append(f"{display} ({romanised})")
        else:
            lines.append(display)
        if title and company:
            lines += [title, company.name] if rng.random() < 0.6 else [f"{title}, {company.name}"]
        elif title:
            lines.append(title)
        labels = ("T", "M") if rng.random() < 0.5 else ("Tel:", "Mobile:")
        for i, (_, written) in enumerate(phones):
            lines.append(f"{labels[min(i, 1)]} {written}" if rng.random() < 0.7 else written)
        if company and rng.random() < 0.7:
            lines.append(rng.choice((f"www.{company.domain}", f"https://{company.domain}", company.domain)))
        slug = (_ascii(display).replace(" ", "-") if _is_latin(display) else address.split("@")[0]).lower()
        if rng.random() < 0.4:
            lines.append(f"linkedin.com/in/{slug}" if rng.random() < 0.5 else f"https://www.linkedin.com/in/{slug}/")
        if rng.random() < 0.2:
            lines.append(f"Twitter: @{slug.replace('-', '').replace('.', '')[:15]}")
        block = "\n".join(lines)
        if rng.random() < 0.35:
            full = f"{sign_off}\n{first}\n\n-- \n{block}"
        elif rng.random() < 0.5:
            full = f"{sign_off}\n{block}"
        else:
            full = f"{sign_off}\n\n{block}"
        return full, f"{sign_off}\n{first}"

    def _owner_profile(self) -> _Profile:
        local = self.owner.split("@", 1)[0]
        name = " ".join(part.capitalize() for part in re.split(r"[._-]+", local) if part)
        first = name.split(" ")[0]
        profile = self._profile(name, first, self.owner, None, _OWNER_TITLE, self.owner_company, "US", False, 2)
        profile.client = "gmail"  # the product reads a Gmail account
        profile.lang = "en"
        profile.colleague_of_owner = True
        return profile

    def _colleague(self, title: str) -> _Profile:
        display, first, last = self._pick_name("en")
        address = self._unique_address(f"{first}.{last}".lower(), self.owner_domain)
        profile = self._profile(display, first, address, None, title, self.owner_company, "US", False, 1)
        profile.colleague_of_owner = True
        return profile

    def _company_people(self, count: int) -> list[_Profile]:
        rng = self.rng
        # Every company gets at least two people; the rest are spread unevenly.
        sizes = [2] * len(self.companies)
        for _ in range(count - sum(sizes)):
            sizes[rng.choices(range(len(sizes)), weights=[1 + (i % 4) for i in range(len(sizes))])[0]] += 1
        out = []
        for (_, _, country, pattern), company, size in zip(_COMPANIES, self.companies, sizes, strict=True):
            for _ in range(size):
                display, first, last = self._pick_name(rng.choice(_CULTURES_BY_COUNTRY[country]))
                local = _local_part(pattern, first, last)
                address = self._unique_address(local, company.domain)
                if rng.random() < 0.06:  # some people (or their admins) capitalise their address
                    cap_local = _local_part(pattern, first, last, capitalise=True)
                    self.used_addresses.discard(address.lower())
                    address = self._unique_address(cap_local, rng.choice((company.domain, _camel(company))))
                title = rng.choice(_TITLES)
                out.append(
                    self._profile(
                        display, first, address, None, title, company, country, False, rng.choice((0, 1, 1, 2))
                    )
                )
        return out

    def _freemail_people(self, count: int) -> list[_Profile]:
        rng = self.rng
        out = []
        for i in range(count):
            domain, country = _FREEMAIL[i % len(_FREEMAIL)]
            display, first, last = self._pick_name(rng.choice(_CULTURES_BY_COUNTRY[country]))
            local = rng.choice((f"{first}.{last}", f"{first}{last}{rng.randint(1, 99)}", f"{first[0]}{last}"))
            address = self._unique_address(local.lower(), domain)
            alias = None
            if rng.random() < 0.35:  # plus-aliases: the same person under a second spelling
                local_part, dom = address.split("@")
                alias = f"{local_part}+{rng.choice(('work', 'crm', 'news', 'biz'))}@{dom}"
            if rng.random() < 0.1:
                address = address[0].upper() + address[1:]
            title = rng.choice(_FREELANCE_TITLES)
            out.append(self._profile(display, first, address, alias, title, None, country, True, rng.choice((0, 1))))
        return out

    # -- messages ------------------------------------------------------------------------------

    def build(self) -> list[_Spec]:
        rng = self.rng
        total = self.total
        n_spam = max(3, total // 300)
        n_bulk = round(total * 0.15)
        n_group = max(2, total // 80)
        self.people_queue = list(self.people)
        rng.shuffle(self.people_queue)
        for _ in range(n_spam):
            self._spam()
        for _ in range(n_bulk):
            self._bulk()
        while len(self.specs) < total - n_group:
            self._thread(limit=total - n_group - len(self.specs))
        while len(self.specs) < total:
            self._group_mail()
        trash = rng.sample(
            [s for s in self.specs if s.sender is None and "Spam" not in s.labels], k=min(max(3, total // 300), n_bulk)
        )
        for spec in trash:
            spec.labels = ["Trash", *[label for label in spec.labels if label != "Inbox"]]
        self.specs.sort(key=lambda s: (s.when, s.message_id))
        return self.specs

    def _random_time(self) -> dt.datetime:
        # Working hours in the sender's zone would be nicer; uniform seconds keep it simple and spread.
        seconds = self.rng.randrange(int((self.end - self.start).total_seconds()) - 3600)
        return self.start + dt.timedelta(seconds=seconds)

    def _message_id(self, profile: _Profile | None, domain: str) -> str:
        rng = self.rng
        token = f"{rng.getrandbits(96):024x}"
        client = profile.client.split("_")[0] if profile else "bulk"
        if client == "gmail":
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-"
            body = "".join(rng.choice(alphabet) for _ in range(40))
            return f"<CA{body}@mail.gmail.com>"
        if client == "outlook":
            server = (
                f"{rng.choice(('AM0PR', 'DB9PR', 'BN6PR', 'SY4PR'))}{rng.randint(1, 9):02d}MB{rng.randint(1000, 9999)}"
            )
            return f"<{server}{token[:16].upper()}@{server}.prod.outlook.com>"
        if client == "apple":
            return f"<{token[:8].upper()}-{token[8:12].upper()}-{token[12:16].upper()}-{token[16:24].upper()}@{domain}>"
        return f"<{token}@{domain}>"

    def _labels_inbound(self, when: dt.datetime, personal: bool) -> list[str]:
        rng = self.rng
        labels = ["Inbox"] if rng.random() < 0.7 else []
        if rng.random() < 0.4:
            labels.append("Important")
        if rng.random() < 0.05:
            labels.append("Starred")
        if personal and rng.random() < 0.6:
            labels.append("Category Personal")
        recent = (self.end - when).days < 14
        labels.append("Unread" if (recent and rng.random() < 0.5) or rng.random() < 0.04 else "Opened")
        return labels

    def _labels_sent(self) -> list[str]:
        rng = self.rng
        labels = ["Sent"]
        if rng.random() < 0.25:
            labels.append("Important")
        if rng.random() < 0.03:
            labels.append("Starred")
        return [*labels, "Opened"]

    def _fill(self, template: str, to_first: str, counterpart: _Profile, when: dt.datetime) -> str:
        rng = self.rng
        company = counterpart.person.company or (counterpart.person.name + "'s team")
        amount = rng.choice((4800, 12000, 18500, 24000, 36000, 60000, 96000))
        invoice = f"INV-{when.year}-{rng.randint(100, 999):04d}"
        return template.format(
            first=to_first,
            company=company,
            owner_company=self.owner_company.name,
            project=rng.choice(_PROJECTS),
            weekday=rng.choice(_WEEKDAYS),
            weekday2=rng.choice(_WEEKDAYS),
            time=rng.choice(_TIMES),
            amount=_COUNTRIES[counterpart.country].currency.format(amount),
            feature=rng.choice(_FEATURES),
            event=rng.choice(_EVENTS),
            invoice=invoice,
            colleague=rng.choice(self.colleagues).first,
            month=_MONTHS_EN[(when.month + rng.randint(0, 2)) % 12],
            quarter=(when.month - 1) // 3 + 1,
            n=rng.randint(2, 250),
        )

    def _next_counterpart(self) -> _Profile:
        # Each person writes at least once (while the queue lasts), then frequent ones dominate.
        if self.people_queue:
            return self.people_queue.pop()
        return self.rng.choices(self.people, weights=[p.weight for p in self.people])[0]

    def _thread(self, limit: int) -> None:
        rng = self.rng
        internal = rng.random() < 0.1
        if internal:
            counterpart = rng.choice(self.colleagues)
            topic = _INTERNAL_TOPIC
            about = rng.choice(self.people)
        else:
            counterpart = self._next_counterpart()
            topic = rng.choice(_TOPICS)
            about = counterpart
        first_from_them = not counterpart.signed_in_full or rng.random() < 0.6
        # Others on the thread: the counterpart's colleagues and sometimes one of the owner's.
        side: list[_Profile] = []
        if not internal and counterpart.person.company and rng.random() < 0.25:
            peers = [p for p in self.people if p.person.company == counterpart.person.company and p is not counterpart]
            side += rng.sample(peers, k=min(len(peers), rng.randint(1, 2)))
        if not internal and rng.random() < 0.15:
            side.append(rng.choice(self.colleagues))
        length = min(limit, rng.choices((1, 2, 3, 4, 5, 6, 8), weights=(22, 26, 20, 13, 9, 6, 4))[0])
        when = self._random_time()
        subject = self._fill(rng.choice(topic.subjects), counterpart.first, about, when)
        thread_id = _thread_id(rng)
        sender = counterpart if first_from_them else self.owner_profile
        history: list[_Spec] = []
        written = 0
        while written < length and when < self.end:
            participants = [self.owner_profile, counterpart, *side]
            recipients = [p for p in participants if p is not sender]
            to = [recipients[0]] if sender is not self.owner_profile else [counterpart]
            cc = [p for p in recipients if p not in to]
            spec = self._conversation_message(sender, to, cc, subject, when, thread_id, topic, about, history)
            history.append(spec)
            self.specs.append(spec)
            written += 1
            if sender is self.owner_profile and not internal and written < length and rng.random() < 0.04:
                self.specs.append(self._auto_reply(counterpart, spec))
                written += 1
            # Mostly the other side answers; sometimes a cc'd person chimes in or the same side follows up.
            roll = rng.random()
            if sender is self.owner_profile:
                sender = counterpart if roll < 0.85 or not side else rng.choice(side)
            elif roll < 0.82:
                sender = self.owner_profile
            elif side:
                sender = rng.choice([counterpart, *side])
            when += dt.timedelta(minutes=int(rng.expovariate(1 / 600)) + 3)

    def _conversation_message(
        self,
        sender: _Profile,
        to: list[_Profile],
        cc: list[_Profile],
        subject: str,
        when: dt.datetime,
        thread_id: int,
        topic: _Topic,
        about: _Profile,
        history: list[_Spec],
    ) -> _Spec:
        rng = self.rng
        lang = sender.lang
        greeting = rng.choice(_GREETINGS[lang]).format(first=to[0].first)
        pool = topic.replies if history else topic.openers
        text = self._fill(rng.choice(pool), to[0].first, about, when)
        if rng.random() < 0.3:
            text += "\n\n" + self._fill(rng.choice(topic.replies), to[0].first, about, when)
        if not sender.signed_in_full or rng.random() < 0.6:
            closing = sender.signature
            sender.signed_in_full = True
        elif rng.random() < 0.5:
            closing = sender.short_signature
        else:
            closing = rng.choice(_MOBILE_FOOTERS) if sender is not self.owner_profile else sender.short_signature
        body = f"{greeting}\n\n{text}\n\n{closing}\n"
        if history:
            body = _quote(body, history[-1], sender)
        address = sender.alias if sender.alias and rng.random() < 0.4 else sender.address
        local_domain = address.split("@", 1)[1].lower()
        spec = _Spec(
            sender=sender,
            from_display=sender.person.name,
            from_address=address,
            to=[(p.person.name, p.address) for p in to],
            cc=[(p.person.name, p.address) for p in cc],
            subject=("Re: " + subject) if history else subject,
            when=when.astimezone(sender.tz),
            text=body,
            thread_id=thread_id,
            message_id=self._message_id(sender, local_domain),
            labels=self._labels_sent() if sender is self.owner_profile else self._labels_inbound(when, True),
            html=rng.random() < _HTML_SHARE[sender.client.split("_")[0]],
        )
        if history:
            spec.in_reply_to = history[-1].message_id
            spec.references = [*history[-1].references, history[-1].message_id][-10:]
        if sender.country in {"DE", "FR"} and rng.random() < 0.15:
            spec.charset = rng.choice(("iso-8859-1", "windows-1252"))
        if not history and topic.attachment and rng.random() < 0.25:
            spec.attachment = _attachment(topic.attachment, subject, when, rng)
        elif not history and rng.random() < 0.01:
            spec.attachment = _attachment("png", subject, when, rng)
        return spec

    def _auto_reply(self, person: _Profile, original: _Spec) -> _Spec:
        rng = self.rng
        when = original.when + dt.timedelta(seconds=rng.randint(5, 90))
        prefix = {"de": "Abwesenheitsnotiz: ", "fr": "Réponse automatique : "}.get(person.lang, "Automatic reply: ")
        text = (
            f"Thank you for your email. I am out of the office until {_MONTHS_EN[when.month % 12]} "
            f"{rng.randint(1, 28)} with limited access to email. For urgent matters please call our office."
            f"\n\n{person.person.name}\n"
        )
        return _Spec(
            sender=None,
            from_display=person.person.name,
            from_address=person.address,
            to=[(self.owner_profile.person.name, self.owner)],
            cc=[],
            subject=prefix + original.subject,
            when=when.astimezone(person.tz),
            text=text,
            thread_id=original.thread_id,
            message_id=self._message_id(None, person.address.split("@")[1].lower()),
            labels=self._labels_inbound(when, False),
            in_reply_to=original.message_id,
            references=[*original.references, original.message_id],
            extra_headers=[("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")],
        )

    def _bulk(self) -> None:
        rng = self.rng
        sender = rng.choice(_BULK)
        when = self._random_time()
        subject = self._fill(rng.choice(sender.subjects), "", self.owner_profile, when)
        domain = sender.address.split("@")[1]
        list_id = f"{sender.display} <{sender.address.split('@')[0]}.{domain}>"
        headers: list[tuple[str, str]] = []
        if sender.kind in {"newsletter", "forum"}:
            headers += [
                ("List-Id", list_id),
                (
                    "List-Unsubscribe",
                    f"<https://{domain}/unsubscribe?u={rng.getrandbits(48):x}>, <mailto:unsubscribe@{domain}>",
                ),
                ("Precedence", "list" if sender.kind == "forum" else "bulk"),
            ]
            if sender.kind == "newsletter":
                headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        else:
            headers.append(("Auto-Submitted", "auto-generated"))
        text = (
            f"{sender.intro}\n\n{subject}\n\nRead more: https://{domain}/p/{rng.getrandbits(32):x}\n\n"
            f"You are receiving this because you signed up at {domain}.\nUnsubscribe: https://{domain}/unsubscribe\n"
        )
        labels = ["Inbox", sender.category] if rng.random() < 0.8 else [sender.category]
        labels.append("Unread" if rng.random() < 0.45 else "Opened")
        self.specs.append(
            _Spec(
                sender=None,
                from_display=sender.display,
                from_address=sender.address,
                to=[("", self.owner)],
                cc=[],
                subject=subject,
                when=when,
                text=text,
                thread_id=_thread_id(rng),
                message_id=self._message_id(None, domain),
                labels=labels,
                extra_headers=headers,
                html=rng.random() < 0.9,
            )
        )

    def _spam(self) -> None:
        rng = self.rng
        display, address, subject = rng.choice(_SPAM)
        when = self._random_time()
        self.specs.append(
            _Spec(
                sender=None,
                from_display=display,
                from_address=address,
                to=[("", self.owner)],
                cc=[],
                subject=subject,
                when=when,
                text=f"Dear customer,\n\n{subject}. Click here to resolve: http://{address.split('@')[1]}/r\n",
                thread_id=_thread_id(rng),
                message_id=self._message_id(None, address.split("@")[1]),
                labels=["Spam", "Unread"],
                html=True,
            )
        )

    def _group_mail(self) -> None:
        """One message to 10-30 people: a customer update from the owner, or an event organiser's."""
        rng = self.rng
        crowd = rng.sample(self.people, k=rng.randint(10, 30))
        when = self._random_time()
        if rng.random() < 0.5:
            sender = self.owner_profile
            subject = f"{self.owner_company.name} customer update – {_MONTHS_EN[when.month - 1]}"
            labels = self._labels_sent()
        else:
            sender = rng.choice(self.people)
            crowd = [p for p in crowd if p is not sender]
            subject = f"{rng.choice(_EVENTS)}: agenda and dial-in"
            labels = self._labels_inbound(when, True)
            crowd.insert(rng.randrange(len(crowd) + 1), self.owner_profile)
        split = rng.randint(len(crowd) // 2, len(crowd))
        text = (
            f"Hi all,\n\nA quick update ahead of {_MONTHS_EN[when.month % 12]}: the agenda is below and the "
            f"dial-in is in the invite. Please reply to me directly with any questions.\n\n{sender.signature}\n"
        )
        self.specs.append(
            _Spec(
                sender=sender,
                from_display=sender.person.name,
                from_address=sender.address,
                to=[(p.person.name, p.address) for p in crowd[:split]],
                cc=[(p.person.name, p.address) for p in crowd[split:]],
                subject=subject,
                when=when.astimezone(sender.tz),
                text=text,
                thread_id=_thread_id(rng),
                message_id=self._message_id(sender, sender.address.split("@")[1].lower()),
                labels=labels,
                html=True,
            )
        )


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _quote(new_text: str, previous: _Spec, replier: _Profile) -> str:
    """`new_text` followed (or, for Outlook, top-posted above) the previous message, quoted the way
    the replier's client does it."""
    when = previous.when.astimezone(replier.tz)
    name, addr = previous.from_display, previous.from_address
    client = replier.client
    if client.startswith("outlook"):
        to = "; ".join(f"{n} <{a}>" if n else a for n, a in previous.to)
        sent = f"{_DAYS['en'][when.weekday()]}, {_MONTHS_EN[when.month - 1]} {when.day}, {when.year} {_clock12(when)}"
        rule = "-----Original Message-----" if client == "outlook" else "_" * 32
        header = f"{rule}\nFrom: {name} <{addr}>\nSent: {sent}\nTo: {to}\nSubject: {previous.subject}\n"
        return f"{new_text}\n{header}\n{previous.text}"
    quoted = "\n".join(
        ">" + ("" if not line or line.startswith(">") else " ") + line for line in previous.text.splitlines()
    )
    day, month = when.weekday(), when.month - 1
    hm = f"{when.hour:02d}:{when.minute:02d}"
    if client.endswith("_de"):
        attribution = f"Am {when.day:02d}.{when.month:02d}.{when.year} um {hm} schrieb {name} <{addr}>:"
    elif client.endswith("_fr"):
        attribution = (
            f"Le {_DAYS['fr'][day][:3]}. {when.day} {_MONTHS['fr'][month]} {when.year} à {hm}, "
            f"{name} <{addr}> a écrit :"
        )
    elif client == "apple":
        attribution = f"On {when.day} {_MONTHS_EN[month][:3]} {when.year}, at {hm}, {name} <{addr}> wrote:"
    elif client == "thunderbird":
        attribution = f"On {when.day:02d}/{when.month:02d}/{when.year} {hm}, {name} wrote:"
    else:  # Gmail, in US English
        attribution = (
            f"On {_DAYS['en'][day][:3]}, {_MONTHS_EN[month][:3]} {when.day}, {when.year} at {_clock12(when)} "
            f"{name} <{addr}> wrote:"
        )
    return f"{new_text}\n{attribution}\n\n{quoted}\n"


def _clock12(when: dt.datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


def _to_html(text: str) -> str:
    """A plain rendering of the text as HTML, with quoted lines in a blockquote as clients do."""
    out: list[str] = ['<div dir="ltr">']
    in_quote = False
    for line in text.splitlines():
        quoted = line.startswith(">")
        if quoted and not in_quote:
            out.append('<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid">')
        elif not quoted and in_quote:
            out.append("</blockquote>")
        in_quote = quoted
        content = line.lstrip("> ") if quoted else line
        out.append(f"{html.escape(content)}<br>")
    if in_quote:
        out.append("</blockquote>")
    out.append("</div>")
    return "\n".join(out) + "\n"


_BOUNDARY_ALTERNATIVE = "000000000000a1f3c2e05d9b7e4a60"
_BOUNDARY_MIXED = "000000000000a1f3c2e05d9b7e4a61"


def _render(spec: _Spec) -> bytes:
    msg = EmailMessage(policy=_POLICY)
    msg["X-GM-THRID"] = str(spec.thread_id)
    msg["X-Gmail-Labels"] = ",".join(spec.labels)
    msg["From"] = _address_header(spec.from_display, spec.from_address)
    if spec.to:
        msg["To"] = ", ".join(_address_header(n, a) for n, a in spec.to)
    if spec.cc:
        msg["Cc"] = ", ".join(_address_header(n, a) for n, a in spec.cc)
    msg["Subject"] = spec.subject
    msg["Date"] = format_datetime(spec.when)
    msg["Message-ID"] = spec.message_id
    if spec.in_reply_to:
        msg["In-Reply-To"] = spec.in_reply_to
        msg["References"] = "\r\n ".join(spec.references)  # one id a line, as many clients fold it
    for name, value in spec.extra_headers:
        msg[name] = value
    charset = spec.charset
    try:
        spec.text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"  # the sender's client would have fallen back too
    msg.set_content(spec.text, charset=charset)
    # Fixed boundaries (never found in the generated text) keep the output deterministic: the
    # generator would otherwise draw them from the global `random`.
    if spec.html:
        msg.make_alternative(boundary=_BOUNDARY_ALTERNATIVE)
        msg.add_alternative(_to_html(spec.text), subtype="html", charset="utf-8")
    if spec.attachment:
        maintype, subtype, filename, data = spec.attachment
        msg.make_mixed(boundary=_BOUNDARY_MIXED)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


_address_cache: dict[tuple[str, str], str] = {}


def _address_header(display: str, address: str) -> str:
    """`Name <addr>` with RFC 2047 encoded-words for non-ASCII names (the policy folds them)."""
    key = (display, address)
    hit = _address_cache.get(key)
    if hit is None:
        hit = _address_cache[key] = str(Address(display, addr_spec=address)) if display else address
    return hit


def _attachment(kind: str, subject: str, when: dt.datetime, rng: Random) -> tuple[str, str, str, bytes]:
    maintype, subtype, filename = _ATTACHMENTS[kind]
    slug = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")[:40] or "document"
    if kind == "pdf":
        data = (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
        )
    elif kind == "csv":
        rows = [f"{rng.randint(1000, 9999)},record-{i},{when.date().isoformat()}" for i in range(5)]
        data = ("id,name,created\n" + "\n".join(rows) + "\n").encode()
    elif kind == "ics":
        stamp = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        data = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rapport demo//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{rng.getrandbits(64):x}@demo\r\nDTSTAMP:{stamp}\r\nDTSTART:{stamp}\r\n"
            f"SUMMARY:{subject}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ).encode()
    else:
        data = _TINY_PNG
    return maintype, subtype, filename.format(slug=slug), data


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _thread_id(rng: Random) -> int:
    """A Gmail-like 19-digit thread id."""
    return rng.randrange(10**18, 2**63)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in " -"))


def _is_latin(text: str) -> bool:
    return all(not c.isalpha() or unicodedata.name(c, "").startswith("LATIN") for c in text)


def _canonical(address: str) -> str:
    local, domain = address.lower().split("@", 1)
    return f"{local.split('+', 1)[0]}@{domain}"


def _local_part(pattern: str, first: str, last: str, *, capitalise: bool = False) -> str:
    first_s, last_s = first.replace(" ", ""), last.replace(" ", "").replace("-", "")
    if not capitalise:
        first_s, last_s = first_s.lower(), last_s.lower()
    return {
        "first.last": f"{first_s}.{last_s}",
        "first_last": f"{first_s}_{last_s}",
        "flast": f"{first_s[0]}{last_s}",
        "f.last": f"{first_s[0]}.{last_s}",
        "first": first_s,
    }[pattern]


def _camel(company: Company) -> str:
    """The domain as some people type it in their signature settings, e.g. BrightforgeLabs.com."""
    label, _, suffix = company.domain.partition(".")
    return "-".join(part.capitalize() for part in label.split("-")) + "." + suffix


def _company_from_domain(domain: str) -> str:
    return domain.split(".", 1)[0].replace("-", " ").title()


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def generate(
    *,
    owner: str = "alex.morgan@lumenway.io",
    seed: int = 7,
    anchor: dt.date | None = None,
    messages: int = 1600,
    hostile: bool = False,
) -> DemoMailbox:
    """Build the mailbox. All dates fall in the 365 days before `anchor` (default: today, UTC).
    `hostile` adds devstack/demo_hostile.py's mail last: markup and `javascript:` links from one sender, and
    the orders to the assistant of devstack/demo_data/injections.toml."""
    if messages < 1:
        raise ValueError("messages must be positive")
    if anchor is None:
        anchor = dt.datetime.now(dt.UTC).date()
    _MemoPolicy.clear_cache()
    gen = _Generator(owner, seed, anchor, messages)
    specs = gen.build()
    rendered = [_render(spec) for spec in specs]
    _MemoPolicy.clear_cache()
    if hostile:
        rendered += hostile_messages(owner, anchor) + injection_messages(owner, anchor)
    return DemoMailbox(
        owner=owner,
        owner_name=gen.owner_profile.person.name,
        owner_company=gen.owner_company,
        messages=rendered,
        people=[p.person for p in gen.people],
        companies=list(gen.companies),
        colleagues=[p.person for p in gen.colleagues],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.demo_mailbox", description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="the mbox file to write")
    parser.add_argument("--messages", type=int, default=1600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--owner", default="alex.morgan@lumenway.io")
    parser.add_argument(
        "--hostile", action="store_true", help="add mail with markup, javascript: links and orders to the assistant"
    )
    args = parser.parse_args(argv)
    mailbox = generate(
        owner=args.owner, seed=args.seed, anchor=args.anchor, messages=args.messages, hostile=args.hostile
    )
    mailbox.write_mbox(args.out)
    print(f"wrote {len(mailbox.messages)} messages to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
