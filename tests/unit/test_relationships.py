"""Relationship stats as pure computation: reply times per thread, frequency, decaying strength, going cold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.crm.relationships import (
    DAY_MS,
    DEFAULT_POLICY,
    Strength,
    Touch,
    TouchRole,
    compute_stats,
    compute_strength,
    contact_moments,
    decayed_strength,
    interactions_per_period,
    reply_times,
    squash,
    touch_from_interaction,
)

HOUR = 3_600_000
NOW = 1_750_000_000_000
THEY, WE, CC = TouchRole.THEY_WROTE, TouchRole.WE_WROTE, TouchRole.COPIED


def touch(day: float, role: TouchRole, thread: str | None = "t1") -> Touch:
    return Touch(at_ms=int(NOW - day * DAY_MS), thread_id=thread, role=role)


def test_reply_times_pair_within_each_thread_and_never_across():
    touches = [
        Touch(0, "a", THEY),
        Touch(1 * HOUR, "b", WE),  # another thread: answers nothing in "a"
        Touch(3 * HOUR, "a", WE),  # we answer "a" after 3 h
        Touch(5 * HOUR, "b", THEY),  # they answer "b" after 4 h
        Touch(9 * HOUR, "a", THEY),  # they answer "a" after 6 h
    ]
    mine, theirs = reply_times(touches, max_reply_ms=30 * DAY_MS)
    assert mine == [3 * HOUR]
    assert sorted(theirs) == [4 * HOUR, 6 * HOUR]


def test_a_run_of_messages_is_one_wait_measured_from_the_first():
    touches = [Touch(0, "a", THEY), Touch(1 * HOUR, "a", THEY), Touch(2 * HOUR, "a", WE), Touch(3 * HOUR, "a", WE)]
    mine, theirs = reply_times(touches, max_reply_ms=30 * DAY_MS)
    assert mine == [2 * HOUR]  # the second message of ours answers nothing new
    assert theirs == []


def test_copies_and_replies_after_the_limit_pair_with_nothing():
    touches = [Touch(0, "a", THEY), Touch(HOUR, "a", CC), Touch(40 * DAY_MS, "a", WE), Touch(41 * DAY_MS, "a", THEY)]
    mine, theirs = reply_times(touches, max_reply_ms=30 * DAY_MS)
    assert mine == []  # 40 days later is a new conversation, not a reply
    assert theirs == [DAY_MS]


def test_average_reply_times_each_way():
    touches = [touch(10, THEY, "a"), touch(9.5, WE, "a"), touch(5, THEY, "b"), touch(4.5 - 1 / 24, WE, "b")]
    stats = compute_stats(touches, NOW)
    assert stats.my_replies == 2
    assert stats.my_reply_avg_ms == int(0.5 * DAY_MS + 0.5 * HOUR)
    assert (stats.their_replies, stats.their_reply_avg_ms) == (0, None)


def test_frequency_counts_the_last_180_days_per_30():
    touches = [touch(day, THEY, None) for day in (1, 20, 50, 100, 170, 179)] + [touch(200, WE, None)]
    assert interactions_per_period(touches, NOW) == 1.0
    assert interactions_per_period([], NOW) == 0.0


def test_strength_decays_by_half_each_half_life_and_stays_within_0_and_100():
    recent = [touch(0, THEY, "a"), touch(0, WE, "a")]
    now = compute_strength(recent, NOW)
    later = compute_strength(recent, NOW + int(DEFAULT_POLICY.half_life_days * DAY_MS))
    assert later.raw == pytest.approx(now.raw / 2)
    assert 0 < later.score < now.score < 100
    assert compute_strength([touch(day, THEY, f"t{day}") for day in range(0, 400, 2)], NOW).score <= 100
    assert compute_strength([], NOW).score == 0


def test_two_way_exchanges_weigh_more_than_one_way_mail_and_copies_least():
    exchange = compute_strength([touch(1, THEY, "a"), touch(1, WE, "a")], NOW)
    one_way = compute_strength([touch(1, WE, "a"), touch(1, WE, "b")], NOW)
    copied = compute_strength([touch(1, CC, "a"), touch(1, CC, "b")], NOW)
    assert exchange.score > one_way.score > copied.score > 0


def test_decaying_a_stored_strength_equals_computing_it_later():
    touches = [touch(day, role, f"t{day // 7}") for day in range(0, 90, 3) for role in (THEY, WE)]
    stored = compute_strength(touches, NOW)
    month_later = NOW + 30 * DAY_MS
    decayed = decayed_strength(Strength.from_dict(stored.to_dict()), month_later)
    recomputed = compute_strength(touches, month_later)
    assert decayed.raw == pytest.approx(recomputed.raw)
    assert decayed.score == recomputed.score
    assert decayed.as_of_ms == month_later


def test_squash_is_monotonic_and_bounded():
    values = [squash(raw, 10.0) for raw in (0, 1, 5, 10, 50, 1000)]
    assert values == sorted(values)
    assert values[0] == 0
    assert values[-1] == 100
    assert squash(10.0, 10.0) == pytest.approx(63.2)


def test_mail_within_a_day_is_one_moment_of_contact():
    assert contact_moments([0, HOUR, 5 * HOUR, DAY_MS + HOUR, 10 * DAY_MS], DAY_MS) == [0, DAY_MS + HOUR, 10 * DAY_MS]


def test_going_cold_follows_the_contacts_own_rhythm():
    weekly = [touch(day, THEY, f"w{day}") for day in (70, 63, 56, 49, 42)]
    stats = compute_stats(weekly, NOW)
    assert stats.median_gap_ms == 7 * DAY_MS
    # 2.5 times the weekly gap (17.5 days, above the 14-day minimum) after the last mail.
    assert stats.cold_after_ms == weekly[-1].at_ms + int(2.5 * 7 * DAY_MS)
    assert stats.going_cold  # 42 days of silence against a weekly rhythm

    lively = compute_stats([touch(day, THEY, f"w{day}") for day in (21, 14, 7, 0)], NOW)
    assert not lively.going_cold


def test_quick_rhythms_get_the_minimum_allowance_and_sparse_history_never_goes_cold():
    daily = [touch(day, WE, f"d{day}") for day in (13, 12, 11, 10)]
    stats = compute_stats(daily, NOW)
    assert stats.cold_after_ms == daily[-1].at_ms + DEFAULT_POLICY.cold_min_days * DAY_MS
    assert not stats.going_cold  # 10 days silent: under the 14-day minimum despite a daily rhythm

    twice = compute_stats([touch(400, THEY), touch(300, WE)], NOW)
    assert (twice.cold_after_ms, twice.going_cold) == (None, False)


def test_an_interaction_becomes_a_touch_for_the_contact_on_it():
    occurred = datetime.fromtimestamp(NOW / 1000, UTC)
    interaction = {
        "occurredAt": occurred,
        "threadId": "t9",
        "people": [
            {"contactId": "c_a", "sent": 0, "received": 1},
            {"contactId": "c_b", "sent": 0, "received": 0},
            {"contactId": "c_c", "sent": 1, "received": 0},
            # After a merge, two addresses of one person may sit on one message.
            {"contactId": "c_c", "sent": 0, "received": 0},
        ],
    }
    assert touch_from_interaction(interaction, "c_a") == Touch(NOW, "t9", THEY)
    assert touch_from_interaction(interaction, "c_b") == Touch(NOW, "t9", CC)
    assert touch_from_interaction(interaction, "c_c") == Touch(NOW, "t9", WE)
    assert touch_from_interaction(interaction, "c_x") is None


def test_stats_become_the_contact_fields_the_web_reads():
    fields = compute_stats([touch(3, THEY, "a"), touch(2, WE, "a")], NOW).to_fields()
    assert set(fields) == {"relationship", "strength", "goingCold"}
    assert set(fields["strength"]) == {"score", "raw", "asOfMs", "halfLifeDays", "scale"}
    assert fields["strength"]["asOfMs"] == NOW
    assert fields["relationship"]["myReplyAvgMs"] == DAY_MS


def test_list_fields_are_held_only_while_they_apply():
    from google.cloud import firestore

    from shared.crm.relationships import COLD_SINCE_FIELD, RECENT_DAYS, RECENT_FIELD, list_fields

    cold_after = NOW - 3 * DAY_MS
    silent = {"lastInteractionMs": NOW - 40 * DAY_MS, "relationship": {"coldAfterMs": cold_after}}
    # Decay turns them cold: the stored threshold is when.
    fields = list_fields(silent, {"goingCold": True}, NOW)
    assert fields[COLD_SINCE_FIELD] == cold_after
    assert fields[RECENT_FIELD] is firestore.DELETE_FIELD
    # Fresh stats say they are warm again: off the cold list; heard from within the window: on the recent one.
    heard = {"lastInteractionMs": NOW - (RECENT_DAYS - 1) * DAY_MS}
    fields = list_fields(heard, {"goingCold": False, "relationship": {"coldAfterMs": None}}, NOW)
    assert fields[COLD_SINCE_FIELD] is firestore.DELETE_FIELD
    assert isinstance(fields[RECENT_FIELD], firestore.Maximum)
    assert fields[RECENT_FIELD].value == heard["lastInteractionMs"]
    # Cold without a threshold (never had a rhythm) is not listed.
    assert list_fields({}, {"goingCold": True}, NOW)[COLD_SINCE_FIELD] is firestore.DELETE_FIELD
