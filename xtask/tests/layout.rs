//! The workspace's layout rules, checked on every hand-written Rust file:
//!
//! - no file is longer than [`MAX_LINES`] lines (generated files are exempt: they start with
//!   the `@generated` header);
//! - inside each crate, no module imports a module that imports it back, directly or
//!   around a longer loop. A module is a file. An import is any path to another module in
//!   code (`use crate::a::B`, `crate::a::f()`, `super::X`, `use child::Y` of a child
//!   module); declaring a child (`mod child;`) is not one. Across crates, Cargo already
//!   refuses a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a hand-written source file may be.
const MAX_LINES: usize = 450;

/// Where the workspace's Rust lives: each entry is a crate's source root (its `src/`) or a
/// folder of test/bench/example targets.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target" || n == "snapshots") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_generated(text: &str) -> bool {
    text.starts_with("// @generated")
}

/// Every package folder of the workspace (`crates/*`, `xtask`, `tests`).
fn packages() -> Vec<PathBuf> {
    let root = workspace();
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    out.push(root.join("xtask"));
    out.push(root.join("tests"));
    out.sort();
    out
}

#[test]
fn no_hand_written_file_is_longer_than_the_limit() {
    let mut files = Vec::new();
    for package in packages() {
        rust_files(&package, &mut files);
    }
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if is_generated(&text) {
            continue;
        }
        let lines = text.lines().count();
        if lines > MAX_LINES {
            long.push(format!(
                "{} ({lines} lines)",
                file.strip_prefix(workspace()).unwrap().display()
            ));
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines: split them by concern:\n{}",
        long.join("\n")
    );
}

/// The module path of a file under `src` (`a/b.rs`, `a/b/mod.rs` → `a::b`; the root → ``).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments (line comments and doc comments) and without the
/// contents of string literals, so that a path in prose or in a message is not an import.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    in_string = false;
                    out.push('"');
                }
                '\n' => out.push('\n'),
                _ => {}
            }
            continue;
        }
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                in_string = true;
                out.push('"');
            }
            // A char literal '"' would open a string: skip simple char literals whole.
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("\"'") || rest.starts_with("\\\"'") {
                    let skip = if rest.starts_with('"') { 2 } else { 3 };
                    for _ in 0..skip {
                        chars.next();
                    }
                }
                out.push('\'');
            }
            c => out.push(c),
        }
    }
    out
}

/// The code with the bodies of inline modules (`mod name { … }`) blanked out.
fn outside_inline_modules(code: &str) -> String {
    let mut out = code.to_owned();
    let mut from = 0;
    while let Some(i) = code[from..].find("mod ") {
        let at = from + i;
        from = at + 4;
        let word_start = at == 0 || !code.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = &code[at + 4..];
        let name_len = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        let after = rest[name_len..].trim_start();
        if !word_start || name_len == 0 || !after.starts_with('{') {
            continue;
        }
        let open = at + 4 + (rest.len() - after.len());
        let mut depth = 0;
        for (j, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        let end = open + j;
                        out.replace_range(open..end, &" ".repeat(end - open));
                        from = end;
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The paths a file names after `prefix` (`crate::`, `super::`, `child::`), each as its
/// segments, with `{a, b::c}` groups expanded.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut start = 0;
    while let Some(i) = code[start..].find(prefix) {
        let at = start + i;
        start = at + prefix.len();
        // A whole word: `xsuper::` or `foo_crate::` is not ours.
        if at > 0 {
            let b = bytes[at - 1];
            if b.is_ascii_alphanumeric() || b == b'_' || b == b':' {
                continue;
            }
        }
        out.extend(expand(&code[start..], Vec::new()));
    }
    out
}

/// Reads `a::b::{c, d::e}` at the start of `rest` into full paths.
fn expand(rest: &str, base: Vec<String>) -> Vec<Vec<String>> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut end = group.len();
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let inner = &group[..end];
        let mut items = Vec::new();
        let (mut depth, mut from) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[from..i]);
                    from = i + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[from..]);
        return items
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .flat_map(|s| expand(s, base.clone()))
            .collect();
    }
    let ident: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        return vec![base];
    }
    let mut path = base;
    path.push(ident.clone());
    match rest[ident.len()..].strip_prefix("::") {
        Some(more) => expand(more, path),
        None => vec![path],
    }
}

