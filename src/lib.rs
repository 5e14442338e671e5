//! imshare: share audio/video between mobile IM users, mobile blog pages and web groups.

pub mod accounts;
pub mod apps;
pub mod auth;
pub mod blog;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod groups;
pub mod jobs;
pub mod live;
pub mod media;
pub mod net;
pub mod ops;
pub mod playback;
pub mod realtime;
pub mod social;
pub mod startup;
pub mod state;
pub mod storage;
pub mod sync;
pub mod telemetry;
pub mod time_util;
pub mod transcode;
pub mod uploads;
pub mod websocket;
