//! PostgreSQL restarts under a running node: while it is down the node stays up, says it
//! is not ready and refuses to ack messages it could not store; once PostgreSQL is back the
//! node recovers by itself (no restart), within seconds.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::postgres::PrivatePostgres;
use crate::helpers::{spawn_app_with, Backend};
use crate::ws::{group_send, Ws};

/// How soon the node must serve again once PostgreSQL is back.
const RECOVER_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_recovers_by_itself_after_a_postgres_restart() {
    let pg = tokio::task::spawn_blocking(PrivatePostgres::start)
        .await
        .unwrap();
    let url = pg.url();
    let app = spawn_app_with(Backend::Postgres, move |s| s.database.url = url).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut b = Ws::connect(&app, &bob).await;
    a.send(group_send(&group, "before", "m-0")).await;
    a.expect("ack").await;
    b.expect("group.message").await;

    let pg = tokio::task::spawn_blocking(move || {
        pg.stop();
        pg
    })
    .await
    .unwrap();
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ready.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready without its database"
    );
    a.send(group_send(&group, "while down", "m-1")).await;
    let answer = a.expect("error").await;
    assert_eq!(
        answer["client_msg_id"], "m-1",
        "a message that was not stored is not acked: {answer}"
    );

    let pg = tokio::task::spawn_blocking(move || {
        pg.start_again();
        pg
    })
    .await
    .unwrap();
    let back = Instant::now();
    loop {
        let ready = app
            .client
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap();
        if ready.status() == StatusCode::OK {
            break;
        }
        assert!(
            back.elapsed() < RECOVER_WITHIN,
            "not ready again {RECOVER_WITHIN:?} after PostgreSQL came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.send(group_send(&group, "after", "m-2")).await;
    let acked = a.expect("ack").await;
    assert_eq!(acked["client_msg_id"], "m-2");
    assert_eq!(b.expect("group.message").await["body"], "after");
    let again = app.sign_in("alice", "alice-password").await;
    assert_eq!(again.status(), StatusCode::OK);
    eprintln!(
        "PostgreSQL restarted → node serving again after {:?}",
        back.elapsed()
    );
    drop(pg);
}
