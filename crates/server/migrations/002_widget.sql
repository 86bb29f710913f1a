-- Pupitre hub schema, version 2: what the widget needs (issue 4).

-- The last message id the visitor has seen in the widget (R8: unseen agent messages are e-mailed).
ALTER TABLE visitors ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;

-- Files sent by agents or uploaded by visitors (W4, D12, D16). Served only to the conversation's
-- participants.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,       -- UUID
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    conversation INTEGER NOT NULL,
    name         TEXT NOT NULL,
    mime         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    at           INTEGER NOT NULL
) WITHOUT ROWID;

-- Answers by e-mail (R8): queued by the writer in the same transaction as the change that
-- triggers them, sent by the mailer, marked sent.
CREATE TABLE mail_outbox (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    conversation INTEGER NOT NULL,
    up_to        INTEGER NOT NULL,       -- the last message id this mail carries
    to_addr      TEXT NOT NULL,
    subject      TEXT NOT NULL,
    text         TEXT NOT NULL,
    html         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);
CREATE INDEX mail_outbox_pending ON mail_outbox (id) WHERE sent_at IS NULL;
CREATE INDEX mail_outbox_conversation ON mail_outbox (project_id, conversation, up_to);

-- Today's figures (D15) read the day's messages of a project.
CREATE INDEX messages_at ON messages (project_id, at);
