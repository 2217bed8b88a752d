//! The teacher's token file, `<db>.teacher-token`: readable by its owner only (mode 0600), it
//! keeps the token across restarts, so last lesson's student links (derived from it) still
//! work, and the CLI on the teacher's machine reads it instead of asking for `--token`.
//!
//! It always holds the token the server on that database accepts: a token given with
//! `--teacher-token` / `ORCHESTRATOR_TEACHER_TOKEN` replaces the file's, and is kept for the
//! next start.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing::warn;

use crate::api::Access;

/// Where the teacher token a server accepts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `--teacher-token` or `ORCHESTRATOR_TEACHER_TOKEN` (now also in the file).
    Given,
    /// The token file of an earlier start.
    File,
    /// Generated now (and written to the file).
    Generated,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("cannot read the teacher token file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the teacher token file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot generate a teacher token: {0}")]
    Generate(#[source] getrandom::Error),
}

/// The teacher token to serve with: `given`, else the one in the file at `path`, else a new
/// random one; the file is left holding it, readable by this user only. Call only while
/// holding the database lock (no other server writes the file meanwhile).
pub fn load_or_create_token(
    path: &Path,
    given: Option<&str>,
) -> Result<(String, TokenSource), TokenFileError> {
    let stored = read_token_file(path).map_err(|source| TokenFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let write_err = |source| TokenFileError::Write {
        path: path.to_owned(),
        source,
    };
    match (given, stored) {
        (Some(given), Some(stored)) if given == stored => {
            keep_private(path).map_err(write_err)?;
            Ok((stored, TokenSource::Given))
        }
        (Some(given), _) => {
            write_private(path, given).map_err(write_err)?;
            Ok((given.to_owned(), TokenSource::Given))
        }
        (None, Some(stored)) => {
            keep_private(path).map_err(write_err)?;
            Ok((stored, TokenSource::File))
        }
        (None, None) => {
            let token = Access::generate_token().map_err(TokenFileError::Generate)?;
            write_private(path, &token).map_err(write_err)?;
            Ok((token, TokenSource::Generated))
        }
    }
}

/// The token in the file at `path`; `None` when there is no file or it is empty.
pub fn read_token_file(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `token` to `path` through a temporary file created with mode 0600 and renamed over
/// it, so the file is never readable by others nor half written.
fn write_private(path: &Path, token: &str) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    let temporary = PathBuf::from(temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    // A leftover temporary file keeps the mode it was created with: set it again.
    restrict(&temporary)?;
    file.write_all(format!("{token}\n").as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// Takes group and other access away from an existing token file (copied, or made by hand).
fn keep_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            warn!(
                file = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the teacher token file was readable by others; made it private (0600)"
            );
            restrict(path)?;
        }
    }
    Ok(())
}

fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_generated_token_is_written_for_this_user_only_and_reused_next_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db.teacher-token");

        let (first, source) = load_or_create_token(&path, None).unwrap();
        assert_eq!(source, TokenSource::Generated);
        assert_eq!(first.len(), 32);
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);

        let (again, source) = load_or_create_token(&path, None).unwrap();
        assert_eq!(
            (again.as_str(), source),
            (first.as_str(), TokenSource::File)
        );
        assert_eq!(read_token_file(&path).unwrap(), Some(first));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["fleet.db.teacher-token"], "no temporary file left");
    }

    #[test]
    fn a_given_token_overrides_the_file_and_is_kept_for_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        load_or_create_token(&path, None).unwrap();

        let (token, source) = load_or_create_token(&path, Some("from-the-flag")).unwrap();
        assert_eq!(
            (token.as_str(), source),
            ("from-the-flag", TokenSource::Given)
        );
        let (next, source) = load_or_create_token(&path, None).unwrap();
        assert_eq!(
            (next.as_str(), source),
            ("from-the-flag", TokenSource::File)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_token_file_readable_by_others_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, "copied-token\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

        let (token, _) = load_or_create_token(&path, None).unwrap();
        assert_eq!(token, "copied-token");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn an_empty_token_file_gets_a_new_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, "\n").unwrap();
        assert_eq!(read_token_file(&path).unwrap(), None);
        let (token, source) = load_or_create_token(&path, None).unwrap();
        assert_eq!(source, TokenSource::Generated);
        assert_eq!(read_token_file(&path).unwrap(), Some(token));
    }

    #[test]
    fn no_token_file_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_token_file(&dir.path().join("missing")).unwrap(), None);
    }
}
