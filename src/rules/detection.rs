//! Sigma `detection`: named selections of field tests, and the condition over them,
//! compiled once into matchers.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::{Regex, RegexBuilder};
use serde_yaml_ng::{Mapping, Value};

use super::condition::{Cond, parse_condition};
use super::error::{RuleError, field_id, network};
use crate::event::{FieldId, FieldValue, NormalizedEvent};
use crate::vocab::{Class, Vocabulary};

/// A compiled `detection`: does an event match?
#[derive(Debug, Clone)]
pub struct Detection {
    selections: Vec<Selection>,
    condition: Cond,
}

/// One named selection: alternatives (a list of maps) of field tests that must all hold.
#[derive(Debug, Clone)]
struct Selection {
    alternatives: Vec<Vec<FieldTest>>,
}

/// `field|modifiers: values`.
#[derive(Debug, Clone)]
struct FieldTest {
    field: FieldId,
    ops: Vec<Op>,
    /// `|all`: every value must match, not any.
    all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// One value test, with the value prepared at compile time.
#[derive(Debug, Clone)]
enum Op {
    /// `null`: the field is absent or empty.
    Null,
    /// `|exists`.
    Exists(bool),
    /// Equal, ignoring ASCII case unless `|cased`.
    Eq {
        value: String,
        cased: bool,
    },
    /// A value with `*` or `?` wildcards, or `|re`.
    Re(Regex),
    Contains {
        value: String,
        cased: bool,
    },
    StartsWith {
        value: String,
        cased: bool,
    },
    EndsWith {
        value: String,
        cased: bool,
    },
    Cidr(IpNet),
    Cmp(Cmp, f64),
    Num(f64),
    Bool(bool),
}

impl Detection {
    /// Compiles a Sigma `detection` mapping; `at` names the file for errors.
    pub fn compile(detection: &Mapping, at: &str) -> Result<Detection, RuleError> {
        let mut names = Vec::new();
        let mut selections = Vec::new();
        let mut condition = None;
        for (key, value) in detection {
            let Some(key) = key.as_str() else {
                return Err(RuleError::new(
                    at,
                    "detection",
                    "selection names must be text",
                ));
            };
            if key == "condition" {
                condition = Some(value.clone());
                continue;
            }
            if key == "timeframe" {
                return Err(RuleError::new(
                    at,
                    "detection.timeframe",
                    "timeframe is Sigma's deprecated form: write a correlation rule with `timespan`",
                ));
            }
            let place = format!("detection.{key}");
            selections.push(Selection::compile(value, at, &place)?);
            names.push(key.to_string());
        }
        let condition = match condition {
            None => {
                return Err(RuleError::new(
                    at,
                    "detection",
                    "no `condition`: say which selections must match, e.g. `condition: selection`",
                ));
            }
            Some(Value::String(s)) => parse_condition(&s, &names, at)?,
            // Sigma allows a list of conditions: any of them.
            Some(Value::Sequence(list)) => {
                let mut any = Vec::new();
                for c in list {
                    let Value::String(s) = c else {
                        return Err(RuleError::new(
                            at,
                            "detection.condition",
                            "each condition must be text",
                        ));
                    };
                    any.push(parse_condition(&s, &names, at)?);
                }
                Cond::Or(any)
            }
            Some(_) => {
                return Err(RuleError::new(
                    at,
                    "detection.condition",
                    "the condition must be text such as `selection and not filter`",
                ));
            }
        };
        Ok(Detection {
            selections,
            condition,
        })
    }

    /// The event classes this detection can match, when its condition requires a
    /// `class` value; `None` when any class might match. Lets the engine skip rules
    /// that cannot match an event without evaluating them.
    pub fn classes(&self) -> Option<Vec<Class>> {
        classes_of(&self.condition, &self.selections)
    }

