//! A parser for Python list-of-strings literals, as `repr(list_of_str)` writes them.
//!
//! Gaur500 stores each user's posts as one CSV cell holding a Python list literal:
//! `['first post', "it's the second", 'a third\nwith a newline']`. Some cells were cut short
//! when the data set was exported (spreadsheet cell limit), so the literal never closes. The
//! parser therefore never gives up silently: it returns every string it read completely, the
//! unterminated tail (if the input ended inside a string) and the reason it stopped.
//!
//! Supported: single, double and triple quotes; `r`/`u`/`b` prefixes (any case and order Python
//! allows); adjacent literals concatenated (`'a' 'b'`); trailing commas; the escapes of Python 3
//! string literals (`\\ \' \" \n \r \t \a \b \f \v`, octal `\ooo`, `\xhh`, `\uhhhh`,
//! `\Uhhhhhhhh`, backslash-newline, unknown escapes kept as written, `\N{…}` kept as written
//! since resolving names needs the Unicode name table). Code points that are not valid `char`s
//! (lone surrogates) become U+FFFD.

use std::fmt;

/// What parsing a cell produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyList {
    /// Every string literal read completely, in order.
    pub items: Vec<String>,
    /// The text of a string literal that the input ended inside (a truncated cell).
    pub unterminated: Option<String>,
    /// Why the cell is not a valid literal; `None` when it parsed completely.
    pub error: Option<PyListError>,
}

impl PyList {
    /// The cell was a complete, valid list-of-strings literal.
    pub fn is_complete(&self) -> bool {
        self.error.is_none()
    }
}

/// Where and why a cell stopped being a valid literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyListError {
    /// Byte offset into the cell.
    pub offset: usize,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The cell does not start with `[`.
    NotAList,
    /// The input ended inside a string literal.
    UnterminatedString,
    /// The input ended before the closing `]`.
    UnclosedList,
    /// Something other than a string literal, `,` or `]` where one was expected.
    Unexpected(char),
    /// Text after the closing `]`.
    TrailingText,
    /// An element that is not a string (a number, `None`, a nested list…).
    NotAString,
}

impl fmt::Display for PyListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.offset;
        match self.reason {
            Reason::NotAList => write!(f, "byte {at}: does not start with '['"),
            Reason::UnterminatedString => {
                write!(f, "byte {at}: input ends inside a string (truncated cell)")
            }
            Reason::UnclosedList => write!(f, "byte {at}: input ends before the closing ']'"),
            Reason::Unexpected(c) => write!(f, "byte {at}: unexpected {c:?}"),
            Reason::TrailingText => write!(f, "byte {at}: text after the closing ']'"),
            Reason::NotAString => write!(f, "byte {at}: an element that is not a string"),
        }
    }
}

impl std::error::Error for PyListError {}

