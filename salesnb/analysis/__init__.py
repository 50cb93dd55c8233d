"""Analyses: KPIs, statistics and the five reports' computations on the canonical Ibis tables.

Each report module returns result objects (frozen dataclasses with a ``.summary`` frame); its
``*_text`` module turns results into findings and display frames in words (labels, no new numbers).
Imports only the core modules and :mod:`salesnb.data`; see docs/architecture.md.
"""
