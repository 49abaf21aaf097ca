//! Alerts as OCSF Detection Finding (class 2004) JSON, for SIEMs.

use serde_json::{Value, json};

use super::Alert;

/// OCSF schema version the findings follow.
pub const OCSF_VERSION: &str = "1.3.0";

/// The OCSF Detection Finding for an alert.
pub fn detection_finding(a: &Alert) -> Value {
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis();
    // Sigma tags: attack.t1078.004 is a technique, attack.credential_access a tactic.
    let mut attacks = Vec::new();
    let tactics: Vec<String> = a
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix("attack."))
        .filter(|t| !is_technique(t))
        .map(|t| t.replace('_', " "))
        .collect();
    for t in a.tags.iter().filter_map(|t| t.strip_prefix("attack.")) {
        if is_technique(t) {
            let mut attack =
                json!({"technique": {"uid": t.to_ascii_uppercase()}, "version": "v15"});
            if let Some(tactic) = tactics.first() {
                attack["tactic"] = json!({"name": title_case(tactic)});
            }
            attacks.push(attack);
        }
    }
    let mut actor = json!({});
    if let Some(u) = &a.user {
        actor["user"] = json!({"name": u});
    }
    let mut src = json!({});
    if let Some(ip) = &a.src_ip {
        src["ip"] = json!(ip);
    }
    if let Some(c) = &a.src_country {
        src["location"] = json!({"country": c});
    }
    let mut resources = vec![json!({"type": a.entity_fields.join(","), "name": a.entity})];
    if let Some(b) = &a.backend {
        resources.push(json!({"type": "quantum_backend", "name": b}));
    }
    if let Some(p) = &a.project {
        resources.push(json!({"type": "project", "uid": p}));
    }
    json!({
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "time": ms(a.time),
        "start_time": ms(a.first_seen),
        "end_time": ms(a.last_seen),
        "severity_id": a.severity_id,
        "severity": title_case(&a.severity),
        "status_id": 1,
        "status": "New",
        "is_alert": true,
        "message": a.explanation,
        "finding_info": {
            "uid": a.alert_id,
            "title": a.rule_title,
            "desc": a.explanation,
            "types": [a.rule_kind],
            "first_seen_time": ms(a.first_seen),
            "last_seen_time": ms(a.last_seen),
            "analytic": {"uid": a.rule_id, "name": a.rule_title, "type_id": 1, "type": "Rule"},
            "attacks": attacks,
            "related_events": a.evidence.iter().map(|id| json!({"uid": id})).collect::<Vec<_>>(),
        },
        "evidences": [{"actor": actor, "src_endpoint": src}],
        "resources": resources,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "qtrail", "vendor_name": "qtrail", "version": env!("CARGO_PKG_VERSION")},
            "original_event_uid": a.evidence.first(),
        },
        "unmapped": {"source": a.source, "entity": a.entity},
    })
}

fn is_technique(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 5 && (b[0] == b't' || b[0] == b'T') && b[1..5].iter().all(u8::is_ascii_digit)
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_finding_carries_rule_attack_entity_and_evidence() {
        let t = chrono::Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap();
        let a = Alert {
            alert_id: "a1".into(),
            time: t,
            rule_id: "r1".into(),
            rule_title: "New country".into(),
            rule_kind: "first_seen".into(),
            severity: "high".into(),
            severity_id: 4,
            tags: vec!["attack.initial_access".into(), "attack.t1078.004".into()],
            entity_fields: vec!["user".into()],
            entity: "alice".into(),
            first_seen: t,
            last_seen: t,
            explanation: "src_country BR never seen for alice in 30d; seen before: US".into(),
            evidence: vec!["e2".into(), "e1".into()],
            source: "okta".into(),
            user: Some("alice".into()),
            src_ip: Some("198.51.100.77".into()),
            src_country: Some("BR".into()),
            project: None,
            backend: None,
        };
        let f = detection_finding(&a);
        assert_eq!(f["class_uid"], 2004);
        assert_eq!(f["type_uid"], 200401);
        assert_eq!(f["severity_id"], 4);
        assert_eq!(f["severity"], "High");
        assert_eq!(f["finding_info"]["analytic"]["uid"], "r1");
        assert_eq!(
            f["finding_info"]["attacks"][0]["technique"]["uid"],
            "T1078.004"
        );
        assert_eq!(
            f["finding_info"]["attacks"][0]["tactic"]["name"],
            "Initial Access"
        );
        assert_eq!(f["finding_info"]["related_events"][1]["uid"], "e1");
        assert_eq!(f["evidences"][0]["src_endpoint"]["ip"], "198.51.100.77");
        assert_eq!(f["resources"][0]["name"], "alice");
        assert_eq!(f["time"], t.timestamp_millis());
    }
}
