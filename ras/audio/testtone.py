"""A test tone before the session: a few cues at the chosen level through the chosen output.

The cues go through the session's own path (:class:`~ras.audio.engine.CueEngine`, its sounds,
gain and ceiling), so what the therapist hears is what the session will play.
"""

from __future__ import annotations

from ras.audio.backends import AudioUnavailableError, make_backend, parse_audio_spec
from ras.audio.engine import CueEngine
from ras.audio.mixer import DEFAULT_CEILING_DBFS, Sound
from ras.session_clock import SessionClock

__all__ = ["TEST_TONE_FAILED", "play_test_tone"]

#: How a failure to play the test tone begins (the rest says why, in one line).
TEST_TONE_FAILED = "the test tone could not play: "


def play_test_tone(
    audio: str,
    level_dbfs: float,
    ceiling_dbfs: float = DEFAULT_CEILING_DBFS,
    *,
    n_cues: int = 4,
    interval_s: float = 0.5,
) -> str:
    """Play ``n_cues`` cues (left, right, ...) ``interval_s`` apart; returns one line saying
    what was played where. Blocks until they have played (about ``n_cues * interval_s``).

    Parameters
    ----------
    audio : str
        ``default``, ``device:NAME``, ``wav:PATH`` (written there) or ``none`` (nothing played).
    level_dbfs, ceiling_dbfs : float
        The cue's peak level and the hard ceiling it never exceeds, dBFS.

    Raises
    ------
    AudioUnavailableError
        The output would not open (no sound device...): one line, beginning
        :data:`TEST_TONE_FAILED`.
    """
    spec = parse_audio_spec(audio)
    if spec.kind == "none":
        return "no sound output chosen (none): the test tone has nowhere to play"
    played_dbfs = min(level_dbfs, ceiling_dbfs)
    clock = SessionClock()
    try:
        engine = CueEngine(
            make_backend(spec), clock=clock, level_dbfs=level_dbfs, ceiling_dbfs=ceiling_dbfs
        )
        engine.start()
    except Exception as err:  # a device that fails to open: one line, never a traceback
        raise AudioUnavailableError(f"{TEST_TONE_FAILED}{err}") from err
    try:
        first_s = engine.earliest_cue_s() + 0.05
        for k in range(n_cues):
            engine.schedule_cue(first_s + k * interval_s, Sound(k % 2))
        if not engine.backend.offline:
            clock.sleep_until(first_s + n_cues * interval_s)
    finally:
        engine.stop()
    where = f"written to {spec.target}" if spec.kind == "wav" else f"on {audio}"
    return f"test tone: {n_cues} cues at {played_dbfs:g} dBFS peak {where}"
