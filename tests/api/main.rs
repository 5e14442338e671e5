//! Integration tests: the real service over HTTP, on SQLite and on PostgreSQL.

mod clips;
mod helpers;

mod accounts;
mod apps;
mod backpressure;
mod blog;
mod friends;
mod garage;
mod group_page;
mod live_share;
mod live_sharer;
mod live_ws;
mod media;
mod multipart;
mod operations;
mod presence;
mod presigned;
mod public_urls;
mod realtime;
mod realtime_crash;
mod sign_in_throttle;
mod store_outage;
mod sync_page;
mod sync_rooms;
mod tokens;
mod transcode;
mod two_nodes;
mod upload_cli;
mod upload_refusals;
mod upload_seal;
mod uploads;
mod webhook_targets;
mod worker_crash;
mod ws;
mod ws_upgrade;
