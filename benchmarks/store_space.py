"""Database growth per session hour, measured on a real SQLite file (ras.store.space's constants).

Runs real sessions through run_live_session (virtual 'healthy' patient, two foot sensors,
--audio none, iso-ramp) without and with raw IMU, and measures database + WAL at the end.

    .venv/bin/python benchmarks/store_space.py [--seconds 120] [--speed 20] [--write]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ras.audio.backends import parse_audio_spec
from ras.bus import SessionBus
from ras.session.live import begin_session, run_live_session
from ras.session.request import SimulatedSensors
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store.store import Store


def session_bytes(folder: Path, seconds: float, speed: float, imu_rate_hz: int) -> tuple[int, int]:
    """(bytes on disk after an empty session row, bytes after a session of ``seconds``)."""
    db = folder / f"imu{imu_rate_hz}.sqlite3"
    with Store(db) as store:
        store.add_patient("P-SPACE")
    db_path, session_id, side = begin_session(str(db), "P-SPACE", {})

    def size() -> int:
        return sum(p.stat().st_size for p in folder.glob(f"{db.name}*"))

    empty = size()
    third = seconds / 3.0
    result = run_live_session(
        db_path=db_path,
        session_id=session_id,
        settings=SessionSettings(baseline_s=third, cued_s=third, probe_s=third),
        sensors=SimulatedSensors(seed=0, imu_rate_hz=imu_rate_hz),
        audio=parse_audio_spec("none"),
        clock=SessionClock(speed=speed),
        bus=SessionBus(),
        affected_side=side,
    )
    assert result.status in ("complete", "degraded"), result.reason
    return empty, size()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--speed", type=float, default=20.0)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        e0, s0 = session_bytes(Path(tmp), args.seconds, args.speed, 0)
        e1, s1 = session_bytes(Path(tmp), args.seconds, args.speed, 100)
    events_per_s = (s0 - e0) / args.seconds
    imu_per_sample = ((s1 - e1) - (s0 - e0)) / (args.seconds * 100 * 2)
    body = (
        f"Session of {args.seconds:g} s, virtual patient, two sensors:\n\n"
        f"- events only (steps, cues, tempo, status): {events_per_s:.0f} bytes/s,"
        f" {events_per_s * 3600 / 1e6:.1f} MB per session hour\n"
        f"- raw IMU: {imu_per_sample:.1f} bytes per sample per sensor; at 100 Hz on two feet"
        f" {(s1 - e1) / args.seconds * 3600 / 1e6:.0f} MB per session hour in all\n"
    )
    print(body)
    if args.write:
        from benchmarks._report import write_section

        write_section(
            "Database size per session hour",
            body,
            f".venv/bin/python benchmarks/store_space.py --seconds {args.seconds:g}"
            f" --speed {args.speed:g} --write",
        )


if __name__ == "__main__":
    main()
