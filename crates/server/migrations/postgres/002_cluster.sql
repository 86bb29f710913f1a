-- Several hubs on one database (issue 14, DESIGN §14). Each project is owned by one node at a
-- time: the node holds the project's advisory lock on its ownership connection, and writes
-- the epoch it won here; every commit of a project's writer reads that epoch (FOR SHARE) and
-- fails unless it is its own, so a node that lost a project can never commit to it again,
-- and a takeover waits for the commit in flight.

CREATE TABLE nodes (
    id         TEXT PRIMARY KEY,        -- chosen at start (a UUID)
    url        TEXT NOT NULL,           -- where the other nodes reach it (proxied connections)
    started_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL          -- its last heartbeat (ms)
);

CREATE TABLE project_owners (
    project_id BIGINT PRIMARY KEY REFERENCES projects(id),
    node       TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    since      BIGINT NOT NULL
);

-- A backstop for R12's resumes: a stream's seqs only go up (a project's seq numbers its
-- events; one event may go to several streams under one seq), whatever a writer believes: a
-- writer that lost its place fails its commit instead of writing behind a client's resume point.
CREATE FUNCTION events_in_order() RETURNS trigger AS $$
DECLARE
    last BIGINT;
BEGIN
    SELECT MAX(seq) INTO last FROM events WHERE stream = NEW.stream;
    IF NEW.seq <= COALESCE(last, 0) THEN
        RAISE EXCEPTION 'event % of stream % after %: seqs only go up', NEW.seq, NEW.stream,
            last USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_in_order BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_in_order();
