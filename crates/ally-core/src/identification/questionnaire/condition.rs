//! Skip logic: the subset of XLSForm `relevant` expressions the guided flow supports.
//!
//! Grammar (whitespace between tokens is free):
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" "(" expr ")" | "(" expr ")" | atom
//! atom    := "${" name "}" op literal
//!          | "selected" "(" "${" name "}" "," string ")"
//! op      := "=" | "!=" | "<" | "<=" | ">" | ">="
//! literal := 'text' | "text" | integer
//! ```
//! `Display` prints the canonical form, and parsing it gives back the same tree.

use std::fmt;

use serde::{Serialize, Serializer};

use super::error::ConditionError;

/// A comparison operator of `${q} op literal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`: equal. On text and choices, the answer's name or text equals the string; an
    /// unanswered question compares as the empty string.
    Eq,
    /// `!=`: not equal. On numbers it also holds when the question has no number answer.
    Ne,
    /// `<`: less than; numbers only.
    Lt,
    /// `<=`: less than or equal; numbers only.
    Le,
    /// `>`: greater than; numbers only.
    Gt,
    /// `>=`: greater than or equal; numbers only.
    Ge,
}

impl CmpOp {
    /// The operator as written in XLSForm (`=`, `!=`, `<`, `<=`, `>`, `>=`).
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A quoted string (`'yes'` or `"yes"`), compared with `=` or `!=` only.
    Str(String),
    /// A whole number, compared with the answer to an `integer` question.
    Int(i64),
}

/// A parsed `relevant` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `${question} op literal`
    Compare {
        /// Name of the question read (an earlier one).
        question: String,
        /// The comparison.
        op: CmpOp,
        /// The right-hand side.
        value: Literal,
    },
    /// `selected(${question}, 'choice')`
    Selected {
        /// Name of the question read (an earlier select question).
        question: String,
        /// Name of the choice that must be among the answers.
        choice: String,
    },
    /// Two or more conditions, all of which hold.
    And(Vec<Condition>),
    /// Two or more conditions, one of which holds.
    Or(Vec<Condition>),
    /// `not(...)`: holds when the inner condition does not.
    Not(Box<Condition>),
}

impl Condition {
    /// Parse an XLSForm `relevant` expression of the supported subset.
    pub fn parse(expression: &str) -> Result<Condition, ConditionError> {
        let tokens = tokenize(expression)?;
        let mut p = Parser {
            expression,
            tokens,
            pos: 0,
        };
        let c = p.or()?;
        if let Some(t) = p.tokens.get(p.pos) {
            return Err(p.err(format!(
                "unexpected {} after the end of the condition",
                t.describe()
            )));
        }
        Ok(c)
    }

    /// Every question name the condition reads, in order of appearance.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Compare { question, .. } | Condition::Selected { question, .. } => {
                out.push(question)
            }
            Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| c.collect_refs(out)),
            Condition::Not(c) => c.collect_refs(out),
        }
    }
}

fn quote(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Compare {
                question,
                op,
                value,
            } => {
                let v = match value {
                    Literal::Str(s) => quote(s),
                    Literal::Int(i) => i.to_string(),
                };
                write!(f, "${{{question}}} {} {v}", op.as_str())
            }
            Condition::Selected { question, choice } => {
                write!(f, "selected(${{{question}}}, {})", quote(choice))
            }
            Condition::And(cs) => {
                let parts: Vec<String> = cs
                    .iter()
                    .map(|c| match c {
                        Condition::And(_) | Condition::Or(_) => format!("({c})"),
                        _ => c.to_string(),
                    })
                    .collect();
                f.write_str(&parts.join(" and "))
            }
            Condition::Or(cs) => {
                let parts: Vec<String> = cs
                    .iter()
                    .map(|c| match c {
                        Condition::Or(_) => format!("({c})"),
                        _ => c.to_string(),
                    })
                    .collect();
                f.write_str(&parts.join(" or "))
            }
            Condition::Not(c) => write!(f, "not({c})"),
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ref(String),
    Str(String),
    Int(i64),
    Word(String),
    LParen,
    RParen,
    Comma,
    Op(CmpOp),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ref(r) => format!("${{{r}}}"),
            Tok::Str(s) => quote(s),
            Tok::Int(i) => i.to_string(),
            Tok::Word(w) => format!("`{w}`"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Op(o) => format!("`{}`", o.as_str()),
        }
    }
}

