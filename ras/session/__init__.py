"""Running a RAS session: baseline -> cued training -> uncued probe."""
