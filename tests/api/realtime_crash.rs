//! A server killed with SIGKILL loses no message it acked.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::cluster::procs::free_port;
use crate::helpers::{spawn_app, Backend, TestApp, JWT_SECRET};
use crate::on_both_databases;
use crate::ws::{group_send, Ws};

on_both_databases!(a_killed_server_loses_no_acked_message);

/// SIGTERM closes open sockets with 1012 "service restart" so clients reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_tells_clients_to_reconnect() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let mut server = start_server(&app, dir.path(), port, free_port());
    wait_until_up(&address).await;
    let mut ws = Ws::connect_to(&address, &alice.token).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let term = Command::new("kill")
        .arg("-TERM")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    assert!(term.success());
    let close = ws.closed_by_server(Duration::from_secs(10)).await;
    server.wait().unwrap();
    let close = close.expect("a close frame with a reason");
    assert_eq!(close.code, CloseCode::Restart, "{close:?}");
}

const MESSAGES: usize = 300;

/// `imshare serve` on the test app's database, as its own process.
fn start_server(app: &TestApp, data_dir: &std::path::Path, port: u16, store_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_imshare"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--store-listen")
        .arg(format!("127.0.0.1:{store_port}"))
        .env("IMSHARE__DATABASE__URL", app.settings.database_url())
        .env("IMSHARE__AUTH__JWT_SECRET", JWT_SECRET)
        .env("IMSHARE__MEDIA__IN_PROCESS_WORKER", "false")
        .env("IMSHARE__REALTIME__RATE_PER_SEC", "1000000")
        .env("IMSHARE__REALTIME__RATE_BURST", "1000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start imshare serve")
}

async fn wait_until_up(address: &str) {
    crate::cluster::procs::wait_until_up(&format!("{address}/healthz")).await;
}

async fn a_killed_server_loses_no_acked_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let group = app.create_group(&alice, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (port, store_port) = (free_port(), free_port());
    let address = format!("http://127.0.0.1:{port}");
    let mut server = start_server(&app, dir.path(), port, store_port);
    wait_until_up(&address).await;

    let mut ws = Ws::connect_to(&address, &alice.token).await;
    for i in 0..MESSAGES {
        ws.send(group_send(&group, &format!("message {i}"), &i.to_string()))
            .await;
    }
    let mut acked: Vec<(i64, String)> = Vec::new();
    while acked.len() < MESSAGES / 3 {
        let ack = ws.expect("ack").await;
        acked.push((
            ack["seq"].as_i64().unwrap(),
            ack["client_msg_id"].as_str().unwrap().to_owned(),
        ));
    }
    server.kill().expect("SIGKILL the server");
    server.wait().unwrap();
    // Acks that reached this client before the kill count too.
    while let Ok(Some(Ok(msg))) =
        tokio::time::timeout(Duration::from_millis(200), ws.stream.next()).await
    {
        if let Message::Text(t) = msg {
            let frame: Value = serde_json::from_str(&t).unwrap();
            if frame["type"] == "ack" {
                acked.push((
                    frame["seq"].as_i64().unwrap(),
                    frame["client_msg_id"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }

    let mut server = start_server(&app, dir.path(), port, store_port);
    wait_until_up(&address).await;
    let res = reqwest::Client::new()
        .get(format!(
            "{address}/v1/groups/{group}/messages?after_seq=0&limit=500"
        ))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    let stored: Value = res.json().await.unwrap();
    server.kill().ok();
    server.wait().ok();
    let stored = stored.as_array().expect("a message list");
    for (seq, client_msg_id) in &acked {
        let found = stored.iter().find(|m| m["seq"].as_i64() == Some(*seq));
        let found = found.unwrap_or_else(|| panic!("acked seq {seq} was lost"));
        assert_eq!(found["body"], format!("message {client_msg_id}"));
    }
    let seqs: Vec<i64> = stored.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "seqs have no gaps"
    );
}
