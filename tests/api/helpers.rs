//! `spawn_app()`: the real service on port 0 with a fresh database and a fresh bucket of
//! the real embedded store, plus one method per endpoint so tests read like a client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use imshare::config::Settings;
use imshare::startup::{Application, Listeners};
use imshare_store::{EmbeddedStore, StoreCredentials};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

pub use crate::clips::{audio_clip, generate_clip, hd_clip, large_clip, small_clip};
pub use crate::presigned::{put_is_refused, put_presigned};

/// Which database a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The JWT secret test apps sign with, so tests can forge and expire tokens.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const STORE_KEY: &str = "TESTACCESSKEY";
pub const STORE_SECRET: &str = "test-store-secret-key-0123456789";

/// PostgreSQL server the tests use (override with IMSHARE_TEST_PG).
pub fn pg_server_url() -> String {
    std::env::var("IMSHARE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A running service and what a test needs to reach and disturb it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub store: Option<EmbeddedStore>,
    pub store_addr: SocketAddr,
    pub state: imshare::state::AppState,
    /// The operator listener for `/metrics`, when the test configured one.
    pub metrics_addr: Option<SocketAddr>,
    _data_dir: tempfile::TempDir,
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub token: String,
    pub refresh_token: String,
}

/// Starts the app on `backend` with default test settings.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the app on `backend`, letting the test adjust settings first.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_tracing();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(None).expect("default settings load");
    settings.data_dir = data_dir.path().to_path_buf();
    settings.database.url = match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => fresh_pg_database().await,
    };
    settings.database.max_connections = 8;
    settings.auth.jwt_secret = JWT_SECRET.to_owned().into();
    settings.storage.access_key = STORE_KEY.to_owned();
    settings.storage.secret_key = STORE_SECRET.to_owned().into();
    settings.storage.bucket = format!("test-{}", uuid::Uuid::new_v4().simple());
    settings.storage.probe_interval_ms = 200;
    settings.storage.reserve_bytes = 0;
    settings.uploads.multipart_threshold_bytes = 6 * 1024 * 1024;
    settings.uploads.part_size_bytes = 5 * 1024 * 1024;
    adjust(&mut settings);
    start(settings, data_dir).await
}

async fn start(settings: Settings, data_dir: tempfile::TempDir) -> TestApp {
    let http = std::net::TcpListener::bind("127.0.0.1:0").expect("bind http");
    let store_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind store");
    let store_addr = store_listener.local_addr().expect("store addr");
    let listeners = Listeners {
        http: Some(http),
        store: Some(store_listener),
    };
    let mut app = Application::build(settings.clone(), listeners)
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.take_embedded_store();
    let state = app.state().clone();
    let metrics_addr = app.metrics_addr();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        settings,
        store,
        store_addr,
        state,
        metrics_addr,
        _data_dir: data_dir,
    }
}

async fn fresh_pg_database() -> String {
    use sqlx::Connection;
    let server = pg_server_url();
    let name = format!("imshare_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("PostgreSQL must be running for the postgres tests (.ci/run starts it)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    format!("{server}/{name}")
}

fn init_tracing() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            imshare::telemetry::init();
        }
    });
}

