//! P7: reconnect storms (SPEC R12). `--p7-visitors` visitors, each in a conversation (assigned
//! while slots last, queued beyond), and `--p7-agents` agents, all connected; then two cuts:
//!
//! - **kill**: the hub is killed (SIGKILL) and restarted on the same port; from the instant the
//!   new hub listens, every client reconnects at once and resumes from its last seq;
//! - **drop**: with the hub up, every socket is dropped at once and every client reconnects.
//!
//! `resume` is the time from that instant to the client's welcome; `first_event` to the first
//! new event of its stream: each visitor sends a message once welcomed, and the event carrying
//! it (committed, then delivered) is the one timed. Agents reconnect in the same storm (their
//! resume is not timed). The figure runs at `--p7-visitors` (goal p99 <= 1 s) and again at the
//! largest count the descriptor limits allow, up to `--p7-largest` (goal p99 <= 5 s).

use super::*;

/// Goal of the first size: p99 of both times, in milliseconds.
const GOAL_MS: f64 = 1_000.0;
/// Goal of the largest size.
const LARGEST_GOAL_MS: f64 = 5_000.0;
/// First messages unacknowledged at once while the conversations are set up.
const SETUP_IN_FLIGHT: usize = 256;

/// A visitor between two connections: what its widget keeps.
struct Visitor {
    token: String,
    last_seq: Seq,
}

/// An agent between two connections.
struct Agent {
    token: String,
    last_seq: Seq,
}

/// One client's times after a cut, in microseconds since the cut's instant.
struct Times {
    resume: u64,
    first_event: Option<u64>,
}

pub(super) async fn p7(args: &BenchArgs, exe: &Path) -> anyhow::Result<Vec<String>> {
    let mut lines = vec![];
    let largest = args.p7_largest.min(descriptor_room(args.p7_agents));
    for (n, goal) in [(args.p7_visitors, GOAL_MS), (largest, LARGEST_GOAL_MS)] {
        if n < args.p7_visitors && goal == LARGEST_GOAL_MS {
            continue;
        }
        let dir = BenchDir::new(&format!("bench-p7-{n}"))?;
        let result = tokio::time::timeout(FIGURE_LIMIT, size(args, exe, &dir, n, goal))
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("took longer than {FIGURE_LIMIT:?}")));
        match result {
            Ok(mut size_lines) => lines.append(&mut size_lines),
            Err(e) => {
                if let Some(tail) = dir.log_tail(20) {
                    eprintln!("last lines of the hub's log:\n{tail}");
                }
                return Err(e.context(format!("P7 with {n} visitors")));
            }
        }
        if args.p7_largest <= args.p7_visitors {
            break;
        }
    }
    Ok(lines)
}

/// Visitors the descriptor limits allow besides `agents` (a descriptor per connection on
/// both sides; the hub inherits the bench's limit).
fn descriptor_room(agents: usize) -> usize {
    let own_limit = raise_nofile_limit().0;
    let own_fds = open_fds("/proc/self").unwrap_or(FD_MARGIN);
    (own_limit.saturating_sub(own_fds + 2 * FD_MARGIN) as usize).saturating_sub(agents)
}

