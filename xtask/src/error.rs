//! The one error type of the code generator. Every variant names the file it is
//! about and, where there is one, the operation.

use std::path::PathBuf;

/// Why `cargo xtask codegen` could not run. Displayed as one line per problem.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// `specs/codegen.toml` is not valid.
    #[error("{}: {message}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The spec is not valid JSON or YAML.
    #[error("{}: not valid {format}: {message}", path.display())]
    Parse {
        /// The spec file.
        path: PathBuf,
        /// `JSON` or `YAML`.
        format: &'static str,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A patch file is invalid or one of its operations does not apply.
    #[error("{}: {message}", path.display())]
    Patch {
        /// The patch file.
        path: PathBuf,
        /// What is wrong, naming the operation by its index and `why`.
        message: String,
    },
    /// The spec declares an OpenAPI version progenitor cannot generate from.
    #[error(
        "{}: OpenAPI version `{found}` is not supported; progenitor generates from OpenAPI 3.0.x only{hint}",
        path.display()
    )]
    UnsupportedVersion {
        /// The spec file.
        path: PathBuf,
        /// The value of the `openapi` field (or a description of what was there).
        found: String,
        /// Extra advice for 3.1.
        hint: &'static str,
    },
    /// An operation has no `operationId`.
    #[error("{}: operation `{operation}` has no operationId (progenitor names methods after it)", path.display())]
    MissingOperationId {
        /// The spec file.
        path: PathBuf,
        /// `METHOD /path`.
        operation: String,
    },
    /// Two operations share an `operationId`.
    #[error("{}: operationId `{operation_id}` is used by both `{first}` and `{second}`", path.display())]
    DuplicateOperationId {
        /// The spec file.
        path: PathBuf,
        /// The duplicated id.
        operation_id: String,
        /// `METHOD /path` of the first operation.
        first: String,
        /// `METHOD /path` of the second operation.
        second: String,
    },
    /// An operation has more than one distinct typed body on its success or its error side.
    #[error(
        "{}: operation `{operation_id}` ({operation}) has {count} different {side} body schemas (responses {codes}); \
         progenitor supports at most one typed {side} body per operation",
        path.display()
    )]
    MultipleResponseTypes {
        /// The spec file.
        path: PathBuf,
        /// The operationId.
        operation_id: String,
        /// `METHOD /path`.
        operation: String,
        /// `success` or `error`.
        side: &'static str,
        /// How many distinct schemas.
        count: usize,
        /// The response codes involved, comma-separated.
        codes: String,
    },
    /// The document is JSON/YAML but not an OpenAPI 3.0 document.
    #[error("{}: not a valid OpenAPI 3.0 document: {message}", path.display())]
    InvalidDocument {
        /// The spec file.
        path: PathBuf,
        /// The deserializer's message.
        message: String,
    },
    /// progenitor rejected the spec.
    #[error("{}: progenitor could not generate a client: {message}", path.display())]
    Generate {
        /// The spec file.
        path: PathBuf,
        /// progenitor's message (or panic message).
        message: String,
    },
}

impl CodegenError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
