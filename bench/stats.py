"""Pure arithmetic over measurements: percentiles, rates from completion curves, ratios.

Consumes lists of numbers and `(seconds, count)` samples; produces plain floats and dicts for the report. No I/O,
no clocks: everything here is unit-tested.
"""

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The `p`-th percentile (0-100) with linear interpolation between closest ranks (numpy's default).

    Raises ValueError on an empty sequence: a percentile of nothing is a bug in the caller, not a zero.
    """
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Count, mean, p50/p95/p99 and max of `values` (an empty dict for no values)."""
    if not values:
        return {}
    return {
        "n": len(values),
        "mean": sum(values) / len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """`numerator / denominator`, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def rates(samples: Sequence[tuple[float, int]], total: int) -> dict[str, float | None]:
    """Throughput figures from a completion curve.

    `samples` are `(seconds since the first article was posted, articles done so far)`, in time order, ending
    when all `total` are done. Two rates come out:
    - `end_to_end`: total / time to the last completion: includes filling the pipeline (the first batch's
      whole latency), so it understates the rate a long-running pipeline sustains, the more the shorter the run;
    - `steady`: articles completed after the first completion / time between the first and the last
      completion: the rate once the pipeline is full, which is what a long run sustains.
    """
    done_at = next((t for t, n in samples if n >= total), None)
    first = next(((t, n) for t, n in samples if n > 0), None)
    out: dict[str, float | None] = {"end_to_end": None, "steady": None, "first_done_s": None, "all_done_s": done_at}
    if done_at is None or first is None or total <= 0:
        return out
    out["first_done_s"] = first[0]
    out["end_to_end"] = total / done_at if done_at > 0 else None
    if done_at > first[0] and total > first[1]:
        out["steady"] = (total - first[1]) / (done_at - first[0])
    return out


def growth(before: float | None, after: float | None) -> float | None:
    """Relative growth from `before` to `after`, in percent."""
    if before is None or after is None or before <= 0:
        return None
    return (after - before) / before * 100
