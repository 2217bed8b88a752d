-- The moments a replay's timeline lists (estops, line losses, line following started and
-- stopped): events and commands of a session by time. Partial, so the telemetry that makes up
-- nearly every record pays nothing for it on insert.
CREATE INDEX records_marks ON records (session_id, at_ms) WHERE kind IN ('event', 'command');
