//! The parsed record every normalizer reads: simd-json's borrowed DOM.
//!
//! Parsing is a SIMD pass over the record's bytes, and its strings borrow from
//! them, so a record costs a few allocations instead of one per key and string.
//! Objects of up to 32 keys are small vectors searched in place, in the record's
//! own key order; larger ones are hash maps in no fixed order, which is why
//! [`to_json`] writes keys sorted.
//!
//! Three things differ from serde_json's `Value`, and each has its replacement:
//! `v["k"]` panics when `k` is missing (use `get`), `as_f64` is `None` for
//! integers (use `cast_f64`), and `Display` is not JSON (use [`to_json`]).

use std::cell::RefCell;

use serde::ser::{Serialize, SerializeMap, Serializer};

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
        ValueAsMutObject, ValueAsObject, ValueAsScalar, ValueIntoArray, ValueIntoObject,
        ValueIntoString, ValueObjectAccess, ValueObjectAccessAsArray, ValueObjectAccessAsObject,
        ValueObjectAccessAsScalar,
    };
}

thread_local! {
    /// The parser's working buffers, kept between records of one thread.
    static BUFFERS: RefCell<simd_json::Buffers> = RefCell::new(simd_json::Buffers::default());
}

/// Parses `text` into a value whose strings borrow from `scratch`: simd-json
/// rewrites escaped strings in place, so it works on a copy and `text` stays as it
/// came. The error is short; [`explain`] says more where it is shown to a user.
pub fn parse<'b>(text: &str, scratch: &'b mut Vec<u8>) -> Result<Value<'b>, String> {
    // simd-json builds, drops and serializes the value by recursion without a limit:
    // a line of `[[[[...` would overflow a worker's stack and abort the process.
    if too_deep(text.as_bytes()) {
        return Err(format!(
            "nested deeper than {MAX_DEPTH} levels of arrays and objects"
        ));
    }
    scratch.clear();
    scratch.extend_from_slice(text.as_bytes());
    let bytes: &'b mut [u8] = scratch.as_mut_slice();
    BUFFERS
        .with(move |b| {
            simd_json::value::borrowed::to_value_with_buffers(bytes, &mut b.borrow_mut())
        })
        .map_err(|e| e.to_string())
}

/// What is wrong with `text`, which [`parse`] refused with `error`: serde_json's
/// account (line, column, what was expected) when it finds one, which says more
/// than simd-json's. Only for errors a user sees: callers that fall back on a
/// failed parse need not pay for a second one.
pub fn explain(text: &str, error: String) -> String {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_or_else(|e| e.to_string(), |_| error)
}

/// How deep a record may nest: serde_json's limit.
const MAX_DEPTH: usize = 128;

/// Whether `bytes` nest arrays and objects deeper than [`MAX_DEPTH`]. Records with
/// fewer opening brackets than that in all are passed by a vectorised count.
fn too_deep(bytes: &[u8]) -> bool {
    if memchr::memchr2_iter(b'[', b'{', bytes)
        .nth(MAX_DEPTH)
        .is_none()
    {
        return false;
    }
    let (mut depth, mut in_string, mut escape) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escape => escape = false,
                b'\\' => escape = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Parses text into a value that owns its strings (for JSON held inside a string).
pub fn parse_owned(text: &str) -> Result<Value<'static>, String> {
    let mut scratch = Vec::new();
    parse(text, &mut scratch).map(|v| v.into_static())
}

/// The JSON text of a value, keys sorted and numbers written as serde_json writes
/// them, so that the same value always gives the same text (large objects have no
/// order of their own).
pub fn to_json(v: &Value) -> String {
    serde_json::to_string(&Sorted(v)).expect("a parsed value serializes")
}

/// A value that serializes with each object's keys in byte order.
struct Sorted<'a, 'v>(&'a Value<'v>);

impl Serialize for Sorted<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Static(StaticNode::Null) => s.serialize_unit(),
            Value::Static(StaticNode::Bool(b)) => s.serialize_bool(*b),
            Value::Static(StaticNode::I64(i)) => s.serialize_i64(*i),
            Value::Static(StaticNode::U64(u)) => s.serialize_u64(*u),
            Value::Static(StaticNode::F64(f)) => s.serialize_f64(*f),
            Value::String(t) => s.serialize_str(t),
            Value::Array(items) => s.collect_seq(items.iter().map(Sorted)),
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut out = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    out.serialize_entry(k.as_ref(), &Sorted(v))?;
                }
                out.end()
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::prelude::*;
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
        // Keys sorted, at any size; floats as serde_json writes them.
        let many: Vec<String> = (0..40).rev().map(|i| format!(r#""k{i:02}":{i}"#)).collect();
        let big = parse_owned(&format!("{{{},\"f\":1e16}}", many.join(","))).unwrap();
        let text = to_json(&big);
        assert!(text.starts_with(r#"{"f":1e+16,"k00":0,"k01":1,"#), "{text}");
        let back: serde_json::Value = serde_json::from_str(&to_json(&v)).unwrap();
        assert_eq!(back["i"], -3);
        // The error says where and what, as serde_json does.
        let bad = r#"{"a": 1,, "b": 2}"#;
        let e = explain(bad, parse_owned(bad).unwrap_err());
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

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse_owned(&deep).unwrap_err();
        assert!(e.contains("deeper than 128 levels"), "{e}");
        let obj = format!("{}1{}", r#"{"a":"#.repeat(129), "}".repeat(129));
        assert!(parse_owned(&obj).is_err());
        // As deep as serde_json allows, and brackets inside strings, still parse.
        let ok = format!("{}1{}", r#"{"a":"#.repeat(127), "}".repeat(127));
        assert!(parse_owned(&ok).is_ok());
        let quoted = format!(r#"{{"s":"{}"}}"#, "[{".repeat(500));
        assert!(parse_owned(&quoted).is_ok());
    }
}
