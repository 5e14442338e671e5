//! Integration tests: the real service over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod accounts;
mod blog;
mod friends;
mod garage;
mod media;
mod multipart;
mod operations;
mod store_outage;
mod tokens;
mod transcode;
mod worker_crash;
mod upload_refusals;
mod uploads;
