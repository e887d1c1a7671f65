"""Extraction benchmark on the labelled corpora: quote stripping, signatures and speed.

`./rapport bench extraction [--corpora DIR] [--seconds S]` prints the result dict as the
last JSON line. Quote cases are scored exactly as the corpora README says, each set its own
figure (`quote_pass` for the upstream gold cases, `discourse_quote_pass` for Discourse's
trimmer fixtures); the baseline (email-reply-parser) is measured on the same cases in the same
run. Discourse's trimmed text is the post shown to readers, so its set is scored against the reply
in context (the quoted lines an inline answer replies to kept before it), and
`discourse_reply_only_pass` says how the reply alone scores there; the written cases that label
the context are scored on it too (`multilingual_context_pass`). `empty_reply_with_text` counts
messages of every set whose author wrote something outside quoted or forwarded blocks but whose
visible reply came back empty: it must stay 0.

Speed is read from alternating passes where two readers are compared (ours and email-reply-parser;
with `--baseline REF`, this checkout's extraction and REF's, set by set): each round gives a ratio,
and the median and spread of the ratios hold under load where absolute rates do not.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from bench import _reference as reference_code
from shared.mail.addresses import Address, parse_address_list
from shared.mail.extract import extract
from shared.mail.message import parse_message
from shared.mail.quotes import is_mobile_footer, visible_reply
from shared.mail.reply_context import context_text, reply_in_context
from shared.mail.signatures import find_signature, parse_signature

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SIGNATURE_MARK = "#sig#"
REPLY_MARK = "#reply#"
_HEADER_START = re.compile(r"^[A-Za-z-]+: ")
# A signature block the Discourse scorer removes: one opened by a delimiter (a sign-off stays).
_SIGNATURE_START = re.compile(r"^\s*(?:--\s*|_{2,}\s*)$")
# Lines no author writes as their reply: quote headers ("... wrote:"), header fields, separators.
_UNAUTHORED_LINE = re.compile(r"(?::|-{2,})$|^[-_=*~ ]{3,}|^[\w -]{1,30}:\s")


# ---- quotes ---------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """The README's comparison form: \\n line ends, no trailing spaces, blank runs folded, stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclass(frozen=True)
class QuoteCase:
    file: str
    text: str
    exact: str | None
    contains: tuple[str, ...]
    not_contains: tuple[str, ...]

    def passes(self, reply: str) -> bool:
        got = normalise(reply)
        if self.exact is not None and got != normalise(self.exact):
            return False
        if not all(re.search(pattern, got, re.MULTILINE) for pattern in self.contains):
            return False
        return not any(literal in got for literal in self.not_contains)


