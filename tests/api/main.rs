//! Integration tests: the real service over HTTP, on SQLite and on PostgreSQL.

mod clips;
mod helpers;
#[path = "../../media/tests/hostile/mod.rs"]
mod hostile;

mod accounts;
mod apps;
mod backpressure;
mod blog;
mod friends;
mod garage;
mod group_page;
mod live_revoked;
mod live_share;
mod live_sharer;
mod live_ws;
mod media;
mod media_failure;
mod media_limits;
mod media_retry;
mod multipart;
mod operations;
mod operator;
mod presence;
mod presigned;
mod public_urls;
mod realtime;
mod realtime_crash;
mod sign_in_throttle;
mod socket_caps;
mod store_outage;
mod sync_page;
mod sync_revoked;
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
mod ws_metrics;
mod ws_upgrade;
