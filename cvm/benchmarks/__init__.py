"""Benchmarks and checks run by hand: figures printed, never asserted.

``python -m cvm.benchmarks.<name> --help``: ``generator`` (generator time and
memory), ``build`` (dbt build per layer), ``run`` (the whole job by step),
``risk`` (the renewal-risk model against the ceiling), ``generator_checksums``
(the generator's output byte for byte: refresh the committed checksums,
compare two landing directories).
"""
