//! A hub started as a child process of this executable (`serve`), for `pupitre bench` and
//! `pupitre torture`: its own database in a temporary folder, its log in a file, loopback only,
//! killed on drop. `kill` is a real SIGKILL: nothing of the hub's shutdown path runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use tokio::io::AsyncBufReadExt as _;

/// Longest wait for a started hub to print where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for a hub to end after it was told to.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A temporary folder for one run's database and hub log, removed on drop.
pub struct WorkDir(PathBuf);

impl WorkDir {
    pub fn new(name: &str) -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("pupitre-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("hub.db")
    }

    pub fn log(&self) -> PathBuf {
        self.0.join("hub.log")
    }

    pub fn log_tail(&self, lines: usize) -> Option<String> {
        let text = std::fs::read_to_string(self.log()).ok()?;
        let all: Vec<&str> = text.lines().collect();
        (!all.is_empty()).then(|| all[all.len().saturating_sub(lines)..].join("\n"))
    }

    /// Keeps the folder (a failed run leaves its database and log to look at).
    pub fn keep(self) -> PathBuf {
        let path = self.0.clone();
        std::mem::forget(self);
        path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A hub running as a child process on a loopback port. Killed on drop.
pub struct HubChild {
    child: tokio::process::Child,
    pub addr: SocketAddr,
}

impl HubChild {
    /// Starts a hub on a free loopback port.
    pub async fn start(exe: &Path, dir: &WorkDir) -> anyhow::Result<Self> {
        Self::start_on(exe, dir, "127.0.0.1:0".parse().expect("a socket address")).await
    }

    /// Starts a hub on `listen` (a restart binds the port its predecessor had). The log is
    /// appended to, so that it tells every life of the hub.
    pub async fn start_on(exe: &Path, dir: &WorkDir, listen: SocketAddr) -> anyhow::Result<Self> {
        Self::start_over(exe, dir, &dir.db().display().to_string(), listen).await
    }

    /// As [`Self::start_on`], over `db`: a file, or a PostgreSQL database several hubs share.
    pub async fn start_over(
        exe: &Path,
        dir: &WorkDir,
        db: &str,
        listen: SocketAddr,
    ) -> anyhow::Result<Self> {
        ensure!(listen.ip().is_loopback(), "{listen} is not loopback");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.log())?;
        let mut child = tokio::process::Command::new(exe)
            .arg("serve")
            .arg("--db")
            .arg(db)
            .arg("--listen")
            .arg(listen.to_string())
            // The bench's thousands of visitors come from 250 loopback addresses, and it sizes
            // its loads to the descriptors itself: the hub's own caps stay out of the way.
            .arg("--max-visitor-connections-per-address")
            .arg("1000000")
            .arg("--max-connections")
            .arg("1000000")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        let stdout = child.stdout.take().context("the hub's stdout is piped")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix("Pupitre hub listening on http://") {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    return addr
                        .parse::<SocketAddr>()
                        .with_context(|| format!("the hub printed {line:?}"));
                }
            }
            bail!("the hub ended before it listened")
        })
        .await
        .context("the hub did not start in time")??;
        ensure!(
            addr.ip().is_loopback(),
            "the hub listens on {addr}, not loopback"
        );
        // Keep reading, so that the hub never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, addr })
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("the hub has ended")
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL, and waits until the process is gone.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(STOP_GRACE, self.child.wait()).await;
    }

    /// SIGTERM (the hub commits what is pending and closes its sockets), then waits; SIGKILL
    /// if it does not end in time.
    pub async fn terminate(mut self) -> anyhow::Result<()> {
        let pid = self.pid()?;
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()?;
        ensure!(status.success(), "kill -TERM {pid} failed");
        match tokio::time::timeout(STOP_GRACE, self.child.wait()).await {
            Ok(status) => {
                status?;
                Ok(())
            }
            Err(_) => {
                self.kill().await;
                bail!("the hub did not stop within {STOP_GRACE:?} of SIGTERM")
            }
        }
    }

    /// The same as [`Self::kill`], for the bench's wording.
    pub async fn stop(self) {
        self.kill().await;
    }
}
