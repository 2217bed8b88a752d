-- Runs a teacher marks by hand (issue 11): "start run" / "end run" on one robot while a session
-- records, graded beside the runs taken from missions. Times are the orchestrator's clock, the
-- one every record's at_ms is on. A run still open when its session stops ends with it.

CREATE TABLE marked_runs (
    id             INTEGER PRIMARY KEY,
    session_id     INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    robot_id       TEXT    NOT NULL,
    -- What the teacher called it ("second try"), if anything.
    label          TEXT    CHECK (label IS NULL OR length(label) BETWEEN 1 AND 200),
    started_at_ms  INTEGER NOT NULL,
    -- NULL while the run is open.
    ended_at_ms    INTEGER CHECK (ended_at_ms IS NULL OR ended_at_ms >= started_at_ms)
) STRICT;

CREATE INDEX marked_runs_session ON marked_runs (session_id, id);

-- At most one open run per robot: "start run" twice is a mistake to report, not a second run.
CREATE UNIQUE INDEX marked_runs_one_open ON marked_runs (robot_id) WHERE ended_at_ms IS NULL;
