from shared.gmail.quota import CATCH_UP_SECONDS, book


def test_spending_is_spread_at_the_rate():
    next_free, starts = 0.0, []
    for _ in range(5):  # five batches of 50 messages.get: 250 units each, asked for at once
        start, next_free = book(100.0, next_free, 250, 250)
        starts.append(start)
    # An idle schedule holds one second of units: the first two go at once, the rest a second apart.
    assert starts == [100.0, 100.0, 101.0, 102.0, 103.0]


def test_time_lost_to_a_stall_is_won_back_up_to_the_allowance():
    # The schedule was free from 200.0 but nobody spent until 200.4: that 0.4 s is won back.
    assert book(200.4, 200.0, 250, 250) == (200.4, 201.0)
    # A long idle time is not: the schedule restarts with its one second of allowance.
    assert book(500.0, 120.0, 50, 100) == (500.0, 500.0 - CATCH_UP_SECONDS + 0.5)


def test_over_any_minute_spending_stays_under_gmails_ceiling():
    # A caller that spends as soon as it may, and pauses long enough now and then to fill the
    # allowance: the worst case for a bucket. Gmail allows 15,000 units in a minute.
    rate, now, next_free, starts = 250 * 0.95, 0.0, 0.0, []
    while now < 600:
        start, next_free = book(now, next_free, 250, rate)
        starts.append(start)
        now = start + (6.0 if len(starts) % 40 == 0 else 0.0)
    busiest_minute = max(sum(250 for t in starts if begin <= t < begin + 60) for begin in starts)
    assert busiest_minute <= 15_000
