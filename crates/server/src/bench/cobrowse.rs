//! P9, co-browsing's relay (issue 11 names it P7; that number was taken by the reconnect
//! storms). `--p9-sessions` conversations, each with a co-browsing session asked by its agent
//! and accepted by its visitor; each page then sends a full snapshot of `--p9-snapshot-kb` and
//! ten small incremental frames a second (mouse, scroll) for `--p9-seconds`, and each agent's
//! view of the relay receives them.
//! - consent → first view: the visitor's `accept` sent → the view's receipt of the page's first
//!   full snapshot, over the hub's path (the recorder's own time in the browser is measured by
//!   the widget's end-to-end test).
//! - page → view: a frame sent by the page → received by the agent's view (goal p50 ≤ 150 ms,
//!   p99 ≤ 500 ms).
//! - memory: the hub's RSS growth with every session live, per session (goal ≤ 1 MB).
//! - C3: the hub's log holds no byte of what the pages sent.

use super::*;
use pupitre_protocol::cobrowse::{
    AgentCobrowse, CobrowsePhase, CobrowseState, FLAG_FULL, RelayHello, RelaySide, VisitorCobrowse,
};

const P50_GOAL_MS: f64 = 150.0;
const P99_GOAL_MS: f64 = 500.0;
const FIRST_VIEW_GOAL_MS: f64 = 1000.0;
const MEMORY_GOAL_KB: f64 = 1024.0;
/// What every page's frames carry, so that the hub's log can be searched for it.
const MARKER: &str = "p9-page-content-marker";
const FRAME_EVERY: Duration = Duration::from_millis(100);

pub(super) async fn p9(
    args: &BenchArgs,
    exe: &Path,
    dir: &BenchDir,
) -> anyhow::Result<Vec<String>> {
    let n = args.p9_sessions;
    let agents = n.div_ceil(10).max(1);
    let prepared = prepare(dir, agents, slots_for(n, agents)?).await?;
    let hub = HubChild::start(exe, dir).await?;
    let pid = hub.pid()?;
    let mut desks = connect_agents(&hub, &prepared).await?;
    let url = hub.ws_url();
    let mut visitors = bounded(n, CONNECT_CONCURRENCY, |_| {
        let url = url.clone();
        async move {
            let mut ws = visitor_ws(&url).await?;
            let id = send_visitor_message(&mut ws, "Could you look at my page?").await?;
            wait_ack(&mut ws, id).await?;
            Ok(Some(ws))
        }
    })
    .await?;
    // Which agent got which conversation (the visitor learns its own from the request).
    let mut assigned: Vec<(usize, pupitre_protocol::ConversationRef)> = vec![];
    let deadline = Instant::now() + STEP_TIMEOUT;
    while assigned.len() < n {
        ensure!(
            Instant::now() < deadline,
            "{} of {n} conversations assigned",
            assigned.len()
        );
        for (i, (_, ws)) in desks.iter_mut().enumerate() {
            while let Ok(text) =
                tokio::time::timeout(Duration::from_millis(50), next_text(ws)).await
            {
                if let Ok(AgentServerFrame::Event {
                    event: AgentEvent::ConversationAssigned { conversation, .. },
                    ..
                }) = serde_json::from_str(&text?)
                {
                    assigned.push((i, conversation.reference));
                }
            }
        }
    }
    let sessions: Vec<Ws> = visitors.iter_mut().filter_map(Option::take).collect();
    let rss_before = rss_kb(pid)?;
    eprintln!("P9: {n} conversations on {agents} agents; asking for co-browsing");
    for (agent, conversation) in assigned {
        send_frame(
            &mut desks[agent].1,
            &AgentClientFrame::Cobrowse {
                conversation,
                action: AgentCobrowse::Ask,
            },
        )
        .await?;
    }
    // Desks keep reading (and dropping) their frames so that nothing backs up.
    let stop = watch::channel(false);
    let readers: Vec<_> = desks
        .into_iter()
        .map(|(_, mut ws)| {
            let mut stop = stop.1.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        r = next_text(&mut ws) => if r.is_err() { return },
                        _ = stop.changed() => return,
                    }
                }
            })
        })
        .collect();
    let clock = Instant::now();
    let base = hub.ws_url();
    let snapshot = format!(
        "[{{\"type\":2,\"data\":\"{MARKER}{}\"}}]",
        "x".repeat(args.p9_snapshot_kb * 1024)
    );
    let end = Instant::now() + Duration::from_secs(args.p9_seconds) + Duration::from_secs(2);
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|v| {
            let (base, snapshot) = (base.clone(), snapshot.clone());
            tokio::spawn(session(v, base, snapshot, clock, end))
        })
        .collect();
    // Memory with every session live and its snapshot kept.
    tokio::time::sleep(Duration::from_secs(args.p9_seconds / 2 + 1)).await;
    let rss_live = rss_kb(pid)?;
    let mut first_view = histogram();
    let mut relayed = histogram();
    let mut frames = 0u64;
    for task in tasks {
        let (first, lat, count) = task.await??;
        first_view.record(first)?;
        relayed.add(lat)?;
        frames += count;
    }
    let _ = stop.0.send(true);
    for r in readers {
        let _ = r.await;
    }
    let per_session_kb = rss_live.saturating_sub(rss_before) as f64 / n as f64;
    let log = std::fs::read(dir.log()).unwrap_or_default();
    let leaked = log.windows(MARKER.len()).any(|w| w == MARKER.as_bytes());
    drop(hub);
    let (p50, p99) = (
        ms(relayed.value_at_quantile(0.5)),
        ms(relayed.value_at_quantile(0.99)),
    );
    let first_p99 = ms(first_view.value_at_quantile(0.99));
    let met = p50 <= P50_GOAL_MS
        && p99 <= P99_GOAL_MS
        && first_p99 <= FIRST_VIEW_GOAL_MS
        && per_session_kb <= MEMORY_GOAL_KB
        && !leaked;
    Ok(vec![format!(
        "P9 co-browsing relay, {n} sessions ({} KB snapshot, {:.0} frames/s each): page → view p50 {p50:.1} ms p99 {p99:.1} ms (goal ≤ {P50_GOAL_MS:.0} / {P99_GOAL_MS:.0}); consent → first view p50 {:.1} ms p99 {first_p99:.1} ms (goal ≤ {FIRST_VIEW_GOAL_MS:.0}); hub memory {per_session_kb:.0} KB per live session (goal ≤ {MEMORY_GOAL_KB:.0}); {frames} frames relayed; page content in the hub's log: {} {}{}",
        args.p9_snapshot_kb,
        1000.0 / FRAME_EVERY.as_millis() as f64,
        ms(first_view.value_at_quantile(0.5)),
        if leaked { "FOUND" } else { "none" },
        verdict(met),
        load_note(),
    )])
}

