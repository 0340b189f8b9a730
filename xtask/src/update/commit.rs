//! Writing a set of files all or nothing: every new file is written beside its target first
//! (a temporary file in the same folder), and only when all are written are they renamed
//! over their targets; a rename that fails puts back every file already renamed (its old
//! bytes, or no file where there was none) and removes the folders it made.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::CodegenError;

/// Writes `files` (paths relative to `root`) whose contents differ from the disk, all or none.
/// Returns the files written. On an error the tree is as before, or the error says which
/// file could not be put back.
pub fn write_all(
    root: &Path,
    files: &BTreeMap<PathBuf, String>,
) -> Result<Vec<PathBuf>, CodegenError> {
    write_all_failing_after(root, files, usize::MAX)
}

/// [`write_all`], with the rename after the first `renames` ones failing as a disk would:
/// how the tests prove that a failure halfway leaves the tree as before.
#[doc(hidden)]
pub fn write_all_failing_after(
    root: &Path,
    files: &BTreeMap<PathBuf, String>,
    renames: usize,
) -> Result<Vec<PathBuf>, CodegenError> {
    let mut staged = Vec::new();
    let mut made_dirs = Vec::new();
    for (rel, contents) in files {
        let path = root.join(rel);
        let old = match std::fs::read(&path) {
            Ok(bytes) if bytes == contents.as_bytes() => continue,
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                drop(staged);
                return Err(undo_dirs(CodegenError::io(&path, e), &made_dirs));
            }
        };
        match stage(&path, contents, &mut made_dirs) {
            Ok(tmp) => staged.push((rel.clone(), path, old, tmp)),
            Err(e) => {
                drop(staged);
                return Err(undo_dirs(e, &made_dirs));
            }
        }
    }
    let mut done: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    let mut written = Vec::new();
    let mut pending = staged.into_iter().enumerate();
    while let Some((count, (rel, path, old, tmp))) = pending.next() {
        let result = if count >= renames {
            drop(tmp);
            Err(std::io::Error::other("simulated failure"))
        } else {
            tmp.persist(&path).map(|_| ()).map_err(|e| e.error)
        };
        if let Err(e) = result {
            let mut message = e.to_string();
            for (path, old) in done.iter().rev() {
                if let Err(e) = put_back(path, old.as_deref()) {
                    message.push_str(&format!(
                        "; and {} could not be put back: {e}",
                        path.display()
                    ));
                }
            }
            let error = CodegenError::io(
                &path,
                std::io::Error::other(format!(
                    "{message}; every file written before it was put back, nothing else was written"
                )),
            );
            drop(pending);
            return Err(undo_dirs(error, &made_dirs));
        }
        done.push((path, old));
        written.push(rel);
    }
    Ok(written)
}

/// Writes `contents` into a temporary file beside `path`, making its folder if needed
/// (recorded in `made_dirs`, outermost first).
fn stage(
    path: &Path,
    contents: &str,
    made_dirs: &mut Vec<PathBuf>,
) -> Result<tempfile::NamedTempFile, CodegenError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut missing = Vec::new();
    let mut d = dir;
    while !d.exists() {
        missing.push(d.to_owned());
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    for m in missing.into_iter().rev() {
        std::fs::create_dir(&m).map_err(|e| CodegenError::io(&m, e))?;
        made_dirs.push(m);
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| CodegenError::io(dir, e))?;
    tmp.write_all(contents.as_bytes())
        .and_then(|()| tmp.flush())
        .and_then(|()| crate::input::keep_mode(tmp.as_file(), path))
        .map_err(|e| CodegenError::io(tmp.path(), e))?;
    Ok(tmp)
}

/// Puts a file back as it was: its old bytes, or no file.
fn put_back(path: &Path, old: Option<&[u8]>) -> std::io::Result<()> {
    match old {
        None => std::fs::remove_file(path),
        Some(bytes) => {
            let dir = path.parent().unwrap_or(Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(bytes)?;
            crate::input::keep_mode(tmp.as_file(), path)?;
            tmp.persist(path).map(|_| ()).map_err(|e| e.error)
        }
    }
}

/// Removes the folders this write made (innermost first), and returns `error`.
fn undo_dirs(error: CodegenError, made_dirs: &[PathBuf]) -> CodegenError {
    for dir in made_dirs.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
    error
}
