-- Pupitre hub schema, version 3: the administration console (issue 10, SPEC A10).

-- Moved by every audited change of a project's configuration, in the same transaction: a
-- running hub reads it every second and reloads the project, so `pupitre admin …` from the
-- command line reaches it too.
ALTER TABLE projects ADD COLUMN config_generation INTEGER NOT NULL DEFAULT 0;

-- Who changed what, when, before and after (A10). Written in the same transaction as the
-- change itself; never a secret (no password, no token).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    at          INTEGER NOT NULL,
    actor_id    INTEGER,                 -- NULL: the operator, on the hub's machine
    actor       TEXT NOT NULL,           -- as the actor was named then
    action      TEXT NOT NULL,           -- settings.update, group.create, agent.create, ...
    target      TEXT NOT NULL,
    changes     TEXT NOT NULL            -- JSON: [{"path", "before", "after"}]
);
CREATE INDEX audit_log_by_project ON audit_log (project_id, id);

-- A8: an agent deactivated keeps their history (messages, conversations, statistics) but can
-- no longer sign in; their live conversations go back to their groups.
ALTER TABLE agents ADD COLUMN active INTEGER NOT NULL DEFAULT 1;

-- A8: canned responses of a group (set by its managers or the admin), beside the project's
-- (group_id NULL) and the agents' own (agent_id set).
ALTER TABLE canned_responses ADD COLUMN group_id INTEGER REFERENCES groups(id);

-- A8: when an admin last set the agent's password; access tokens and console sessions made
-- before it are void (every session ends with the old password).
ALTER TABLE agents ADD COLUMN credentials_at INTEGER NOT NULL DEFAULT 0;

-- A8: knowledge articles, searched by agents (the desk's knowledge tab, the assistant).
CREATE TABLE knowledge_articles (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    tags        TEXT NOT NULL,           -- JSON array of lowercase tags
    language    TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX knowledge_by_project ON knowledge_articles (project_id, updated_at);

-- A8: the channels an agent works on (statuses exist per channel, R3).
ALTER TABLE agents ADD COLUMN channels TEXT NOT NULL DEFAULT '["chat"]';
