//! Group commit for upload grants: requests arriving together share one transaction, so
//! the database's per-commit cost (SQLite's single writer, PostgreSQL's fsync) is paid
//! once per batch rather than once per grant.

use tokio::sync::{mpsc, oneshot};

use super::reserve::reserve_batch;
use super::store::UploadRow;
use crate::db::Db;
use crate::quota::{Refusal, StoreRoom};

/// Grants in one transaction at most; bounds the latency a batch adds.
const MAX_BATCH: usize = 128;

type Outcome = Result<Result<(), Refusal>, sqlx::Error>;

struct Pending {
    row: UploadRow,
    room: StoreRoom,
    reply: oneshot::Sender<Outcome>,
}

/// The handle request handlers reserve through.
#[derive(Clone)]
pub struct GrantWriter {
    queue: mpsc::Sender<Pending>,
}

impl GrantWriter {
    /// Starts the writer task on `db`.
    pub fn start(db: Db) -> GrantWriter {
        let (queue, requests) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(db, requests));
        GrantWriter { queue }
    }

    /// Reserves `row.size_bytes` against the store's room and the user's quota and records
    /// the pending upload; all or nothing.
    pub async fn reserve(&self, row: UploadRow, room: StoreRoom) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let gone = || sqlx::Error::PoolClosed;
        self.queue
            .send(Pending { row, room, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn run(db: Db, mut requests: mpsc::Receiver<Pending>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // The room was read by each request moments ago; the newest reading is the one used.
        let room = batch.last().map(|p| StoreRoom {
            limit: p.room.limit,
            stored_counts: p.room.stored_counts,
        });
        let rows: Vec<UploadRow> = batch.iter().map(|p| p.row.clone()).collect();
        let outcomes = match room {
            Some(room) => reserve_batch(&db, &rows, &room).await,
            None => Ok(Vec::new()),
        };
        match outcomes {
            Ok(outcomes) => {
                for (pending, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = pending.reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, grants = batch.len(), "a batch of upload grants failed");
                let message = e.to_string();
                for pending in batch.drain(..) {
                    let _ = pending
                        .reply
                        .send(Err(sqlx::Error::Protocol(message.clone())));
                }
            }
        }
        metrics::histogram!("imshare_grant_batch_size").record(rows.len() as f64);
    }
}
