-- Where each session's records lie in the table: the smallest and largest record id it has had,
-- kept by the session-size triggers. The recorder writes one session at a time, so a session's
-- rows are nearly all of the ids between its bounds, and grading a class's hour walks them in
-- table order (one step a row) instead of seeking each row from the time index.
-- A delete leaves the bounds as they were: wider than the rows left, which a reader that also
-- checks `session_id` (every reader does) only pays for in rows skipped.

ALTER TABLE session_sizes ADD COLUMN first_id INTEGER;
ALTER TABLE session_sizes ADD COLUMN last_id INTEGER;

UPDATE session_sizes SET
    first_id = (SELECT MIN(id) FROM records WHERE records.session_id = session_sizes.session_id),
    last_id = (SELECT MAX(id) FROM records WHERE records.session_id = session_sizes.session_id);

DROP TRIGGER session_sizes_insert;
CREATE TRIGGER session_sizes_insert AFTER INSERT ON records
BEGIN
    INSERT INTO session_sizes (session_id, records, bytes, first_id, last_id)
        VALUES (NEW.session_id, 1, length(NEW.payload) + length(NEW.topic), NEW.id, NEW.id)
        ON CONFLICT (session_id) DO UPDATE
        SET records = records + 1, bytes = bytes + excluded.bytes,
            first_id = MIN(COALESCE(first_id, excluded.first_id), excluded.first_id),
            last_id = MAX(COALESCE(last_id, excluded.last_id), excluded.last_id);
END;

DROP TRIGGER session_sizes_update;
CREATE TRIGGER session_sizes_update AFTER UPDATE OF session_id, topic, payload ON records
BEGIN
    UPDATE session_sizes
        SET records = records - 1, bytes = bytes - (length(OLD.payload) + length(OLD.topic))
        WHERE session_id = OLD.session_id;
    INSERT INTO session_sizes (session_id, records, bytes, first_id, last_id)
        VALUES (NEW.session_id, 1, length(NEW.payload) + length(NEW.topic), NEW.id, NEW.id)
        ON CONFLICT (session_id) DO UPDATE
        SET records = records + 1, bytes = bytes + excluded.bytes,
            first_id = MIN(COALESCE(first_id, excluded.first_id), excluded.first_id),
            last_id = MAX(COALESCE(last_id, excluded.last_id), excluded.last_id);
END;
