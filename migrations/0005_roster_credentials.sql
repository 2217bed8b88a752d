-- The class roster (students, their team, the robot each drives) and the robots' broker
-- credentials. Secrets are never stored: each credential keeps two salted hashes of its one
-- password, the embedded broker's (`sha256$salt$digest`) and Mosquitto's (`$7$` PBKDF2-SHA512,
-- what `mosquitto_passwd` writes), so `broker-config` can write a password file without it.
-- Times are Unix milliseconds (orchestrator clock).

CREATE TABLE students (
    -- Same character rules as robot ids (protocol crate): it is the student's MQTT username.
    id              TEXT    PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    name            TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- A group name (robot_groups.name) or NULL; not a foreign key: the group is made from it.
    team            TEXT    CHECK (team IS NULL OR length(team) BETWEEN 1 AND 64),
    -- The robot this student drives, or NULL (not a foreign key: robots rows come later).
    robot_id        TEXT    CHECK (robot_id IS NULL OR length(robot_id) BETWEEN 1 AND 64),
    -- The student's token (HTTP bearer and MQTT password), hashed twice as described above.
    token_hash      TEXT    NOT NULL,
    mosquitto_hash  TEXT    NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL CHECK (updated_at_ms >= created_at_ms)
) STRICT;

CREATE INDEX students_robot ON students (robot_id);

-- One row per enrolled robot: its MQTT username and client id are its robot id.
CREATE TABLE robot_credentials (
    robot_id        TEXT    PRIMARY KEY CHECK (length(robot_id) BETWEEN 1 AND 64),
    password_hash   TEXT    NOT NULL,
    mosquitto_hash  TEXT    NOT NULL,
    enrolled_at_ms  INTEGER NOT NULL
) STRICT;
