//! A clip's title and description, checked the same way at upload and on every edit.

/// Trims text and checks its length; control characters other than newlines and tabs are
/// refused. The error is the sentence to show the client.
pub fn clean_text(raw: Option<String>, max_chars: usize, field: &str) -> Result<String, String> {
    let text = raw.unwrap_or_default().trim().to_owned();
    if text.chars().count() > max_chars {
        return Err(format!("{field} must be at most {max_chars} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(format!("{field} must not contain control characters"));
    }
    Ok(text)
}
