//! Issue 13: the hub's configuration file. `pupitre serve --config FILE` takes its keys; the
//! environment overrides a key, a flag overrides both; a wrong file stops the start with its
//! line and reason, as `pupitre config check` says without starting; one hub per database.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn pupitre() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pupitre"));
    for var in [
        "PUPITRE_CONFIG",
        "PUPITRE_DB",
        "PUPITRE_LISTEN",
        "PUPITRE_LOG",
        "RUST_LOG",
        "RUST_BACKTRACE",
    ] {
        c.env_remove(var);
    }
    c
}

/// A hub started with `args`: its first line (the address and the database), and the process.
fn serve(args: &[&str], env: &[(&str, &str)]) -> (String, Child) {
    let mut child = pupitre()
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    // The rest of the banner is not read: the hub must live on with its stdout closed.
    drop(out);
    (first, child)
}

/// A hub on a new database in `dir`, on a free port: its address and its process.
fn fresh_hub(dir: &Path) -> (String, Child) {
    let db = dir.join("hub.db");
    let (first, child) = serve(
        &["--listen", "127.0.0.1:0", "--db", db.to_str().unwrap()],
        &[],
    );
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    (url, child)
}

fn stop(mut child: Child) -> String {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    err
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn the_file_then_the_environment_then_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let file = write(
        dir.path(),
        "hub.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[store]\npath = \"{d}/from-file.db\"\n[log]\nlevel = \"warn\"\n"
        ),
    );
    let (first, child) = serve(&["--config", &file], &[]);
    assert!(
        first.contains(&format!("(database: {d}/from-file.db)")),
        "{first}"
    );
    stop(child);
    let env_db = format!("{d}/from-env.db");
    let (first, child) = serve(&["--config", &file], &[("PUPITRE_DB", &env_db)]);
    assert!(first.contains(&format!("(database: {env_db})")), "{first}");
    stop(child);
    let flag_db = format!("{d}/from-flag.db");
    let (first, child) = serve(
        &["--config", &file, "--db", &flag_db],
        &[("PUPITRE_DB", &env_db)],
    );
    assert!(first.contains(&format!("(database: {flag_db})")), "{first}");
    stop(child);
    // The file named by the environment, as the service's unit may.
    let (first, child) = serve(&[], &[("PUPITRE_CONFIG", &file)]);
    assert!(first.contains("from-file.db"), "{first}");
    stop(child);
}

#[test]
fn the_log_level_comes_from_the_file_unless_rust_log_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let quiet = write(
        dir.path(),
        "quiet.toml",
        &format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndemo = true\n[store]\npath = \"{d}/a.db\"\n[log]\nlevel = \"warn\"\n"
        ),
    );
    let (_, child) = serve(&["--config", &quiet], &[]);
    let err = stop(child);
    assert!(!err.contains("seeded the demo project"), "{err}");
    let fresh = format!("{d}/c.db");
    let (_, child) = serve(
        &["--config", &quiet, "--db", &fresh],
        &[("RUST_LOG", "info")],
    );
    let err = stop(child);
    assert!(err.contains("seeded the demo project"), "{err}");
    let chatty = write(
        dir.path(),
        "chatty.toml",
        &format!("[server]\nlisten = \"127.0.0.1:0\"\ndemo = true\n[store]\npath = \"{d}/b.db\"\n"),
    );
    let (_, child) = serve(&["--config", &chatty], &[]);
    let err = stop(child);
    assert!(err.contains("seeded the demo project"), "{err}");
}

