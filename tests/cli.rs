//! End-to-end tests of the `qtrail` binary: real files, real child processes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn qtrail(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qtrail"));
    c.arg("--data-dir")
        .arg(data)
        .env_remove("RUST_LOG")
        .env_remove("QTRAIL_DATA_DIR");
    c
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "qtrail failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn ingest_json(data: &Path, args: &[&str]) -> Value {
    let out = ok(qtrail(data)
        .arg("ingest")
        .arg("--json")
        .args(args)
        .output()
        .unwrap());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("summary is not JSON ({e}): {out}"))
}

fn sql_rows(data: &Path, sql: &str) -> Vec<Value> {
    let out = ok(qtrail(data)
        .args(["sql", "--output", "json", sql])
        .output()
        .unwrap());
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[test]
fn fixtures_ingest_once_and_a_second_run_stores_nothing_new() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let first = ingest_json(&data, &[fixtures().to_str().unwrap()]);
    let stored = first["stored"].as_u64().unwrap();
    assert!(stored > 50, "{first}");
    // Every format has fixtures, and each one made it into storage.
    for source in [
        "okta",
        "entra",
        "vault",
        "cloudtrail",
        "keyvault",
        "azure_activity",
        "gcp_audit",
        "ibm_quantum",
        "azure_quantum",
        "webhook",
    ] {
        assert!(
            first["per_source"][source]["stored"].as_u64().unwrap_or(0) > 0,
            "no {source} events stored: {first}"
        );
    }
    // The deliberately broken samples are quarantined, not dropped.
    assert!(first["quarantined"].as_u64().unwrap() >= 5, "{first}");

    let second = ingest_json(&data, &[fixtures().to_str().unwrap()]);
    assert_eq!(second["stored"], 0, "{second}");
    assert_eq!(second["duplicates"].as_u64().unwrap(), stored);
    assert_eq!(
        second["quarantined_by_stage"],
        serde_json::json!({}),
        "{second}"
    );

    let rows = sql_rows(
        &data,
        "SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events",
    );
    assert_eq!(rows[0]["n"].as_u64().unwrap(), stored);
    assert_eq!(rows[0]["ids"].as_u64().unwrap(), stored);
}

#[test]
fn quarantine_keeps_reason_position_and_bytes_and_the_rest_goes_through() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let input = tmp.path().join("mixed.jsonl");
    let good = r#"{"schema":"qtrail.job_event/v1","id":"j-1","time":"2026-10-01T12:00:00Z","action":"submit","user":"alice","backend":"ibm_torino","hardware":"qpu"}"#;
    let good2 = good.replace("j-1", "j-2");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(format!("{good}\n").as_bytes());
    bytes.extend_from_slice(b"{\"schema\":\"qtrail.job_event/v1\",\"id\":\"j-3\",\"time\":\n"); // truncated line
    bytes.extend_from_slice(format!("{good2}\n").as_bytes());
    bytes.extend_from_slice(b"{\"hello\": \"\xff\xfe\"}\n"); // invalid UTF-8
    bytes.extend_from_slice(b"{\"no\": \"format\"}\n"); // unknown format
    bytes.extend_from_slice(b"{\"schema\":\"qtrail.job_event/v1\",\"id\":\"j-4\",\"time\":\"1970-01-01T00:00:00Z\",\"action\":\"submit\"}\n");
    bytes.extend_from_slice(b"not json at all\n");
    std::fs::write(&input, &bytes).unwrap();

    let s = ingest_json(&data, &[input.to_str().unwrap()]);
    assert_eq!(s["stored"], 2, "{s}");
    assert_eq!(s["quarantined"], 5, "{s}");

    let q = sql_rows(
        &data,
        "SELECT line, stage, reason, raw_text AS raw FROM quarantine ORDER BY byte_offset",
    );
    let got: Vec<(u64, &str)> = q
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["stage"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, "framing"),
            (4, "parse"),
            (5, "detect"),
            (6, "validate"),
            (7, "framing")
        ]
    );
    assert!(
        q[1]["reason"].as_str().unwrap().contains("invalid UTF-8"),
        "{}",
        q[1]
    );
    assert!(
        q[3]["reason"]
            .as_str()
            .unwrap()
            .contains("impossible timestamp"),
        "{}",
        q[3]
    );
    assert!(
        q[0]["raw"]
            .as_str()
            .unwrap()
            .starts_with("{\"schema\":\"qtrail.job_event/v1\",\"id\":\"j-3\"")
    );

    let listing = ok(qtrail(&data).arg("quarantine").output().unwrap());
    assert!(listing.starts_with("5 quarantined records"), "{listing}");
}

