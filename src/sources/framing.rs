//! Framing: cuts a byte stream into JSON records without parsing them.
//!
//! Accepts JSON lines, concatenated (pretty-printed) JSON values, a top-level
//! JSON array, and the `{"Records": [...]}` / `{"records": [...]}` envelopes of
//! CloudTrail and Azure Monitor files, streaming: memory holds one record, not
//! the file. A record that cannot be framed (truncated, unbalanced, not JSON,
//! too large) comes out as [`Frame::Broken`] with the reason, so that it is
//! quarantined and the records after it still go through.

use std::io::{self, Read};

/// Default cap on one record's size.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

/// How much of an oversized record is kept as evidence in quarantine.
const OVERSIZED_SAMPLE: usize = 4096;

const READ_CHUNK: usize = 256 * 1024;

/// Where a record starts in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Byte offset from the start of the (decompressed) stream.
    pub offset: u64,
    /// Line number, starting at 1.
    pub line: u64,
}

/// One framed record or one piece of input that could not be framed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The bytes of one JSON value.
    Record {
        /// The value's bytes, exactly as in the input.
        bytes: Vec<u8>,
        /// Where it starts.
        pos: Position,
    },
    /// Input that is not a well-formed record.
    Broken {
        /// The bytes (for an oversized record, its first few KiB).
        bytes: Vec<u8>,
        /// Where they start.
        pos: Position,
        /// Why the record could not be framed.
        reason: String,
    },
}

impl Frame {
    /// The bytes the frame carries, a record's or a broken piece's.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Frame::Record { bytes, .. } | Frame::Broken { bytes, .. } => bytes,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between top-level values.
    Top,
    /// Inside a top-level array: each element is a record.
    Array,
    /// Inside the records array of a top-level `{"Records": [` envelope.
    Envelope,
    /// After the records array of an envelope, until its closing brace.
    EnvelopeTail,
}

/// Cuts a reader into [`Frame`]s.
pub struct Framer<R> {
    reader: R,
    buf: Vec<u8>,
    /// Next byte to look at, as an index into `buf`.
    pos: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Line number at `buf[pos]`.
    line: u64,
    eof: bool,
    mode: Mode,
    max_record: usize,
    at_start: bool,
    /// Why reading the input failed (a truncated gzip stream, an I/O error): the
    /// input ends there, and the reason comes out as a broken frame.
    read_error: Option<String>,
}

impl<R: Read> Framer<R> {
    /// A framer over `reader` that quarantines records larger than `max_record` bytes.
    pub fn new(reader: R, max_record: usize) -> Self {
        Framer {
            reader,
            buf: Vec::with_capacity(READ_CHUNK),
            pos: 0,
            base: 0,
            line: 1,
            eof: false,
            mode: Mode::Top,
            max_record: max_record.max(64),
            at_start: true,
            read_error: None,
        }
    }

