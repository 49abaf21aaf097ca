//! End-to-end tests of the `qtrail` binary: real files, real child processes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;
use common::{fixtures, ok, qtrail};

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
        "braket",
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

    // A gzip file cut short keeps the records before the cut, the cut is quarantined
    // with its reason, and the inputs after it are still read.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..5000 {
        writeln!(enc, "{}", rec(&format!("cut-{i}"))).unwrap();
    }
    let whole = enc.finish().unwrap();
    let cut = tmp.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &whole[..whole.len() * 3 / 4]).unwrap();
    let after = tmp.path().join("after.jsonl");
    std::fs::write(&after, rec("after") + "\n").unwrap();
    let s = ingest_json(&data, &[cut.to_str().unwrap(), after.to_str().unwrap()]);
    let stored = s["stored"].as_u64().unwrap();
    assert!(stored > 1000 && stored < 5001, "{s}");
    // The read error, and the record it cut unless the cut fell between records.
    assert!(matches!(s["quarantined"].as_u64(), Some(1 | 2)), "{s}");
    let rows = sql_rows(
        &data,
        "SELECT count(*) AS n FROM events WHERE source_id = 'after'",
    );
    assert_eq!(rows[0]["n"], 1, "{rows:?}");
    let out = ok(qtrail(&data).args(["quarantine"]).output().unwrap());
    assert!(out.contains("cannot read the input past byte"), "{out}");
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
        // The index never points past Parquet: it may lag (the next run repairs it).
        if data.join("index").join("meta.json").exists() {
            assert!(
                index_count(&data) <= stored,
                "index ahead of Parquet after kill {round}"
            );
        }
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
    assert_eq!(
        index_count(&data),
        n,
        "the index holds every stored event once"
    );
    let distinct_users = sql_rows(
        &data,
        "SELECT count(*) AS n FROM events WHERE user = 'user007@example.org'",
    );
    assert_eq!(
        search_count(&data, "user:user007@example.org"),
        distinct_users[0]["n"].as_u64().unwrap(),
        "a field search finds exactly what SQL finds"
    );
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

/// Runs `qtrail search` and returns its stdout lines.
fn search(data: &Path, args: &[&str]) -> Vec<String> {
    ok(qtrail(data).arg("search").args(args).output().unwrap())
        .lines()
        .map(str::to_string)
        .collect()
}

/// The total count `qtrail search` reports for a query.
fn search_count(data: &Path, query: &str) -> u64 {
    let lines = search(data, &["--limit", "1", query]);
    let first = lines.first().expect("a count line");
    first
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {first:?}"))
}

/// Every event in the index.
fn index_count(data: &Path) -> u64 {
    search_count(data, "*")
}

/// `job_id`s of a JSON search, in output order.
fn search_jobs(data: &Path, args: &[&str]) -> Vec<String> {
    let out = ok(qtrail(data)
        .args(["search", "--output", "json"])
        .args(args)
        .output()
        .unwrap());
    out.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["job_id"].as_str().unwrap_or("-").to_string()
        })
        .collect()
}

