//! The shipped rules against third-party labelled events (`$QTRAIL_CORPUS`), where
//! our rule means the same thing as the labelling rule. Each labelled row is judged
//! alone, with fresh state: the labels are per event, and the sets reuse ids and
//! templates that would otherwise collide.

use std::collections::BTreeMap;

use serde_json::Value;

use super::RuleSet;
use super::engine::{Engine, EngineOptions};
use super::shipped::RULES;
use crate::normalize::process::Normalizer;
use crate::normalize::redact::Redactor;

/// One labelled row: the labelling rule, the test's name, its verdict, the record.
struct Labelled {
    rule_id: String,
    test: String,
    expected: bool,
    record: Value,
}

fn labelled(rel: &str) -> Option<Vec<Labelled>> {
    let text = crate::normalize::test_support::corpus_text(rel)?;
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                Labelled {
                    rule_id: v["rule_id"].as_str().unwrap_or_default().to_string(),
                    test: v["test_name"].as_str().unwrap_or_default().to_string(),
                    expected: v["expected_result"].as_bool().unwrap_or(false),
                    record: v["log"].clone(),
                }
            })
            .collect(),
    )
}

/// Every record of an unlabelled corpus file (a JSON array, `{"Records": [...]}` or lines).
fn records(rel: &str) -> Option<Vec<Value>> {
    crate::normalize::test_support::corpus_records(rel)
}

/// Whether the shipped rule `file` raises an alert on the record, alone.
/// `None` when the record does not normalize.
fn fires(file: &str, record: &Value) -> Option<bool> {
    fires_on(file, std::slice::from_ref(record))
}

fn fires_on(file: &str, records: &[Value]) -> Option<bool> {
    let text = RULES
        .iter()
        .find(|(n, _)| *n == file)
        .unwrap_or_else(|| panic!("no shipped rule {file}"))
        .1;
    let set = RuleSet::from_sources([(file.to_string(), text.to_string())]).unwrap();
    let normalizer = Normalizer {
        forced: None,
        redactor: Redactor::new(b"corpus-check"),
        ingested_at: chrono::Utc::now(),
    };
    let mut engine = Engine::new(set, EngineOptions::default());
    let mut alerts = Vec::new();
    let mut any = false;
    for r in records {
        for e in normalizer
            .run(serde_json::to_vec(r).unwrap())
            .into_iter()
            .flatten()
        {
            any = true;
            engine.push(e, &mut alerts);
        }
    }
    engine.drain(&mut alerts);
    any.then_some(!alerts.is_empty())
}

/// Judges every row of the given labelling rules; returns (agreed, judged) and
/// panics listing rows that disagree, except the `known` divergences (test names).
fn check(
    report: &mut BTreeMap<String, String>,
    file: &str,
    rows: &[Labelled],
    rule_ids: &[&str],
    known: &[&str],
) {
    let mut agreed = 0;
    let mut judged = 0;
    let mut wrong = Vec::new();
    let mut diverged = Vec::new();
    for row in rows
        .iter()
        .filter(|r| rule_ids.contains(&r.rule_id.as_str()))
    {
        let Some(fired) = fires(file, &row.record) else {
            continue;
        };
        judged += 1;
        if fired == row.expected {
            agreed += 1;
        } else if known.contains(&row.test.as_str()) {
            diverged.push(row.test.clone());
        } else {
            wrong.push(format!(
                "{} / {}: expected {}, fired {fired}",
                row.rule_id, row.test, row.expected
            ));
        }
    }
    assert!(
        judged > 0,
        "{file}: no labelled row of {rule_ids:?} normalized"
    );
    assert!(
        wrong.is_empty(),
        "{file} disagrees with the labels:\n{}",
        wrong.join("\n")
    );
    let line = report.entry(file.to_string()).or_default();
    line.push_str(&format!(
        "{}: {agreed}/{judged} agree{}; ",
        rule_ids.join("+"),
        if diverged.is_empty() {
            String::new()
        } else {
            format!(" (known divergences: {})", diverged.join(", "))
        }
    ));
}

