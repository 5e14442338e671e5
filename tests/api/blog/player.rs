//! The clip page: progress while processing, then a player whose URLs open straight from
//! the store; a failed clip says so (and why, to its owner only).

use std::time::Duration;

use reqwest::StatusCode;

use super::{
    app_without_worker, attr_after, page, session_through_link, unescape_attr, upload_titled,
};
use crate::helpers::{spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    a_processing_clip_shows_its_progress,
    a_ready_clip_plays_from_the_store_and_counts_as_a_play,
    a_failed_clip_says_so
);

async fn a_processing_clip_shows_its_progress(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let id = upload_titled(&app, &alice, "Still cooking", "public").await;
    let clip = page(&app, &format!("/m/{id}"), None).await;
    assert_eq!(clip.status, StatusCode::OK);
    assert!(clip.body.contains("<progress max=\"100\" value=\"0\">"));
    assert!(
        clip.body
            .contains("<meta http-equiv=\"refresh\" content=\"5\">"),
        "reloads until ready"
    );
    assert!(!clip.body.contains("<video"));
    assert_eq!(
        clip.header("cache-control"),
        "no-store",
        "progress is never cached"
    );
    let blog = page(&app, "/u/alice", None).await;
    assert!(blog.body.contains("processing 0 %"));
}

async fn a_ready_clip_plays_from_the_store_and_counts_as_a_play(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let id = upload_titled(&app, &alice, "Ready to play", "public").await;
    let media = app
        .wait_for_media(&alice, &id, Duration::from_secs(120))
        .await;
    assert_eq!(media["status"], "ready", "{media}");

    let clip = page(&app, &format!("/m/{id}"), None).await;
    assert_eq!(clip.status, StatusCode::OK);
    assert_eq!(clip.header("cache-control"), "public, max-age=60");
    let store = format!("http://{}/", app.store_addr);
    let poster = unescape_attr(attr_after(&clip.body, "<video", "poster").expect("a poster"));
    let hls = unescape_attr(attr_after(&clip.body, "<source", "src").expect("an HLS source"));
    let mp4 = unescape_attr(
        attr_after(&clip.body, "type=\"application/vnd.apple.mpegurl\"", "src")
            .expect("an MP4 source"),
    );
    assert!(clip.body.contains("playsinline") && clip.body.contains("controls"));
    assert!(clip.body.contains(&format!(
        "<source src=\"/v1/media/{id}/hls/master.m3u8?token="
    )));
    assert!(
        clip.body
            .contains("type=\"application/vnd.apple.mpegurl\"><source src=\""),
        "HLS first, MP4 next"
    );
    assert!(clip.body.contains("type=\"video/mp4\">"));

    for (url, content_type) in [(&poster, "image/jpeg"), (&mp4, "video/mp4")] {
        assert!(
            url.starts_with(&store) && url.contains("X-Amz-Signature="),
            "{url} is a presigned store URL"
        );
        let res = app.client.get(url.as_str()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        assert_eq!(res.headers()["content-type"], content_type);
    }
    let range = app
        .client
        .get(mp4.as_str())
        .header("range", "bytes=0-11")
        .send()
        .await
        .unwrap();
    assert_eq!(
        range.status(),
        StatusCode::PARTIAL_CONTENT,
        "players seek with Range"
    );
    assert_eq!(&range.bytes().await.unwrap()[4..8], b"ftyp");
    let master = app
        .client
        .get(format!("{}{hls}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(master.status(), StatusCode::OK);
    assert!(master.text().await.unwrap().starts_with("#EXTM3U"));

    // The page view counted as a play, and the blog list shows the poster.
    let home = page(&app, "/", None).await;
    assert!(
        home.body
            .split_once("<h2>Latest</h2>")
            .unwrap()
            .0
            .contains("1 play"),
        "hot counts the page's play"
    );
    let blog = page(&app, "/u/alice", None).await;
    assert!(blog.body.contains("<img src=\"http://") && blog.body.contains("poster.jpg"));
    let own = session_through_link(&app, &alice, &alice).await;
    assert_eq!(
        page(&app, &format!("/m/{id}"), Some(&own))
            .await
            .header("cache-control"),
        "private, no-store"
    );
}

async fn a_failed_clip_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bytes: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let res = app
        .request_upload(&alice, serde_json::json!({"size": bytes.len(), "content_type": "video/mp4", "title": "Broken", "visibility": "public"}))
        .await;
    let grant: serde_json::Value = res.json().await.unwrap();
    assert!(crate::helpers::put_presigned(&app.client, &grant, bytes)
        .await
        .status()
        .is_success());
    app.complete_upload(&alice, grant["upload_id"].as_str().unwrap())
        .await;
    let id = grant["media_id"].as_str().unwrap();
    let media = app
        .wait_for_media(&alice, id, Duration::from_secs(60))
        .await;
    assert_eq!(media["status"], "failed");
    let reason = media["failure"].as_str().unwrap().to_owned();

    let anonymous = page(&app, &format!("/m/{id}"), None).await;
    assert!(
        anonymous.body.contains("could not be processed") && !anonymous.body.contains("<video")
    );
    let own = session_through_link(&app, &alice, &alice).await;
    let owner = page(&app, &format!("/m/{id}"), Some(&own)).await;
    let shown = reason
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    assert!(
        owner.body.contains(&shown),
        "the owner learns why: {reason}"
    );
    assert!(!anonymous.body.contains(&shown), "others do not");
}