fn incident(dir: &Path) -> PathBuf {
    let okta = r#"{"uuid":"inc-okta-1","published":"2026-10-01T09:00:00.000Z","eventType":"user.session.start","version":"0","severity":"INFO","displayMessage":"User login to Okta","actor":{"id":"00u1","type":"User","alternateId":"Mallory@Example.org","displayName":"Mallory"},"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0"},"ipAddress":"203.0.113.66","geographicalContext":{"country":"Norway"}},"outcome":{"result":"SUCCESS"},"authenticationContext":{"externalSessionId":"idx-1"},"transaction":{"type":"WEB","id":"tx1"},"target":[]}"#;
    let job = |id: &str,
               time: &str,
               action: &str,
               user: &str,
               ip: &str,
               job: &str,
               outcome: &str,
               extra: &str| {
        format!(
            r#"{{"schema":"qtrail.job_event/v1","id":"{id}","time":"{time}","action":"{action}","user":"{user}","token_id":"qfp:{user}","src_ip":"{ip}","provider":"ibm","backend":"ibm_torino","hardware":"qpu","job_id":"{job}","outcome":"{outcome}"{extra}}}"#
        )
    };
    let lines = [
        okta.to_string(),
        job(
            "inc-2",
            "2026-10-01T09:05:00Z",
            "submit",
            "mallory@example.org",
            "203.0.113.66",
            "job-1",
            "success",
            "",
        ),
        job(
            "inc-3",
            "2026-10-01T09:10:00Z",
            "fail",
            "mallory@example.org",
            "198.51.100.9",
            "job-1",
            "failure",
            r#","message":"calibration drift detected""#,
        ),
        job(
            "inc-4",
            "2026-10-02T10:00:00Z",
            "submit",
            "alice@example.org",
            "198.51.100.7",
            "job-2",
            "success",
            "",
        ),
        job(
            "inc-5",
            "2026-10-03T11:00:00Z",
            "submit",
            "mallory@example.org",
            "198.51.100.7",
            "job-3",
            "failure",
            "",
        ),
    ];
    let input = dir.join("incident.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    input
}

#[test]
fn search_finds_exact_hits_newest_first_and_timelines_tell_the_story() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let s = ingest_json(&data, &[incident(tmp.path()).to_str().unwrap()]);
    assert_eq!(s["stored"], 5, "{s}");

    // Field values match whole and case-insensitively, newest first.
    assert_eq!(
        search_jobs(&data, &["user:MALLORY@example.org"]),
        ["job-3", "job-1", "job-1", "-"]
    );
    assert_eq!(
        search_jobs(&data, &["user:mallory@example.org AND outcome:failure"]),
        ["job-3", "job-1"]
    );
    assert_eq!(search_jobs(&data, &["user:mallory"]), Vec::<String>::new());
    // A limit far past the index's size answers as any other (no allocation of it).
    assert_eq!(
        search_jobs(
            &data,
            &["user:MALLORY@example.org", "--limit", "10000000000"]
        ),
        ["job-3", "job-1", "job-1", "-"]
    );
    // Field-less terms and phrases search the raw record.
    assert_eq!(search_jobs(&data, &["\"drift detected\""]), ["job-1"]);
    assert_eq!(
        search_jobs(&data, &["\"detected drift\""]),
        Vec::<String>::new()
    );
    assert_eq!(search_jobs(&data, &["torino NOT job-2"]).len(), 3);
    // Time bounds: since is inclusive, until exclusive.
    assert_eq!(
        search_jobs(&data, &["src_ip:198.51.100.7", "--since", "2026-10-03"]),
        ["job-3"]
    );
    assert_eq!(
        search_jobs(
            &data,
            &[
                "backend:ibm_torino",
                "--since",
                "2026-10-01T09:05:00Z",
                "--until",
                "2026-10-02T10:00:00Z"
            ]
        ),
        ["job-1", "job-1"]
    );
    assert_eq!(
        search_jobs(&data, &["backend:ibm_torino", "--since", "1d"]),
        Vec::<String>::new()
    );
    // The count covers every hit, the page only --limit.
    let page = search(&data, &["--limit", "2", "backend:ibm_torino"]);
    assert_eq!(page[0], "4 hits, newest 2 shown", "{page:?}");
    assert_eq!(page.len(), 3, "{page:?}");
    assert!(
        page[1].starts_with("2026-10-03T11:00:00.000Z  webhook"),
        "{page:?}"
    );

    // A bad query says what is wrong, never panics.
    for (query, says) in [
        ("user:(mallory", "cannot parse the query"),
        ("colour:red", "unknown field \"colour\""),
        ("-user:alice@example.org", "only excludes"),
    ] {
        let out = qtrail(&data)
            .args(["search", "--", query])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{query}: {err}");
        assert!(
            err.contains(says) && !err.contains("panicked"),
            "{query}: {err}"
        );
    }
    let out = qtrail(&data)
        .args(["search", "x", "--since", "yesterday"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("24h, 7d"));

    // The story of one user across sources, oldest first.
    let story = ok(qtrail(&data)
        .args(["timeline", "--user", "mallory@example.org"])
        .output()
        .unwrap());
    let lines: Vec<&str> = story.lines().collect();
    assert_eq!(lines[0], "4 events", "{story}");
    let heads: Vec<(&str, &str, &str)> = lines[1..]
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[1], f[2], f[3])
        })
        .collect();
    assert_eq!(
        heads,
        [
            ("okta", "authentication/login", "success"),
            ("webhook", "job/submit", "success"),
            ("webhook", "job/fail", "failure"),
            ("webhook", "job/submit", "failure"),
        ],
        "{story}"
    );
    assert!(lines[1].contains("203.0.113.66 (NO)"), "{story}");
    let by_ip = ok(qtrail(&data)
        .args(["timeline", "--ip", "198.51.100.7", "--until", "2026-10-03"])
        .output()
        .unwrap());
    assert!(
        by_ip.starts_with("1 events\n2026-10-02T10:00:00.000Z  webhook"),
        "{by_ip}"
    );

    // Retention removes whole days from Parquet and the index together.
    let pruned = ok(qtrail(&data)
        .args(["prune", "--before", "2026-10-02"])
        .output()
        .unwrap());
    assert!(
        pruned.contains("removed 2026-10-01: 3 events in 1 files"),
        "{pruned}"
    );
    assert_eq!(search_jobs(&data, &["user:mallory@example.org"]), ["job-3"]);
    assert_eq!(index_count(&data), 2);
    assert!(!data.join("events/dt=2026-10-01").exists());

    // A rebuild from Parquet gives the same answers.
    let re = ok(qtrail(&data).arg("reindex").output().unwrap());
    assert!(re.starts_with("indexed 2 files, 2 events"), "{re}");
    assert_eq!(
        search_jobs(&data, &["src_ip:198.51.100.7"]),
        ["job-3", "job-2"]
    );
}

