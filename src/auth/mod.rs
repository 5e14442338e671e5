//! Who is asking: access tokens (JWT, HS256 pinned), refresh tokens, password hashing,
//! sign-in throttling, and the `AuthUser` extractor every protected route takes.

mod extractor;
mod limiter;
pub mod password;
mod socket;
mod throttle;
mod tokens;

pub use extractor::{bearer_token, bearer_token_in, AuthUser};
pub use password::HashError;
pub use socket::{socket_user, WsQuery};
pub use throttle::{SignInGuard, Throttled};
pub use tokens::{AccessClaims, TokenKeys};