impl TestApp {
    /// `METHOD path` with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request reaches the app")
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    /// POST JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.call(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// Signs up and signs in a new user.
    pub async fn create_user(&self, username: &str) -> TestUser {
        let password = format!("{username}-password");
        let res = self
            .call(
                reqwest::Method::POST,
                "/v1/accounts",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "sign-up of {username}");
        let id = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let session = self.sign_in(username, &password).await;
        assert_eq!(session.status(), StatusCode::OK);
        let body: Value = session.json().await.unwrap();
        TestUser {
            id,
            username: username.to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// `POST /v1/sessions`.
    pub async fn sign_in(&self, username: &str, password: &str) -> Response {
        self.call(
            reqwest::Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await
    }

    /// Registers an app of the push API (by a fresh admin); returns its id and secret.
    pub async fn register_app(&self, name: &str) -> (String, String) {
        let admin = self.create_user(&format!("admin-{name}")).await;
        assert!(imshare::apps::grant_admin(&self.state.db, &admin.username)
            .await
            .unwrap());
        let created: Value = self
            .post("/v1/apps", &admin.token, json!({"name": name}))
            .await
            .json()
            .await
            .unwrap();
        let id = created["app_id"].as_str().expect("an app id").to_owned();
        (id, created["secret"].as_str().expect("a secret").to_owned())
    }

    /// Makes `a` and `b` friends through the API.
    pub async fn befriend(&self, a: &TestUser, b: &TestUser) {
        let res = self
            .post(
                "/v1/friends/requests",
                &a.token,
                json!({"username": b.username}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let id = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = self
            .post(
                &format!("/v1/friends/requests/{id}/accept"),
                &b.token,
                json!({}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    /// `POST /v1/uploads`.
    pub async fn request_upload(&self, user: &TestUser, body: Value) -> Response {
        self.post("/v1/uploads", &user.token, body).await
    }

    /// `DELETE /v1/uploads/{id}`: aborts a pending upload.
    pub async fn abort_upload(&self, user: &TestUser, upload_id: &str) -> Response {
        self.call(
            Method::DELETE,
            &format!("/v1/uploads/{upload_id}"),
            Some(&user.token),
            None,
        )
        .await
    }

    /// `POST /v1/uploads/{id}/complete` with no part list.
    pub async fn complete_upload(&self, user: &TestUser, upload_id: &str) -> Response {
        self.post(
            &format!("/v1/uploads/{upload_id}/complete"),
            &user.token,
            json!({}),
        )
        .await
    }

    /// Uploads `bytes` as a clip through a single presigned PUT and completes it.
    pub async fn upload_clip(
        &self,
        user: &TestUser,
        bytes: &[u8],
        content_type: &str,
        visibility: &str,
    ) -> String {
        let res = self
            .request_upload(
                user,
                json!({"size": bytes.len(), "content_type": content_type, "title": "a clip", "visibility": visibility}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let grant: Value = res.json().await.unwrap();
        if grant["method"] == "multipart" {
            self.put_parts(&grant, bytes).await;
        } else {
            let put = put_presigned(&self.client, &grant, bytes.to_vec()).await;
            assert!(
                put.status().is_success(),
                "PUT to the store: {}",
                put.status()
            );
        }
        let upload_id = grant["upload_id"].as_str().unwrap();
        let done = self.complete_upload(user, upload_id).await;
        assert_eq!(done.status(), StatusCode::OK);
        grant["media_id"].as_str().unwrap().to_owned()
    }

    /// PUTs every part of a multipart grant.
    pub async fn put_parts(&self, grant: &Value, bytes: &[u8]) {
        let part_size = grant["part_size"].as_u64().unwrap() as usize;
        for (i, part) in grant["parts"].as_array().unwrap().iter().enumerate() {
            let chunk = &bytes[i * part_size..((i + 1) * part_size).min(bytes.len())];
            let res = self
                .client
                .put(part["url"].as_str().unwrap())
                .body(chunk.to_vec())
                .send()
                .await
                .unwrap();
            assert!(
                res.status().is_success(),
                "part {}: {}",
                i + 1,
                res.status()
            );
        }
    }

    /// Stops the embedded store, as an outage would.
    pub async fn stop_store(&mut self) {
        self.store.take().expect("store is running").stop().await;
    }

    /// Starts the embedded store again on the same address over the same data.
    pub async fn restart_store(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.store_addr)
            .await
            .expect("rebind store port");
        let root: PathBuf = imshare::storage::setup::embedded_root(&self.settings);
        let creds = StoreCredentials {
            access_key: STORE_KEY.to_owned(),
            secret_key: STORE_SECRET.to_owned(),
        };
        self.store = Some(
            EmbeddedStore::start(listener, root, creds)
                .await
                .expect("store restarts"),
        );
    }
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

impl TestApp {
    /// Polls the media until its status is no longer `processing`; returns it.
    pub async fn wait_for_media(
        &self,
        user: &TestUser,
        media_id: &str,
        limit: std::time::Duration,
    ) -> Value {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let media: Value = self
                .get(&format!("/v1/media/{media_id}"), &user.token)
                .await
                .json()
                .await
                .unwrap();
            if media["status"] != "processing" || std::time::Instant::now() > deadline {
                return media;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

/// Keys of the objects under `prefix` in the app's bucket.
pub async fn objects_under(store: &imshare::storage::ObjectStore, prefix: &str) -> Vec<String> {
    store.list_keys(prefix).await.expect("list objects")
}