#[test]
fn stdin_gzip_arrays_and_envelopes_are_read() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let rec = |id: &str| {
        format!(
            r#"{{"schema":"qtrail.job_event/v1","id":"{id}","time":"2026-10-01T12:00:00Z","action":"submit"}}"#
        )
    };
    // gzip file holding a CloudTrail-style envelope
    let gz = tmp.path().join("envelope.json.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    write!(enc, "{{\"Records\": [{}, {}]}}", rec("a"), rec("b")).unwrap();
    enc.finish().unwrap();
    let s = ingest_json(&data, &[gz.to_str().unwrap()]);
    assert_eq!(s["stored"], 2, "{s}");

    let mut child = qtrail(&data)
        .args(["ingest", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    write!(
        child.stdin.take().unwrap(),
        "[\n{},\n{}\n]\n",
        rec("c"),
        rec("a")
    )
    .unwrap();
    let s: Value = serde_json::from_str(&ok(child.wait_with_output().unwrap())).unwrap();
    assert_eq!(
        (s["stored"].as_u64(), s["duplicates"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );
}

#[test]
fn planted_secrets_never_reach_storage_or_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let secrets = [
        "SuperSecretBearer0123456789",
        "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
        "FQoGZXIvYXdzEJr-session-token-value",
        "AbCdSasSignature987654321",
        "hunter2hunter2",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlMTIz",
    ];
    let input = tmp.path().join("secrets.jsonl");
    let lines = [
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"2026-10-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetSessionToken","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/bob","accountId":"1","userName":"bob"}},"requestParameters":{{"durationSeconds":900}},"responseElements":{{"credentials":{{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"{}","sessionToken":"{}","expiration":"Oct 1, 2026 11:00:00 AM"}}}},"eventID":"sec-1","requestID":"r-1"}}"#,
            secrets[1], secrets[2]
        ),
        format!(
            r#"{{"schema":"qtrail.job_event/v1","id":"sec-2","time":"2026-10-01T10:01:00Z","action":"submit","user":"bob","message":"called with Authorization: Bearer {} and {}"}}"#,
            secrets[0], secrets[5]
        ),
        format!(
            r#"{{"id":"sec-3","itemType":"Job","providerId":"ionq","target":"ionq.qpu.aria-1","status":"Succeeded","creationTime":"2026-10-01T10:00:00Z","beginExecutionTime":"2026-10-01T10:01:00Z","endExecutionTime":"2026-10-01T10:02:00Z","containerUri":"https://acct.blob.core.windows.net/job?sv=2020&sig={}&se=2050"}}"#,
            secrets[3]
        ),
        format!(
            r#"{{"user": "bob", "password": "{}", "broken": "#,
            secrets[4]
        ),
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = qtrail(&data)
        .args(["-vv", "ingest", "--json"])
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = ok(out);
    let s: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(s["stored"], 3, "{s}");
    assert_eq!(s["quarantined"], 1, "{s}");

    let mut stored = String::new();
    stored += &ok(qtrail(&data)
        .args(["sql", "--output", "json", "SELECT * FROM events"])
        .output()
        .unwrap());
    stored += &ok(qtrail(&data)
        .args(["sql", "--output", "json", "SELECT * FROM quarantine"])
        .output()
        .unwrap());
    assert!(
        stored.contains("qfp:"),
        "fingerprints are stored in place of secrets"
    );
    for secret in secrets {
        assert!(
            !stored.contains(secret),
            "secret {secret} is stored in the clear"
        );
        assert!(!stderr.contains(secret), "secret {secret} is in the logs");
    }
    // And no file in the data directory holds one either, compressed or not.
    for entry in walk(&data) {
        let bytes = std::fs::read(&entry).unwrap();
        for secret in secrets {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{} holds {secret}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn killed_mid_ingest_leaves_no_partial_file_and_a_rerun_completes_without_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let input = tmp.path().join("big.jsonl");
    let n: u64 = 60_000;
    ok(Command::new(env!("CARGO_BIN_EXE_qtrail"))
        .args([
            "generate",
            "--events",
            &n.to_string(),
            "--days",
            "3",
            "--out",
        ])
        .arg(&input)
        .output()
        .unwrap());
    let events = data.join("events");
    // Kill the ingest three times at different moments: once files start to appear.
    let mut interrupted = 0;
    for round in 0..3u64 {
        let mut child = qtrail(&data)
            .args(["ingest", "--no-progress", "--file-rows", "2000"])
            .arg(&input)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let target = 2 + round * 4;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let files = walk_if(&events)
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
                .count() as u64;
            if files >= target
                || std::time::Instant::now() > deadline
                || child.try_wait().unwrap().is_some()
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        // Whatever is visible is whole: every visible file reads.
        let rows = sql_rows(
            &data,
            "SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events",
        );
        assert_eq!(
            rows[0]["n"], rows[0]["ids"],
            "duplicates after kill {round}"
        );
        let stored = rows[0]["n"].as_u64().unwrap();
        assert!(stored <= n);
        if stored < n {
            interrupted += 1;
        }
    }
    assert!(
        interrupted > 0,
        "no kill landed before the ingest finished: the test proved nothing"
    );
    let s = ingest_json(&data, &["--file-rows", "2000", input.to_str().unwrap()]);
    assert_eq!(s["quarantined"], 0, "{s}");
    let rows = sql_rows(
        &data,
        "SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events",
    );
    assert_eq!(
        rows[0]["n"].as_u64().unwrap(),
        n,
        "every generated event is stored once"
    );
    assert_eq!(rows[0]["ids"].as_u64().unwrap(), n);
    assert!(
        walk_if(&data)
            .iter()
            .all(|p| !p.to_string_lossy().ends_with(".tmp")),
        "temporary files were cleaned up"
    );
}

fn walk_if(dir: &Path) -> Vec<PathBuf> {
    if dir.exists() { walk(dir) } else { Vec::new() }
}

#[test]
fn sql_errors_and_unknown_formats_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = qtrail(&data).args(["sql", "SELECT 1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `qtrail ingest` first"));

    let out = qtrail(&data)
        .args(["ingest", "--format", "splunk", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown format \"splunk\"") && err.contains("cloudtrail"),
        "{err}"
    );

    ingest_json(&data, &[fixtures().join("webhook").to_str().unwrap()]);
    let out = qtrail(&data)
        .args(["sql", "SELECT nope FROM events"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SQL error"));
}
