//! imshare-media against real files made with the ffmpeg CLI.

mod broken;
mod cli;
mod frames;
mod helpers;
#[path = "../hostile/mod.rs"]
mod hostile;
mod limits;
mod poster;
mod probe;
mod transcode;
