//! [`Open`]: a value NOX sent, known to this SDK or kept as text.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::brand::{AssetType, Brand, Language};

/// An enum-typed value from a NOX *answer*: one this SDK knows, or the text of one it
/// does not (NOX adds brands, and may add languages or asset types).
///
/// A new value never fails a call: the link session NOX created is returned with the
/// value kept as [`Open::Unknown`]. Requests stay strict: what you send is always a
/// known value. It compares equal to the known value directly and serializes as the
/// text NOX sent, so a stored session reads back the same.
///
/// ```
/// use nox_auth::{AssetType, Open};
///
/// let known: Open<AssetType> = Open::parse("hp");
/// assert_eq!(known, AssetType::Hp);
/// assert_eq!(known.known(), Some(AssetType::Hp));
///
/// let new: Open<AssetType> = Open::parse("battery");
/// assert_eq!(new.known(), None);
/// assert_eq!(new.as_str(), "battery");
/// assert_eq!(new.to_string(), "battery");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Open<T> {
    /// A value this SDK knows.
    Known(T),
    /// A value this SDK does not know, exactly as NOX sent it.
    Unknown(String),
}

/// The enums an [`Open`] can hold: read from NOX's text, shown as NOX's code.
pub trait OpenValue: Copy {
    /// NOX's code for the value (`hp`, `saunier-duval`, `nl`).
    fn code(self) -> &'static str;

    /// The value a text names, if this SDK knows one (the same spellings `FromStr`
    /// accepts, without building an error for the others).
    fn from_code(text: &str) -> Option<Self>;
}

impl<T: OpenValue> Open<T> {
    /// Reads NOX's text: the known value when this SDK can parse it, the text otherwise.
    pub fn parse(text: &str) -> Self {
        T::from_code(text)
            .map(Open::Known)
            .unwrap_or_else(|| Open::Unknown(text.to_owned()))
    }

    /// The known value, if this SDK knows it.
    pub fn known(&self) -> Option<T> {
        match self {
            Open::Known(v) => Some(*v),
            Open::Unknown(_) => None,
        }
    }

    /// NOX's code for a known value, or the text NOX sent.
    pub fn as_str(&self) -> &str {
        match self {
            Open::Known(v) => v.code(),
            Open::Unknown(s) => s,
        }
    }
}

impl<T> From<T> for Open<T> {
    fn from(value: T) -> Self {
        Open::Known(value)
    }
}

impl<T: PartialEq> PartialEq<T> for Open<T> {
    fn eq(&self, other: &T) -> bool {
        matches!(self, Open::Known(v) if v == other)
    }
}

impl<T: OpenValue> fmt::Display for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T: OpenValue> Serialize for Open<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de, T: OpenValue> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Open::parse(&text))
    }
}

#[cfg(feature = "schemars")]
impl<T> schemars::JsonSchema for Open<T> {
    fn schema_name() -> String {
        "OpenString".into()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(generator)
    }
}

// The vocabulary's codes, as answers carry them.

impl OpenValue for AssetType {
    fn code(self) -> &'static str {
        self.as_str()
    }

    /// `hp` or `pv`, case-insensitive, surrounding spaces ignored.
    fn from_code(text: &str) -> Option<Self> {
        let text = text.trim();
        AssetType::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(text))
    }
}

impl OpenValue for Language {
    fn code(self) -> &'static str {
        self.as_str()
    }

    /// `nl`, `en`, `fr` or `es`, case-insensitive, surrounding spaces ignored.
    fn from_code(text: &str) -> Option<Self> {
        let text = text.trim();
        Language::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(text))
    }
}

impl OpenValue for Brand {
    fn code(self) -> &'static str {
        self.slug()
    }

    fn from_code(text: &str) -> Option<Self> {
        Brand::lookup(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brand::{AssetType, Brand, Language};

    #[test]
    fn known_unknown_and_serde() {
        assert_eq!(Open::<Brand>::parse("saunier duval"), Brand::SaunierDuval);
        assert_eq!(
            Open::<Brand>::parse("wolf"),
            Open::Unknown("wolf".to_owned())
        );
        assert_eq!(Open::<Language>::parse("de").as_str(), "de");
        assert_ne!(Open::<AssetType>::parse("battery"), AssetType::Hp);
        let json = serde_json::to_string(&Open::<Brand>::parse("wolf")).unwrap();
        assert_eq!(json, "\"wolf\"");
        let back: Open<Brand> = serde_json::from_str("\"daikin\"").unwrap();
        assert_eq!(back, Brand::Daikin);
        assert!(serde_json::from_str::<Open<Brand>>("7").is_err());
    }
}
