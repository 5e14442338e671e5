//! `imshare live-share`: the reference sharer of a live region share (SPEC §5). It
//! replays image files or a video as the captured region, cuts each frame into tiles and
//! sends only the tiles that changed over the share's WebSocket, at a steady rate.

mod send;
mod sources;

use std::path::PathBuf;

use anyhow::{bail, Context};
use reqwest::Method;

pub use send::{send_frames, ws_url, SendOptions, SendReport};
pub use sources::{image_frames, video_frames, Frames};

use super::api::{AccountArgs, Api};

/// What to share, where, and as whom.
#[derive(Debug, clap::Args)]
pub struct LiveShareArgs {
    #[command(flatten)]
    pub account: AccountArgs,
    /// The live share to feed (its id).
    #[arg(long)]
    pub share: String,
    /// PNG or JPEG files sent one after another as the captured frames.
    #[arg(long, num_args = 1.., required_unless_present = "video", conflicts_with = "video")]
    pub frames: Vec<PathBuf>,
    /// A video file replayed as the captured frames.
    #[arg(long)]
    pub video: Option<PathBuf>,
    /// Frames per second: how many pictures are taken from the video, and the sending pace.
    #[arg(long, default_value_t = 10.0)]
    pub fps: f64,
    /// Scale the video's pictures to this width (with --height; default: as stored).
    #[arg(long, requires = "height")]
    pub width: Option<u32>,
    /// Scale the video's pictures to this height (with --width).
    #[arg(long, requires = "width")]
    pub height: Option<u32>,
    /// Tile side in pixels, 16 to 512.
    #[arg(long, default_value_t = 64)]
    pub tile_size: u16,
    /// Largest encoded tile to send, in bytes (default: the share's own limit, as the
    /// server reports it).
    #[arg(long)]
    pub max_tile_bytes: Option<usize>,
}

/// Runs the share until every frame is sent; a frame the server refused makes it fail.
pub async fn run(args: LiveShareArgs) -> anyhow::Result<()> {
    let frames = match &args.video {
        Some(video) => video_frames(video, args.width.zip(args.height), args.fps),
        None => image_frames(args.frames.clone()),
    };
    let api = Api::sign_in(&args.account).await?;
    let url = ws_url(&api.server, &args.share)?;
    let max_tile_bytes = match args.max_tile_bytes {
        Some(bytes) => bytes,
        None => share_tile_limit(&api, &args.share).await?,
    };
    let options = SendOptions {
        tile_size: args.tile_size,
        fps: args.fps,
        max_tile_bytes,
        progress: true,
    };
    let report = send_frames(&url, api.token(), frames, &options)
        .await
        .with_context(|| format!("sharing into live share {}", args.share))?;
    eprintln!("{report}");
    let refused = report.errors().count();
    if refused > 0 {
        bail!("the server refused {refused} frame(s); see its messages above");
    }
    Ok(())
}

/// The largest tile the share accepts, from `GET /v1/live-shares/{id}` (which also tells
/// early whether the share exists and is ours to see).
async fn share_tile_limit(api: &Api, share_id: &str) -> anyhow::Result<usize> {
    let share: serde_json::Value = api
        .call(Method::GET, &format!("/v1/live-shares/{share_id}"), None)
        .await?;
    share["max_tile_bytes"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .context("the server's answer for the share has no max_tile_bytes")
}