async fn size(
    args: &BenchArgs,
    exe: &Path,
    dir: &BenchDir,
    n: usize,
    goal_ms: f64,
) -> anyhow::Result<Vec<String>> {
    let slot_max = n.div_ceil(args.p7_agents).clamp(1, 50) as u32;
    let prepared = prepare(dir, args.p7_agents, slot_max).await?;
    let hub = HubChild::start(exe, dir).await?;
    let addr = hub.addr;
    let url = hub.ws_url();
    eprintln!(
        "P7: {n} visitors starting conversations, {} agents ({slot_max} slots each)",
        prepared.agents.len()
    );
    let tokens = agent_tokens(&hub, &prepared).await?;
    let agents = bounded(tokens.len(), CONNECT_CONCURRENCY, |i| {
        let token = tokens[i].1.clone();
        let url = url.clone();
        async move { connect_agent(&url, token, None).await }
    })
    .await?;
    let permits = Arc::new(Semaphore::new(SETUP_IN_FLIGHT));
    let visitors = bounded(n, CONNECT_CONCURRENCY, |_| {
        let (url, permits) = (url.clone(), permits.clone());
        async move { new_visitor(&url, permits).await }
    })
    .await?;
    tokio::time::sleep(SETTLE).await;
    let overflows_before = listen_overflows();

    // Kill: every socket ends with the hub.
    let (visitors, _sockets): (Vec<Visitor>, Vec<Ws>) = visitors.into_iter().unzip();
    let killed = Instant::now();
    hub.kill().await;
    let hub = HubChild::start_on(exe, dir, addr).await?;
    let listening = Instant::now();
    let restart_s = (listening - killed).as_secs_f64();
    drop(_sockets);
    let (kill, visitors, agents) = storm(&url, listening, visitors, agents).await?;

    // Drop: the hub stays up, every client cuts its socket at the same instant.
    tokio::time::sleep(SETTLE).await;
    let (visitors, sockets): (Vec<Visitor>, Vec<Ws>) = visitors.into_iter().unzip();
    let cut = Instant::now();
    drop(sockets);
    let (dropped, _visitors, _agents) = storm(&url, cut, visitors, agents).await?;
    let metrics = scrape(&hub).await.unwrap_or_default();
    hub.stop().await;

    let mut lines = vec![];
    for (cut, times, extra) in [
        ("kill", &kill, format!(" restart_s={restart_s:.2}")),
        ("drop", &dropped, String::new()),
    ] {
        let (mut resume, mut first) = (histogram(), histogram());
        for t in times {
            resume.saturating_record(t.resume);
            if let Some(f) = t.first_event {
                first.saturating_record(f);
            }
        }
        let met = ms(resume.value_at_quantile(0.99)) <= goal_ms
            && ms(first.value_at_quantile(0.99)) <= goal_ms
            && first.len() == n as u64;
        lines.push(format!(
            "P7 reconnect_{cut} visitors={n} resume_ms p50={:.0} p99={:.0} first_event_ms p50={:.0} p99={:.0} (goal p99<={goal_ms:.0}) {}",
            ms(resume.value_at_quantile(0.5)),
            ms(resume.value_at_quantile(0.99)),
            ms(first.value_at_quantile(0.5)),
            ms(first.value_at_quantile(0.99)),
            verdict(met),
        ));
        lines.push(format!(
            "   agents={} events={}/{n} max_resume_ms={:.0} max_first_event_ms={:.0}{extra}{}",
            args.p7_agents,
            first.len(),
            ms(resume.max()),
            ms(first.max()),
            load_note(),
        ));
    }
    if let (Some(before), Some(after)) = (overflows_before, listen_overflows()) {
        lines.push(format!(
            "   listen_overflows={} (kernel, during the storms) lagging_dropped={:.0}",
            after.saturating_sub(before),
            metrics
                .get("pupitre_lagging_connections_dropped_total")
                .copied()
                .unwrap_or(0.0)
        ));
    }
    Ok(lines)
}

/// A new visitor: hello, a first message (which starts its conversation), its echo.
async fn new_visitor(url: &str, permits: Arc<Semaphore>) -> anyhow::Result<(Visitor, Ws)> {
    let mut ws = open_ws(&format!("{url}/ws/visitor")).await?;
    send_frame(&mut ws, &visitor_hello(None, None)).await?;
    let welcome = read_welcome(&mut ws).await?;
    let token = welcome
        .get("token")
        .and_then(|t| t.as_str())
        .context("a visitor's welcome carries its token")?
        .to_owned();
    let _permit = permits.acquire().await?;
    let id = send_visitor_message(&mut ws, "p7 hello").await?;
    let last_seq = wait_event_of(&mut ws, id).await?;
    Ok((Visitor { token, last_seq }, ws))
}

