//! Addresses at the edge of the service: which peers are trusted proxies, who the client
//! really is, and which addresses the service must never call on someone else's behalf.

pub mod client_ip;
pub mod ip_class;
mod nets;

pub use client_ip::{ClientIp, TrustedProxies};
pub use nets::NetList;