/// Parses a Python list-of-strings literal, recovering everything it can (see [`PyList`]).
pub fn parse(cell: &str) -> PyList {
    let mut p = Parser {
        s: cell,
        i: 0,
        items: Vec::new(),
        unterminated: None,
    };
    let error = p.list().err();
    PyList {
        items: p.items,
        unterminated: p.unterminated,
        error,
    }
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
    items: Vec<String>,
    unterminated: Option<String>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn err(&self, reason: Reason) -> PyListError {
        PyListError {
            offset: self.i,
            reason,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.i += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn list(&mut self) -> Result<(), PyListError> {
        self.skip_ws();
        if self.peek() != Some('[') {
            return Err(self.err(Reason::NotAList));
        }
        self.i += 1;
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.err(Reason::UnclosedList)),
                Some(']') => {
                    self.i += 1;
                    break;
                }
                Some(_) => {}
            }
            let item = self.string_group()?;
            self.items.push(item);
            self.skip_ws();
            match self.peek() {
                None => return Err(self.err(Reason::UnclosedList)),
                Some(',') => self.i += 1,
                Some(']') => {
                    self.i += 1;
                    break;
                }
                Some(c) => return Err(self.err(Reason::Unexpected(c))),
            }
        }
        self.skip_ws();
        if self.i < self.s.len() {
            return Err(self.err(Reason::TrailingText));
        }
        Ok(())
    }

    /// One list element: one or more adjacent string literals, concatenated.
    fn string_group(&mut self) -> Result<String, PyListError> {
        let mut out = self.string_literal()?;
        loop {
            let save = self.i;
            self.skip_ws();
            if self.literal_start().is_some() {
                match self.string_literal() {
                    Ok(more) => out.push_str(&more),
                    Err(e) => {
                        // The tail of a truncated cell continues the element it was part of.
                        if let Some(tail) = self.unterminated.take() {
                            self.unterminated = Some(out + &tail);
                        }
                        return Err(e);
                    }
                }
            } else {
                self.i = save;
                return Ok(out);
            }
        }
    }

    /// At the start of a string literal: (prefix length, raw?).
    fn literal_start(&self) -> Option<(usize, bool)> {
        let rest = &self.s.as_bytes()[self.i..];
        let mut n = 0;
        let mut raw = false;
        while n < 2 && n < rest.len() && matches!(rest[n], b'r' | b'R' | b'u' | b'U' | b'b' | b'B')
        {
            raw |= matches!(rest[n], b'r' | b'R');
            n += 1;
        }
        match rest.get(n) {
            Some(b'\'') | Some(b'"') => Some((n, raw)),
            _ => None,
        }
    }

    fn string_literal(&mut self) -> Result<String, PyListError> {
        let Some((prefix, raw)) = self.literal_start() else {
            return Err(match self.peek() {
                Some(c) if c.is_ascii_alphanumeric() || c == '[' || c == '(' || c == '{' => {
                    self.err(Reason::NotAString)
                }
                Some(c) => self.err(Reason::Unexpected(c)),
                None => self.err(Reason::UnclosedList),
            });
        };
        self.i += prefix;
        let quote = self.s.as_bytes()[self.i];
        let triple = self.s.as_bytes()[self.i..].starts_with(&[quote; 3]);
        let open = if triple { 3 } else { 1 };
        let start = self.i;
        self.i += open;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                self.unterminated = Some(out);
                return Err(PyListError {
                    offset: start,
                    reason: Reason::UnterminatedString,
                });
            };
            if c as u32 == quote as u32 {
                if !triple {
                    self.i += 1;
                    return Ok(out);
                }
                if self.s.as_bytes()[self.i..].starts_with(&[quote; 3]) {
                    self.i += 3;
                    return Ok(out);
                }
                out.push(c);
                self.i += 1;
                continue;
            }
            if c == '\\' {
                self.i += 1;
                let Some(e) = self.peek() else {
                    self.unterminated = Some(out);
                    return Err(PyListError {
                        offset: start,
                        reason: Reason::UnterminatedString,
                    });
                };
                if raw {
                    // A raw string keeps the backslash, and `\'` does not end it.
                    out.push('\\');
                    out.push(e);
                    self.i += e.len_utf8();
                    continue;
                }
                self.escape(e, &mut out);
                continue;
            }
            out.push(c);
            self.i += c.len_utf8();
        }
    }

    /// Decodes the escape whose character after the backslash is `e` (at `self.i`).
    fn escape(&mut self, e: char, out: &mut String) {
        self.i += e.len_utf8();
        let simple = match e {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'v' => Some('\u{b}'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            return;
        }
        match e {
            '\n' => {}
            '\r' => {
                if self.peek() == Some('\n') {
                    self.i += 1;
                }
            }
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap();
                for _ in 0..2 {
                    match self.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            self.i += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let digits = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex = &self.s[self.i..];
                let n = hex
                    .bytes()
                    .take(digits)
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                if n == digits {
                    let value = u32::from_str_radix(&hex[..n], 16).unwrap_or(0xfffd);
                    out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                    self.i += n;
                } else {
                    // Python rejects a short escape; keep it as written rather than lose text.
                    out.push('\\');
                    out.push(e);
                }
            }
            _ => {
                // Unknown escapes (and `\N{…}`) stay as written, as Python keeps `\d`.
                out.push('\\');
                out.push(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(cell: &str) -> Vec<String> {
        let p = parse(cell);
        assert!(p.is_complete(), "{cell:?}: {:?}", p.error);
        assert_eq!(p.unterminated, None);
        p.items
    }

    #[test]
    fn quotes_and_empty_lists() {
        assert_eq!(ok("[]"), Vec::<String>::new());
        assert_eq!(ok("  [ ]  "), Vec::<String>::new());
        assert_eq!(ok("['one', \"two's\", 'three']"), ["one", "two's", "three"]);
        assert_eq!(ok("['trailing comma',]"), ["trailing comma"]);
        assert_eq!(ok("['a' 'b', \"c\" 'd']"), ["ab", "cd"]);
        assert_eq!(ok("['''tri'ple''', \"\"\"dq\"\"\"]"), ["tri'ple", "dq"]);
        assert_eq!(ok("['', \"\"]"), ["", ""]);
    }

    #[test]
    fn escapes_as_python_decodes_them() {
        // These expected values are what Python 3.11's ast.literal_eval gives for the same
        // literals (checked once by hand).
        assert_eq!(
            ok(r"['it\'s', 'a\\b', 'l1\nl2\r\tx']"),
            ["it's", "a\\b", "l1\nl2\r\tx"]
        );
        assert_eq!(
            ok(r"['\xa0\xe9', '\u00e9\U0001F600', '\101\0']"),
            ["\u{a0}é", "é😀", "A\0"]
        );
        assert_eq!(ok("['line \\\ncontinued']"), ["line continued"]);
        // Python rejects or cannot represent these; we keep the text rather than lose it.
        assert_eq!(ok(r"['keep \d and \N{DASH}']"), ["keep \\d and \\N{DASH}"]);
        assert_eq!(ok(r"['short \x4']"), ["short \\x4"]);
        assert_eq!(ok(r"['\ud800']"), ["\u{fffd}"]);
        assert_eq!(
            ok(r#"[r'raw \n \'q\'', u'uni', b'by']"#),
            [r"raw \n \'q\'", "uni", "by"]
        );
        assert_eq!(ok("['\u{e9}t\u{e9} unicode']"), ["\u{e9}t\u{e9} unicode"]);
    }

    #[test]
    fn truncated_cell_keeps_complete_items_and_the_tail() {
        let p = parse("['first', 'second', 'thi");
        assert_eq!(p.items, ["first", "second"]);
        assert_eq!(p.unterminated.as_deref(), Some("thi"));
        assert_eq!(
            p.error,
            Some(PyListError {
                offset: 20,
                reason: Reason::UnterminatedString
            })
        );

        let p = parse("['first', 'ends in escape \\");
        assert_eq!(p.items, ["first"]);
        assert_eq!(p.unterminated.as_deref(), Some("ends in escape "));

        let p = parse("['first', 'second'");
        assert_eq!(p.items, ["first", "second"]);
        assert_eq!(p.unterminated, None);
        assert_eq!(p.error.unwrap().reason, Reason::UnclosedList);

        let p = parse("['a' 'b");
        assert_eq!(p.items, Vec::<String>::new());
        assert_eq!(p.unterminated.as_deref(), Some("ab"));
    }

    #[test]
    fn invalid_cells_say_where_and_why() {
        assert_eq!(parse("just text").error.unwrap().reason, Reason::NotAList);
        assert_eq!(parse("").error.unwrap().reason, Reason::NotAList);
        let p = parse("['a', 3]");
        assert_eq!(p.items, ["a"]);
        assert_eq!(
            p.error,
            Some(PyListError {
                offset: 6,
                reason: Reason::NotAString
            })
        );
        let p = parse("['a' ; 'b']");
        assert_eq!(
            p.error,
            Some(PyListError {
                offset: 5,
                reason: Reason::Unexpected(';')
            })
        );
        let p = parse("['a'] extra");
        assert_eq!(p.items, ["a"]);
        assert_eq!(p.error.unwrap().reason, Reason::TrailingText);
        assert_eq!(parse("[").error.unwrap().reason, Reason::UnclosedList);
        assert_eq!(parse("['a',").error.unwrap().reason, Reason::UnclosedList);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A deterministic sweep over short strings built from the characters that matter.
        let alphabet = [
            '[', ']', '\'', '"', '\\', ',', ' ', 'x', 'u', 'r', '0', '7', 'é', '\n',
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 12) as usize;
            let s: String = (0..len)
                .map(|k| alphabet[((state >> (k * 4)) % alphabet.len() as u64) as usize])
                .collect();
            let p = parse(&s);
            if let Some(e) = &p.error {
                assert!(e.offset <= s.len());
            }
        }
    }
}
