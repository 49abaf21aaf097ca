//! Words of a raw JSON record for the search index: the values, not the keys.
//!
//! Analysts search what a record says (`permission denied`, an account number, a
//! backend), not its field names; keys repeat in every record of a source and made
//! up about half the tokens and positions the index had to write. Values are split
//! like Tantivy's simple tokenizer (runs of letters and digits), JSON escapes split
//! words, and text that is not JSON (a query) is split the same way, so a query is
//! tokenized exactly as indexed text is.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Tokenizes JSON text into the words of its values.
#[derive(Clone, Default)]
pub struct JsonValuesTokenizer {
    token: Token,
}

/// The token stream of one text.
pub struct JsonValuesStream<'a> {
    text: &'a str,
    spans: std::vec::IntoIter<(usize, usize)>,
    token: &'a mut Token,
}

impl Tokenizer for JsonValuesTokenizer {
    type TokenStream<'a> = JsonValuesStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JsonValuesStream<'a> {
        self.token.reset();
        JsonValuesStream {
            text,
            spans: value_words(text).into_iter(),
            token: &mut self.token,
        }
    }
}

impl TokenStream for JsonValuesStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((from, to)) = self.spans.next() else {
            return false;
        };
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Byte spans of the words of `text`'s JSON values (keys skipped).
pub fn value_words(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            // A string: find its end, honouring escapes.
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(b.len());
            // A key is a string followed by a colon.
            let mut k = end + 1;
            while k < b.len() && b[k].is_ascii_whitespace() {
                k += 1;
            }
            let is_key = k < b.len() && b[k] == b':';
            if !is_key {
                words(text, start, end, &mut out);
            }
            i = end + 1;
        } else if b[i].is_ascii_alphanumeric() || b[i] >= 0x80 {
            // Outside strings: numbers, or the words of a query.
            let start = i;
            while i < b.len() && b[i] != b'"' && !is_separator(text, i) {
                i += 1;
            }
            words(text, start, i, &mut out);
        } else {
            i += 1;
        }
    }
    out
}

fn is_separator(text: &str, i: usize) -> bool {
    let c = text.as_bytes()[i];
    c < 0x80 && !c.is_ascii_alphanumeric()
}

/// Runs of letters and digits in `text[from..to]`; a JSON escape (`\n`, `\u00e9`) ends a run.
fn words(text: &str, from: usize, to: usize, out: &mut Vec<(usize, usize)>) {
    let Some(s) = text.get(from..to) else {
        return;
    };
    let mut start: Option<usize> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((off, c)) = chars.next() {
        if c == '\\' {
            if let Some(st) = start.take() {
                out.push((from + st, from + off));
            }
            // Skip the escaped character, and the four hex digits of \u.
            if let Some((_, e)) = chars.next()
                && e == 'u'
            {
                for _ in 0..4 {
                    chars.next();
                }
            }
            continue;
        }
        if c.is_alphanumeric() {
            start.get_or_insert(off);
        } else if let Some(st) = start.take() {
            out.push((from + st, from + off));
        }
    }
    if let Some(st) = start {
        out.push((from + st, to));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        value_words(text)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect()
    }

    #[test]
    fn values_are_words_and_keys_are_not() {
        assert_eq!(
            tokens(
                r#"{"errorMessage": "Permission denied", "n": 42, "ok": true, "user": {"name": "alice@qlab.example"}}"#
            ),
            [
                "Permission",
                "denied",
                "42",
                "true",
                "alice",
                "qlab",
                "example"
            ]
        );
    }

    #[test]
    fn escapes_split_words_and_unicode_stays_whole() {
        assert_eq!(
            tokens(r#"{"m": "line one\nline two \"quoted\" \u00e9t\u00e9"}"#),
            ["line", "one", "line", "two", "quoted", "t"]
        );
        assert_eq!(tokens(r#"{"city": "São Paulo"}"#), ["São", "Paulo"]);
    }

    #[test]
    fn a_query_splits_like_indexed_text() {
        assert_eq!(tokens("permission denied"), ["permission", "denied"]);
        assert_eq!(tokens("user@example.org"), ["user", "example", "org"]);
        assert_eq!(tokens("ibm_torino"), ["ibm", "torino"]);
    }

    #[test]
    fn truncated_json_does_not_panic() {
        for t in [
            r#"{"a": "b"#,
            r#"{"a"#,
            "\"",
            r#"{"a": "\"#,
            r#"{"a": "x\u12"#,
        ] {
            let _ = tokens(t);
        }
    }
}
