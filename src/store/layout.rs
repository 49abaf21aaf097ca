//! The data directory: where each kind of file lives, the installation key, the lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Name of the environment variable that sets the data directory.
pub const DATA_DIR_ENV: &str = "QTRAIL_DATA_DIR";

/// A qtrail data directory:
///
/// ```text
/// key                          per-installation HMAC key for secret fingerprints (0600)
/// .lock                        held by the one process writing here
/// events/dt=YYYY-MM-DD/*.parquet
/// quarantine/*.parquet
/// alerts/*.parquet             what the rules found
/// detect-state.json            rule state and which event files it has seen
/// ```
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Opens (creating if needed) a data directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        for sub in ["events", "quarantine", "alerts"] {
            fs::create_dir_all(root.join(sub)).with_context(|| {
                format!(
                    "cannot create the data directory {} (choose another with --data-dir)",
                    root.display()
                )
            })?;
        }
        Ok(DataDir { root })
    }

    /// Opens an existing data directory for reading; errors if it does not exist.
    pub fn open_existing(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        if !root.join("events").is_dir() {
            bail!(
                "{} is not a qtrail data directory (no events/ inside): run `qtrail ingest` first or point --data-dir / {DATA_DIR_ENV} at one",
                root.display()
            );
        }
        Ok(DataDir { root })
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where event partitions live.
    pub fn events_dir(&self) -> PathBuf {
        self.root.join("events")
    }

    /// Where the partition of one day lives.
    pub fn day_dir(&self, day: &str) -> PathBuf {
        self.events_dir().join(format!("dt={day}"))
    }

    /// Where quarantined records live.
    pub fn quarantine_dir(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    /// Where alerts live.
    pub fn alerts_dir(&self) -> PathBuf {
        self.root.join("alerts")
    }

    /// The rule engine's snapshot.
    pub fn detect_state_path(&self) -> PathBuf {
        self.root.join("detect-state.json")
    }

    /// The installation's secret key, created (32 random bytes, mode 0600) on first use.
    pub fn key(&self) -> Result<Vec<u8>> {
        let path = self.root.join("key");
        match File::open(&path) {
            Ok(mut f) => {
                let mut key = Vec::new();
                f.read_to_end(&mut key)?;
                if key.len() < 16 {
                    bail!(
                        "the key file {} is shorter than 16 bytes: restore it from backup (fingerprints depend on it)",
                        path.display()
                    );
                }
                Ok(key)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut key = vec![0u8; 32];
                getrandom::fill(&mut key)
                    .map_err(|e| anyhow::anyhow!("no randomness for the key: {e}"))?;
                let tmp = self.root.join(".key.tmp");
                let mut opts = OpenOptions::new();
                opts.write(true).create(true).truncate(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(&tmp)?;
                f.write_all(&key)?;
                f.sync_all()?;
                // Two processes racing to create the key: the first rename wins, both use it.
                if let Err(e) = fs::hard_link(&tmp, &path) {
                    if e.kind() != io::ErrorKind::AlreadyExists {
                        return Err(e.into());
                    }
                    let _ = fs::remove_file(&tmp);
                    return self.key();
                }
                let _ = fs::remove_file(&tmp);
                sync_dir(&self.root)?;
                Ok(key)
            }
            Err(e) => {
                Err(e).with_context(|| format!("cannot read the key file {}", path.display()))
            }
        }
    }

    /// Takes the writer's lock, waiting for another ingest to finish.
    pub fn lock(&self) -> Result<File> {
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join(".lock"))
            .context("cannot create the lock file")?;
        if f.try_lock().is_err() {
            tracing::warn!(
                "another qtrail process is writing to {}; waiting for it",
                self.root.display()
            );
            f.lock().context("cannot lock the data directory")?;
        }
        Ok(f)
    }

    /// Removes temporary files left by a process that was killed mid-write.
    pub fn remove_leftovers(&self) -> Result<usize> {
        let mut removed = 0;
        let mut dirs = vec![self.events_dir(), self.quarantine_dir()];
        while let Some(dir) = dirs.pop() {
            for entry in fs::read_dir(&dir)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.file_type()?.is_dir() {
                    dirs.push(entry.path());
                } else if name.ends_with(".tmp") {
                    fs::remove_file(entry.path())?;
                    removed += 1;
                }
            }
        }
        if removed > 0 {
            tracing::info!(
                removed,
                "removed temporary files left by an interrupted run"
            );
        }
        Ok(removed)
    }

    /// Every day partition present, sorted.
    pub fn days(&self) -> Result<Vec<String>> {
        let mut days = Vec::new();
        for entry in fs::read_dir(self.events_dir())? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if let Some(day) = name.strip_prefix("dt=") {
                days.push(day.to_string());
            }
        }
        days.sort();
        Ok(days)
    }

    /// An events file's name relative to `events/` (`dt=2026-11-02/part-....parquet`),
    /// as the index and the rule state record it.
    pub fn event_file_name(&self, path: &Path) -> String {
        path.strip_prefix(self.events_dir())
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    /// Every events file, sorted by day and name.
    pub fn event_files(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for day in self.days()? {
            files.extend(parquet_files(&self.day_dir(&day))?);
        }
        Ok(files)
    }
}

/// The visible Parquet files of a directory, sorted (temporary files are hidden).
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    match fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let path = entry?.path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.ends_with(".parquet") && !name.starts_with('.') {
                    out.push(path);
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    out.sort();
    Ok(out)
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}
