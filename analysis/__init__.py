"""Gait science without side effects: arrays in, numbers out (numpy/scipy; no ras/, no gui/).

The API, by kind:

- **Data types.** :class:`analysis.imu_io.FootImu` (one foot's IMU, ``acc_mps2``, ``gyr_dps``);
  :class:`analysis.events.GaitEvents` (both feet's :class:`~analysis.events.FootEvents`: initial
  contacts, toe-offs, stride and step lengths), made from stored steps by
  :func:`analysis.events.gait_events_from_steps`; :class:`analysis.side_values.SideValues`
  (a measure over both feet and per foot, e.g. ``result.step_time_s.left``).
- **Estimators with state or a model** (gaitmap style: settings in ``__init__``, one action
  method taking the data, results in attributes ending in ``_``):
  :class:`analysis.gait_events.GaitEventDetector` (``detect``),
  :class:`analysis.causal_events.CausalGaitEventDetector` (live, sample by sample),
  :class:`analysis.alignment.SensorAlignment` (``estimate``),
  :class:`analysis.trajectory.StrideTrajectory` (``estimate``) and
  :class:`analysis.pipeline.RecordingAnalysis` (``analyse``, what ``ras analyse`` runs).
- **Clinical measures are functions** of :class:`~analysis.events.GaitEvents` or of earlier
  results, each returning a frozen result with a ``reason`` when a figure is NaN:
  :func:`analysis.spatiotemporal.spatiotemporal_parameters`,
  :func:`analysis.symmetry.gait_symmetry`, :func:`analysis.variability.gait_variability`,
  :func:`analysis.pci.phase_coordination_index`,
  :func:`analysis.synchronisation.synchronisation`,
  :func:`analysis.freezing.freezing_of_gait`, and per protocol phase
  :func:`analysis.phases.summarise_phases` / :func:`analysis.phases.compare_summaries`.

Units are in the names (``_s``, ``_t_s`` for session-clock times, ``_mps2``, ``_dps``,
``_pct``, ``_m_per_s``). Input the analysis cannot use raises a one-line
:class:`analysis.errors.AnalysisInputError`; every check lives in :mod:`analysis.checks`.
"""
