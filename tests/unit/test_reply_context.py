"""The reply in context: the author's own lines, each after the quoted lines it answers (decision 29)."""

from __future__ import annotations

import pytest

from bench import extraction as bench
from shared.mail.extract import extract
from shared.mail.limits import MAX_CONTEXT_BLOCKS, MAX_CONTEXT_CHARS, MAX_CONTEXT_QUOTE_CHARS
from shared.mail.quotes import visible_reply
from shared.mail.reply_context import ContextBlock, context_text, reply_in_context, stored_context

HEADER = "On Tue, Mar 3, 2026 at 9:15 AM Ann Lee <ann.lee@example.com> wrote:"


def in_context(text: str) -> tuple[ContextBlock, ...]:
    return reply_in_context(text, visible_reply(text))


def test_an_inline_answer_follows_the_quoted_lines_it_answers() -> None:
    text = (
        f"{HEADER}\n> Could we meet this week?\n\nThursday at ten.\n\n> And the contract?\n\nSigned.\n\n"
        "> Thanks,\n> Anna\n\n-- \nMark Stone\n"
    )
    assert visible_reply(text) == "Thursday at ten.\n\nSigned."  # the reply itself keeps own words only
    assert in_context(text) == (
        ContextBlock(True, "Could we meet this week?"),
        ContextBlock(False, "Thursday at ten."),
        ContextBlock(True, "And the contract?"),
        ContextBlock(False, "Signed."),
    )


def test_a_line_above_the_attribution_stays_first_and_the_attribution_goes() -> None:
    text = f"Answers below.\n\n{HEADER}\n> Budget?\n\nAbout 40k.\n"
    assert context_text(in_context(text)) == "Answers below.\n\n> Budget?\n\nAbout 40k."


def test_top_posting_has_no_context() -> None:
    assert in_context(f"Thursday works.\n\n{HEADER}\n> Could we meet this week?\n") == ()


def test_a_reply_below_the_whole_quoted_message_has_no_context() -> None:
    # Bottom posting answers the quoted message as a whole, which the timeline shows as its own entry.
    assert in_context(f"{HEADER}\n> Could we meet this week?\n> Anna\n\nThursday works.\n") == ()
    # ... while a signature and older history below it change nothing.
    assert in_context(f"{HEADER}\n> Could we meet?\n\nThursday works.\n\n-- \nMark\n\n{HEADER}\n> Hi\n") == ()


def test_a_quote_chosen_without_an_attribution_is_context() -> None:
    assert in_context("> Could we meet this week?\n\nThursday works.") == (
        ContextBlock(True, "Could we meet this week?"),
        ContextBlock(False, "Thursday works."),
    )


def test_a_wrapped_quoted_line_and_a_nested_quote_stay_in_the_quote() -> None:
    wrapped = (
        f"{HEADER}\n> Could you send the revised proposal with the\nupdated pricing\n> by Friday?\n\nSent.\n\n> A\n"
    )
    assert in_context(wrapped)[0] == ContextBlock(
        True, "Could you send the revised proposal with the\nupdated pricing\nby Friday?"
    )
    nested = f"{HEADER}\n> > Friday?\n> Not Friday, Monday?\n\nMonday is fine.\n\n> Anna\n"
    assert context_text(in_context(nested)) == "> > Friday?\n> Not Friday, Monday?\n\nMonday is fine."


def test_quotes_after_the_signature_delimiter_answer_nothing() -> None:
    text = "> Could we meet?\n\nYes.\n\n-- \nMark\n> an old quote\n\nfooter text\n"
    assert context_text(in_context(text)) == "> Could we meet?\n\nYes."


def test_a_body_of_nothing_but_a_quote_has_no_context() -> None:
    assert in_context("> Just a quote\n> and nothing else") == ()


def test_extraction_reads_it_from_html_and_quoted_printable_mail() -> None:
    html = (
        "<div>Answers inline.</div><div>On Tue, Ann &lt;ann@example.com&gt; wrote:</div>"
        "<blockquote><div>Could we meet &lt;b&gt;this&lt;/b&gt; week?</div></blockquote><div>Thursday.</div>"
        "<blockquote><div>Anna</div></blockquote>"
    )
    extraction = extract(_raw("text/html", html))
    assert extraction.reply_text == "Answers inline.\n\nThursday."
    # Markup the sender wrote is text, never markup, in the context as in the reply.
    assert extraction.reply_context[1] == ContextBlock(True, "Could we meet <b>this</b> week?")
    # A body still quoted-printable is decoded first, as for the reply.
    qp = "Ok.\n\n> Pourriez-vous m'envoyer la proposition r=C3=A9vis=C3=A9e avant=\n vendredi ?\n\nEnvoy=C3=A9e.\n"
    assert (
        context_text(in_context(qp))
        == "Ok.\n\n> Pourriez-vous m'envoyer la proposition révisée avant vendredi ?\n\nEnvoyée."
    )


def test_the_stored_form_keeps_a_huge_quotes_end_and_stays_bounded() -> None:
    huge = "\n".join(f"> line {n} of a very long quote" for n in range(20_000))
    text = f"{huge}\n\nMy answer to the last line.\n"
    blocks = in_context(text)
    assert blocks[-1] == ContextBlock(False, "My answer to the last line.")
    stored = stored_context(blocks)
    quote = stored[0]["text"]
    assert stored[0]["quoted"]
    assert len(quote) <= MAX_CONTEXT_QUOTE_CHARS
    assert quote.startswith("…line ")
    assert quote.endswith("line 19999 of a very long quote")
    assert stored[1] == {"quoted": False, "text": "My answer to the last line."}


def test_many_answers_are_cut_to_the_limits_ending_on_an_answer() -> None:
    text = "".join(f"> question {n} {'q' * 250}\n\nanswer {n}\n\n" for n in range(500))
    stored = stored_context(in_context(text))
    assert len(stored) <= MAX_CONTEXT_BLOCKS
    assert sum(len(block["text"]) for block in stored) <= MAX_CONTEXT_CHARS
    assert stored[0]["quoted"]
    assert not stored[-1]["quoted"]
    assert stored[-1]["text"].startswith("answer ")
    assert stored_context(()) == []


@pytest.mark.parametrize("set_name", ["multilingual", "discourse"])
def test_the_context_holds_exactly_the_replys_own_words(set_name: str) -> None:
    cases = (
        bench.load_own_quote_cases()
        if set_name == "multilingual"
        else bench.load_discourse_cases(bench.DEFAULT_CORPORA)
    )
    with_context = 0
    for case in cases:
        reply = visible_reply(case.text)
        blocks = reply_in_context(case.text, reply)
        if blocks:
            with_context += 1
            own = "\n\n".join(block.text for block in blocks if not block.quoted)
            assert bench.normalise(own) == bench.normalise(reply), case.file
            assert blocks[-1].quoted is False, case.file
    assert with_context > 0


def _raw(content_type: str, body: str) -> bytes:
    return (
        "From: Mark Stone <mark@example.org>\r\nTo: Ann Lee <ann@example.com>\r\nSubject: Re: meeting\r\n"
        "Message-ID: <m1@example.org>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}; charset=utf-8\r\n\r\n{body}"
    ).encode()
