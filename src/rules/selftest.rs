//! `qtrail rules test`: every rule's own test events, run through the engine.

use chrono::{DateTime, Datelike, Utc};
use serde_yaml_ng::{Mapping, Value};

use super::engine::{Engine, EngineOptions};
use super::error::RuleError;
use super::spec::TestDoc;
use super::{Rule, RuleSet};
use crate::alerts::Alert;
use crate::event::NormalizedEvent;
use crate::time::parse_span;

/// The verdict of one test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The rule file.
    pub file: String,
    /// The test's name.
    pub name: String,
    /// Whether the rule did what the test expects.
    pub passed: bool,
    /// What went wrong, or the alerts' explanations when it passed.
    pub detail: String,
}

/// The most events one `repeat` may make: a test, not a load generator.
const MAX_REPEAT: u64 = 100_000;

/// Builds a test's events: `repeat`/`every` make bursts, `{i}` numbers them.
pub fn test_events(test: &TestDoc, file: &str) -> Result<Vec<NormalizedEvent>, RuleError> {
    let mut out = Vec::new();
    for (n, spec) in test.events.iter().enumerate() {
        let place = format!("qtrail.tests[{}].events[{n}]", test.name);
        let mut m: Mapping = spec.clone();
        let repeat = m
            .remove("repeat")
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| RuleError::new(file, &place, "`repeat` takes a count"))
            })
            .transpose()?
            .unwrap_or(1);
        if repeat > MAX_REPEAT {
            return Err(RuleError::new(
                file,
                &place,
                format!("`repeat: {repeat}` is more than a test needs; give at most {MAX_REPEAT}"),
            ));
        }
        let every = m
            .remove("every")
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| RuleError::new(file, &place, "`every` takes a span such as 30s"))
                    .and_then(|s| {
                        parse_span(s).map_err(|e| RuleError::new(file, &place, e.to_string()))
                    })
            })
            .transpose()?
            .unwrap_or_else(chrono::Duration::zero);
        for i in 0..repeat {
            let mut m = m.clone();
            for v in m.values_mut() {
                if let Value::String(s) = v
                    && s.contains("{i}")
                {
                    *s = s.replace("{i}", &i.to_string());
                }
            }
            if !m.contains_key("event_id") {
                m.insert("event_id".into(), format!("test-{n}-{i}").into());
            }
            let mut e: NormalizedEvent = serde_yaml_ng::from_value(Value::Mapping(m))
                .map_err(|e| RuleError::new(file, &place, e.to_string()))?;
            if e.time == DateTime::<Utc>::default() {
                return Err(RuleError::new(
                    file,
                    &place,
                    "every test event needs a `time`",
                ));
            }
            // Stored events fall between 2000 and tomorrow; rule windows of up to a
            // century are added to and taken from them. Test events keep to the same
            // centuries, so no window can take a time out of range.
            if !(1900..=2200).contains(&e.time.year()) {
                return Err(RuleError::new(
                    file,
                    &place,
                    format!(
                        "`time: {}` is not a plausible event time (years 1900 to 2200)",
                        e.time.to_rfc3339()
                    ),
                ));
            }
            e.time = every
                .checked_mul(i as i32)
                .and_then(|gap| e.time.checked_add_signed(gap))
                .ok_or_else(|| {
                    RuleError::new(file, &place, "`every` × `repeat` runs past the year 262143")
                })?;
            out.push(e);
        }
    }
    Ok(out)
}

fn check(test: &TestDoc, alerts: &[Alert]) -> Result<String, String> {
    let lines: Vec<String> = alerts
        .iter()
        .map(|a| format!("[{}] {}", a.entity, a.explanation))
        .collect();
    if alerts.len() != test.expect.alerts {
        return Err(format!(
            "expected {} alert(s), got {}{}",
            test.expect.alerts,
            alerts.len(),
            if lines.is_empty() {
                String::new()
            } else {
                format!(":\n      {}", lines.join("\n      "))
            }
        ));
    }
    if let Some(want) = &test.expect.entity
        && let Some(a) = alerts.iter().find(|a| &a.entity != want)
    {
        return Err(format!("expected entity {want}, got {}", a.entity));
    }
    if let Some(want) = &test.expect.explanation_contains
        && let Some(a) = alerts
            .iter()
            .find(|a| !a.explanation.contains(want.as_str()))
    {
        return Err(format!("explanation lacks {want:?}: {}", a.explanation));
    }
    Ok(lines.join("\n      "))
}

/// Runs every test of every rule; each test starts from empty state.
pub fn run_all(set: RuleSet, opts: EngineOptions) -> (Vec<TestOutcome>, RuleSet) {
    let mut outcomes = Vec::new();
    let mut kept = Vec::new();
    for rule in set.rules {
        let tests = rule.tests.clone();
        let file = rule.file.clone();
        let mut rule: Rule = rule;
        if tests.is_empty() {
            outcomes.push(TestOutcome {
                file: file.clone(),
                name: "(no tests)".into(),
                passed: false,
                detail: "every rule ships with tests: add `qtrail.tests`".into(),
            });
        }
        for test in &tests {
            let mut engine = Engine::new(RuleSet { rules: vec![rule] }, opts);
            let result = test_events(test, &file)
                .map_err(|e| e.to_string())
                .and_then(|events| {
                    let mut alerts = Vec::new();
                    for e in events {
                        engine.push(e, &mut alerts);
                    }
                    engine.drain(&mut alerts);
                    check(test, &alerts)
                });
            rule = engine.into_rules().pop().expect("one rule in, one out");
            outcomes.push(TestOutcome {
                file: file.clone(),
                name: test.name.clone(),
                passed: result.is_ok(),
                detail: result.unwrap_or_else(|e| e),
            });
        }
        kept.push(rule);
    }
    (outcomes, RuleSet { rules: kept })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_doc(yaml: &str) -> TestDoc {
        serde_yaml_ng::from_str(yaml).expect("test doc parses")
    }

    #[test]
    fn implausible_times_and_bursts_are_refused_with_a_reason() {
        let far = test_doc(
            "name: far\nevents:\n  - {source: vault, class: secret_access, action: read, time: '3000-01-01T00:00:00Z'}\nexpect: {alerts: 0}\n",
        );
        let e = test_events(&far, "r.yml").unwrap_err().to_string();
        assert!(e.contains("not a plausible event time"), "{e}");
        let burst = test_doc(
            "name: burst\nevents:\n  - {source: vault, class: secret_access, action: read, time: '2026-01-01T00:00:00Z', repeat: 1000000}\nexpect: {alerts: 0}\n",
        );
        let e = test_events(&burst, "r.yml").unwrap_err().to_string();
        assert!(e.contains("at most 100000"), "{e}");
        let fine = test_doc(
            "name: fine\nevents:\n  - {source: vault, class: secret_access, action: read, time: '2026-01-01T00:00:00Z', repeat: 3, every: 1m}\nexpect: {alerts: 0}\n",
        );
        let ev = test_events(&fine, "r.yml").unwrap();
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[2].time - ev[0].time, chrono::Duration::minutes(2));
    }
}
