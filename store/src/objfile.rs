//! On-disk object format and the durable write path.
//!
//! An object is a single file: its bytes, then its metadata as JSON, then a 12-byte footer
//! (JSON length as u32 LE, then a magic tag). Data and metadata live in one file so that one
//! `rename` commits both: with a sidecar there would be a window (and after a crash, a state)
//! where the data and its size/ETag/content-type disagree.
//!
//! Every file is written under `tmp/`, fsynced, renamed into place and then its directory is
//! fsynced, so a reader sees either the old object, the complete new one, or nothing.

use std::collections::BTreeMap;
use std::io::{self, ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use s3s::dto::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::fs::{self, File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};

use super::paths::Layout;

const MAGIC: &[u8; 8] = b"IMSOBJ01";
const FOOTER_LEN: u64 = 12;
/// Far above what S3 allows for user metadata; a larger value means a damaged file.
const MAX_META_LEN: u64 = 64 * 1024;
/// Large enough to keep syscalls per chunk low for media files.
const WRITE_BUFFER: usize = 256 * 1024;

/// What is stored with every object (and every multipart part).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    pub size: u64,
    /// Hex MD5 for plain uploads, `<hex>-<parts>` for multipart ones; without quotes.
    pub etag: String,
    pub last_modified_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_metadata: BTreeMap<String, String>,
}

impl ObjectMeta {
    pub(crate) fn last_modified(&self) -> Timestamp {
        timestamp(self.last_modified_ms)
    }
}

/// Converts stored milliseconds since the epoch to an S3 timestamp.
pub(crate) fn timestamp(ms: u64) -> Timestamp {
    Timestamp::from(UNIX_EPOCH + Duration::from_millis(ms))
}

pub(crate) fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        ErrorKind::InvalidData,
        format!("damaged object file: {what}"),
    )
}

/// Reads the metadata trailer of an open object file (the data is `0..meta.size`).
pub(crate) async fn read_meta(file: &mut File) -> io::Result<ObjectMeta> {
    let len = file.metadata().await?.len();
    if len < FOOTER_LEN {
        return Err(corrupt("too short"));
    }
    let mut footer = [0u8; FOOTER_LEN as usize];
    file.seek(SeekFrom::Start(len - FOOTER_LEN)).await?;
    file.read_exact(&mut footer).await?;
    let (len_bytes, magic) = footer.split_at(4);
    if magic != MAGIC {
        return Err(corrupt("bad magic"));
    }
    let mut json_len = [0u8; 4];
    json_len.copy_from_slice(len_bytes);
    let json_len = u64::from(u32::from_le_bytes(json_len));
    if json_len > MAX_META_LEN || json_len + FOOTER_LEN > len {
        return Err(corrupt("bad metadata length"));
    }
    let data_len = len - FOOTER_LEN - json_len;
    let mut json =
        vec![0u8; usize::try_from(json_len).map_err(|_| corrupt("bad metadata length"))?];
    file.seek(SeekFrom::Start(data_len)).await?;
    file.read_exact(&mut json).await?;
    let meta: ObjectMeta = serde_json::from_slice(&json).map_err(|_| corrupt("bad metadata"))?;
    if meta.size != data_len {
        return Err(corrupt("size mismatch"));
    }
    Ok(meta)
}

/// Opens an object file and reads its metadata.
pub(crate) async fn open_object(path: &Path) -> io::Result<(File, ObjectMeta)> {
    let mut file = File::open(path).await?;
    let meta = read_meta(&mut file).await?;
    Ok((file, meta))
}

/// How a finished temp file takes its final name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// Atomically replace whatever is there.
    Replace,
    /// Fail with `AlreadyExists` if the name is taken (`If-None-Match: *`).
    CreateNew,
}

/// A file being written in `tmp/`; removed on drop unless committed, so an aborted request
/// (client gone, task cancelled on shutdown, validation failure) leaves nothing behind.
pub(crate) struct TempFile {
    path: PathBuf,
    file: BufWriter<File>,
    committed: bool,
}

