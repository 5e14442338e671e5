//! How far a phone's picture must be turned to stand upright.
//!
//! Degrees are clockwise, the convention of the legacy `rotate` tag and of the
//! transpose the ffmpeg CLI inserts when it auto-rotates: 90 means "turn the decoded
//! picture a quarter turn clockwise before showing it".

use ffmpeg_next as ffmpeg;

use ffmpeg::codec::packet::side_data::Type as SideDataType;
use ffmpeg::format::stream::Stream;

/// The clockwise display rotation of a video stream: 0, 90, 180 or 270.
pub(crate) fn of_stream(stream: &Stream) -> i32 {
    let matrix = stream
        .side_data()
        .find(|sd| sd.kind() == SideDataType::DisplayMatrix)
        .and_then(|sd| from_display_matrix(sd.data()));
    matrix
        .or_else(|| {
            let tag = stream
                .metadata()
                .get("rotate")?
                .trim()
                .parse::<f64>()
                .ok()?;
            Some(tag)
        })
        .map_or(0, quarter_turns)
}

/// Clockwise degrees from a 3×3 display matrix (16.16 fixed point, native endian), the
/// way the ffmpeg CLI reads it: the negation of `av_display_rotation_get`.
fn from_display_matrix(bytes: &[u8]) -> Option<f64> {
    let m: Vec<f64> = bytes
        .chunks_exact(4)
        .take(9)
        .map(|c| f64::from(i32::from_ne_bytes([c[0], c[1], c[2], c[3]])) / 65536.0)
        .collect();
    if m.len() < 9 {
        return None;
    }
    let scale0 = m[0].hypot(m[3]);
    let scale1 = m[1].hypot(m[4]);
    if scale0 == 0.0 || scale1 == 0.0 {
        return None;
    }
    Some((m[1] / scale1).atan2(m[0] / scale0).to_degrees())
}

/// Any angle to the nearest quarter turn in 0..360.
fn quarter_turns(degrees: f64) -> i32 {
    let turns = (degrees / 90.0).round() as i64;
    (turns.rem_euclid(4) * 90) as i32
}

/// The filter chain that turns a picture by `rotation` degrees clockwise (empty for 0).
pub(crate) fn filter(rotation: i32) -> &'static str {
    match rotation {
        90 => "transpose=clock,",
        180 => "hflip,vflip,",
        270 => "transpose=cclock,",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(a: i32, b: i32, c: i32, d: i32) -> Vec<u8> {
        [a, b, 0, c, d, 0, 0, 0, 1 << 30]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect()
    }

    #[test]
    fn reads_quarter_turns_like_the_ffmpeg_cli() {
        let one = 65536;
        // What FFmpeg 5.1 writes for `-metadata:s:v rotate=90`; its CLI turns it counter-clockwise.
        assert_eq!(
            from_display_matrix(&matrix(0, -one, one, 0)).map(quarter_turns),
            Some(270)
        );
        assert_eq!(
            from_display_matrix(&matrix(0, one, -one, 0)).map(quarter_turns),
            Some(90)
        );
        assert_eq!(
            from_display_matrix(&matrix(-one, 0, 0, -one)).map(quarter_turns),
            Some(180)
        );
        assert_eq!(
            from_display_matrix(&matrix(one, 0, 0, one)).map(quarter_turns),
            Some(0)
        );
        assert_eq!(from_display_matrix(&matrix(0, 0, 0, 0)), None);
        assert_eq!(from_display_matrix(&[0; 12]), None);
    }

    #[test]
    fn rounds_any_angle_to_a_quarter_turn() {
        assert_eq!(quarter_turns(-90.0), 270);
        assert_eq!(quarter_turns(89.4), 90);
        assert_eq!(quarter_turns(450.0), 90);
        assert_eq!(filter(90), "transpose=clock,");
        assert_eq!(filter(0), "");
    }
}