/// One session: the visitor accepts, its page connects and sends, the agent's view receives.
/// Answers (consent → first view, page → view latencies, frames received).
async fn session(
    mut visitor: Ws,
    base: String,
    snapshot: String,
    clock: Instant,
    end: Instant,
) -> anyhow::Result<(u64, Histogram<u64>, u64)> {
    let state = |text: &str| -> Option<CobrowseState> {
        match serde_json::from_str(text) {
            Ok(VisitorServerFrame::Cobrowse(state)) => Some(state),
            _ => None,
        }
    };
    // Asked: accept.
    let conversation = tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            let text = next_text(&mut visitor).await?;
            if let Some(st) = state(&text).filter(|st| st.phase == CobrowsePhase::Asked) {
                return anyhow::Ok(st.conversation);
            }
        }
    })
    .await
    .context("no co-browsing request in time")??;
    let accepted = micros(clock);
    send_frame(
        &mut visitor,
        &VisitorClientFrame::Cobrowse {
            conversation,
            action: VisitorCobrowse::Accept,
        },
    )
    .await?;
    let relay = tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            let text = next_text(&mut visitor).await?;
            if let Some(relay) = state(&text).and_then(|st| st.relay) {
                return anyhow::Ok(relay);
            }
        }
    })
    .await
    .context("no relay in time")??;
    let hello = |side| {
        WsMessage::text(
            serde_json::to_string(&RelayHello {
                relay: relay.clone(),
                side,
            })
            .expect("serialize"),
        )
    };
    let mut view = open_ws(&format!("{base}/ws/cobrowse")).await?;
    view.send(hello(RelaySide::Agent)).await?;
    let mut page = open_ws(&format!("{base}/ws/cobrowse")).await?;
    page.send(hello(RelaySide::Visitor)).await?;
    let frame = |flags: u8, body: &str| {
        let mut bytes = Vec::with_capacity(body.len() + 1);
        bytes.push(flags);
        bytes.extend_from_slice(body.as_bytes());
        WsMessage::binary(bytes)
    };
    page.send(frame(FLAG_FULL, &snapshot)).await?;
    // The view: the first full snapshot, then stamped incremental frames.
    let receiver = tokio::spawn(async move {
        let mut first = None;
        let mut latencies = histogram();
        let mut count = 0u64;
        while let Ok(Some(message)) = tokio::time::timeout_at(end, view.next()).await {
            let Ok(WsMessage::Binary(bytes)) = message else {
                continue;
            };
            count += 1;
            if bytes.first() == Some(&FLAG_FULL) {
                first.get_or_insert(micros(clock).saturating_sub(accepted).max(1));
            } else if let Some(sent) = std::str::from_utf8(&bytes[1..])
                .ok()
                .and_then(|t| t.strip_prefix("[{\"type\":3,\"t\":"))
                .and_then(|t| t.split('}').next())
                .and_then(|t| t.parse::<u64>().ok())
            {
                latencies.record(micros(clock).saturating_sub(sent).max(1))?;
            }
        }
        anyhow::Ok((
            first.context("the view never got the snapshot")?,
            latencies,
            count,
        ))
    });
    let mut tick = tokio::time::interval(FRAME_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    while Instant::now() + Duration::from_secs(2) < end {
        tick.tick().await;
        let body = format!(
            "[{{\"type\":3,\"t\":{}}},{{\"source\":1,\"positions\":[{{\"x\":120,\"y\":340}}],\"m\":\"{MARKER}\"}}]",
            micros(clock)
        );
        page.send(frame(0, &body)).await?;
    }
    receiver.await?
}
