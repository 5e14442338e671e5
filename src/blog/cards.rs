//! From rows to the views' plain structs: posters presigned for the viewer, dates and
//! states spelled out.

use imshare_templates::{ClipCard, ClipStatus, UserRef};
use time::OffsetDateTime;

use super::runtime::BlogRuntime;
use super::store::{self, ClipRow};
use crate::media::MediaStatus;
use crate::state::AppState;
use crate::web::PageError;

/// The cards of a list; posters of ready clips get presigned store URLs.
pub async fn cards(
    state: &AppState,
    rt: &BlogRuntime,
    rows: Vec<ClipRow>,
) -> Result<Vec<ClipCard>, PageError> {
    let mut cards = Vec::with_capacity(rows.len());
    for row in rows {
        let status = clip_status(row.status, row.progress);
        let poster_url = match (&row.poster_key, status) {
            (Some(key), ClipStatus::Ready) => Some(rt.presign(state, key).await?),
            _ => None,
        };
        cards.push(ClipCard {
            id: row.id.into_string(),
            title: row.title,
            owner: row.owner_username,
            poster_url,
            duration_ms: row.duration_ms,
            date: date(row.created_at),
            status,
            plays: row.plays,
        });
    }
    Ok(cards)
}

/// Blogs as the views list them.
pub fn users(rows: Vec<store::UserRef>) -> Vec<UserRef> {
    rows.into_iter()
        .map(|u| UserRef {
            username: u.username,
            display_name: u.display_name,
        })
        .collect()
}

/// The status as the views know it.
pub fn clip_status(status: MediaStatus, progress: i32) -> ClipStatus {
    match status {
        MediaStatus::Ready => ClipStatus::Ready,
        MediaStatus::Failed => ClipStatus::Failed,
        MediaStatus::Processing => ClipStatus::Processing {
            progress: progress.clamp(0, 100),
        },
    }
}

/// `YYYY-MM-DD` (UTC) of epoch milliseconds: short, and unambiguous in every locale.
pub fn date(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_states() {
        assert_eq!(date(1_772_409_600_000), "2026-03-02");
        assert_eq!(
            clip_status(MediaStatus::Processing, 140),
            ClipStatus::Processing { progress: 100 }
        );
        assert_eq!(clip_status(MediaStatus::Ready, 100), ClipStatus::Ready);
        assert_eq!(clip_status(MediaStatus::Failed, 3), ClipStatus::Failed);
    }
}
