//! HLS playlists, written with m3u8-rs.

use m3u8_rs::{
    MasterPlaylist, MediaPlaylist, MediaPlaylistType, MediaSegment, Resolution, VariantStream,
};

use super::store::RenditionRow;

/// The master playlist: one variant per rendition, each a relative URL carrying `token`.
pub fn master(renditions: &[RenditionRow], token: &str) -> Vec<u8> {
    let playlist = MasterPlaylist {
        version: Some(3),
        independent_segments: true,
        variants: renditions
            .iter()
            .map(|r| VariantStream {
                uri: format!("{}/index.m3u8?token={token}", r.name),
                bandwidth: r.bandwidth.max(0) as u64,
                codecs: Some(r.codecs.clone()),
                resolution: (r.width > 0).then_some(Resolution {
                    width: r.width as u64,
                    height: r.height as u64,
                }),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    write(|out| playlist.write_to(out))
}

/// A media playlist of `(duration_secs, url)` segments; `complete` ends it.
pub fn media(segments: &[(f64, String)], complete: bool) -> Vec<u8> {
    let longest = segments.iter().map(|(d, _)| *d).fold(1.0, f64::max);
    let playlist = MediaPlaylist {
        version: Some(3),
        target_duration: longest.ceil() as u64,
        media_sequence: 0,
        playlist_type: Some(if complete {
            MediaPlaylistType::Vod
        } else {
            MediaPlaylistType::Event
        }),
        end_list: complete,
        independent_segments: true,
        segments: segments
            .iter()
            .map(|(duration, uri)| MediaSegment {
                uri: uri.clone(),
                duration: *duration as f32,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    write(|out| playlist.write_to(out))
}

fn write(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = f(&mut out);
    out
}
