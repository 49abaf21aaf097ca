//! Detection end to end: the shipped rules over the incident fixtures, through the
//! library (restart and reordering) and through the binary (ingest, detect, alerts).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Duration;
use qtrail::alerts::Alert;
use qtrail::enrich::geoip::{GeoIp, GeoIpPaths};
use qtrail::event::NormalizedEvent;
use qtrail::normalize::process::Normalizer;
use qtrail::normalize::redact::Redactor;
use qtrail::rules::RuleSet;
use qtrail::rules::engine::{Engine, EngineOptions, EngineSnapshot};
use qtrail::sources::framing::{DEFAULT_MAX_RECORD_BYTES, Frame, Framer};

mod common;
use common::{fixtures, ok, qtrail};

/// The incident fixtures, normalized and enriched with the demo GeoIP databases.
fn incident_events() -> Vec<NormalizedEvent> {
    let geo = |n: &str| Some(fixtures().join("geoip").join(n));
    let geoip = GeoIp::open(&GeoIpPaths {
        city: geo("qtrail-demo-City.mmdb"),
        asn: geo("qtrail-demo-ASN.mmdb"),
        anonymous: geo("qtrail-demo-Anonymous-IP.mmdb"),
    })
    .unwrap();
    let normalizer = Normalizer {
        forced: None,
        redactor: Redactor::new(b"test-key-test-key-test-key-32byt"),
        ingested_at: chrono::Utc::now(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "jsonl"))
        .collect();
    files.sort();
    let mut events = Vec::new();
    for f in files {
        let reader = std::io::BufReader::new(std::fs::File::open(&f).unwrap());
        for frame in Framer::new(reader, DEFAULT_MAX_RECORD_BYTES) {
            let Frame::Record { bytes, .. } = frame.unwrap() else {
                panic!("{} has a broken record", f.display());
            };
            for e in normalizer.run(&bytes) {
                let mut e = e.unwrap_or_else(|r| panic!("{}: {}", f.display(), r.reason));
                geoip.enrich(&mut e);
                events.push(e);
            }
        }
    }
    assert!(events.len() > 150, "{} incident events", events.len());
    events
}

fn engine() -> Engine {
    Engine::new(RuleSet::shipped().unwrap(), EngineOptions::default())
}

fn run(events: impl IntoIterator<Item = NormalizedEvent>) -> Vec<Alert> {
    let mut e = engine();
    let mut alerts = Vec::new();
    for ev in events {
        e.push(ev, &mut alerts);
    }
    e.drain(&mut alerts);
    alerts
}

fn by_time(mut events: Vec<NormalizedEvent>) -> Vec<NormalizedEvent> {
    events.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    events
}

