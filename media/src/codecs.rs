//! RFC 6381 codec names for HLS `CODECS`, and the H.264 level they carry.

/// RFC 6381 name of the audio codec produced (AAC-LC).
pub(crate) const AAC_LC: &str = "mp4a.40.2";

/// The lowest H.264 level (as `level_idc`) whose limits on frame size, macroblock rate and
/// High-profile bitrate admit this stream (ITU-T H.264 table A-1).
pub(crate) fn h264_level(width: u32, height: u32, fps: f64, max_kbps: u32) -> u8 {
    const LEVELS: [(u8, f64, u64, u32); 9] = [
        (30, 40_500.0, 1_620, 12_500),
        (31, 108_000.0, 3_600, 17_500),
        (32, 216_000.0, 5_120, 25_000),
        (40, 245_760.0, 8_192, 25_000),
        (41, 245_760.0, 8_192, 62_500),
        (42, 522_240.0, 8_704, 62_500),
        (50, 589_824.0, 22_080, 168_750),
        (51, 983_040.0, 36_864, 300_000),
        (52, 2_073_600.0, 36_864, 300_000),
    ];
    let frame_mbs = u64::from(width.div_ceil(16)) * u64::from(height.div_ceil(16));
    LEVELS
        .iter()
        .find(|&&(_, mbps, fs, kbps)| {
            frame_mbs <= fs && frame_mbs as f64 * fps <= mbps && max_kbps <= kbps
        })
        .map_or(52, |&(level, ..)| level)
}

/// RFC 6381 name of the H.264 stream produced at this level, e.g. "avc1.64001f".
pub(crate) fn avc1_codec(level: u8) -> String {
    format!("avc1.6400{level:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_table_a1() {
        assert_eq!(h264_level(640, 360, 30.0, 1000), 30);
        assert_eq!(h264_level(1280, 720, 30.0, 3000), 31);
        assert_eq!(h264_level(1920, 1080, 30.0, 5625), 40);
        assert_eq!(avc1_codec(31), "avc1.64001f");
    }
}
