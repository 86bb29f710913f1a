//! **P10 statistics** (issue 12, D15): weekly and monthly figures of one agent and of a group of
//! 50 agents, over a store holding `--p10-conversations` closed conversations (1,000,000 by
//! default, over two years) and the agents' status changes; each asked of a real hub over
//! HTTP (`GET /api/stats/range`), at random periods. Goal: p99 ≤ 50 ms.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, ensure};
use chrono::{Duration as Days, NaiveDate};
use hdrhistogram::Histogram;
use pupitre_protocol::agent::Role;
use pupitre_protocol::{Availability, Channel};
use rand::{Rng as _, SeedableRng as _};

use super::{BenchArgs, BenchDir, prepare};
use crate::auth::{ACCESS_TTL, Claims};
use crate::hub_child::HubChild;
use crate::store::{
    AgentUpdate, Batch, ConversationFacts, SqliteStore, StatusChange, Store as _, StoreRead as _,
};

const AGENTS: usize = 50;
const YEARS_OF_DAYS: i64 = 730;
const FIRST_DAY: &str = "2025-01-06";
const ROUNDS: usize = 100;
const DAY: i64 = 86_400_000;

pub(super) async fn p10(
    args: &BenchArgs,
    exe: &Path,
    dir: &BenchDir,
) -> anyhow::Result<Vec<String>> {
    let conversations = args.p10_conversations;
    let p = prepare(dir, AGENTS, 3).await?;
    let agents: Vec<i64> = p.agents.iter().map(|(id, _)| *id).collect();
    let project = p.project;
    let db = dir.db();
    let first = NaiveDate::parse_from_str(FIRST_DAY, "%Y-%m-%d")?;
    let start = first
        .and_hms_opt(0, 0, 0)
        .context("midnight")?
        .and_utc()
        .timestamp_millis();
    let filled = Instant::now();
    let group = {
        let agents = agents.clone();
        tokio::task::spawn_blocking(move || fill(&db, project, &agents, conversations, start))
            .await??
    };
    eprintln!(
        "P10: {conversations} conversations and their agents' statuses stored in {:.1} s",
        filled.elapsed().as_secs_f64()
    );
    let hub = HubChild::start(exe, dir).await?;
    let token = |agent: i64, role: Role| {
        p.keys.sign(&Claims::Access {
            agent,
            project,
            role,
            exp: crate::clock::now_ms() + ACCESS_TTL,
        })
    };
    // The second agent is the group's manager (`fill`).
    let (agent_token, manager_token) = (
        token(agents[0], Role::Agent),
        token(agents[1], Role::Manager),
    );
    let http = reqwest::Client::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261207);
    let mut lines = vec![];
    let mut worst = 0.0f64;
    for (who, token, group) in [
        ("one agent", &agent_token, None),
        ("a group of 50", &manager_token, Some(group)),
    ] {
        for (period, days) in [("week", 7), ("month", 31)] {
            let mut took = Histogram::<u64>::new(3)?;
            for round in 0..=ROUNDS {
                let from = first + Days::days(rng.random_range(0..YEARS_OF_DAYS - days));
                let mut url = format!("{}/api/stats/range?from={from}&days={days}", hub.http_url());
                if let Some(g) = group {
                    url += &format!("&group={g}");
                }
                let t = Instant::now();
                let r = http.get(&url).bearer_auth(token).send().await?;
                ensure!(r.status().is_success(), "{url}: {}", r.status());
                let body: pupitre_protocol::stats::StatsRange = r.json().await?;
                let us = t.elapsed().as_micros() as u64;
                ensure!(body.days.len() == days as usize, "{url}: days");
                // The first request warms the connection and the caches: not counted.
                if round > 0 {
                    took.record(us)?;
                }
            }
            let (p50, p99) = (
                took.value_at_quantile(0.5) as f64 / 1000.0,
                took.value_at_quantile(0.99) as f64 / 1000.0,
            );
            worst = worst.max(p99);
            lines.push(format!("{who} {period} p50={p50:.1} p99={p99:.1}"));
        }
    }
    hub.stop().await;
    if let Some(keep) = &args.p10_keep_db {
        // The hub stopped: its file is whole (a checkpoint folds the WAL in first).
        let db = dir.db();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let conn = rusqlite::Connection::open(&db)?;
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
            Ok(())
        })
        .await??;
        std::fs::copy(dir.db(), keep).with_context(|| format!("keeping {}", keep.display()))?;
    }
    let verdict = if worst <= 50.0 { "OK" } else { "OVER" };
    Ok(vec![format!(
        "P10 stats_ms {} (goal p99<=50) conversations={conversations} {verdict}",
        lines.join(" · ")
    )])
}

/// Stores the closed conversations (spread evenly over two years and the agents) and each
/// agent's day: available at 9, busy a while, a break, unavailable at 18. Returns the group.
fn fill(
    db: &Path,
    project: crate::store::ProjectId,
    agents: &[i64],
    conversations: usize,
    start: i64,
) -> anyhow::Result<i64> {
    let mut store = SqliteStore::open(db)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let span = YEARS_OF_DAYS * DAY;
    let mut batch = Batch::default();
    for i in 0..conversations {
        let first = rng.random_range(5_000..120_000);
        batch.facts.push(ConversationFacts {
            number: i as i64 + 1,
            agent_id: Some(agents[i % agents.len()]),
            closed_at: start + (i as i64 * span) / conversations as i64,
            first_response_ms: Some(first),
            response_sum_ms: first * 3,
            response_count: 3,
            handling_ms: Some(rng.random_range(60_000..1_800_000)),
            conversation_type: Some("Sale".into()),
            important: i % 17 == 0,
            satisfaction: (i % 3 == 0).then_some(f64::from(rng.random_range(1..=5u8))),
            survey_comment: None,
            agent_answers: vec![],
            visitor_id: format!("v{i}"),
            visitor_name: String::new(),
            summary: "Bonjour, ma commande n'est pas arrivée".into(),
        });
        if batch.facts.len() == 20_000 {
            store.commit(project, &std::mem::take(&mut batch))?;
        }
    }
    let hour = DAY / 24;
    for day in 0..YEARS_OF_DAYS {
        for agent in agents {
            let at = start + day * DAY;
            for (h, availability) in [
                (9, Availability::Available),
                (11, Availability::Busy),
                (12, Availability::Unavailable),
                (13, Availability::Available),
                (18, Availability::Offline),
            ] {
                batch.status_changes.push(StatusChange {
                    agent_id: *agent,
                    channel: Channel::Chat,
                    availability,
                    optional: None,
                    at: at + h * hour,
                });
            }
        }
        if batch.status_changes.len() >= 20_000 {
            store.commit(project, &std::mem::take(&mut batch))?;
        }
    }
    store.commit(project, &batch)?;
    let manager = store
        .agent(agents[1])?
        .context("the bench's second agent")?;
    store.update_agent(&AgentUpdate {
        id: manager.id,
        name: manager.name,
        role: Role::Manager,
        slot_max: manager.slot_max,
        groups: manager.groups,
        active: true,
        channels: manager.channels,
    })?;
    let group = store
        .groups(project)?
        .first()
        .map(|g| g.id)
        .context("the bench's group")?;
    Ok(group)
}
