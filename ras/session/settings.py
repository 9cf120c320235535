"""What the therapist chose for a session (stored with it as JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ras.errors import UserInputError
from ras.events import CueMode
from ras.validate import check_choice, check_range

__all__ = ["CUE_MODES", "LIMITS", "PLANS", "SessionSettings"]

PLANS = ("fixed", "iso-ramp", "adaptive")
#: What the cue sounds like (:class:`ras.events.CueMode`'s values).
CUE_MODES = tuple(mode.value for mode in CueMode)

#: Allowed range of each setting: (low, high, unit). Tempos are also kept within
#: ``min_bpm .. max_bpm``; every front-end checks its values against these before any work.
LIMITS: dict[str, tuple[float, float, str]] = {
    "baseline_s": (5.0, 3600.0, "s"),
    "cued_s": (0.0, 7200.0, "s"),
    "probe_s": (0.0, 3600.0, "s"),
    "step_pct": (0.1, 10.0, "%"),
    "jump_warn_pct": (0.1, 100.0, "%"),
    "min_bpm": (20.0, 300.0, "bpm"),
    "max_bpm": (20.0, 300.0, "bpm"),
    "target_pct": (-50.0, 50.0, "% of baseline"),
    "music_level_db": (-30.0, 6.0, "dB"),
    "click_level_db": (-30.0, 6.0, "dB"),
}


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """Protocol and plan of one session.

    Parameters
    ----------
    baseline_s, cued_s, probe_s : float
        Phase durations (session seconds): uncued baseline, cued training, uncued probe.
    plan : str
        ``fixed`` (cue at ``tempo_bpm``, default the baseline cadence), ``iso-ramp`` (start at
        the baseline cadence, step toward the target while entrained) or ``adaptive`` (fixed
        tempo with bounded phase correction toward the footfalls).
    target_pct, target_bpm : float
        Ramp target, in % of the baseline or absolute (give one; default +10 %).
    step_pct : float
        Ramp step size (%), well below the ~12 % people notice.
    tempo_bpm : float or None
        Fixed/adaptive tempo; None: the measured baseline cadence (iso-principle).
    min_bpm, max_bpm : float
        Bounds for every tempo, including the therapist's commands.
    cue_mode : str
        What the cue sounds like from its start: ``metronome``, ``music`` or ``music+click``.
    music : tuple of str
        The songs to play, in order (titles or hash prefixes in the patient's library); empty:
        the patient's offered songs, chosen at the cue's start by the iso-principle
        (:func:`ras.music.choice.choose_songs`).
    music_level_db : float
        The music's level relative to the cue level, dB.
    click_level_db : float
        In ``music+click``, the click's level relative to the music, dB.
    lsl : bool
        Stream the steps, cue onsets and session markers on the lab streaming layer
        (:mod:`ras.lsl`; needs pylsl).
    """

    baseline_s: float = 60.0
    cued_s: float = 300.0
    probe_s: float = 60.0
    plan: str = "iso-ramp"
    target_pct: float | None = 10.0
    target_bpm: float | None = None
    step_pct: float = 2.0
    tempo_bpm: float | None = None
    min_bpm: float = 30.0
    max_bpm: float = 200.0
    jump_warn_pct: float | None = None
    cue_mode: str = CueMode.METRONOME.value
    music: tuple[str, ...] = ()
    music_level_db: float = 0.0
    click_level_db: float = -6.0
    lsl: bool = False

    def __post_init__(self) -> None:
        check_choice("plan", self.plan, PLANS)
        check_choice("cue mode", str(self.cue_mode), CUE_MODES)
        check_range("music level", self.music_level_db, *LIMITS["music_level_db"])
        check_range("click level", self.click_level_db, *LIMITS["click_level_db"])
        if isinstance(self.music, str) or not all(isinstance(m, str) for m in self.music):
            raise UserInputError("the songs are a list of titles or hash prefixes")
        object.__setattr__(self, "music", tuple(m.strip() for m in self.music if m.strip()))
        check_range("baseline duration", self.baseline_s, *LIMITS["baseline_s"])
        check_range("cued duration", self.cued_s, *LIMITS["cued_s"])
        check_range("probe duration", self.probe_s, *LIMITS["probe_s"])
        check_range("ramp step", self.step_pct, *LIMITS["step_pct"])
        if self.jump_warn_pct is not None:
            check_range("large-jump warning", self.jump_warn_pct, *LIMITS["jump_warn_pct"])
        check_range("min tempo", self.min_bpm, *LIMITS["min_bpm"])
        check_range("max tempo", self.max_bpm, self.min_bpm, *LIMITS["max_bpm"][1:])
        if self.target_bpm is not None:
            check_range("target tempo", self.target_bpm, self.min_bpm, self.max_bpm, "bpm")
        if self.target_pct is not None:
            check_range("target", self.target_pct, *LIMITS["target_pct"])
        if self.tempo_bpm is not None:
            check_range("tempo", self.tempo_bpm, self.min_bpm, self.max_bpm, "bpm")
        if self.plan == "iso-ramp" and self.target_bpm is None and self.target_pct is None:
            raise UserInputError("the iso-ramp plan needs a target, in % of the baseline or in bpm")

    @property
    def large_jump_pct(self) -> float:
        """A therapist tempo change larger than this (%) is a large jump: the GUI asks to
        confirm it and the log says so. Default: the plan's ramp step."""
        return self.step_pct if self.jump_warn_pct is None else self.jump_warn_pct

    @property
    def mode(self) -> CueMode:
        """The cue mode the session starts in."""
        return CueMode(self.cue_mode)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
