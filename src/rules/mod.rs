//! The rule engine: rule files compiled once into matchers and kinds, run over
//! events in event-time order.
//!
//! A rule file (`rules/*.yml`) is Sigma where Sigma can say it, plus a `qtrail:`
//! block for entities, suppression, allowlists, stateful kinds and tests.
//! [`RuleSet`] loads and compiles them, [`engine::Engine`] runs them.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;

use chrono::Duration;
use ipnet::IpNet;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub mod condition;
#[cfg(test)]
mod corpus_check;
pub mod detection;
pub mod engine;
pub mod error;
pub mod job_owners;
pub mod kinds;
pub mod recent;
pub mod selftest;
pub mod shipped;
pub mod spec;
pub mod token_aliases;

use detection::Detection;
use error::{RuleError, field_id};
use kinds::{Kind, KindContext};
use spec::{QtrailBlock, RuleDoc};

use crate::event::{FieldId, NormalizedEvent};
use crate::vocab::{UserKind, Vocabulary};

/// How bad a finding is (Sigma `level`, OCSF `severity_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth knowing.
    Informational,
    /// Look when there is time.
    Low,
    /// Look today.
    Medium,
    /// Look now.
    High,
    /// Wake someone.
    Critical,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
    /// Sigma's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
    /// OCSF `severity_id`: 1 informational ... 5 critical.
    pub fn severity_id(self) -> u8 {
        self as u8 + 1
    }
}

/// Allowlist of a rule: events matching any entry never alert.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    users: HashSet<String>,
    cidrs: Vec<IpNet>,
    user_kinds: Vec<UserKind>,
    projects: HashSet<String>,
}

impl Allow {
    /// Whether the event is allowed (must not alert).
    pub fn allows(&self, e: &NormalizedEvent) -> bool {
        if self.is_empty() {
            return false;
        }
        e.user
            .as_deref()
            .is_some_and(|u| self.users.contains(&u.to_ascii_lowercase()))
            || e.project
                .as_deref()
                .is_some_and(|p| self.projects.contains(&p.to_ascii_lowercase()))
            || self.user_kinds.contains(&e.user_kind)
            || (!self.cidrs.is_empty()
                && e.src_ip
                    .as_deref()
                    .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
                    .is_some_and(|ip| self.cidrs.iter().any(|n| n.contains(&ip))))
    }
}

impl Allow {
    /// Whether the rule has no allowlist.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.cidrs.is_empty()
            && self.user_kinds.is_empty()
            && self.projects.is_empty()
    }
}

/// One compiled rule.
pub struct Rule {
    /// Stable id, carried by alerts.
    pub id: String,
    /// Title, shown in alerts.
    pub title: String,
    /// What it detects.
    pub description: String,
    /// Severity.
    pub level: Level,
    /// Sigma tags (ATT&CK: `attack.t1078`).
    pub tags: Vec<String>,
    /// The file it came from.
    pub file: String,
    /// Hash of the file's text: state saved under another text is not reused.
    pub fingerprint: String,
    /// An event counts when any of these matches (a correlation may name several rules).
    pub detections: Vec<Detection>,
    /// Fields that name the entity.
    pub entity: Vec<FieldId>,
    /// Quiet period per entity after an alert.
    pub suppress: Duration,
    /// Never alert on these.
    pub allow: Allow,
    /// What it does with matches; holds the configuration and an empty state.
    pub kind: Box<dyn Kind>,
    /// Its tests.
    pub tests: Vec<spec::TestDoc>,
}

impl Rule {
    /// The event classes the rule can match; `None` when it may match any.
    pub fn classes(&self) -> Option<Vec<crate::vocab::Class>> {
        let mut all = Vec::new();
        for d in &self.detections {
            detection::add_classes(&mut all, d.classes()?);
        }
        Some(all)
    }

    /// Whether an event passes the rule's detection.
    pub fn matches(&self, e: &NormalizedEvent) -> bool {
        self.detections.iter().any(|d| d.matches(e))
    }

    /// The entity's values, joined; `None` when one is missing.
    pub fn entity_of<'a>(&self, e: &'a NormalizedEvent) -> Option<std::borrow::Cow<'a, str>> {
        // The common case, one text field, borrows instead of allocating.
        if let [f] = self.entity[..] {
            return match e.get(f) {
                crate::event::FieldValue::Text(s) if !s.is_empty() => Some(s.into()),
                v => v.to_text().map(Into::into),
            };
        }
        let mut parts = Vec::with_capacity(self.entity.len());
        for f in &self.entity {
            parts.push(e.get(*f).to_text()?);
        }
        Some(parts.join(", ").into())
    }
}

