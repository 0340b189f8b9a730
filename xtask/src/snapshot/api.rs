//! The public-API snapshot of a hand-written crate (`xtask/tests/snapshots/public_api__*`),
//! read from the sources with syn (stable toolchain; rustdoc's JSON needs nightly): every
//! `pub` item with its signature, the fields and variants of public types, the methods of
//! their impls, and the `cfg`/`non_exhaustive` attributes that shape them.
//! `tests/public_api.rs` asserts it; `spec update` computes it with the regenerated files
//! (the operation table is in `nox-auth-runtime`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quote::ToTokens;

fn tokens(t: impl ToTokens) -> String {
    let s = t.to_token_stream().to_string();
    s.replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
        .replace("< ", "<")
        .replace(" ,", ",")
        .replace("& ", "&")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace("' a", "'a")
        .replace("# [", "#[")
        .replace(" ]", "]")
        .replace("[ ", "[")
        .replace(" !", "!")
}

fn is_pub(v: &syn::Visibility) -> bool {
    matches!(v, syn::Visibility::Public(_))
}

/// The attributes that shape the API: `cfg`, `non_exhaustive`, `deprecated`.
fn shaping(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| {
            ["cfg", "non_exhaustive", "deprecated"]
                .iter()
                .any(|n| a.path().is_ident(n))
        })
        .map(|a| {
            if a.path().is_ident("deprecated") {
                "#[deprecated] ".to_owned()
            } else {
                format!("{} ", tokens(a))
            }
        })
        .collect()
}

fn signature(sig: &syn::Signature) -> String {
    let mut sig = sig.clone();
    for input in sig.inputs.iter_mut() {
        if let syn::FnArg::Typed(t) = input {
            t.attrs.clear();
        }
    }
    tokens(&sig)
}

fn describe(items: &[syn::Item], out: &mut Vec<String>) {
    for item in items {
        match item {
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                out.push(format!(
                    "{}pub struct {}{}",
                    shaping(&s.attrs),
                    s.ident,
                    tokens(&s.generics)
                ));
                for f in s.fields.iter().filter(|f| is_pub(&f.vis)) {
                    let name = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                    out.push(format!(
                        "    {}{name}: {}",
                        shaping(&f.attrs),
                        tokens(&f.ty)
                    ));
                }
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                out.push(format!(
                    "{}pub enum {}{}",
                    shaping(&e.attrs),
                    e.ident,
                    tokens(&e.generics)
                ));
                for v in &e.variants {
                    let fields = match &v.fields {
                        syn::Fields::Unit => String::new(),
                        fields => {
                            let mut f = fields.clone();
                            for field in f.iter_mut() {
                                field.attrs.clear();
                            }
                            tokens(&f)
                        }
                    };
                    out.push(format!("    {}{}", v.ident, fields));
                }
            }
            syn::Item::Fn(f) if is_pub(&f.vis) => {
                out.push(format!("{}{}", shaping(&f.attrs), signature(&f.sig)));
            }
            syn::Item::Const(c) if is_pub(&c.vis) => {
                out.push(format!("pub const {}: {}", c.ident, tokens(&c.ty)));
            }
            syn::Item::Static(c) if is_pub(&c.vis) => {
                out.push(format!("pub static {}: {}", c.ident, tokens(&c.ty)));
            }
            syn::Item::Type(t) if is_pub(&t.vis) => {
                out.push(format!("pub type {} = {}", t.ident, tokens(&t.ty)));
            }
            syn::Item::Trait(t) if is_pub(&t.vis) => {
                out.push(format!("pub trait {}", t.ident));
                for i in &t.items {
                    if let syn::TraitItem::Fn(f) = i {
                        out.push(format!("    {}", signature(&f.sig)));
                    }
                }
            }
            syn::Item::Use(u) if is_pub(&u.vis) => {
                out.push(format!(
                    "{}pub use {}",
                    shaping(&u.attrs),
                    tokens(&u.tree).replace(' ', "")
                ));
            }
            syn::Item::Mod(m) if is_pub(&m.vis) => {
                out.push(format!("pub mod {}", m.ident));
            }
            syn::Item::Impl(i) => {
                let methods: Vec<String> = i
                    .items
                    .iter()
                    .filter_map(|it| match it {
                        syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                            Some(format!("    {}{}", shaping(&f.attrs), signature(&f.sig)))
                        }
                        syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                            Some(format!("    pub const {}: {}", c.ident, tokens(&c.ty)))
                        }
                        _ => None,
                    })
                    .collect();
                let trait_impl = i.trait_.as_ref().map(|(p, _)| tokens(p));
                if methods.is_empty() && trait_impl.is_none() {
                    continue;
                }
                let head = match &trait_impl {
                    Some(t) => format!("impl {t} for {}", tokens(&i.self_ty)),
                    None => format!("impl {}", tokens(&i.self_ty)),
                };
                out.push(format!("{}{head}", shaping(&i.attrs)));
                out.extend(methods);
            }
            _ => {}
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("main.rs") {
            out.push(p);
        }
    }
}

/// The public-API snapshot of the hand-written crate `krate` under `root/crates/`, with the
/// files of `overlay` (paths relative to `root`) read instead of those on disk: what the
/// snapshot would say once they are written. Fails naming a file that is not Rust.
pub fn public_api(
    root: &Path,
    krate: &str,
    overlay: &BTreeMap<PathBuf, String>,
) -> Result<String, String> {
    let src = root.join("crates").join(krate).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut text = String::new();
    for file in files {
        let rel_to_root = file.strip_prefix(root).unwrap_or(&file).to_owned();
        let code = match overlay.get(&rel_to_root) {
            Some(code) => code.clone(),
            None => std::fs::read_to_string(&file).unwrap_or_default(),
        };
        let parsed = syn::parse_file(&code).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut out = Vec::new();
        describe(&parsed.items, &mut out);
        if out.is_empty() {
            continue;
        }
        let rel = file
            .strip_prefix(&src)
            .unwrap_or(&file)
            .display()
            .to_string()
            .replace('\\', "/");
        text.push_str(&format!("## {rel}\n"));
        for line in out {
            text.push_str(&line);
            text.push('\n');
        }
    }
    Ok(text)
}
