"""Lab streaming layer (LSL) outlet of a live session (issue 15): steps, cue onsets and the
session's markers on the LSL clock, for labs that record EEG or motion capture beside the
walk. pylsl is optional (``pip install 'ras[lsl]'``); only :mod:`ras.lsl.outlet` needs it."""
