"""Colours, fonts and the style sheet: large, legible type read from a few steps away."""

from __future__ import annotations

import math

__all__ = [
    "CLOCK_POOR_MS",
    "COLORS",
    "NORMAL_SI_BAND_PCT",
    "SOURCE_STYLE",
    "STYLE_SHEET",
    "fmt",
    "fmt_clock",
]

#: Step-time symmetry index treated as normal, ± % (healthy step-time ratio up to about 1.06,
#: Patterson et al. 2010, Gait Posture; SI of ±6 % is the same asymmetry).
NORMAL_SI_BAND_PCT = 6.0

#: Clock-sync residual above which the sensor's clock quality is shown as poor, ms (a tenth of
#: the ~30 ms within which a step and a beat feel simultaneous, clinical.md).
CLOCK_POOR_MS = 3.0

COLORS = {
    "cadence": "#1f5fbf",
    "tempo": "#111111",
    "left": "#1f77b4",
    "right": "#d62728",
    "si": "#7b3fa0",
    "ok": "#1a7f37",
    "warn": "#b35900",
    "bad": "#c00000",
    "muted": "#666666",
    "baseline": (120, 120, 120, 40),
    "cued": (40, 160, 80, 40),
    "probe": (230, 170, 30, 50),
    "band": (40, 160, 80, 45),
}

#: How each tempo-change source is drawn: (colour, symbol, size, label).
SOURCE_STYLE = {
    "plan": ("#1f5fbf", "t1", 16, "plan (ramp)"),
    "adaptive": ("#888888", "o", 7, "adaptive"),
    "therapist": ("#e07000", "star", 22, "therapist"),
}

STYLE_SHEET = """
QWidget { font-size: 15pt; }
QPushButton { min-height: 52px; padding: 4px 12px; border-radius: 8px;
              border: 2px solid #8a8a8a; background: #f4f4f4; }
QPushButton:pressed { background: #dcdcdc; }
QPushButton:checked { background: #ffd27a; border-color: #b35900; }
QPushButton:disabled { color: #999; border-color: #ccc; }
QPushButton#primary { background: #1a7f37; color: white; border-color: #0f5a25;
                      font-weight: bold; }
QPushButton[big="true"] { font-size: 13pt; min-height: 44px; padding: 2px 8px; }
QPushButton#small { min-height: 28px; padding: 2px 8px; font-size: 12pt; border-radius: 6px; }
QPushButton#event { border-color: #7b3fa0; }
QPushButton#danger { background: #c00000; color: white; border-color: #800000;
                     font-weight: bold; }
QLabel#metricValue { font-size: 24pt; font-weight: bold; }
QLabel#metricTitle { font-size: 12pt; color: #444; }
QLabel#patient { font-size: 12pt; }
QLabel#timer { font-size: 30pt; font-weight: bold; font-family: "DejaVu Sans Mono"; }
QLabel#banner { font-size: 20pt; font-weight: bold; color: white; background: #c00000;
                padding: 10px; border-radius: 6px; }
QLabel#audioBanner { font-size: 15pt; font-weight: bold; color: white;
                     background: #b35900; padding: 10px; border-radius: 6px; }
QLabel#pageTitle { font-size: 24pt; font-weight: bold; }
QGroupBox { font-weight: bold; border: 1px solid #bbb; border-radius: 6px; margin-top: 14px;
            padding-top: 8px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QPlainTextEdit#log { font-size: 12pt; font-family: "DejaVu Sans Mono"; }
"""


def fmt(x: float | None, spec: str = ".1f", suffix: str = "") -> str:
    """A number for display, or an em dash when it is missing or NaN."""
    if x is None or not math.isfinite(x):
        return "—"
    return format(x, spec) + suffix


def fmt_clock(t_s: float) -> str:
    """Session seconds as ``m:ss`` (or ``h:mm:ss``); an em dash when unknown."""
    if not math.isfinite(t_s):
        return "—"
    total = max(0, int(t_s))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
