//! What the WebSocket benchmarks share: seeding users and a group through the real HTTP
//! API of a local service, opening authenticated WebSockets, reading a process's RSS.

// Each benchmark uses part of this module; what one leaves unused is not dead.
#![allow(dead_code)]

use std::time::Duration;

use anyhow::{bail, Context};
use futures::{stream, StreamExt, TryStreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A WebSocket to the service.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Sign-ups and sign-ins in flight at once: argon2 runs on the server's blocking pool, so
/// more would only queue there.
const SEED_CONCURRENCY: usize = 16;

/// A user the benchmark signed up.
#[derive(Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

/// The HTTP API of the service under test (only ever 127.0.0.1).
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    /// The API at `base`, which must be a loopback address.
    pub fn new(base: &str) -> anyhow::Result<Api> {
        if !base.starts_with("http://127.0.0.1:") {
            bail!("benchmarks only talk to http://127.0.0.1:PORT, not {base}");
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Api {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    async fn call(&self, path: &str, token: Option<&str>, body: Value) -> anyhow::Result<Value> {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.with_context(|| format!("POST {path}"))?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            bail!("POST {path}: {status} {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Signs up and signs in `username`.
    pub async fn user(&self, username: &str) -> anyhow::Result<User> {
        let password = format!("{username}-bench-password");
        let body = json!({"username": username, "password": password});
        let made = self.call("/v1/accounts", None, body.clone()).await?;
        let session = self.call("/v1/sessions", None, body).await?;
        Ok(User {
            id: text(&made, "id")?,
            token: text(&session, "access_token")?,
        })
    }

    /// Signs up `count` users named `{prefix}{n}`, several at a time.
    pub async fn users(&self, prefix: &str, count: usize) -> anyhow::Result<Vec<User>> {
        stream::iter(0..count)
            .map(|n| async move { self.user(&format!("{prefix}{n:05}")).await })
            .buffered(SEED_CONCURRENCY)
            .try_collect()
            .await
    }

    /// A group owned by `owner` with every one of `members` in it (the owner adds only
    /// friends, so each member befriends the owner first).
    pub async fn group(
        &self,
        owner: &User,
        owner_name: &str,
        members: &[User],
    ) -> anyhow::Result<String> {
        let group = self
            .call("/v1/groups", Some(&owner.token), json!({"name": "bench"}))
            .await?;
        let group_id = text(&group, "id")?;
        stream::iter(members)
            .map(|m| {
                let group_id = &group_id;
                async move {
                    let req = self
                        .call(
                            "/v1/friends/requests",
                            Some(&m.token),
                            json!({"username": owner_name}),
                        )
                        .await?;
                    let accept = format!("/v1/friends/requests/{}/accept", text(&req, "id")?);
                    self.call(&accept, Some(&owner.token), json!({})).await?;
                    let add = format!("/v1/groups/{group_id}/members");
                    self.call(&add, Some(&owner.token), json!({"user_id": m.id}))
                        .await?;
                    anyhow::Ok(())
                }
            })
            .buffer_unordered(SEED_CONCURRENCY)
            .try_collect::<()>()
            .await?;
        Ok(group_id)
    }

    /// A sync room showing `url`, created by `owner` for every member of `group_id`.
    pub async fn sync_room(
        &self,
        owner: &User,
        group_id: &str,
        url: &str,
    ) -> anyhow::Result<String> {
        let body = json!({"url": url, "group_id": group_id});
        let room = self
            .call("/v1/sync-rooms", Some(&owner.token), body)
            .await?;
        text(&room, "room_id")
    }
}

fn text(v: &Value, field: &str) -> anyhow::Result<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {field:?} in {v}"))
}

/// Opens `/v1/ws` at `base` (http://127.0.0.1:PORT) with `token` in the header.
pub async fn connect(base: &str, token: &str) -> anyhow::Result<Socket> {
    let url = format!("{}/v1/ws", base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse()?);
    // Small frames go out at once, as browsers send them (no Nagle delay).
    let (socket, _) = tokio_tungstenite::connect_async_with_config(req, None, true).await?;
    Ok(socket)
}

/// The resident set size of process `pid`, in KiB (VmRSS in /proc/PID/status).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/PID/status")
}

/// The value after `--name` in the command line, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name} needs a valid value")),
        None => Ok(default),
    }
}

/// Writes the users' tokens, one `id token` line each, for a later run.
pub fn save_users(path: &str, users: &[User]) -> anyhow::Result<()> {
    let lines: String = users
        .iter()
        .map(|u| format!("{} {}\n", u.id, u.token))
        .collect();
    std::fs::write(path, lines).with_context(|| format!("writing {path}"))
}

/// Reads what [`save_users`] wrote.
pub fn load_users(path: &str) -> anyhow::Result<Vec<User>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    text.lines()
        .map(|l| {
            let (id, token) = l.split_once(' ').context("a line of id and token")?;
            Ok(User {
                id: id.to_owned(),
                token: token.to_owned(),
            })
        })
        .collect()
}
