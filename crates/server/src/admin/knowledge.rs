//! Knowledge articles (SPEC A8): title, body, tags, language; searchable. The admin writes
//! them in the console; agents search them (the desk's knowledge tab and assistant, issue 12).

use pupitre_protocol::Millis;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{AdminError, Result};
use crate::settings_rules::FieldError;
use crate::store::{ProjectId, Store, StoreError};

pub const MOST_TITLE_CHARS: usize = 200;
pub const MOST_BODY_CHARS: usize = 20_000;
pub const MOST_TAGS: usize = 20;
pub const MOST_TAG_CHARS: usize = 40;
/// The most articles a search returns.
pub const MOST_FOUND: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub language: String,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ArticleRequest {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "english")]
    pub language: String,
}

fn english() -> String {
    "en".into()
}

/// Which articles to read: `q` in the title, body or tags (case-insensitive), of `language`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Search {
    pub q: Option<String>,
    pub language: Option<String>,
}

/// The article as stored, checked field by field (tags trimmed and lowercased).
pub(super) fn checked(req: ArticleRequest, id: i64, now: Millis) -> Result<Article> {
    let mut problems = Vec::new();
    let mut fail = |path: String, message: String| problems.push(FieldError { path, message });
    let title = req.title.trim().to_owned();
    if title.is_empty()
        || title.chars().count() > MOST_TITLE_CHARS
        || title.chars().any(char::is_control)
    {
        fail(
            "title".into(),
            format!("one line of 1 to {MOST_TITLE_CHARS} characters"),
        );
    }
    let body = req.body.trim().to_owned();
    if body.is_empty() || body.chars().count() > MOST_BODY_CHARS {
        fail("body".into(), format!("1 to {MOST_BODY_CHARS} characters"));
    }
    if req.tags.len() > MOST_TAGS {
        fail("tags".into(), format!("at most {MOST_TAGS} tags"));
    }
    let mut tags: Vec<String> = Vec::new();
    for (i, tag) in req.tags.iter().enumerate() {
        let tag = tag.trim().to_lowercase();
        let ok = !tag.is_empty()
            && tag.chars().count() <= MOST_TAG_CHARS
            && tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !ok {
            fail(
                format!("tags.{i}"),
                format!("1 to {MOST_TAG_CHARS} letters, digits, - or _"),
            );
        } else if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if !crate::settings_rules::is_language(&req.language) {
        fail(
            "language".into(),
            "a language code such as en, fr or pt-BR".into(),
        );
    }
    if !problems.is_empty() {
        return Err(AdminError::Fields(problems));
    }
    Ok(Article {
        id,
        title,
        body,
        tags,
        language: req.language,
        updated_at: now,
    })
}

pub fn search(store: &mut dyn Store, project: ProjectId, search: &Search) -> Result<Vec<Article>> {
    Ok(store.knowledge(project, search)?)
}

pub(super) fn create(
    store: &mut dyn Store,
    project: ProjectId,
    req: ArticleRequest,
) -> Result<Article> {
    let mut article = checked(req, 0, crate::clock::now_ms())?;
    article.id = store.put_article(project, &article)?;
    Ok(article)
}

/// The project's article `id`, as it is.
pub(super) fn article(store: &mut dyn Store, project: ProjectId, id: i64) -> Result<Article> {
    store
        .article(project, id)?
        .ok_or_else(|| StoreError::NotFound(format!("article {id}")).into())
}

pub(super) fn update(
    store: &mut dyn Store,
    project: ProjectId,
    id: i64,
    req: ArticleRequest,
) -> Result<Article> {
    article(store, project, id)?;
    let article = checked(req, id, crate::clock::now_ms())?;
    store.put_article(project, &article)?;
    Ok(article)
}

pub(super) fn delete(store: &mut dyn Store, project: ProjectId, id: i64) -> Result<Article> {
    let found = article(store, project, id)?;
    store.delete_article(project, id)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(title: &str, tags: &[&str], language: &str) -> ArticleRequest {
        ArticleRequest {
            title: title.into(),
            body: "Sous 48 h.".into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            language: language.into(),
        }
    }

    #[test]
    fn a8_tags_are_trimmed_lowercased_and_once() {
        let a = checked(
            req(" Délais ", &["Livraison", " livraison ", "colis"], "fr"),
            0,
            1,
        )
        .unwrap();
        assert_eq!(a.title, "Délais");
        assert_eq!(a.tags, ["livraison", "colis"]);
    }

    #[test]
    fn a8_mistakes_are_named_by_field() {
        let Err(AdminError::Fields(problems)) =
            checked(req("two\nlines", &["ok", "no spaces"], "French"), 0, 1)
        else {
            panic!("refused")
        };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["title", "tags.1", "language"]);
    }
}