    /// Reads more input, dropping what lies before `keep_from`. Returns false at the
    /// end of the input, or when reading fails: what was read up to there is still
    /// framed, and the failure is reported as a broken frame at the end.
    fn fill(&mut self, keep_from: usize) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if keep_from > 0 {
            self.buf.drain(..keep_from);
            self.base += keep_from as u64;
            self.pos -= keep_from;
        }
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        let n = loop {
            match self.reader.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::InvalidInput
                            | io::ErrorKind::InvalidData
                            | io::ErrorKind::UnexpectedEof
                    ) =>
                {
                    // Not the data (a disk or network failure): the run fails, and a
                    // rerun reads the input again.
                    self.buf.truncate(old);
                    return Err(e);
                }
                Err(e) => {
                    // The data itself is cut or corrupt (a gzip stream, most often).
                    self.buf.truncate(old);
                    self.eof = true;
                    self.read_error = Some(format!(
                        "cannot read the input past byte {}: {e} (a truncated or corrupt compressed file?); the records before it were kept",
                        self.base + old as u64
                    ));
                    return Ok(false);
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The byte at `pos`, reading more input if needed (keeping from `keep_from`).
    fn peek(&mut self, keep_from: &mut usize) -> io::Result<Option<u8>> {
        while self.pos >= self.buf.len() {
            if self.eof {
                return Ok(None);
            }
            // `fill` drops the bytes before `keep_from` even when it then meets the
            // end of the input: the kept bytes start at 0 either way.
            let more = self.fill(*keep_from);
            *keep_from = 0;
            if !more? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    fn position_of(&self, idx: usize, line: u64) -> Position {
        Position {
            offset: self.base + idx as u64,
            line,
        }
    }

    /// Skips whitespace (and, inside arrays, commas); counts lines.
    fn skip_separators(&mut self, commas: bool) -> io::Result<Option<u8>> {
        loop {
            let mut keep = self.pos;
            let Some(b) = self.peek(&mut keep)? else {
                return Ok(None);
            };
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b',' if commas => self.pos += 1,
                _ => return Ok(Some(b)),
            }
        }
    }

    /// Whether the top-level object starting at `pos` is a Records/records envelope.
    fn envelope_ahead(&mut self) -> io::Result<Option<usize>> {
        // Make sure enough bytes are buffered to see the first key.
        while self.buf.len() - self.pos < 256 && !self.eof {
            let keep = self.pos;
            self.fill(keep)?;
        }
        let window = &self.buf[self.pos..self.buf.len().min(self.pos + 256)];
        let mut i = 1;
        let skip_ws = |i: &mut usize| {
            while *i < window.len() && window[*i].is_ascii_whitespace() {
                *i += 1;
            }
        };
        skip_ws(&mut i);
        for key in [&b"\"Records\""[..], &b"\"records\""[..]] {
            if window[i..].starts_with(key) {
                let mut j = i + key.len();
                skip_ws(&mut j);
                if window.get(j) == Some(&b':') {
                    j += 1;
                    skip_ws(&mut j);
                    if window.get(j) == Some(&b'[') {
                        return Ok(Some(j + 1));
                    }
                }
            }
        }
        Ok(None)
    }

    /// The next frame, or `None` at the end of the input.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        loop {
            if self.at_start {
                self.at_start = false;
                let mut keep = self.pos;
                self.peek(&mut keep)?;
                if self.buf[self.pos..].starts_with(b"\xEF\xBB\xBF") {
                    self.pos += 3;
                }
            }
            let in_array = matches!(self.mode, Mode::Array | Mode::Envelope);
            let Some(b) = self.skip_separators(in_array)? else {
                if let Some(reason) = self.read_error.take() {
                    self.mode = Mode::Top;
                    return Ok(Some(Frame::Broken {
                        bytes: Vec::new(),
                        pos: self.position_of(self.pos, self.line),
                        reason,
                    }));
                }
                return Ok(match self.mode {
                    Mode::Top => None,
                    // Its tail says why the envelope is unclosed, as for any other end.
                    Mode::EnvelopeTail => return self.envelope_tail(),
                    _ => {
                        self.mode = Mode::Top;
                        Some(Frame::Broken {
                            bytes: Vec::new(),
                            pos: self.position_of(self.pos, self.line),
                            reason: "input ends inside a JSON array: the closing `]` is missing (truncated file?)".into(),
                        })
                    }
                });
            };
            match (self.mode, b) {
                (Mode::Top, b'[') => {
                    self.pos += 1;
                    self.mode = Mode::Array;
                }
                (Mode::Top, b'{') => {
                    if let Some(skip) = self.envelope_ahead()? {
                        for &c in &self.buf[self.pos..self.pos + skip] {
                            if c == b'\n' {
                                self.line += 1;
                            }
                        }
                        self.pos += skip;
                        self.mode = Mode::Envelope;
                    } else {
                        return self.value().map(Some);
                    }
                }
                (Mode::Array | Mode::Envelope, b']') => {
                    self.pos += 1;
                    self.mode = if self.mode == Mode::Envelope {
                        Mode::EnvelopeTail
                    } else {
                        Mode::Top
                    };
                }
                (Mode::Array | Mode::Envelope, b'{' | b'[') => return self.value().map(Some),
                (Mode::EnvelopeTail, _) => {
                    if let Some(broken) = self.envelope_tail()? {
                        return Ok(Some(broken));
                    }
                }
                (Mode::Top, _) => return self.garbage(false).map(Some),
                (Mode::Array | Mode::Envelope, _) => {
                    let mut frame = self.garbage(true)?;
                    if let Frame::Broken { reason, .. } = &mut frame {
                        *reason = "array element is not a JSON object".into();
                    }
                    return Ok(Some(frame));
                }
            }
        }
    }

