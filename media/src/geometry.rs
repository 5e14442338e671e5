//! Frame geometry: the upright, even-sized picture each rung gets.

use ffmpeg_next::Rational;

use crate::{Rung, VideoStream};

/// The upright output frame size of `rung` for this source: the short side is the rung's
/// height (or the source's, if smaller), the long side keeps the aspect ratio, both even.
/// Pixels are taken as square.
pub(crate) fn frame_size(video: &VideoStream, rung: &Rung) -> (u32, u32) {
    let (width, height) = video.display_size();
    let short = even_floor(rung.height.min(width.min(height))).max(2);
    let scaled = |long: u32, short_src: u32| {
        let exact = f64::from(short) * f64::from(long) / f64::from(short_src.max(1));
        ((exact / 2.0).round() as u32 * 2).max(2)
    };
    if width >= height {
        (scaled(width, height), short)
    } else {
        (short, scaled(height, width))
    }
}

/// The sample aspect ratio the scale filter gives rung frames of `width`×`height`: square
/// pixels stay square; anamorphic sources keep their display shape. 0/1 means unknown.
pub(crate) fn output_aspect(
    source: &VideoStream,
    sar: Rational,
    width: u32,
    height: u32,
) -> Rational {
    if sar.numerator() <= 0 || sar.denominator() <= 0 {
        return Rational::new(0, 1);
    }
    let (sar, (src_w, src_h)) = match source.rotation {
        90 | 270 => (sar.invert(), (source.height, source.width)),
        _ => (sar, (source.width, source.height)),
    };
    let num = i64::from(sar.numerator()) * i64::from(height) * i64::from(src_w);
    let den = i64::from(sar.denominator()) * i64::from(width) * i64::from(src_h);
    let (mut a, mut b) = (num, den);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let (num, den) = (num / a, den / a);
    match (i32::try_from(num), i32::try_from(den)) {
        (Ok(num), Ok(den)) => Rational::new(num, den),
        _ => Rational::from(num as f64 / den as f64),
    }
}

/// The largest even number not above `n`.
pub(crate) fn even_floor(n: u32) -> u32 {
    n & !1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(width: u32, height: u32, rotation: i32) -> VideoStream {
        VideoStream {
            codec: "h264".into(),
            width,
            height,
            rotation,
            fps: 30.0,
        }
    }

    #[test]
    fn frame_sizes_are_upright_even_and_keep_the_aspect_ratio() {
        let landscape = source(1920, 1080, 0);
        assert_eq!(frame_size(&landscape, &Rung::new(360)), (640, 360));
        let portrait = source(1920, 1080, 90);
        assert_eq!(frame_size(&portrait, &Rung::new(360)), (360, 640));
        let upside_down = source(1280, 720, 180);
        assert_eq!(frame_size(&upside_down, &Rung::new(720)), (1280, 720));
        let odd = source(854, 480, 0);
        assert_eq!(frame_size(&odd, &Rung::new(360)), (640, 360));
    }

    #[test]
    fn square_pixels_stay_square_and_anamorphic_ones_keep_their_shape() {
        let square = source(1280, 720, 0);
        assert_eq!(
            output_aspect(&square, Rational::new(1, 1), 640, 360),
            Rational::new(1, 1)
        );
        assert_eq!(
            output_aspect(&square, Rational::new(0, 1), 640, 360),
            Rational::new(0, 1)
        );
        // 720×576 PAL widescreen (SAR 64:45) shown 1024×576, scaled to 640×360 square-ish.
        let pal = source(720, 576, 0);
        let (w, h) = frame_size(&pal, &Rung::new(360));
        assert_eq!((w, h), (450, 360));
        let sar = output_aspect(&pal, Rational::new(64, 45), w, h);
        let shown = f64::from(sar) * f64::from(w) / f64::from(h);
        assert!((shown - 1024.0 / 576.0).abs() < 1e-9, "{shown}");
        let turned = source(720, 576, 90);
        let sar = output_aspect(&turned, Rational::new(64, 45), 360, 450);
        assert_eq!(sar, Rational::new(45, 64));
    }
}
