import threading

from shared.gmail.sync import Pacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_spending_is_spread_at_the_rate(monkeypatch):
    clock = FakeClock()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        clock.now += seconds

    monkeypatch.setattr("shared.gmail.sync.time.sleep", sleep)
    pacer = Pacer(250, clock=clock)
    for _ in range(4):
        pacer.spend(250)  # a batch of 50 messages.get: 250 units
    assert slept == [1.0, 1.0, 1.0]  # the first is free; then one second of quota each


def test_concurrent_spenders_queue_up(monkeypatch):
    clock = FakeClock()
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(round(seconds, 6))

    monkeypatch.setattr("shared.gmail.sync.time.sleep", sleep)
    pacer = Pacer(100, clock=clock)
    threads = [threading.Thread(target=pacer.spend, args=(50,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [0.5, 1.0, 1.5]  # each waits behind the ones before it


def test_rate_zero_never_waits(monkeypatch):
    monkeypatch.setattr("shared.gmail.sync.time.sleep", lambda seconds: (_ for _ in ()).throw(AssertionError))
    Pacer(0).spend(10_000)
