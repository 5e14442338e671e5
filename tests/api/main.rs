//! Integration tests: the real service over HTTP, on SQLite and on PostgreSQL.

mod clips;
mod helpers;

mod accounts;
mod apps;
mod backpressure;
mod blog;
mod friends;
mod garage;
mod media;
mod multipart;
mod operations;
mod presigned;
mod presence;
mod realtime;
mod realtime_crash;
mod store_outage;
mod tokens;
mod upload_cli;
mod transcode;
mod two_nodes;
mod upload_refusals;
mod uploads;
mod worker_crash;
mod ws;
