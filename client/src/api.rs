//! The few API calls the client makes, with errors that say what the server said.

use anyhow::{bail, Context};
use reqwest::{Client, Method, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Which server to talk to and as whom: shared by the client's subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct AccountArgs {
    /// The imshare server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "IMSHARE_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An access token (instead of signing in).
    #[arg(long, env = "IMSHARE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Sign in as this user; the password comes from IMSHARE_PASSWORD.
    #[arg(long, env = "IMSHARE_USERNAME")]
    pub username: Option<String>,
    #[arg(long, env = "IMSHARE_PASSWORD", hide_env_values = true, hide = true)]
    pub password: Option<String>,
}

/// An authenticated connection to an imshare server.
pub struct Api {
    pub http: Client,
    pub server: String,
    token: String,
}

impl Api {
    /// Uses `token`, or signs in with `username` and `password`.
    pub async fn connect(
        server: &str,
        token: Option<String>,
        login: Option<(String, String)>,
    ) -> anyhow::Result<Api> {
        let http = Client::builder()
            .build()
            .context("building the HTTP client")?;
        let server = server.trim_end_matches('/').to_owned();
        let token = match (token, login) {
            (Some(token), _) => token,
            (None, Some((username, password))) => {
                let body = serde_json::json!({"username": username, "password": password});
                let res = http
                    .post(format!("{server}/v1/sessions"))
                    .json(&body)
                    .send()
                    .await;
                let session: Value =
                    answer(res.with_context(|| format!("reaching {server}"))?).await?;
                session["access_token"]
                    .as_str()
                    .context("the server sent no access_token")?
                    .to_owned()
            }
            (None, None) => {
                bail!("give --token (or IMSHARE_TOKEN), or --username with IMSHARE_PASSWORD")
            }
        };
        Ok(Api {
            http,
            server,
            token,
        })
    }

    /// Connects as `account` says: with its token, or by signing in.
    pub async fn sign_in(account: &AccountArgs) -> anyhow::Result<Api> {
        let login = account.username.clone().zip(account.password.clone());
        Api::connect(&account.server, account.token.clone(), login).await
    }

    /// The access token requests carry.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Calls `method path` with an optional JSON body and decodes the JSON answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<T> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.server))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("{method} {path}: cannot reach {}", self.server))?;
        answer(res)
            .await
            .with_context(|| format!("{method} {path}"))
    }
}

/// The decoded body of a 2xx answer, or the server's error code and message.
async fn answer<T: DeserializeOwned>(res: Response) -> anyhow::Result<T> {
    let status = res.status();
    let bytes = res.bytes().await.context("reading the answer")?;
    if !status.is_success() {
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or("unknown");
        let message = body["error"]["message"].as_str().unwrap_or("no message");
        bail!("the server answered {status}: {code}: {message}");
    }
    serde_json::from_slice(&bytes).context("the server's answer is not the JSON expected")
}
