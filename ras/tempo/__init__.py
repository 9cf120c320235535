"""Tempo control: beat scheduling one beat ahead, tempo plans, adaptive correction, commands."""

from ras.tempo.adaptive import AdaptivePhaseCorrection
from ras.tempo.commands import COMMAND_HELP, Command, parse_command
from ras.tempo.plans import FixedPlan, IsoRampPlan, PlanContext, entrainment_ok, ramp_step_bpm
from ras.tempo.scheduler import Beat, BeatScheduler
from ras.tempo.sync import SyncTracker, mean_resultant_length, relative_phase

__all__ = [
    "COMMAND_HELP",
    "AdaptivePhaseCorrection",
    "Beat",
    "BeatScheduler",
    "Command",
    "FixedPlan",
    "IsoRampPlan",
    "PlanContext",
    "SyncTracker",
    "entrainment_ok",
    "mean_resultant_length",
    "parse_command",
    "ramp_step_bpm",
    "relative_phase",
]