#[test]
fn a_deferred_index_is_announced_and_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let text = std::fs::read_to_string(incident(tmp.path())).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    let (a, b) = (tmp.path().join("a.jsonl"), tmp.path().join("b.jsonl"));
    std::fs::write(&a, first).unwrap();
    std::fs::write(&b, rest).unwrap();

    // Nothing indexed at all yet: search says how to build the index.
    let summary = ingest_json(&data, &["--no-index", "--no-detect", a.to_str().unwrap()]);
    assert_eq!(summary["indexed"], Value::Bool(false), "{summary}");
    let out = qtrail(&data).args(["search", "*"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("qtrail reindex"));
    ok(qtrail(&data)
        .args(["reindex", "--repair"])
        .output()
        .unwrap());
    assert_eq!(index_count(&data), 1);

    // A later deferred ingest: SQL sees the events at once, search warns it cannot.
    let summary = ingest_json(&data, &["--no-index", "--no-detect", b.to_str().unwrap()]);
    let stored = 1 + summary["stored"].as_u64().unwrap();
    let rows = sql_rows(&data, "SELECT count(*) AS n FROM events");
    assert_eq!(rows[0]["n"].as_u64(), Some(stored));
    let out = qtrail(&data).args(["search", "*"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not in the search index yet")
            && stderr.contains("qtrail reindex --repair"),
        "{stderr}"
    );

    ok(qtrail(&data)
        .args(["reindex", "--repair"])
        .output()
        .unwrap());
    assert_eq!(index_count(&data), stored);
    let out = qtrail(&data).args(["search", "*"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("not in the search index"),
        "the warning stays after the repair"
    );
}

/// An Okta System Log event: `actor` does `event_type` with `outcome` at `time`,
/// through API token `token` when given.
fn okta_event(
    n: usize,
    time: &str,
    event_type: &str,
    actor: &str,
    outcome: &str,
    token: Option<&str>,
) -> String {
    let mut e = serde_json::json!({
        "uuid": format!("review-{n:04}"), "published": time, "eventType": event_type, "version": "0",
        "severity": "INFO", "displayMessage": event_type,
        "actor": {"id": format!("00u-{actor}"), "type": "User", "alternateId": actor},
        "client": {"ipAddress": "198.51.100.23"},
        "outcome": {"result": outcome},
        "transaction": {"type": "WEB", "id": format!("tx{n}"), "detail": {}},
    });
    if let Some(token) = token {
        e["transaction"]["detail"]["requestApiTokenId"] = token.into();
    }
    e.to_string()
}

#[test]
fn the_access_review_lists_dormant_accounts_stale_and_shared_credentials() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let day = |d: u32| {
        format!(
            "2026-{}T09:00:00.000Z",
            if d <= 30 {
                format!("09-{d:02}")
            } else {
                format!("10-{:02}", d - 30)
            }
        )
    };
    let mut lines = Vec::new();
    let mut add = |time: String, et: &str, actor: &str, outcome: &str, token: Option<&str>| {
        let n = lines.len();
        lines.push(okta_event(n, &time, et, actor, outcome, token));
    };
    // The review is as of 2026-10-31 with a 30-day idle window: the cutoff is 10-01.
    // alice last signed in on 09-01; someone tried her account twice since.
    add(
        day(1),
        "user.session.start",
        "alice@example.org",
        "SUCCESS",
        None,
    );
    add(
        day(50),
        "user.session.start",
        "alice@example.org",
        "FAILURE",
        None,
    );
    add(
        day(51),
        "user.session.start",
        "alice@example.org",
        "FAILURE",
        None,
    );
    // bob is active; carol is new this month (not dormant, just new).
    add(
        day(2),
        "user.session.start",
        "bob@example.org",
        "SUCCESS",
        None,
    );
    add(
        day(59),
        "user.session.start",
        "bob@example.org",
        "SUCCESS",
        None,
    );
    add(
        day(45),
        "user.session.start",
        "carol@example.org",
        "FAILURE",
        None,
    );
    // Token 00Told: last used 09-10, never revoked: stale.
    add(
        day(10),
        "user.lifecycle.update",
        "svc-sync@example.org",
        "SUCCESS",
        Some("00Told"),
    );
    // Token 00Tgone: unused as long, but revoked on 09-20: not listed.
    add(
        day(11),
        "user.lifecycle.update",
        "svc-sync@example.org",
        "SUCCESS",
        Some("00Tgone"),
    );
    // Token 00Tci: used by two principals, still in use; first seen more than 90 days
    // before the review (in June, below), so long-lived as well.
    add(
        "2026-06-01T09:00:00.000Z".into(),
        "user.lifecycle.update",
        "svc-ci@example.org",
        "SUCCESS",
        Some("00Tci"),
    );
    add(
        day(58),
        "user.lifecycle.update",
        "svc-ci@example.org",
        "SUCCESS",
        Some("00Tci"),
    );
    add(
        day(59),
        "user.lifecycle.update",
        "dave@example.org",
        "SUCCESS",
        Some("00Tci"),
    );
    // After the review's time: unseen by it (bob would not be dormant anyway, and
    // 00Told's use in November must not make it fresh).
    add(
        "2026-11-05T09:00:00.000Z".into(),
        "user.lifecycle.update",
        "svc-sync@example.org",
        "SUCCESS",
        Some("00Told"),
    );
    let mut revoke = serde_json::json!({
        "uuid": "review-revoke", "published": "2026-09-20T09:00:00.000Z", "eventType": "system.api_token.revoke",
        "version": "0", "actor": {"id": "00u-admin", "type": "User", "alternateId": "admin@example.org"},
        "client": {"ipAddress": "198.51.100.23"}, "outcome": {"result": "SUCCESS"},
        "target": [{"id": "00Tgone", "type": "Token", "alternateId": "unknown", "displayName": "old sync"}],
    });
    revoke["transaction"] = serde_json::json!({"type": "WEB", "id": "txr", "detail": {}});
    lines.push(revoke.to_string());
    // A job submitted with a key that names no principal.
    lines.push(r#"{"schema":"qtrail.job_event/v1","id":"anon-1","time":"2026-10-20T03:00:00Z","action":"submit","token_id":"qfp:0123456789abcdef01234567","backend":"ionq-aria-1","hardware":"qpu","job_id":"j-anon"}"#.into());
    let input = tmp.path().join("review.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    ingest_json(
        &data,
        &["--no-index", "--no-detect", input.to_str().unwrap()],
    );

    let review = |report: &str| -> Vec<Value> {
        let out = ok(qtrail(&data)
            .args([
                "review",
                report,
                "--as-of",
                "2026-10-31",
                "--output",
                "json",
            ])
            .output()
            .unwrap());
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let dormant = review("dormant");
    let users: Vec<&str> = dormant
        .iter()
        .map(|r| r["user"].as_str().unwrap())
        .collect();
    // alice first (tried since), then by last success: svc-sync's token went quiet on
    // 09-11, and the admin who revoked the other one has not been back since 09-20.
    assert_eq!(
        users,
        [
            "alice@example.org",
            "svc-sync@example.org",
            "admin@example.org"
        ],
        "{dormant:?}"
    );
    assert_eq!(dormant[0]["failures_since"], 2, "{dormant:?}");
    assert_eq!(dormant[0]["report"], "dormant");

    let tokens = review("tokens");
    let found: Vec<(&str, &str)> = tokens
        .iter()
        .map(|r| {
            (
                r["token_id"].as_str().unwrap(),
                r["finding"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("00Told", "stale"), ("00Tci", "long-lived")],
        "{tokens:?}"
    );

    let shared = review("shared");
    let found: Vec<(&str, u64, u64)> = shared
        .iter()
        .map(|r| {
            (
                r["token_id"].as_str().unwrap(),
                r["principals"].as_u64().unwrap(),
                r["unattributed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("00Tci", 2, 0), ("qfp:0123456789abcdef01234567", 0, 1)],
        "{shared:?}"
    );
    assert_eq!(shared[0]["users"], "dave@example.org, svc-ci@example.org");

    // The table output names each report; CSV takes one report at a time.
    let table = ok(qtrail(&data)
        .args(["review", "--as-of", "2026-10-31"])
        .output()
        .unwrap());
    assert!(
        table.contains(
            "== Dormant accounts: seen before, no successful activity in the last 30d (3)"
        ),
        "{table}"
    );
    let csv = qtrail(&data)
        .args(["review", "--output", "csv"])
        .output()
        .unwrap();
    assert!(!csv.status.success());
    assert!(String::from_utf8_lossy(&csv.stderr).contains("name one report"));
}
