"""Benchmarks and checks run by hand: figures printed, never asserted.

``python -m cvm.benchmarks.<name> --help``: ``job`` (the whole job at scale
and the revenue core alone, recorded in a JSON lines file; ``make
benchmark``), ``generator`` (generator time and memory), ``build`` (dbt build
per layer), ``run`` (the whole job by step, run after run),
``risk`` (the renewal-risk model against the ceiling), ``generator_checksums``
(the generator's output byte for byte: refresh the committed checksums,
compare two landing directories).
"""
