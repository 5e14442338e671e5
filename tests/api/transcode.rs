//! Transcode and playback: clips become streamable renditions that a player reads
//! straight from the store; bad files fail with a reason and leave nothing behind.

use std::process::Command;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{audio_clip, generate_clip, hd_clip, spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    a_clip_becomes_ready_and_plays_from_the_store,
    random_bytes_fail_with_a_reason_and_their_object_is_gone,
    a_truncated_clip_breaks_nothing,
    an_audio_clip_plays_as_audio,
    a_clip_is_playable_before_its_transcode_ends
);

const WAIT: Duration = Duration::from_secs(90);

/// Decodes a URL end to end with the ffmpeg CLI; returns its error output.
fn ffmpeg_decode(url: &str) -> (bool, String) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-i", url, "-f", "null", "-"])
        .output()
        .expect("ffmpeg CLI");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn a_clip_becomes_ready_and_plays_from_the_store(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;
    let media_id = app
        .upload_clip(&alice, hd_clip(), "video/mp4", "friends")
        .await;

    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "ready", "{media}");
    assert_eq!(media["kind"], "video");
    assert_eq!(media["progress"], 100);
    let duration = media["duration_ms"].as_i64().unwrap();
    assert!(
        (3800..=4200).contains(&duration),
        "duration {duration} ms for a 4 s clip"
    );
    assert_eq!(
        (media["width"].as_i64(), media["height"].as_i64()),
        (Some(1280), Some(720))
    );

    let res = app
        .get(&format!("/v1/media/{media_id}/play"), &bob.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let play: Value = res.json().await.unwrap();
    let hls = play["hls_url"].as_str().unwrap().to_owned();
    let master = app
        .client
        .get(&hls)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        master.contains("360p") && master.contains("720p"),
        "two rungs, no upscale: {master}"
    );
    let (ok, errors) = tokio::task::spawn_blocking(move || ffmpeg_decode(&hls))
        .await
        .unwrap();
    assert!(
        ok && errors.trim().is_empty(),
        "ffmpeg decodes the HLS stream cleanly: {errors}"
    );

    // The MP4 comes straight from the store, with Range.
    let mp4 = play["mp4_url"].as_str().unwrap();
    assert!(
        mp4.starts_with(&format!("http://{}", app.store_addr)),
        "served by the store: {mp4}"
    );
    let whole = app
        .client
        .get(mp4)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let part = app
        .client
        .get(mp4)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap(), whole.slice(100..200));

    let poster = app
        .client
        .get(play["poster_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&poster[..3], &[0xFF, 0xD8, 0xFF], "the poster is a JPEG");

    assert_eq!(
        app.get(&format!("/v1/media/{media_id}/play"), &carol.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let anonymous = app
        .call(
            Method::GET,
            &format!("/v1/media/{media_id}/play"),
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // A playback token is bound to its media, and is not an access token.
    let token = play["hls_url"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let other = app
        .upload_clip(&alice, hd_clip(), "video/mp4", "private")
        .await;
    let res = app
        .client
        .get(format!(
            "{}/v1/media/{other}/hls/master.m3u8?token={token}",
            app.address
        ))
        .send()
        .await;
    assert_eq!(res.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/v1/me", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn random_bytes_fail_with_a_reason_and_their_object_is_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let junk: Vec<u8> = (0..64 * 1024).map(|i| (i * 7919 % 251) as u8).collect();
    let media_id = app.upload_clip(&alice, &junk, "video/mp4", "friends").await;
    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "failed");
    let reason = media["failure"].as_str().unwrap();
    assert!(reason.len() > 10, "a reason a person can read: {reason}");

    let uploads = app.state.store.clone();
    let listed: Value = app
        .get(&format!("/v1/users/{}/media", alice.id), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["status"], "failed");
    let upload_key_prefix = format!("u/{}/", alice.id);
    let me: Value = app.get("/v1/me", &alice.token).await.json().await.unwrap();
    assert_eq!(me["quota"]["used_bytes"], 0, "the rejected bytes are freed");
    let play = app
        .get(&format!("/v1/media/{media_id}/play"), &alice.token)
        .await;
    assert_eq!(play.status(), StatusCode::CONFLICT);
    assert!(
        crate::helpers::objects_under(&uploads, &upload_key_prefix)
            .await
            .is_empty(),
        "the original is deleted"
    );
}

async fn a_truncated_clip_breaks_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let clip = hd_clip();
    let truncated = &clip[..clip.len() * 3 / 10];
    let broken = app
        .upload_clip(&alice, truncated, "video/mp4", "friends")
        .await;
    let media = app.wait_for_media(&alice, &broken, WAIT).await;
    assert_ne!(media["status"], "processing", "{media}");
    if media["status"] == "failed" {
        assert!(media["failure"].as_str().is_some_and(|r| !r.is_empty()));
    }
    // The service and its worker are still there for the next clip.
    let good = app.upload_clip(&alice, clip, "video/mp4", "friends").await;
    assert_eq!(
        app.wait_for_media(&alice, &good, WAIT).await["status"],
        "ready"
    );
}

async fn an_audio_clip_plays_as_audio(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let media_id = app
        .upload_clip(&alice, audio_clip(), "audio/mp4", "private")
        .await;
    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "ready", "{media}");
    assert_eq!(media["kind"], "audio");
    assert!(media["width"].is_null());
    let play: Value = app
        .get(&format!("/v1/media/{media_id}/play"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(play["audio_url"].is_string());
    assert!(play["poster_url"].is_null());
    let hls = play["hls_url"].as_str().unwrap().to_owned();
    let (ok, errors) = tokio::task::spawn_blocking(move || ffmpeg_decode(&hls))
        .await
        .unwrap();
    assert!(ok && errors.trim().is_empty(), "{errors}");
}

async fn a_clip_is_playable_before_its_transcode_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let clip = generate_clip(24, "1280x720");
    let media_id = app.upload_clip(&alice, &clip, "video/mp4", "private").await;
    let mut seen_early = None;
    for _ in 0..600 {
        let play: Value = app
            .get(&format!("/v1/media/{media_id}/play"), &alice.token)
            .await
            .json()
            .await
            .unwrap();
        if play["status"] != "processing" {
            break;
        }
        let master = app
            .client
            .get(play["hls_url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if let Some(variant) = master
            .lines()
            .find(|l| l.ends_with("index.m3u8") || l.contains("index.m3u8?"))
        {
            let base = play["hls_url"]
                .as_str()
                .unwrap()
                .rsplit_once('/')
                .unwrap()
                .0
                .to_owned();
            let playlist = app
                .client
                .get(format!("{base}/{variant}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if playlist.contains("#EXTINF") {
                seen_early = Some(playlist);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let playlist = seen_early.expect("segments were listed while the clip was still processing");
    assert!(
        playlist.contains("#EXT-X-PLAYLIST-TYPE:EVENT"),
        "{playlist}"
    );
    assert!(!playlist.contains("#EXT-X-ENDLIST"));
    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "ready");
}