#[test]
fn shipped_rules_agree_with_third_party_labels() {
    let Some(cloudtrail) = labelled(
        "aws-cloudtrail/panther-labs__panther-analysis/rules/EXTRACTED_tests__AWS.CloudTrail.jsonl",
    ) else {
        eprintln!("QTRAIL_CORPUS unset: corpus rule check not run");
        return;
    };
    let okta =
        labelled("okta/panther-labs__panther-analysis/rules/EXTRACTED_tests__Okta.SystemLog.jsonl")
            .unwrap();
    let entra = labelled(
        "entra-id/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.Audit.jsonl",
    )
    .unwrap();
    let mut report = BTreeMap::new();

    // Admin grants: attaching AdministratorAccess, Okta admin roles, Entra elevation.
    let admin = "admin-role-granted.yml";
    check(
        &mut report,
        admin,
        &cloudtrail,
        &[
            "AWS.IAM.AttachAdminUserPolicy",
            "AWS.IAM.AttachAdminRolePolicy",
        ],
        &[],
    );
    check(&mut report, admin, &okta, &["Okta.AdminRoleAssigned"], &[]);
    check(
        &mut report,
        admin,
        &entra,
        &["Azure.Audit.ElevateUserAccessAdministrator"],
        &[],
    );
    // AWS's own quarantine policies on a leaked key are not admin grants.
    for row in cloudtrail.iter().filter(|r| {
        [
            "AWS.CloudTrail.IAMCompromisedKeyQuarantine",
            "AWS.IAM.AccessKeyCompromised",
        ]
        .contains(&r.rule_id.as_str())
    }) {
        assert_ne!(
            fires(admin, &row.record),
            Some(true),
            "{} / {}",
            row.rule_id,
            row.test
        );
    }

    // Root use and long-lived credentials.
    check(
        &mut report,
        "aws-root-used.yml",
        &cloudtrail,
        &[
            "AWS.Root.Activity",
            "AWS.Console.RootLogin",
            "AWS.CloudTrail.RootAccessKeyCreated",
            "AWS.CloudTrail.RootPasswordChanged",
        ],
        // Panther's rules are about one act each (root's own key, a password that
        // changed, no reads); any use of root is this rule's business.
        &[
            "Root Created Access Key For User",
            "Root Read-Only Enumeration",
            "Root Password Change Failed",
        ],
    );
    let credential = "credential-created.yml";
    check(
        &mut report,
        credential,
        &cloudtrail,
        &[
            "AWS.IAM.Backdoor.User.Keys",
            "AWS.CloudTrail.RootAccessKeyCreated",
        ],
        // Panther wants a key made for someone else, or for root itself; any new
        // long-lived key is this rule's business.
        &[
            "user1 create keys for user1",
            "Root Created Access Key For User",
        ],
    );
    check(
        &mut report,
        credential,
        &entra,
        &["Azure.Audit.ServicePrincipalCredentialsAdded"],
        &[],
    );
    check(&mut report, credential, &okta, &["Okta.APIKeyCreated"], &[]);

    // Console sign-in without MFA. Panther mocks an account-age lookup for "New User"
    // (its log is byte-identical to a true case) and qtrail keeps no SAML provider.
    let mfa = "console-login-without-mfa.yml";
    check(
        &mut report,
        mfa,
        &cloudtrail,
        &["AWS.Console.LoginWithoutMFA"],
        &["No MFA Login - New User", "MFA Login - SAML"],
    );
    check(
        &mut report,
        mfa,
        &entra,
        &["Azure.Audit.ROPCLoginNoMFA"],
        &[],
    );

    // Sign-in through an anonymizer: Okta's isProxy, Entra's anonymizedIPAddress.
    let anon = "anonymizer-sign-in.yml";
    check(
        &mut report,
        anon,
        &okta,
        &["Okta.Anonymizing.VPN.Login"],
        &[],
    );
    check(
        &mut report,
        anon,
        &entra,
        &["Azure.Audit.HighRiskSignIn"],
        &[],
    );

    // Attack detonations (labelled by technique) and a benign trace.
    let stratus = "aws-cloudtrail/DataDog__stratus-red-team/docs/detonation-logs";
    for (file, rule, want) in [
        ("aws.persistence.iam-create-admin-user.json", admin, true),
        ("aws.persistence.iam-create-backdoor-role.json", admin, true),
        (
            "aws.initial-access.console-login-without-mfa.json",
            mfa,
            true,
        ),
        (
            "aws.credential-access.secretsmanager-batch-retrieve-secrets.json",
            "secrets-batch-read.yml",
            true,
        ),
        ("aws.persistence.iam-backdoor-user.json", credential, true),
    ] {
        let recs = records(&format!("{stratus}/{file}")).unwrap();
        assert_eq!(fires_on(rule, &recs), Some(want), "{rule} on {file}");
        report
            .entry(rule.to_string())
            .or_default()
            .push_str(&format!("stratus {file}: fires; "));
    }
    let otrf = records("aws-cloudtrail/OTRF__Security-Datasets/datasets/atomic/aws/collection/ec2_proxy_s3_exfiltration_2020-09-14011940.json").unwrap();
    assert_eq!(
        fires_on(mfa, &otrf),
        Some(false),
        "OTRF console user signed in with MFA"
    );

    for (rule, line) in &report {
        eprintln!("{rule}: {line}");
    }
}