    /// Whether the event matches.
    pub fn matches(&self, event: &NormalizedEvent) -> bool {
        self.condition.eval(&|i| self.selections[i].matches(event))
    }
}

fn classes_of(cond: &Cond, selections: &[Selection]) -> Option<Vec<Class>> {
    match cond {
        Cond::Sel(i) => selections[*i].classes(),
        // All must hold: any one child that names classes bounds the whole.
        Cond::And(children) => {
            let known: Vec<Vec<Class>> = children
                .iter()
                .filter_map(|c| classes_of(c, selections))
                .collect();
            let mut it = known.into_iter();
            let first = it.next()?;
            Some(it.fold(first, |acc, set| {
                acc.into_iter().filter(|c| set.contains(c)).collect()
            }))
        }
        // Any may hold: bounded only when every child is.
        Cond::Or(children) => {
            let mut all = Vec::new();
            for c in children {
                add_classes(&mut all, classes_of(c, selections)?);
            }
            Some(all)
        }
        Cond::Not(_) => None,
    }
}

/// Adds the classes of `more` that `all` lacks, keeping first-seen order.
pub(crate) fn add_classes(all: &mut Vec<Class>, more: impl IntoIterator<Item = Class>) {
    for c in more {
        if !all.contains(&c) {
            all.push(c);
        }
    }
}

impl Selection {
    /// The classes every alternative requires, when each names them with plain values.
    fn classes(&self) -> Option<Vec<Class>> {
        let mut all = Vec::new();
        for tests in &self.alternatives {
            let t = tests.iter().find(|t| t.field == FieldId::class && !t.all)?;
            for op in &t.ops {
                let Op::Eq { value, .. } = op else {
                    return None;
                };
                // A value that is no class matches nothing; leave it out.
                add_classes(&mut all, Class::parse(&value.to_ascii_lowercase()));
            }
        }
        Some(all)
    }

    fn compile(value: &Value, at: &str, place: &str) -> Result<Selection, RuleError> {
        let alternatives = match value {
            Value::Mapping(m) => vec![compile_map(m, at, place)?],
            Value::Sequence(items) if items.iter().all(Value::is_mapping) => items
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    compile_map(
                        m.as_mapping().expect("checked"),
                        at,
                        &format!("{place}[{i}]"),
                    )
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(RuleError::new(
                    at,
                    place,
                    "a selection must be a map of `field: value` (or a list of such maps); \
                     keyword lists are not supported: name the field, e.g. `message|contains: word`",
                ));
            }
        };
        Ok(Selection { alternatives })
    }

    fn matches(&self, event: &NormalizedEvent) -> bool {
        self.alternatives
            .iter()
            .any(|tests| tests.iter().all(|t| t.matches(event)))
    }
}

fn compile_map(map: &Mapping, at: &str, place: &str) -> Result<Vec<FieldTest>, RuleError> {
    map.iter()
        .map(|(k, v)| {
            let key = k
                .as_str()
                .ok_or_else(|| RuleError::new(at, place, "field names must be text"))?;
            FieldTest::compile(key, v, at, &format!("{place}.{key}"))
        })
        .collect()
}

impl FieldTest {
    fn compile(key: &str, value: &Value, at: &str, place: &str) -> Result<FieldTest, RuleError> {
        let mut parts = key.split('|');
        let field = field_id(parts.next().unwrap_or_default(), at, place)?;
        let mut all = false;
        let mut cased = false;
        let mut insensitive_re = false;
        let mut op: Option<&str> = None;
        for m in parts {
            match m {
                "all" => all = true,
                "cased" => cased = true,
                "i" => insensitive_re = true,
                "contains" | "startswith" | "endswith" | "re" | "cidr" | "gt" | "gte" | "lt"
                | "lte" | "exists" => {
                    if let Some(prev) = op {
                        return Err(RuleError::new(
                            at,
                            place,
                            format!("modifiers `{prev}` and `{m}` cannot be combined"),
                        ));
                    }
                    op = Some(m);
                }
                other => {
                    return Err(RuleError::new(
                        at,
                        place,
                        format!(
                            "unknown modifier `{other}`: qtrail knows contains, startswith, endswith, \
                             re (with i), cidr, gt, gte, lt, lte, exists, all, cased"
                        ),
                    ));
                }
            }
        }
        let values: Vec<&Value> = match value {
            Value::Sequence(list) => list.iter().collect(),
            v => vec![v],
        };
        if values.is_empty() {
            return Err(RuleError::new(at, place, "an empty list matches nothing"));
        }
        let ops = values
            .into_iter()
            .map(|v| compile_op(op, v, cased, insensitive_re, at, place))
            .collect::<Result<_, _>>()?;
        Ok(FieldTest { field, ops, all })
    }

