//! Recording a batch of upload grants in one transaction (group commit): the quota module
//! reserves their bytes, then one multi-row insert records the accepted uploads, however
//! many grants the batch holds.

use sqlx::QueryBuilder;

use super::state::UploadState;
use super::store::UploadRow;
use crate::db::Db;
use crate::on_pool;
use crate::quota::{self, Claim, Refusal, StoreRoom};

/// Decides and records every grant of `batch` in order; returns one outcome per grant.
pub async fn reserve_batch(
    db: &Db,
    batch: &[UploadRow],
    room: &StoreRoom,
) -> Result<Vec<Result<(), Refusal>>, sqlx::Error> {
    let claims: Vec<Claim<'_>> = batch
        .iter()
        .map(|row| Claim {
            user_id: &row.user_id,
            bytes: row.size_bytes,
        })
        .collect();
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let outcomes = quota::reserve(&mut *tx, &claims, room).await?;
        let accepted: Vec<&UploadRow> = batch
            .iter()
            .zip(&outcomes)
            .filter_map(|(row, outcome)| outcome.is_ok().then_some(row))
            .collect();
        insert(&mut tx, &accepted).await?;
        tx.commit().await?;
        Ok(outcomes)
    })
}

/// One multi-row insert of the accepted uploads.
async fn insert<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    accepted: &[&UploadRow],
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    <DB as sqlx::Database>::Arguments: Default + sqlx::IntoArguments<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    UploadState: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    if accepted.is_empty() {
        return Ok(());
    }
    let mut insert =
        QueryBuilder::<DB>::new(concat!("INSERT INTO uploads (", upload_columns!(), ") "));
    insert.push_values(accepted, |mut b, r| {
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
    Ok(())
}