fn tokenize(expression: &str) -> Result<Vec<Tok>, ConditionError> {
    let err = |message: String| ConditionError {
        expression: expression.to_string(),
        message,
    };
    let chars: Vec<char> = expression.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '=' => {
                out.push(Tok::Op(CmpOp::Eq));
                i += 1
            }
            '!' | '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, eq) {
                    ('!', true) => CmpOp::Ne,
                    ('<', false) => CmpOp::Lt,
                    ('<', true) => CmpOp::Le,
                    ('>', false) => CmpOp::Gt,
                    ('>', true) => CmpOp::Ge,
                    _ => return Err(err("`!` must be followed by `=`".into())),
                };
                out.push(Tok::Op(op));
                i += if eq { 2 } else { 1 };
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return Err(err("`$` must start a question reference `${name}`".into()));
                }
                let start = i + 2;
                let end = (start..chars.len())
                    .find(|&j| chars.get(j) == Some(&'}'))
                    .ok_or_else(|| err("unclosed `${`".into()))?;
                let name: String = chars.get(start..end).unwrap_or_default().iter().collect();
                if !is_valid_name(&name) {
                    return Err(err(format!("`{name}` is not a valid question name")));
                }
                out.push(Tok::Ref(name));
                i = end + 1;
            }
            '\'' | '"' => {
                let start = i + 1;
                let end = (start..chars.len())
                    .find(|&j| chars.get(j) == Some(&c))
                    .ok_or_else(|| err("unclosed string literal".into()))?;
                out.push(Tok::Str(
                    chars.get(start..end).unwrap_or_default().iter().collect(),
                ));
                i = end + 1;
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while chars.get(i).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1;
                }
                let s: String = chars.get(start..i).unwrap_or_default().iter().collect();
                let n = s
                    .parse::<i64>()
                    .map_err(|_| err(format!("`{s}` is not a whole number")))?;
                out.push(Tok::Int(n));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_alphanumeric() || *d == '_' || *d == '-')
                {
                    i += 1;
                }
                out.push(Tok::Word(
                    chars.get(start..i).unwrap_or_default().iter().collect(),
                ));
            }
            other => return Err(err(format!("unsupported character `{other}`"))),
        }
    }
    if out.is_empty() {
        return Err(err("empty condition".into()));
    }
    Ok(out)
}

/// An XLSForm name: a letter or `_`, then letters, digits, `_`, `-` or `.`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

struct Parser<'a> {
    expression: &'a str,
    tokens: Vec<Tok>,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: String) -> ConditionError {
        ConditionError {
            expression: self.expression.to_string(),
            message,
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: Tok) -> Result<(), ConditionError> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            Some(t) => Err(self.err(format!(
                "expected {}, found {}",
                want.describe(),
                t.describe()
            ))),
            None => Err(self.err(format!("expected {}, found the end", want.describe()))),
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut terms = vec![self.and()?];
        while self.is_word("or") {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Condition::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut terms = vec![self.unary()?];
        while self.is_word("and") {
            self.pos += 1;
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Condition::And(terms)
        })
    }

    fn unary(&mut self) -> Result<Condition, ConditionError> {
        match self.next() {
            Some(Tok::LParen) => {
                let c = self.or()?;
                self.expect(Tok::RParen)?;
                Ok(c)
            }
            Some(Tok::Word(w)) if w == "not" => {
                self.expect(Tok::LParen)?;
                let c = self.or()?;
                self.expect(Tok::RParen)?;
                Ok(Condition::Not(Box::new(c)))
            }
            Some(Tok::Word(w)) if w == "selected" => {
                self.expect(Tok::LParen)?;
                let question = match self.next() {
                    Some(Tok::Ref(r)) => r,
                    Some(t) => {
                        return Err(self.err(format!(
                            "selected() takes a question reference `${{name}}` first, found {}",
                            t.describe()
                        )));
                    }
                    None => return Err(self.err("unfinished selected()".into())),
                };
                self.expect(Tok::Comma)?;
                let choice = match self.next() {
                    Some(Tok::Str(s)) => s,
                    Some(t) => {
                        return Err(self.err(format!(
                            "selected() takes a quoted choice name second, found {}",
                            t.describe()
                        )));
                    }
                    None => return Err(self.err("unfinished selected()".into())),
                };
                self.expect(Tok::RParen)?;
                Ok(Condition::Selected { question, choice })
            }
            Some(Tok::Ref(question)) => {
                let op = match self.next() {
                    Some(Tok::Op(op)) => op,
                    Some(t) => {
                        return Err(self.err(format!(
                            "expected a comparison (=, !=, <, <=, >, >=) after ${{{question}}}, found {}",
                            t.describe()
                        )));
                    }
                    None => {
                        return Err(self.err(format!(
                            "expected a comparison after ${{{question}}}, found the end"
                        )));
                    }
                };
                let value = match self.next() {
                    Some(Tok::Str(s)) => Literal::Str(s),
                    Some(Tok::Int(n)) => Literal::Int(n),
                    Some(t) => {
                        return Err(self.err(format!(
                            "expected a quoted value or a whole number, found {}",
                            t.describe()
                        )));
                    }
                    None => return Err(self.err("expected a value, found the end".into())),
                };
                if matches!(value, Literal::Str(_)) && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Err(self.err(format!(
                        "`{}` compares numbers only; text can be compared with = or !=",
                        op.as_str()
                    )));
                }
                Ok(Condition::Compare {
                    question,
                    op,
                    value,
                })
            }
            Some(Tok::Word(w)) => Err(self.err(format!(
                "unsupported function or word `{w}` (supported: selected(), not(), and, or)"
            ))),
            Some(t) => Err(self.err(format!("unexpected {}", t.describe()))),
            None => Err(self.err("the condition ends too early".into())),
        }
    }
}
