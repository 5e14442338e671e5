//! imshare-media against real files made with the ffmpeg CLI.

mod broken;
mod cli;
mod frames;
mod helpers;
mod poster;
mod probe;
mod transcode;
