//! P8: a login flood (issue 9). While P1's load runs, `--p8-rounds` rounds of `--p8-logins`
//! concurrent wrong-password logins, from `--p8-addresses` loopback addresses, guessing the
//! real agents' passwords; during the second round an agent logs in with the right password
//! from an address of its own, retrying when told to (`Retry-After`). Goals: the hub's RSS
//! grows by at most 64 MB, P1's delivery p99 stays within 50 ms, and the agent is in within 2 s.

use super::*;

const RSS_GOAL_KB: u64 = 64 * 1024;
const P1_GOAL_MS: f64 = 50.0;
const LOGIN_GOAL: Duration = Duration::from_secs(2);
/// Between two rounds.
const ROUND_EVERY: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Answers {
    unauthorized: AtomicU64,
    refused: AtomicU64,
    other: AtomicU64,
}

pub(super) async fn p8(
    args: &BenchArgs,
    exe: &Path,
    dir: &BenchDir,
) -> anyhow::Result<Vec<String>> {
    let n = args.p1_conversations;
    let slot_max = slots_for(n, args.p1_agents)?;
    let prepared = prepare(dir, args.p1_agents, slot_max).await?;
    let hub = HubChild::start(exe, dir).await?;
    let pid = hub.pid()?;
    let seconds = ROUND_EVERY.as_secs() * args.p8_rounds as u64 + 2;
    let load = P1Load::start(&hub, &prepared, n, args.p1_interval_ms, seconds, "P8").await?;
    let before = rss_kb(pid)?;
    let most = Arc::new(AtomicU64::new(before));
    let sampling = {
        let most = most.clone();
        tokio::spawn(async move {
            while let Ok(kb) = rss_kb(pid) {
                most.fetch_max(kb, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let url = format!("{}/api/login", hub.http_url());
    let attackers: Vec<reqwest::Client> = (0..args.p8_addresses)
        .map(|i| from_address(std::net::Ipv4Addr::new(127, 0, 1, 1 + i as u8)))
        .collect::<anyhow::Result<_>>()?;
    let answers = Arc::new(Answers::default());
    let mut agent_login = None;
    for round in 0..args.p8_rounds {
        if round > 0 {
            tokio::time::sleep(ROUND_EVERY).await;
        }
        let flood: Vec<_> = (0..args.p8_logins)
            .map(|i| {
                let client = attackers[i % attackers.len()].clone();
                let (url, answers) = (url.clone(), answers.clone());
                let email = agent_email(i % prepared.agents.len().max(1));
                tokio::spawn(async move {
                    let status = client
                        .post(url)
                        .json(&serde_json::json!({"email": email, "password": "a guess"}))
                        .send()
                        .await
                        .map(|r| r.status().as_u16());
                    let counter = match status {
                        Ok(401) => &answers.unauthorized,
                        Ok(429) => &answers.refused,
                        _ => &answers.other,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        if round == 1.min(args.p8_rounds - 1) {
            let (url, email) = (url.clone(), agent_email(0));
            agent_login = Some(tokio::spawn(
                async move { login_as_agent(&url, &email).await },
            ));
        }
        for task in flood {
            task.await?;
        }
    }
    let agent_in = agent_login.context("the agent's login ran")?.await??;
    let done = load.finish().await?;
    sampling.abort();
    let growth = most.load(Ordering::Relaxed).saturating_sub(before);
    hub.stop().await;
    let p99 = ms(done.delivery.value_at_quantile(0.99));
    let (unauthorized, refused, other) = (
        answers.unauthorized.load(Ordering::Relaxed),
        answers.refused.load(Ordering::Relaxed),
        answers.other.load(Ordering::Relaxed),
    );
    let ok = growth <= RSS_GOAL_KB
        && p99 <= P1_GOAL_MS
        && agent_in <= LOGIN_GOAL
        && other == 0
        && done.delivered >= done.sent;
    Ok(vec![
        format!(
            "P8 login_flood rss_growth_mb={:.1} p1_p99_ms={p99:.1} agent_login_ms={} (goal rss<=64 p99<=50 login<=2000) logins={}x{} addresses={} {}",
            growth as f64 / 1024.0,
            agent_in.as_millis(),
            args.p8_rounds,
            args.p8_logins,
            args.p8_addresses,
            verdict(ok)
        ),
        format!(
            "   answers 401={unauthorized} 429={refused} other={other} rss_before_mb={:.1} p1 delivered={}/{}{}",
            before as f64 / 1024.0,
            done.delivered,
            done.sent,
            load_note()
        ),
    ])
}

/// An HTTP client whose connections leave from `ip` (a loopback address).
fn from_address(ip: std::net::Ipv4Addr) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(ip))
        .timeout(STEP_TIMEOUT)
        .build()?)
}

/// An agent's right password from its own address, retrying when refused for load: the time
/// until it is in.
async fn login_as_agent(url: &str, email: &str) -> anyhow::Result<Duration> {
    let client = from_address(std::net::Ipv4Addr::new(127, 0, 2, 1))?;
    let started = Instant::now();
    loop {
        let r = client
            .post(url)
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await?;
        match r.status().as_u16() {
            200 => return Ok(started.elapsed()),
            429 => {
                let seconds: u64 = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(1);
                ensure!(
                    started.elapsed() < STEP_TIMEOUT,
                    "the agent was refused for {STEP_TIMEOUT:?}"
                );
                tokio::time::sleep(Duration::from_secs(seconds)).await;
            }
            status => bail!("the agent's login answered {status}: {}", r.text().await?),
        }
    }
}
