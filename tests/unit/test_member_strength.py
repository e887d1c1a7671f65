"""Per-member strength from forward-decayed sums: the same numbers as decaying each message, trend and balance."""

from __future__ import annotations

import pytest

from shared.crm import member_strength as ms
from shared.crm.relationships import DAY_MS, decay_factor

NOW = ms.ANCHOR_MS + 700 * DAY_MS


def _sums(*tallies: ms.MemberTally) -> dict:
    total = ms.MemberTally()
    for tally in tallies:
        total.merge(tally)
    return {"sent": total.sent, "received": total.received, "copied": total.copied, "fast": total.fast}


def _tally(at_ms: int, *, sent: int = 0, received: int = 0, depth: int = 0) -> ms.MemberTally:
    tally = ms.MemberTally()
    tally.add(at_ms=at_ms, sent=sent, received=received, depth=depth, interaction_id=f"i{at_ms}")
    return tally


def test_a_forward_decayed_sum_read_now_equals_each_message_decayed_to_now():
    times = [NOW - 3 * DAY_MS, NOW - 40 * DAY_MS, NOW - 400 * DAY_MS]
    stored = sum(ms.forward_weight(t, ms.HALF_LIFE_DAYS) for t in times)
    expected = sum(decay_factor(NOW - t, ms.HALF_LIFE_DAYS) for t in times)
    assert ms.value_now(stored, NOW, ms.HALF_LIFE_DAYS) == pytest.approx(expected, rel=1e-9)


def test_a_two_way_exchange_scores_as_the_workspace_strength_does_and_one_way_mail_half():
    exchange = ms.member_score("mb", _sums(_tally(NOW, sent=1), _tally(NOW, received=1)), NOW)
    one_way = ms.member_score("mb", _sums(_tally(NOW, sent=1), _tally(NOW, sent=1)), NOW)
    assert exchange.score == 33.0  # decision 5: one fresh two-way exchange scores 33
    assert exchange.reciprocity == 1.0
    assert one_way.score == 18.1
    assert one_way.reciprocity == 0.0


def test_deeper_threads_and_direct_mail_weigh_more_than_being_copied():
    shallow = ms.member_score("mb", _sums(_tally(NOW, received=1)), NOW)
    deep = ms.member_score("mb", _sums(_tally(NOW, received=1, depth=6)), NOW)
    copied = ms.member_score("mb", _sums(_tally(NOW)), NOW)
    assert copied.score < shallow.score < deep.score


def test_silence_decays_the_score_and_turns_the_trend_to_cooling():
    sums = _sums(*(_tally(NOW - d * DAY_MS, sent=d % 2, received=1 - d % 2) for d in range(0, 60, 4)))
    today = ms.member_score("mb", sums, NOW)
    later = ms.member_score("mb", sums, NOW + 30 * DAY_MS)
    assert later.score < today.score
    assert later.trend == "cooling"
    burst = _sums(*(_tally(NOW - d * DAY_MS, received=1) for d in (0, 1, 2, 3)), _tally(NOW - 200 * DAY_MS, sent=1))
    assert ms.member_score("mb", burst, NOW).trend == "rising"


def test_update_fields_increment_and_keep_the_newest_evidence_and_a_bounded_edge_map():
    tallies = ms.ContactTallies()
    tallies.members["mb"] = _tally(NOW, received=1)
    edge = ms.EdgeTally()
    edge.add(at_ms=NOW, interaction_id="i-new")
    tallies.edges["other"] = edge
    tallies.edges["stranger"] = edge
    full = {f"c{n}": {"lastMs": 0} for n in range(ms.MAX_COOCCUR_EDGES - 1)}
    stored = {"memberStrength": {"mb": {"lastMs": NOW + 1}}, "cooccur": full}
    fields = ms.update_fields(tallies, stored, lambda v: ("inc", v), lambda v: ("max", v))
    member = fields["memberStrength"]["mb"]
    assert member["count"] == ("inc", 1)
    assert member["lastMs"] == ("max", NOW)
    assert "lastId" not in member  # older than what the contact already shows
    assert len(fields["cooccur"]) == 1  # one slot was left
    (entry,) = fields["cooccur"].values()
    assert entry["lastId"] == "i-new"
    assert entry["n"] == ("inc", 1)


def test_scores_list_members_strongest_first_and_fill_the_sortable_field():
    contact = {
        "memberStrength": {
            "weak": _sums(_tally(NOW - 90 * DAY_MS, received=1)),
            "strong": _sums(_tally(NOW, sent=1), _tally(NOW, received=1)),
        }
    }
    scores = ms.member_scores(contact, NOW)
    assert [s.mailbox_id for s in scores] == ["strong", "weak"]
    assert ms.score_fields(contact, NOW) == {"memberScores": {"strong": 33.0, "weak": scores[1].score}}
    assert ms.score_fields({}, NOW) == {}