    fn matches(&self, event: &NormalizedEvent) -> bool {
        let value = event.get(self.field);
        if self.all {
            self.ops.iter().all(|op| op.matches(&value))
        } else {
            self.ops.iter().any(|op| op.matches(&value))
        }
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn compile_op(
    op: Option<&str>,
    v: &Value,
    cased: bool,
    insensitive_re: bool,
    at: &str,
    place: &str,
) -> Result<Op, RuleError> {
    let text = || {
        scalar_text(v).ok_or_else(|| {
            RuleError::new(at, place, "expected a text, number or boolean value here")
        })
    };
    let prep = |s: String| if cased { s } else { s.to_ascii_lowercase() };
    let number = || {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| {
                RuleError::new(at, place, "this modifier compares numbers: give a number")
            })
    };
    Ok(match op {
        None => match v {
            Value::Null => Op::Null,
            Value::Bool(b) => Op::Bool(*b),
            Value::Number(n) => Op::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) if s.contains(['*', '?']) => Op::Re(glob(s, cased, at, place)?),
            _ => Op::Eq {
                value: prep(text()?),
                cased,
            },
        },
        Some("contains") => Op::Contains {
            value: prep(text()?),
            cased,
        },
        Some("startswith") => Op::StartsWith {
            value: prep(text()?),
            cased,
        },
        Some("endswith") => Op::EndsWith {
            value: prep(text()?),
            cased,
        },
        Some("re") => {
            let pattern = text()?;
            Op::Re(
                RegexBuilder::new(&pattern)
                    .case_insensitive(insensitive_re)
                    .build()
                    .map_err(|e| {
                        RuleError::new(at, place, format!("bad regular expression: {e}"))
                    })?,
            )
        }
        Some("cidr") => {
            let t = text()?;
            Op::Cidr(network(&t, at, place)?)
        }
        Some("gt") => Op::Cmp(Cmp::Gt, number()?),
        Some("gte") => Op::Cmp(Cmp::Gte, number()?),
        Some("lt") => Op::Cmp(Cmp::Lt, number()?),
        Some("lte") => Op::Cmp(Cmp::Lte, number()?),
        Some("exists") => match v {
            Value::Bool(b) => Op::Exists(*b),
            _ => {
                return Err(RuleError::new(at, place, "`exists` takes true or false"));
            }
        },
        Some(other) => unreachable!("modifier {other} was checked"),
    })
}

/// A Sigma wildcard value as an anchored regex: `*` any run, `?` one character, `\` escapes.
fn glob(s: &str, cased: bool, at: &str, place: &str) -> Result<Regex, RuleError> {
    let mut re = String::from("^");
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '\\' => match chars.next() {
                Some(n) => re.push_str(&regex::escape(&n.to_string())),
                None => re.push_str(r"\\"),
            },
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    RegexBuilder::new(&re)
        .case_insensitive(!cased)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| RuleError::new(at, place, format!("bad wildcard value: {e}")))
}