/// The deepest known module a path names (`a::b::Item` → `a::b` when `a::b` is a file).
fn resolve(modules: &BTreeSet<String>, base: &[String], path: &[String]) -> Option<String> {
    let mut best = None;
    let mut current: Vec<String> = base.to_vec();
    if modules.contains(&current.join("::")) {
        best = Some(current.join("::"));
    }
    for seg in path {
        current.push(seg.clone());
        let name = current.join("::");
        if modules.contains(&name) {
            best = Some(name);
        } else {
            break;
        }
    }
    best
}

/// The import graph of one crate's `src`: module → the modules it names.
fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if is_generated(&text) {
            continue;
        }
        let code = code_of(&text);
        let me = module_of(src, file);
        let me_parts: Vec<String> = if me.is_empty() {
            Vec::new()
        } else {
            me.split("::").map(str::to_owned).collect()
        };
        let mut edges = BTreeSet::new();
        for path in paths_after(&code, "crate::") {
            edges.extend(resolve(&modules, &[], &path));
        }
        let parent = &me_parts[..me_parts.len().saturating_sub(1)];
        // `super::` inside an inline module (`mod tests { use super::*; }`) names this
        // file's own module, not the parent.
        for path in paths_after(&outside_inline_modules(&code), "super::") {
            edges.extend(resolve(&modules, parent, &path));
        }
        // Children named by a bare path (`use child::X`, `child::f()`).
        for child in modules.iter().filter(|m| {
            let parts: Vec<&str> = m.split("::").collect();
            parts.len() == me_parts.len() + 1 && parts[..me_parts.len()] == me_parts[..]
        }) {
            let name = child.rsplit("::").next().unwrap();
            for path in paths_after(&code, &format!("{name}::")) {
                let mut full = vec![name.to_owned()];
                full.extend(path);
                edges.extend(resolve(&modules, &me_parts, &full));
            }
        }
        edges.remove(&me);
        graph.insert(me, edges);
    }
    graph
}

/// The loops of a graph: each strongly connected component of more than one module.
fn loops(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for next in graph.get(&n).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|k| (k, reach(k))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for a in graph.keys() {
        if done.contains(a) {
            continue;
        }
        let component: Vec<String> = graph
            .keys()
            .filter(|b| *b == a || (reachable[a].contains(*b) && reachable[*b].contains(a)))
            .cloned()
            .collect();
        if component.len() > 1 {
            out.push(component.clone());
        }
        done.extend(component);
    }
    out
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let mut found = Vec::new();
    let mut checked = 0;
    for package in packages() {
        let src = package.join("src");
        if !src.exists() {
            continue;
        }
        let graph = import_graph(&src);
        checked += graph.len();
        for component in loops(&graph) {
            let detail: Vec<String> = component
                .iter()
                .map(|m| {
                    let to: Vec<&String> = graph[m]
                        .iter()
                        .filter(|t| component.contains(t))
                        .collect();
                    format!("  {} → {to:?}", if m.is_empty() { "(root)" } else { m })
                })
                .collect();
            found.push(format!("{}:\n{}", package.display(), detail.join("\n")));
        }
    }
    assert!(checked > 50, "checked only {checked} modules");
    assert!(
        found.is_empty(),
        "module loops:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_loop_finder_finds_loops() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::B;\n// use crate::c; in a comment\n").unwrap();
    std::fs::write(
        src.join("b.rs"),
        "pub struct B;\nfn f() { let _ = \"crate::c::x\"; crate::a::g(); }\n",
    )
    .unwrap();
    std::fs::write(src.join("c.rs"), "use crate::{a, b::{B}};\n").unwrap();
    let graph = import_graph(src);
    assert_eq!(graph["a"], BTreeSet::from(["b".to_owned()]));
    assert_eq!(graph["b"], BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        graph["c"],
        BTreeSet::from(["a".to_owned(), "b".to_owned()])
    );
    assert_eq!(loops(&graph), vec![vec!["a".to_owned(), "b".to_owned()]]);
    // A child that names its parent, whose file re-exports from the child, is a loop too.
    std::fs::create_dir(src.join("d")).unwrap();
    std::fs::write(src.join("d/mod.rs"), "mod e;\npub use e::E;\npub struct D;\n").unwrap();
    std::fs::write(src.join("d/e.rs"), "use super::D;\npub struct E;\n").unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\nmod d;\n").unwrap();
    let graph = import_graph(src);
    assert_eq!(graph["d"], BTreeSet::from(["d::e".to_owned()]));
    assert_eq!(graph["d::e"], BTreeSet::from(["d".to_owned()]));
    assert_eq!(loops(&graph).len(), 2);
}
