"""Tests of ras.audio: the mixer, the cue engine and the PulseAudio loopback."""