fn verdicts(alerts: &[Alert]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = alerts
        .iter()
        .map(|a| {
            (
                a.alert_id.clone(),
                a.rule_title.clone(),
                a.explanation.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_shipped_rules_catch_every_incident_story() {
    let alerts = run(by_time(incident_events()));
    let has = |title: &str, entity: &str| {
        alerts
            .iter()
            .any(|a| a.rule_title.contains(title) && a.entity == entity)
    };
    assert!(has("Impossible travel", "alice@qlab.example"));
    assert!(has("country never seen for the user", "alice@qlab.example"));
    assert!(has("Burst of failed sign-ins", "bob@qlab.example"));
    assert!(has("Password spraying", "192.0.2.66"));
    assert!(has("outside approved hours", "carol@qlab.example"));
    assert!(has("most of the QPU time", "dave@qlab.example"));
    assert!(has("Burst of secret reads", "alice@qlab.example"));
    assert!(has("Privileged role granted", "erin@qlab.example"));
    // Azure Quantum's job record names no user; the workspace audit log names
    // frank as the creator of the $1,840 job, and the rule sees him on the record.
    assert!(has("Unusually large job", "frank@qlab.example"));
    // Erin revokes alice's token by accessor; the stolen copy is then tried, and
    // Vault, unable to resolve a revoked token, logs its HMAC alone.
    assert!(has(
        "Token used after it was revoked",
        "hmac-sha256:8e8aa7f69e79511479cc21a7d3f462a2685d4490807ae642fc594a9c27682636"
    ));
    // The simulator job carol ran at the same hour is not hardware use.
    assert!(
        !alerts
            .iter()
            .any(|a| a.rule_title.contains("outside approved hours")
                && a.backend
                    .as_deref()
                    .is_some_and(|b| b.contains("simulator"))),
        "a simulator job was taken for hardware"
    );
    // Every alert carries its evidence and a one-line explanation.
    for a in &alerts {
        assert!(
            !a.evidence.is_empty() && !a.explanation.contains('\n'),
            "{a:?}"
        );
        assert!(a.first_seen <= a.last_seen);
    }
}

#[test]
fn out_of_order_input_inside_the_lateness_changes_no_verdict() {
    let sorted = by_time(incident_events());
    let baseline = verdicts(&run(sorted.clone()));
    assert!(baseline.len() >= 8);
    // Shuffle: every event moves by up to 4 minutes of event time (lateness is 10).
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut keyed: Vec<(chrono::DateTime<chrono::Utc>, NormalizedEvent)> = sorted
        .into_iter()
        .map(|e| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (e.time + Duration::seconds((seed % 240) as i64), e)
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    let shuffled: Vec<NormalizedEvent> = keyed.into_iter().map(|(_, e)| e).collect();
    let mut e = engine();
    let mut alerts = Vec::new();
    for ev in shuffled {
        e.push(ev, &mut alerts);
    }
    e.drain(&mut alerts);
    assert_eq!(e.stats().late, 0);
    assert_eq!(verdicts(&alerts), baseline);
}

#[test]
fn a_restart_mid_stream_changes_no_verdict() {
    let sorted = by_time(incident_events());
    let baseline = verdicts(&run(sorted.clone()));
    for cut in [sorted.len() / 3, sorted.len() / 2, sorted.len() * 4 / 5] {
        let mut first = engine();
        let mut alerts = Vec::new();
        for ev in sorted[..cut].iter().cloned() {
            first.push(ev, &mut alerts);
        }
        // What a process saves on the way down, read back by a new process.
        let saved = serde_json::to_string(&first.snapshot()).unwrap();
        drop(first);
        let mut second = engine();
        let restored: EngineSnapshot = serde_json::from_str(&saved).unwrap();
        assert!(second.restore(restored).is_empty(), "no rule changed");
        for ev in sorted[cut..].iter().cloned() {
            second.push(ev, &mut alerts);
        }
        second.drain(&mut alerts);
        assert_eq!(verdicts(&alerts), baseline, "cut at {cut}");
    }
}

#[test]
fn events_later_than_the_lateness_are_counted_not_folded_in() {
    let sorted = by_time(incident_events());
    let mut e = engine();
    let mut alerts = Vec::new();
    for ev in sorted.iter().cloned() {
        e.push(ev, &mut alerts);
    }
    let before = alerts.len();
    // bob's failures again, a week late: too late for the burst window.
    let mut late: Vec<NormalizedEvent> = sorted
        .iter()
        .filter(|ev| {
            ev.user.as_deref() == Some("bob@qlab.example") && ev.outcome.as_str() == "failure"
        })
        .cloned()
        .collect();
    assert!(late.len() >= 10);
    for (i, ev) in late.iter_mut().enumerate() {
        ev.event_id = format!("late-{i}");
    }
    let n = late.len() as u64;
    for ev in late {
        e.push(ev, &mut alerts);
    }
    assert_eq!(e.stats().late, n);
    assert!(
        !alerts[before..]
            .iter()
            .any(|a| a.rule_title.contains("Burst of failed")),
        "a late burst was folded into a window that had closed"
    );
}

// --- through the binary ---

fn alert_ids(json_lines: &str) -> BTreeSet<String> {
    json_lines
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["alert_id"].as_str().unwrap().to_string()
        })
        .collect()
}

fn geoip_args() -> Vec<String> {
    let db = |n: &str| fixtures().join("geoip").join(n).display().to_string();
    vec![
        "--geoip-city".into(),
        db("qtrail-demo-City.mmdb"),
        "--geoip-asn".into(),
        db("qtrail-demo-ASN.mmdb"),
    ]
}

#[test]
fn ingest_and_detect_find_the_same_alerts_and_a_rerun_stores_none_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let incidents = fixtures().join("incidents");
    let out = ok(qtrail(&data)
        .args(["ingest", "--json", "--no-progress"])
        .args(geoip_args())
        .arg(&incidents)
        .output()
        .unwrap());
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    let raised = summary["alerts"].as_u64().unwrap();
    assert!(raised >= 8, "{summary}");
    assert_eq!(summary["alerts_stored"], raised);

    let stored = alert_ids(&ok(qtrail(&data)
        .args(["alerts", "--output", "json", "--limit", "1000"])
        .output()
        .unwrap()));
    assert_eq!(stored.len() as u64, raised);
    // Backtesting over the stored history gives the same alerts as the stream did.
    let backtest = alert_ids(&ok(qtrail(&data)
        .args(["detect", "--output", "json"])
        .output()
        .unwrap()));
    assert_eq!(backtest, stored);

    // OCSF findings for the SIEM.
    let ocsf = ok(qtrail(&data)
        .args(["alerts", "--output", "ocsf", "--rule", "spraying"])
        .output()
        .unwrap());
    let finding: serde_json::Value = serde_json::from_str(ocsf.lines().next().unwrap()).unwrap();
    assert_eq!(finding["class_uid"], 2004);
    assert_eq!(
        finding["finding_info"]["attacks"][0]["technique"]["uid"],
        "T1110.003"
    );
    assert!(
        finding["finding_info"]["related_events"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );

    // The same input again: nothing new stored, nothing evaluated twice.
    let again: serde_json::Value = serde_json::from_str(&ok(qtrail(&data)
        .args(["ingest", "--json", "--no-progress"])
        .args(geoip_args())
        .arg(&incidents)
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(again["stored"], 0);
    assert_eq!(again["alerts"], 0, "{again}");
}

#[test]
fn a_stream_split_over_runs_gives_the_alerts_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let split = tmp.path().join("split");
    let incidents = fixtures().join("incidents");
    ok(qtrail(&whole)
        .args(["ingest", "--no-progress"])
        .args(geoip_args())
        .arg(&incidents)
        .output()
        .unwrap());
    // One file per run, the stream going on between them: events wait in the saved
    // state (a 60-day lateness holds them all) until the last run ends the input.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&incidents)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for (i, f) in files.iter().enumerate() {
        let mut c = qtrail(&split);
        c.args(["ingest", "--no-progress", "--lateness", "60d"])
            .args(geoip_args());
        if i + 1 < files.len() {
            c.arg("--keep-pending");
        }
        ok(c.arg(f).output().unwrap());
    }
    let list = |d: &Path| {
        alert_ids(&ok(qtrail(d)
            .args(["alerts", "--output", "json", "--limit", "1000"])
            .output()
            .unwrap()))
    };
    assert_eq!(list(&split), list(&whole));
}

#[test]
fn broken_rules_and_databases_are_refused_at_start_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("bad.yml"),
        "title: t\nid: x\ndetection:\n  sel:\n    usr: alice\n  condition: sel\n",
    )
    .unwrap();
    let out = qtrail(tmp.path())
        .args(["rules", "check", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yml") && err.contains("detection.sel.usr") && err.contains("`user`"),
        "{err}"
    );
    let out = qtrail(&tmp.path().join("data"))
        .args(["ingest", "--geoip-city", "/nonexistent/City.mmdb"])
        .arg(fixtures().join("incidents"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/City.mmdb") && err.contains("--geoip-city"),
        "{err}"
    );
    assert!(
        !tmp.path()
            .join("data")
            .join("events")
            .join("dt=2026-11-10")
            .exists()
    );
}

#[test]
fn every_shipped_rule_passes_its_own_tests() {
    let out = ok(Command::new(env!("CARGO_BIN_EXE_qtrail"))
        .args(["rules", "test"])
        .env_remove("QTRAIL_RULES")
        .output()
        .unwrap());
    assert!(out.contains(" 0 failed"), "{out}");
}

#[test]
fn a_crash_mid_ingest_loses_and_repeats_no_alert() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("input");
    std::fs::create_dir(&input).unwrap();
    // Background traffic before the incidents, so kills land while files are written.
    ok(Command::new(env!("CARGO_BIN_EXE_qtrail"))
        .args(["generate", "--events", "40000", "--days", "3", "--out"])
        .arg(input.join("background.jsonl"))
        .output()
        .unwrap());
    for f in std::fs::read_dir(fixtures().join("incidents")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, input.join(f.file_name().unwrap())).unwrap();
    }
    let clean = tmp.path().join("clean");
    ok(qtrail(&clean)
        .args(["ingest", "--no-progress", "--file-rows", "2000"])
        .args(geoip_args())
        .arg(&input)
        .output()
        .unwrap());

    let crashed = tmp.path().join("crashed");
    let mut interrupted = 0;
    for round in 0..2u64 {
        let mut child = qtrail(&crashed)
            .args(["ingest", "--no-progress", "--file-rows", "2000"])
            .args(geoip_args())
            .arg(&input)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let events = crashed.join("events");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let files = walk(&events).len() as u64;
            if files >= 3 + round * 5
                || std::time::Instant::now() > deadline
                || child.try_wait().unwrap().is_some()
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().ok(); // SIGKILL
        let status = child.wait().unwrap();
        if !status.success() {
            interrupted += 1;
        }
    }
    assert!(interrupted > 0, "no kill landed: the test proved nothing");
    ok(qtrail(&crashed)
        .args(["ingest", "--no-progress", "--file-rows", "2000"])
        .args(geoip_args())
        .arg(&input)
        .output()
        .unwrap());
    let list = |d: &Path| {
        alert_ids(&ok(qtrail(d)
            .args(["alerts", "--output", "json", "--limit", "100000"])
            .output()
            .unwrap()))
    };
    let want = list(&clean);
    assert!(want.len() >= 8);
    assert_eq!(list(&crashed), want);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out
}
