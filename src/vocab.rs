//! The closed vocabularies of the normalized event: source, class, outcome and friends.
//!
//! Each is an enum in Rust and a lower-case string in storage, so SQL and rules
//! read `outcome = 'failure'`.

/// A closed set of values stored as lower-case strings.
pub trait Vocabulary: Sized + Copy + 'static {
    /// Every value, as stored.
    const ALL: &'static [&'static str];
    /// The stored form of this value.
    fn as_str(&self) -> &'static str;
    /// Parses the stored form.
    fn parse(s: &str) -> Option<Self>;
}

macro_rules! vocabulary {
    ($(#[doc = $doc:literal])* $name:ident { $( $(#[$meta:meta])* $variant:ident = $s:literal ),* $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub enum $name {
            $( $(#[$meta])* $variant, )*
        }
        impl $name {
            /// The stored form of this value.
            pub fn as_str(&self) -> &'static str {
                match self { $( $name::$variant => $s, )* }
            }
        }
        impl Vocabulary for $name {
            const ALL: &'static [&'static str] = &[$($s),*];
            fn as_str(&self) -> &'static str {
                $name::as_str(self)
            }
            fn parse(s: &str) -> Option<Self> {
                match s { $( $s => Some($name::$variant), )* _ => None }
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                <$name as Vocabulary>::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "`{s}` is not a {}: expected one of {}",
                        stringify!($name).to_lowercase(),
                        <$name as Vocabulary>::ALL.join(", ")
                    ))
                })
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Which kind of log a record came from.
    Source {
        #[default] Okta = "okta",
        Entra = "entra",
        Vault = "vault",
        CloudTrail = "cloudtrail",
        KeyVault = "keyvault",
        AzureActivity = "azure_activity",
        GcpAudit = "gcp_audit",
        IbmQuantum = "ibm_quantum",
        AzureQuantum = "azure_quantum",
        /// Amazon Braket's own task, job and device events (EventBridge).
        Braket = "braket",
        Webhook = "webhook",
    }
}

vocabulary! {
    /// What kind of activity an event is.
    Class {
        /// Sign-in, sign-out, MFA challenge.
        Authentication = "authentication",
        /// Token or credential issuance, renewal, revocation.
        Token = "token",
        /// Reading, listing or changing a secret.
        SecretAccess = "secret_access",
        /// A role, group or policy granted or removed.
        RoleChange = "role_change",
        /// Account lifecycle: create, delete, lock, password reset.
        Account = "account",
        /// A quantum job or task: submitted, run, cancelled, looked up.
        Job = "job",
        /// A change to a queue, session or reservation on quantum hardware.
        Queue = "queue",
        /// Any other API call.
        #[default] ApiActivity = "api_activity",
    }
}

vocabulary! {
    /// Whether an event succeeded.
    Outcome {
        Success = "success",
        Failure = "failure",
        #[default] Unknown = "unknown",
    }
}

vocabulary! {
    /// Person or machine.
    UserKind {
        Human = "human",
        Service = "service",
        #[default] Unknown = "unknown",
    }
}

vocabulary! {
    /// What kind of program made the request, judged from the user agent and the source.
    Client {
        /// Jupyter and other notebooks.
        Notebook = "notebook",
        /// A command-line tool (aws cli, az, gcloud, vault, okta cli).
        Cli = "cli",
        /// A language SDK called from a program (boto3, qiskit, azure-quantum).
        Sdk = "sdk",
        /// CI/CD and automation (GitHub Actions, Terraform, Jenkins).
        Pipeline = "pipeline",
        /// The provider's web console.
        Console = "console",
        /// A web browser outside a provider console.
        Browser = "browser",
        /// A cloud service acting on its own behalf.
        Service = "service",
        #[default] Unknown = "unknown",
    }
}

vocabulary! {
    /// Real quantum hardware or a simulator.
    Hardware {
        Qpu = "qpu",
        #[default] Simulator = "simulator",
    }
}

vocabulary! {
    /// Lifecycle state of a quantum job.
    JobStatus {
        #[default] Queued = "queued",
        Running = "running",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}
