//! Reading Rust source as text for `layout.rs`: the code without comments and literals,
//! inline module bodies, and the paths after a prefix (`crate::`, `super::`…).

/// The code of a file without comments (line, doc and block comments) and without the
/// contents of string, raw string and char literals, so that a path in prose or in a
/// message is not an import, and a `'{'` does not count as a brace.
pub fn code_of(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // Keeps the line structure of what is skipped.
    let blank = |out: &mut String, skipped: &[char]| {
        for ch in skipped {
            out.push(if *ch == '\n' { '\n' } else { ' ' });
        }
    };
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        if rest.starts_with(&['/', '/']) {
            let end = rest.iter().position(|ch| *ch == '\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(&['/', '*']) {
            // Block comments nest in Rust.
            let (mut depth, mut k) = (0usize, 0);
            while k < rest.len() {
                if rest[k..].starts_with(&['/', '*']) {
                    depth += 1;
                    k += 2;
                } else if rest[k..].starts_with(&['*', '/']) {
                    depth -= 1;
                    k += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    k += 1;
                }
            }
            blank(&mut out, &rest[..k]);
            i += k;
        } else if let Some(len) = raw_string_len(rest) {
            blank(&mut out, &rest[..len]);
            i += len;
        } else if rest[0] == '"' {
            let mut k = 1;
            while k < rest.len() && rest[k] != '"' {
                k += if rest[k] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, &rest[..(k + 1).min(rest.len())]);
            i += k + 1;
        } else if rest[0] == '\'' {
            // A char literal ('x', '\n', '\u{1b}'), or a lifetime ('a).
            let len = if rest.get(1) == Some(&'\\') {
                rest.iter()
                    .skip(2)
                    .position(|ch| *ch == '\'')
                    .map(|p| p + 3)
            } else if rest.get(2) == Some(&'\'') {
                Some(3)
            } else {
                None
            };
            match len {
                Some(len) => {
                    blank(&mut out, &rest[..len.min(rest.len())]);
                    i += len;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
    out
}

/// The length of a raw string literal (`r"…"`, `r#"…"#`, `br"…"`) at the start of `c`.
fn raw_string_len(c: &[char]) -> Option<usize> {
    let start = match c {
        ['b', 'r', ..] => 2,
        ['r', ..] => 1,
        _ => return None,
    };
    let hashes = c[start..].iter().take_while(|ch| **ch == '#').count();
    if c.get(start + hashes) != Some(&'"') {
        return None;
    }
    let body = start + hashes + 1;
    let closing: Vec<char> = std::iter::once('"')
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    (body..c.len())
        .find(|k| c[*k..].starts_with(&closing))
        .map(|k| k + closing.len())
}

/// The code with the bodies of inline modules (`mod name { … }`) blanked out.
pub fn outside_inline_modules(code: &str) -> String {
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
pub fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
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
