//! One server per database, and what it keeps beside that database: the lock that makes a
//! second `serve` on the same file refuse (naming the holder) before it changes anything, and
//! the teacher's token file that keeps the token across restarts and lets the CLI find it.
//!
//! For `--db class/fleet.db`: `class/fleet.db.lock` and `class/fleet.db.teacher-token`.

mod lock;
mod token;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use lock::{DbLock, Holder, LockError};
pub use token::{TokenFileError, TokenSource, load_or_create_token, read_token_file};

/// What the lock file's name adds to the database's.
const LOCK_SUFFIX: &str = ".lock";
/// What the teacher token file's name adds to the database's.
const TOKEN_SUFFIX: &str = ".teacher-token";

/// The paths of one database and of the files kept beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceFiles {
    pub db: PathBuf,
    pub lock: PathBuf,
    pub token: PathBuf,
}

/// The folder of a `--db` that cannot hold it.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error(
        "the folder {folder} of the database {db} does not exist: create it first (mkdir -p {folder}) or give another --db"
    )]
    Missing { folder: PathBuf, db: PathBuf },
    #[error("{folder}, the folder of the database {db}, is not a folder")]
    NotAFolder { folder: PathBuf, db: PathBuf },
}

impl InstanceFiles {
    /// The files beside `db`, without touching the disk.
    pub fn beside(db: &Path) -> Self {
        Self {
            db: db.to_owned(),
            lock: with_suffix(db, LOCK_SUFFIX),
            token: with_suffix(db, TOKEN_SUFFIX),
        }
    }

    /// The folder the database lives in (`.` for a bare file name).
    pub fn folder(&self) -> &Path {
        match self.db.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }

    /// Checks that the database's folder exists, so a typo in `--db` gets one error naming the
    /// folder rather than SQLite's "unable to open database file".
    pub fn check_folder(&self) -> Result<(), FolderError> {
        let folder = self.folder().to_owned();
        let db = self.db.clone();
        match std::fs::metadata(&folder) {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(FolderError::NotAFolder { folder, db }),
            Err(_) => Err(FolderError::Missing { folder, db }),
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_and_the_token_live_beside_the_database() {
        let files = InstanceFiles::beside(Path::new("class/fleet.db"));
        assert_eq!(files.lock, Path::new("class/fleet.db.lock"));
        assert_eq!(files.token, Path::new("class/fleet.db.teacher-token"));
        assert_eq!(files.folder(), Path::new("class"));
        assert_eq!(
            InstanceFiles::beside(Path::new("fleet.db")).folder(),
            Path::new(".")
        );
    }

    #[test]
    fn a_database_in_a_missing_folder_is_refused_naming_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-class");
        let files = InstanceFiles::beside(&missing.join("fleet.db"));
        let err = files.check_folder().unwrap_err().to_string();
        assert!(
            err.contains(&format!("the folder {} ", missing.display())),
            "{err}"
        );
        assert!(err.contains("mkdir -p"), "{err}");
        assert!(!missing.exists(), "the check creates nothing");
    }

    #[test]
    fn a_database_whose_folder_is_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, b"").unwrap();
        let files = InstanceFiles::beside(&file.join("fleet.db"));
        assert!(matches!(
            files.check_folder(),
            Err(FolderError::NotAFolder { .. })
        ));
        assert!(
            InstanceFiles::beside(&dir.path().join("fleet.db"))
                .check_folder()
                .is_ok()
        );
    }
}
