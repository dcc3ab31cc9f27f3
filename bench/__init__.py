"""Benchmarks, load and fault runs against gunicorn (``make bench``, ``make soak``).

Kept out of the test suite's fast path: the short load and fault tests in ``tests/``
import the same helpers (``bench.loadlib``, ``bench.seed``) with smaller numbers.
"""
