//! The service as a cluster on one machine: `serve` nodes and `imshare worker`s as child
//! processes on one PostgreSQL, one store and Redis, driven as clients drive them, then
//! disturbed (a node, a worker, Redis or PostgreSQL killed).

pub mod postgres;
pub mod procs;

mod heal;
mod live;
mod pg_restart;
mod revocation;
mod story;
