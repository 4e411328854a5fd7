"""Newsflow's benchmark suite: `python -m bench [--quick]` (or `make bench`).

Starts the real services as processes (as `newsflow up` does) on embedded servers, measures the NLP limit, the
pipeline's sustained throughput with 1 and 2 NLP workers, latency, ingest, queries, worker memory and a naive
baseline side by side in one run, and writes `bench/results/latest.{md,json}` plus PNG charts. Nothing here is
imported by the services, and no test asserts a timing.
"""
