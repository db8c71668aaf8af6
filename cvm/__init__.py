"""The customer-value warehouse's Python: the nightly job and its tools.

``cvm.cli`` is the ``cvm`` command (``python -m cvm``): run, build, validate,
publish, backfill, status, summary, generate. Beside it: settings, dbt
invocation, write-audit-publish (``publish``), the Great Expectations suites
(``expectations``), the run lock, the renewal-risk models the dbt Python
models import (``risk_model``), the landing data generator (``cvm.generate``)
and the benchmarks (``cvm.benchmarks``).
"""
