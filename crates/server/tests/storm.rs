//! A storm of simultaneous starts (issue: 100 visitors against 10 agents × 3 slots): 30
//! assigned, 70 queued in order, no double assignment, no slot overflow; freeing a slot pulls
//! the next one (R1, R2, R4, DESIGN §5).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use pupitre_protocol::ConversationRef;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r1_r2_storm_of_100_starts_against_10_agents_with_3_slots() {
    let emails: Vec<String> = (0..10).map(|i| format!("agent{i}@test")).collect();
    let agents_spec: Vec<(&str, &[&str], u32)> = emails
        .iter()
        .map(|e| (e.as_str(), &["Sales"][..], 3))
        .collect();
    let setup = setup(&agents_spec, |s| s.routing.queue_per_agent = 7);
    let hub = start(&setup, false).await;
    let mut agents = vec![];
    for e in &emails {
        let mut a = agent(&hub, e).await;
        a.available().await;
        agents.push(a);
    }
    // 100 visitors connect, then all write at once.
    let mut visitors = vec![];
    for _ in 0..100 {
        visitors.push(visitor(&hub).await);
    }
    let mut tasks = vec![];
    for (i, mut v) in visitors.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            v.say(&format!("visitor {i}")).await;
            v
        }));
    }
    let mut visitors = vec![];
    for t in tasks {
        visitors.push(t.await.unwrap());
    }

    let mut desk: BTreeMap<usize, Vec<ConversationRef>> = BTreeMap::new();
    for (i, a) in agents.iter_mut().enumerate() {
        for f in a.drain().await {
            if let AgentServerFrame::Event {
                event: AgentEvent::ConversationAssigned { conversation, .. },
                ..
            } = f
            {
                desk.entry(i).or_default().push(conversation.reference);
            }
        }
    }
    let all: Vec<&ConversationRef> = desk.values().flatten().collect();
    let distinct: BTreeSet<_> = all.iter().collect();
    assert_eq!(all.len(), 30, "30 assigned");
    assert_eq!(distinct.len(), 30, "no conversation on two desks");
    for (i, convs) in &desk {
        assert_eq!(convs.len(), 3, "agent {i} holds exactly their 3 slots");
    }
    let group = match &agents[0].welcome {
        AgentServerFrame::Welcome { agent, .. } => agent.groups[0].id,
        _ => unreachable!(),
    };
    let project = hub.hub.project_by_code(PROJECT).unwrap();
    let queue = project.inspect(move |e| e.queue(group)).await.unwrap();
    assert_eq!(queue.len(), 70, "70 queued");
    assert!(
        queue.windows(2).all(|w| w[0] < w[1]),
        "queued first come, first served: {queue:?}"
    );
    let assigned: BTreeSet<i64> = all.iter().map(|r| r.parse().unwrap().1).collect();
    assert!(queue.iter().all(|n| !assigned.contains(n)));

    // Freeing a slot pulls the head of the queue to that agent.
    let head = queue[0];
    let closing = desk[&0][0].clone();
    agents[0]
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: closing,
            conversation_type: None,
        })
        .await;
    let next = agents[0]
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(next, ConversationRef::new(PROJECT, head));
    let after = project.inspect(move |e| e.queue(group)).await.unwrap();
    assert_eq!(after, queue[1..].to_vec());
    hub.stop().await.unwrap();
}
