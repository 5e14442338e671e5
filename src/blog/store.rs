//! SQL of the pages: a blog's clips, hot and latest clips, search, the friend list, used
//! blog links. Every query over media applies the media module's one visibility rule
//! (`visible_to!`); a `None` viewer is the anonymous visitor, who sees public clips only.

use crate::db::Db;
use crate::ids::{MediaId, UserId};
use crate::media::{viewer_param, MediaStatus};
use crate::time_util::now_ms;
use crate::{on_pool, visible_to};

/// A clip as lists show it.
#[derive(Debug, sqlx::FromRow)]
pub struct ClipRow {
    pub id: MediaId,
    pub owner_username: String,
    pub title: String,
    pub status: MediaStatus,
    pub progress: i32,
    pub duration_ms: Option<i64>,
    pub created_at: i64,
    pub poster_key: Option<String>,
    /// Plays in the "hot" window; only hot lists count them.
    pub plays: Option<i64>,
}

/// A blog in a list.
#[derive(Debug, sqlx::FromRow)]
pub struct UserRef {
    pub username: String,
    pub display_name: String,
}

/// The files a clip page plays.
#[derive(Debug, sqlx::FromRow)]
pub struct ClipFiles {
    pub mp4_key: Option<String>,
    pub audio_key: Option<String>,
    pub poster_key: Option<String>,
}

/// The columns of [`ClipRow`] but `plays`, as a literal so queries stay `&'static str`.
macro_rules! clip_columns {
    () => {
        "m.id, u.username AS owner_username, m.title, m.status, m.progress, m.duration_ms, m.created_at, m.poster_key"
    };
}

/// One page of a user's blog for `viewer`, newest first, older than `before` if given.
#[tracing::instrument(skip_all)]
pub async fn blog_page(
    db: &Db,
    owner: &UserId,
    viewer: Option<&UserId>,
    before: Option<&MediaId>,
    limit: i64,
) -> Result<Vec<ClipRow>, sqlx::Error> {
    // Ids are UUIDv7, so ordering by id is ordering by upload time.
    let sql = concat!(
        "SELECT ",
        clip_columns!(),
        ", CAST(NULL AS BIGINT) AS plays FROM media m JOIN users u ON u.id = m.owner_id ",
        "WHERE m.owner_id = $1 AND ",
        visible_to!("$2"),
        " AND ($3 = '' OR m.id < $3) ORDER BY m.id DESC LIMIT $4"
    );
    let (viewer, before) = (viewer_param(viewer), before.map_or("", MediaId::as_str));
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(owner).bind(viewer).bind(before).bind(limit).fetch_all(p).await)
}

/// The newest public clips that did not fail.
#[tracing::instrument(skip_all)]
pub async fn latest(db: &Db, limit: i64) -> Result<Vec<ClipRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        clip_columns!(),
        ", CAST(NULL AS BIGINT) AS plays FROM media m JOIN users u ON u.id = m.owner_id ",
        "WHERE ",
        visible_to!("$1"),
        " AND m.status <> $2 ORDER BY m.id DESC LIMIT $3"
    );
    on_pool!(db.read(), p => sqlx::query_as(sql)
        .bind(viewer_param(None)).bind(MediaStatus::Failed).bind(limit).fetch_all(p).await)
}

/// The public clips played most since `since_ms`.
#[tracing::instrument(skip_all)]
pub async fn hot(db: &Db, since_ms: i64, limit: i64) -> Result<Vec<ClipRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        clip_columns!(),
        ", h.plays FROM ",
        "(SELECT media_id, COUNT(*) AS plays FROM plays WHERE played_at > $1 GROUP BY media_id) h ",
        "JOIN media m ON m.id = h.media_id JOIN users u ON u.id = m.owner_id ",
        "WHERE ",
        visible_to!("$2"),
        " AND m.status <> $3 ORDER BY h.plays DESC, m.id DESC LIMIT $4"
    );
    on_pool!(db.read(), p => sqlx::query_as(sql)
        .bind(since_ms).bind(viewer_param(None)).bind(MediaStatus::Failed).bind(limit).fetch_all(p).await)
}

/// Blogs whose user id is `exact_id` or whose names match the lower-case LIKE `pattern`.
#[tracing::instrument(skip_all)]
pub async fn search_users(
    db: &Db,
    exact_id: &UserId,
    pattern: &str,
    limit: i64,
) -> Result<Vec<UserRef>, sqlx::Error> {
    let sql = "SELECT username, display_name FROM users WHERE id = $1 \
               OR LOWER(username) LIKE $2 ESCAPE '\\' OR LOWER(display_name) LIKE $2 ESCAPE '\\' \
               ORDER BY username LIMIT $3";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(exact_id).bind(pattern).bind(limit).fetch_all(p).await)
}

/// Clips `viewer` may see whose titles match the lower-case LIKE `pattern`, newest first.
#[tracing::instrument(skip_all)]
pub async fn search_clips(
    db: &Db,
    viewer: Option<&UserId>,
    pattern: &str,
    limit: i64,
) -> Result<Vec<ClipRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        clip_columns!(),
        ", CAST(NULL AS BIGINT) AS plays FROM media m JOIN users u ON u.id = m.owner_id ",
        "WHERE ",
        visible_to!("$1"),
        " AND LOWER(m.title) LIKE $2 ESCAPE '\\' ORDER BY m.id DESC LIMIT $3"
    );
    let viewer = viewer_param(viewer);
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(viewer).bind(pattern).bind(limit).fetch_all(p).await)
}

/// The user's friends, by username.
#[tracing::instrument(skip_all)]
pub async fn friends(db: &Db, user_id: &UserId) -> Result<Vec<UserRef>, sqlx::Error> {
    let sql =
        "SELECT u.username, u.display_name FROM friendships f JOIN users u ON u.id = f.friend_id \
               WHERE f.user_id = $1 ORDER BY u.username LIMIT 1000";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)
}

/// The player's files of a clip (the caller has checked that the viewer may see it).
#[tracing::instrument(skip_all)]
pub async fn clip_files(db: &Db, media_id: &MediaId) -> Result<Option<ClipFiles>, sqlx::Error> {
    let sql = "SELECT mp4_key, audio_key, poster_key FROM media WHERE id = $1";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(media_id).fetch_optional(p).await)
}

/// Records that a link was used; false if it had been already. Uses past their link's
/// expiry go on the way, which keeps the table small without a sweeper.
#[tracing::instrument(skip_all)]
pub async fn use_link(db: &Db, link_id: &str, expires_at_ms: i64) -> Result<bool, sqlx::Error> {
    let sweep = "DELETE FROM blog_link_uses WHERE expires_at < $1";
    let insert =
        "INSERT INTO blog_link_uses (link_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query(sweep).bind(now_ms()).execute(&mut *tx).await?;
        let used = sqlx::query(insert).bind(link_id).bind(expires_at_ms).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(used.rows_affected() == 1)
    })
}

/// A LIKE pattern matching `text` anywhere, lower-cased, with its wildcards escaped.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn wildcards_in_the_query_match_themselves() {
        assert_eq!(contains_pattern("Beach"), "%beach%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
