//! The database lock: an exclusive OS file lock (`File::try_lock`: `flock` on Unix, `LockFileEx`
//! on Windows) on `<db>.lock`, held for the server's whole life. The OS drops it when the
//! process ends however it ends, so a crash never leaves a stale lock behind, only a stale
//! record of who held it, which is read only while someone holds the lock again.
//!
//! The file is never deleted: a server deleting it on exit could let the next two servers
//! lock two different files of the same name. Its content names the holder (pid, addresses,
//! start time) so that a refused second server can say who to stop.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::InstanceFiles;

/// Who holds a database, as its lock file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// The dashboard's address (`http://127.0.0.1:8080`).
    pub http: String,
    /// The broker robots connect to: the embedded one's listen address or the external URL.
    pub broker: String,
    /// When the holder started, in UTC (`2026-12-01 08:31:04 UTC`).
    pub started: String,
}

impl Holder {
    /// This process, started now.
    pub fn this_process(http: String, broker: String) -> Self {
        Self {
            pid: std::process::id(),
            http,
            broker,
            started: chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", held_message(db, holder.as_ref()))]
    Held {
        db: PathBuf,
        /// `None` when the holder has not written its record yet (it is starting).
        holder: Option<Holder>,
    },
    #[error("cannot use the lock file {path} of the database: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn held_message(db: &Path, holder: Option<&Holder>) -> String {
    let who = match holder {
        Some(h) => format!(
            "pid {}, dashboard {}, broker {}, started {}",
            h.pid, h.http, h.broker, h.started
        ),
        None => "it is still starting and has not said who it is yet".to_owned(),
    };
    format!(
        "another orchestrator is already serving the database {} ({who}); stop it first, or give \
         this one another --db. Nothing was changed.",
        db.display()
    )
}

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct DbLock {
    file: File,
    path: PathBuf,
}

impl DbLock {
    /// Takes the lock if the lock file exists, creating nothing; `Ok(None)` when there is no
    /// lock file yet (a new database, or one no server of this version has served).
    pub fn take_existing(files: &InstanceFiles) -> Result<Option<DbLock>, LockError> {
        match OpenOptions::new().read(true).write(true).open(&files.lock) {
            Ok(file) => Self::lock(file, files).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LockError::Io {
                path: files.lock.clone(),
                source,
            }),
        }
    }

    /// Takes the lock, creating the lock file if it is missing. Never truncates: the file may
    /// hold the record of a server that holds the lock.
    pub fn take(files: &InstanceFiles) -> Result<DbLock, LockError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&files.lock)
            .map_err(|source| LockError::Io {
                path: files.lock.clone(),
                source,
            })?;
        Self::lock(file, files)
    }

    fn lock(file: File, files: &InstanceFiles) -> Result<DbLock, LockError> {
        match file.try_lock() {
            Ok(()) => Ok(DbLock {
                file,
                path: files.lock.clone(),
            }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held {
                db: files.db.clone(),
                holder: read_holder(&files.lock),
            }),
            Err(TryLockError::Error(source)) => Err(LockError::Io {
                path: files.lock.clone(),
                source,
            }),
        }
    }

    /// Replaces the lock file's record with `holder`, for a refused second server to name.
    pub fn record(&mut self, holder: &Holder) -> Result<(), LockError> {
        let json = serde_json::to_string(holder).map_err(|e| LockError::Io {
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        let io_err = |source| LockError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.set_len(0).map_err(io_err)?;
        self.file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        self.file
            .write_all(format!("{json}\n").as_bytes())
            .map_err(io_err)?;
        self.file.sync_data().map_err(io_err)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The holder named in a lock file; `None` when it is empty or unreadable (being written).
fn read_holder(path: &Path) -> Option<Holder> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &tempfile::TempDir) -> InstanceFiles {
        InstanceFiles::beside(&dir.path().join("fleet.db"))
    }

    fn holder() -> Holder {
        Holder {
            pid: 4242,
            http: "http://127.0.0.1:8080".into(),
            broker: "0.0.0.0:1883".into(),
            started: "2026-12-01 08:00:00 UTC".into(),
        }
    }

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(&dir);
        let mut first = DbLock::take(&files).unwrap();
        first.record(&holder()).unwrap();

        for second in [
            DbLock::take_existing(&files).map(|_| ()),
            DbLock::take(&files).map(|_| ()),
        ] {
            match second {
                Err(LockError::Held { db, holder: named }) => {
                    assert_eq!(db, files.db);
                    assert_eq!(named, Some(holder()));
                }
                other => panic!("a second lock was not refused: {other:?}"),
            }
        }
        let message = DbLock::take(&files).unwrap_err().to_string();
        for part in [
            "pid 4242",
            "http://127.0.0.1:8080",
            "0.0.0.0:1883",
            "08:00:00 UTC",
        ] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
        assert!(
            message.contains(&files.db.display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn a_refused_lock_leaves_the_holders_record_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(&dir);
        let mut first = DbLock::take(&files).unwrap();
        first.record(&holder()).unwrap();
        let before = std::fs::read(&files.lock).unwrap();

        assert!(DbLock::take(&files).is_err());
        assert!(DbLock::take_existing(&files).is_err());

        assert_eq!(std::fs::read(&files.lock).unwrap(), before);
    }

    #[test]
    fn a_holder_that_has_not_written_its_record_yet_is_still_refused() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(&dir);
        let _first = DbLock::take(&files).unwrap();
        let err = DbLock::take(&files).unwrap_err();
        assert!(
            matches!(err, LockError::Held { holder: None, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("still starting"), "{err}");
    }

    #[test]
    fn the_lock_is_free_again_once_its_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(&dir);
        let mut first = DbLock::take(&files).unwrap();
        first.record(&holder()).unwrap();
        drop(first);

        // The stale record of a server that is gone does not keep the next one out.
        let mut next = DbLock::take_existing(&files)
            .unwrap()
            .expect("the lock file is still there");
        let me = Holder::this_process("http://127.0.0.1:9000".into(), "x".into());
        next.record(&me).unwrap();
        assert_eq!(read_holder(&files.lock), Some(me));
    }

    #[test]
    fn looking_for_an_existing_lock_creates_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(&dir);
        assert!(DbLock::take_existing(&files).unwrap().is_none());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
