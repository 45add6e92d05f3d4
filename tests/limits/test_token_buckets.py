"""The token buckets behind the per-client rate limit, on a clock the test moves by hand."""

from __future__ import annotations

import pytest
from mdkg.web.limits import TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_admitted_and_the_next_request_waits_for_a_token() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_s=2.0, burst=5, clock=clock)
    assert [buckets.take("a") for _ in range(5)] == [0.0] * 5
    assert buckets.take("a") == pytest.approx(0.5)  # one token comes every 1 / rate seconds


def test_tokens_come_back_at_the_rate_and_never_beyond_the_burst() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_s=2.0, burst=5, clock=clock)
    for _ in range(5):
        buckets.take("a")
    clock.now += 1.0  # two tokens
    assert [buckets.take("a") > 0 for _ in range(3)] == [False, False, True]
    clock.now += 3600.0  # an hour idle fills the bucket to the burst, no more
    admitted = 0
    while buckets.take("a") == 0.0:
        admitted += 1
    assert admitted == 5


def test_refused_requests_do_not_spend_tokens() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_s=1.0, burst=1, clock=clock)
    assert buckets.take("a") == 0.0
    for _ in range(100):
        assert buckets.take("a") > 0
    clock.now += 1.0
    assert buckets.take("a") == 0.0


def test_clients_have_buckets_of_their_own() -> None:
    buckets = TokenBuckets(rate_per_s=1.0, burst=2, clock=FakeClock())
    assert buckets.take("a") == buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_memory_is_bounded_by_forgetting_the_least_recently_seen_client() -> None:
    buckets = TokenBuckets(rate_per_s=1.0, burst=1, max_clients=3, clock=FakeClock())
    for client in ("a", "b", "c"):
        assert buckets.take(client) == 0.0
    assert buckets.take("a") > 0  # "a" is now the most recently seen
    assert buckets.take("d") == 0.0  # forgets "b"
    assert len(buckets) == 3
    assert buckets.take("a") > 0 and buckets.take("c") > 0 and buckets.take("d") > 0
    assert buckets.take("b") == 0.0  # a forgotten client starts afresh


def test_many_clients_stay_within_the_bound() -> None:
    buckets = TokenBuckets(rate_per_s=1.0, burst=1, max_clients=100, clock=FakeClock())
    for number in range(10_000):
        buckets.take(f"client-{number}")
    assert len(buckets) == 100


def test_a_clock_that_steps_back_does_not_drain_a_bucket() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_s=1.0, burst=2, clock=clock)
    buckets.take("a")
    clock.now -= 50.0
    assert buckets.take("a") == 0.0


@pytest.mark.parametrize("rate, burst, clients", [(0.0, 1, 1), (-1.0, 1, 1), (1.0, 0, 1), (1.0, 1, 0)])
def test_nonsense_limits_are_refused(rate: float, burst: int, clients: int) -> None:
    with pytest.raises(ValueError, match="token bucket"):
        TokenBuckets(rate_per_s=rate, burst=burst, max_clients=clients)
