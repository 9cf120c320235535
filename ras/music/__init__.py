"""Music cues: a patient's songs, their beats, and rendering them so each beat lands on a cue."""
