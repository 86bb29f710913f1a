//! The `pupitre` binary as a user scripts it: `admin …` on a database file, then
//! `client agent` and `client visitor` (JSON lines in, JSON lines out) against `serve`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn pupitre() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pupitre"));
    c.env("RUST_LOG", "warn");
    c
}

fn admin(db: &std::path::Path, args: &[&str]) -> String {
    let out = pupitre()
        .arg("admin")
        .arg("--db")
        .arg(db)
        .args(args)
        .env("PUPITRE_PASSWORD", "a-long-password")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A running client: its stdin, and its stdout lines through a channel.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<serde_json::Value>,
}

impl Client {
    fn start(args: &[&str]) -> Self {
        let mut child = pupitre()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
        }
    }

    fn write(&mut self, line: serde_json::Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The first line matching `f`, within 15 s.
    fn wait(&self, what: &str, f: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if f(&v) => return v,
                Ok(_) => {}
                Err(_) => panic!("no line for: {what}"),
            }
        }
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the client exits cleanly when stdin ends");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the client did not exit when its stdin ended");
    }
}

#[test]
fn admin_cli_then_scripted_agent_and_visitor_talk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    admin(&db, &["project-create", "SHOP", "My shop"]);
    admin(&db, &["group-create", "--project", "SHOP", "Sales"]);
    let agent: serde_json::Value = serde_json::from_str(&admin(
        &db,
        &[
            "agent-create",
            "--project",
            "SHOP",
            "--email",
            "ann@shop.test",
            "--name",
            "Ann",
            "--group",
            "Sales",
            "--slots",
            "4",
        ],
    ))
    .unwrap();
    assert_eq!(agent["slot_max"], 4);
    admin(
        &db,
        &[
            "canned-create",
            "--project",
            "SHOP",
            "--theme",
            "Greetings",
            "--title",
            "Hello",
            "--body",
            "Hello!",
            "--shortcut",
            "/hello",
        ],
    );
    let settings: serde_json::Value = serde_json::from_str(&admin(
        &db,
        &[
            "settings-set",
            "--project",
            "SHOP",
            "routing.queue_per_agent",
            "5",
        ],
    ))
    .unwrap();
    assert_eq!(settings["routing"]["queue_per_agent"], 5);
    let shown: serde_json::Value =
        serde_json::from_str(&admin(&db, &["settings-show", "--project", "SHOP"])).unwrap();
    assert_eq!(shown["routing"]["queue_per_agent"], 5);
    // Bad values are refused with a clear message, nothing changes.
    let out = pupitre()
        .arg("admin")
        .arg("--db")
        .arg(&db)
        .args([
            "settings-set",
            "--project",
            "SHOP",
            "routing.timezone",
            "Mars/Olympus",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown time zone"));
    let out = pupitre()
        .arg("admin")
        .arg("--db")
        .arg(&db)
        .args(["project-create", "bad code", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let mut serve = pupitre()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = out.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    std::thread::spawn(move || for _ in out {});

    let mut ann = Client::start(&[
        "client",
        "agent",
        "--hub",
        &url,
        "--email",
        "ann@shop.test",
        "--password",
        "a-long-password",
    ]);
    ann.wait("agent welcome", |v| v["type"] == "welcome");
    ann.write(serde_json::json!({"type": "set_status", "channel": "chat", "status": {"kind": "available"}}));
    ann.wait("status ack", |v| v["type"] == "ack");

    let identity = dir.path().join("visitor.token");
    let visitor_args = [
        "client",
        "visitor",
        "--hub",
        url.as_str(),
        "--project",
        "SHOP",
        "--identity",
        identity.to_str().unwrap(),
    ];
    let mut visitor = Client::start(&visitor_args);
    visitor.wait("visitor welcome", |v| v["type"] == "welcome");
    visitor.write(serde_json::json!({"type": "send_message", "text": "Hi there"}));
    visitor.wait("message ack", |v| v["type"] == "ack");

    let assigned = ann.wait("assignment", |v| {
        v["event"]["kind"] == "conversation_assigned"
    });
    assert_eq!(assigned["event"]["conversation"]["reference"], "SHOP-1");
    ann.write(serde_json::json!({"type": "send_message", "conversation": "SHOP-1", "text": "Hello, Ann here"}));
    let reply = visitor.wait("agent reply", |v| {
        v["event"]["kind"] == "message" && v["event"]["message"]["author"]["kind"] == "agent"
    });
    assert_eq!(reply["event"]["message"]["body"]["text"], "Hello, Ann here");
    // Bad stdin lines are reported, not fatal.
    ann.write(
        serde_json::json!({"type": "close", "conversation": "SHOP-1", "conversation_type": null}),
    );
    ann.wait("close ack", |v| v["type"] == "ack");
    ann.stdin
        .as_mut()
        .unwrap()
        .write_all(b"this is not json\n")
        .unwrap();
    ann.wait("client error", |v| v["type"] == "client_error");
    ann.finish();
    visitor.finish();

    // The identity file makes the next run the same visitor, with their history.
    let token = std::fs::read_to_string(&identity).unwrap();
    assert!(!token.trim().is_empty());
    let again = Client::start(&visitor_args);
    let welcome = again.wait("welcome again", |v| v["type"] == "welcome");
    let texts: Vec<&str> = welcome["history"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"]["text"].as_str())
        .collect();
    assert_eq!(texts, ["Hi there", "Hello, Ann here"]);
    again.finish();
    let _ = serve.kill();
    let _ = serve.wait();
}

#[test]
fn a_client_with_nothing_left_to_send_ends_even_without_a_hub() {
    // Nothing on stdin, nothing unacknowledged: no reason to keep retrying an absent hub.
    let started = std::time::Instant::now();
    let status = pupitre()
        .args([
            "client",
            "visitor",
            "--hub",
            "http://127.0.0.1:1",
            "--project",
            "DEMO",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn d15_admin_sales_key_prints_a_key_the_hub_keeps_only_the_hash_of_and_a_new_one_replaces_it() {
    use pupitre_server::sales_key;
    use pupitre_server::store::{SqliteStore, Store as _};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    admin(&db, &["project-create", "SHOP", "My shop"]);
    let first = admin(&db, &["sales-key", "--project", "SHOP"])
        .trim()
        .to_owned();
    assert_eq!(sales_key::project_of(&first), Some("SHOP"), "{first}");
    let second = admin(&db, &["sales-key", "--project", "SHOP"])
        .trim()
        .to_owned();
    let mut store = SqliteStore::open(&db).unwrap();
    let id = store.project_by_code("SHOP").unwrap().unwrap().id;
    let stored = store.meta(&sales_key::meta_key(id)).unwrap().unwrap();
    assert!(!stored.contains(&second[10..]), "only a hash is kept");
    assert!(sales_key::matches(&second, &stored));
    assert!(
        !sales_key::matches(&first, &stored),
        "the new key replaces the old"
    );
}
