//! The audit log's words (SPEC A10): who changed what, when, before and after. Pure: what
//! changed between two JSON documents, path by path. The store keeps the entries; the admin
//! layer ([`crate::admin::Audited`]) writes one in the same transaction as each change.

use pupitre_protocol::{AgentId, Millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// One value that changed, at a dotted path of the document (`routing.queue_per_agent`).
/// Lists are compared whole: a list is one value (`optional_statuses`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(rename = "AuditChange")]
pub struct Change {
    pub path: String,
    /// `null` when the value did not exist (a creation).
    #[ts(type = "unknown")]
    pub before: Value,
    /// `null` when the value is gone.
    #[ts(type = "unknown")]
    pub after: Value,
}

/// Who made a change: an account of the project, or the hub's operator on its machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<AgentId>,
    pub name: String,
}

impl Actor {
    /// `pupitre admin …` on the hub's machine.
    pub fn operator() -> Self {
        Self {
            id: None,
            name: "operator (pupitre admin)".into(),
        }
    }
}

/// An entry to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub at: Millis,
    pub actor: Actor,
    pub action: String,
    pub target: String,
    pub changes: Vec<Change>,
}

/// An entry as the console reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(rename = "AuditEntry")]
pub struct Entry {
    pub id: i64,
    pub at: Millis,
    pub actor_id: Option<AgentId>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub changes: Vec<Change>,
}

/// Which entries to read, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Entries whose action starts with this (`settings`, `agent.create`).
    pub action: Option<String>,
    /// Entries made by this account.
    pub actor: Option<AgentId>,
    /// Entries whose actor, target or changes contain this text (case-insensitive).
    pub text: Option<String>,
    /// Entries with an id below this one: the next page.
    pub before: Option<i64>,
    /// Entries at or after this time.
    pub since: Option<Millis>,
    /// Entries before this time.
    pub until: Option<Millis>,
    /// At most this many (1 to [`MOST_PER_PAGE`], default 50).
    pub limit: Option<u32>,
}

pub const MOST_PER_PAGE: u32 = 200;

impl Filter {
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, MOST_PER_PAGE)
    }

    /// What a store reads: `limit` as asked, up to one more than a page holds (the API asks
    /// one more to know whether another page follows).
    pub fn fetch_limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, MOST_PER_PAGE + 1)
    }
}

/// What changed from `before` to `after`: every path whose value differs, objects walked
/// into, keys in alphabetical order. Equal documents give nothing.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(String::new(), before, after, &mut out);
    out
}

fn walk(path: String, before: &Value, after: &Value, out: &mut Vec<Change>) {
    if before == after {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (key, bv) in b {
                walk(join(key), bv, a.get(key).unwrap_or(&Value::Null), out);
            }
            for (key, av) in a.iter().filter(|(k, _)| !b.contains_key(*k)) {
                walk(join(key), &Value::Null, av, out);
            }
        }
        _ => out.push(Change {
            path,
            before: before.clone(),
            after: after.clone(),
        }),
    }
}

/// The changes of a creation: every top-level field of `created`, from nothing.
pub fn created(created: &Value) -> Vec<Change> {
    diff(&Value::Null, created)
        .into_iter()
        .flat_map(|c| match c.after {
            Value::Object(map) => map
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(path, after)| Change {
                    path,
                    before: Value::Null,
                    after,
                })
                .collect(),
            Value::Null => vec![],
            _ => vec![c],
        })
        .collect()
}

/// The changes of a deletion: every top-level field of `deleted`, to nothing.
pub fn deleted(deleted: &Value) -> Vec<Change> {
    created(deleted)
        .into_iter()
        .map(|c| Change {
            path: c.path,
            before: c.after,
            after: Value::Null,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a10_equal_documents_have_no_changes() {
        let doc = json!({"a": 1, "b": {"c": [1, 2]}});
        assert!(diff(&doc, &doc).is_empty());
    }

    #[test]
    fn a10_changes_are_found_at_their_dotted_path_and_lists_whole() {
        let before =
            json!({"routing": {"queue_per_agent": 2, "timeouts": {"x": 0}}, "list": ["a"]});
        let after =
            json!({"routing": {"queue_per_agent": 9, "timeouts": {"x": 0}}, "list": ["a", "b"]});
        assert_eq!(
            diff(&before, &after),
            vec![
                Change {
                    path: "list".into(),
                    before: json!(["a"]),
                    after: json!(["a", "b"])
                },
                Change {
                    path: "routing.queue_per_agent".into(),
                    before: json!(2),
                    after: json!(9)
                },
            ]
        );
    }

    #[test]
    fn a10_keys_that_appear_or_vanish_go_from_or_to_null() {
        let before = json!({"gone": true, "o": {}});
        let after = json!({"new": "x", "o": {"k": 1}});
        let paths: Vec<_> = diff(&before, &after)
            .into_iter()
            .map(|c| (c.path, c.before, c.after))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("gone".into(), json!(true), Value::Null),
                ("o.k".into(), Value::Null, json!(1)),
                ("new".into(), Value::Null, json!("x")),
            ]
        );
    }

    #[test]
    fn a10_a_creation_lists_its_fields() {
        let changes = created(&json!({"name": "Sales", "hours": null}));
        assert_eq!(changes.len(), 1, "a null field is no change: {changes:?}");
        assert_eq!(changes[0].path, "name");
    }

    #[test]
    fn a10_the_page_size_is_bounded() {
        let f = |limit| Filter {
            limit,
            ..Default::default()
        };
        assert_eq!(f(None).limit(), 50);
        assert_eq!(f(Some(0)).limit(), 1);
        assert_eq!(f(Some(100_000)).limit(), MOST_PER_PAGE);
    }
}
