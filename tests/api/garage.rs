//! The same upload flow against Garage, a real distributed S3 server, started here as a
//! single node on 127.0.0.1 (`scripts/setup.sh` installs the binary; GARAGE_BIN points at it).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use imshare::config::{Settings, StorageSettings};

use crate::helpers::{put_is_refused, put_presigned, small_clip, spawn_app_with, Backend};
use crate::on_both_databases;

on_both_databases!(uploads_go_straight_to_garage);

/// A Garage node that is killed when the test ends.
pub struct Garage {
    child: Child,
    config: PathBuf,
    binary: PathBuf,
    pub s3_port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn garage_binary() -> PathBuf {
    let path = std::env::var_os("GARAGE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var("HOME").unwrap()).join(".cache/imshare/tools/bin/garage")
        });
    assert!(
        path.exists(),
        "Garage is not installed at {}: run scripts/setup.sh --test",
        path.display()
    );
    path
}

impl Garage {
    /// Starts a single Garage node on free ports and waits until its CLI answers.
    pub fn start() -> Garage {
        let dir = tempfile::tempdir().unwrap();
        let (rpc, s3, admin) = (free_port(), free_port(), free_port());
        let config = dir.path().join("garage.toml");
        let secret: String = (0..32)
            .map(|_| format!("{:02x}", rand::random::<u8>()))
            .collect();
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{d}/meta\"\ndata_dir = \"{d}/data\"\ndb_engine = \"sqlite\"\n\
                 replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc}\"\nrpc_public_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_secret = \"{secret}\"\n[s3_api]\ns3_region = \"garage\"\napi_bind_addr = \"127.0.0.1:{s3}\"\n\
                 root_domain = \".s3.garage.localhost\"\n[admin]\napi_bind_addr = \"127.0.0.1:{admin}\"\n",
                d = dir.path().display()
            ),
        )
        .unwrap();
        let binary = garage_binary();
        let child = Command::new(&binary)
            .arg("-c")
            .arg(&config)
            .arg("server")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start garage");
        let garage = Garage {
            child,
            config,
            binary,
            s3_port: s3,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while garage.cli(&["status"]).is_err() {
            assert!(
                Instant::now() < deadline,
                "garage did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        garage
    }

    fn cli(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    }

    /// Lays out the single node, creates a key and a bucket; returns (key id, secret).
    pub fn provision(&self, bucket: &str) -> (String, String) {
        let node = self.cli(&["node", "id", "-q"]).unwrap();
        let node = node.trim().split('@').next().unwrap().to_owned();
        self.cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])
            .unwrap();
        self.cli(&["layout", "apply", "--version", "1"]).unwrap();
        let key = self.cli(&["key", "create", "imshare-test"]).unwrap();
        let field = |name: &str| {
            key.lines()
                .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
                .unwrap_or_else(|| panic!("no {name} in garage output: {key}"))
        };
        let (id, secret) = (field("Key ID:"), field("Secret key:"));
        self.cli(&["bucket", "create", bucket]).unwrap();
        self.cli(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            bucket,
            "--key",
            "imshare-test",
        ])
        .unwrap();
        (id, secret)
    }
}

/// Waits until Garage's S3 API answers HTTP at all (any status): its RPC answering
/// `garage status` does not mean the S3 listener is up yet, and on a busy machine the
/// app's first request reached it while it still reset connections.
pub async fn wait_for_s3(endpoint: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(endpoint).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "Garage's S3 API did not answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A Garage node with bucket `imshare`, ready for S3 requests, and the settings that point
/// the service at it.
pub async fn garage_store() -> (Garage, StorageSettings) {
    let garage = tokio::task::spawn_blocking(Garage::start).await.unwrap();
    let (key_id, secret) = garage.provision("imshare");
    let endpoint = format!("http://127.0.0.1:{}", garage.s3_port);
    wait_for_s3(&endpoint).await;
    let mut store = Settings::load(None).expect("default settings").storage;
    store.mode = imshare::config::StorageMode::External;
    store.endpoint = endpoint;
    store.region = "garage".into();
    store.bucket = "imshare".into();
    store.access_key = key_id;
    store.secret_key = secret.into();
    store.capacity_bytes = 1 << 30;
    (garage, store)
}

async fn uploads_go_straight_to_garage(backend: Backend) {
    let (garage, store) = garage_store().await;
    let app = spawn_app_with(backend, move |s| s.storage = store).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;

    let clip = small_clip();
    let grant: Value = app
        .request_upload(
            &alice,
            json!({"size": clip.len(), "content_type": "video/mp4"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(grant["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("http://127.0.0.1:{}/", garage.s3_port)));
    let mut wrong = clip.to_vec();
    wrong.push(1);
    assert!(
        put_is_refused(&grant, wrong).await,
        "Garage refuses another size"
    );
    let put = put_presigned(&app.client, &grant, clip.to_vec()).await;
    assert!(
        put.status().is_success(),
        "Garage took the PUT: {}",
        put.status()
    );
    let done = app
        .complete_upload(&alice, grant["upload_id"].as_str().unwrap())
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let media_id = grant["media_id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/media/{media_id}"), &bob.token)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/v1/media/{media_id}"), &carol.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["used_bytes"], clip.len());
}
