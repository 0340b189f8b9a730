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

use crate::source_scan;

use source_scan::{code_of, outside_inline_modules, paths_after};

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
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == "snapshots")
            {
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
    // Beside a lib.rs, main.rs is the root of another crate (the package's program),
    // which reaches the library by its name, never by `crate::`: a node of its own.
    if rel == Path::new("main") && src.join("lib.rs").exists() {
        return "(program main.rs)".to_owned();
    }
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
        let outside = outside_inline_modules(&code);
        for path in paths_after(&outside, "super::") {
            // `super::super::a` climbs once more per `super`.
            let ups = path.iter().take_while(|s| *s == "super").count();
            let base = &parent[..parent.len().saturating_sub(ups)];
            edges.extend(resolve(&modules, base, &path[ups..]));
        }
        for path in paths_after(&outside, "self::") {
            edges.extend(resolve(&modules, &me_parts, &path));
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
                    let to: Vec<&String> =
                        graph[m].iter().filter(|t| component.contains(t)).collect();
                    format!("  {} → {to:?}", if m.is_empty() { "(root)" } else { m })
                })
                .collect();
            found.push(format!("{}:\n{}", package.display(), detail.join("\n")));
        }
    }
    assert!(checked > 50, "checked only {checked} modules");
    assert!(found.is_empty(), "module loops:\n{}", found.join("\n"));
}

#[test]
fn the_loop_finder_finds_loops() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\n").unwrap();
    std::fs::write(
        src.join("a.rs"),
        "use crate::b::B;\n// use crate::c; in a comment\n",
    )
    .unwrap();
    std::fs::write(
        src.join("b.rs"),
        "pub struct B;\nfn f() { let _ = \"crate::c::x\"; crate::a::g(); }\n",
    )
    .unwrap();
    std::fs::write(src.join("c.rs"), "use crate::{a, b::{B}};\n").unwrap();
    let graph = import_graph(src);
    assert_eq!(graph["a"], BTreeSet::from(["b".to_owned()]));
    assert_eq!(graph["b"], BTreeSet::from(["a".to_owned()]));
    assert_eq!(graph["c"], BTreeSet::from(["a".to_owned(), "b".to_owned()]));
    assert_eq!(loops(&graph), vec![vec!["a".to_owned(), "b".to_owned()]]);
    // A child that names its parent, whose file re-exports from the child, is a loop too.
    std::fs::create_dir(src.join("d")).unwrap();
    std::fs::write(
        src.join("d/mod.rs"),
        "mod e;\npub use e::E;\npub struct D;\n",
    )
    .unwrap();
    std::fs::write(src.join("d/e.rs"), "use super::D;\npub struct E;\n").unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\nmod d;\n").unwrap();
    let graph = import_graph(src);
    assert_eq!(graph["d"], BTreeSet::from(["d::e".to_owned()]));
    assert_eq!(graph["d::e"], BTreeSet::from(["d".to_owned()]));
    assert_eq!(loops(&graph).len(), 2);
    // What must not hide an import: a block comment or raw string with a quote in it, a
    // char literal brace; `self::` and `super::super::` paths are followed.
    std::fs::create_dir(src.join("d/f")).unwrap();
    std::fs::write(
        src.join("d/f/mod.rs"),
        "/* \" */ const S: &str = r\"C:\\\"; const B: char = '{';\nmod g;\npub use self::g::G;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("d/f/g.rs"),
        "use super::super::f::B as _;\npub struct G;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("d/mod.rs"),
        "mod e;\nmod f;\npub use e::E;\npub struct D;\n",
    )
    .unwrap();
    let graph = import_graph(src);
    assert_eq!(graph["d::f"], BTreeSet::from(["d::f::g".to_owned()]));
    assert_eq!(graph["d::f::g"], BTreeSet::from(["d::f".to_owned()]));
    // A program's main.rs beside lib.rs is its own root, not the library's.
    std::fs::write(src.join("main.rs"), "fn main() {}\n").unwrap();
    let graph = import_graph(src);
    assert!(graph.contains_key("(program main.rs)"));
    assert_eq!(graph[""], BTreeSet::new(), "lib.rs is read as the root");
}
