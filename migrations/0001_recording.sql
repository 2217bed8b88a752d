-- Recording: sessions, the raw records of each session, and the last known state of every robot.
-- Times are Unix milliseconds (orchestrator clock). Tables are STRICT so a wrong type is an error,
-- not a silently coerced value.

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    started_at_ms INTEGER NOT NULL,
    stopped_at_ms INTEGER CHECK (stopped_at_ms IS NULL OR stopped_at_ms >= started_at_ms),
    -- Records the recorder had to drop while this session ran (channel full, store failing):
    -- a replay or a grade can tell a complete recording from one with gaps.
    dropped       INTEGER NOT NULL DEFAULT 0 CHECK (dropped >= 0)
) STRICT;

-- At most one running session: every running row indexes the same value (1), so a second one
-- violates uniqueness. The store relies on this instead of trusting its callers.
CREATE UNIQUE INDEX sessions_one_running ON sessions ((stopped_at_ms IS NULL))
    WHERE stopped_at_ms IS NULL;

CREATE TABLE records (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- NULL for fleet-wide records (a broadcast command).
    robot_id   TEXT,
    -- One of RecordKind::as_str(); no CHECK so that a new kind needs no table rebuild.
    kind       TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    topic      TEXT    NOT NULL,
    -- The payload exactly as received or sent, for a faithful replay.
    payload    BLOB    NOT NULL
) STRICT;

-- Replay reads one session in time order; the rowid breaks ties in arrival order.
CREATE INDEX records_session_at ON records (session_id, at_ms);
-- One robot's story across sessions (grading a run, the dashboard's history).
CREATE INDEX records_robot_at ON records (robot_id, at_ms);

-- What a restarted robot actor reloads: the last status it published and the state the
-- orchestrator derived for it (online, offline, stale, ...).
CREATE TABLE robots (
    id            TEXT    PRIMARY KEY,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL CHECK (last_seen_ms >= first_seen_ms),
    last_status   TEXT CHECK (last_status IS NULL OR json_valid(last_status)),
    last_state    TEXT    NOT NULL
) STRICT;
