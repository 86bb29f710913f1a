//! `pupitre cluster` (`make cluster`): several hubs on one PostgreSQL to try on one machine
//! (issue 14). PostgreSQL from Debian's binaries, `initdb` in a temporary folder on a private
//! port; the demo project (and a few more, so that every node owns some); the nodes on
//! loopback, each a `pupitre serve` process of its own. Ctrl-C stops everything and removes
//! the database.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use pupitre_server::store::{Location, postgres::ownership};

#[derive(clap::Args)]
pub struct ClusterArgs {
    /// How many hub nodes.
    #[arg(long, default_value_t = 3)]
    nodes: u16,
    /// The first node's port; the others follow.
    #[arg(long, default_value_t = 8471)]
    port: u16,
}

struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn cluster(args: ClusterArgs) -> anyhow::Result<()> {
    let server = pupitre_server::pg_server::PgServer::start()?;
    let db = server.create_database("pupitre")?;
    {
        let mut store = Location::parse(&db).open()?;
        pupitre_server::demo::seed(store.as_mut(), None)?;
        for code in ["SHOP", "BANK"] {
            let p = pupitre_server::admin::create_project(store.as_mut(), code, code)?;
            pupitre_server::admin::create_group(store.as_mut(), p, "Sales", None)?;
        }
    }
    let exe = std::env::current_exe()?;
    let mut nodes = Nodes(vec![]);
    let mut urls = vec![];
    for i in 0..args.nodes {
        let listen = format!("127.0.0.1:{}", args.port + i);
        let child = Command::new(&exe)
            .args(["serve", "--listen", &listen, "--db", &db])
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting the node on {listen}"))?;
        nodes.0.push(child);
        urls.push(format!("http://{listen}"));
    }
    // Ready when every project has an owner.
    let projects = 3;
    for _ in 0..100 {
        if ownership::owners(&db)?.len() >= projects {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "PostgreSQL: {db}  (its folder: {})",
        server.folder().display()
    );
    for (url, owned) in urls.iter().map(|u| {
        let owned: Vec<String> = ownership::owners(&db)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, owner, _)| owner == u)
            .map(|(p, _, epoch)| format!("project {p} (epoch {epoch})"))
            .collect();
        (u, owned)
    }) {
        println!(
            "node {url}: owns {}",
            if owned.is_empty() {
                "nothing yet".into()
            } else {
                owned.join(", ")
            }
        );
    }
    println!(
        "Any node serves any project (it relays to the owner). The desk: PUPITRE_HUB={} with \
         alice@demo.pupitre.test / alice-demo-1; a visitor: {}/demo.",
        urls[0], urls[0]
    );
    println!(
        "Kill a node (kill -9 its pid: {}) and its projects move to the others within a second.",
        nodes
            .0
            .iter()
            .map(|c| c.id().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("Ctrl-C stops the cluster and removes its database.");
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc_channel(tx)?;
    let _ = rx.recv();
    drop(nodes);
    drop(server);
    Ok(())
}

/// Ctrl-C (or SIGTERM) on a channel: a small runtime waits for either signal.
fn ctrlc_channel(tx: std::sync::mpsc::Sender<()>) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        rt.block_on(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
        let _ = tx.send(());
    });
    Ok(())
}
