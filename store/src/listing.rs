//! ListObjectsV2: a sorted walk of the bucket's directory tree.

use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use s3s::dto::*;
use s3s::{s3_error, S3Result};

use super::backend::{internal, stat_object, Backend};
use super::paths::{decode_object_name, decode_segment, encode_segment, key_segments};

const DEFAULT_MAX_KEYS: i32 = 1000;

/// An entry of a listing page, in key order.
enum Entry {
    Key(String),
    Prefix(String),
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Key(s) | Entry::Prefix(s) => s,
        }
    }
}

/// Collects every key under `dir` (whose keys start with `key_prefix`) that starts with `prefix`.
/// Blocking: runs on the blocking pool, one `read_dir` per directory.
fn walk(dir: PathBuf, key_prefix: String, prefix: &str) -> io::Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut stack = vec![(dir, key_prefix)];
    while let Some((dir, base)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            // Pruned by a concurrent delete, or the prefix names no directory.
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if entry.file_type()?.is_dir() {
                if let Some(seg) = decode_segment(&name) {
                    let sub = format!("{base}{seg}/");
                    // Descend only where keys can still match the prefix.
                    if sub.starts_with(prefix) || prefix.starts_with(&sub) {
                        stack.push((entry.path(), sub));
                    }
                }
            } else if let Some(seg) = decode_object_name(&name) {
                let key = format!("{base}{seg}");
                if key.starts_with(prefix) {
                    keys.push(key);
                }
            }
        }
    }
    keys.sort_unstable();
    Ok(keys)
}

/// Where to start walking: the deepest directory fully named by the prefix.
fn start_dir(bucket_dir: &Path, prefix: &str) -> Option<(PathBuf, String)> {
    let Some(cut) = prefix.rfind('/') else {
        return Some((bucket_dir.to_path_buf(), String::new()));
    };
    let dir_part = &prefix[..cut];
    // A prefix with a segment no key can have (`..`, empty) simply matches nothing.
    let segments = key_segments(dir_part).ok()?;
    let mut dir = bucket_dir.to_path_buf();
    for seg in segments {
        dir.push(encode_segment(seg));
    }
    Some((dir, format!("{dir_part}/")))
}

/// Groups keys into entries, folding keys that contain the delimiter after the prefix.
fn group(keys: Vec<String>, prefix: &str, delimiter: Option<&str>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::with_capacity(keys.len());
    for key in keys {
        let folded = delimiter.filter(|d| !d.is_empty()).and_then(|d| {
            let rest = &key[prefix.len()..];
            rest.find(d)
                .map(|i| key[..prefix.len() + i + d.len()].to_owned())
        });
        match folded {
            Some(p) => {
                if !matches!(entries.last(), Some(Entry::Prefix(last)) if *last == p) {
                    entries.push(Entry::Prefix(p));
                }
            }
            None => entries.push(Entry::Key(key)),
        }
    }
    entries
}

impl Backend {
    pub(crate) async fn list_v2(&self, input: ListObjectsV2Input) -> S3Result<ListObjectsV2Output> {
        let bucket_dir = self.require_bucket(&input.bucket).await?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max_keys = input
            .max_keys
            .unwrap_or(DEFAULT_MAX_KEYS)
            .clamp(0, DEFAULT_MAX_KEYS);
        let marker = match &input.continuation_token {
            Some(token) => {
                let raw = URL_SAFE_NO_PAD
                    .decode(token)
                    .map_err(|_| s3_error!(InvalidArgument, "invalid continuation token"))?;
                Some(
                    String::from_utf8(raw)
                        .map_err(|_| s3_error!(InvalidArgument, "invalid continuation token"))?,
                )
            }
            None => input.start_after.clone(),
        };

        let keys = match start_dir(&bucket_dir, &prefix) {
            Some((dir, key_prefix)) => {
                let walk_prefix = prefix.clone();
                tokio::task::spawn_blocking(move || walk(dir, key_prefix, &walk_prefix))
                    .await
                    .map_err(|e| s3_error!(e, InternalError))?
                    .map_err(internal)?
            }
            None => Vec::new(),
        };

        let entries = group(keys, &prefix, input.delimiter.as_deref());
        let mut remaining = entries.into_iter().filter(|e| match &marker {
            // A marker inside a folded prefix means that prefix was already returned.
            Some(m) => {
                e.name() > m.as_str() && !matches!(e, Entry::Prefix(p) if m.starts_with(p.as_str()))
            }
            None => true,
        });
        let page: Vec<Entry> = remaining
            .by_ref()
            .take(usize::try_from(max_keys).unwrap_or(0))
            .collect();
        let is_truncated = remaining.next().is_some();
        let next_token = if is_truncated {
            page.last().map(|e| URL_SAFE_NO_PAD.encode(e.name()))
        } else {
            None
        };

        let mut contents = Vec::new();
        let mut common_prefixes = Vec::new();
        for entry in page {
            match entry {
                Entry::Prefix(p) => common_prefixes.push(CommonPrefix { prefix: Some(p) }),
                Entry::Key(key) => {
                    let path = self.layout.object_path(&input.bucket, &key)?;
                    // Deleted since the walk: just leave it out.
                    let Some(meta) = stat_object(&path).await? else {
                        continue;
                    };
                    contents.push(Object {
                        key: Some(key),
                        size: i64::try_from(meta.size).ok(),
                        last_modified: Some(meta.last_modified()),
                        e_tag: Some(ETag::Strong(meta.etag)),
                        storage_class: Some(ObjectStorageClass::from_static(
                            ObjectStorageClass::STANDARD,
                        )),
                        ..Default::default()
                    });
                }
            }
        }
        let key_count = i32::try_from(contents.len() + common_prefixes.len()).unwrap_or(i32::MAX);
        Ok(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: input.prefix,
            delimiter: input.delimiter,
            max_keys: Some(max_keys),
            key_count: Some(key_count),
            continuation_token: input.continuation_token,
            next_continuation_token: next_token,
            start_after: input.start_after,
            is_truncated: Some(is_truncated),
            contents: Some(contents),
            common_prefixes: Some(common_prefixes),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn grouping_folds_on_delimiter() {
        let keys = vec![
            "a/1".to_owned(),
            "a/2".to_owned(),
            "b".to_owned(),
            "c/x/y".to_owned(),
        ];
        let names: Vec<String> = group(keys, "", Some("/"))
            .iter()
            .map(|e| e.name().to_owned())
            .collect();
        assert_eq!(names, ["a/", "b", "c/"]);
    }

    #[test]
    fn start_dir_uses_complete_segments() {
        let base = Path::new("/b");
        assert_eq!(
            start_dir(base, "m/x/se"),
            Some((PathBuf::from("/b/m/x"), "m/x/".to_owned()))
        );
        assert_eq!(
            start_dir(base, "m"),
            Some((PathBuf::from("/b"), String::new()))
        );
        assert_eq!(start_dir(base, "../"), None);
    }
}
