-- Each session's record count and bytes, kept up to date by triggers on `records`, so listing
-- the sizes (the dashboard asks every few seconds) reads one row per session instead of
-- walking every record of every session. Triggers rather than the store's insert code: every
-- write to `records` (the recorder, an import, a delete, a cascade) keeps the count right.
-- `bytes` is the topic and payload lengths, as `store::retention` has always measured them.

CREATE TABLE session_sizes (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    records    INTEGER NOT NULL CHECK (records >= 0),
    bytes      INTEGER NOT NULL CHECK (bytes >= 0)
) STRICT;

INSERT INTO session_sizes (session_id, records, bytes)
    SELECT session_id, COUNT(*), SUM(length(payload) + length(topic)) FROM records
    GROUP BY session_id;

CREATE TRIGGER session_sizes_insert AFTER INSERT ON records
BEGIN
    INSERT INTO session_sizes (session_id, records, bytes)
        VALUES (NEW.session_id, 1, length(NEW.payload) + length(NEW.topic))
        ON CONFLICT (session_id) DO UPDATE
        SET records = records + 1, bytes = bytes + excluded.bytes;
END;

-- An UPDATE, never an insert: the row may already be gone with its session (a cascade).
CREATE TRIGGER session_sizes_delete AFTER DELETE ON records
BEGIN
    UPDATE session_sizes
        SET records = records - 1, bytes = bytes - (length(OLD.payload) + length(OLD.topic))
        WHERE session_id = OLD.session_id;
END;

-- Nothing updates records today; this keeps the count right if something ever does.
CREATE TRIGGER session_sizes_update AFTER UPDATE OF session_id, topic, payload ON records
BEGIN
    UPDATE session_sizes
        SET records = records - 1, bytes = bytes - (length(OLD.payload) + length(OLD.topic))
        WHERE session_id = OLD.session_id;
    INSERT INTO session_sizes (session_id, records, bytes)
        VALUES (NEW.session_id, 1, length(NEW.payload) + length(NEW.topic))
        ON CONFLICT (session_id) DO UPDATE
        SET records = records + 1, bytes = bytes + excluded.bytes;
END;
