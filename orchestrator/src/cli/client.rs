//! A small blocking client of the orchestrator's HTTP API, used by the CLI subcommands. Answers
//! are read into the API's own types ([`crate::contract`]), errors through its error body.

use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::typestate::{WithBody, WithoutBody};

use crate::contract::ErrorBody;

pub struct ApiClient {
    base: String,
    agent: ureq::Agent,
    /// Sent as `Authorization: Bearer` on every request (mutating routes need it).
    token: Option<String>,
}

impl ApiClient {
    pub fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            agent,
            token: None,
        }
    }

    /// Sends `token` (the teacher's, or a student's for one robot) with every request.
    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token.filter(|t| !t.trim().is_empty());
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `request` with the token, when there is one.
    fn authorized<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => request.header("authorization", format!("Bearer {t}")),
            None => request,
        }
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let url = self.url(path);
        self.call(&url, self.agent.get(&url))
    }

    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        let url = self.url(path);
        self.send_json(&url, self.agent.post(&url), body)
    }

    pub fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        let url = self.url(path);
        self.send_json(&url, self.agent.put(&url), body)
    }

    pub fn delete<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let url = self.url(path);
        self.call(&url, self.agent.delete(&url))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request without a body (GET, DELETE), authorized and decoded.
    fn call<T: DeserializeOwned>(
        &self,
        url: &str,
        request: ureq::RequestBuilder<WithoutBody>,
    ) -> anyhow::Result<T> {
        let response = self
            .authorized(request)
            .call()
            .with_context(|| self.unreachable(url))?;
        decode(url, response)
    }

    /// A request with a JSON body (POST, PUT), authorized and decoded.
    fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        url: &str,
        request: ureq::RequestBuilder<WithBody>,
        body: &B,
    ) -> anyhow::Result<T> {
        let response = self
            .authorized(request)
            .send_json(body)
            .with_context(|| self.unreachable(url))?;
        decode(url, response)
    }

    fn unreachable(&self, url: &str) -> String {
        format!(
            "cannot reach the orchestrator at {url}; is `orchestrator serve` running? (set --api or ORCHESTRATOR_API)"
        )
    }
}

/// Turns a response into `T`, or into an error carrying the API's own `{"error": ...}` message.
fn decode<T: DeserializeOwned>(
    url: &str,
    mut response: ureq::http::Response<ureq::Body>,
) -> anyhow::Result<T> {
    let status = response.status();
    let body = response
        .body_mut()
        .read_to_string()
        .with_context(|| format!("reading the answer of {url} ({status})"))?;
    if !status.is_success() {
        let message = serde_json::from_str::<ErrorBody>(&body)
            .map(|e| e.error)
            .unwrap_or_else(|_| "no error message".to_owned());
        bail!("{message} (HTTP {})", status.as_u16());
    }
    serde_json::from_str(&body).with_context(|| format!("unexpected answer from {url}"))
}