impl Op {
    fn matches(&self, value: &FieldValue<'_>) -> bool {
        match value {
            // A list field (roles) matches when any element does.
            FieldValue::List(items) => match self {
                Op::Null => items.is_empty(),
                Op::Exists(want) => items.is_empty() != *want,
                _ => items.iter().any(|s| self.matches_text(s)),
            },
            FieldValue::Null => match self {
                Op::Null => true,
                Op::Exists(want) => !*want,
                _ => false,
            },
            FieldValue::Text(s) => match self {
                Op::Null => s.is_empty(),
                Op::Exists(want) => s.is_empty() != *want,
                _ => self.matches_text(s),
            },
            FieldValue::Bool(b) => match self {
                Op::Bool(want) => b == want,
                Op::Exists(want) => *want,
                Op::Null => false,
                _ => self.matches_text(if *b { "true" } else { "false" }),
            },
            FieldValue::Int(_) | FieldValue::Float(_) => {
                let n = value.as_f64().unwrap_or(f64::NAN);
                match self {
                    Op::Num(want) => n == *want,
                    Op::Cmp(c, want) => compare(*c, n, *want),
                    Op::Exists(want) => *want,
                    Op::Null => false,
                    _ => self.matches_text(&value.to_text().unwrap_or_default()),
                }
            }
            FieldValue::Time(t) => match self {
                Op::Exists(want) => *want,
                Op::Null => false,
                _ => self.matches_text(&t.to_rfc3339()),
            },
        }
    }

    fn matches_text(&self, s: &str) -> bool {
        match self {
            Op::Null => s.is_empty(),
            Op::Exists(want) => s.is_empty() != *want,
            Op::Eq { value, cased } => {
                if *cased {
                    s == value
                } else {
                    s.eq_ignore_ascii_case(value)
                }
            }
            Op::Re(re) => re.is_match(s),
            Op::Contains { value, cased } => {
                if *cased {
                    s.contains(value.as_str())
                } else {
                    contains_ignore_case(s, value)
                }
            }
            Op::StartsWith { value, cased } => {
                s.len() >= value.len()
                    && s.is_char_boundary(value.len())
                    && eq_case(&s[..value.len()], value, *cased)
            }
            Op::EndsWith { value, cased } => {
                s.len() >= value.len()
                    && s.is_char_boundary(s.len() - value.len())
                    && eq_case(&s[s.len() - value.len()..], value, *cased)
            }
            Op::Cidr(net) => s.trim().parse::<IpAddr>().is_ok_and(|ip| net.contains(&ip)),
            Op::Cmp(c, want) => s.trim().parse::<f64>().is_ok_and(|n| compare(*c, n, *want)),
            Op::Num(want) => s.trim().parse::<f64>().is_ok_and(|n| n == *want),
            Op::Bool(want) => s.eq_ignore_ascii_case(if *want { "true" } else { "false" }),
        }
    }
}