    /// The rest of an envelope after its records array: other members (metadata such
    /// as a continuation token, not records) up to the envelope's closing `}`, which
    /// ends the envelope. Returns a broken frame when the envelope is malformed: a
    /// stray `]` or `}`, or a record starting on a new line before the envelope closed.
    fn envelope_tail(&mut self) -> io::Result<Option<Frame>> {
        let start_line = self.line;
        let start_pos = self.position_of(self.pos, start_line);
        let mut keep = self.pos;
        let mut depth: usize = 0;
        let mut in_string = false;
        let mut escape = false;
        let mut skipped: u64 = 0;
        let mut sample = Vec::new();
        // The last byte outside strings and blanks: a member's object or array value
        // follows a `:`; any other `{` or `[` at the envelope's level starts a record.
        let mut last = b',';
        let mut line_start = false;
        let broken = |sample: Vec<u8>, reason: String| {
            Ok(Some(Frame::Broken {
                bytes: sample,
                pos: start_pos,
                reason,
            }))
        };
        let unclosed = |line: u64| {
            format!(
                "malformed envelope: the records envelope is not closed before the record at line {line}"
            )
        };
        while let Some(b) = self.peek(&mut keep)? {
            if !in_string && line_start && b == b'{' {
                // As in a record: a `{` at the start of a line is the next record,
                // however deep the member before it had got.
                self.mode = Mode::Top;
                return broken(sample, unclosed(self.line));
            }
            if skipped > self.max_record as u64 {
                self.mode = Mode::Top;
                return broken(
                    sample,
                    format!(
                        "malformed envelope: more than {} bytes after the records array and no closing `}}` (raise the limit with --max-record-bytes)",
                        self.max_record
                    ),
                );
            }
            if !in_string && depth == 0 {
                match b {
                    b'}' => {
                        self.pos += 1;
                        self.mode = Mode::Top;
                        if skipped > 0 {
                            tracing::debug!(
                                skipped,
                                "ignored envelope members after the records array"
                            );
                        }
                        return Ok(None);
                    }
                    b']' => {
                        self.pos += 1;
                        sample.push(b);
                        return broken(
                            sample,
                            format!(
                                "malformed envelope: unexpected `]` after the records array (line {start_line})"
                            ),
                        );
                    }
                    b'{' | b'[' if last != b':' => {
                        // A value where no member can start one: the envelope lost
                        // its closing brace and the next record begins here.
                        self.mode = Mode::Top;
                        return broken(sample, unclosed(self.line));
                    }
                    _ => {}
                }
            }
            if in_string {
                if escape {
                    escape = false;
                } else if b == b'\\' {
                    escape = true;
                } else if b == b'"' {
                    in_string = false;
                } else if b == b'\n' {
                    // JSON forbids a raw newline in a string: the envelope was cut here.
                    self.mode = Mode::Top;
                    return broken(
                        sample,
                        format!(
                            "malformed envelope: unterminated string after the records array (line {})",
                            self.line
                        ),
                    );
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => depth -= 1,
                    _ => {}
                }
            }
            line_start = b == b'\n';
            if line_start {
                self.line += 1;
            }
            // A closing quote counts (a string value was given): only an opening
            // quote, still inside its string here, does not.
            if !in_string && !b.is_ascii_whitespace() {
                last = b;
            }
            if sample.len() < OVERSIZED_SAMPLE {
                sample.push(b);
            }
            skipped += 1;
            self.pos += 1;
            keep = self.pos;
        }
        self.mode = Mode::Top;
        match self.read_error.take() {
            Some(reason) => broken(sample, reason),
            None => broken(
                sample,
                format!(
                    "input ends inside the records envelope that the array before line {start_line} belongs to: its closing `}}` is missing (truncated file?)"
                ),
            ),
        }
    }

    /// Input that cannot start a record: up to the end of the line (or, inside an
    /// array, the next `,` or `]`).
    fn garbage(&mut self, in_array: bool) -> io::Result<Frame> {
        let start_line = self.line;
        let mut start = self.pos;
        let start_pos = self.position_of(start, start_line);
        let mut sample = Vec::new();
        while let Some(b) = self.peek(&mut start)? {
            if b == b'\n' || (in_array && (b == b',' || b == b']')) {
                break;
            }
            if sample.len() < OVERSIZED_SAMPLE {
                sample.push(b);
            }
            self.pos += 1;
            if self.pos - start > OVERSIZED_SAMPLE {
                start = self.pos;
            }
        }
        let shown = String::from_utf8_lossy(&sample[..sample.len().min(40)]).into_owned();
        Ok(Frame::Broken {
            bytes: sample,
            pos: start_pos,
            reason: format!("not JSON: line starts with {shown:?}"),
        })
    }

