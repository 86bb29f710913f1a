-- Pupitre hub schema, version 1. Every JSON column holds a serde value of the named Rust type.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE projects (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    settings   TEXT NOT NULL,            -- ProjectSettings
    created_at INTEGER NOT NULL
);

CREATE TABLE groups (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    hours      TEXT,                     -- WeeklyHours, NULL = always open
    UNIQUE (project_id, name)
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,         -- argon2id PHC string
    role          TEXT NOT NULL,         -- agent | manager | admin
    slot_max      INTEGER NOT NULL,
    runtime       TEXT,                  -- AgentRuntime: chosen statuses, own slot limit…
    created_at    INTEGER NOT NULL
);

CREATE TABLE agent_groups (
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    group_id INTEGER NOT NULL REFERENCES groups(id),
    PRIMARY KEY (agent_id, group_id)
) WITHOUT ROWID;

CREATE TABLE refresh_tokens (
    hash       TEXT PRIMARY KEY,         -- SHA-256 of the token; the token itself is never stored
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE visitors (
    id         TEXT PRIMARY KEY,         -- UUID
    project_id INTEGER NOT NULL REFERENCES projects(id),
    card       TEXT NOT NULL,            -- VisitorCard
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE conversations (
    project_id        INTEGER NOT NULL REFERENCES projects(id),
    number            INTEGER NOT NULL,
    visitor_id        TEXT NOT NULL REFERENCES visitors(id),
    record            TEXT NOT NULL,     -- pupitre_routing::ConversationRecord
    state             TEXT NOT NULL,     -- copy of record.state for queries
    agent_id          INTEGER,           -- copy of the assigned agent, for queries
    conversation_type TEXT,
    PRIMARY KEY (project_id, number)
) WITHOUT ROWID;
CREATE INDEX conversations_visitor ON conversations (visitor_id, number);
CREATE INDEX conversations_agent ON conversations (agent_id) WHERE agent_id IS NOT NULL;

CREATE TABLE messages (
    project_id   INTEGER NOT NULL,
    id           INTEGER NOT NULL,
    conversation INTEGER NOT NULL,
    client_id    TEXT,
    author       TEXT NOT NULL,          -- protocol Author
    body         TEXT NOT NULL,          -- protocol Body
    for_visitor  INTEGER NOT NULL,       -- 0: agents only (transfer comments, internal events)
    at           INTEGER NOT NULL,
    PRIMARY KEY (project_id, id)
) WITHOUT ROWID;
CREATE INDEX messages_conversation ON messages (project_id, conversation, id);

-- One row per event of one client's stream (R12). `stream` is `a:<agent id>` or `v:<visitor id>`.
CREATE TABLE events (
    project_id INTEGER NOT NULL,
    stream     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    payload    TEXT NOT NULL,            -- AgentEvent or VisitorEvent
    PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
CREATE INDEX events_project_seq ON events (project_id, seq);

-- Client ids of the frames already applied (R12): a resend is acknowledged, not applied again.
CREATE TABLE applied (
    client_id TEXT PRIMARY KEY,
    at        INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE canned_responses (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    agent_id   INTEGER REFERENCES agents(id),   -- NULL: the admin's, for everyone
    theme      TEXT NOT NULL,
    shortcut   TEXT,
    language   TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX canned_project ON canned_responses (project_id, agent_id);
