//! Addresses at the edge of the service: which peers are trusted proxies, who the client
//! really is, the address absolute URLs are built from, and which addresses the service
//! must never call on someone else's behalf.

pub mod client_ip;
pub mod ip_class;
mod nets;
pub mod public_url;

pub use client_ip::ClientIp;
pub use nets::NetList;
pub use public_url::{is_https, public_base};
