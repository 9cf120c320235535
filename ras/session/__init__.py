"""Running a RAS session: baseline -> cued training -> uncued probe, for any front-end.

- :mod:`~ras.session.request`: what a front-end asks for, checked once (the speed/audio rule,
  the sensors' options);
- :mod:`~ras.session.host`: runs one session for any front-end (begin, run, actions,
  snapshots, outcome);
- :mod:`~ras.session.actions`: every therapist action and its typed result;
- :mod:`~ras.session.snapshot`: the one live picture a front-end shows;
- :mod:`~ras.session.live`: the assembly (recorder, sensors, runner, cue engine) and its end;
- :mod:`~ras.session.runner`: the engine loop (phases, beats, the therapist's actions);
- :mod:`~ras.session.sensors`, :mod:`~ras.session.settings`, :mod:`~ras.session.signals`.
"""
