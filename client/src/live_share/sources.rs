//! Where the sharer's frames come from: image files, or the pictures of a video.

use std::path::{Path, PathBuf};

use anyhow::Context;
use imshare_live::RgbaFrame;

/// Frames for [`super::send_frames`]: produced on a blocking thread, one at a time.
pub type Frames = Box<dyn Iterator<Item = anyhow::Result<RgbaFrame>> + Send>;

/// The frames of PNG or JPEG files, read one by one when asked for.
pub fn image_frames(paths: Vec<PathBuf>) -> Frames {
    Box::new(paths.into_iter().map(|path| load_image(&path)))
}

/// Reads one PNG or JPEG file as an RGBA frame.
fn load_image(path: &Path) -> anyhow::Result<RgbaFrame> {
    let image = image::ImageReader::open(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .with_guessed_format()
        .with_context(|| format!("cannot read {}", path.display()))?
        .decode()
        .with_context(|| format!("{} is not a readable PNG or JPEG image", path.display()))?
        .into_rgba8();
    let (width, height) = image.dimensions();
    RgbaFrame::new(width, height, image.into_raw()).with_context(|| path.display().to_string())
}

/// Pictures kept decoded ahead of the sender.
const DECODED_AHEAD: usize = 2;

/// The pictures of `video` at `fps`, scaled to `size` (width, height) if given. Decoding
/// runs on its own thread a couple of pictures ahead, and stops when the frames are dropped.
pub fn video_frames(video: &Path, size: Option<(u32, u32)>, fps: f64) -> Frames {
    let (tx, rx) = std::sync::mpsc::sync_channel(DECODED_AHEAD);
    let video = video.to_owned();
    std::thread::spawn(move || {
        let pictures = match imshare_media::rgba_frames(&video, size, fps) {
            Ok(pictures) => pictures,
            Err(e) => {
                let _ = tx.send(Err(e).with_context(|| format!("opening {}", video.display())));
                return;
            }
        };
        for (n, picture) in pictures.enumerate() {
            let frame = picture
                .map_err(anyhow::Error::from)
                .and_then(|p| Ok(RgbaFrame::new(p.width, p.height, p.pixels)?))
                .with_context(|| {
                    format!(
                        "picture {n} of {}; pass --width and --height to scale it",
                        video.display()
                    )
                });
            let failed = frame.is_err();
            if tx.send(frame).is_err() || failed {
                return;
            }
        }
    });
    Box::new(rx.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_become_frames_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        let pixels: Vec<u8> = (0..3 * 2 * 4).map(|i| i as u8 * 10).collect();
        image::RgbaImage::from_raw(3, 2, pixels.clone())
            .unwrap()
            .save(&png)
            .unwrap();
        let text = dir.path().join("b.png");
        std::fs::write(&text, "not an image").unwrap();

        let mut frames = image_frames(vec![png, text.clone(), dir.path().join("missing.jpg")]);
        let first = frames.next().unwrap().unwrap();
        assert_eq!((first.width(), first.height()), (3, 2));
        assert_eq!(first.pixels(), &pixels[..]);
        let bad = frames.next().unwrap().unwrap_err();
        assert!(format!("{bad:#}").contains("b.png is not a readable PNG or JPEG image"));
        let missing = frames.next().unwrap().unwrap_err();
        assert!(format!("{missing:#}").contains("cannot read"));
    }

    #[test]
    fn a_missing_video_is_an_error_not_an_empty_share() {
        let mut frames = video_frames(Path::new("/nonexistent/clip.mp4"), None, 10.0);
        let err = frames.next().unwrap().unwrap_err();
        assert!(format!("{err:#}").contains("opening /nonexistent/clip.mp4"));
        assert!(frames.next().is_none());
    }
}
