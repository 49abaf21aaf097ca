//! Synthetic audit logs for load tests and benchmarks: a realistic mix of
//! Okta, CloudTrail, Vault, GCP, Azure Quantum and webhook job records, each
//! with a unique native id, spread over a number of days.

use std::io::{self, Write};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

/// A small deterministic generator (xorshift), so runs are repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes `count` JSON-lines records spread over `days` days ending 2026-11-01.
pub fn write_mixed(out: &mut impl Write, count: u64, days: u32, seed: u64) -> io::Result<()> {
    let mut rng = Rng(seed.max(1));
    let end: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("valid date");
    let span = Duration::days(days.max(1) as i64).num_seconds() as u64;
    let start = end - Duration::seconds(span as i64);
    let mut line = Vec::with_capacity(1024);
    for i in 0..count {
        let t = start + Duration::milliseconds((i * span * 1000 / count.max(1)) as i64);
        let user = format!("user{:03}@example.org", rng.below(500));
        let ip = format!("198.51.{}.{}", rng.below(4), rng.below(250) + 1);
        let ok = rng.below(10) != 0;
        let ts = t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let record = match i % 6 {
            0 => json!({
                "uuid": format!("synth-okta-{i:012}"), "published": ts, "eventType": "user.session.start",
                "version": "0", "severity": "INFO", "legacyEventType": "core.user_auth.login_success",
                "displayMessage": "User login to Okta",
                "actor": {"id": format!("00u{:06}", rng.below(500)), "type": "User", "alternateId": user, "displayName": "Synthetic User"},
                "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", "os": "Linux", "browser": "CHROME"},
                           "zone": "null", "device": "Computer", "ipAddress": ip,
                           "geographicalContext": {"city": "Boston", "state": "Massachusetts", "country": "United States", "postalCode": "02110",
                                                   "geolocation": {"lat": 42.36, "lon": -71.06}}},
                "outcome": {"result": if ok {"SUCCESS"} else {"FAILURE"}, "reason": if ok {serde_json::Value::Null} else {json!("INVALID_CREDENTIALS")}},
                "authenticationContext": {"authenticationStep": 0, "externalSessionId": format!("idx{:08}", rng.below(1_000_000))},
                "transaction": {"type": "WEB", "id": format!("tx{i}")},
                "debugContext": {"debugData": {"requestUri": "/idp/idx/identify", "threatSuspected": "false"}},
                "target": []
            }),
            1 => json!({
                "eventVersion": "1.09", "eventTime": ts.replace(".000", ""), "eventSource": "secretsmanager.amazonaws.com",
                "eventName": "GetSecretValue", "awsRegion": "us-east-1", "sourceIPAddress": ip,
                "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.ubuntu.22",
                "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": format!("arn:aws:iam::123456789012:user/{user}"),
                                 "accountId": "123456789012", "accessKeyId": "AKIAEXAMPLEEXAMPLE", "userName": user},
                "requestParameters": {"secretId": format!("prod/qpu/api-key-{}", rng.below(20))},
                "responseElements": null, "errorCode": if ok {serde_json::Value::Null} else {json!("AccessDenied")},
                "requestID": format!("req-{i}"), "eventID": format!("synth-ct-{i:012}"), "readOnly": true,
                "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "123456789012"
            }),
            2 => json!({
                "time": ts, "type": "response",
                "auth": {"client_token": "hmac-sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
                         "accessor": "hmac-sha256:aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233",
                         "display_name": format!("userpass-{}", user.split('@').next().unwrap_or("u")), "policies": ["default", "qpu-reader"],
                         "token_policies": ["default", "qpu-reader"], "entity_id": "e-1", "token_type": "service"},
                "request": {"id": format!("synth-vault-{i:012}"), "operation": "read", "mount_type": "kv", "client_token": "hmac-sha256:01",
                            "namespace": {"id": "root"}, "path": format!("secret/data/quantum/ibm-token-{}", rng.below(10)),
                            "remote_address": ip, "remote_port": 52000},
                "response": {"mount_type": "kv", "data": {"data": {"token": "hmac-sha256:5566"}}},
                "error": if ok {""} else {"permission denied"}
            }),
            3 => json!({
                "insertId": format!("synth-gcp-{i:012}"), "logName": "projects/qlab-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
                "timestamp": ts, "receiveTimestamp": ts, "severity": if ok {"INFO"} else {"ERROR"},
                "resource": {"type": "audited_resource", "labels": {"project_id": "qlab-prod", "service": "secretmanager.googleapis.com", "method": "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion"}},
                "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                                 "status": if ok {json!({})} else {json!({"code": 7, "message": "Permission denied"})},
                                 "authenticationInfo": {"principalEmail": user},
                                 "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": "grpc-python/1.60.0"},
                                 "serviceName": "secretmanager.googleapis.com",
                                 "methodName": "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
                                 "resourceName": format!("projects/123/secrets/qpu-key-{}/versions/latest", rng.below(10))}
            }),
            4 => {
                let qpu = rng.below(4) == 0;
                let created = t - Duration::seconds(60 + rng.below(3600) as i64);
                let begin = created + Duration::seconds(5 + rng.below(600) as i64);
                json!({
                    "id": format!("synth-aq-{i:012}"), "name": "vqe-sweep", "providerId": "ionq",
                    "target": if qpu {"ionq.qpu.aria-1"} else {"ionq.simulator"}, "itemType": "Job", "jobType": "QuantumComputing",
                    "status": if ok {"Succeeded"} else {"Failed"}, "inputDataFormat": "qir.v1",
                    "inputParams": {"shots": 100 * (1 + rng.below(10)), "entryPoint": "main"},
                    "creationTime": created.to_rfc3339(), "beginExecutionTime": begin.to_rfc3339(), "endExecutionTime": ts,
                    "costEstimate": {"currencyCode": "USD", "estimatedTotal": if qpu {12.5} else {0.0}, "events": []},
                    "errorData": if ok {serde_json::Value::Null} else {json!({"code": "InvalidInputData", "message": "bad circuit"})},
                    "sessionId": null, "tags": []
                })
            }
            _ => json!({
                "schema": "qtrail.job_event/v1", "id": format!("synth-wh-{i:012}"), "time": ts, "action": "submit",
                "status": "queued", "user": user, "user_kind": "human", "project": format!("proj-{}", rng.below(8)),
                "provider": "iqm", "backend": "iqm.garnet", "hardware": "qpu", "job_id": format!("job-{i}"),
                "shots": 1000, "src_ip": ip, "client": "notebook", "outcome": if ok {"success"} else {"failure"}
            }),
        };
        line.clear();
        serde_json::to_writer(&mut line, &record)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}
