use std::path::Path;

use imshare_media::{ladder_for, probe, validate, Limits, MediaError, Rung};

use crate::helpers::{clip, ffmpeg, job, transcode};

/// Every entry point refuses the file with an input error, and none panics.
fn refused_everywhere(input: &Path) -> MediaError {
    let out = input.with_extension("out");
    let by_probe = probe(input).unwrap_err();
    let by_transcode = transcode(&job(input, &out, vec![Rung::new(360)]))
        .result
        .unwrap_err();
    let by_poster = imshare_media::poster(input, &input.with_extension("jpg"), 1.0).unwrap_err();
    for error in [&by_probe, &by_transcode, &by_poster] {
        assert!(error.is_input_error(), "{error:?}");
    }
    by_probe
}

/// Bytes that are not media, the same every run.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_are_not_media() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("noise.mp4");
    std::fs::write(&input, noise(256 * 1024)).unwrap();

    let error = refused_everywhere(&input);

    assert_eq!(error.to_string(), "not an audio or video file");
}

#[test]
fn an_empty_file_is_called_empty() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty.mp4");
    std::fs::write(&input, b"").unwrap();

    let error = refused_everywhere(&input);

    assert_eq!(error.to_string(), "the file is empty");
}

#[test]
fn a_truncated_upload_is_called_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let good = clip(dir.path(), "good.mp4", 10, "640x360", 30);
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() * 3 / 10]).unwrap();

    let error = refused_everywhere(&truncated);

    assert!(matches!(error, MediaError::Corrupt(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("the file is truncated or corrupt: "),
        "{error}"
    );
}

#[test]
fn a_truncated_faststart_upload_probes_but_does_not_transcode() {
    let dir = tempfile::tempdir().unwrap();
    let good = clip(dir.path(), "good.mp4", 10, "640x360", 30);
    let faststart = dir.path().join("faststart.mp4");
    ffmpeg(&format!(
        "-i {} -c copy -movflags +faststart {}",
        good.display(),
        faststart.display()
    ));
    let bytes = std::fs::read(&faststart).unwrap();
    let truncated = dir.path().join("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() * 3 / 10]).unwrap();
    let out = dir.path().join("out");

    assert!(probe(&truncated).is_ok(), "the index is intact");
    let error = transcode(&job(&truncated, &out, vec![Rung::new(360)]))
        .result
        .unwrap_err();

    assert!(matches!(error, MediaError::Corrupt(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("the file is truncated or corrupt: "),
        "{error}"
    );
}

#[test]
fn a_missing_file_is_not_the_uploaders_fault() {
    let error = probe(Path::new("/nonexistent/clip.mp4")).unwrap_err();

    assert!(!error.is_input_error(), "{error:?}");
    assert!(
        error.to_string().contains("/nonexistent/clip.mp4"),
        "{error}"
    );
}

#[test]
fn limits_are_explained_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "in.mp4", 10, "1280x720", 30);
    let probed = probe(&input).unwrap();
    let roomy = Limits {
        max_duration_ms: 60_000,
        max_width: 1920,
        max_height: 1080,
    };
    assert!(validate(&probed, &roomy).is_ok());

    let short = Limits {
        max_duration_ms: 5_000,
        ..roomy
    };
    let small = Limits {
        max_width: 640,
        max_height: 360,
        ..roomy
    };

    let too_long = validate(&probed, &short).unwrap_err();
    assert_eq!(
        too_long.to_string(),
        "the clip is 10.0 s long; the limit is 5.0 s"
    );
    let too_big = validate(&probed, &small).unwrap_err();
    assert_eq!(
        too_big.to_string(),
        "the video is 1280×720 pixels; the limit is 640×360"
    );
    assert!(too_long.is_input_error() && too_big.is_input_error());

    let photo = dir.path().join("photo.jpg");
    ffmpeg(&format!(
        "-f lavfi -i testsrc2=size=640x480 -frames:v 1 {}",
        photo.display()
    ));
    let still = validate(&probe(&photo).unwrap(), &roomy).unwrap_err();
    assert_eq!(
        still.to_string(),
        "unsupported media: a still image is not an audio or video clip"
    );
}

#[test]
fn a_video_job_without_rungs_is_the_callers_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "in.mp4", 1, "320x240", 25);
    assert_eq!(ladder_for(&probe(&input).unwrap(), &[]).len(), 1);

    let error = transcode(&job(&input, &dir.path().join("out"), Vec::new()))
        .result
        .unwrap_err();

    assert!(matches!(error, MediaError::InvalidJob(_)), "{error:?}");
}

#[test]
fn garbage_behind_real_looking_headers_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let headers: [&[u8]; 4] = [
        b"",
        b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom",
        b"ID3\x04\0\0\0\0\0\x10",
        b"\x1aE\xdf\xa3",
    ];
    for (i, header) in headers.iter().enumerate() {
        for (j, len) in [1usize, 100, 4096, 300_000].into_iter().enumerate() {
            let input = dir.path().join(format!("garbage-{i}-{j}"));
            let mut bytes = header.to_vec();
            bytes.extend(noise(len));
            std::fs::write(&input, &bytes).unwrap();
            let out = dir.path().join(format!("out-{i}-{j}"));

            let probed = probe(&input);
            let run = transcode(&job(&input, &out, vec![Rung::new(360)]));
            let poster = imshare_media::poster(&input, &out.with_extension("jpg"), 1.0);

            for error in [probed.err(), run.result.err(), poster.err()]
                .into_iter()
                .flatten()
            {
                assert!(error.is_input_error(), "{}: {error:?}", input.display());
            }
        }
    }
}

#[test]
fn damage_in_the_middle_is_concealed_or_refused_but_never_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let good = clip(dir.path(), "good.mp4", 6, "640x360", 30);
    let faststart = dir.path().join("faststart.mp4");
    ffmpeg(&format!(
        "-i {} -c copy -movflags +faststart {}",
        good.display(),
        faststart.display()
    ));
    let ts = dir.path().join("good.ts");
    ffmpeg(&format!("-i {} -c copy {}", good.display(), ts.display()));
    for (i, source) in [&faststart, &ts].into_iter().enumerate() {
        let mut bytes = std::fs::read(source).unwrap();
        let (from, to) = (bytes.len() * 4 / 10, bytes.len() * 6 / 10);
        bytes[from..to].copy_from_slice(&noise(to - from));
        let damaged = dir.path().join(format!("damaged-{i}"));
        std::fs::write(&damaged, &bytes).unwrap();
        let out = dir.path().join(format!("out-{i}"));

        let run = transcode(&job(&damaged, &out, vec![Rung::new(360)]));

        match run.result {
            Ok(outputs) => assert!(!outputs.renditions[0].segments.is_empty()),
            Err(error) => assert!(error.is_input_error(), "{error:?}"),
        }
    }
}
