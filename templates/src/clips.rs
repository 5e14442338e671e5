//! Lists of clips: a poster, the title, and a line of facts, small enough that a page of
//! twenty stays light on a slow network.

use maud::{html, Markup};

/// Where a clip is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipStatus {
    Processing { progress: i32 },
    Ready,
    Failed,
}

/// One clip in a list.
pub struct ClipCard {
    pub id: String,
    pub title: String,
    pub owner: String,
    /// A presigned URL of the poster, once the transcoder made one.
    pub poster_url: Option<String>,
    pub duration_ms: Option<i64>,
    /// The upload date, already formatted.
    pub date: String,
    pub status: ClipStatus,
    /// Recent plays, on "hot" lists.
    pub plays: Option<i64>,
}

/// A list of clips; `show_owner` links each clip's blog (lists mixing owners).
pub fn clip_list(clips: &[ClipCard], show_owner: bool) -> Markup {
    html! {
        ul.clips {
            @for c in clips {
                li {
                    a href={ "/m/" (c.id) } {
                        @if let Some(src) = &c.poster_url {
                            img src=(src) alt="" width="96" height="54" loading="lazy";
                        } @else {
                            i {}
                        }
                        b { (title_or_untitled(&c.title)) }
                    }
                    small {
                        @if show_owner {
                            a href={ "/u/" (c.owner) } { (c.owner) } " · "
                        }
                        (facts(c))
                    }
                }
            }
        }
    }
}

fn facts(c: &ClipCard) -> String {
    let mut parts = Vec::with_capacity(4);
    match c.status {
        ClipStatus::Processing { progress } => parts.push(format!("processing {progress} %")),
        ClipStatus::Failed => parts.push("could not be processed".to_owned()),
        ClipStatus::Ready => {}
    }
    if let Some(ms) = c.duration_ms {
        parts.push(duration(ms));
    }
    parts.push(c.date.clone());
    if let Some(plays) = c.plays {
        parts.push(format!(
            "{plays} {}",
            if plays == 1 { "play" } else { "plays" }
        ));
    }
    parts.join(" · ")
}

/// The title, or a placeholder for clips uploaded without one.
pub(crate) fn title_or_untitled(title: &str) -> &str {
    if title.trim().is_empty() {
        "Untitled clip"
    } else {
        title
    }
}

/// A clip length as `m:ss`, or `h:mm:ss` past an hour.
pub fn duration(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_player() {
        assert_eq!(duration(4_200), "0:04");
        assert_eq!(duration(65_000), "1:05");
        assert_eq!(duration(3_723_000), "1:02:03");
        assert_eq!(duration(-5), "0:00");
    }

    #[test]
    fn titles_are_escaped() {
        let card = ClipCard {
            id: "m1".into(),
            title: "<script>alert(1)</script>".into(),
            owner: "alice".into(),
            poster_url: Some("https://store/p?a=1&b=2".into()),
            duration_ms: Some(4_000),
            date: "2026-01-02".into(),
            status: ClipStatus::Ready,
            plays: None,
        };
        let html = clip_list(&[card], true).into_string();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("a=1&amp;b=2"));
    }
}
