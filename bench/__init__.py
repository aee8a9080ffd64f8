"""Benchmarks of the log: ``python -m bench.run`` (``--quick`` for a smoke run).

Every figure is printed next to a baseline measured in the same run (raw SHA-256 of the same
leaves, or pymerkle doing the same job), because the machine is shared and noisy: absolute
numbers move from run to run, ratios much less. See ``docs/benchmarks.md``.
"""
