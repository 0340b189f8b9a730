//! A patch file without the operations NOX's new file made redundant, its comments and the
//! other operations kept as written: what `spec update` writes (and generates from) instead
//! of applying an operation that would fail (a `remove` of what is gone) or apply twice (an
//! `add` to the end of an enum that has the value already).

use std::path::Path;

use crate::patch::{self, PatchOp};

/// `text` (the patch file `path`, read as `ops`) without the operations numbered `drop`, or
/// `None` when its layout is not one block per operation, each starting `- ` at the start
/// of a line (a comment just above an operation goes with it). The result is read back: it
/// must hold exactly the other operations, with their `why`s.
pub fn without(path: &Path, text: &str, ops: &[PatchOp], drop: &[usize]) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("- ") || lines[i].trim_end() == "-")
        .collect();
    if starts.len() != ops.len() {
        return None;
    }
    // Each block begins at the comment lines right above its `- `.
    let begins: Vec<usize> = starts
        .iter()
        .map(|&s| {
            let mut b = s;
            while b > 0 && lines[b - 1].starts_with('#') {
                b -= 1;
            }
            b
        })
        .collect();
    let mut out = String::new();
    out.extend(lines[..begins[0]].iter().copied());
    for (i, &begin) in begins.iter().enumerate() {
        let end = begins.get(i + 1).copied().unwrap_or(lines.len());
        if !drop.contains(&i) {
            out.extend(lines[begin..end].iter().copied());
        }
    }
    let kept: Vec<&PatchOp> = ops.iter().filter(|o| !drop.contains(&o.index)).collect();
    let read = patch::parse(path, &out).ok()?;
    let same = read.len() == kept.len()
        && read
            .iter()
            .zip(&kept)
            .all(|(a, b)| a.why == b.why && a.op == b.op);
    same.then_some(out)
}
