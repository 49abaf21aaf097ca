//! The rules shipped inside the binary: the repository's `rules/` folder.
//! A new rule file is one more line here (a test checks none is missing).

/// (file name, text) of every shipped rule.
pub const RULES: &[(&str, &str)] = &[
    (
        "admin-role-granted.yml",
        include_str!("../../rules/admin-role-granted.yml"),
    ),
    (
        "anonymizer-sign-in.yml",
        include_str!("../../rules/anonymizer-sign-in.yml"),
    ),
    (
        "aws-access-denied-burst.yml",
        include_str!("../../rules/aws-access-denied-burst.yml"),
    ),
    (
        "aws-root-used.yml",
        include_str!("../../rules/aws-root-used.yml"),
    ),
    (
        "cloud-permission-denied-burst.yml",
        include_str!("../../rules/cloud-permission-denied-burst.yml"),
    ),
    (
        "console-login-without-mfa.yml",
        include_str!("../../rules/console-login-without-mfa.yml"),
    ),
    (
        "credential-created.yml",
        include_str!("../../rules/credential-created.yml"),
    ),
    (
        "distributed-password-spraying.yml",
        include_str!("../../rules/distributed-password-spraying.yml"),
    ),
    (
        "failed-login-burst.yml",
        include_str!("../../rules/failed-login-burst.yml"),
    ),
    (
        "gcp-service-account-impersonation.yml",
        include_str!("../../rules/gcp-service-account-impersonation.yml"),
    ),
    (
        "hardware-off-hours.yml",
        include_str!("../../rules/hardware-off-hours.yml"),
    ),
    (
        "impossible-travel.yml",
        include_str!("../../rules/impossible-travel.yml"),
    ),
    (
        "job-retry-storm.yml",
        include_str!("../../rules/job-retry-storm.yml"),
    ),
    (
        "large-hardware-job.yml",
        include_str!("../../rules/large-hardware-job.yml"),
    ),
    (
        "mfa-fatigue.yml",
        include_str!("../../rules/mfa-fatigue.yml"),
    ),
    (
        "password-spraying.yml",
        include_str!("../../rules/password-spraying.yml"),
    ),
    (
        "qpu-cost-volume.yml",
        include_str!("../../rules/qpu-cost-volume.yml"),
    ),
    (
        "qpu-share-hog.yml",
        include_str!("../../rules/qpu-share-hog.yml"),
    ),
    (
        "qpu-shot-volume.yml",
        include_str!("../../rules/qpu-shot-volume.yml"),
    ),
    (
        "secret-read-burst.yml",
        include_str!("../../rules/secret-read-burst.yml"),
    ),
    (
        "secret-read-sweep.yml",
        include_str!("../../rules/secret-read-sweep.yml"),
    ),
    (
        "secrets-batch-read.yml",
        include_str!("../../rules/secrets-batch-read.yml"),
    ),
    (
        "service-new-network.yml",
        include_str!("../../rules/service-new-network.yml"),
    ),
    (
        "token-new-country.yml",
        include_str!("../../rules/token-new-country.yml"),
    ),
    (
        "token-used-after-revocation.yml",
        include_str!("../../rules/token-used-after-revocation.yml"),
    ),
    (
        "user-new-country.yml",
        include_str!("../../rules/user-new-country.yml"),
    ),
    (
        "vault-audit-disabled-or-root-generated.yml",
        include_str!("../../rules/vault-audit-disabled-or-root-generated.yml"),
    ),
    (
        "vault-root-token-used.yml",
        include_str!("../../rules/vault-root-token-used.yml"),
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_rule_file_is_shipped_and_compiles() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yml"))
            .collect();
        on_disk.sort();
        let mut shipped: Vec<String> = super::RULES.iter().map(|(n, _)| n.to_string()).collect();
        shipped.sort();
        assert_eq!(
            on_disk, shipped,
            "add the new rule file to src/rules/shipped.rs"
        );
        if let Err(errors) = crate::rules::RuleSet::shipped() {
            panic!(
                "{}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}
