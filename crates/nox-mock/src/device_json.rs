//! What the Package API listings answer: pages shaped as NOX's examples, each device's
//! other fields (model, country, configs) derived from its id so that they vary but stay
//! the same from call to call.

use serde::Serialize;

use crate::device::DeviceKind;
use crate::device_store::Listed;

/// How long after its link a PV inverter reports `learning_period_ended: false`: 14 days
/// (NOX does not say; the reason string is NOX's example's).
pub(crate) const PV_LEARNING_PERIOD_SECS: u64 = 14 * 24 * 3600;

const READY: &str = "Device is ready to receive an action.";
const NOT_STEERABLE: &str = "Device is not steerable at the moment.";
const REAUTHENTICATE: &str = "Device needs to be re-authenticated by the user.";
const PV_LEARNING: &str = "PV connected recently, still collecting data to improve models.";
const PV_READY: &str = "PV is ready to be steered.";

const MODELS: [&str; 8] = [
    "model_a", "model_b", "model_c", "model_d", "model_e", "model_f", "model_g", "model_h",
];
const COUNTRIES: [&str; 4] = ["BE", "NL", "DE", "FR"];

/// The vendor's display casing of a PV brand slug, as `/v1/devices/pv` spells brands
/// (`SMA`, `SolarEdge`); an unknown slug gets each word capitalised.
pub(crate) fn pv_brand(slug: &str) -> String {
    let known = match slug {
        "alpha-ess" => "Alpha ESS",
        "apsystems" => "APsystems",
        "fox-ess" => "FoxESS",
        "goodwe" => "GoodWe",
        "ilumen" => "iLumen",
        "ja-solar" => "JA Solar",
        "jinkosolar" => "JinkoSolar",
        "lg" => "LG",
        "longi" => "LONGi",
        "nibe" => "NIBE",
        "saj" => "SAJ",
        "sma" => "SMA",
        "sofar" => "SOFAR",
        "solaredge" => "SolarEdge",
        "solax" => "SolaX",
        "sunpower" => "SunPower",
        "trinasolar" => "Trina Solar",
        "victron" => "Victron Energy",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// FNV-1a of the device id: the seed of its derived fields.
fn seed(device_id: &str) -> u64 {
    device_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Serialize)]
struct Circuit {
    can_activate_action: bool,
    in_active_action: bool,
    reason: &'static str,
}

#[derive(Serialize)]
struct HeatPumpSteerable {
    steering_enabled: bool,
    steerable: bool,
    #[serde(rename = "DHW")]
    dhw: Circuit,
    room: Circuit,
}

#[derive(Serialize)]
struct Legionella {
    frequency_per_weeks: u8,
    capacity: u8,
    duration_minutes: u8,
}

#[derive(Serialize)]
struct CycleConfig {
    max_cycles_per_day: u8,
}

#[derive(Serialize)]
struct HeatPump<'a> {
    model: &'static str,
    brand: &'a str,
    country: &'static str,
    device_id: &'a str,
    user_id: &'a str,
    device_type: &'static str,
    legionella_config: Legionella,
    cycle_config: CycleConfig,
    steerable_status: HeatPumpSteerable,
    needs_reauthentication: bool,
}

#[derive(Serialize)]
struct PvSteerable {
    steering_enabled: bool,
    steerable: bool,
    learning_period_ended: bool,
    general_reason: &'static str,
}

#[derive(Serialize)]
struct Pv<'a> {
    model: &'static str,
    brand: &'a str,
    country: &'static str,
    device_id: &'a str,
    user_id: &'a str,
    steerable_status: PvSteerable,
    needs_reauthentication: bool,
    has_grid_export_curtailment: bool,
    has_production_curtailment: bool,
}

#[derive(Serialize)]
struct Dhw {
    temperature_upper_bound: u8,
    temperature_lower_bound: u8,
}

#[derive(Serialize)]
struct Optimization {
    pv_self_consumption: bool,
    dynamic_tariff: bool,
    flex_trading: bool,
}

#[derive(Serialize)]
struct Manufacturer<'a> {
    device_id: &'a str,
    energy_supplier: &'a str,
    dhw: Dhw,
    optimization_settings: Optimization,
    country: &'static str,
}

#[derive(Serialize)]
struct Page<T, M> {
    data: Vec<T>,
    meta: M,
}

#[derive(Serialize)]
struct SupplierMeta<'a> {
    energy_supplier: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_unit: Option<&'static str>,
    next_token: Option<String>,
}

#[derive(Serialize)]
struct ManufacturerMeta<'a> {
    manufacturer: &'a str,
    next_token: Option<String>,
}

/// Who the pages are for: the names the mock answers in `meta` and for manufacturer devices.
pub(crate) struct Names<'a> {
    pub(crate) supplier: &'a str,
    pub(crate) manufacturer: &'a str,
}

