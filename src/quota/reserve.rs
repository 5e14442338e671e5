//! Reserving room for a batch of upload grants (group commit): one read of the users'
//! quotas and the store's totals, the decisions made here in order, then one update of
//! each counter table, however many claims the batch holds.

use std::collections::HashMap;

use sqlx::QueryBuilder;

use crate::db::Conn;
use crate::ids::UserId;

/// Bytes a user asks to reserve.
pub struct Claim<'a> {
    pub user_id: &'a UserId,
    pub bytes: i64,
}

/// How much room the store has, as the reservation check needs it.
pub struct StoreRoom {
    /// Bytes the store can take before reservations.
    pub limit: u64,
    /// Whether bytes already stored count against `limit` (an external store's fixed
    /// capacity) or are already out of it (free disk space of the embedded store).
    pub stored_counts: bool,
}

/// Why a reservation was refused.
pub enum Refusal {
    StoreFull,
    QuotaExceeded { used: i64, limit: i64 },
}

/// A user's bytes used or reserved, and their quota.
#[derive(sqlx::FromRow)]
struct Taken {
    id: UserId,
    taken: i64,
    quota_bytes: i64,
}

/// Decides every claim of `batch` in order and reserves the accepted ones on the caller's
/// transaction; returns one outcome per claim.
pub async fn reserve<'c>(
    conn: impl Into<Conn<'c>>,
    batch: &[Claim<'_>],
    room: &StoreRoom,
) -> Result<Vec<Result<(), Refusal>>, sqlx::Error> {
    match conn.into() {
        // One writer: nothing else changes these rows while the transaction runs.
        Conn::Sqlite(c) => decide_and_write::<sqlx::Sqlite>(c, batch, room, "").await,
        // Other nodes grant too: lock the users' rows so their quotas cannot race.
        Conn::Postgres(c) => {
            decide_and_write::<sqlx::Postgres>(c, batch, room, " ORDER BY id FOR UPDATE").await
        }
    }
}

async fn decide_and_write<DB>(
    conn: &mut DB::Connection,
    batch: &[Claim<'_>],
    room: &StoreRoom,
    lock: &str,
) -> Result<Vec<Result<(), Refusal>>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    <DB as sqlx::Database>::Arguments: Default + sqlx::IntoArguments<DB>,
    for<'r> Taken: sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    UserId: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let mut users = QueryBuilder::<DB>::new(
        "SELECT id, used_bytes + reserved_bytes AS taken, quota_bytes FROM users WHERE id IN (",
    );
    let mut ids = users.separated(", ");
    for claim in batch {
        ids.push_bind(claim.user_id.clone());
    }
    users.push(")").push(lock);
    let rows: Vec<Taken> = users.build_query_as().fetch_all(&mut *conn).await?;
    let mut taken: HashMap<UserId, (i64, i64)> = rows
        .into_iter()
        .map(|q| (q.id, (q.taken, q.quota_bytes)))
        .collect();

    let mut totals =
        QueryBuilder::<DB>::new("SELECT CAST(COALESCE(SUM(reserved_bytes + stored_bytes * ");
    totals
        .push_bind(i64::from(room.stored_counts))
        .push("), 0) AS BIGINT) FROM store_usage");
    let (mut store_total,): (i64,) = totals.build_query_as().fetch_one(&mut *conn).await?;
    let limit = room.limit.min(i64::MAX as u64) as i64;

    let mut outcomes = Vec::with_capacity(batch.len());
    let mut per_user: HashMap<&UserId, i64> = HashMap::new();
    for claim in batch {
        let size = claim.bytes;
        let Some((used, quota)) = taken.get_mut(claim.user_id) else {
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
            *per_user.entry(claim.user_id).or_default() += size;
            outcomes.push(Ok(()));
        }
    }
    if per_user.is_empty() {
        return Ok(outcomes);
    }

    let mut reserve =
        QueryBuilder::<DB>::new("UPDATE users SET reserved_bytes = reserved_bytes + CASE id");
    for (user, bytes) in &per_user {
        reserve
            .push(" WHEN ")
            .push_bind(UserId::clone(user))
            .push(" THEN ")
            .push_bind(*bytes);
    }
    reserve.push(" ELSE 0 END WHERE id IN (");
    let mut ids = reserve.separated(", ");
    for user in per_user.keys() {
        ids.push_bind(UserId::clone(user));
    }
    reserve.push(")");
    reserve.build().execute(&mut *conn).await?;

    let total: i64 = per_user.values().sum();
    let mut usage =
        QueryBuilder::<DB>::new("UPDATE store_usage SET reserved_bytes = reserved_bytes + ");
    usage
        .push_bind(total)
        .push(" WHERE id = ")
        .push_bind(super::shard());
    usage.build().execute(&mut *conn).await?;
    Ok(outcomes)
}
