-- Telemetry packed for grading (`grading::sample_pack`): what grading reads of each telemetry
-- row, about 40 bytes instead of the 320-byte payload to parse again, written by the store
-- beside the rows of each insert (one pack a robot an insert, in the same transaction).
-- The payloads stay the record; a pack is a copy grading reads only while it is known to hold
-- every telemetry row of its session: `session_sizes.telemetry` (counted by the triggers, as
-- every other size) equal to `session_sizes.packed` (the packs' rows). Anything else (a session
-- recorded before this migration, a deleted or changed record, a deleted pack) and grading
-- reads the payloads, as before.

CREATE TABLE telemetry_packs (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- NULL for telemetry recorded without a robot (grading reads none).
    robot_id   TEXT,
    -- How many telemetry rows it holds.
    rows       INTEGER NOT NULL CHECK (rows > 0),
    pack       BLOB    NOT NULL
) STRICT;

CREATE INDEX telemetry_packs_session ON telemetry_packs (session_id);

-- NULL: not known (the session has rows from before this migration, or a row was changed).
ALTER TABLE session_sizes ADD COLUMN telemetry INTEGER;
ALTER TABLE session_sizes ADD COLUMN packed INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER session_sizes_insert;
CREATE TRIGGER session_sizes_insert AFTER INSERT ON records
BEGIN
    INSERT INTO session_sizes (session_id, records, bytes, first_id, last_id, telemetry)
        VALUES (NEW.session_id, 1, length(NEW.payload) + length(NEW.topic), NEW.id, NEW.id,
                NEW.kind = 'telemetry')
        ON CONFLICT (session_id) DO UPDATE
        SET records = records + 1, bytes = bytes + excluded.bytes,
            first_id = MIN(COALESCE(first_id, excluded.first_id), excluded.first_id),
            last_id = MAX(COALESCE(last_id, excluded.last_id), excluded.last_id),
            telemetry = telemetry + excluded.telemetry;
END;

DROP TRIGGER session_sizes_delete;
CREATE TRIGGER session_sizes_delete AFTER DELETE ON records
BEGIN
    UPDATE session_sizes
        SET records = records - 1, bytes = bytes - (length(OLD.payload) + length(OLD.topic)),
            telemetry = telemetry - (OLD.kind = 'telemetry')
        WHERE session_id = OLD.session_id;
END;

-- A changed record no longer matches its pack: neither session's packs are read again.
DROP TRIGGER session_sizes_update;
CREATE TRIGGER session_sizes_update AFTER UPDATE OF session_id, kind, topic, payload ON records
BEGIN
    UPDATE session_sizes
        SET records = records - 1, bytes = bytes - (length(OLD.payload) + length(OLD.topic)),
            telemetry = NULL
        WHERE session_id = OLD.session_id;
    INSERT INTO session_sizes (session_id, records, bytes, first_id, last_id, telemetry)
        VALUES (NEW.session_id, 1, length(NEW.payload) + length(NEW.topic), NEW.id, NEW.id, NULL)
        ON CONFLICT (session_id) DO UPDATE
        SET records = records + 1, bytes = bytes + excluded.bytes,
            first_id = MIN(COALESCE(first_id, excluded.first_id), excluded.first_id),
            last_id = MAX(COALESCE(last_id, excluded.last_id), excluded.last_id),
            telemetry = NULL;
END;

CREATE TRIGGER telemetry_packs_insert AFTER INSERT ON telemetry_packs
BEGIN
    UPDATE session_sizes SET packed = packed + NEW.rows WHERE session_id = NEW.session_id;
END;

CREATE TRIGGER telemetry_packs_delete AFTER DELETE ON telemetry_packs
BEGIN
    UPDATE session_sizes SET packed = packed - OLD.rows WHERE session_id = OLD.session_id;
END;

CREATE TRIGGER telemetry_packs_update AFTER UPDATE ON telemetry_packs
BEGIN
    UPDATE session_sizes SET telemetry = NULL
        WHERE session_id IN (OLD.session_id, NEW.session_id);
END;
