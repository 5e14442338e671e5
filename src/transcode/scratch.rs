//! Scratch space for transcodes, under the data dir rather than `$TMPDIR` so a crash
//! leaves nothing where nobody looks. Each worker process owns one directory and holds a
//! lock file beside it for as long as it lives; at start a worker removes every directory
//! whose lock nobody holds, which is what a killed worker leaves behind. Workers sharing
//! a data dir therefore never sweep each other's live jobs.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Settings;

/// This process's scratch directory, removed again when dropped.
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
    lock_path: PathBuf,
    /// Held (flock) for the life of the process; the kernel releases it if we die.
    _lock: File,
}

/// Where scratch lives: `media.scratch_dir`, or `<data_dir>/scratch` when it is empty.
pub fn root(settings: &Settings) -> PathBuf {
    match settings.media.scratch_dir.trim() {
        "" => settings.data_dir.join("scratch"),
        dir => PathBuf::from(dir),
    }
}

impl Scratch {
    /// Removes what dead workers left under `root`, then makes this process's own dir.
    pub fn open(root: &Path) -> anyhow::Result<Scratch> {
        fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        let removed = sweep(root).with_context(|| format!("sweeping {}", root.display()))?;
        let name = format!("worker-{}", uuid::Uuid::new_v4().simple());
        let lock_path = root.join(format!("{name}.lock"));
        let lock = File::create(&lock_path)
            .with_context(|| format!("creating {}", lock_path.display()))?;
        lock.try_lock()
            .with_context(|| format!("locking {}", lock_path.display()))?;
        let dir = root.join(name);
        fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        tracing::info!(dir = %dir.display(), removed, "transcode scratch dir ready; left-overs of dead workers removed");
        Ok(Scratch {
            dir,
            lock_path,
            _lock: lock,
        })
    }

    /// A fresh directory for one job, removed when the returned guard is dropped.
    pub fn job_dir(&self) -> io::Result<tempfile::TempDir> {
        tempfile::Builder::new()
            .prefix("job-")
            .tempdir_in(&self.dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
        let _ = fs::remove_file(&self.lock_path);
    }
}

/// Removes every entry under `root` that no live worker's lock covers; returns how many.
fn sweep(root: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let path = entry.path();
        let is_lock = path.extension().is_some_and(|e| e == "lock");
        let lock_path = match is_lock {
            true => path.clone(),
            false => path.with_extension("lock"),
        };
        if held_by_a_live_worker(&lock_path)? {
            continue;
        }
        if is_lock {
            // The lock goes with its dir (below) or, if that is gone already, on its own.
            if !path.with_extension("").exists() {
                remove(&path)?;
            }
            continue;
        }
        remove(&path)?;
        let _ = fs::remove_file(&lock_path);
        removed += 1;
    }
    Ok(removed)
}

/// True if another process (or another worker in this one) holds the lock file.
fn held_by_a_live_worker(lock_path: &Path) -> io::Result<bool> {
    let file = match File::open(lock_path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    match file.try_lock() {
        Ok(()) => Ok(false),
        Err(TryLockError::WouldBlock) => Ok(true),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

fn remove(path: &Path) -> io::Result<()> {
    let removed = match path.is_dir() {
        true => fs::remove_dir_all(path),
        false => fs::remove_file(path),
    };
    match removed {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_workers_dir_is_swept_and_a_live_ones_is_kept() {
        let root = tempfile::tempdir().unwrap();
        let dead = root.path().join("worker-dead");
        fs::create_dir_all(dead.join("job-1")).unwrap();
        fs::write(dead.join("job-1/original"), b"left behind").unwrap();
        File::create(root.path().join("worker-dead.lock")).unwrap();
        fs::create_dir(root.path().join("job-from-an-older-layout")).unwrap();

        let live = Scratch::open(root.path()).unwrap();
        let job = live.job_dir().unwrap();
        assert!(!dead.exists(), "the dead worker's dir is removed");
        assert!(!root.path().join("worker-dead.lock").exists());
        assert!(!root.path().join("job-from-an-older-layout").exists());

        let other = Scratch::open(root.path()).unwrap();
        assert!(job.path().exists(), "a live worker's job dir is left alone");
        drop(other);
        drop(job);
        let dir = live.dir.clone();
        drop(live);
        assert!(!dir.exists(), "a worker removes its own dir when it stops");
    }
}
