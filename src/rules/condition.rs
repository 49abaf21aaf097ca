//! Sigma conditions: `sel and not filter`, `1 of sel_*`, `all of them`, parentheses.

use super::error::RuleError;

/// A compiled condition over selections (by index).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// One selection.
    Sel(usize),
    /// All must hold.
    And(Vec<Cond>),
    /// Any must hold.
    Or(Vec<Cond>),
    /// Must not hold.
    Not(Box<Cond>),
}

impl Cond {
    /// Evaluates with `sel(i)` telling whether selection `i` matched.
    pub fn eval(&self, sel: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Cond::Sel(i) => sel(*i),
            Cond::And(c) => c.iter().all(|c| c.eval(sel)),
            Cond::Or(c) => c.iter().any(|c| c.eval(sel)),
            Cond::Not(c) => !c.eval(sel),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Open,
    Close,
}

fn tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if !word.is_empty() {
                out.push(Tok::Word(std::mem::take(&mut word)));
            }
            match c {
                '(' => out.push(Tok::Open),
                ')' => out.push(Tok::Close),
                _ => {}
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(Tok::Word(word));
    }
    out
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    names: &'a [String],
    text: &'a str,
    file: &'a str,
    /// Open `(` and `not` around the current token: bounded, so a hostile rule
    /// file cannot overflow the stack.
    depth: usize,
}

/// The deepest nesting of `(` and `not` a condition may have.
const MAX_DEPTH: usize = 64;

/// Parses a condition over the selection `names`.
pub fn parse_condition(text: &str, names: &[String], file: &str) -> Result<Cond, RuleError> {
    let mut p = Parser {
        toks: tokens(text),
        pos: 0,
        names,
        text,
        file,
        depth: 0,
    };
    let c = p.or()?;
    if p.pos < p.toks.len() {
        return Err(p.err(format!("unexpected `{}`", p.show(p.pos))));
    }
    Ok(c)
}

impl Parser<'_> {
    fn err(&self, what: String) -> RuleError {
        // A condition is a line of text; a monster one is not echoed whole.
        let mut shown: String = self.text.chars().take(200).collect();
        if shown.len() < self.text.len() {
            shown.push_str("...");
        }
        RuleError::new(
            self.file,
            "detection.condition",
            format!("{what} in `{shown}`"),
        )
    }

    fn show(&self, i: usize) -> String {
        match &self.toks[i] {
            Tok::Word(w) => w.clone(),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
        }
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Cond, RuleError> {
        let mut parts = vec![self.and()?];
        while self.peek_word("or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Cond::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Cond, RuleError> {
        let mut parts = vec![self.not()?];
        while self.peek_word("and") {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Cond::And(parts)
        })
    }

    fn not(&mut self) -> Result<Cond, RuleError> {
        if self.peek_word("not") {
            self.pos += 1;
            let inner = self.nested(Self::not)?;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.atom()
    }

    /// Parses one level deeper, refusing past [`MAX_DEPTH`].
    fn nested(
        &mut self,
        parse: fn(&mut Self) -> Result<Cond, RuleError>,
    ) -> Result<Cond, RuleError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(format!(
                "the condition nests `(` and `not` more than {MAX_DEPTH} deep"
            )));
        }
        self.depth += 1;
        let c = parse(self);
        self.depth -= 1;
        c
    }

    fn atom(&mut self) -> Result<Cond, RuleError> {
        let Some(tok) = self.toks.get(self.pos).cloned() else {
            return Err(self.err("the condition ends too early".into()));
        };
        self.pos += 1;
        match tok {
            Tok::Open => {
                let c = self.nested(Self::or)?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err(self.err("a `(` is not closed".into()));
                }
                self.pos += 1;
                Ok(c)
            }
            Tok::Close => Err(self.err("unexpected `)`".into())),
            Tok::Word(w) => {
                let quantifier = if w == "1" || w.eq_ignore_ascii_case("any") {
                    Some(true)
                } else if w.eq_ignore_ascii_case("all") {
                    Some(false)
                } else {
                    None
                };
                if let Some(any) = quantifier
                    && self.peek_word("of")
                {
                    self.pos += 1;
                    let Some(Tok::Word(pattern)) = self.toks.get(self.pos).cloned() else {
                        return Err(
                            self.err(format!("`{w} of` needs a selection name pattern or `them`"))
                        );
                    };
                    self.pos += 1;
                    let picked: Vec<Cond> = self
                        .names
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| pattern == "them" || wildcard_match(&pattern, n))
                        .map(|(i, _)| Cond::Sel(i))
                        .collect();
                    if picked.is_empty() {
                        return Err(self.err(format!(
                            "`{pattern}` names no selection (selections: {})",
                            self.names.join(", ")
                        )));
                    }
                    return Ok(if any {
                        Cond::Or(picked)
                    } else {
                        Cond::And(picked)
                    });
                }
                match self.names.iter().position(|n| *n == w) {
                    Some(i) => Ok(Cond::Sel(i)),
                    None => Err(self.err(format!(
                        "`{w}` is not a selection of this rule (selections: {})",
                        self.names.join(", ")
                    ))),
                }
            }
        }
    }
}

/// `sel_*` style patterns over selection names.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["sel", "filter_a", "filter_b"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn deep_nesting_is_refused_with_a_reason_not_a_stack_overflow() {
        let deep = format!("{}sel{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = parse_condition(&deep, &names(), "f")
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than 64 deep"), "{e}");
        assert!(
            e.len() < 400,
            "the error echoes the whole condition: {} bytes",
            e.len()
        );
        let nots = format!("{}sel", "not ".repeat(100_000));
        assert!(parse_condition(&nots, &names(), "f").is_err());
        let fine = format!("{}sel{}", "(".repeat(60), ")".repeat(60));
        assert_eq!(parse_condition(&fine, &names(), "f").unwrap(), Cond::Sel(0));
    }

    #[test]
    fn precedence_quantifiers_and_parentheses() {
        let c = parse_condition("sel and not 1 of filter_*", &names(), "f").unwrap();
        assert_eq!(
            c,
            Cond::And(vec![
                Cond::Sel(0),
                Cond::Not(Box::new(Cond::Or(vec![Cond::Sel(1), Cond::Sel(2)])))
            ])
        );
        let c = parse_condition("sel or filter_a and filter_b", &names(), "f").unwrap();
        assert_eq!(
            c,
            Cond::Or(vec![
                Cond::Sel(0),
                Cond::And(vec![Cond::Sel(1), Cond::Sel(2)])
            ])
        );
        let c = parse_condition("(sel or filter_a) and filter_b", &names(), "f").unwrap();
        assert!(c.eval(&|i| i != 0));
        assert!(!c.eval(&|i| i == 2));
        let all = parse_condition("all of them", &names(), "f").unwrap();
        assert!(all.eval(&|_| true) && !all.eval(&|i| i > 0));
    }

    #[test]
    fn errors_quote_the_condition() {
        for (bad, want) in [
            ("sel and", "ends too early"),
            ("(sel", "not closed"),
            ("sel filter_a", "unexpected `filter_a`"),
            ("1 of nothing_*", "names no selection"),
            ("selection", "not a selection"),
        ] {
            let e = parse_condition(bad, &names(), "r.yml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want) && e.contains(bad), "{bad}: {e}");
        }
    }
}
