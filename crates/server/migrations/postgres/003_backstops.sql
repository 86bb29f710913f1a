-- A backstop for R4 (issue 14, DESIGN §14): PostgreSQL itself refuses a commit that leaves an
-- agent holding more conversations than their slots, the ones transferred anyway apart (R7).
-- The routing engine never makes such a batch; this catches a bug before it is durable.
-- SQLite has no such trigger: one hub, one writer per file, and only that writer's engine
-- writes conversations there.
--
-- The engine's rule (crates/routing/src/engine.rs), which this follows:
--
-- * An agent's load is the conversations `Assigned` to them (their desk, on every channel: the
--   limit is one per agent, not per channel) plus the ones they joined as a manager (M3:
--   `ConversationRecord::joined`, each holding a slot). Their limit is `slot_limit`, their own
--   choice at most the admin's `slot_max` (R4: `agents.runtime`'s `slot_limit`,
--   `agents.slot_max`).
-- * Routing, a snooze's wake-up, a reopen to the previous agent (R9), a transfer without
--   "anyway" (a manager's take-over is one) and a join all give an agent one more conversation
--   only when they have room: load < slot_limit before, so load <= slot_limit after.
-- * A transfer anyway to an agent without room is `Assigned { over_limit: true }`: the only
--   exception (R7). Its conversation still counts in `load` for routing (the agent stays busy),
--   but never against the limit (`Engine::check_slots`, `non_over_limit_load`).
-- * The limit may go below what the desk holds, legitimately: an agent lowers their own limit,
--   an admin lowers `slot_max`, a restart restores whatever the desk held. The engine then
--   keeps what is there (its `allowance`) and gives nothing more until the load is below the
--   limit again. So "held <= limit" is not a state invariant, and checking it on every commit
--   would refuse, for ever, every batch of an agent whose limit was lowered.
--
-- Hence the check, at commit (a CONSTRAINT TRIGGER, deferred: a batch that closes one of an
-- agent's conversations and gives them another is judged on its result, in whatever order its
-- rows were written):
--
-- * Only for the agents this commit gave a conversation, not transferred anyway: a row that is
--   now `assigned`, not over the limit, to an agent who did not hold it so before this commit's
--   write of it (inserted so, or its agent changed, or it was not assigned, or it was over the
--   limit); and managers now in its `joined` who were not before. A conversation kept on the
--   same desk (a message, a timer, a type) checks nothing, so a desk above a lowered limit
--   keeps committing.
-- * Such an agent must hold at most their limit in the project: conversations assigned to them
--   not over the limit, plus the live ones they joined. The engine had load <= slot_limit <=
--   its slot_max when it made the last such increase; later steps of the same batch only took
--   slots away (or gave over-limit ones). So the count at commit is at most the limit the
--   engine had at that moment.
-- * The limit is the greater of `agents.slot_max` and the `slot_limit` of `agents.runtime`,
--   not the smaller one the engine restores. The engine's maximum is `agents.slot_max` as it
--   read it last (a reload, the agent's hello): an admin's change commits first, then the
--   project's writer reloads (told at once by its own node's admin API, within a second,
--   `CONFIGURATION_POLL`, when another node or the command line made it), assigning with the
--   old maximum in between. The runtime is the writer's own view of the limit, written in
--   the same transaction as every assignment and join (the agent is dirty), as it is at the
--   end of the batch. The greater of the two is below the engine's limit only when both moved
--   down: an admin lowered `slot_max` before this commit and, in this batch after the
--   assignment, the agent lowered their own limit or their desk said hello (which reads the
--   new maximum). That batch is refused: its frames are answered `internal` and sent again,
--   and the writer reloads the project from the store, new maximum included, so the next
--   batches pass (one batch again, never a loop). Exact would need the writer to store the
--   limit it assigned under.
-- * An agent the database does not know (no `agents` row: conversations have no foreign key
--   to agents) has no limit here; the engine puts such conversations back in their queue.
--
-- Refused with SQLSTATE PU001 (Pupitre's own class, "PU"), naming the agent and the counts.
-- Two projects' writers never count the same rows (an agent is one project's), and a
-- project has one writer: the count at commit is not raced.

-- Whether a `ConversationRecord` (JSON: `"state": {"state": "assigned", ..., "over_limit": true}`)
-- was transferred anyway.
CREATE FUNCTION assigned_over_limit(conversation_record TEXT) RETURNS BOOLEAN AS $$
    SELECT COALESCE((conversation_record::jsonb #>> '{state,over_limit}')::boolean, FALSE)
$$ LANGUAGE sql IMMUTABLE STRICT;

CREATE FUNCTION load_within_slots() RETURNS trigger AS $$
DECLARE
    newcomers BIGINT[] := '{}';
    agent     BIGINT;
    slots     BIGINT;
    on_desk   BIGINT;
    joined    BIGINT;
    held_before BOOLEAN := FALSE;
BEGIN
    -- The WHEN of the trigger: NEW is assigned (joins hold only on assigned conversations).
    IF NEW.agent_id IS NOT NULL AND NOT assigned_over_limit(NEW.record) THEN
        IF TG_OP = 'UPDATE' THEN
            held_before := OLD.state = 'assigned'
                AND OLD.agent_id IS NOT DISTINCT FROM NEW.agent_id
                AND NOT assigned_over_limit(OLD.record);
        END IF;
        IF NOT held_before THEN
            newcomers := newcomers || NEW.agent_id;
        END IF;
    END IF;
    -- `joined` is written only when not empty (`skip_serializing_if`).
    IF NEW.record LIKE '%"joined":%' THEN
        newcomers := newcomers || ARRAY(
            SELECT j::bigint FROM jsonb_array_elements_text(NEW.record::jsonb -> 'joined') AS j
            EXCEPT
            SELECT j::bigint FROM jsonb_array_elements_text(
                CASE WHEN TG_OP = 'UPDATE' AND OLD.state = 'assigned'
                     THEN OLD.record::jsonb -> 'joined' END) AS j);
    END IF;
    FOREACH agent IN ARRAY newcomers LOOP
        SELECT GREATEST(a.slot_max, (a.runtime::jsonb ->> 'slot_limit')::bigint)
            INTO slots FROM agents a WHERE a.id = agent;
        CONTINUE WHEN NOT FOUND;
        -- `conversations_agent` (001): agent_id is set only while assigned.
        SELECT count(*) INTO on_desk FROM conversations c
            WHERE c.agent_id = agent AND c.project_id = NEW.project_id
              AND c.state = 'assigned' AND NOT assigned_over_limit(c.record);
        -- `conversations_joined` (below): the few conversations joined now.
        SELECT count(*) INTO joined FROM conversations c
            WHERE c.project_id = NEW.project_id
              AND c.state = 'assigned' AND c.record LIKE '%"joined":%'
              AND (c.record::jsonb -> 'joined') @> to_jsonb(agent);
        IF on_desk + joined > slots THEN
            RAISE EXCEPTION 'agent % would hold % conversations not transferred anyway (% assigned, % joined) over a slot limit of % (R4)',
                agent, on_desk + joined, on_desk, joined, slots
                USING ERRCODE = 'PU001',
                      DETAIL = format('project %s, conversation %s', NEW.project_id, NEW.number);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER load_within_slots
    AFTER INSERT OR UPDATE ON conversations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.state = 'assigned')
    EXECUTE FUNCTION load_within_slots();

-- The conversations some manager joins now (few): the count of an agent's joins reads only
-- these. The predicate is the trigger's, word for word, so that the planner uses it.
CREATE INDEX conversations_joined ON conversations (project_id)
    WHERE state = 'assigned' AND record LIKE '%"joined":%';
