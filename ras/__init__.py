"""ras: Rhythmic Auditory Stimulation gait training."""

__version__ = "0.1.0"
