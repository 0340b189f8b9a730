//! NOX's example answers, as the effective spec carries them, decode into the generated
//! types: the spec is reconstructed from these examples (specs/README.md, decision 23), so a
//! type that cannot read them is a wrong spec. And what the spec leaves open stays open: a
//! device with nothing but its `device_id`, fields NOX may add, null where NOX may send it.

use nox_package_v1::devices::types::{
    HeatPumpDevicePage, HttpValidationError, ManufacturerDevicePage, PvDevicePage,
    ValidationErrorLocItem,
};
use serde_json::{Value, json};

const SPEC: &str = include_str!("../../nox-contract/specs/openapi-package-devices.json");

fn example(path: &str, status: &str) -> Value {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let response = &spec["paths"][path]["get"]["responses"][status];
    let response = match response["$ref"].as_str() {
        Some(r) => &spec["components"]["responses"][r.rsplit('/').next().unwrap()],
        None => response,
    };
    response["content"]["application/json"]["example"].clone()
}

#[test]
fn heat_pumps() {
    let page: HeatPumpDevicePage = serde_json::from_value(example("/v1/devices", "200")).unwrap();
    assert_eq!(page.data.len(), 2);
    let first = &page.data[0];
    assert_eq!(first.device_id, "01a5c222-5b76-4531-b587-5deeb81a3db3");
    assert_eq!(first.needs_reauthentication, Some(false));
    let status = first.steerable_status.as_ref().unwrap();
    assert_eq!(
        status.dhw.as_ref().unwrap().can_activate_action,
        Some(true),
        "`DHW` upper case"
    );
    assert_eq!(
        page.data[1].country, None,
        "NOX's second device has no country"
    );
    assert!(page.meta.next_token.is_some());
    assert_eq!(page.meta.capacity_unit.as_deref(), Some("kWh"));
}

#[test]
fn pv_inverters() {
    let page: PvDevicePage = serde_json::from_value(example("/v1/devices/pv", "200")).unwrap();
    let brands: Vec<_> = page.data.iter().map(|d| d.brand.as_deref()).collect();
    assert_eq!(
        brands,
        [Some("SMA"), Some("SolarEdge")],
        "brands as NOX spells them"
    );
    assert_eq!(page.data[0].has_production_curtailment, Some(true));
}

#[test]
fn manufacturer_devices() {
    let page: ManufacturerDevicePage =
        serde_json::from_value(example("/v1/manufacturer/devices", "200")).unwrap();
    assert_eq!(page.data[1].device_id, "device_id_456");
    let dhw = page.data[0].dhw.as_ref().unwrap();
    assert_eq!(dhw.temperature_upper_bound, Some(40.0));
    assert_eq!(page.meta.next_token.as_deref(), Some("123556777"));
}

#[test]
fn the_validation_error() {
    let err: HttpValidationError = serde_json::from_value(example("/v1/devices", "422")).unwrap();
    assert_eq!(
        err.detail[0].loc,
        [
            ValidationErrorLocItem::String("query".into()),
            ValidationErrorLocItem::String("limit".into())
        ]
    );
    let with_index: HttpValidationError = serde_json::from_value(
        json!({"detail": [{"loc": ["query", 0], "msg": "m", "type": "t", "input": "x"}]}),
    )
    .unwrap();
    assert_eq!(
        with_index.detail[0].loc[1],
        ValidationErrorLocItem::Integer(0)
    );
}

#[test]
fn a_bare_device_new_fields_and_nulls_decode() {
    let page: HeatPumpDevicePage = serde_json::from_value(json!({
        "data": [
            {"device_id": "d1"},
            {"device_id": "d2", "country": null, "being_steered": true, "steerable_status": {"DHW": {"new": 1}}}
        ],
        "meta": {"next_token": null}
    }))
    .unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.meta.next_token, None, "null ends the paging");
    let last: PvDevicePage = serde_json::from_value(json!({"data": [], "meta": {}})).unwrap();
    assert!(last.data.is_empty() && last.meta.next_token.is_none());
}
