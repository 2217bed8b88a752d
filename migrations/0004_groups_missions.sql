-- Groups of robots (teams, tables) and missions with their state transitions.
-- Times are Unix milliseconds (orchestrator clock). Robot ids are not foreign keys: the robots
-- table is written off the actors' path, so a robot the fleet knows may not be in it yet.

CREATE TABLE robot_groups (
    -- Same character rules as robot ids (protocol crate): 1..64 of A-Z a-z 0-9 - _ . :
    name          TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE robot_group_members (
    group_name  TEXT    NOT NULL REFERENCES robot_groups (name) ON DELETE CASCADE,
    robot_id    TEXT    NOT NULL,
    added_at_ms INTEGER NOT NULL,
    PRIMARY KEY (group_name, robot_id)
) STRICT;

CREATE TABLE missions (
    id            INTEGER PRIMARY KEY,
    robot_id      TEXT    NOT NULL,
    -- line_follow, script, ...: one of MissionSpec's kinds; no CHECK so a new kind needs no rebuild.
    kind          TEXT    NOT NULL,
    -- The mission's full specification as JSON (kind and parameters), as it was assigned.
    spec          TEXT    NOT NULL CHECK (json_valid(spec)),
    -- The group the mission was assigned through, if any (kept as text: groups can be deleted).
    group_name    TEXT,
    state         TEXT    NOT NULL CHECK (state IN
                      ('assigned', 'running', 'succeeded', 'failed', 'aborted', 'timed_out')),
    -- Why the mission is in its state (set on every transition that has a reason).
    reason        TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL CHECK (updated_at_ms >= created_at_ms),
    ended_at_ms   INTEGER CHECK (ended_at_ms IS NULL OR ended_at_ms >= created_at_ms)
) STRICT;

-- "Is this robot busy?" and one robot's mission history.
CREATE INDEX missions_robot ON missions (robot_id, id);

CREATE TABLE mission_transitions (
    id         INTEGER PRIMARY KEY,
    mission_id INTEGER NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
    -- NULL for the first row (the mission was created in `to_state`).
    from_state TEXT,
    to_state   TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    reason     TEXT
) STRICT;

CREATE INDEX mission_transitions_mission ON mission_transitions (mission_id, id);
