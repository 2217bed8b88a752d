-- Grades of runs (issue 11) and the teacher's overrides. A run is one robot over a span of a
-- session (a mission's start to its end). One row per run and rubric text: grading again with
-- the same rubric replaces the computed values in place (so overrides stay attached), grading
-- with another rubric (another hash) adds rows beside the earlier ones.

CREATE TABLE grades (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    robot_id        TEXT    NOT NULL,
    -- The mission the run was taken from (NULL for a span the teacher marked).
    mission_id      INTEGER,
    from_ms         INTEGER NOT NULL,
    to_ms           INTEGER NOT NULL CHECK (to_ms >= from_ms),
    rubric_name     TEXT    NOT NULL,
    rubric_version  INTEGER NOT NULL,
    -- SHA-256 of the rubric file's text: the version a teacher forgot to bump still differs.
    rubric_hash     TEXT    NOT NULL,
    -- The computed criteria as JSON (grading::CriterionGrade list), in the rubric's order.
    criteria        TEXT    NOT NULL CHECK (json_valid(criteria)),
    total           REAL    NOT NULL,
    scale           REAL    NOT NULL,
    passed          INTEGER NOT NULL CHECK (passed IN (0, 1)),
    unreliable      INTEGER NOT NULL CHECK (unreliable IN (0, 1)),
    -- grading::Reliability as JSON: the gaps, known and unknown time.
    gaps            TEXT    NOT NULL CHECK (json_valid(gaps)),
    graded_at_ms    INTEGER NOT NULL,
    UNIQUE (session_id, robot_id, from_ms, to_ms, rubric_hash)
) STRICT;

CREATE INDEX grades_session ON grades (session_id, rubric_hash);

CREATE TABLE grade_overrides (
    grade_id      INTEGER NOT NULL REFERENCES grades (id) ON DELETE CASCADE,
    -- A criterion's name (grading::Criterion::name) or 'total'.
    target        TEXT    NOT NULL CHECK (length(target) BETWEEN 1 AND 64),
    value         REAL    NOT NULL,
    reason        TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    at_ms         INTEGER NOT NULL,
    PRIMARY KEY (grade_id, target)
) STRICT;