/// Every rule, compiled.
#[derive(Default)]
pub struct RuleSet {
    /// The rules, in file-name order.
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules shipped inside the binary (the repository's `rules/`).
    pub fn shipped() -> Result<RuleSet, Vec<RuleError>> {
        RuleSet::from_sources(
            shipped::RULES
                .iter()
                .map(|(name, text)| (format!("rules/{name}"), text.to_string())),
        )
    }

    /// Loads every `*.yml` / `*.yaml` file of a directory.
    pub fn load_dir(dir: &Path) -> anyhow::Result<Result<RuleSet, Vec<RuleError>>> {
        use anyhow::Context;
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the rules directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
            .collect();
        files.sort();
        let mut sources = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("cannot read the rule file {}", f.display()))?;
            sources.push((f.display().to_string(), text));
        }
        if sources.is_empty() {
            anyhow::bail!(
                "{} holds no rule files (*.yml): point --rules at the folder with your rules",
                dir.display()
            );
        }
        Ok(RuleSet::from_sources(sources))
    }

    /// Compiles rule files given as (name, text); every error of every file is returned.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RuleSet, Vec<RuleError>> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        let mut ids = std::collections::HashMap::<String, String>::new();
        for (file, text) in sources {
            match compile_file(&file, &text) {
                Ok(rule) => {
                    if let Some(other) = ids.insert(rule.id.clone(), file.clone()) {
                        errors.push(RuleError::new(
                            &file,
                            "id",
                            format!(
                                "id {} is also the id of {other}: rule ids must be unique",
                                rule.id
                            ),
                        ));
                    }
                    rules.push(rule);
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(RuleSet { rules })
        } else {
            Err(errors)
        }
    }
}

fn compile_file(file: &str, text: &str) -> Result<Rule, RuleError> {
    let mut docs = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let d = RuleDoc::deserialize(doc).map_err(|e| {
            let place = e
                .location()
                .map(|l| format!("line {} column {}", l.line(), l.column()))
                .unwrap_or_else(|| format!("document {}", i + 1));
            RuleError::new(file, &place, e.to_string())
        })?;
        docs.push(d);
    }
    let fingerprint = hex::encode(&Sha256::digest(text.as_bytes())[..8]);
    let (main, bases): (Vec<RuleDoc>, Vec<RuleDoc>) =
        docs.into_iter().partition(|d| d.correlation.is_some());
    match (main.len(), bases.len()) {
        (0, 1) => {
            let doc = bases.into_iter().next().expect("one");
            compile_rule(file, fingerprint, &doc, &[])
        }
        (1, n) if n >= 1 => {
            let doc = main.into_iter().next().expect("one");
            compile_rule(file, fingerprint, &doc, &bases)
        }
        (0, 0) => Err(RuleError::new(file, "file", "no rule in this file")),
        (1, 0) => Err(RuleError::new(
            file,
            "correlation.rules",
            "a correlation needs the rules it counts in the same file, as earlier YAML documents (---)",
        )),
        _ => Err(RuleError::new(
            file,
            "file",
            "one rule per file: a single Sigma rule, or one correlation with the rules it counts",
        )),
    }
}

