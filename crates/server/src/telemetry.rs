//! Every metric the hub exports on `/metrics` (issue 13: "metrics from the first second"):
//! name, kind, labels and what it means. Installing the recorder describes each (`# HELP`,
//! `# TYPE`) and sets each series to zero, so a fresh hub's dashboards and alerts have data from
//! its start. A test reads the sources: a metric recorded anywhere is in [`CATALOG`].
//! `docs/operations.md` explains each for operators, with alerts and a Grafana dashboard.

use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// One metric: its label (at most one here) with every value it takes, set to zero at start.
#[derive(Debug)]
pub struct Metric {
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
    pub label: Option<(&'static str, &'static [&'static str])>,
}

const fn m(name: &'static str, kind: Kind, help: &'static str) -> Metric {
    Metric {
        name,
        kind,
        help,
        label: None,
    }
}

pub const CATALOG: &[Metric] = &[
    Metric {
        name: "pupitre_build_info",
        kind: Kind::Gauge,
        help: "Always 1; its version label is the release running.",
        label: Some(("version", &[env!("CARGO_PKG_VERSION")])),
    },
    Metric {
        name: "pupitre_connections",
        kind: Kind::Gauge,
        help: "Open WebSocket connections: desks (kind=agent) and widgets (kind=visitor).",
        label: Some(("kind", &["agent", "visitor"])),
    },
    Metric {
        name: "pupitre_connections_refused_total",
        kind: Kind::Counter,
        help: "Connections closed at once with 1013 (try again later): the hub at its connection limit (why=full), or too many from one visitor address (why=address).",
        label: Some(("why", &["full", "address"])),
    },
    m(
        "pupitre_relayed_connections_total",
        Kind::Counter,
        "Several hubs on PostgreSQL: desk and widget connections this node relayed to the node owning their project.",
    ),
    m(
        "pupitre_messages_total",
        Kind::Counter,
        "Messages committed to the database (visitors', agents', system lines), all projects.",
    ),
    m(
        "pupitre_events_total",
        Kind::Counter,
        "Events committed to the clients' streams (what desks and widgets receive and resume from).",
    ),
    m(
        "pupitre_commit_seconds",
        Kind::Histogram,
        "Time to commit one batch of a project's writer, fsync included: what each acknowledgement waits for.",
    ),
    m(
        "pupitre_commit_failures_total",
        Kind::Counter,
        "Batches the database refused (disk full, I/O error): nothing of them was acknowledged; the clients resend.",
    ),
    m(
        "pupitre_lagging_connections_dropped_total",
        Kind::Counter,
        "Connections closed because the client read too slowly; it reconnects and resumes from its last event.",
    ),
    m(
        "pupitre_mails_sent_total",
        Kind::Counter,
        "E-mails handed to the SMTP server (or written to the mail folder): answers to visitors who left, transcripts.",
    ),
    m(
        "pupitre_mail_failures_total",
        Kind::Counter,
        "Attempts to send an e-mail that failed; each is tried again, up to 16 times over about four hours.",
    ),
    m(
        "pupitre_logins_refused_throttled_total",
        Kind::Counter,
        "Logins refused because of earlier wrong passwords from the same address or for the same account.",
    ),
    m(
        "pupitre_logins_refused_busy_total",
        Kind::Counter,
        "Logins refused because too many password checks were already running (a flood); the desk tries again.",
    ),
    m(
        "pupitre_console_csrf_refused_total",
        Kind::Counter,
        "Console requests refused for a missing or wrong anti-forgery token or a foreign origin.",
    ),
    m(
        "pupitre_cobrowse_sessions",
        Kind::Gauge,
        "Co-browsing sessions being relayed now.",
    ),
    m(
        "pupitre_cobrowse_bytes_total",
        Kind::Counter,
        "Bytes of page recordings relayed from visitors' pages to desks.",
    ),
];

/// Buckets of `pupitre_commit_seconds`: from a fast SSD's fsync to a disk in trouble.
const COMMIT_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Installs the process's recorder (once) with every metric described and at zero.
pub fn install() -> Option<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("pupitre_commit_seconds".into()),
            COMMIT_BUCKETS,
        )
        .ok()?
        .install_recorder()
        .ok()?;
    for metric in CATALOG {
        let (name, help) = (metric.name, metric.help);
        match metric.kind {
            Kind::Counter => metrics::describe_counter!(name, Unit::Count, help),
            Kind::Gauge => metrics::describe_gauge!(name, help),
            Kind::Histogram => metrics::describe_histogram!(name, Unit::Seconds, help),
        }
        let values: Vec<Option<(&str, &str)>> = match metric.label {
            Some((label, values)) => values.iter().map(|v| Some((label, *v))).collect(),
            None => vec![None],
        };
        for label in values {
            let labels: Vec<metrics::Label> = label
                .map(|(k, v)| metrics::Label::new(k, v))
                .into_iter()
                .collect();
            match metric.kind {
                Kind::Counter => metrics::counter!(name, labels).absolute(0),
                Kind::Gauge if name == "pupitre_build_info" => {
                    metrics::gauge!(name, labels).set(1.0)
                }
                Kind::Gauge => metrics::gauge!(name, labels).set(0.0),
                // Registered: its buckets, sum and count render at zero.
                Kind::Histogram => drop(metrics::histogram!(name, labels)),
            }
        }
    }
    Some(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `metrics::counter!("…")`, `gauge!` and `histogram!` in the hub's sources names a
    /// metric of the catalog, of the same kind.
    #[test]
    fn every_metric_recorded_is_in_the_catalog() {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut found = 0;
        let mut stack = vec![std::path::PathBuf::from(src)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("telemetry.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (macro_, kind) in [
                    ("counter!(\"", Kind::Counter),
                    ("gauge!(\"", Kind::Gauge),
                    ("histogram!(\"", Kind::Histogram),
                ] {
                    for (i, _) in text.match_indices(macro_) {
                        let rest = &text[i + macro_.len()..];
                        let name = &rest[..rest.find('"').unwrap()];
                        let entry = CATALOG.iter().find(|m| m.name == name);
                        assert!(
                            entry.is_some(),
                            "{}: {name} is not in telemetry::CATALOG",
                            path.display()
                        );
                        assert_eq!(entry.unwrap().kind, kind, "{name}");
                        found += 1;
                    }
                }
            }
        }
        assert!(
            found >= 15,
            "the scan found only {found} metrics: has the code's form changed?"
        );
    }

    #[test]
    fn names_are_unique_and_counters_end_in_total() {
        let mut names: Vec<_> = CATALOG.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        for m in CATALOG {
            assert_eq!(
                m.kind == Kind::Counter,
                m.name.ends_with("_total"),
                "{}",
                m.name
            );
        }
    }
}
