//! The API-surface snapshot of a generated client module (`xtask/tests/snapshots/surface__*`):
//! types, fields, wire names, methods, result types; a reviewable summary of what a spec
//! change does to the generated code. `tests/surface.rs` asserts it, `spec update` writes it.

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

/// A summary of one generated module's public API: its types (fields and wire names,
/// variants), the `Client`'s methods and the result type of each operation's `send()`.
/// Panics when `code` is not Rust (generated code always is).
pub fn surface(code: &str) -> String {
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