#[test]
fn a_wrong_file_stops_the_start_with_its_line_and_check_says_so_first() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.toml",
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[mail]\nsmtp = \"mail.example.com\"\n",
    );
    let out = pupitre()
        .args(["serve", "--config", &bad])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{bad}:5: not an SMTP address")),
        "{err}"
    );
    assert!(
        !err.contains("stack backtrace") && !err.contains("panicked"),
        "{err}"
    );
    let out = pupitre().args(["config", "check", &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{bad}:5:")));

    // The packaged example is valid as shipped.
    let example = pupitre().args(["config", "example"]).output().unwrap();
    assert!(example.status.success());
    let shipped = write(
        dir.path(),
        "hub.toml",
        &String::from_utf8_lossy(&example.stdout),
    );
    let out = pupitre()
        .args(["config", "check", &shipped])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid"));

    // An address other computers reach needs TLS (whose pair is loaded by the check).
    let open = write(
        dir.path(),
        "open.toml",
        "[server]\nlisten = \"0.0.0.0:8470\"\n",
    );
    let out = pupitre().args(["config", "check", &open]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("reachable from other computers"));
    let missing = write(
        dir.path(),
        "tls.toml",
        "[tls]\ncert = \"/nonexistent/hub.pem\"\nkey = \"/nonexistent/hub-key.pem\"\n",
    );
    let out = pupitre()
        .args(["config", "check", &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/hub.pem"));
}

#[test]
fn one_hub_per_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let db = db.to_str().unwrap();
    let (first, child) = serve(&["--listen", "127.0.0.1:0", "--db", db], &[]);
    assert!(first.contains("listening"), "{first}");
    let out = pupitre()
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a hub is running on"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stop(child);
    // Its lock goes with it (even killed: the kernel releases it).
    let (first, mut child) = serve(&["--listen", "127.0.0.1:0", "--db", db], &[]);
    assert!(first.contains("listening"), "{first}");
    child.kill().unwrap();
    child.wait().unwrap();
    let (first, child) = serve(&["--listen", "127.0.0.1:0", "--db", db], &[]);
    assert!(first.contains("listening"), "{first}");
    stop(child);
}

/// On PostgreSQL (`--db postgres://…`) several hubs share one database (issue 14): a second
/// one starts, and a visitor of the demo project reaching either is welcomed (the node that
/// does not own the project relays it to the one that does).
#[tokio::test]
async fn hubs_share_a_postgres_database() {
    if !pupitre_server::pg_server::available() {
        assert!(std::env::var_os("PUPITRE_REQUIRE_POSTGRES").is_none());
        eprintln!("PostgreSQL is not installed: skipped");
        return;
    }
    let server = pupitre_server::pg_server::PgServer::start().unwrap();
    let url = server.create_database("hub").unwrap();
    let (first, a) = serve(&["--listen", "127.0.0.1:0", "--db", &url, "--demo"], &[]);
    assert!(first.contains("listening"), "{first}");
    let (second, b) = serve(&["--listen", "127.0.0.1:0", "--db", &url], &[]);
    assert!(second.contains("listening"), "{second}");
    for banner in [&first, &second] {
        let hub = banner
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap();
        let (_, welcome) = pupitre_server::client::VisitorConn::connect(
            hub,
            pupitre_server::demo::PROJECT,
            None,
            None,
        )
        .await
        .unwrap();
        assert!(
            matches!(
                welcome,
                pupitre_protocol::visitor::VisitorServerFrame::Welcome { .. }
            ),
            "{welcome:?}"
        );
    }
    stop(a);
    stop(b);
}

/// Issue 13: "metrics from the first second": a hub just started (its own process: the recorder
/// is the process's) describes every metric of the catalog, each at zero.
#[tokio::test]
async fn a_fresh_hub_describes_every_metric_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (url, child) = fresh_hub(dir.path());
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    stop(child);
    for m in pupitre_server::telemetry::CATALOG {
        let kind = format!("{:?}", m.kind).to_lowercase();
        assert!(
            text.contains(&format!("# HELP {} {}", m.name, m.help)),
            "{}: no HELP in\n{text}",
            m.name
        );
        assert!(
            text.contains(&format!("# TYPE {} {kind}", m.name)),
            "{}: no TYPE",
            m.name
        );
        let series: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| {
                l.strip_prefix(m.name)
                    .is_some_and(|r| r.starts_with([' ', '{', '_']))
            })
            .filter(|l| {
                m.kind == pupitre_server::telemetry::Kind::Histogram
                    || !l[m.name.len()..].starts_with('_')
            })
            .filter(|l| {
                m.kind != pupitre_server::telemetry::Kind::Histogram || l.contains("_count")
            })
            .collect();
        let expected = m.label.map_or(1, |(_, values)| values.len());
        assert_eq!(series.len(), expected, "{}: {series:?}", m.name);
        let at_start = if m.name == "pupitre_build_info" {
            " 1"
        } else {
            " 0"
        };
        assert!(
            series.iter().all(|l| l.ends_with(at_start)),
            "{}: {series:?}",
            m.name
        );
    }
}

/// `systemctl reload pupitre` sends SIGHUP: it reads a TLS pair again, and never ends a hub
/// without one (found while writing the operations guide: the default action ended it, and
/// systemd took that for a clean exit, not restarting it).
#[tokio::test]
async fn sighup_never_stops_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let (url, child) = fresh_hub(dir.path());
    for _ in 0..3 {
        let _ = Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let health = reqwest::get(format!("{url}/healthz"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(health, "ok\n");
    stop(child);
}

/// A backup is readable by its owner only, whatever the umask.
#[test]
fn a_backup_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    pupitre_server::store::SqliteStore::open(&db).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO projects (code, name, settings, created_at) VALUES ('P', 'P', '{}', 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let copy = dir.path().join("copy.db");
    let out = pupitre()
        .args([
            "backup",
            "--db",
            db.to_str().unwrap(),
            "--to",
            copy.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