fn eq_case(a: &str, b: &str, cased: bool) -> bool {
    if cased {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

fn compare(c: Cmp, n: f64, want: f64) -> bool {
    match c {
        Cmp::Gt => n > want,
        Cmp::Gte => n >= want,
        Cmp::Lt => n < want,
        Cmp::Lte => n <= want,
    }
}

/// Whether `needle` (already lower-case) occurs in `hay`, ignoring ASCII case.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    let first = n[0];
    let other = first.to_ascii_uppercase();
    let mut start = 0;
    while let Some(pos) = memchr::memchr2(first, other, &h[start..=h.len() - n.len()]) {
        let at = start + pos;
        if h[at..at + n.len()].eq_ignore_ascii_case(n) {
            return true;
        }
        start = at + 1;
        if start > h.len() - n.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{Class, Outcome, Source};

    fn detection(yaml: &str) -> Detection {
        let m: Mapping = serde_yaml_ng::from_str(yaml).unwrap();
        Detection::compile(&m, "test.yml").unwrap()
    }

    fn error(yaml: &str) -> String {
        let m: Mapping = serde_yaml_ng::from_str(yaml).unwrap();
        Detection::compile(&m, "test.yml").unwrap_err().to_string()
    }

    fn login(user: &str, ip: &str, outcome: Outcome) -> NormalizedEvent {
        let mut e = NormalizedEvent::new(
            Source::Okta,
            chrono::Utc::now(),
            Class::Authentication,
            "login",
        );
        e.user = Some(user.into());
        e.src_ip = Some(ip.into());
        e.outcome = outcome;
        e.shots = Some(2000);
        e.roles = vec!["Admin".into(), "Viewer".into()];
        e
    }

    #[test]
    fn selections_modifiers_and_conditions() {
        let d = detection(
            r#"
sel:
  class: authentication
  outcome: failure
admins:
  roles|contains: admin
corp:
  src_ip|cidr: [10.0.0.0/8, 192.168.0.0/16]
big:
  shots|gte: 1000
named:
  user|endswith: "@qlab.example"
condition: sel and not corp and (admins or 1 of big*) and all of named
"#,
        );
        let bad = login("eve@qlab.example", "203.0.113.5", Outcome::Failure);
        assert!(d.matches(&bad));
        assert!(!d.matches(&login("eve@qlab.example", "10.1.2.3", Outcome::Failure)));
        assert!(!d.matches(&login("eve@qlab.example", "203.0.113.5", Outcome::Success)));
        assert!(!d.matches(&login("eve@other.example", "203.0.113.5", Outcome::Failure)));
    }

    #[test]
    fn values_wildcards_null_exists_and_regex() {
        let d = detection(
            r#"
a:
  user: "EVE*"
  session_id: null
  src_ip|exists: true
  user_agent|exists: false
b:
  user|re: '^eve@[a-z]+\.example$'
c:
  user|contains|all: [eve, qlab]
condition: a and b and c
"#,
        );
        let e = login("eve@qlab.example", "203.0.113.5", Outcome::Failure);
        assert!(d.matches(&e));
        let mut with_session = e.clone();
        with_session.session_id = Some("s1".into());
        assert!(!d.matches(&with_session));
        assert!(!d.matches(&login("eve@qpu.example", "203.0.113.5", Outcome::Failure)));
    }

    #[test]
    fn the_classes_a_condition_can_match_are_known() {
        let d = detection(
            "sel:\n  class: [job, queue]\n  user: x\nother:\n  outcome: failure\ncondition: sel and not other\n",
        );
        assert_eq!(d.classes(), Some(vec![Class::Job, Class::Queue]));
        let d = detection("a:\n  class: job\nb:\n  class: token\ncondition: a or b\n");
        assert_eq!(d.classes(), Some(vec![Class::Job, Class::Token]));
        let d = detection("a:\n  class: job\nb:\n  user: x\ncondition: a or b\n");
        assert_eq!(d.classes(), None);
        let d = detection("a:\n  class|contains: jo\ncondition: a\n");
        assert_eq!(d.classes(), None);
        let d = detection("a:\n  class: job\ncondition: not a\n");
        assert_eq!(d.classes(), None);
    }

    #[test]
    fn broken_detections_say_where_and_what() {
        let e = error("sel:\n  usr: alice\ncondition: sel\n");
        assert!(
            e.contains("test.yml") && e.contains("detection.sel.usr"),
            "{e}"
        );
        assert!(e.contains("did you mean `user`"), "{e}");
        let e = error("sel:\n  user|contians: alice\ncondition: sel\n");
        assert!(e.contains("unknown modifier `contians`"), "{e}");
        let e = error("sel:\n  src_ip|cidr: 10.0.0.0/33\ncondition: sel\n");
        assert!(e.contains("not a network"), "{e}");
        let e = error("sel:\n  user: alice\ncondition: sel and filter\n");
        assert!(e.contains("`filter`") && e.contains("sel"), "{e}");
        let e = error("sel:\n  user: alice\n");
        assert!(e.contains("no `condition`"), "{e}");
        let e = error("sel:\n  user|re: '(('\ncondition: sel\n");
        assert!(e.contains("bad regular expression"), "{e}");
    }

    #[test]
    fn case_insensitive_contains_finds_every_position() {
        assert!(contains_ignore_case("xxAbAbC", "abc"));
        assert!(!contains_ignore_case("ab", "abc"));
        assert!(contains_ignore_case("abc", "abc"));
        assert!(contains_ignore_case("ÄxABC", "abc"));
    }
}
