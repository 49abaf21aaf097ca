//! Files and stdin: plain or gzip-compressed, detected from the magic bytes; UTF-16
//! with a byte-order mark (what Windows PowerShell 5 writes with `>` and `Out-File`)
//! is read as the UTF-8 it encodes, so `raw` holds that UTF-8 text and quarantine
//! offsets count its bytes.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs_io::DecodeReaderBytesBuilder;
use flate2::read::MultiGzDecoder;

/// One input named on the command line: a file or `-` for stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file (or every regular file below a directory, expanded by [`expand`]).
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

impl Input {
    /// How the input is named in summaries and quarantine records.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "-".to_string(),
        }
    }

    /// Size on disk, for the progress bar; unknown for stdin.
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        }
    }
}

/// Turns command-line arguments into inputs: `-` is stdin, a directory is every
/// file below it (sorted, hidden files skipped), a file is itself.
pub fn expand(args: &[PathBuf]) -> io::Result<Vec<Input>> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if arg.is_dir() {
            let mut files = Vec::new();
            walk(arg, &mut files)?;
            files.sort();
            out.extend(files.into_iter().map(Input::Path));
        } else if arg.exists() {
            out.push(Input::Path(arg.clone()));
        } else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "input {} does not exist (give a file, a directory or - for stdin)",
                    arg.display()
                ),
            ));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if looks_like_log(&path) {
            out.push(path);
        } else {
            tracing::debug!(file = %path.display(), "skipped: not a log file by its name");
        }
    }
    Ok(())
}

/// Inside a directory, which files are logs: JSON, JSON lines, `.log`, gzip, or no
/// extension at all. A file named on the command line is always read.
fn looks_like_log(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        None => true,
        Some(ext) => matches!(
            ext.to_ascii_lowercase().as_str(),
            "json" | "jsonl" | "ndjson" | "log" | "gz" | "txt"
        ),
    }
}

/// Counts the compressed bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens an input for reading, decompressing gzip transparently. `progress`
/// counts the bytes read from the file itself (before decompression).
pub fn open(input: &Input, progress: Arc<AtomicU64>) -> io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> =
        match input {
            Input::Path(p) => Box::new(File::open(p).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot open {}: {e}", p.display()))
            })?),
            Input::Stdin => Box::new(io::stdin()),
        };
    let mut reader = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: raw,
            read: progress,
        },
    );
    let head = reader.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(MultiGzDecoder::new(reader)))
    } else if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        // Only a byte-order mark says UTF-16: without one, the bytes stay as they are
        // (and a record that is not UTF-8 is quarantined with its bytes).
        Ok(Box::new(
            DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .strip_bom(true)
                .build(reader),
        ))
    } else {
        Ok(Box::new(reader))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<u8> {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("input.json");
        std::fs::write(&path, bytes).unwrap();
        let mut out = Vec::new();
        open(&Input::Path(path), Arc::new(AtomicU64::new(0)))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read_as_utf8_and_other_bytes_as_they_are() {
        let text = "{\"user\":\"jürgen@example.org\"}\r\n{\"n\":2}\r\n";
        let le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(read_all(&le), text.as_bytes());
        assert_eq!(read_all(&be), text.as_bytes());
        // No mark: not transcoded, even when the bytes are not UTF-8.
        let latin1 = b"{\"user\":\"j\xfcrgen\"}\n";
        assert_eq!(read_all(latin1), latin1);
    }
}
