"""A stored session read back, below both the reports and the exports (no Qt, no gui).

- :mod:`~ras.results.session_data`: one session loaded from the store (``load_session``).
- :mod:`~ras.results.outcomes`: its clinical outcomes per phase, from ``analysis/``.
- :mod:`~ras.results.tables`: its records and outcomes as plain tables with units.
- :mod:`~ras.results.files`: owner-only output files written atomically.

``ras.report`` and ``ras.export`` both build on this package and never import each other.
"""