    /// Frames one JSON object or array starting at `pos`.
    fn value(&mut self) -> io::Result<Frame> {
        let start_line = self.line;
        let mut start = self.pos;
        let start_pos = self.position_of(start, start_line);
        let mut scan = Scan::default();
        // Bytes dropped from an oversized record while we look for its end.
        let mut oversized: Option<(Vec<u8>, u64)> = None;
        loop {
            if self.pos >= self.buf.len() {
                if let Some((_, dropped)) = &mut oversized {
                    *dropped += (self.pos - start) as u64;
                    start = self.pos;
                }
                let mut keep = start;
                let next = self.peek(&mut keep)?;
                start = keep;
                if next.is_none() {
                    let bytes = match oversized {
                        Some((sample, _)) => sample,
                        None => self.buf[start..].to_vec(),
                    };
                    return Ok(Frame::Broken {
                        bytes,
                        pos: start_pos,
                        reason: format!(
                            "truncated JSON: input ends inside a record that started at line {start_line} (missing closing `}}` or `\"`)"
                        ),
                    });
                }
            }
            // Scan no further than the size limit, so an oversized record is noticed
            // as soon as it passes it.
            let end = match oversized {
                None => self.buf.len().min(start + self.max_record + 1),
                Some(_) => self.buf.len(),
            };
            let (at, stop) = scan.run(&self.buf, self.pos, end);
            self.pos = at;
            match stop {
                Stop::End => {}
                Stop::Closed => {
                    return Ok(match oversized {
                        Some((sample, dropped)) => {
                            let total = dropped + (self.pos - start) as u64;
                            Frame::Broken {
                                bytes: sample,
                                pos: start_pos,
                                reason: format!(
                                    "oversized record: {total} bytes, over the limit of {} bytes (raise it with --max-record-bytes)",
                                    self.max_record
                                ),
                            }
                        }
                        None => Frame::Record {
                            bytes: self.buf[start..self.pos].to_vec(),
                            pos: start_pos,
                        },
                    });
                }
                Stop::NewlineInString => {
                    // JSON forbids a raw newline inside a string: the record is cut off here.
                    let bytes = self.cut(start, &oversized);
                    self.pos += 1;
                    self.line += 1;
                    return Ok(Frame::Broken {
                        bytes,
                        pos: start_pos,
                        reason: format!(
                            "malformed JSON: unterminated string in the record at line {start_line}"
                        ),
                    });
                }
                Stop::Newline => {
                    self.line += 1;
                    // A `{` at the start of a line while a record is still open means
                    // the open one lost its end (JSON lines with a truncated line).
                    self.pos += 1;
                    if let Some((_, dropped)) = &mut oversized {
                        // Counted, not kept: an oversized record holds no memory.
                        *dropped += (self.pos - start) as u64;
                        start = self.pos;
                    }
                    let mut keep = start;
                    let next = self.peek(&mut keep)?;
                    start = keep;
                    if next == Some(b'{') && oversized.is_none() {
                        let bytes = self.buf[start..self.pos - 1].to_vec();
                        return Ok(Frame::Broken {
                            bytes,
                            pos: start_pos,
                            reason: format!(
                                "malformed JSON: the record at line {start_line} is not closed before the next record starts"
                            ),
                        });
                    }
                    continue;
                }
            }
            if oversized.is_none() && self.pos - start > self.max_record {
                oversized = Some((
                    self.buf[start..start + OVERSIZED_SAMPLE.min(self.max_record)].to_vec(),
                    0,
                ));
            }
        }
    }

    fn cut(&self, start: usize, oversized: &Option<(Vec<u8>, u64)>) -> Vec<u8> {
        match oversized {
            Some((sample, _)) => sample.clone(),
            None => self.buf[start..self.pos].to_vec(),
        }
    }
}

impl<R: Read> Iterator for Framer<R> {
    type Item = io::Result<Frame>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().transpose()
    }
}

