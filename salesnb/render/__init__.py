"""What a reader sees: charts, the notebook display helpers, report HTML and PDF.

Imports the core modules, :mod:`salesnb.data` and :mod:`salesnb.analysis`; see docs/architecture.md.
"""
