//! Checking a username and password, for the API and the sign-in form alike: throttled
//! first, then verified on the bounded hashing pool, and a failure counted.

use super::domain::Username;
use super::store::find_user_by_username;
use crate::auth::{HashError, Throttled};
use crate::ids::UserId;
use crate::net::ClientIp;
use crate::state::AppState;

/// An argon2id hash of a random password nobody knows: unknown users are checked against
/// it, so the answer takes as long and does not reveal who exists.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Yk0vUe0N3bQm4n3C0G0sTl0m7G6Q2V3nqYgqkzv0u1c";

/// Why a sign-in did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong username or password")]
    Wrong,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

crate::impl_from_sqlx!(SignInError);

/// The user id if `password` is right for `username` and neither the account nor the
/// client is throttled.
pub async fn check_credentials(
    state: &AppState,
    client: ClientIp,
    username: &str,
    password: String,
) -> Result<UserId, SignInError> {
    let attempt = state.sign_in.admit(Some(username), client)?;
    let user = match Username::parse(username) {
        Ok(name) => find_user_by_username(&state.db, name.as_str()).await?,
        Err(_) => None,
    };
    let (user_id, phc) = match user {
        Some(u) => (Some(u.id), u.password_hash),
        None => (None, DUMMY_HASH.to_owned()),
    };
    let matches = state.sign_in.hashing.verify(password, phc).await?;
    match user_id {
        Some(id) if matches => Ok(id),
        _ => {
            attempt.failed();
            Err(SignInError::Wrong)
        }
    }
}