impl TempFile {
    pub(crate) async fn create(layout: &Layout) -> io::Result<Self> {
        let path = layout.new_tmp_path("tmp");
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(Self {
            path,
            file: BufWriter::with_capacity(WRITE_BUFFER, file),
            committed: false,
        })
    }

    pub(crate) async fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf).await
    }

    /// Appends the first `len` bytes of `src` (multipart assembly), failing if `src` is shorter.
    pub(crate) async fn append_from(&mut self, src: &mut File, len: u64) -> io::Result<()> {
        src.seek(SeekFrom::Start(0)).await?;
        let copied = tokio::io::copy(&mut src.take(len), &mut self.file).await?;
        if copied != len {
            return Err(corrupt("part is shorter than its metadata says"));
        }
        Ok(())
    }

    /// Appends the metadata trailer and makes the content durable.
    pub(crate) async fn finish(&mut self, meta: &ObjectMeta) -> io::Result<()> {
        let json = serde_json::to_vec(meta).map_err(io::Error::other)?;
        let json_len =
            u32::try_from(json.len()).map_err(|_| io::Error::other("metadata too large"))?;
        self.file.write_all(&json).await?;
        self.file.write_all(&json_len.to_le_bytes()).await?;
        self.file.write_all(MAGIC).await?;
        self.sync().await
    }

    /// Flushes and fsyncs without a trailer (for plain JSON files).
    pub(crate) async fn sync(&mut self) -> io::Result<()> {
        self.file.flush().await?;
        self.file.get_ref().sync_all().await
    }

    /// Moves the finished file to `dest`, creating the directories between `base` (which must
    /// exist: a missing base yields `NotFound`) and `dest`, then fsyncs the directory.
    pub(crate) async fn commit(mut self, base: &Path, dest: &Path, mode: Commit) -> io::Result<()> {
        let parent = dest
            .parent()
            .ok_or_else(|| io::Error::other("destination has no parent"))?;
        let mut attempt = 0;
        loop {
            ensure_dirs(base, parent).await?;
            let result = match mode {
                Commit::Replace => fs::rename(&self.path, dest).await,
                Commit::CreateNew => fs::hard_link(&self.path, dest).await,
            };
            match result {
                Ok(()) => break,
                // A concurrent delete may prune an empty directory between mkdir and rename.
                Err(e) if e.kind() == ErrorKind::NotFound && attempt < 3 => attempt += 1,
                Err(e) => return Err(e),
            }
        }
        if mode == Commit::CreateNew {
            // The link is the committed object; the temp name is just garbage now.
            let _ = fs::remove_file(&self.path).await;
        }
        self.committed = true;
        sync_dir(parent).await
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            // Unlinking is quick; doing it synchronously guarantees cleanup even when the
            // runtime is shutting down and could not run a spawned task.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Makes directory entries (creations, renames, unlinks) in `dir` durable.
pub(crate) async fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).await?.sync_all().await
}

/// Creates each directory from `base` down to `dir`; `base` itself is never created, so an
/// object cannot resurrect a deleted bucket.
pub(crate) async fn ensure_dirs(base: &Path, dir: &Path) -> io::Result<()> {
    let rel = dir
        .strip_prefix(base)
        .map_err(|_| io::Error::other("path outside of its base"))?;
    if !fs::metadata(base).await?.is_dir() {
        return Err(io::Error::new(
            ErrorKind::NotFound,
            "base is not a directory",
        ));
    }
    let mut cur = base.to_path_buf();
    for component in rel.components() {
        let parent = cur.clone();
        cur.push(component);
        match fs::create_dir(&cur).await {
            Ok(()) => sync_dir(&parent).await?,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Removes now-empty directories from `dir` up to (not including) `base`.
pub(crate) async fn prune_empty_dirs(base: &Path, dir: &Path) {
    let mut cur = dir.to_path_buf();
    while cur != base && cur.starts_with(base) {
        // Fails (harmlessly) as soon as a directory is not empty or is being reused.
        if fs::remove_dir(&cur).await.is_err() {
            return;
        }
        if !cur.pop() {
            return;
        }
        let _ = sync_dir(&cur).await;
    }
}
