//! Opening an upload for demuxing and reading its packets, telling an empty, foreign,
//! damaged or unreadable file apart.

use std::io::Read;
use std::path::Path;

use ffmpeg_next as ffmpeg;

use ffmpeg::format::context::Input;
use ffmpeg::{Packet, Rescale};

use crate::MediaError;

/// Probe scores at or below this are guesses (`AVPROBE_SCORE_RETRY`), not recognition.
const LOW_PROBE_SCORE: i32 = 25;

/// Opens a file for demuxing, telling an empty, foreign or damaged file apart.
pub(crate) fn open_input(path: &Path) -> Result<Input, MediaError> {
    crate::init();
    let unreadable = |source| MediaError::Io {
        action: "cannot read",
        path: path.to_owned(),
        source,
    };
    // Checked here so that any failure ffmpeg reports afterwards is about the content.
    let file = std::fs::File::open(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.len() == 0 {
        return Err(MediaError::Empty);
    }
    let input = ffmpeg::format::input(path).map_err(|_| match sniff(path) {
        Some(format) => MediaError::Corrupt(format!("its {format} data cannot be read")),
        None => MediaError::NotMedia,
    })?;
    // ffmpeg's own "misdetection possible" threshold: random bytes can pass for raw H.263.
    if input.probe_score() <= LOW_PROBE_SCORE {
        return Err(MediaError::NotMedia);
    }
    Ok(input)
}

/// Unreadable packets in a row (or retries) after which a file is declared corrupt.
const MAX_BAD_PACKETS: u32 = 1000;

/// The next packet of `input` (opened from `path`), `None` at its end; a damaged file is
/// an error. Like the ffmpeg CLI, a few unreadable packets are skipped.
pub(crate) fn next_packet(input: &mut Input, path: &Path) -> Result<Option<Packet>, MediaError> {
    let mut bad = 0;
    loop {
        let mut packet = Packet::empty();
        let read = packet.read(input);
        let retry = match read {
            Err(ffmpeg::Error::InvalidData) => true,
            Err(ffmpeg::Error::Other { errno }) => errno == ffmpeg::util::error::EAGAIN,
            _ => false,
        };
        if retry && bad < MAX_BAD_PACKETS {
            bad += 1;
            continue;
        }
        match read {
            Ok(()) => return Ok(Some(packet)),
            Err(ffmpeg::Error::Eof) => return Ok(None),
            Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EIO => {
                return Err(MediaError::Io {
                    action: "cannot read",
                    path: path.to_owned(),
                    source: std::io::Error::from_raw_os_error(errno),
                })
            }
            Err(e) => return Err(MediaError::Corrupt(format!("reading stopped: {e}"))),
        }
    }
}

/// The earliest start time of the given streams, in microseconds: the clip's time zero.
pub(crate) fn start_time_us(input: &Input, streams: &[Option<usize>]) -> i64 {
    streams
        .iter()
        .flatten()
        .filter_map(|&i| input.stream(i))
        .filter(|s| s.start_time() != ffmpeg::ffi::AV_NOPTS_VALUE)
        .map(|s| {
            s.start_time()
                .rescale(s.time_base(), ffmpeg::rescale::TIME_BASE)
        })
        .min()
        .unwrap_or(0)
}

/// Asks ffmpeg's format probers whether the first bytes look like a container it knows,
/// returning that container's name: used only to word an error.
fn sniff(path: &Path) -> Option<String> {
    const PROBE_BYTES: usize = 4096;
    // libavformat reads up to 32 bytes past the end of the probe buffer; they must be zero.
    const PADDING: usize = 32;
    let mut buf = vec![0u8; PROBE_BYTES + PADDING];
    let mut file = std::fs::File::open(path).ok()?;
    let mut len = 0;
    while len < PROBE_BYTES {
        match file.read(&mut buf[len..PROBE_BYTES]) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
    }
    let data = ffmpeg::ffi::AVProbeData {
        filename: c"".as_ptr(),
        buf: buf.as_mut_ptr(),
        buf_size: len as i32,
        mime_type: std::ptr::null(),
    };
    let mut score = LOW_PROBE_SCORE;
    // SAFETY: `data` points into `buf`, which outlives the call and carries the zeroed
    // padding libavformat requires; the returned format is a static registry entry.
    let format = unsafe { ffmpeg::ffi::av_probe_input_format2(&data, 1, &mut score) };
    if format.is_null() {
        return None;
    }
    // SAFETY: non-null pointers from the prober name static, immutable format descriptors.
    let format = unsafe { ffmpeg::format::format::Input::wrap(format as *mut _) };
    Some(format.description().to_owned())
}
