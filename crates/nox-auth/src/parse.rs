//! Reading the vocabulary from input: `FromStr` for [`AssetType`], [`Language`] and
//! [`Brand`] (lenient spellings, a suggestion for a near miss), the brand ↔ asset type
//! check, and the conversion to v1's shorter brand list. Each refusal is a
//! [`ValidationError`].

use std::str::FromStr;

use crate::brand::{AssetType, Brand, Language, normalise};
use crate::error::ValidationError;
use crate::open::OpenValue;

impl FromStr for AssetType {
    type Err = ValidationError;

    /// Parses `hp` or `pv` (case-insensitive, surrounding spaces ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <AssetType as OpenValue>::from_code(s)
            .ok_or_else(|| ValidationError::UnknownAssetType { input: s.into() })
    }
}

impl FromStr for Language {
    type Err = ValidationError;

    /// Parses `nl`, `en`, `fr` or `es` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <Language as OpenValue>::from_code(s)
            .ok_or_else(|| ValidationError::UnknownLanguage { input: s.into() })
    }
}

impl Brand {
    /// Checks that this brand may be pre-selected for `asset_type`, naming the valid
    /// brands otherwise.
    pub fn check_asset_type(self, asset_type: AssetType) -> Result<(), ValidationError> {
        if self.supports(asset_type) {
            Ok(())
        } else {
            Err(ValidationError::BrandNotForAssetType {
                brand: self,
                asset_type,
                valid: asset_type.brands(),
            })
        }
    }
}

impl FromStr for Brand {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(b) = Brand::lookup(s) {
            return Ok(b);
        }
        let wanted = normalise(s);
        let suggestion = Brand::ALL
            .iter()
            .map(|b| (strsim::damerau_levenshtein(&wanted, b.slug()), *b))
            .min_by_key(|(d, _)| *d)
            .filter(|(d, b)| *d <= 3.max(b.slug().len() / 3))
            .map(|(_, b)| b);
        Err(ValidationError::UnknownBrand {
            input: nox_auth_runtime::text::excerpt(s, 64),
            suggestion,
        })
    }
}

#[cfg(feature = "v1")]
impl TryFrom<Brand> for nox_auth_v1::supplier::types::LinkSessionRequestBrand {
    type Error = ValidationError;

    /// v1 knows only 13 heat-pump brands.
    fn try_from(b: Brand) -> Result<Self, Self::Error> {
        b.slug()
            .parse()
            .map_err(|_| ValidationError::BrandNotInV1 { brand: b })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nox_auth_v2::supplier::types as v2s;

    #[test]
    fn all_56_brands_round_trip_through_slug_and_generated_enum() {
        assert_eq!(Brand::ALL.len(), 56);
        // `Brand::ALL` promises slug order; so do the table on `Brand` and `nox brands`.
        let slugs: Vec<&str> = Brand::ALL.iter().map(|b| b.slug()).collect();
        let mut sorted = slugs.clone();
        sorted.sort_unstable();
        assert_eq!(slugs, sorted, "Brand::ALL is in slug order");
        for &b in Brand::ALL {
            assert_eq!(b.slug().parse::<Brand>().unwrap(), b);
            let g: v2s::Brand = b.into();
            assert_eq!(
                g.to_string(),
                b.slug(),
                "slug matches the spec's wire value"
            );
            assert_eq!(Brand::from(g), b);
            assert!(!b.asset_types().is_empty());
        }
        let mut sorted = Brand::ALL.to_vec();
        sorted.sort_by_key(|b| b.slug());
        assert_eq!(sorted.len(), 56);
    }

    #[test]
    fn v1_spellings_parse() {
        for (input, want) in [
            ("saunier duval", Brand::SaunierDuval),
            ("alpha innotec", Brand::AlphaInnotec),
            ("Alpha Innotec", Brand::AlphaInnotec),
            ("SAUNIER_DUVAL", Brand::SaunierDuval),
            ("  daikin ", Brand::Daikin),
            ("jinko solar", Brand::Jinkosolar),
            ("Fox ESS", Brand::FoxEss),
        ] {
            assert_eq!(input.parse::<Brand>().unwrap(), want, "{input}");
        }
    }

    #[test]
    fn unknown_brand_suggests_the_closest_slug() {
        let err = "saunier-duvall".parse::<Brand>().unwrap_err();
        assert_eq!(
            err,
            ValidationError::UnknownBrand {
                input: "saunier-duvall".into(),
                suggestion: Some(Brand::SaunierDuval)
            }
        );
        let err = "vailant".parse::<Brand>().unwrap_err();
        assert!(err.to_string().contains("did you mean `vaillant`"), "{err}");
        let err = "zzzzzzzzzzzzzz".parse::<Brand>().unwrap_err();
        assert!(matches!(
            err,
            ValidationError::UnknownBrand {
                suggestion: None,
                ..
            }
        ));
        assert!("".parse::<Brand>().is_err());
    }

    #[test]
    fn every_asset_type_has_brands_and_every_brand_is_listed() {
        let hp = AssetType::Hp.brands();
        let pv = AssetType::Pv.brands();
        assert!(hp.contains(&Brand::Daikin) && !pv.contains(&Brand::Daikin));
        assert!(pv.contains(&Brand::Sma) && !hp.contains(&Brand::Sma));
        assert!(hp.contains(&Brand::Lg) && pv.contains(&Brand::Lg));
        for &b in Brand::ALL {
            assert!(hp.contains(&b) || pv.contains(&b), "{b} is in no list");
        }
    }

    #[cfg(feature = "v1")]
    #[test]
    fn v1_brand_conversion() {
        use nox_auth_v1::supplier::types::LinkSessionRequestBrand as V1;
        assert_eq!(V1::try_from(Brand::SaunierDuval).unwrap(), V1::SaunierDuval);
        assert_eq!(
            V1::try_from(Brand::Sma).unwrap_err(),
            ValidationError::BrandNotInV1 { brand: Brand::Sma }
        );
    }
}