fn heat_pump<'a>(d: &'a Listed) -> HeatPump<'a> {
    let h = seed(&d.device_id);
    let reauth = d.flags.needs_reauthentication;
    let steerable = !reauth && !d.flags.not_steerable;
    let reason = match (reauth, steerable) {
        (true, _) => REAUTHENTICATE,
        (false, false) => NOT_STEERABLE,
        (false, true) => READY,
    };
    let circuit = || Circuit {
        can_activate_action: steerable,
        in_active_action: false,
        reason,
    };
    HeatPump {
        model: MODELS[(h % 8) as usize],
        brand: &d.brand,
        country: COUNTRIES[((h >> 8) % 4) as usize],
        device_id: &d.device_id,
        user_id: &d.owner,
        device_type: "heat_pump",
        legionella_config: Legionella {
            frequency_per_weeks: 1 + ((h >> 16) % 2) as u8,
            capacity: 20,
            duration_minutes: 60,
        },
        cycle_config: CycleConfig {
            max_cycles_per_day: if (h >> 20).is_multiple_of(2) { 8 } else { 6 },
        },
        steerable_status: HeatPumpSteerable {
            steering_enabled: true,
            steerable,
            dhw: circuit(),
            room: circuit(),
        },
        needs_reauthentication: reauth,
    }
}

fn pv<'a>(d: &'a Listed, now: u64) -> Pv<'a> {
    let h = seed(&d.device_id);
    let reauth = d.flags.needs_reauthentication;
    let steerable = !reauth && !d.flags.not_steerable;
    let learned = now >= d.linked_at.saturating_add(PV_LEARNING_PERIOD_SECS);
    let general_reason = match (reauth, steerable, learned) {
        (true, _, _) => REAUTHENTICATE,
        (false, false, _) => NOT_STEERABLE,
        (false, true, false) => PV_LEARNING,
        (false, true, true) => PV_READY,
    };
    Pv {
        model: MODELS[(h % 8) as usize],
        brand: &d.brand,
        country: COUNTRIES[((h >> 8) % 4) as usize],
        device_id: &d.device_id,
        user_id: &d.owner,
        steerable_status: PvSteerable {
            steering_enabled: true,
            steerable,
            learning_period_ended: learned,
            general_reason,
        },
        needs_reauthentication: reauth,
        has_grid_export_curtailment: true,
        has_production_curtailment: !(h >> 12).is_multiple_of(4),
    }
}

fn manufacturer<'a>(d: &'a Listed, supplier: &'a str) -> Manufacturer<'a> {
    let h = seed(&d.device_id);
    let flex = (h >> 16).is_multiple_of(3);
    Manufacturer {
        device_id: &d.device_id,
        energy_supplier: supplier,
        dhw: Dhw {
            temperature_upper_bound: 50 + 5 * ((h >> 8) % 2) as u8,
            temperature_lower_bound: 40 + 5 * ((h >> 9) % 2) as u8,
        },
        // Flex trading excludes the other two (NOX's settings pages).
        optimization_settings: Optimization {
            pv_self_consumption: !flex,
            dynamic_tariff: !flex,
            flex_trading: flex,
        },
        country: COUNTRIES[((h >> 4) % 4) as usize],
    }
}

/// The JSON body of one page.
pub(crate) fn page(
    kind: DeviceKind,
    items: &[Listed],
    names: &Names<'_>,
    next_token: Option<String>,
    now: u64,
) -> Vec<u8> {
    let supplier_meta = |capacity_unit| SupplierMeta {
        energy_supplier: names.supplier,
        capacity_unit,
        next_token: next_token.clone(),
    };
    let body = match kind {
        DeviceKind::HeatPump => serde_json::to_vec(&Page {
            data: items.iter().map(heat_pump).collect(),
            meta: supplier_meta(Some("kWh")),
        }),
        DeviceKind::Pv => serde_json::to_vec(&Page {
            data: items.iter().map(|d| pv(d, now)).collect(),
            meta: supplier_meta(None),
        }),
        DeviceKind::Manufacturer => serde_json::to_vec(&Page {
            data: items
                .iter()
                .map(|d| manufacturer(d, names.supplier))
                .collect(),
            meta: ManufacturerMeta {
                manufacturer: names.manufacturer,
                next_token: next_token.clone(),
            },
        }),
    };
    body.expect("a page serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pv_brands_in_vendor_casing() {
        assert_eq!(pv_brand("sma"), "SMA");
        assert_eq!(pv_brand("solaredge"), "SolarEdge");
        assert_eq!(pv_brand("fronius"), "Fronius");
        assert_eq!(pv_brand("felicity-solar"), "Felicity Solar");
    }
}
