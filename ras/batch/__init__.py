"""Research batches of ``ras analyse``: many IMU recordings, one result each and a cohort summary.

- :mod:`ras.batch.recording` — one recording: the analysis (analysis.pipeline), its output
  files' text and its summary row (analysis.summary); a picklable function a worker process or
  a Dask worker runs; nothing is written there.
- :mod:`ras.batch.inputs` — files, folders (recursively) and globs into recordings, and each
  recording's output folder.
- :mod:`ras.batch.runner` — in this process (``--jobs 1``), local processes
  (concurrent.futures) or a Dask distributed cluster (``--scheduler``).
- :mod:`ras.batch.progress` — the progress line on stderr.
- :mod:`ras.batch.table` — ``summary.csv`` and ``summary.json``.
"""
