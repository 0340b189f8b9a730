//! Reading the files the xtask is given (specs, patch files, NOX's new file): regular files
//! of a bounded size, checked before they are read. And the mode of a file it writes.

use std::path::Path;

use crate::CodegenError;

/// The largest spec or patch file read (NOX's files are a few hundred KiB).
pub const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// The text of a spec or patch file: a regular file (not a FIFO, a device or a folder, which
/// would block or never end) of at most [`MAX_INPUT`] bytes, checked before it is read.
pub fn read_text(path: &Path) -> Result<String, CodegenError> {
    use std::io::Read as _;
    let refuse = |message: String| {
        CodegenError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, message),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| CodegenError::io(path, e))?;
    if !meta.is_file() {
        return Err(refuse(
            "not a regular file (a folder, a FIFO or a device): give a spec file".to_owned(),
        ));
    }
    let too_big = || refuse(format!("larger than {} MiB: not a spec", MAX_INPUT >> 20));
    if meta.len() > MAX_INPUT {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|e| CodegenError::io(path, e))?;
    let mut text = String::new();
    file.take(MAX_INPUT + 1)
        .read_to_string(&mut text)
        .map_err(|e| CodegenError::io(path, e))?;
    if text.len() as u64 > MAX_INPUT {
        return Err(too_big());
    }
    Ok(text)
}

/// Gives `file` (a temporary file about to replace `path`) the mode of the file at `path`, or
/// 0644 when there is none: a temporary file is
/// 0600, which persisting it would leave on a checked-in file.
pub fn keep_mode(file: &std::fs::File, path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = match std::fs::metadata(path) {
            Ok(meta) => meta.permissions().mode() & 0o7777,
            Err(_) => 0o644,
        };
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, path);
    Ok(())
}
