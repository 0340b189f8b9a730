//! `cargo xtask …`: see `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Automation for the NOX client workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the client crates from the OpenAPI specs in specs/.
    ///
    /// For every client listed in specs/codegen.toml: read the spec (JSON or YAML),
    /// apply `<spec>.patch.yaml` if there is one, check it (OpenAPI 3.0.x, a unique
    /// operationId on every operation, at most one typed success and one typed error
    /// body per operation), generate the client with progenitor, format it with
    /// prettyplease and write crates/<crate>/src/<module>.rs plus the crate's lib.rs.
    ///
    /// Nothing is written unless every spec passes. With --check, nothing is written
    /// at all: the command prints a unified diff for every stale file and exits 1.
    ///
    /// Examples:
    ///   cargo xtask codegen           # after editing or replacing a spec
    ///   cargo xtask codegen --check   # in CI: fail if the checked-in output is stale
    #[command(verbatim_doc_comment)]
    Codegen {
        /// Do not write; exit 1 with a diff if the generated files are out of date.
        #[arg(long)]
        check: bool,
        /// The workspace root (defaults to the root this xtask was built in).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Print the effective spec (patch applied, nullable enums in the one form every tool
    /// reads, checks passed) as JSON.
    ///
    /// This is what linters, Prism and validators judge:
    /// `cargo xtask spec specs/v2/openapi-supplier-auth-v2.json`. With --client, print
    /// what progenitor reads instead: the effective spec with the generator rules applied
    /// (response enums open, any 2xx a success, error codes of unknown shape left to the
    /// raw response; specs/README.md, "Rules").
    ///
    /// `cargo xtask spec diff` and `cargo xtask spec update` compare and replace specs: see
    /// their --help.
    #[command(
        verbatim_doc_comment,
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Spec {
        /// The spec file.
        #[arg(required = true)]
        path: Option<PathBuf>,
        /// Print the generator's view (rules applied) instead of the effective spec.
        #[arg(long)]
        client: bool,
        #[command(subcommand)]
        action: Option<SpecAction>,
    },
}

