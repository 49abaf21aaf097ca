//! Conformance over the real third-party logs in `$QTRAIL_CORPUS`: every record
//! is accounted for (normalized, or rejected with a reason), and each folder's
//! records come out as the source they are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::process::Normalizer;
use super::redact::Redactor;
use super::test_support::corpus_records;

/// Corpus folder → the source its records must normalize as, and the share of its
/// records that must normalize (the rest are quarantined with a reason).
const EXPECTED: &[(&str, &str, f64)] = &[
    // 15 of 91 Okta test events have no usable `published` or no eventType.
    ("okta", "okta", 0.83),
    ("entra-id", "entra", 0.95),
    ("vault", "vault", 1.0),
    ("aws-cloudtrail", "cloudtrail", 0.97),
    ("braket", "cloudtrail", 1.0),
    ("azure-keyvault", "azure_activity", 0.95),
    // 49 of Panther's 214 GCP test snippets carry no timestamp at all: quarantined.
    ("gcp-audit", "gcp_audit", 0.70),
    ("azure-quantum", "azure_quantum", 0.99),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "jsonl" | "log")
        ) {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_record_is_accounted_for() {
    let Ok(root) = std::env::var("QTRAIL_CORPUS") else {
        eprintln!("QTRAIL_CORPUS unset: corpus conformance not run");
        return;
    };
    let root = PathBuf::from(root);
    assert!(
        root.is_dir(),
        "QTRAIL_CORPUS={} is not a directory",
        root.display()
    );
    let normalizer = Normalizer {
        forced: None,
        redactor: Redactor::new(b"conformance"),
        ingested_at: Utc::now(),
    };
    let mut report = String::new();
    for (folder, source, min_share) in EXPECTED {
        let mut paths = Vec::new();
        files(&root.join(folder), &mut paths);
        assert!(!paths.is_empty(), "corpus folder {folder} has no logs");
        let (mut total, mut ok) = (0usize, 0usize);
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for path in paths {
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if folder == &"vault" {
                // Vault's file is raw audit output (pretty-printed and single-line JSON):
                // it goes through the same framing as `qtrail ingest`.
                let bytes = std::fs::read(&path).unwrap();
                for frame in crate::sources::framing::Framer::new(&bytes[..], 1 << 20) {
                    match frame.unwrap() {
                        crate::sources::framing::Frame::Record { bytes, .. } => {
                            for r in normalizer.run(&bytes) {
                                total += 1;
                                match r {
                                    Ok(ev) => {
                                        assert_eq!(ev.source.as_str(), *source, "{rel}");
                                        ok += 1;
                                    }
                                    Err(e) => *reasons.entry(e.reason).or_default() += 1,
                                }
                            }
                        }
                        crate::sources::framing::Frame::Broken { reason, .. } => {
                            panic!("{rel}: {reason}")
                        }
                    }
                }
                continue;
            }
            for record in corpus_records(&rel).unwrap() {
                let bytes = serde_json::to_vec(&record).unwrap();
                for r in normalizer.run(&bytes) {
                    total += 1;
                    match r {
                        Ok(ev) => {
                            assert_eq!(ev.source.as_str(), *source, "{rel}: {record}");
                            assert!(!ev.event_id.is_empty() && !ev.raw.is_empty());
                            ok += 1;
                        }
                        Err(e) => {
                            assert!(!e.reason.is_empty());
                            // Keep the reason's gist (before any quoted value) for the tally.
                            let gist: String = e.reason.chars().take(110).collect();
                            *reasons.entry(gist).or_default() += 1;
                        }
                    }
                }
            }
        }
        report += &format!(
            "{folder:<16} {total:>5} records, {ok:>5} normalized as {source}, {:>4} quarantined\n",
            total - ok
        );
        for (reason, n) in &reasons {
            report += &format!("    {n:>4} x {reason}\n");
        }
        let share = ok as f64 / total.max(1) as f64;
        assert!(
            share >= *min_share,
            "{folder}: only {ok}/{total} normalized\n{report}"
        );
    }
    eprintln!("{report}");
}
