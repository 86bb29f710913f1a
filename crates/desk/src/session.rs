//! Login, refresh and logout over the hub's HTTP API.

use pupitre_protocol::{AgentId, ErrorCode, Millis};
use serde::{Deserialize, Serialize};

use crate::error::{DeskError, DeskErrorCode};
use crate::tls;

/// What `/api/login` and `/api/refresh` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: Millis,
    pub agent_id: AgentId,
    pub project: String,
}

pub use crate::tls::normalize_hub;

pub fn ws_url(hub: &str) -> String {
    if let Some(rest) = hub.strip_prefix("https://") {
        format!("wss://{rest}/ws/agent")
    } else {
        format!("ws://{}/ws/agent", hub.trim_start_matches("http://"))
    }
}

async fn post(
    hub: &str,
    path: &str,
    body: serde_json::Value,
) -> Result<reqwest::Response, DeskError> {
    tls::transport_for(hub)?
        .http
        .post(format!("{hub}{path}"))
        .json(&body)
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await
        .map_err(|e| tls::unreachable(hub, &e))
}

async fn tokens(response: reqwest::Response) -> Result<Tokens, DeskError> {
    if response.status().is_success() {
        return response.json().await.map_err(|e| {
            DeskError::new(
                DeskErrorCode::HubUnreachable,
                format!("unexpected answer from the hub: {e}"),
            )
        });
    }
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let code: Option<ErrorCode> = serde_json::from_value(body["code"].clone()).ok();
    let message = body["message"]
        .as_str()
        .unwrap_or("the hub refused")
        .to_owned();
    Err(DeskError::new(
        code.map_or(DeskErrorCode::Internal, DeskErrorCode::Hub),
        message,
    ))
}

pub async fn login(hub: &str, email: &str, password: &str) -> Result<Tokens, DeskError> {
    tokens(
        post(
            hub,
            "/api/login",
            serde_json::json!({"email": email, "password": password}),
        )
        .await?,
    )
    .await
}

pub async fn refresh(hub: &str, refresh_token: &str) -> Result<Tokens, DeskError> {
    tokens(
        post(
            hub,
            "/api/refresh",
            serde_json::json!({"refresh_token": refresh_token}),
        )
        .await?,
    )
    .await
}

pub async fn logout(hub: &str, refresh_token: &str) {
    let _ = post(
        hub,
        "/api/logout",
        serde_json::json!({"refresh_token": refresh_token}),
    )
    .await;
}

pub async fn get_json(
    hub: &str,
    path: &str,
    access_token: &str,
) -> Result<serde_json::Value, DeskError> {
    let response = tls::transport_for(hub)?
        .http
        .get(format!("{hub}{path}"))
        .bearer_auth(access_token)
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await
        .map_err(|e| tls::unreachable(hub, &e))?;
    if !response.status().is_success() {
        let code = if response.status() == reqwest::StatusCode::FORBIDDEN {
            ErrorCode::Forbidden
        } else {
            ErrorCode::Unauthorized
        };
        return Err(DeskError::new(
            DeskErrorCode::Hub(code),
            format!("{path}: {}", response.status()),
        ));
    }
    response
        .json()
        .await
        .map_err(|e| DeskError::new(DeskErrorCode::HubUnreachable, e.to_string()))
}

pub async fn post_json(
    hub: &str,
    path: &str,
    access_token: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, DeskError> {
    let request = tls::transport_for(hub)?
        .http
        .post(format!("{hub}{path}"))
        .bearer_auth(access_token)
        .json(&body)
        .timeout(std::time::Duration::from_secs(15));
    json_answer(hub, path, request).await
}

/// Sends `request`; its JSON answer, or the hub's refusal as a desk error.
async fn json_answer(
    hub: &str,
    path: &str,
    request: reqwest::RequestBuilder,
) -> Result<serde_json::Value, DeskError> {
    let response = request
        .send()
        .await
        .map_err(|e| tls::unreachable(hub, &e))?;
    if !response.status().is_success() {
        return Err(refused(path, response).await);
    }
    Ok(response.json().await.unwrap_or_default())
}

/// The hub's `{code, message}` answer to a refused request, as a desk error.
async fn refused(path: &str, response: reqwest::Response) -> DeskError {
    let status = response.status();
    let value: serde_json::Value = response.json().await.unwrap_or_default();
    let code: Option<ErrorCode> = serde_json::from_value(value["code"].clone()).ok();
    let message = value["message"]
        .as_str()
        .map_or_else(|| format!("{path}: {status}"), String::from);
    DeskError::new(
        code.map_or(DeskErrorCode::Internal, DeskErrorCode::Hub),
        message,
    )
}

/// POSTs raw bytes (a file, D12); answers the hub's JSON.
pub async fn post_bytes(
    hub: &str,
    path: &str,
    access_token: &str,
    mime: &str,
    data: Vec<u8>,
) -> Result<serde_json::Value, DeskError> {
    let request = tls::transport_for(hub)?
        .http
        .post(format!("{hub}{path}"))
        .bearer_auth(access_token)
        .header(reqwest::header::CONTENT_TYPE, mime)
        .body(data)
        .timeout(std::time::Duration::from_secs(120));
    json_answer(hub, path, request).await
}

/// GETs raw bytes (a file).
pub async fn get_bytes(hub: &str, path: &str, access_token: &str) -> Result<Vec<u8>, DeskError> {
    let response = tls::transport_for(hub)?
        .http
        .get(format!("{hub}{path}"))
        .bearer_auth(access_token)
        .timeout(std::time::Duration::from_secs(120))
        .send()
        .await
        .map_err(|e| tls::unreachable(hub, &e))?;
    if !response.status().is_success() {
        return Err(refused(path, response).await);
    }
    Ok(response
        .bytes()
        .await
        .map_err(|e| DeskError::new(DeskErrorCode::HubUnreachable, e.to_string()))?
        .to_vec())
}
