//! The hub's HTTP API, one module per resource; this file is its route table. Every error is
//! `{code, message}` with the code's HTTP status ([`error`]); a handler learns who calls from
//! [`caller`].
//!
//! - [`sessions`]: login, refresh, logout, `me`.
//! - [`conversations`]: the desk's live conversations and one thread; [`access`]: who may read
//!   which conversation.
//! - [`visitors`]: a visitor's earlier conversations (D14).
//! - [`team`]: agents and groups, the transfer targets (R7, D9); who is online (D16, M1).
//! - [`canned`]: the caller's canned responses.
//! - [`knowledge`]: knowledge articles for the desk's tab and assistant (D16, A8).
//! - [`transcript`]: a conversation e-mailed to its agent (D16).
//! - [`stats`]: the caller's figures of the day (D15).
//! - [`admin`]: `/api/admin/…`, for admins.
//! - [`widget`]: the widget's configuration (W1); [`files`]: uploads and downloads (W4, D12).
//! - [`health`]: `/healthz` and `/metrics`.
//! - [`elsewhere`]: several hubs on PostgreSQL: what needs the project's writer, asked of a node
//!   that does not own the project, forwarded to the node that does (issue 14).
//!
//! Modules depend on `error`, `caller`, `access` and `elsewhere` (and `visitors` on
//! `conversations`), never the other way round.

pub mod access;
pub mod admin;
pub mod caller;
pub mod canned;
pub mod console;
pub mod contract;
pub mod conversations;
mod elsewhere;
pub mod error;
pub mod files;
pub mod health;
pub mod knowledge;
pub mod people;
mod sales;
pub mod sessions;
pub mod staff;
pub mod stats;
pub mod team;
pub mod transcript;
pub mod visitors;
pub mod widget;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};
use tower_http::limit::RequestBodyLimitLayer;

use crate::Hub;

/// Largest body of an API request but an upload (JSON documents are small).
pub const MAX_BODY: usize = 256 * 1024;
/// The largest configuration file an import takes (A10).
pub const MAX_CONFIGURATION_BODY: usize = 8 * 1024 * 1024;

/// Every route of the API, with its bounds and, for what the widget calls, CORS.
pub fn routes() -> Router<Arc<Hub>> {
    let json = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/api/login", post(sessions::login))
        .route("/api/refresh", post(sessions::refresh))
        .route("/api/logout", post(sessions::logout))
        .route("/api/me", get(sessions::me))
        .route(
            "/api/console/session",
            get(console::current)
                .post(console::open)
                .delete(console::close),
        )
        .route(
            "/api/canned-responses",
            get(canned::list).post(canned::create),
        )
        .route("/api/conversations", get(conversations::list))
        .route("/api/conversations/{reference}", get(conversations::read))
        .route(
            "/api/conversations/{reference}/email",
            post(transcript::email),
        )
        .route("/api/team", get(team::online))
        .route("/api/board", get(team::board))
        .route("/api/sales", post(sales::report))
        .route("/api/knowledge", get(knowledge::search))
        .route("/api/agents", get(team::agents))
        .route("/api/groups", get(team::groups))
        .route(
            "/api/visitors/{id}/conversations",
            get(visitors::conversations),
        )
        .route("/api/stats/today", get(stats::today))
        .route("/api/stats/range", get(stats::range))
        .route("/api/stats/closed", get(stats::closed))
        .route(
            "/api/admin/projects",
            get(admin::projects).post(admin::create_project),
        )
        .route("/api/admin/projects/{code}", patch(admin::rename_project))
        .route(
            "/api/admin/projects/{code}/groups",
            get(people::groups).post(people::create_group),
        )
        .route(
            "/api/admin/projects/{code}/agents",
            get(people::agents).post(people::create_agent),
        )
        .route(
            "/api/admin/projects/{code}/agents/{agent}",
            patch(people::update_agent),
        )
        .route(
            "/api/admin/projects/{code}/agents/{agent}/password",
            put(people::set_password),
        )
        .route(
            "/api/admin/projects/{code}/groups/{group}",
            patch(people::rename_group),
        )
        .route(
            "/api/admin/projects/{code}/canned-responses",
            get(people::canned).post(people::create_canned),
        )
        .route(
            "/api/admin/projects/{code}/canned-responses/{id}",
            put(people::update_canned).delete(people::delete_canned),
        )
        .route(
            "/api/admin/projects/{code}/settings",
            get(admin::settings).put(admin::put_settings),
        )
        .route(
            "/api/admin/projects/{code}/groups/{group}/hours",
            put(people::put_group_hours),
        )
        .route(
            "/api/admin/projects/{code}/knowledge",
            get(people::knowledge).post(people::create_article),
        )
        .route(
            "/api/admin/projects/{code}/knowledge/{id}",
            put(people::update_article).delete(people::delete_article),
        )
        .route("/api/admin/projects/{code}/audit", get(admin::audit_log))
        .layer(RequestBodyLimitLayer::new(MAX_BODY));
    // A configuration file the hub exported comes back whole, however many canned responses
    // and exception dates it holds.
    let configuration = Router::new()
        .route(
            "/api/admin/projects/{code}/configuration",
            get(admin::export_configuration).post(admin::import_configuration),
        )
        .layer(DefaultBodyLimit::max(MAX_CONFIGURATION_BODY))
        .layer(RequestBodyLimitLayer::new(MAX_CONFIGURATION_BODY));
    let json = json.merge(configuration);
    // What the widget calls from brands' pages.
    let widget = Router::new()
        .route("/api/widget/config", get(widget::config))
        .route("/api/visitor/files", post(files::visitor_upload))
        .route("/api/files/{id}", get(files::download))
        .layer(caller::widget_cors());
    let uploads = Router::new()
        .route(
            "/api/conversations/{reference}/files",
            post(files::agent_upload),
        )
        .merge(widget)
        .layer(DefaultBodyLimit::max(files::MAX_UPLOAD))
        .layer(RequestBodyLimitLayer::new(files::MAX_UPLOAD));
    json.merge(uploads)
}
