"""Gait-event robustness suite: recordings, disturbances, detector adapters and scores.

Shared by the benchmark (``benchmarks/gait_robustness.py``, the full table in
docs/benchmarks.md) and its short version in the test suite
(``tests/analysis/test_event_robustness.py``):

- :mod:`tests.robustness.cases` — the undisturbed recordings with their references: the gaitmap
  example walks (motion capture) and walks of the virtual patient (``ras.sim``);
- :mod:`tests.robustness.conditions` — physical disturbances, each a pure seeded function
  (recording in, recording and reference out);
- :mod:`tests.robustness.runners` — gap handling, sensor-to-foot alignment and one small adapter
  per detector (offline, live, the firmware's C port);
- :mod:`tests.robustness.scoring` — F1 / precision / recall / error of IC and TO, first and last
  steps of walking bouts, C-port equality.
"""
