//! End-to-end tests: a real store on 127.0.0.1 driven by aws-sdk-s3, reqwest and raw TCP.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, Delete, ObjectIdentifier};
use aws_sdk_s3::Client;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::{EmbeddedStore, StoreCredentials};

mod cors;
mod durability;
mod multipart;
mod objects;
mod presigned;

const ACCESS_KEY: &str = "imshare-test";
const SECRET_KEY: &str = "imshare-test-secret";
const BUCKET: &str = "media";

fn creds() -> StoreCredentials {
    StoreCredentials {
        access_key: ACCESS_KEY.into(),
        secret_key: SECRET_KEY.into(),
    }
}

async fn start(root: &Path, addr: Option<SocketAddr>) -> EmbeddedStore {
    let addr = addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let listener = TcpListener::bind(addr).await.expect("bind");
    EmbeddedStore::start(listener, root.to_path_buf(), creds())
        .await
        .expect("start store")
}

fn client(addr: SocketAddr) -> Client {
    let credentials = aws_credential_types::Credentials::from_keys(ACCESS_KEY, SECRET_KEY, None);
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(credentials)
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn presign(secs: u64) -> PresigningConfig {
    PresigningConfig::expires_in(Duration::from_secs(secs)).unwrap()
}

/// Sends a presigned request, copying its signed headers except those in `skip`.
async fn send(req: &PresignedRequest, body: Vec<u8>, skip: &[&str]) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(req.method().as_bytes()).unwrap();
    let mut builder = reqwest::Client::new().request(method, req.uri());
    for (name, value) in req.headers() {
        // reqwest derives Content-Length from the body; the signed value must match it.
        if name != "content-length" && !skip.contains(&name) {
            builder = builder.header(name, value);
        }
    }
    builder.body(body).send().await.unwrap()
}

async fn is_absent(client: &Client, key: &str) -> bool {
    match client.head_object().bucket(BUCKET).key(key).send().await {
        Ok(_) => false,
        Err(e) => e.into_service_error().is_not_found(),
    }
}

fn dir_entries(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

async fn list_keys(client: &Client, prefix: &str) -> Vec<String> {
    let out = client
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(prefix)
        .send()
        .await
        .unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}