/// What a byte means to the scanner, outside strings ([`OUTSIDE`]) and inside them
/// ([`INSIDE`]); most bytes mean nothing and are passed over.
const PLAIN: u8 = 0;
const QUOTE: u8 = 1;
const OPEN: u8 = 2;
const CLOSE: u8 = 3;
const NEWLINE: u8 = 4;
const BACKSLASH: u8 = 5;

const fn classes(inside: bool) -> [u8; 256] {
    let mut t = [PLAIN; 256];
    t[b'"' as usize] = QUOTE;
    t[b'\n' as usize] = NEWLINE;
    if inside {
        t[b'\\' as usize] = BACKSLASH;
    } else {
        t[b'{' as usize] = OPEN;
        t[b'[' as usize] = OPEN;
        t[b'}' as usize] = CLOSE;
        t[b']' as usize] = CLOSE;
    }
    t
}

static OUTSIDE: [u8; 256] = classes(false);
static INSIDE: [u8; 256] = classes(true);

/// Why [`Scan::run`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// It reached the end of what it was given.
    End,
    /// The value closed; the position is just past its last byte.
    Closed,
    /// A newline between tokens; the position is at it.
    Newline,
    /// A newline inside a string, which JSON forbids; the position is at it.
    NewlineInString,
}

/// Where the scan of one value stands: nesting depth and string state. It carries
/// over between calls, so a value may span several reads.
#[derive(Debug, Default)]
struct Scan {
    depth: usize,
    in_string: bool,
    escape: bool,
}

impl Scan {
    /// Scans `buf[from..end]` for the end of the value, a newline or the end. Outside
    /// strings, one table look-up per byte; inside them, eight bytes at a time until
    /// one of `"`, `\\` or a newline: records are mostly short keys and values, for
    /// which a call to a vectorised search per string costs more than it saves.
    fn run(&mut self, buf: &[u8], from: usize, end: usize) -> (usize, Stop) {
        let bytes = &buf[from..end];
        let (mut depth, mut in_string, mut escape) = (self.depth, self.in_string, self.escape);
        let mut i = 0;
        let stop = 'scan: loop {
            if in_string {
                loop {
                    if escape {
                        if i >= bytes.len() {
                            break 'scan Stop::End;
                        }
                        escape = false;
                        i += 1;
                    }
                    i += string_run(&bytes[i..]);
                    let Some(&b) = bytes.get(i) else {
                        break 'scan Stop::End;
                    };
                    match INSIDE[b as usize] {
                        QUOTE => {
                            in_string = false;
                            i += 1;
                            break;
                        }
                        BACKSLASH => {
                            escape = true;
                            i += 1;
                        }
                        _ => break 'scan Stop::NewlineInString,
                    }
                }
            }
            loop {
                let Some(&b) = bytes.get(i) else {
                    break 'scan Stop::End;
                };
                i += 1;
                match OUTSIDE[b as usize] {
                    PLAIN => {}
                    QUOTE => {
                        in_string = true;
                        continue 'scan;
                    }
                    OPEN => depth += 1,
                    CLOSE => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break 'scan Stop::Closed;
                        }
                    }
                    _ => {
                        i -= 1;
                        break 'scan Stop::Newline;
                    }
                }
            }
        };
        (self.depth, self.in_string, self.escape) = (depth, in_string, escape);
        (from + i, stop)
    }
}

