//! Validated account input: checked once at the edge, trusted inside.

use super::AccountError;

/// A username: 3–32 characters of a–z, 0–9, `_`, `.`, `-`, stored lower-case.
#[derive(Debug, Clone)]
pub struct Username(String);

impl Username {
    /// Checks and normalises a username.
    pub fn parse(raw: &str) -> Result<Username, AccountError> {
        let name = raw.trim().to_lowercase();
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
        if !(3..=32).contains(&name.chars().count()) || !ok_chars {
            return Err(AccountError::InvalidInput(
                "username must be 3 to 32 characters of a-z, 0-9, '_', '.' or '-'".into(),
            ));
        }
        Ok(Username(name))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password of 8 to 256 characters.
pub struct Password(String);

impl Password {
    /// Checks a new password's length.
    pub fn parse(raw: String) -> Result<Password, AccountError> {
        if !(8..=256).contains(&raw.chars().count()) {
            return Err(AccountError::InvalidInput(
                "password must be 8 to 256 characters long".into(),
            ));
        }
        Ok(Password(raw))
    }

    /// The password, to hash it.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A display name: 1–64 characters after trimming, no control characters.
pub fn parse_display_name(raw: Option<&str>, username: &Username) -> Result<String, AccountError> {
    let name = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(username.as_str());
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(AccountError::InvalidInput(
            "display_name must be at most 64 characters with no control characters".into(),
        ));
    }
    Ok(name.to_owned())
}
