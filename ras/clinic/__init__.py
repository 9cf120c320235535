"""A clinic's shared record: sessions recorded on each laptop, pushed to one PostgreSQL server.

Each laptop records into its own SQLite file as always (crash-safe, no network while a patient
walks). When a server is configured (``ras config server URL`` or ``$RAS_SERVER``), ended
sessions are pushed to it (:mod:`ras.clinic.push`: idempotent, resumable, a session pushed
twice is one session), and history, progress reports and exports read it
(:mod:`ras.clinic.records`), so a patient trained in two rooms has one history.
"""
