//! What a resumable upload remembers between runs: a small file next to the clip.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The grant of an upload in progress and which file it is for.
#[derive(Serialize, Deserialize)]
pub struct ResumeState {
    pub server: String,
    pub size: u64,
    pub grant: Value,
}

/// Where the state of uploading `file` is kept.
pub fn state_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".imshare-upload.json");
    file.with_file_name(name)
}

/// The saved state, if it belongs to this server and file size.
pub fn load(file: &Path, server: &str, size: u64) -> Option<ResumeState> {
    let saved: ResumeState = serde_json::from_slice(&std::fs::read(state_path(file)).ok()?).ok()?;
    (saved.server == server && saved.size == size).then_some(saved)
}

/// Saves the state so an interrupted upload can continue.
pub fn save(file: &Path, state: &ResumeState) -> anyhow::Result<()> {
    std::fs::write(state_path(file), serde_json::to_vec_pretty(state)?)?;
    Ok(())
}

/// Forgets the state once the upload is complete.
pub fn clear(file: &Path) {
    let _ = std::fs::remove_file(state_path(file));
}