/// How many bytes at the start of `s` are plain string content (none of `"`, `\\`
/// or a newline), eight at a time.
fn string_run(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `w` equal to `c` (below the first such byte,
    // exactly; above it, perhaps falsely, which the lowest-bit search ignores).
    let equal = |w: u64, c: u8| {
        let x = w ^ (ONES * c as u64);
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let hits = equal(w, b'"') | equal(w, b'\\') | equal(w, b'\n');
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + s[i..]
        .iter()
        .position(|&b| INSIDE[b as usize] != PLAIN)
        .unwrap_or(s.len() - i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<Frame> {
        Framer::new(input.as_bytes(), 1024)
            .map(|f| f.unwrap())
            .collect()
    }

    fn records(input: &str) -> Vec<String> {
        frames(input)
            .into_iter()
            .filter_map(|f| match f {
                Frame::Record { bytes, .. } => Some(String::from_utf8(bytes).unwrap()),
                Frame::Broken { .. } => None,
            })
            .collect()
    }

    fn broken(input: &str) -> Vec<(u64, String)> {
        frames(input)
            .into_iter()
            .filter_map(|f| match f {
                Frame::Broken { pos, reason, .. } => Some((pos.line, reason)),
                Frame::Record { .. } => None,
            })
            .collect()
    }

    #[test]
    fn json_lines_and_pretty_printed_values_mix() {
        let input = "{\"a\":1}\n{\n  \"b\": {\"c\": \"}\"}\n}\n\n{\"d\":\"x\\\"y\"}\n";
        assert_eq!(
            records(input),
            vec![
                "{\"a\":1}",
                "{\n  \"b\": {\"c\": \"}\"}\n}",
                "{\"d\":\"x\\\"y\"}"
            ]
        );
        let lines: Vec<u64> = frames(input)
            .iter()
            .map(|f| match f {
                Frame::Record { pos, .. } => pos.line,
                Frame::Broken { .. } => 0,
            })
            .collect();
        assert_eq!(lines, vec![1, 2, 6]);
    }

    #[test]
    fn top_level_array_and_envelopes_yield_elements() {
        assert_eq!(
            records("[{\"a\":1}, {\"b\":2}]"),
            vec!["{\"a\":1}", "{\"b\":2}"]
        );
        assert_eq!(
            records("\u{feff}{\"Records\": [{\"a\":1},\n {\"b\":2}]}"),
            vec!["{\"a\":1}", "{\"b\":2}"]
        );
        assert_eq!(
            records("{ \"records\" :\n[ {\"a\":1} ] }{\"c\":3}"),
            vec!["{\"a\":1}", "{\"c\":3}"]
        );
    }

    #[test]
    fn truncated_line_is_cut_and_the_next_line_survives() {
        let input = "{\"a\":1}\n{\"b\": {\"c\": 2}\n{\"d\":4}\n";
        assert_eq!(records(input), vec!["{\"a\":1}", "{\"d\":4}"]);
        let b = broken(input);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].0, 2);
        assert!(b[0].1.contains("not closed"), "{}", b[0].1);
    }

    #[test]
    fn unterminated_string_and_truncated_end() {
        let input = "{\"a\":\"oops}\n{\"d\":4}\n{\"e\":";
        assert_eq!(records(input), vec!["{\"d\":4}"]);
        let b = broken(input);
        assert_eq!(b.len(), 2);
        assert!(b[0].1.contains("unterminated string"));
        assert_eq!(b[1].0, 3);
        assert!(b[1].1.contains("truncated"));
    }

    #[test]
    fn truncated_last_record_keeps_its_own_bytes() {
        // The cut record starts after the first byte of the buffer and is too long
        // for the envelope look-ahead to have met the end of the input: the refill
        // that meets the end drops the bytes before it, which once made the framer
        // slice out of bounds (or quarantine the wrong bytes).
        for before in ["{\"a\":1}\n", &"{\"a\":1}\n".repeat(200)] {
            let cut = format!("{{\"e\":\"{}", "x".repeat(300));
            let input = format!("{before}{cut}");
            let f = frames(&input);
            assert_eq!(f.len(), before.lines().count() + 1, "{input}");
            match f.last().unwrap() {
                Frame::Broken { bytes, reason, pos } => {
                    assert_eq!(String::from_utf8_lossy(bytes), cut);
                    assert!(reason.contains("truncated"), "{reason}");
                    assert_eq!(pos.offset, before.len() as u64);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn escapes_and_brackets_inside_strings_at_every_offset() {
        // Strings are skipped eight bytes at a time: put each tricky byte at every
        // offset of those eight, and read one byte at a time too, so that a string,
        // or an escape, spans two reads.
        let mut input = String::new();
        let mut expected = Vec::new();
        for pad in 0..17 {
            let rec = format!(
                r#"{{"p":"{}","a":"x\\","b":"}}{{][\"","c":"\"\\\"{}","d":[{{}}]}}"#,
                "y".repeat(pad),
                "z".repeat(16 - pad)
            );
            serde_json::from_str::<serde_json::Value>(&rec).expect("test record is JSON");
            input.push_str(&rec);
            input.push('\n');
            expected.push(rec);
        }
        assert_eq!(records(&input), expected);
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = 1.min(self.0.len()).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let slow: Vec<String> = Framer::new(OneByte(input.as_bytes()), 4096)
            .map(|f| match f.unwrap() {
                Frame::Record { bytes, .. } => String::from_utf8(bytes).unwrap(),
                Frame::Broken { reason, .. } => panic!("{reason}"),
            })
            .collect();
        assert_eq!(slow, expected);
    }

    #[test]
    fn every_cut_and_read_size_frames_the_input_it_was_given() {
        // Records of varied length across several read chunks, cut at many points and
        // read in several sizes: each frame must be the input's own bytes at the
        // offset it claims, whole records must come out whole, and nothing panics.
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(out.len()).min(self.0.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut full = String::new();
        let mut ends = Vec::new();
        for i in 0..2600 {
            full.push_str(&format!(
                "{{\"i\":{i},\"pad\":\"{}\",\"n\":{{\"q\":\"\\\"}}\"}}}}\n",
                "p".repeat(i % 397)
            ));
            ends.push(full.len() - 1); // a record is whole without its newline
        }
        assert!(full.len() > 2 * READ_CHUNK);
        let cuts = [
            full.len(),
            full.len() - 1,
            READ_CHUNK + 5,
            2 * READ_CHUNK - 1,
            301_117,
        ];
        for cut in cuts {
            let input = &full.as_bytes()[..cut];
            for size in [READ_CHUNK, 4093, 61] {
                let mut whole = 0;
                for f in Framer::new(Chunked(input, size), 4096) {
                    let (bytes, pos) = match f.unwrap() {
                        Frame::Record { bytes, pos } => {
                            whole += 1;
                            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
                            (bytes, pos)
                        }
                        Frame::Broken { bytes, pos, reason } => {
                            assert!(reason.contains("truncated"), "cut {cut}: {reason}");
                            (bytes, pos)
                        }
                    };
                    let at = pos.offset as usize;
                    assert_eq!(
                        &input[at..at + bytes.len()],
                        &bytes[..],
                        "cut {cut} read {size}"
                    );
                }
                let complete = ends.iter().filter(|&&e| e <= cut).count();
                assert_eq!(whole, complete, "cut {cut} read {size}");
            }
        }
    }

    #[test]
    fn envelope_members_after_the_records_are_skipped_and_what_follows_is_kept() {
        // Members after the array (a continuation token, nested metadata) are not
        // records; the record after the envelope must still come out.
        let input =
            "{\"Records\":[{\"a\":1}],\"x\":[1,{\"y\":\"}]\"}],\"next\":\"t\"}\n{\"b\":2}\n";
        assert_eq!(records(input), vec!["{\"a\":1}", "{\"b\":2}"]);
        assert!(broken(input).is_empty(), "{:?}", broken(input));
        let input = "{\"records\":[{\"a\":1}],\"m\":1}\n{\"records\":[{\"b\":2}]}";
        assert_eq!(records(input), vec!["{\"a\":1}", "{\"b\":2}"]);
        assert!(broken(input).is_empty());
    }

    #[test]
    fn malformed_envelope_ends_are_reported_and_the_next_record_survives() {
        let input = "{\"Records\":[{\"a\":1}]]}\n{\"b\":2}\n";
        assert_eq!(records(input), vec!["{\"a\":1}", "{\"b\":2}"]);
        let b = broken(input);
        assert_eq!(b.len(), 1, "{b:?}");
        assert!(b[0].1.contains("unexpected `]`"), "{}", b[0].1);

        // An envelope that is never closed, or whose last member has a string value
        // or is left open, does not swallow the records on the lines after it.
        for (input, want) in [
            (
                "{\"records\":[{\"a\":1}]\n{\"b\":2}\n",
                &["{\"a\":1}", "{\"b\":2}"][..],
            ),
            (
                "{\"records\":[{\"a\":1}],\"next\":\"t\"\n{\"b\":2}\n{\"c\":3}\n",
                &["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"],
            ),
            (
                "{\"records\":[{\"a\":1}],\"m\":{\"k\":1\n{\"b\":2}\n{\"c\":3}\n",
                &["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"],
            ),
        ] {
            assert_eq!(records(input), want, "{input}");
            let b = broken(input);
            assert_eq!(b.len(), 1, "{b:?}");
            assert!(
                b[0].1.contains("not closed before the record at line 2"),
                "{}",
                b[0].1
            );
        }
        // A tail past the record limit is cut there, not read to the end.
        let input = format!(
            "{{\"records\":[{{\"a\":1}}],\"m\":\"{}\n{{\"b\":2}}\n",
            "x".repeat(5000)
        );
        assert_eq!(records(&input), vec!["{\"a\":1}", "{\"b\":2}"]);
        assert!(
            broken(&input)[0].1.contains("more than 1024 bytes"),
            "{:?}",
            broken(&input)
        );

        // Cut inside a member, or right after the array: one reason either way.
        for input in [
            "{\"records\":[{\"a\":1}], \"m\": {\"k\":",
            "{\"records\":[{\"a\":1}]\n",
        ] {
            let b = broken(input);
            assert_eq!(b.len(), 1, "{b:?}");
            assert!(b[0].1.contains("closing `}` is missing"), "{}", b[0].1);
        }
    }

    #[test]
    fn a_cut_gzip_stream_keeps_its_records_and_reports_the_cut() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..20_000 {
            writeln!(gz, "{{\"i\":{i},\"pad\":\"{}\"}}", i * 7919 % 100_003).unwrap();
        }
        let whole = gz.finish().unwrap();
        let cut = &whole[..whole.len() / 2];
        let f: Vec<Frame> = Framer::new(flate2::read::MultiGzDecoder::new(cut), 1024)
            .map(|f| f.expect("a read error is a broken frame, not an error"))
            .collect();
        let kept = f
            .iter()
            .filter(|f| matches!(f, Frame::Record { .. }))
            .count();
        assert!(kept > 1000 && kept < 20_000, "{kept}");
        let Some(Frame::Broken { reason, .. }) = f.last() else {
            panic!("the cut is not reported: {:?}", f.last());
        };
        assert!(
            reason.contains("cannot read the input past byte"),
            "{reason}"
        );
    }

    #[test]
    fn garbage_lines_are_reported_not_swallowed() {
        let input = "hello world\n{\"a\":1}\n";
        assert_eq!(records(input), vec!["{\"a\":1}"]);
        assert_eq!(broken(input)[0].0, 1);
    }

    #[test]
    fn oversized_records_are_skipped_whole() {
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(5000));
        let input = format!("{big}\n{{\"b\":1}}\n");
        let f = frames(&input);
        assert_eq!(f.len(), 2);
        match &f[0] {
            Frame::Broken { reason, bytes, .. } => {
                assert!(reason.contains("oversized record: 5008 bytes"), "{reason}");
                assert!(bytes.len() <= OVERSIZED_SAMPLE);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(records(&input), vec!["{\"b\":1}"]);

        // Read a line at a time (a pipe from a line-buffered writer), a pretty-printed
        // oversized record is still counted whole and the next record survives.
        struct Lines<'a>(&'a [u8]);
        impl Read for Lines<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self
                    .0
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.0.len(), |i| i + 1);
                let n = n.min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let line = format!("  \"k\": \"{}\",\n", "y".repeat(100));
        let big = format!("{{\n{}  \"z\": 1\n}}\n{{\"b\":1}}\n", line.repeat(100));
        let mut framer = Framer::new(Lines(big.as_bytes()), 1024);
        let first = framer.next_frame().unwrap().unwrap();
        // What is buffered is the last line read, not the whole oversized record.
        assert!(framer.buf.len() < 1024, "{} bytes kept", framer.buf.len());
        let f: Vec<Frame> = std::iter::once(Ok(first))
            .chain(framer)
            .map(|f| f.unwrap())
            .collect();
        assert_eq!(f.len(), 2, "{f:?}");
        let want = format!("oversized record: {} bytes", big.find("\n{\"b\"").unwrap());
        assert!(
            matches!(&f[0], Frame::Broken { reason, .. } if reason.contains(&want)),
            "{:?}",
            f[0]
        );
        assert!(matches!(&f[1], Frame::Record { bytes, .. } if bytes == b"{\"b\":1}"));
    }

    #[test]
    fn records_split_across_reads() {
        // A reader that hands out one byte at a time exercises every refill path.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || out.is_empty() {
                    return Ok(0);
                }
                out[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let input = "{\"Records\":[{\"a\":\"x\"},{\"b\":[1,2]}]}\n{\"c\":3}";
        let got: Vec<Frame> = Framer::new(OneByte(input.as_bytes()), 1024)
            .map(|f| f.unwrap())
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
    }
}
