"""The cue stops when it should: beats decided ahead are taken back at the probe and at 'off'.

A real session (virtual patient on ptys, the cue engine rendering to a wav file, whose sample
index is session time x 48 kHz): the rendered audio after the probe starts, and while the
therapist has the cues off, holds no cue beyond the block being rendered at that moment.
"""

from __future__ import annotations

import wave

import numpy as np
import pytest

from ras.audio.backends import parse_audio_spec
from ras.bus import SessionBus
from ras.session.live import begin_session, run_live_session
from ras.session.request import SimulatedSensors
from ras.session.runner import SessionRunner
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store.store import Store
from ras.tempo.commands import Cues

FS_HZ = 48000
SPEED = 5.0
# a command waits for the runner's next loop (20 ms real), then the block being rendered and the
# next one still play, and a cue lasts 60 ms; beats are decided a second ahead, so without
# taking them back the cue would go on for up to a second
MARGIN_S = 0.02 * SPEED + 2 * 4096 / FS_HZ + 0.06


@pytest.mark.slow
@pytest.mark.timing  # MARGIN_S holds if the runner's loop comes round in 20 ms real
def test_no_cue_sounds_in_the_probe_or_while_cues_are_off(tmp_path):
    db = str(tmp_path / "ras.sqlite3")
    wav = tmp_path / "cues.wav"
    with Store(db) as store:
        store.add_patient("P-QUIET")
    db_path, session_id, side = begin_session(db, "P-QUIET", {})
    sent: dict[str, float] = {}

    def tick(runner: SessionRunner) -> None:
        if runner.phase != "cued":
            return
        now = runner.clock.now_s()
        sent.setdefault("cued", now)
        if "off" not in sent and now - sent["cued"] >= 15.0:
            runner.submit(Cues(on=False))
            sent["off"] = now
        elif "off" in sent and "on" not in sent and now - sent["off"] >= 8.0:
            runner.submit(Cues(on=True))
            sent["on"] = now

    result = run_live_session(
        db_path=db_path,
        session_id=session_id,
        settings=SessionSettings(baseline_s=20.0, cued_s=40.0, probe_s=10.0, plan="fixed"),
        sensors=SimulatedSensors(seed=4, imu_rate_hz=0),
        audio=parse_audio_spec(f"wav:{wav}"),
        clock=SessionClock(speed=SPEED),
        bus=SessionBus(),
        affected_side=side,
        on_tick=tick,
    )
    assert result.summary.completed
    with Store(db) as store:
        phases = {name: start for name, start, _ in store.phases(session_id)}
        cue_t_s = np.sort(store.cues(session_id)["t_s"])
    with wave.open(str(wav)) as w:
        audio = np.abs(np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)[:, 0])

    def sounding(t0_s: float, t1_s: float) -> bool:
        return bool(audio[round(t0_s * FS_HZ) : round(t1_s * FS_HZ)].any())

    # cues played in the cued phase (the wav really holds them) ...
    assert ((cue_t_s > phases["cued"]) & (cue_t_s < sent["off"])).sum() >= 10
    assert sounding(phases["cued"], sent["off"]) and sounding(sent["on"] + 1.5, phases["probe"])
    # ... none after 'off' until 'on' (beats are decided a second ahead), none in the probe
    assert not sounding(sent["off"] + MARGIN_S, sent["on"])
    assert not sounding(phases["probe"] + MARGIN_S, len(audio) / FS_HZ)
    assert not (cue_t_s > phases["probe"] + MARGIN_S).any()
    assert not ((cue_t_s > sent["off"] + MARGIN_S) & (cue_t_s < sent["on"])).any()
