-- Pupitre hub schema, version 4: statistics over time (issue 12, SPEC D15).

-- One row per closed conversation: its figures, computed from its thread by the writer in the
-- same transaction as the close (and again when its survey is answered after). The weekly and
-- monthly statistics and the list of closed conversations read only this table.
CREATE TABLE conversation_facts (
    project_id        INTEGER NOT NULL,
    number            INTEGER NOT NULL,
    agent_id          INTEGER,           -- the agent who handled it (the last assigned)
    closed_at         INTEGER NOT NULL,
    first_response_ms INTEGER,
    response_sum_ms   INTEGER NOT NULL DEFAULT 0,
    response_count    INTEGER NOT NULL DEFAULT 0,
    handling_ms       INTEGER,           -- from the first assignment to the close
    conversation_type TEXT,
    important         INTEGER NOT NULL DEFAULT 0,
    satisfaction      REAL,              -- of 5
    survey_comment    TEXT,
    agent_answers     TEXT NOT NULL DEFAULT '[]', -- JSON: the closing questionnaire's lines
    visitor_id        TEXT NOT NULL,
    visitor_name      TEXT NOT NULL,     -- empty: none given
    summary           TEXT NOT NULL,     -- the visitor's first words
    PRIMARY KEY (project_id, number)
) WITHOUT ROWID;
-- Covering the statistics' sums (P10: a month of 50 agents' conversations read from the index).
CREATE INDEX conversation_facts_agent ON conversation_facts (project_id, agent_id, closed_at,
    first_response_ms, response_sum_ms, response_count, handling_ms, satisfaction);
CREATE INDEX conversation_facts_closed ON conversation_facts (project_id, closed_at);

-- D16: conversations an agent marked important (shown in the boxes, the statistics' list).
ALTER TABLE conversations ADD COLUMN important INTEGER NOT NULL DEFAULT 0;

-- D15: sales the brand's site reports (`Pupitre.sale`), attributed to the visitor's latest
-- conversation and its agent; one row per order.
CREATE TABLE sales (
    project_id   INTEGER NOT NULL,
    order_ref    TEXT NOT NULL,
    number       INTEGER NOT NULL,       -- the conversation
    agent_id     INTEGER,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (project_id, order_ref)
) WITHOUT ROWID;
CREATE INDEX sales_agent ON sales (project_id, agent_id, at);

-- Each agent's shown status per channel, one row per change (D15: time per status).
CREATE TABLE status_log (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL,
    agent_id     INTEGER NOT NULL,
    channel      TEXT NOT NULL,          -- protocol Channel
    availability TEXT NOT NULL,          -- protocol Availability
    optional     TEXT,                   -- the optional status chosen, if one
    at           INTEGER NOT NULL
);
CREATE INDEX status_log_agent ON status_log (project_id, agent_id, channel, at);
