//! `nox brands`: the brands NOX offers, per asset type.

use nox_auth::{AssetType, Brand};

use crate::out::{EXIT_OK, outln};

/// `nox brands`
pub(crate) fn brands(asset_type: Option<AssetType>, json: bool) -> u8 {
    let list: Vec<Brand> = match asset_type {
        Some(a) => a.brands(),
        None => Brand::ALL.to_vec(),
    };
    if json {
        let rows: Vec<_> = list
            .iter()
            .map(|b| serde_json::json!({"brand": b.slug(), "asset_types": b.asset_types()}))
            .collect();
        outln!("{}", serde_json::Value::Array(rows));
    } else {
        outln!("{:<16} asset types", "brand");
        for b in &list {
            outln!("{:<16} {}", b.slug(), asset_types(*b));
        }
        outln!(
            "\n{} brands. NOX does not publish this table; see `nox_auth::Brand` for the reasons.",
            list.len()
        );
    }
    EXIT_OK
}

/// The asset types a brand is offered for (`hp, pv`).
pub(crate) fn asset_types(b: Brand) -> String {
    b.asset_types()
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join("+")
}
