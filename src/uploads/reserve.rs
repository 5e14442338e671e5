//! Reserving room for a batch of upload grants in one transaction (group commit): one
//! read of the quotas and the store's totals, the decisions made here in order, then one
//! update per table and one multi-row insert, however many grants the batch holds.

use std::collections::HashMap;

use sqlx::QueryBuilder;

use super::state::UploadState;
use super::store::{Refusal, StoreRoom, UploadRow};
use crate::db::{usage_shard, Db, Pool};

/// A user's bytes used or reserved, and their quota.
#[derive(sqlx::FromRow)]
struct Quota {
    id: String,
    taken: i64,
    quota_bytes: i64,
}

/// Decides and records every grant of `batch` in order; returns one outcome per grant.
pub async fn reserve_batch(
    db: &Db,
    batch: &[UploadRow],
    room: &StoreRoom,
) -> Result<Vec<Result<(), Refusal>>, sqlx::Error> {
    match db.write() {
        // One writer: nothing else changes these rows while the transaction runs.
        Pool::Sqlite(p) => {
            let mut tx = p.begin().await?;
            let outcomes = decide_and_write(&mut tx, batch, room, "").await?;
            tx.commit().await?;
            Ok(outcomes)
        }
        // Other nodes grant too: lock the users' rows so their quotas cannot race.
        Pool::Postgres(p) => {
            let mut tx = p.begin().await?;
            let outcomes =
                decide_and_write(&mut tx, batch, room, " ORDER BY id FOR UPDATE").await?;
            tx.commit().await?;
            Ok(outcomes)
        }
    }
}

async fn decide_and_write<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    batch: &[UploadRow],
    room: &StoreRoom,
    lock: &str,
) -> Result<Vec<Result<(), Refusal>>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    <DB as sqlx::Database>::Arguments: Default + sqlx::IntoArguments<DB>,
    for<'r> Quota: sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    UploadState: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut users = QueryBuilder::<DB>::new(
        "SELECT id, used_bytes + reserved_bytes AS taken, quota_bytes FROM users WHERE id IN (",
    );
    let mut ids = users.separated(", ");
    for row in batch {
        ids.push_bind(row.user_id.clone());
    }
    users.push(")").push(lock);
    let quotas: Vec<Quota> = users.build_query_as().fetch_all(&mut **tx).await?;
    let mut taken: HashMap<String, (i64, i64)> = quotas
        .into_iter()
        .map(|q| (q.id, (q.taken, q.quota_bytes)))
        .collect();

    let mut totals =
        QueryBuilder::<DB>::new("SELECT CAST(COALESCE(SUM(reserved_bytes + stored_bytes * ");
    totals
        .push_bind(i64::from(room.stored_counts))
        .push("), 0) AS BIGINT) FROM store_usage");
    let (mut store_total,): (i64,) = totals.build_query_as().fetch_one(&mut **tx).await?;
    let limit = room.limit.min(i64::MAX as u64) as i64;

    let mut outcomes = Vec::with_capacity(batch.len());
    let mut accepted: Vec<&UploadRow> = Vec::with_capacity(batch.len());
    for row in batch {
        let size = row.size_bytes;
        let Some((used, quota)) = taken.get_mut(&row.user_id) else {
            outcomes.push(Err(Refusal::QuotaExceeded { used: 0, limit: 0 }));
            continue;
        };
        if store_total.saturating_add(size) > limit {
            outcomes.push(Err(Refusal::StoreFull));
        } else if used.saturating_add(size) > *quota {
            outcomes.push(Err(Refusal::QuotaExceeded {
                used: *used,
                limit: *quota,
            }));
        } else {
            store_total += size;
            *used += size;
            accepted.push(row);
            outcomes.push(Ok(()));
        }
    }
    if accepted.is_empty() {
        return Ok(outcomes);
    }

    let mut per_user: HashMap<&str, i64> = HashMap::new();
    for row in &accepted {
        *per_user.entry(row.user_id.as_str()).or_default() += row.size_bytes;
    }
    let mut reserve =
        QueryBuilder::<DB>::new("UPDATE users SET reserved_bytes = reserved_bytes + CASE id");
    for (user, bytes) in &per_user {
        reserve
            .push(" WHEN ")
            .push_bind(user.to_string())
            .push(" THEN ")
            .push_bind(*bytes);
    }
    reserve.push(" ELSE 0 END WHERE id IN (");
    let mut ids = reserve.separated(", ");
    for user in per_user.keys() {
        ids.push_bind(user.to_string());
    }
    reserve.push(")");
    reserve.build().execute(&mut **tx).await?;

    let total: i64 = accepted.iter().map(|r| r.size_bytes).sum();
    let mut usage =
        QueryBuilder::<DB>::new("UPDATE store_usage SET reserved_bytes = reserved_bytes + ");
    usage
        .push_bind(total)
        .push(" WHERE id = ")
        .push_bind(usage_shard());
    usage.build().execute(&mut **tx).await?;

    let mut insert =
        QueryBuilder::<DB>::new(concat!("INSERT INTO uploads (", upload_columns!(), ") "));
    insert.push_values(&accepted, |mut b, r| {
        b.push_bind(r.id.clone())
            .push_bind(r.user_id.clone())
            .push_bind(r.media_id.clone())
            .push_bind(r.object_key.clone())
            .push_bind(r.size_bytes)
            .push_bind(r.content_type.clone())
            .push_bind(r.title.clone())
            .push_bind(r.description.clone())
            .push_bind(r.visibility.clone())
            .push_bind(r.method.clone())
            .push_bind(r.s3_upload_id.clone())
            .push_bind(r.part_size)
            .push_bind(r.state)
            .push_bind(r.expires_at)
            .push_bind(r.created_at);
    });
    insert.build().execute(&mut **tx).await?;
    Ok(outcomes)
}
