//! Odd records never meet a bug: every fixture record, with one value at a time
//! replaced by a value of another shape (null, a number, a string, an empty array
//! or object, a time no clock can show), is normalized or rejected with a reason,
//! and never reaches the panic guard ("internal error"), whose quarantine would
//! hide a producer's record behind a bug of ours.

use chrono::Utc;
use serde_json::Value;

use super::process::Normalizer;
use super::redact::Redactor;
use super::test_support::fixture;

/// Every path to a value inside `v`, as keys and indexes.
fn paths(v: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                prefix.push(PathStep::Key(k.clone()));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate().take(3) {
                prefix.push(PathStep::Index(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        PathStep::Key(k) => v.get_mut(k.as_str()),
        PathStep::Index(i) => v.get_mut(*i),
    })
}

#[test]
fn one_odd_value_anywhere_in_a_record_is_never_an_internal_error() {
    let normalizer = Normalizer {
        forced: None,
        redactor: Redactor::new(b"robustness"),
        ingested_at: Utc::now(),
    };
    let replacements = [
        Value::Null,
        serde_json::json!(-1),
        serde_json::json!(1e300),
        serde_json::json!(""),
        serde_json::json!("9999-99-99T99:99:99Z"),
        serde_json::json!([]),
        serde_json::json!({}),
    ];
    let files = [
        "okta/system_log.jsonl",
        "entra/graph.jsonl",
        "entra/sentinel.jsonl",
        "entra/signin_diagnostic.jsonl",
        "vault/audit.jsonl",
        "cloudtrail/events.jsonl",
        "keyvault/auditevent.jsonl",
        "azure_activity/activity.jsonl",
        "gcp_audit/events.jsonl",
        "ibm_quantum/jobs.jsonl",
        "ibm_quantum/activity_tracker.jsonl",
        "azure_quantum/jobs.jsonl",
        "azure_quantum/audit.jsonl",
        "braket_events/events.jsonl",
        "webhook/job_events.jsonl",
    ];
    let (mut tried, mut bugs) = (0usize, Vec::new());
    for file in files {
        for record in fixture(file) {
            let mut all = Vec::new();
            paths(&record, &mut Vec::new(), &mut all);
            for path in &all {
                for replacement in &replacements {
                    let mut odd = record.clone();
                    if let Some(slot) = at(&mut odd, path) {
                        *slot = replacement.clone();
                    }
                    tried += 1;
                    let text = odd.to_string();
                    for result in normalizer.run(text.as_bytes()) {
                        if let Err(r) = result
                            && r.reason.starts_with("internal error")
                        {
                            bugs.push(format!("{file} {path:?} = {replacement}: {}", r.reason));
                        }
                    }
                }
            }
        }
    }
    assert!(tried > 10_000, "only {tried} variants tried");
    assert!(
        bugs.is_empty(),
        "{} of {tried} variants met a bug:\n{}",
        bugs.len(),
        bugs.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}