/// Every client reconnects at once; the times run from `from`.
#[allow(clippy::type_complexity)]
async fn storm(
    url: &str,
    from: Instant,
    visitors: Vec<Visitor>,
    agents: Vec<(Agent, Ws)>,
) -> anyhow::Result<(Vec<Times>, Vec<(Visitor, Ws)>, Vec<(Agent, Ws)>)> {
    let agent_tasks: Vec<_> = agents
        .into_iter()
        .map(|(agent, ws)| {
            let url = url.to_owned();
            tokio::spawn(async move {
                drop(ws);
                connect_agent(&url, agent.token, Some(agent.last_seq)).await
            })
        })
        .collect();
    let visitor_tasks: Vec<_> = visitors
        .into_iter()
        .map(|v| {
            let url = url.to_owned();
            tokio::spawn(async move { resume_visitor(&url, v, from).await })
        })
        .collect();
    let mut times = Vec::with_capacity(visitor_tasks.len());
    let mut back = Vec::with_capacity(visitor_tasks.len());
    for task in visitor_tasks {
        let (t, v, ws) = task.await??;
        times.push(t);
        back.push((v, ws));
    }
    let agents = join_all(agent_tasks).await?;
    Ok((times, back, agents))
}

/// A visitor resuming: hello with its token and last seq, the welcome, then a message and the
/// event that carries it.
async fn resume_visitor(
    url: &str,
    visitor: Visitor,
    from: Instant,
) -> anyhow::Result<(Times, Visitor, Ws)> {
    let mut ws = open_ws(&format!("{url}/ws/visitor")).await?;
    send_frame(
        &mut ws,
        &visitor_hello(Some(visitor.token.clone()), Some(visitor.last_seq)),
    )
    .await?;
    read_welcome(&mut ws).await?;
    let resume = from.elapsed().as_micros() as u64;
    let id = send_visitor_message(&mut ws, "p7 back").await?;
    let last_seq = wait_event_of(&mut ws, id).await?;
    let first_event = Some(from.elapsed().as_micros() as u64);
    Ok((
        Times {
            resume,
            first_event,
        },
        Visitor {
            token: visitor.token,
            last_seq,
        },
        ws,
    ))
}

fn visitor_hello(token: Option<String>, last_seq: Option<Seq>) -> VisitorClientFrame {
    VisitorClientFrame::Hello {
        version: PROTOCOL_VERSION,
        project: PROJECT.into(),
        token,
        last_seq,
        language: None,
        page: None,
    }
}

/// An agent: hello (a resume with `last_seq`), available on chat. Its last seq is the one it
/// had, or the welcome's on a first connection; the events it gets meanwhile stay unread and
/// come again in its next replay.
async fn connect_agent(
    url: &str,
    token: String,
    last_seq: Option<Seq>,
) -> anyhow::Result<(Agent, Ws)> {
    let mut ws = open_ws(&format!("{url}/ws/agent")).await?;
    send_frame(
        &mut ws,
        &AgentClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: token.clone(),
            last_seq,
        },
    )
    .await?;
    let welcome = read_welcome(&mut ws).await?;
    let seq = welcome
        .get("seq")
        .and_then(|s| s.as_i64())
        .context("an agent's welcome carries its seq")?;
    if last_seq.is_none() {
        let id = uuid::Uuid::now_v7();
        send_frame(
            &mut ws,
            &AgentClientFrame::SetStatus {
                client_id: id,
                channel: Channel::Chat,
                status: ChosenStatus::Available,
            },
        )
        .await?;
        wait_ack(&mut ws, id).await?;
    }
    Ok((
        Agent {
            token,
            last_seq: last_seq.unwrap_or(seq),
        },
        ws,
    ))
}

/// Reads until the event carrying the visitor's message `id` (its echo), and returns its seq;
/// an error frame for `id` fails.
async fn wait_event_of(ws: &mut Ws, id: ClientId) -> anyhow::Result<Seq> {
    let id = id.to_string();
    tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            let text = next_text(ws).await?;
            if is_frame(&text, "error") && text.contains(&id) {
                bail!("refused: {text}");
            }
            if !is_frame(&text, "event") || !text.contains(&id) {
                continue;
            }
            let VisitorServerFrame::Event { seq, .. } = serde_json::from_str(&text)? else {
                continue;
            };
            return Ok(seq);
        }
    })
    .await
    .context("no event for the message in time")?
}

/// The kernel's count of connections dropped because a listen queue was full
/// (`ListenOverflows` in `/proc/net/netstat`), since boot.
fn listen_overflows() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        if !names.starts_with("TcpExt:") {
            continue;
        }
        let i = names
            .split_whitespace()
            .position(|n| n == "ListenOverflows")?;
        return values.split_whitespace().nth(i)?.parse().ok();
    }
    None
}