#[derive(Subcommand)]
enum SpecAction {
    /// Every change from OLD to NEW, classified for our clients, each with its reason.
    ///
    /// Breaking for callers (code that uses the regenerated crate must change, or a request
    /// that was valid is refused: an operation, path, parameter or field gone or renamed, a
    /// value callers must now send, a request enum narrowed or widened (the generated enums
    /// are exhaustive), a tighter bound on a request (maxLength, maximum, pattern,
    /// additionalProperties: false, ...), a credential now required or changed, a type
    /// changed), breaking for the generated client (the released client cannot read NOX's
    /// answers: a required response field removed, made optional or nullable, a response
    /// type changed, the success status gone, a looser bound its generated type checks when
    /// it decodes), or safe because of how we generate (a new response enum value: open
    /// enums; a new optional field; a new operation; a looser request bound; a 201 that
    /// became a 200: any 2xx is a success). The kinds are the list the contract check's
    /// findings use.
    ///
    /// A file that is not a self-contained OpenAPI 3.0 document (no info or paths, a $ref
    /// to nothing or to another file, $refs that loop) is bad input.
    ///
    /// OLD is a spec of specs/codegen.toml (its file stem, its path or crate/module, e.g.
    /// `openapi-supplier-auth-v2`) or any file. For a spec of the manifest, both sides get
    /// its patch file and the report says which patch operations the new file made
    /// redundant or stale. Otherwise each file is read with the patch file next to it.
    ///
    /// Exit status: 0 nothing breaks, 4 something breaks, 2 bad input.
    ///
    /// Examples:
    ///   cargo xtask spec diff openapi-supplier-auth-v2 ~/Downloads/openapi-supplier-auth-v2.json
    ///   cargo xtask spec diff old.yaml new.yaml --json
    #[command(verbatim_doc_comment)]
    Diff {
        /// The old spec: a name from specs/codegen.toml, or a file.
        old: String,
        /// The new spec file (JSON or YAML).
        new: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// The workspace root (defaults to the root this xtask was built in).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Replace a checked-in spec with NOX's new file, regenerate, and say what to release.
    ///
    /// In order: the spec's patch file is applied to NEWFILE operation by operation, each
    /// reported as applied, redundant (NOX's file already says it: delete the operation) or
    /// stale (its target is gone: the update stops, nothing is written); every change is
    /// classified as `spec diff` does; the generated crates, the effective specs and the
    /// operation table are generated in memory; the API snapshots (xtask/tests/snapshots/:
    /// the generated crate's surface, the hand-written crates' public API, what the nox-auth
    /// facade re-exports) are compared; the CHANGELOG's versioning policy gives the bump and a
    /// CHANGELOG entry to paste is printed.
    ///
    /// Then the spec, the generated files and the snapshots are written all at once, or none
    /// is: a failure at any step leaves the tree as it was.
    ///
    /// Exit status: 0 updated (or, with --dry-run, would be), 1 stopped (a stale patch
    /// operation, codegen refuses the new file, a write failed; nothing written), 2 bad input.
    ///
    /// Examples:
    ///   cargo xtask spec update openapi-supplier-auth-v2 ~/Downloads/openapi-supplier-auth-v2.json --dry-run
    ///   cargo xtask spec update nox-auth-v2/supplier new.yaml
    #[command(verbatim_doc_comment)]
    Update {
        /// The spec: its file stem, its path or crate/module (from specs/codegen.toml).
        name: String,
        /// NOX's new file (JSON or YAML; converted to the spec's format if they differ).
        newfile: PathBuf,
        /// Report everything, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The workspace root (defaults to the root this xtask was built in).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
}

fn default_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in a subfolder of the workspace")
        .to_owned()
}

fn report(errors: &[xtask::CodegenError]) -> ExitCode {
    for e in errors {
        eprintln!("error: {e}");
    }
    eprintln!(
        "codegen failed: {} problem(s); nothing was written",
        errors.len()
    );
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen { check, root } => {
            let root = root.unwrap_or_else(default_root);
            if check {
                match xtask::codegen::check(&root) {
                    Err(errors) => report(&errors),
                    Ok(stale) if stale.is_empty() => {
                        println!("generated code is up to date");
                        ExitCode::SUCCESS
                    }
                    Ok(stale) => {
                        for s in &stale {
                            println!("{}", s.diff);
                        }
                        for s in &stale {
                            eprintln!("stale: {}", s.path.display());
                        }
                        eprintln!(
                            "{} generated file(s) are out of date with specs/; run `cargo xtask codegen` and commit the result",
                            stale.len()
                        );
                        ExitCode::FAILURE
                    }
                }
            } else {
                match xtask::codegen::write(&root) {
                    Err(errors) => report(&errors),
                    Ok(written) => {
                        for p in &written {
                            println!("wrote {}", p.display());
                        }
                        println!("{} file(s) written, the rest unchanged", written.len());
                        ExitCode::SUCCESS
                    }
                }
            }
        }
        Command::Spec {
            action: Some(action),
            ..
        } => run_spec_action(action),
        Command::Spec { path: None, .. } => unreachable!("clap requires a path without an action"),
        Command::Spec {
            path: Some(path),
            client,
            ..
        } => match xtask::spec::load(&path) {
            Ok(spec) => {
                let doc = if client {
                    xtask::rules::client_view(&spec.json)
                } else {
                    spec.json
                };
                println!(
                    "{}",
                    serde_json::to_string_pretty(&doc).expect("JSON values serialize")
                );
                ExitCode::SUCCESS
            }
            Err(e) => report(&[e]),
        },
    }
}

/// Runs `f`; a panic (of the generator, on a document it does not expect) is bad input with
/// its message, not a crash: `spec update` writes nothing before its last step, so the tree is
/// as it was.
fn unpanicked<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        Err(format!("the generator failed on this document: {message}"))
    })
}

fn run_spec_action(action: SpecAction) -> ExitCode {
    match action {
        SpecAction::Diff {
            old,
            new,
            json,
            root,
        } => {
            let root = root.unwrap_or_else(default_root);
            let run = unpanicked(|| xtask::diff::run(&root, &old, &new).map_err(|e| e.to_string()));
            match run {
                Ok(report) => {
                    let text = if json {
                        report.json() + "\n"
                    } else {
                        report.text()
                    };
                    // A closed pipe (`| head`) is not an error of the diff.
                    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
                    ExitCode::from(report.exit_status())
                }
                Err(e) => {
                    eprintln!("error: {}", xtask::diff::report::escape(&e));
                    ExitCode::from(xtask::diff::report::EXIT_BAD_INPUT)
                }
            }
        }
        SpecAction::Update {
            name,
            newfile,
            dry_run,
            root,
        } => {
            let root = root.unwrap_or_else(default_root);
            match unpanicked(|| xtask::update::run(&root, &name, &newfile, dry_run)) {
                Ok(update) => {
                    let _ =
                        std::io::Write::write_all(&mut std::io::stdout(), update.text().as_bytes());
                    ExitCode::from(update.exit_status())
                }
                Err(e) => {
                    eprintln!("error: {}", xtask::diff::report::escape(&e));
                    ExitCode::from(xtask::diff::report::EXIT_BAD_INPUT)
                }
            }
        }
    }
}