def load_quote_cases(corpora: Path) -> list[QuoteCase]:
    cases = []
    for line in (corpora / "quotes" / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        cases.append(
            QuoteCase(
                file=label["file"],
                text=(corpora / "quotes" / label["file"]).read_text(encoding="utf-8"),
                exact=label.get("exact"),
                contains=tuple(label.get("contains") or ()),
                not_contains=tuple(label.get("not_contains") or ()),
            )
        )
    return cases


class ScoredCase(Protocol):
    file: str
    text: str

    def passes(self, reply: str) -> bool: ...


def quote_pass(cases: Sequence[ScoredCase], parser: Callable[[str], str]) -> tuple[float, list[str]]:
    """The share of cases the parser passes, and the files of those it fails (any set)."""
    failed = [case.file for case in cases if not case.passes(_safe(parser, case.text))]
    return 1 - len(failed) / len(cases), failed


def in_context(text: str) -> str:
    """The reply in context as text, quoted lines marked "> " (the reply itself when nothing is quoted)."""
    reply = visible_reply(text)
    return context_text(reply_in_context(text, reply)) or reply


def _safe(parser: Callable[[str], str], text: str) -> str:
    try:
        return parser(text)
    except Exception:  # a crashing baseline fails the case rather than the benchmark
        return ""


@dataclass(frozen=True)
class DiscourseCase:
    """One of Discourse's email_reply_trimmer fixtures: an email and its expected trimmed reply."""

    file: str
    text: str
    trimmed: str

    def passes(self, reply: str) -> bool:
        return _folded(_without_signature(reply)) == _folded(self.trimmed)


def load_discourse_cases(corpora: Path) -> list[DiscourseCase]:
    root = corpora / "quotes" / "discourse"
    return [
        DiscourseCase(
            file=f"discourse/{email.name}",
            text=email.read_text(encoding="utf-8"),
            trimmed=(root / "trimmed" / email.name).read_text(encoding="utf-8"),
        )
        for email in sorted((root / "emails").glob("*.txt"))
        if (root / "trimmed" / email.name).exists()
    ]


def _folded(text: str) -> str:
    """The README's comparison form for the Discourse set: every whitespace run one space, stripped."""
    return " ".join(text.split())


def _without_signature(reply: str) -> str:
    """The visible reply without a signature block (a sign-off and name stay, as Discourse keeps them)."""
    block = find_signature(reply, None, history_removed=True)
    if block is None or not any(_SIGNATURE_START.match(line) for line in block.lines):
        return reply
    lines = reply.rstrip().split("\n")
    return "\n".join(lines[: len(lines) - len(block.lines)])


OWN_CASES = Path(__file__).resolve().parent / "cases"


@dataclass(frozen=True)
class OwnQuoteCase:
    """A case written here from a client's documented form: language, client, form, text, reply."""

    file: str
    text: str
    reply: str
    context: str | None = None  # the reply in context, for a case written to show it

    def passes(self, reply: str) -> bool:
        return normalise(reply) == normalise(self.reply)


def load_own_quote_cases() -> list[OwnQuoteCase]:
    cases = []
    path = OWN_CASES / "quotes_multilingual.jsonl"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        label = json.loads(line)
        name = f"multilingual/{number}:{label['language']}/{label['client']}/{label['form']}"
        cases.append(OwnQuoteCase(file=name, text=label["text"], reply=label["reply"], context=label.get("context")))
    return cases


def empty_replies_with_text(texts: Iterable[tuple[str, str]]) -> list[str]:
    """Cases whose body holds unquoted text of the author's but whose visible reply came back empty."""
    return [name for name, text in texts if has_unquoted_text(text) and not visible_reply(text).strip()]


def has_unquoted_text(text: str) -> bool:
    """A line that is neither quoted ('>'), a quote or forward header, header field, rule, nor a
    mobile footer: text someone wrote in this message."""
    return any(_is_authored(line) for line in text.replace("\r\n", "\n").split("\n"))


def _is_authored(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith(">") or not re.search(r"\w", stripped):
        return False
    return not (_UNAUTHORED_LINE.search(stripped) or is_mobile_footer(stripped))


def reply_parser_baseline(text: str) -> str:
    from email_reply_parser import EmailReplyParser

    return str(EmailReplyParser.parse_reply(text))


# ---- signatures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCase:
    file: str
    text: str
    sender: Address | None
    gold: tuple[str, ...]  # non-empty signature lines, stripped


def load_signature_cases(corpora: Path) -> list[SignatureCase]:
    root = corpora / "signatures"
    cases = []
    for body in sorted(_signature_bodies(root)):
        base = body.with_name(body.name.removesuffix("_body"))
        text, gold = _strip_marks(body.read_text(encoding="utf-8"))
        label_file = base.with_name(base.name + "_signature")
        if label_file.exists():
            gold = _signature_lines(label_file.read_text(encoding="utf-8"))
        sender = _read_sender(base.with_name(base.name + "_sender"))
        if sender is None and _HEADER_START.match(text) and "\n\n" in text:
            # A whole RFC 822 message: its From names the sender, its body holds the signature.
            message = parse_message(text.encode("utf-8"))
            text, sender = message.text, message.author
        cases.append(SignatureCase(str(body.relative_to(root)), text, sender, tuple(gold)))
    return cases


def _signature_bodies(root: Path) -> Iterable[Path]:
    for folder in sorted(p for p in root.glob("*/*") if p.is_dir() and p.name in {"P", "N", "stripped"}):
        for path in folder.iterdir():
            if not path.name.endswith(("_sender", "_signature")):
                yield path


def _strip_marks(text: str) -> tuple[str, list[str]]:
    lines, gold = [], []
    for line in text.split("\n"):
        if line.startswith(SIGNATURE_MARK):
            line = line[len(SIGNATURE_MARK) :]
            if line.strip():
                gold.append(line.strip())
        elif line.startswith(REPLY_MARK):
            line = line[len(REPLY_MARK) :]
        lines.append(line)
    return "\n".join(lines), gold


def _signature_lines(text: str) -> list[str]:
    return [s for s in (line.replace(SIGNATURE_MARK, "", 1).strip() for line in text.split("\n")) if s]


def _read_sender(path: Path) -> Address | None:
    if not path.exists():
        return None
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        return None
    parsed = parse_address_list([value]) if "@" in value else []
    # Senders given as a bare name ("Vickers, Frank") still tell whose name to look for.
    return parsed[0] if parsed else Address(email="unknown@invalid", name=value)


def signature_scores(cases: list[SignatureCase]) -> dict[str, Any]:
    true_pos = false_pos = false_neg = exact = 0
    missed: list[str] = []
    for case in cases:
        block = find_signature(case.text, case.sender)
        predicted = Counter(block.non_empty_lines() if block else [])
        gold = Counter(case.gold)
        hits = sum((predicted & gold).values())
        true_pos += hits
        false_pos += sum(predicted.values()) - hits
        false_neg += sum(gold.values()) - hits
        if predicted == gold:
            exact += 1
        else:
            missed.append(case.file)
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "signature_f1": round(f1, 4),
        "signature_precision": round(precision, 4),
        "signature_recall": round(recall, 4),
        "signature_exact": round(exact / len(cases), 4),
        "signature_cases": len(cases),
        "signature_not_exact": missed,
    }


# ---- signature fields -------------------------------------------------------------------------

SINGLE_FIELDS = ("name", "title", "company", "linkedin", "twitter", "address")
LIST_FIELDS = {"phone": "phones", "email": "emails", "url": "urls"}


@dataclass(frozen=True)
class FieldCase:
    """A signature with its fields labelled by hand (bench/cases/signature_fields.jsonl)."""

    case: str
    text: str
    sender: Address | None
    fields: dict[str, Any]


def load_field_cases(corpora: Path, signatures: list[SignatureCase]) -> list[FieldCase]:
    """Real signatures (forge, talon) are read from the corpora by name; written ones carry their text."""
    by_file = {case.file: case for case in signatures}
    cases = []
    for line in (OWN_CASES / "signature_fields.jsonl").read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        if label["origin"] == "real":
            real = by_file[label["case"]]
            cases.append(FieldCase(label["case"], real.text, real.sender, label["fields"]))
        else:
            sender = parse_address_list([label["sender"]])
            cases.append(FieldCase(label["case"], label["text"], sender[0] if sender else None, label["fields"]))
    return cases


def _field_key(value: str) -> str:
    """Fields compare without case, spacing or punctuation ("Enron NetWorks LLC" = "enron networks, llc")."""
    return re.sub(r"[\W_]+", "", value.casefold())


def _url_key(value: str) -> str:
    return _field_key(re.sub(r"^(?:https?://)?(?:www\.)?", "", value.strip().lower()).rstrip("/"))


def read_fields(case: FieldCase) -> dict[str, Any]:
    """What extraction reads: the signature found in the text, then its fields."""
    block = find_signature(case.text, case.sender)
    fields = parse_signature(block, case.sender) if block else None
    if fields is None:
        return {}
    return {
        "name": fields.name, "title": fields.title, "company": fields.company, "linkedin": fields.linkedin,
        "twitter": fields.twitter, "address": fields.address, "phones": list(fields.phones),
        "emails": list(fields.emails), "urls": list(fields.urls),
    }  # fmt: skip


def signature_field_scores(cases: list[FieldCase]) -> dict[str, Any]:
    """Per field precision, recall and F1 over the labelled signatures: a single value counts when
    equal to the label; list fields (phones, emails, links) count item by item."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in (*SINGLE_FIELDS, *LIST_FIELDS)}
    wrong: dict[str, list[str]] = {name: [] for name in counts}
    for case in cases:
        got = read_fields(case)
        for name in SINGLE_FIELDS:
            key = _url_key if name == "linkedin" else _field_key
            expected, found = case.fields.get(name), got.get(name)
            hit = bool(expected and found and key(expected) == key(found))
            counts[name].update(tp=hit, fp=bool(found) and not hit, fn=bool(expected) and not hit)
            if bool(expected or found) and not hit:
                wrong[name].append(case.case)
        for name, plural in LIST_FIELDS.items():
            key = _url_key if name == "url" else _field_key
            expected_set = {key(v) for v in case.fields.get(plural) or []}
            found_set = {key(v) for v in got.get(plural) or []}
            counts[name].update(
                tp=len(expected_set & found_set), fp=len(found_set - expected_set), fn=len(expected_set - found_set)
            )
            if expected_set != found_set:
                wrong[name].append(case.case)
    return {name: {**_prf(count), "wrong": wrong[name]} for name, count in counts.items()}


def _prf(count: Counter[str]) -> dict[str, float]:
    tp, fp, fn = count["tp"], count["fp"], count["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


# ---- speed ----------------------------------------------------------------------------------


def corpus_messages(corpora: Path, quotes: list[QuoteCase], signatures: list[SignatureCase]) -> list[bytes]:
    """Every corpus case as a raw message: the .eml files as they are, text cases wrapped in headers."""
    messages = [p.read_bytes() for p in sorted((corpora / "signatures").glob("**/*.eml"))]
    for case in quotes:
        messages.append(_wrap("Ann Example <ann@example.com>", case.text))
    for sig in signatures:
        sender = sig.sender or Address("someone@example.com")
        messages.append(_wrap(f'"{sender.name or ""}" <{sender.email}>', sig.text))
    return messages


def _wrap(sender: str, body: str) -> bytes:
    headers = (
        f"From: {sender}\r\nTo: Bob Example <bob@example.org>\r\nSubject: Re: corpus case\r\n"
        "Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <case@example.com>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return (headers + body.replace("\n", "\r\n")).encode("utf-8")


@dataclass(frozen=True)
class Speed:
    best: float  # items/s of the fastest pass: timeit's convention, least disturbed by other load
    mean: float  # items/s over all passes


def per_second(items: list[Any], work: Callable[[Any], object], seconds: float) -> Speed:
    """Items processed per second, passing over the list repeatedly for at least `seconds`."""
    for item in items:  # warm up: imports, compiled patterns, lazily built tables
        work(item)
    passes: list[float] = []
    while sum(passes) < seconds:
        started = time.perf_counter()
        for item in items:
            work(item)
        passes.append(time.perf_counter() - started)
    return Speed(best=len(items) / min(passes), mean=len(items) * len(passes) / sum(passes))


# ---- entry point ----------------------------------------------------------------------------


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="rapport bench extraction", description=__doc__)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, help="folder holding quotes/ and signatures/")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time of each speed measurement")
    parser.add_argument("--rounds", type=int, default=21, help="rounds of each measurement taken in turns")
    parser.add_argument("--pass-seconds", type=float, default=0.02, help="shortest pass of a measurement in turns")
    parser.add_argument("--baseline", metavar="REF", help="also time the extraction of this commit's shared/, in turns")
    parser.add_argument("--cold", action="store_true", help="with --baseline: empty every cache before each pass")
    args = parser.parse_args(argv)

    quotes = load_quote_cases(args.corpora)
    signatures = load_signature_cases(args.corpora)
    ours, our_failures = quote_pass(quotes, visible_reply)
    baseline, _ = quote_pass(quotes, reply_parser_baseline)
    discourse = load_discourse_cases(args.corpora)
    discourse_ours, discourse_failures = quote_pass(discourse, in_context)
    discourse_reply_only, _ = quote_pass(discourse, visible_reply)
    discourse_baseline, _ = quote_pass(discourse, reply_parser_baseline)
    field_cases = load_field_cases(args.corpora, signatures)
    own = load_own_quote_cases()
    own_ours, own_failures = quote_pass(own, visible_reply)
    own_baseline, _ = quote_pass(own, reply_parser_baseline)
    # The cases that label their context, scored on it (expected in place of the reply).
    own_context = [replace(c, reply=c.context) for c in own if c.context is not None]
    context_ours, context_failures = quote_pass(own_context, in_context)
    every_text = [(c.file, c.text) for c in quotes] + [(c.file, c.text) for c in discourse]
    every_text += [(c.file, c.text) for c in own]
    every_text += [(f"signatures/{c.file}", c.text) for c in signatures]
    empty = empty_replies_with_text(every_text)
    texts = [case.text for case in quotes]
    messages = corpus_messages(args.corpora, quotes, signatures)
    extraction = per_second(messages, extract, args.seconds)
    quotes_only = per_second(texts, visible_reply, args.seconds)
    baseline_speed = per_second(texts, reply_parser_baseline, args.seconds)
    texts_by_set = {
        "gold": texts, "discourse": [c.text for c in discourse], "multilingual": [c.text for c in own]
    }  # fmt: skip
    turns = reference_code.quote_stripping_against(reply_parser_baseline, texts_by_set, args.rounds, args.pass_seconds)
    reference = {}
    if args.baseline:
        messages_by_set = {
            "bench": messages,
            **{name: [_wrap("Ann Example <ann@example.com>", text) for text in bodies]
               for name, bodies in texts_by_set.items()},
            "signatures": corpus_messages(args.corpora, [], signatures),
        }  # fmt: skip
        reference = {
            "reference": reference_code.against_reference(
                args.baseline, messages_by_set, texts_by_set, args.rounds, args.pass_seconds, cold=args.cold
            )
        }
    return {
        "quote_pass": round(ours, 4),
        "quote_cases": len(quotes),
        "quote_failed": our_failures,
        "discourse_quote_pass": round(discourse_ours, 4),
        "discourse_reply_only_pass": round(discourse_reply_only, 4),
        "discourse_cases": len(discourse),
        "discourse_failed": discourse_failures,
        "multilingual_quote_pass": round(own_ours, 4),
        "multilingual_cases": len(own),
        "multilingual_failed": own_failures,
        "multilingual_context_pass": round(context_ours, 4),
        "multilingual_context_cases": len(own_context),
        "multilingual_context_failed": context_failures,
        "empty_reply_with_text": len(empty),
        "empty_reply_cases": empty,
        **signature_scores(signatures),
        "signature_fields": signature_field_scores(field_cases),
        "signature_fields_cases": len(field_cases),
        "emails_per_s": round(extraction.best),
        "emails_per_s_mean": round(extraction.mean),
        "emails_measured": len(messages),
        "quote_only_per_s": round(quotes_only.best),
        "baseline": {
            "name": "email-reply-parser",
            "quote_pass": round(baseline, 4),
            "discourse_quote_pass": round(discourse_baseline, 4),
            "multilingual_quote_pass": round(own_baseline, 4),
            "quote_only_per_s": round(baseline_speed.best),
            "quote_only_per_s_mean": round(baseline_speed.mean),
            # Ours against it, in alternating passes (CPU time): a ratio above 1, ours is faster.
            "quote_only_in_turns": turns,
        },
        **reference,
        "cores": 1,  # one thread, one process: extraction is single-threaded Python
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1:])))
