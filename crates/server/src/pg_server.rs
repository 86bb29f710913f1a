//! A PostgreSQL server of its own, for the tests, the benchmarks and `make cluster`: Debian's
//! `postgresql` binaries, `initdb` in a temporary folder, a private port on loopback and a
//! private socket folder; stopped and removed when dropped. Run as root (CI), the server runs
//! as the `postgres` user (PostgreSQL refuses root).

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// The folder of `initdb`, `postgres` and `pg_isready`: `PUPITRE_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout), else the `PATH`'s.
pub fn binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PUPITRE_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether a server can be started here (the tests that need one say so when it cannot).
pub fn available() -> bool {
    binaries().is_some()
}

/// A running server; [`PgServer::url`] reaches its `postgres` database as superuser `pupitre`.
pub struct PgServer {
    child: Option<Child>,
    dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    /// The user the server runs as when we are root: `(uid, gid)`.
    user: Option<(u32, u32)>,
}

const SUPERUSER: &str = "pupitre";

impl PgServer {
    /// `initdb` then start, on a free port; ready when this returns.
    pub fn start() -> anyhow::Result<Self> {
        let bin = binaries().context(
            "PostgreSQL is not installed (Debian: apt-get install postgresql; or set PUPITRE_PG_BIN)",
        )?;
        let dir = std::env::temp_dir().join(format!(
            "pupitre-pg-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(dir.join("socket"))?;
        let user = if is_root() {
            let (uid, gid) = postgres_user()?;
            for d in [&dir, &dir.join("socket")] {
                std::os::unix::fs::chown(d, Some(uid), Some(gid))?;
            }
            Some((uid, gid))
        } else {
            None
        };
        let mut server = Self {
            child: None,
            dir,
            port: 0,
            bin,
            user,
        };
        let out = server
            .command("initdb")
            .args([
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                SUPERUSER,
                "-D",
            ])
            .arg(server.data())
            .stdout(Stdio::null())
            .output()
            .context("running initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        server.port = free_port()?;
        server.launch()?;
        Ok(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(self.bin.join(program));
        if let Some((uid, gid)) = self.user {
            c.uid(uid).gid(gid);
            // A home the user may read (initdb and postgres read the working directory).
            c.current_dir(&self.dir);
        }
        c
    }

    /// Starts the server on its port (again after [`PgServer::kill`]), and waits until it
    /// answers.
    pub fn launch(&mut self) -> anyhow::Result<()> {
        let log = std::fs::File::create(self.dir.join("server.log"))?;
        if let Some((uid, gid)) = self.user {
            std::os::unix::fs::chown(self.dir.join("server.log"), Some(uid), Some(gid))?;
        }
        let child = self
            .command("postgres")
            .arg("-D")
            .arg(self.data())
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(self.dir.join("socket"))
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=300",
                "-c",
                "shared_buffers=64MB",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting postgres")?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = self
                .command("pg_isready")
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!(
                    "postgres ended at start ({status}): {}",
                    std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!("postgres did not answer within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's `postgres` database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// One database of the server (see [`PgServer::create_database`]).
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// A new, empty database; its URL.
    pub fn create_database(&self, name: &str) -> anyhow::Result<String> {
        crate::store::postgres::run_sql(&self.url(), &format!("CREATE DATABASE \"{name}\""))?;
        Ok(self.database_url(name))
    }

    /// The server killed at once (SIGKILL), its data kept: [`PgServer::launch`] starts it again.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn folder(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// The `postgres` user Debian's package makes.
fn postgres_user() -> anyhow::Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"postgres") && f.len() > 3)
                .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .flatten()
        })
        .context("running as root, PostgreSQL needs the postgres user (apt-get install postgresql)")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
