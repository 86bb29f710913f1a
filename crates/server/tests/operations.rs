//! Issue 13: the operator's file operations, on a real hub — a backup taken while messages flow
//! (`pupitre backup`, its own process), checked against what the clients were acknowledged;
//! its restore (`pupitre restore`), resumed by those clients; the refusals that keep a
//! restore from losing anything; the upgrade of an older release's database, copied first.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use pupitre_protocol::ClientId;
use pupitre_protocol::visitor::VisitorClientFrame;
use pupitre_server::store::sqlite_files::{self, FileError, LATEST_SCHEMA};
use rand::{Rng as _, SeedableRng as _};
use rusqlite::Connection;

fn pupitre(args: &[&str], db: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pupitre"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("PUPITRE_CONFIG")
        .output()
        .expect("run pupitre")
}

fn seed() -> u64 {
    std::env::var("PUPITRE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

/// What a database file holds, read with SQL: each message's client id, each project's event seqs,
/// the frames marked applied, and each agent's assigned conversations beside their slots.
struct Contents {
    messages: Vec<(String, i64)>,
    /// Each project's event seqs, in order (one counter per project, each event its own seq).
    seqs: BTreeMap<i64, Vec<i64>>,
    applied: HashSet<String>,
    overruns: Vec<String>,
}

fn contents(db: &Path) -> Contents {
    let conn = Connection::open(db).unwrap();
    let messages = conn
        .prepare("SELECT client_id, id FROM messages WHERE client_id IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let mut seqs: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for row in conn
        .prepare("SELECT project_id, seq FROM events ORDER BY project_id, seq")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
    {
        let (project, seq) = row.unwrap();
        seqs.entry(project).or_default().push(seq);
    }
    let applied = conn
        .prepare("SELECT client_id FROM applied")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<HashSet<String>, _>>()
        .unwrap();
    let overruns = conn
        .prepare(
            "SELECT a.email FROM agents a JOIN conversations c ON c.agent_id = a.id \
             WHERE c.state = 'assigned' GROUP BY a.id HAVING count(*) > a.slot_max",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    Contents {
        messages,
        seqs,
        applied,
        overruns,
    }
}

/// The invariants a database keeps, whatever moment it was copied at: no message twice, every
/// message's frame marked applied (so a resend is not applied again), each project's event
/// seqs gap free from 1, no agent over their slots.
fn assert_invariants(what: &str, c: &Contents) {
    let mut seen = HashSet::new();
    for (client_id, _) in &c.messages {
        assert!(
            seen.insert(client_id),
            "{what}: message {client_id} stored twice"
        );
        assert!(
            c.applied.contains(client_id),
            "{what}: message {client_id} not marked applied"
        );
    }
    for (project, seqs) in &c.seqs {
        let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
        assert!(
            seqs == &expected,
            "{what}: project {project}'s event seqs have gaps or repeats"
        );
    }
    assert!(
        c.overruns.is_empty(),
        "{what}: agents over their slots: {:?}",
        c.overruns
    );
}

/// Sends a message until it is acknowledged, as the widget does when told to slow down.
async fn resend(v: &mut Visitor, client_id: ClientId) {
    use pupitre_protocol::visitor::VisitorServerFrame as F;
    let frame = VisitorClientFrame::SendMessage {
        client_id,
        text: "resent".into(),
    };
    v.conn.send(&frame).await.unwrap();
    loop {
        match tokio::time::timeout(WAIT, v.conn.recv())
            .await
            .expect("an answer in time")
            .unwrap()
        {
            F::Ack { client_id: id } if id == client_id => return,
            F::Error(e) if e.client_id == Some(client_id) => {
                assert_eq!(e.code, pupitre_protocol::ErrorCode::RateLimited, "{e:?}");
                tokio::time::sleep(Duration::from_millis(300)).await;
                v.conn.send(&frame).await.unwrap();
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_messages_flow_holds_every_acknowledged_message_and_restores_exactly()
{
    let seed = seed();
    eprintln!("PUPITRE_SEED={seed}");
    let setup = setup(
        &[
            ("ann@test.invalid", &["Sales"], 3),
            ("bob@test.invalid", &["Sales"], 2),
        ],
        |_| {},
    );
    let hub = start(&setup, false).await;
    for email in ["ann@test.invalid", "bob@test.invalid"] {
        let mut a = agent(&hub, email).await;
        a.available().await;
        // The desks read what comes (conversations assigned, messages) until the end.
        tokio::spawn(async move { while a.conn.recv().await.is_ok() {} });
    }

    // Twelve visitors write at random paces; each ack is noted with the moment it came.
    type Acked = Arc<Mutex<Vec<(ClientId, std::time::Instant)>>>;
    let acked: Acked = Default::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for v in 0..12u64 {
        let mut visitor = visitor(&hub).await;
        let (acked, stop) = (acked.clone(), stop.clone());
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ v);
        writers.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let client_id = cid();
                n += 1;
                visitor
                    .request(VisitorClientFrame::SendMessage {
                        client_id,
                        text: format!("visitor {v}, message {n}"),
                    })
                    .await;
                acked
                    .lock()
                    .unwrap()
                    .push((client_id, std::time::Instant::now()));
                sent.push(client_id);
                // About the widget's sustained rate (10 frames/s): faster is refused.
                tokio::time::sleep(Duration::from_millis(rng.random_range(60..160))).await;
            }
            (visitor.token.clone(), sent)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;

    // The backup, by the command an operator runs, while the visitors go on writing.
    let copy = setup.dir.path().join("backup.db");
    let began = std::time::Instant::now();
    let db = setup.db.clone();
    let copy2 = copy.clone();
    let out = tokio::task::spawn_blocking(move || {
        pupitre(&["backup", "--to", copy2.to_str().unwrap()], &db)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut visitors = Vec::new();
    for w in writers {
        visitors.push(w.await.unwrap());
    }
    hub.stop().await.unwrap();

    let before: HashSet<ClientId> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at < began)
        .map(|(id, _)| *id)
        .collect();
    let all: Vec<ClientId> = acked.lock().unwrap().iter().map(|(id, _)| *id).collect();
    assert!(
        before.len() >= 50,
        "the load was too light to mean anything: {} messages before the backup",
        before.len()
    );
    assert!(
        all.len() > before.len(),
        "no message was written during or after the backup"
    );

    let backed = contents(&copy);
    assert_invariants("the backup", &backed);
    let in_backup: HashSet<String> = backed.messages.iter().map(|(id, _)| id.clone()).collect();
    let missing: Vec<_> = before
        .iter()
        .filter(|id| !in_backup.contains(&id.to_string()))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup began, missing from it: {missing:?}"
    );
    // And the backup holds nothing the hub did not keep: each of its messages, same place.
    let live = contents(&setup.db);
    assert_invariants("the hub's database", &live);
    let live_ids: BTreeMap<&String, i64> = live.messages.iter().map(|(c, i)| (c, *i)).collect();
    for (client_id, id) in &backed.messages {
        assert_eq!(
            live_ids.get(client_id),
            Some(id),
            "message {client_id} differs between the backup and the hub"
        );
    }
    eprintln!(
        "backup: {} of {} acknowledged messages in it ({} acknowledged before it began)",
        in_backup.len(),
        all.len(),
        before.len()
    );

    // Restored (the hub stopped) and resumed: every visitor sends all of its messages again,
    // with their client ids, as a widget resending what it had not seen acknowledged does.
    let out = pupitre(&["restore", "--from", copy.to_str().unwrap()], &setup.db);
    assert!(
        out.status.success(),
        "restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kept as"), "{stdout}");
    let hub = start(&setup, false).await;
    for (token, sent) in &visitors {
        let mut v = visitor_with(&hub, Some(token.clone()), Some(0)).await;
        for client_id in sent {
            resend(&mut v, *client_id).await;
        }
    }
    hub.stop().await.unwrap();
    let after = contents(&setup.db);
    assert_invariants("the restored database after the resends", &after);
    let stored: HashSet<String> = after.messages.iter().map(|(id, _)| id.clone()).collect();
    for id in &all {
        assert!(
            stored.contains(&id.to_string()),
            "message {id} lost after the restore and the resends"
        );
    }
    assert_eq!(
        after.messages.len(),
        all.len(),
        "a message stored twice after the resends"
    );
}

#[test]
fn a_restore_keeps_what_was_there_and_refuses_what_would_lose_something() {
    let setup = setup(&[("ann@test.invalid", &["Sales"], 3)], |_| {});
    let dir = setup.dir.path();
    let good = dir.join("good.db");
    sqlite_files::backup(&setup.db, &good).unwrap();
    // A backup never overwrites.
    assert!(matches!(
        sqlite_files::backup(&setup.db, &good),
        Err(FileError::Io(..))
    ));

    // While a hub holds the database, no restore.
    let lock = sqlite_files::HubLock::take(&setup.db).unwrap();
    assert!(matches!(
        sqlite_files::HubLock::take(&setup.db),
        Err(FileError::InUse(..))
    ));
    let out = pupitre(&["restore", "--from", good.to_str().unwrap()], &setup.db);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("stop it first"));
    drop(lock);

    // Files that are not a sound Pupitre database of this release or an older one.
    let text = dir.join("notes.txt");
    std::fs::write(
        &text,
        "not a database at all, but long enough to look like one ".repeat(100),
    )
    .unwrap();
    let other = dir.join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let newer = dir.join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", LATEST_SCHEMA as i64 + 1)
        .unwrap();
    let damaged = dir.join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    let page = 4096;
    assert!(bytes.len() > 8 * page);
    for b in &mut bytes[3 * page..3 * page + 600] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    for (file, expected) in [
        (&text, "not a Pupitre database"),
        (&other, "not a Pupitre database"),
        (&newer, "newer Pupitre"),
        (&damaged, "damaged"),
    ] {
        let out = pupitre(&["restore", "--from", file.to_str().unwrap()], &setup.db);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{} restored", file.display());
        assert!(stderr.contains(expected), "{}: {stderr}", file.display());
    }
    // Nothing moved: the database is the one set up, and nothing was set aside.
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("before-restore")),
        "{names:?}"
    );
    assert!(sqlite_files::check(&setup.db).is_ok());

    // `--check` installs nothing.
    let out = pupitre(
        &["restore", "--check", "--from", good.to_str().unwrap()],
        &setup.db,
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("a sound Pupitre database"));

    // A restore over a database that is not even readable any more still works, and keeps it.
    std::fs::write(&setup.db, b"garbage").unwrap();
    let out = pupitre(&["restore", "--from", good.to_str().unwrap()], &setup.db);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sqlite_files::check(&setup.db).is_ok());
    // (With the old file's journal beside it, if it had one: SQLite names it after the file.)
    let aside: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("before-restore"))
        .filter(|p| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), b"garbage");
}

