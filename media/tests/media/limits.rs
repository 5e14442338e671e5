//! The limits hold on what is decoded, not on what the header claims: hostile files made
//! with the ffmpeg CLI whose headers lie about their length, or whose pictures grow.

use std::path::Path;

use imshare_media::{ladder_for, probe, Limits, MediaError};

use crate::helpers::{job, transcode};
use crate::hostile::{growing_ts, lying_mkv, lying_mp3};

const ONE_MINUTE: Limits = Limits {
    max_duration_ms: 60_000,
    max_width: 640,
    max_height: 480,
};

fn run(input: &Path, out: &Path, limits: Limits) -> Result<imshare_media::Outputs, MediaError> {
    let rungs = ladder_for(&probe(input).expect("probes"), &[360]);
    let mut job = job(input, out, rungs);
    job.limits = limits;
    transcode(&job).result
}

#[test]
fn an_mp3_longer_than_its_header_says_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let input = lying_mp3(dir.path(), 20, 120);
    let claimed = probe(&input).unwrap().duration_ms;
    assert!(
        claimed < 40_000,
        "the header must lie for this test: {claimed} ms"
    );
    let err = run(&input, &dir.path().join("out"), ONE_MINUTE).unwrap_err();
    assert_eq!(err.to_string(), "the clip runs past the 1-minute limit");
    assert!(err.is_input_error());
}

#[test]
fn an_mp3_inside_the_limit_reports_its_decoded_length() {
    let dir = tempfile::tempdir().unwrap();
    let input = lying_mp3(dir.path(), 10, 30);
    let claimed = probe(&input).unwrap().duration_ms;
    let outputs = run(&input, &dir.path().join("out"), ONE_MINUTE).unwrap();
    assert!(
        claimed < 20_000,
        "the header must lie for this test: {claimed} ms"
    );
    assert!(
        (39_500..=40_500).contains(&outputs.duration_ms),
        "40 s decoded, {} ms reported",
        outputs.duration_ms
    );
}

#[test]
fn an_mkv_whose_duration_element_lies_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let input = lying_mkv(dir.path(), 90, 20);
    assert_eq!(
        probe(&input).unwrap().duration_ms,
        20_000,
        "the header lies"
    );
    let err = run(&input, &dir.path().join("out"), ONE_MINUTE).unwrap_err();
    assert_eq!(err.to_string(), "the clip runs past the 1-minute limit");
}

#[test]
fn pictures_that_grow_past_the_limit_mid_stream_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = growing_ts(dir.path(), "320x240", "1280x720");
    let video = probe(&input).unwrap().video.unwrap();
    assert_eq!(
        (video.width, video.height),
        (320, 240),
        "the header shows the small one"
    );
    let err = run(&input, &dir.path().join("out"), ONE_MINUTE).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the video is 1280×720 pixels; the limit is 640×480"
    );
    assert_eq!(err.code(), "media_too_large");
}

#[test]
fn pictures_that_change_size_inside_the_limit_still_transcode() {
    let dir = tempfile::tempdir().unwrap();
    let input = growing_ts(dir.path(), "320x240", "640x360");
    let outputs = run(&input, &dir.path().join("out"), ONE_MINUTE).unwrap();
    assert!(
        (4_800..=5_200).contains(&outputs.duration_ms),
        "3 s then 2 s: {} ms",
        outputs.duration_ms
    );
}
