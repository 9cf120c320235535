"""The suite's rows: which disturbance runs on which recording, full and quick.

Rates: a disturbance never upsamples (a sensor decimates), so resampling rows run on recordings
faster than the target (the 204.8 Hz gaitmap walk, the 102.4 Hz one to 100 Hz, virtual walks
rendered at 200 Hz); every other disturbance runs on the recordings as they are and on virtual
walks rendered at 100 Hz, the rate of the commercial instep IMUs of the reviewers' held-back set.
Virtual walks are three people per preset (``seed`` 1-3: landing delays 8, 17 and 39 ms,
:func:`ras.sim.imu.foot_shape`), summed in one row; the quick version takes the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from tests.robustness.cases import (
    SIM_PRESETS,
    Recording,
    gaitmap_ic_stride,
    gaitmap_walk,
    simulated,
)
from tests.robustness.conditions import CONDITIONS

__all__ = ["QUICK", "Row", "base", "rows"]

RESAMPLING = ("100 Hz", "102.4 Hz", "128 Hz")
PEOPLE = (1, 2, 3)


@dataclass(frozen=True)
class Row:
    """One line of the table: a disturbance on one kind of recording.

    ``build()`` returns the disturbed recordings (several people, or several random draws),
    scored together.
    """

    data: str
    condition: str
    build: Callable[[], list[Recording]]

    @property
    def label(self) -> str:
        return f"{self.data} / {self.condition}"


@cache
def base(name: str, seed: int = 1) -> Recording:
    """An undisturbed recording: ``"gaitmap"``, ``"ic_stride"``, or ``"sim <preset> <rate>"``."""
    if name == "gaitmap":
        return gaitmap_walk()
    if name == "ic_stride":
        return gaitmap_ic_stride()
    _, preset, rate = name.split()
    return simulated(preset, float(rate), seed=seed)


def _builder(data: str, seeds: tuple[int, ...], condition: str) -> Callable[[], list[Recording]]:
    cond = CONDITIONS[condition]

    def build() -> list[Recording]:
        out = []
        for person in seeds:
            for draw in range(1, cond.seeds + 1):
                out.append(cond.apply(base(data, person), draw))
        return out

    return build


def _data_rows(
    label: str, data: str, rate_hz: float, seeds: tuple[int, ...], conditions: list[str]
) -> list[Row]:
    out = []
    for c in conditions:
        if c in RESAMPLING and float(c.split()[0]) >= rate_hz:
            continue
        out.append(Row(label, c, _builder(data, seeds, c)))
    return out


def rows(quick: bool = False, conditions: list[str] | None = None) -> list[Row]:
    """All rows (or :data:`QUICK`'s), in table order; ``conditions`` filters by name."""
    names = list(CONDITIONS) if conditions is None else conditions
    people = PEOPLE[:1] if quick else PEOPLE
    plain = [c for c in names if c not in RESAMPLING]
    resampling = [c for c in names if c in RESAMPLING or c == "clean"]
    out = _data_rows("gaitmap 204.8 Hz", "gaitmap", 204.8, (1,), names)
    out += _data_rows("gaitmap ic_stride 102.4 Hz", "ic_stride", 102.4, (1,), names)
    for preset in SIM_PRESETS:
        out += _data_rows(f"sim {preset} 100 Hz", f"sim {preset} 100", 100.0, people, plain)
        out += _data_rows(f"sim {preset} 200 Hz", f"sim {preset} 200", 200.0, people, resampling)
    if quick:
        out = [r for r in out if (r.data, r.condition) in QUICK]
    return out


#: The quick version (benchmark --quick and tests/analysis/test_event_robustness.py): one row
#: per failure the reviewers saw, the preset walks, and every condition on a real and a
#: virtual walk (acceptance pools each condition over its rows).
QUICK: frozenset[tuple[str, str]] = frozenset(
    {
        ("gaitmap 204.8 Hz", "clean"),
        ("gaitmap 204.8 Hz", "100 Hz"),
        ("gaitmap 204.8 Hz", "impact ringing"),  # failure 1
        ("gaitmap 204.8 Hz", "spikes"),  # failure 2
        ("gaitmap 204.8 Hz", "yaw 180"),  # failure 3
        ("gaitmap ic_stride 102.4 Hz", "clean"),  # failure 5: zero rise 60-80 ms early
        ("gaitmap ic_stride 102.4 Hz", "spikes"),
        ("sim healthy 100 Hz", "dropped packets (rows)"),
        ("sim parkinson 100 Hz", "clean"),
        ("sim parkinson 100 Hz", "impact ringing"),
        ("sim stroke 100 Hz", "clean"),
        ("sim stroke 100 Hz", "spikes"),
        ("sim slow 100 Hz", "clean"),
        ("sim slow 100 Hz", "random rotation"),
        ("sim stroke-slow 100 Hz", "instep tilt"),
        ("gaitmap 204.8 Hz", "sensor noise"),
        ("gaitmap ic_stride 102.4 Hz", "dropped packets (NaN)"),
        ("sim healthy 200 Hz", "100 Hz"),
        ("sim parkinson 200 Hz", "102.4 Hz"),
        ("sim stroke 200 Hz", "128 Hz"),
        ("sim healthy 100 Hz", "yaw 180"),
        ("sim parkinson 100 Hz", "spikes"),
        ("sim healthy 100 Hz", "spikes"),
        ("sim stroke 100 Hz", "sensor noise"),
        ("sim slow 100 Hz", "dropped packets (NaN)"),
        ("sim healthy 100 Hz", "impact ringing"),
    }
)
