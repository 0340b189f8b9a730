//! insta snapshots of the public API surface of every generated client module.
//!
//! `cargo xtask codegen --check` compares the generated files byte for byte; these
//! snapshots show the same change as a reviewable summary (types, fields, wire names,
//! methods, result types). After changing a spec: `cargo insta review`.
//! In CI (`CI=true`) insta never writes snapshots, so a mismatch fails the test.

use std::path::Path;

use quote::ToTokens;
use syn::{Fields, ImplItem, Item, Visibility};

fn tokens(t: impl ToTokens) -> String {
    let s = t.to_token_stream().to_string();
    s.replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace(",>", ">")
        .replace(" : ", ": ")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
        .replace("' a", "'a")
}

fn is_pub(v: &Visibility) -> bool {
    matches!(v, Visibility::Public(_))
}

/// The value of `#[serde(rename = "…")]` on an item, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let mut rename = None;
            let _ = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    rename = Some(meta.value()?.parse::<syn::LitStr>()?.value());
                } else if meta.input.peek(syn::Token![=]) {
                    let _ = meta.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            });
            rename
        })
}

fn describe_types(items: &[Item], out: &mut String) {
    for item in items {
        match item {
            Item::Struct(s) if is_pub(&s.vis) => {
                out.push_str(&format!("struct {}\n", s.ident));
                if let Fields::Named(fields) = &s.fields {
                    for f in &fields.named {
                        let name = f.ident.as_ref().unwrap().to_string();
                        let wire = serde_rename(&f.attrs).unwrap_or_else(|| name.clone());
                        out.push_str(&format!("    {name}: {} (wire `{wire}`)\n", tokens(&f.ty)));
                    }
                }
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                out.push_str(&format!("enum {}\n", e.ident));
                for v in &e.variants {
                    let wire = serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string());
                    out.push_str(&format!("    {} = `{wire}`\n", v.ident));
                }
            }
            _ => {}
        }
    }
}

fn describe_impls(items: &[Item], self_ty: &str, out: &mut String) {
    for item in items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || !tokens(&imp.self_ty).starts_with(self_ty) {
            continue;
        }
        for it in &imp.items {
            if let ImplItem::Fn(f) = it
                && is_pub(&f.vis)
            {
                out.push_str(&format!(
                    "    fn {}({}) -> {}\n",
                    f.sig.ident,
                    f.sig
                        .inputs
                        .iter()
                        .map(tokens)
                        .collect::<Vec<_>>()
                        .join(", "),
                    match &f.sig.output {
                        syn::ReturnType::Default => "()".to_owned(),
                        syn::ReturnType::Type(_, t) => tokens(t),
                    }
                ));
            }
        }
    }
}

/// A summary of one generated module's public API.
fn surface(code: &str) -> String {
    let file = syn::parse_file(code).expect("generated code parses");
    let mut out = String::from("# types\n");
    for item in &file.items {
        if let Item::Mod(m) = item
            && m.ident == "types"
        {
            describe_types(&m.content.as_ref().unwrap().1, &mut out);
        }
    }
    out.push_str("\n# Client\n");
    describe_impls(&file.items, "Client", &mut out);
    out.push_str("\n# send() of each operation\n");
    for item in &file.items {
        if let Item::Mod(m) = item
            && m.ident == "builder"
        {
            for inner in &m.content.as_ref().unwrap().1 {
                if let Item::Struct(s) = inner {
                    let mut methods = String::new();
                    describe_impls(
                        &m.content.as_ref().unwrap().1,
                        &s.ident.to_string(),
                        &mut methods,
                    );
                    out.push_str(&format!("{}\n", s.ident));
                    for line in methods.lines().filter(|l| l.contains("fn send(")) {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
        }
    }
    out
}

#[test]
fn generated_api_surface() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let files = xtask::codegen::render_all(root).expect("specs are valid");
    let mut modules = 0;
    for (path, code) in &files {
        // The crate roots, the effective specs (JSON) written beside the crates, and the
        // operation table (its API is in the runtime's public-API snapshot).
        if path.ends_with("lib.rs")
            || path.ends_with("operation_table.rs")
            || path.extension().is_none_or(|e| e != "rs")
        {
            continue;
        }
        modules += 1;
        // e.g. "nox-auth-v2__supplier"
        let krate = path
            .components()
            .nth(1)
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = path.file_stem().unwrap().to_string_lossy();
        insta::assert_snapshot!(format!("{krate}__{module}"), surface(code));
    }
    let manifest = xtask::codegen::Manifest::load(root).unwrap();
    let clients: usize = manifest.crates.iter().map(|k| k.clients.len()).sum();
    assert_eq!(
        modules, clients,
        "one snapshot per client module of specs/codegen.toml"
    );
}
