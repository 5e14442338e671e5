//! Who is asking: access tokens (JWT, HS256 pinned), refresh tokens, password hashing,
//! and the `AuthUser` extractor every protected route takes.

mod extractor;
pub mod password;
mod tokens;

pub use extractor::{bearer_token, AuthUser};
pub use tokens::{write_private, AccessClaims, TokenKeys};