fn compile_rule(
    file: &str,
    fingerprint: String,
    doc: &RuleDoc,
    bases: &[RuleDoc],
) -> Result<Rule, RuleError> {
    let id = doc.id.clone().ok_or_else(|| {
        RuleError::new(
            file,
            "id",
            "every rule needs an `id` (a UUID): alerts and rule state are keyed by it",
        )
    })?;
    let level = match doc.level.as_deref() {
        None => Level::Medium,
        Some(l) => Level::parse(l).ok_or_else(|| {
            RuleError::new(
                file,
                "level",
                format!("`{l}` is not a level: informational, low, medium, high or critical"),
            )
        })?,
    };
    let q = doc.qtrail.clone().unwrap_or_default();
    let entity_names = q
        .entity
        .as_ref()
        .map(spec::OneOrMany::to_vec)
        .or_else(|| {
            doc.correlation
                .as_ref()
                .filter(|c| !c.group_by.is_empty())
                .map(|c| c.group_by.clone())
        })
        .unwrap_or_else(|| vec!["user".to_string()]);
    let entity = entity_names
        .iter()
        .map(|n| field_id(n, file, "qtrail.entity"))
        .collect::<Result<Vec<_>, _>>()?;
    let (detections, kind): (Vec<Detection>, Box<dyn Kind>) = match &doc.correlation {
        Some(corr) => {
            if doc.detection.is_some() {
                return Err(RuleError::new(
                    file,
                    "detection",
                    "a correlation rule has no detection of its own: it counts the rules named in `correlation.rules`",
                ));
            }
            let mut detections = Vec::new();
            let mut titles = Vec::new();
            for r in &corr.rules {
                let base = bases
                    .iter()
                    .find(|b| b.name.as_deref() == Some(r) || b.id.as_deref() == Some(r))
                    .ok_or_else(|| {
                        RuleError::new(
                            file,
                            "correlation.rules",
                            format!(
                                "no rule named `{r}` in this file: give the base rule `name: {r}`"
                            ),
                        )
                    })?;
                if base.generate {
                    return Err(RuleError::new(
                        file,
                        "generate",
                        "a base rule that alerts by itself belongs in its own file",
                    ));
                }
                let det = base.detection.as_ref().ok_or_else(|| {
                    RuleError::new(file, &format!("rule {r}"), "the base rule has no detection")
                })?;
                detections.push(Detection::compile(det, file)?);
                titles.push(base.title.clone());
            }
            if !corr.group_by.is_empty() && q.entity.is_some() && entity_names != corr.group_by {
                return Err(RuleError::new(
                    file,
                    "qtrail.entity",
                    "a correlation's entity is its `group-by`: drop `qtrail.entity`",
                ));
            }
            let c = kinds::correlation::Correlation::compile(corr, &titles.join(" or "), file)?;
            (detections, Box::new(c))
        }
        None => {
            let det = doc
                .detection
                .as_ref()
                .ok_or_else(|| RuleError::new(file, "detection", "the rule has no `detection`"))?;
            let detection = Detection::compile(det, file)?;
            (vec![detection], kind_of(file, doc, &q, &entity_names)?)
        }
    };
    let suppress = match &q.suppress {
        Some(s) => crate::time::parse_span(s)
            .map_err(|e| RuleError::new(file, "qtrail.suppress", e.to_string()))?,
        None => Duration::hours(1),
    };
    let allow = compile_allow(file, &q)?;
    Ok(Rule {
        id,
        title: doc.title.clone(),
        description: doc
            .description
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string(),
        level,
        tags: doc.tags.clone(),
        file: file.to_string(),
        fingerprint,
        detections,
        entity,
        suppress,
        allow,
        kind,
        tests: q.tests.clone(),
    })
}

fn kind_of(
    file: &str,
    doc: &RuleDoc,
    q: &QtrailBlock,
    entity: &[String],
) -> Result<Box<dyn Kind>, RuleError> {
    let mut found: Option<Box<dyn Kind>> = None;
    for (key, block) in &q.kinds {
        let Some((_, build)) = kinds::KINDS.iter().find(|(k, _)| k == key) else {
            let known: Vec<&str> = kinds::KINDS.iter().map(|(k, _)| *k).collect();
            return Err(RuleError::new(
                file,
                &format!("qtrail.{key}"),
                format!(
                    "unknown key: the qtrail block takes entity, suppress, allow, tests and one of {}",
                    known.join(", ")
                ),
            ));
        };
        if found.is_some() {
            return Err(RuleError::new(
                file,
                &format!("qtrail.{key}"),
                "a rule has one kind: split it into two rule files",
            ));
        }
        let ctx = KindContext {
            file,
            title: &doc.title,
            entity,
        };
        found = Some(build(block, &ctx)?);
    }
    Ok(found.unwrap_or_else(|| {
        Box::new(kinds::single::Single {
            title: doc.title.clone(),
        })
    }))
}

fn compile_allow(file: &str, q: &QtrailBlock) -> Result<Allow, RuleError> {
    let Some(a) = &q.allow else {
        return Ok(Allow::default());
    };
    let mut allow = Allow {
        users: a.users.iter().map(|u| u.to_ascii_lowercase()).collect(),
        projects: a.projects.iter().map(|p| p.to_ascii_lowercase()).collect(),
        ..Default::default()
    };
    for c in &a.cidrs {
        allow
            .cidrs
            .push(error::network(c, file, "qtrail.allow.cidrs")?);
    }
    for k in &a.user_kinds {
        allow.user_kinds.push(UserKind::parse(k).ok_or_else(|| {
            RuleError::new(
                file,
                "qtrail.allow.user_kinds",
                format!("`{k}` is not a user kind: {}", UserKind::ALL.join(", ")),
            )
        })?);
    }
    Ok(allow)
}