/// The database the previous release made: kept as a fixture (`tests/fixtures/`, made by
/// `tests/fixtures/make-fixture.sh` with schema 5 and the demo data plus one visitor's
/// conversation), opened by this release as an upgraded hub would.
#[tokio::test]
async fn the_previous_releases_database_upgrades_in_place_with_a_copy_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pupitre.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hub-schema5.db"),
        &db,
    )
    .unwrap();
    let before = sqlite_files::check(&db).unwrap();
    assert_eq!(before.schema, 5);
    let copy = sqlite_files::prepare_upgrade(&db).unwrap();
    if LATEST_SCHEMA > 5 {
        let copy = copy.expect("a copy before the upgrade");
        let kept = sqlite_files::check(&copy).unwrap();
        assert_eq!(
            (kept.schema, kept.messages),
            (before.schema, before.messages)
        );
    } else {
        assert!(copy.is_none(), "nothing to upgrade, nothing copied");
    }
    // The hub starts on it; the fixture's accounts log in, its visitor's thread is there.
    let hub = pupitre_server::RunningHub::start_with(
        &db,
        pupitre_server::clock::Clock::system(),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        many_visitors_from_loopback(),
    )
    .await
    .unwrap();
    let session =
        pupitre_server::client::login(&hub.http_url(), "alice@demo.pupitre.test", "alice-demo-1")
            .await;
    assert!(session.is_ok(), "the demo agent's login: {session:?}");
    hub.stop().await.unwrap();
    let after = sqlite_files::check(&db).unwrap();
    assert_eq!(after.schema, LATEST_SCHEMA);
    assert_eq!(
        (after.projects, after.conversations, after.messages),
        (before.projects, before.conversations, before.messages)
    );
    let texts: Vec<String> = Connection::open(&db)
        .unwrap()
        .prepare("SELECT body FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        texts.iter().any(|t| t.contains("Where is my order 1042?")),
        "{texts:?}"
    );
}

