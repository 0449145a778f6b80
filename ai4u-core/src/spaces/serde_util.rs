//! Serde helpers shared by spaces and samples.
//!
//! JSON has no infinity or NaN (serde_json writes them as `null` and cannot read them
//! back), yet unbounded Box bounds are ±inf and observations may hold any float. Such
//! values are written as the strings `"inf"`, `"-inf"` and `"nan"`.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// An `f64` that survives JSON even when it is not finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct JsonF64(pub f64);

impl Serialize for JsonF64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("nan")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for JsonF64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = JsonF64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or one of \"inf\", \"-inf\", \"nan\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonF64, E> {
                Ok(JsonF64(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonF64, E> {
                Ok(JsonF64(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonF64, E> {
                Ok(JsonF64(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonF64, E> {
                match v {
                    "inf" | "+inf" | "Infinity" => Ok(JsonF64(f64::INFINITY)),
                    "-inf" | "-Infinity" => Ok(JsonF64(f64::NEG_INFINITY)),
                    "nan" | "NaN" => Ok(JsonF64(f64::NAN)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

pub(crate) fn to_json_f64(values: impl IntoIterator<Item = f64>) -> Vec<JsonF64> {
    values.into_iter().map(JsonF64).collect()
}

pub(crate) fn from_json_f64(values: Vec<JsonF64>) -> Vec<f64> {
    values.into_iter().map(|v| v.0).collect()
}

/// (De)serializes `Vec<(String, T)>` as a JSON object, keeping the document's key order
/// (a plain map type would re-sort or lose it, and order is meaningful for a Dict).
/// Duplicate keys are kept; the owner's validation decides about them.
pub(crate) mod ordered_map {
    use super::*;

    pub fn serialize<S, T>(entries: &[(String, T)], s: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        T: Serialize,
    {
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D, T>(d: D) -> Result<Vec<(String, T)>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Vec<(String, T)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map with string keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // Cap the pre-allocation: the hint comes from the input.
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
            // Also accept `[[key, value], ...]`, the shape a derived tuple list takes.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(pair) = seq.next_element::<(String, T)>()? {
                    out.push(pair);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_floats_round_trip_through_json() {
        let v = to_json_f64([1.5, f64::INFINITY, f64::NEG_INFINITY, -0.25]);
        let s = serde_json::to_string(&v).unwrap();
        assert_eq!(s, r#"[1.5,"inf","-inf",-0.25]"#);
        let back: Vec<JsonF64> = serde_json::from_str(&s).unwrap();
        assert_eq!(from_json_f64(back), vec![1.5, f64::INFINITY, f64::NEG_INFINITY, -0.25]);
        let nan: JsonF64 = serde_json::from_str("\"nan\"").unwrap();
        assert!(nan.0.is_nan());
        assert!(serde_json::from_str::<JsonF64>("\"big\"").is_err());
        let int: JsonF64 = serde_json::from_str("-3").unwrap();
        assert_eq!(int.0, -3.0);
    }

    #[test]
    fn ordered_map_keeps_document_order() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct W(#[serde(with = "ordered_map")] Vec<(String, i32)>);
        let w: W = serde_json::from_str(r#"{"b": 1, "a": 2}"#).unwrap();
        assert_eq!(w.0, vec![("b".to_string(), 1), ("a".to_string(), 2)]);
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"b":1,"a":2}"#);
    }
}
