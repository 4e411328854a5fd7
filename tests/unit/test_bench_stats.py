"""The benchmark's arithmetic: percentiles, rates from completion curves, ratios and growth."""

import pytest

from bench.stats import growth, percentile, rates, ratio, summary

pytestmark = pytest.mark.unit


def test_percentile_interpolates_between_ranks_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    assert percentile(values, 50) == 25.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order of the input does not matter
    assert percentile(list(range(101)), 99) == pytest.approx(99.0)


def test_percentile_of_nothing_is_an_error_not_zero() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_of_latencies() -> None:
    stats = summary([0.1] * 98 + [1.0, 2.0])
    assert stats["n"] == 100
    assert stats["p50"] == pytest.approx(0.1)
    assert stats["max"] == 2.0
    assert 1.0 <= stats["p99"] <= 2.0
    assert summary([]) == {}


def test_rates_separate_pipeline_fill_from_steady_throughput() -> None:
    # 96 articles in batches of 32: the first batch lands after 4 s (fill), then one batch every 3.2 s.
    curve = [(1.0, 0), (4.0, 32), (7.2, 64), (10.4, 96)]
    figures = rates(curve, 96)
    assert figures["end_to_end"] == pytest.approx(96 / 10.4)
    assert figures["steady"] == pytest.approx(64 / 6.4)
    assert figures["first_done_s"] == 4.0
    assert figures["all_done_s"] == 10.4


def test_rates_of_an_unfinished_run_are_missing() -> None:
    figures = rates([(1.0, 0), (2.0, 10)], 96)
    assert figures["end_to_end"] is None
    assert figures["steady"] is None


def test_rates_when_everything_lands_at_once_has_no_steady_figure() -> None:
    figures = rates([(0.5, 0), (2.0, 32)], 32)
    assert figures["end_to_end"] == pytest.approx(16.0)
    assert figures["steady"] is None


def test_ratio_and_growth_refuse_missing_or_zero_denominators() -> None:
    assert ratio(9.0, 10.0) == pytest.approx(0.9)
    assert ratio(None, 10.0) is None
    assert ratio(9.0, 0.0) is None
    assert growth(500.0, 550.0) == pytest.approx(10.0)
    assert growth(None, 550.0) is None
