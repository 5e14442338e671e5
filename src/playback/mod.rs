//! Playback (SPEC §1C): after the visibility check, URLs a player opens directly. HLS
//! playlists are served here and list short-lived presigned store URLs, so the media
//! bytes come straight from the store; while a clip is still transcoding its playlists
//! grow (an EVENT playlist that ends with ENDLIST).

mod playlist;
mod routes;
mod store;

pub use routes::configure;
