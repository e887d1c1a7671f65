from shared.gmail.quota import book


def test_spending_is_spread_at_the_rate():
    next_free, starts = 0.0, []
    for _ in range(4):  # four batches of 50 messages.get: 250 units each, asked for at once
        start, next_free = book(100.0, next_free, 250, 250)
        starts.append(start)
    assert starts == [100.0, 101.0, 102.0, 103.0]


def test_an_idle_schedule_starts_now():
    assert book(500.0, 120.0, 50, 100) == (500.0, 500.5)
