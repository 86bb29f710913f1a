//! The fault harness at a small size (issue 8; SPEC R12, R1–R6, R9, R10): independent
//! clients talking at once while the hub, a real child process, is killed with SIGKILL; the
//! checker compares what they saw with the store. `make torture` runs the full size.
//!
//! The same against three hubs on one PostgreSQL database (issue 14): kills of random nodes
//! and a node's ownership connection cut inside PostgreSQL. `make torture-cluster` runs the
//! full size.
//!
//! `PUPITRE_TORTURE_SEED` replays a seed the report printed.

use pupitre_server::torture::{self, TortureArgs};

/// A small run: 16 visitors, 4 agents with 2 slots, 4 kills in 25 s; `cluster` nodes on
/// PostgreSQL (0: one hub on SQLite) with one ownership connection cut.
async fn small_run(cluster: usize) {
    let seed = std::env::var("PUPITRE_TORTURE_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let report = torture::run(TortureArgs {
        seed,
        visitors: 16,
        agents: 4,
        slots: 2,
        kills: 4,
        seconds: 25,
        hub_exe: Some(env!("CARGO_BIN_EXE_pupitre").into()),
        cluster,
        cuts: usize::from(cluster > 0),
    })
    .await
    .expect("the run completes");
    println!("{}", report.summary);
    assert_eq!(
        report.verdict.total(),
        0,
        "violations (seed {}):\n{}",
        report.seed,
        report.summary
    );
    assert_eq!(report.kills, 4, "every kill happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_exact_delivery_and_routing_hold_through_kills_and_cut_sockets() {
    small_run(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_on_a_cluster_exact_delivery_and_routing_hold_through_node_kills_and_cuts() {
    if !pupitre_server::pg_server::available() {
        assert!(
            std::env::var_os("PUPITRE_REQUIRE_POSTGRES").is_none(),
            "PUPITRE_REQUIRE_POSTGRES is set but PostgreSQL is not installed"
        );
        eprintln!("PostgreSQL is not installed: the cluster's run is skipped");
        return;
    }
    small_run(3).await;
}
