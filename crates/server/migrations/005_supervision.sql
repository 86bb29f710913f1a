-- M2: help requests from agents to managers. `record` is the routing crate's HelpRecord
-- (JSON); open ones are read back when a project's writer starts, so a restart keeps asking.
CREATE TABLE help_requests (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    id INTEGER NOT NULL,
    conversation INTEGER NOT NULL,
    open INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX help_requests_open ON help_requests (project_id) WHERE open = 1;
