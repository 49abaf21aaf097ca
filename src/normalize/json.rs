//! The parsed record every normalizer reads: simd-json's borrowed DOM.
//!
//! Parsing is a SIMD pass over the record's bytes, and its strings borrow from
//! them, so a record costs a few allocations instead of one per key and string.
//! Objects of up to 32 keys are small vectors searched in place, in the record's
//! own key order.
//!
//! Three things differ from serde_json's `Value`, and each has its replacement:
//! `v["k"]` panics when `k` is missing (use `get`), `as_f64` is `None` for
//! integers (use `cast_f64`), and `Display` is not JSON (use [`to_json`]).

use std::cell::RefCell;

pub use simd_json::{BorrowedValue as Value, StaticNode};

/// A parsed JSON object: its keys and values, in the record's order.
pub type Object<'a> = simd_json::value::borrowed::Object<'a>;

/// The traits that give [`Value`] its accessors (`get`, `as_str`, `as_object`, ...).
/// Not simd-json's whole prelude: its array trait would shadow `Vec::iter` with an
/// iterator boxed on every call.
pub mod prelude {
    pub use super::{StaticNode, Value};
    pub use simd_json::prelude::{
        MutableArray, MutableObject, MutableValueArrayAccess, TypedArrayValue, TypedObjectValue,
        TypedScalarValue, TypedValue, ValueArrayAccess, ValueAsArray, ValueAsMutArray,
        ValueAsMutObject, ValueAsObject, ValueAsScalar, ValueBuilder, ValueIntoArray,
        ValueIntoObject, ValueIntoString, ValueObjectAccess, ValueObjectAccessAsArray,
        ValueObjectAccessAsObject, ValueObjectAccessAsScalar, Writable,
    };
}

use prelude::*;

thread_local! {
    /// The parser's working buffers, kept between records of one thread.
    static BUFFERS: RefCell<simd_json::Buffers> = RefCell::new(simd_json::Buffers::default());
}

/// Parses `text` into a value whose strings borrow from `scratch`: simd-json
/// rewrites escaped strings in place, so it works on a copy and `text` stays as it
/// came. The error is serde_json's account of what is wrong (line, column, what was
/// expected), which says more than simd-json's.
pub fn parse<'b>(text: &str, scratch: &'b mut Vec<u8>) -> Result<Value<'b>, String> {
    scratch.clear();
    scratch.extend_from_slice(text.as_bytes());
    let bytes: &'b mut [u8] = scratch.as_mut_slice();
    BUFFERS
        .with(move |b| {
            simd_json::value::borrowed::to_value_with_buffers(bytes, &mut b.borrow_mut())
        })
        .map_err(
            |simd| match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Err(e) => e.to_string(),
                Ok(_) => simd.to_string(),
            },
        )
}

/// Parses text into a value that owns its strings (for JSON held inside a string).
pub fn parse_owned(text: &str) -> Result<Value<'static>, String> {
    let mut scratch = Vec::new();
    parse(text, &mut scratch).map(|v| v.into_static())
}

/// The JSON text of a value.
pub fn to_json(v: &Value) -> String {
    v.encode()
}

/// A serde_json value (built with `json!` in tests, or from a fixture) as a [`Value`].
pub fn from_serde(v: serde_json::Value) -> Value<'static> {
    Value::try_from(v).expect("a serde_json value converts")
}

/// Takes the value out, leaving null in its place.
pub fn take<'a>(v: &mut Value<'a>) -> Value<'a> {
    std::mem::take(v)
}

/// Whether the value is a JSON number.
pub fn is_number(v: &Value) -> bool {
    matches!(
        v,
        Value::Static(StaticNode::I64(_) | StaticNode::U64(_) | StaticNode::F64(_))
    )
}

/// The null value.
pub const NULL: Value<'static> = Value::Static(StaticNode::Null);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_of_duplicate_keys_wins_as_in_serde_json() {
        // A record that names its user twice must not be read as the first one by
        // qtrail and the last one by every other tool.
        let v = parse_owned(r#"{"user":"alice","user":"admin","n":1}"#).unwrap();
        assert_eq!(v.get("user").and_then(|u| u.as_str()), Some("admin"));
        assert_eq!(v.as_object().map(|o| o.len()), Some(2));
    }

    #[test]
    fn numbers_text_and_errors() {
        let v = parse_owned(r#"{"big":123456789012345678901234567890,"i":-3,"f":2.5,"s":"a\"b"}"#)
            .unwrap();
        assert!(
            v.get("big")
                .and_then(|b| b.cast_f64())
                .is_some_and(|f| f > 1e29)
        );
        assert_eq!(v.get("i").and_then(|i| i.cast_f64()), Some(-3.0));
        assert_eq!(v.get("f").and_then(|f| f.as_i64()), None);
        // JSON out, with quotes and escapes, not the Debug-like `Display`.
        assert_eq!(to_json(v.get("s").unwrap()), r#""a\"b""#);
        let back: serde_json::Value = serde_json::from_str(&to_json(&v)).unwrap();
        assert_eq!(back["i"], -3);
        // The error says where and what, as serde_json does.
        let e = parse_owned(r#"{"a": 1,, "b": 2}"#).unwrap_err();
        assert!(e.contains("line 1 column"), "{e}");
        let mut scratch = Vec::new();
        let text = r#"{"esc":"x\ny"}"#;
        let v = parse(text, &mut scratch).unwrap();
        assert_eq!(v.get("esc").and_then(|s| s.as_str()), Some("x\ny"));
        drop(v);
        assert_eq!(
            text, r#"{"esc":"x\ny"}"#,
            "the text itself is never rewritten"
        );
    }
}