/// The mechanism on an older schema than the fixture's: a database at schema 4 (as release 4
/// left it) is copied as it was, then migrated; the copy opens as schema 4 with the same rows.
#[test]
fn an_older_schema_is_copied_then_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pupitre.db");
    pupitre_server::store::sqlite::create_at_version(&db, 4).unwrap();
    Connection::open(&db)
        .unwrap()
        .execute("INSERT INTO projects (code, name, settings, created_at) VALUES ('OLD', 'Old shop', '{}', 0)", [])
        .unwrap();
    let copy = sqlite_files::prepare_upgrade(&db).unwrap().expect("a copy");
    assert!(
        copy.to_string_lossy()
            .ends_with(&format!("pupitre.db.before-upgrade-4-to-{LATEST_SCHEMA}")),
        "{}",
        copy.display()
    );
    // Started again after a failure, the copy of the untouched file is kept, not redone.
    assert_eq!(
        sqlite_files::prepare_upgrade(&db).unwrap(),
        Some(copy.clone())
    );
    pupitre_server::store::SqliteStore::open(&db).unwrap();
    let version = |p: &Path| {
        Connection::open(p)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    assert_eq!(version(&copy), 4);
    assert_eq!(version(&db), LATEST_SCHEMA as i64);
    let code: String = Connection::open(&copy)
        .unwrap()
        .query_row("SELECT code FROM projects", [], |r| r.get(0))
        .unwrap();
    assert_eq!(code, "OLD");
    // Nothing more to do once upgraded.
    assert_eq!(sqlite_files::prepare_upgrade(&db).unwrap(), None);
    // A database from a newer release is refused before anything touches it.
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", LATEST_SCHEMA as i64 + 1)
        .unwrap();
    assert!(matches!(
        sqlite_files::prepare_upgrade(&db),
        Err(FileError::TooNew(..))
    ));
}

/// Found while writing the operations guide: fifty mails given up on (an address the SMTP
/// server always refuses) stopped every later mail, the queue being read fifty at a time and
/// the given-up ones left out only after.
#[test]
fn mails_given_up_on_never_stop_the_next_ones() {
    use pupitre_server::store::{SqliteStore, Store as _};
    let setup = setup(&[], |_| {});
    let conn = Connection::open(&setup.db).unwrap();
    for i in 0..60 {
        conn.execute(
            "INSERT INTO mail_outbox (project_id, conversation, up_to, to_addr, subject, text, html, created_at, attempts) \
             VALUES (1, ?1, 1, 'refused@example.invalid', 's', 't', 'h', 0, ?2)",
            rusqlite::params![i, pupitre_server::mail::MAX_ATTEMPTS],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO mail_outbox (project_id, conversation, up_to, to_addr, subject, text, html, created_at) \
         VALUES (1, 99, 1, 'visitor@example.com', 's', 't', 'h', 0)",
        [],
    )
    .unwrap();
    let mut store = SqliteStore::open(&setup.db).unwrap();
    let pending = store.pending_mails(50).unwrap();
    assert_eq!(
        pending.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(),
        ["visitor@example.com"]
    );
}
