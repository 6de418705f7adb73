//! Words and sentences with byte offsets into the original text.
//!
//! Matching runs on tokens, not characters: a construct's pattern says "kill~ myself", and the
//! tokenizer decides once what a word is (letters, digits, inner apostrophes: `don't`, `i'm`),
//! folds case and curly apostrophes, and keeps each token's byte span in the original text so
//! that every signal can quote its evidence exactly. Common misspellings and chat forms are
//! folded to the word the rules are written in (`constructs/_spelling.toml`): the normalised
//! form reads "tonight" where the writer wrote "tonite", and the span still quotes "tonite".

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// One word of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte offsets into the original text, half-open.
    pub start: usize,
    pub end: usize,
    /// The word in lower case with `’` folded to `'`: a range of [`Tokens::norms`].
    norm_start: u32,
    norm_end: u32,
    /// Index of the sentence it belongs to.
    pub sentence: u32,
    /// Inside quotation marks (“…”, "…", ‘…’ or '…') in the original text.
    pub quoted: bool,
    /// A clause boundary (`,` `;` `:` `—` or a dash) follows this token before the next one.
    pub clause_end: bool,
}

/// A sentence: the token range and byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub tokens: std::ops::Range<usize>,
}

#[derive(Debug, Default, Clone)]
pub struct Tokens {
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
    /// Every token's normalised form, one after the other: one allocation per text instead of
    /// one per word.
    norms: String,
}

impl Tokens {
    /// The normalised form of token `i` (lower case, `'` for `’`).
    pub fn norm(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        &self.norms[t.norm_start as usize..t.norm_end as usize]
    }

    /// [`Tokens::norm`] as bytes: the same word, sliced without the checks that a `str` slice
    /// makes at both ends (that each is a character boundary), for code that reads every token.
    #[inline]
    pub fn norm_bytes(&self, i: usize) -> &[u8] {
        let t = &self.tokens[i];
        &self.norms.as_bytes()[t.norm_start as usize..t.norm_end as usize]
    }
}

/// For each byte: an ASCII letter or digit in lower case, else 0 (one load tells both whether the
/// byte continues a word and what to write).
const ASCII_WORD_LOWER: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Characters that show nothing and join nothing of their own: variation selectors, zero-width
/// spaces and joiners, the word joiner, the byte-order mark and the soft hyphen. Inside a word
/// they are skipped, so that a keyboard's emoji selector or a pasted soft hyphen does not split
/// the word the writer wrote.
fn is_invisible_joiner(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
    )
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’' || c == '‘'
}

/// The byte length of a curly apostrophe garbled by a wrong decoding at the start of `rest`, if
/// one is there: `’` written as UTF-8 and read back as Windows-1252 (`â€™`) or as Mac Roman
/// (`‚Äô`). Scraped and exported text often carries these, and "I‚Äôm" must read as "i'm".
/// Reads the lead byte first (that of `â` or `‚`), so that on ordinary text it costs one
/// comparison.
fn mojibake_apostrophe(rest: &str) -> Option<usize> {
    if !matches!(rest.as_bytes().first(), Some(0xC3 | 0xE2)) {
        return None;
    }
    ["â€™", "‚Äô"]
        .into_iter()
        .find(|m| rest.starts_with(m))
        .map(str::len)
}

/// Words that a leading apostrophe shortens ('cause, 'em, 'til): the apostrophe before them is
/// an elision, not an opening quotation mark.
const ELISIONS: &[&str] = &[
    "cause", "cos", "coz", "cuz", "cus", "em", "til", "till", "bout", "round", "n", "tis", "twas",
    "nother", "kay", "sup", "ere", "ow", "ello", "scuse", "fraid", "nuff", "cept",
];

/// Whether the apostrophe-like mark at byte `i` (width `width`), which does not sit between two
/// word characters, could close a single quotation: it follows a word or a stop (`tonight'`,
/// `tonight.'`) and no word character follows it.
fn closes_single_quote(text: &str, i: usize, width: usize) -> bool {
    let prev = text[..i].chars().next_back();
    let next = text[i + width..].chars().next();
    prev.is_some_and(|p| is_word_char(p) || matches!(p, '.' | '!' | '?' | ',' | '…'))
        && !next.is_some_and(is_word_char)
}

/// Whether a quotation mark opening now follows a search verb ("googled \"painless ways to
/// die\"", "looked up 'how many'", "searched for “…”"): what it encloses is the writer's own
/// query, not someone else's words, so it is not marked quoted.
fn opens_a_query(out: &Tokens) -> bool {
    const SEARCH: &[&str] = &[
        "google",
        "googled",
        "googles",
        "googling",
        "search",
        "searched",
        "searches",
        "searching",
        "typed",
        "types",
        "typing",
        "type",
    ];
    let n = out.tokens.len();
    let norm = |k: usize| out.norm(k);
    match n {
        0 => false,
        _ if SEARCH.contains(&norm(n - 1)) => true,
        1 => false,
        _ => {
            let (a, b) = (norm(n - 2), norm(n - 1));
            (b == "up" && matches!(a, "look" | "looks" | "looked" | "looking"))
                || (matches!(b, "for" | "in")
                    && (SEARCH.contains(&a) || matches!(a, "looked" | "looking")))
        }
    }
}

/// Whether a quotation mark opening now gives the writer's own thought rather than someone
/// else's words: their own mind speaking ("my brain was like, \"I want to die\"", "my head
/// keeps saying 'just end it'"), what they told themselves ("I told myself 'not tonight'") or
/// thought ("I just thought \"I can't do this\""). What encloses it is not marked quoted, as a
/// search's words are not (see [`opens_a_query`]).
fn opens_own_thought(out: &Tokens) -> bool {
    const MIND: &[&str] = &["brain", "mind", "head", "thoughts"];
    const SAYS: &[&str] = &[
        "says",
        "said",
        "saying",
        "say",
        "screams",
        "screamed",
        "screaming",
        "goes",
        "went",
        "whispers",
        "whispered",
        "tells",
        "told",
        "yells",
        "yelled",
    ];
    const THINK: &[&str] = &["thought", "think", "thinking", "thinks"];
    const TELL: &[&str] = &[
        "told", "tell", "tells", "telling", "said", "say", "saying", "thought", "think",
    ];
    let n = out.tokens.len();
    let norm = |k: usize| if k <= n && k > 0 { out.norm(n - k) } else { "" };
    // "my brain was like", "my mind is like"
    let like = norm(1) == "like"
        && (MIND.contains(&norm(3)) && norm(4) == "my"
            || MIND.contains(&norm(2)) && norm(3) == "my");
    // "my brain says", "my head keeps saying", "my mind tells me"
    let says = |at: usize| {
        SAYS.contains(&norm(at))
            && (1..=2).any(|back| MIND.contains(&norm(at + back)) && norm(at + back + 1) == "my")
    };
    let mind_says = says(1) || norm(1) == "me" && says(2);
    // "I told myself", "I said to myself"
    let to_self = norm(1) == "myself" && (TELL.contains(&norm(2)) || TELL.contains(&norm(3)));
    // "I thought", "I just thought", "I kept thinking"
    let thought = THINK.contains(&norm(1)) && (norm(2) == "i" || norm(3) == "i");
    like || mind_says || to_self || thought
}

/// Whether a quotation mark opening now encloses the writer's own words: a search's query
/// ([`opens_a_query`]) or their own thought ([`opens_own_thought`]).
fn opens_writers_own_words(out: &Tokens) -> bool {
    opens_a_query(out) || opens_own_thought(out)
}

/// Whether the apostrophe-like mark at byte `i` opens a single quotation: it starts a word
/// (after a space, the start of the line or an opening bracket), the word is not an elision
/// ('cause, 'em) or a year ('90s), and a closing mark follows on the same line.
/// `next_close` caches the search for a closing mark, so that a line of many opening marks is
/// scanned once.
fn opens_single_quote(text: &str, i: usize, width: usize, next_close: &mut CloseCache) -> bool {
    let prev = text[..i].chars().next_back();
    if !prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '"' | '“' | '—' | '–'))
    {
        return false;
    }
    let rest = &text[i + width..];
    let word_end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
    let word = &rest[..word_end];
    if word.is_empty()
        || word.starts_with(|c: char| c.is_ascii_digit())
        || ELISIONS.iter().any(|e| word.eq_ignore_ascii_case(e))
    {
        return false;
    }
    // The first closing mark after this one, on this line.
    let from = i + width;
    if !(next_close.from <= from && from <= next_close.to) {
        let line_end = text[from..].find('\n').map_or(text.len(), |k| from + k);
        let close = text[from..line_end]
            .char_indices()
            .map(|(k, c)| (from + k, c))
            .find(|&(k, c)| is_apostrophe(c) && closes_single_quote(text, k, c.len_utf8()))
            .map(|(k, _)| k);
        *next_close = CloseCache {
            from,
            to: close.unwrap_or(line_end),
            found: close.is_some(),
        };
    }
    next_close.found
}

/// The first closing single quotation mark at or after `from`: at `to` when `found`, else none
/// before the line ends at `to`.
#[derive(Default)]
struct CloseCache {
    from: usize,
    to: usize,
    found: bool,
}

/// Splits `text` into tokens and sentences. Sentences end at `.`, `!`, `?`, `…` (followed by a
/// space, a quote or the end) and at every line break: on blogs, a line on its own is a sentence
/// ("I'm a failure." / "I'm the problem").
pub fn tokenize(text: &str) -> Tokens {
    let mut out = Tokens::default();
    tokenize_into(text, &mut out);
    out
}

/// [`tokenize`] into `out`, reusing its buffers (whatever it held is replaced): a caller that
/// tokenizes text after text keeps one `Tokens` and allocates nothing once it has grown.
pub fn tokenize_into(text: &str, out: &mut Tokens) {
    out.tokens.clear();
    out.sentences.clear();
    out.norms.clear();
    out.tokens.reserve(text.len() / 5);
    out.norms.reserve(text.len());
    let mut sentence: u32 = 0;
    let mut sentence_start_tok = 0usize;
    let mut sentence_start_byte: Option<usize> = None;
    let mut quoted = false;
    // Inside single quotation marks ('…' or ‘…’), kept apart from double ones so that each
    // closes only its own kind.
    let mut single = false;
    let mut next_close = CloseCache::default();
    let mut pending_break = false;
    let bytes = text.as_bytes();

    let close_sentence = |out: &mut Tokens,
                          sentence: &mut u32,
                          start_tok: &mut usize,
                          start_byte: &mut Option<usize>,
                          end_byte: usize| {
        if out.tokens.len() > *start_tok {
            out.sentences.push(Sentence {
                start: start_byte.unwrap_or(0),
                end: end_byte,
                tokens: *start_tok..out.tokens.len(),
            });
            *sentence += 1;
            *start_tok = out.tokens.len();
        }
        *start_byte = None;
    };
    // The char at byte `i`: ASCII without decoding.
    let char_at = |i: usize| -> char {
        let b = bytes[i];
        if b < 0x80 {
            b as char
        } else {
            text[i..].chars().next().unwrap_or('\u{fffd}')
        }
    };

    let mut i = 0;
    while i < bytes.len() {
        // A space (the commonest byte between words) does nothing: skipped before decoding.
        if bytes[i] == b' ' {
            i += 1;
            continue;
        }
        let c = char_at(i);
        let width = c.len_utf8();
        // A garbled apostrophe outside a word ("the kidsâ€™ toys") is no word of its own.
        if let Some(w) = mojibake_apostrophe(&text[i..]) {
            i += w;
            continue;
        }
        if is_word_char(c) {
            if pending_break {
                let end = out.tokens.last().map(|t| t.end).unwrap_or(0);
                close_sentence(
                    out,
                    &mut sentence,
                    &mut sentence_start_tok,
                    &mut sentence_start_byte,
                    end,
                );
                pending_break = false;
            }
            let start = i;
            let norm_start = out.norms.len() as u32;
            let norm = &mut out.norms;
            push_lower(norm, c);
            let mut j = i + width;
            // Whether the word may be a masked one (see [`Masked`]): a masking mark goes on
            // into a letter or digit (or, below, the word has a digit).
            let mut masked = false;
            // The ASCII letters and digits of the word, and-ed: bit 0x40 (set in every lower-case
            // letter, clear in every digit) is clear when the word has a digit.
            let mut all = 0xffu8;
            while j < bytes.len() {
                let b = bytes[j];
                let lower = ASCII_WORD_LOWER[b as usize];
                if lower != 0 {
                    all &= lower;
                    norm.push(lower as char);
                    j += 1;
                    continue;
                }
                if b < 0x80 && b != b'\'' {
                    masked |= matches!(b, b'*' | b'#' | b'@' | b'!' | b'$')
                        && bytes.get(j + 1).is_some_and(|n| n.is_ascii_alphanumeric());
                    break;
                }
                let d = char_at(j);
                if let Some(w) = mojibake_apostrophe(&text[j..]) {
                    // Joins like an inner apostrophe; otherwise it ends the word.
                    if j + w < bytes.len() && is_word_char(char_at(j + w)) {
                        norm.push('\'');
                        j += w;
                        continue;
                    }
                    break;
                }
                if is_word_char(d) {
                    push_lower(norm, d);
                    j += d.len_utf8();
                } else if is_invisible_joiner(d)
                    && j + d.len_utf8() < bytes.len()
                    && is_word_char(char_at(j + d.len_utf8()))
                {
                    // An invisible mark inside a word ("I\u{fe0f}t", as some phone keyboards
                    // write "It") is no letter: the word goes on, and the span keeps the mark.
                    j += d.len_utf8();
                } else if is_apostrophe(d) {
                    // An inner apostrophe joins (don't, i'm); a trailing one does not.
                    let after = j + d.len_utf8();
                    if after < bytes.len() && is_word_char(char_at(after)) {
                        norm.push('\'');
                        j = after;
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            // A masked word ("k!ll", "su1c1de"), or one spelt out ("k i l l"), is read as the
            // word; else a spelling of a word is folded to it.
            // (Cheap tests first: nearly every word is none of these.) A masked word may open
            // with `$` ("$uicide"), which is no word character: the word then starts before it.
            let dollar = start > 0 && bytes[start - 1] == b'$';
            let unmasked = if dollar {
                unmask(text, start - 1, j)
            } else if masked
                || all & 0x40 == 0
                || c.is_ascii_digit()
                || (j == start + 1
                    && c.is_ascii_alphabetic()
                    && bytes.get(j + 1).is_some_and(u8::is_ascii_alphabetic)
                    && !bytes.get(j + 2).is_some_and(u8::is_ascii_alphanumeric))
            {
                unmask(text, start, j)
            } else {
                None
            };
            let mut start = start;
            if let Some((end, word)) = unmasked {
                out.norms.truncate(norm_start as usize);
                out.norms.push_str(word);
                j = end;
                start -= usize::from(dollar);
            } else if let Some(word) = SPELLING.fold(&out.norms.as_bytes()[norm_start as usize..]) {
                out.norms.truncate(norm_start as usize);
                out.norms.push_str(word);
            }
            if sentence_start_byte.is_none() {
                sentence_start_byte = Some(start);
            }
            let norm_end = out.norms.len() as u32;
            out.tokens.push(Token {
                start,
                end: j,
                norm_start,
                norm_end,
                sentence,
                quoted: quoted || single,
                clause_end: false,
            });
            i = j;
            continue;
        }
        i += width;
        match c {
            '\n' => {
                pending_break = true;
                // An unclosed quotation mark does not run past its line.
                quoted = false;
                single = false;
            }
            '.' | '!' | '?' | '…' => {
                let next = text[i..].chars().next();
                // "3.5" and "e.g" stay inside the sentence; a period before a space, a quote,
                // a bracket or the end closes it.
                if next.is_none_or(|n| {
                    n.is_whitespace() || matches!(n, '"' | '”' | '’' | '\'' | ')' | ']')
                }) {
                    pending_break = true;
                }
            }
            ',' | ';' | ':' | '—' | '–' | '(' | ')' => {
                if let Some(last) = out.tokens.last_mut() {
                    if last.sentence == sentence {
                        last.clause_end = true;
                    }
                }
            }
            '-' if i >= 2 && bytes.get(i - 2) == Some(&b' ') => {
                if let Some(last) = out.tokens.last_mut() {
                    last.clause_end = true;
                }
            }
            '\'' | '‘' | '’' => {
                // Not between two word characters (those join a word: don't): a quotation mark
                // or an apostrophe that starts or ends a word ('cause, students').
                let at = i - width;
                if single {
                    single = !closes_single_quote(text, at, width);
                } else {
                    single = opens_single_quote(text, at, width, &mut next_close)
                        && (pending_break || !opens_writers_own_words(out));
                }
            }
            '“' => quoted = pending_break || !opens_writers_own_words(out),
            '”' => quoted = false,
            '"' => {
                // Straight quotes: opening when the previous char is not a word char.
                let prev = text[..i - width].chars().next_back();
                quoted = !prev.is_some_and(|p| {
                    is_word_char(p) || p == '.' || p == ',' || p == '!' || p == '?'
                }) && !quoted
                    && (pending_break || !opens_writers_own_words(out));
            }
            _ => {}
        }
    }
    let end = out.tokens.last().map(|t| t.end).unwrap_or(0);
    close_sentence(
        out,
        &mut sentence,
        &mut sentence_start_tok,
        &mut sentence_start_byte,
        end,
    );
}

/// The spellings of `constructs/_spelling.toml`, each folded to its word.
struct Spelling {
    words: FxHashMap<Box<[u8]>, &'static str>,
    /// For each first letter `a`..`z`, a bit per length (below 32) that some variant has: most
    /// tokens are ruled out by one load and a test, without hashing.
    maybe: [u32; 26],
}

static SPELLING: LazyLock<Spelling> = LazyLock::new(|| {
    Spelling::parse(embedded_spelling()).unwrap_or_else(|e| panic!("_spelling.toml: {e}"))
});

static MASKED: LazyLock<Masked> = LazyLock::new(|| {
    Masked::parse(embedded_spelling()).unwrap_or_else(|e| panic!("_spelling.toml: {e}"))
});

/// The words of `_spelling.toml`'s `[masked]` section, by length: a token that spells one of
/// them with letters masked (`k!ll`, `su1c1de`, `d*e`) or spelt out (`s u i c i d e`) is read
/// as that word (see the section's comment for the exact rules).
struct Masked {
    by_len: Vec<Vec<&'static str>>,
}

/// The longest masked run looked at, in bytes.
const MASKED_MAX: usize = 16;

/// Whether the byte `b` of a masked word may stand for `letter` (lower case).
fn stands_for(b: u8, letter: u8) -> bool {
    match b.to_ascii_lowercase() {
        l @ b'a'..=b'z' => l == letter,
        b'0' => letter == b'o',
        b'1' | b'!' => matches!(letter, b'i' | b'l'),
        b'3' => letter == b'e',
        b'4' | b'@' => letter == b'a',
        b'5' | b'$' => letter == b's',
        b'7' => letter == b't',
        b'*' | b'#' => matches!(letter, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'),
        _ => false,
    }
}

impl Masked {
    /// The words after the line `[masked]` (every line before it is the spelling table's).
    fn parse(text: &'static str) -> Result<Masked, String> {
        let mut by_len: Vec<Vec<&'static str>> = vec![Vec::new(); MASKED_MAX + 1];
        let mut inside = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "[masked]" {
                inside = true;
                continue;
            }
            if !inside {
                continue;
            }
            for word in line.split_whitespace() {
                if word.len() < 3
                    || word.len() > MASKED_MAX
                    || !word.bytes().all(|b| b.is_ascii_lowercase())
                {
                    return Err(format!(
                        "line {}: a masked word is 3 to {MASKED_MAX} lower-case letters: {word}",
                        n + 1
                    ));
                }
                if by_len[word.len()].contains(&word) {
                    return Err(format!("line {}: a masked word given twice: {word}", n + 1));
                }
                by_len[word.len()].push(word);
            }
        }
        Ok(Masked { by_len })
    }

    fn word(&self, run: &[u8]) -> Option<&'static str> {
        self.by_len
            .get(run.len())?
            .iter()
            .copied()
            .find(|w| w.bytes().zip(run).all(|(letter, &b)| stands_for(b, letter)))
    }

    /// The masked word that starts at byte `start` of `text`, if one does: where it ends and
    /// the word it is.
    fn at(&self, text: &str, start: usize) -> Option<(usize, &'static str)> {
        let bytes = text.as_bytes();
        let alnum = |k: usize| bytes.get(k).is_some_and(|b| b.is_ascii_alphanumeric());
        let (mut end, mut letters, mut masks) = (start, 0usize, 0usize);
        while end < bytes.len() && end - start < MASKED_MAX {
            let b = bytes[end];
            if b.is_ascii_alphabetic() {
                letters += 1;
            } else if b.is_ascii_digit()
                || (b == b'$' && alnum(end + 1))
                || (matches!(b, b'*' | b'#' | b'@' | b'!') && end > start && alnum(end + 1))
            {
                masks += 1;
            } else {
                break;
            }
            end += 1;
        }
        // (A run that goes on into a letter outside ASCII is part of a longer word. The run
        // holds ASCII bytes only, so `end` is a character boundary.)
        let more = word_char_at(text, end);
        if masks == 0 || letters < 2 || letters <= masks || more {
            return None;
        }
        self.word(&bytes[start..end]).map(|w| (end, w))
    }

    /// The word spelt out letter by letter from byte `start` ("s u i c i d e", "k.i.l.l"): one
    /// separator between letters, the same each time.
    fn spelt_at(&self, text: &str, start: usize) -> Option<(usize, &'static str)> {
        let bytes = text.as_bytes();
        let sep = *bytes.get(start + 1)?;
        if !matches!(sep, b' ' | b'.' | b'-') {
            return None;
        }
        let mut letters = [0u8; MASKED_MAX];
        let (mut n, mut k) = (0, start);
        loop {
            let b = bytes[k];
            if !b.is_ascii_alphabetic() || n == MASKED_MAX {
                return None;
            }
            letters[n] = b.to_ascii_lowercase();
            n += 1;
            let next = bytes.get(k + 1).copied();
            if next == Some(sep)
                && bytes.get(k + 2).is_some_and(|b| b.is_ascii_alphabetic())
                && !bytes.get(k + 3).is_some_and(|b| b.is_ascii_alphanumeric())
            {
                k += 2;
                continue;
            }
            break;
        }
        if n < 4 || word_char_at(text, k + 1) {
            return None;
        }
        let word = self.by_len[n]
            .iter()
            .copied()
            .find(|w| w.as_bytes() == &letters[..n])?;
        Some((k + 1, word))
    }
}

/// The masked or spelt-out word of [`Masked`] that starts at byte `start` and reaches at least
/// `end` (where the plain word ends), if one does. Kept out of the tokenizer's loop: it is
/// asked of few words.
#[cold]
#[inline(never)]
fn unmask(text: &str, start: usize, end: usize) -> Option<(usize, &'static str)> {
    MASKED
        .at(text, start)
        .or_else(|| {
            (end == start + 1)
                .then(|| MASKED.spelt_at(text, start))
                .flatten()
        })
        .filter(|&(e, _)| e >= end)
}

/// Whether a letter or digit (any script) starts at byte `at` of `text` (a character boundary,
/// or the end).
fn word_char_at(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_some_and(is_word_char)
}

/// The word `word` (a lower-case token) is a chat form or misspelling of, by
/// `constructs/_spelling.toml` ("tonite": "tonight").
pub(crate) fn spelling_of(word: &[u8]) -> Option<&'static str> {
    SPELLING.fold(word)
}

/// The embedded spelling file (`constructs/_spelling.toml`).
pub fn embedded_spelling() -> &'static str {
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../constructs/_spelling.toml"
    ))
}

impl Spelling {
    /// `variant = "word"` lines; `#` comments and blank lines skipped. A variant is one token
    /// of lower-case letters and digits starting with a letter or a digit, shorter than 32 bytes;
    /// the word is one token of lower-case letters.
    fn parse(text: &'static str) -> Result<Spelling, String> {
        let mut words = FxHashMap::default();
        let mut maybe = [0u32; 26];
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "[masked]" {
                // (The masked words, see [`Masked`], close the file.)
                break;
            }
            let bad = |why: &str| format!("line {}: {why}: {line}", n + 1);
            let (variant, word) = line
                .split_once('=')
                .ok_or_else(|| bad("expected `variant = \"word\"`"))?;
            let variant = variant.trim();
            let word = word
                .trim()
                .strip_prefix('"')
                .and_then(|w| w.strip_suffix('"'))
                .ok_or_else(|| bad("the word must be quoted"))?;
            if variant.is_empty()
                || variant.len() >= 32
                || !variant
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                return Err(bad(
                    "a variant is one lower-case word, shorter than 32 bytes",
                ));
            }
            if word.is_empty() || !word.bytes().all(|b| b.is_ascii_lowercase()) || word == variant {
                return Err(bad("the word is one other lower-case word"));
            }
            if words.insert(variant.as_bytes().into(), word).is_some() {
                return Err(bad("a variant given twice"));
            }
            let first = variant.as_bytes()[0];
            if first.is_ascii_lowercase() {
                maybe[(first - b'a') as usize] |= 1 << variant.len();
            } else {
                // A digit first ("2nite"): every slot, as digits are rare at a word's start.
                for m in &mut maybe {
                    *m |= 1 << variant.len();
                }
            }
        }
        Ok(Spelling { words, maybe })
    }

    /// The word `norm` is a spelling of, if it is one.
    #[inline]
    fn fold(&self, norm: &[u8]) -> Option<&'static str> {
        let (&first, len) = (norm.first()?, norm.len());
        let slot = match first {
            b'a'..=b'z' => (first - b'a') as usize,
            b'0'..=b'9' => 0,
            _ => return None,
        };
        if len >= 32 || self.maybe[slot] & (1 << len) == 0 {
            return None;
        }
        self.words.get(norm).copied()
    }
}

fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.extend(c.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &Tokens) -> Vec<&str> {
        (0..t.tokens.len()).map(|i| t.norm(i)).collect()
    }

    #[test]
    fn spellings_fold_to_their_word_and_spans_keep_the_writers() {
        let text = "Tonite i swalowed the PILS, sory";
        let t = tokenize(text);
        assert_eq!(
            words(&t),
            ["tonight", "i", "swallowed", "the", "pills", "sorry"]
        );
        assert_eq!(&text[t.tokens[0].start..t.tokens[0].end], "Tonite");
        assert_eq!(&text[t.tokens[4].start..t.tokens[4].end], "PILS");
        // Words of their own are left alone, and so is a variant inside a longer word.
        let t = tokenize("he overdoes it with pilsner and soza");
        assert_eq!(
            words(&t),
            ["he", "overdoes", "it", "with", "pilsner", "and", "soza"]
        );
    }

    #[test]
    fn the_spelling_file_parses_and_rejects_bad_lines() {
        let s = Spelling::parse(embedded_spelling()).expect("the embedded file parses");
        assert!(s.words.len() > 40);
        for line in [
            "tonite = tonight",
            "Tonite = \"tonight\"",
            "to nite = \"tonight\"",
            "tonite = \"to night\"",
            "x = \"x\"",
            "tonite = \"tonight\"\ntonite = \"tonight\"",
        ] {
            assert!(
                Spelling::parse(line).is_err(),
                "{line:?} should be rejected"
            );
        }
    }

    #[test]
    fn masked_words_read_as_the_word_and_spans_keep_the_writers() {
        let text = "i want to K!LL myself, su1c1de, $elf h4rm, d*e, k.i.l.l and s u i c i d e";
        let t = tokenize(text);
        assert_eq!(
            words(&t),
            [
                "i", "want", "to", "kill", "myself", "suicide", "self", "harm", "die", "kill",
                "and", "suicide"
            ]
        );
        let spans: Vec<&str> = t.tokens.iter().map(|k| &text[k.start..k.end]).collect();
        assert_eq!(spans[3], "K!LL");
        assert_eq!(spans[5], "su1c1de");
        assert_eq!(spans[6], "$elf");
        assert_eq!(spans[8], "d*e");
        assert_eq!(spans[9], "k.i.l.l");
        assert_eq!(spans[11], "s u i c i d e");
        // The mask between two words does not end the sentence it sits in.
        assert_eq!(t.sentences.len(), 1);
        // A `$` that opens the text opens the word and the sentence.
        let t = tokenize("$uicide again. ok");
        assert_eq!(words(&t), ["suicide", "again", "ok"]);
        assert_eq!((t.tokens[0].start, t.sentences[0].start), (0, 0));
        // A `$` before a plain word is no part of it.
        let t = tokenize("$5 for $hoes");
        assert_eq!(words(&t), ["5", "for", "hoes"]);
        assert_eq!(t.tokens[2].start, 8);
        // Not masked words: codes, numbers, times, emphasis, a missing space after a stop, a
        // word not in the list, too few real letters, letters one apart that spell nothing,
        // and chat forms (which the spelling table still folds).
        let t = tokenize("Room D13 at 4am, 2 pills, I feel *ill*. ok!Then b4 c4t r4p3 i a m 2nite");
        assert_eq!(
            words(&t),
            [
                "room", "d13", "at", "4am", "2", "pills", "i", "feel", "ill", "ok", "then", "b4",
                "c4t", "r4p3", "i", "a", "m", "tonight"
            ]
        );
        // A masked run that goes on into a longer word is not the word.
        let t = tokenize("k1llé");
        assert_eq!(words(&t), ["k1llé"]);
    }

    #[test]
    fn the_masked_words_parse_and_bad_ones_are_rejected() {
        let m = Masked::parse(embedded_spelling()).expect("the embedded file parses");
        assert!(m.by_len.iter().map(Vec::len).sum::<usize>() > 30);
        assert_eq!(m.word(b"k!ll"), Some("kill"));
        assert_eq!(m.word(b"kill"), Some("kill"));
        assert_eq!(m.word(b"k?ll"), None);
        for bad in [
            "[masked]\nKill",
            "[masked]\nok",
            "[masked]\nkill kill",
            "[masked]\nk1ll",
        ] {
            assert!(Masked::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        // The spelling table stops where the masked words start.
        assert!(Spelling::parse("tonite = \"tonight\"\n[masked]\nkill").is_ok());
    }

    #[test]
    fn words_keep_inner_apostrophes_and_offsets() {
        let text = "I don’t want to BE here.";
        let t = tokenize(text);
        assert_eq!(words(&t), ["i", "don't", "want", "to", "be", "here"]);
        assert_eq!(&text[t.tokens[1].start..t.tokens[1].end], "don’t");
        assert_eq!(t.sentences.len(), 1);
    }

    #[test]
    fn garbled_apostrophes_join_words() {
        let text = "I‚Äôm tired and I donâ€™t care. The kidsâ€™ toys, ‚Äôcause.";
        let t = tokenize(text);
        assert_eq!(
            words(&t),
            ["i'm", "tired", "and", "i", "don't", "care", "the", "kids", "toys", "cause"]
        );
        assert_eq!(&text[t.tokens[0].start..t.tokens[0].end], "I‚Äôm");
        assert_eq!(&text[t.tokens[4].start..t.tokens[4].end], "donâ€™t");
    }

    #[test]
    fn invisible_marks_inside_a_word_do_not_split_it() {
        // A variation selector after a capital (some keyboards), a soft hyphen, a zero-width
        // joiner; one at a word's edge stays outside it.
        let text = "end I\u{fe0f}t, ki\u{ad}ll, self\u{200d}harm \u{fe0f}now it\u{fe0f} ok";
        let t = tokenize(text);
        assert_eq!(
            words(&t),
            ["end", "it", "kill", "selfharm", "now", "it", "ok"]
        );
        assert_eq!(&text[t.tokens[1].start..t.tokens[1].end], "I\u{fe0f}t");
        assert_eq!(&text[t.tokens[5].start..t.tokens[5].end], "it");
    }

    #[test]
    fn sentences_end_at_stops_and_lines() {
        let t = tokenize("First one. Second one!\nThird line\nFourth? 3.5 stays");
        let s: Vec<_> = t.sentences.iter().map(|s| s.tokens.len()).collect();
        assert_eq!(
            s,
            [2, 2, 2, 1, 3],
            "\"3.5\" is two number tokens in one sentence"
        );
    }

    #[test]
    fn quotes_and_clauses() {
        let t = tokenize("She said “I give up”, and left");
        let q: Vec<_> = t.tokens.iter().map(|t| t.quoted).collect();
        assert_eq!(q, [false, false, true, true, true, false, false]);
        assert!(t.tokens[4].clause_end);
    }

    /// The words inside quotation marks.
    fn quoted(text: &str) -> Vec<String> {
        let t = tokenize(text);
        (0..t.tokens.len())
            .filter(|&i| t.tokens[i].quoted)
            .map(|i| t.norm(i).to_string())
            .collect()
    }

    #[test]
    fn single_quotes_around_a_clause_are_quotation() {
        assert_eq!(
            quoted("He texted me 'I'm going to end it tonight' and left."),
            ["i'm", "going", "to", "end", "it", "tonight"]
        );
        assert_eq!(quoted("She said ‘I give up’ and left"), ["i", "give", "up"]);
        // A search's words are the writer's own query.
        for text in [
            "I keep googling \"painless ways to die\" and closing the tab",
            "last night i looked up 'how many would it take'",
            "Searched for “quickest way out” again.",
        ] {
            assert!(quoted(text).is_empty(), "{text:?}");
        }
        // The writer's own mind speaking, or what they told themselves, is theirs too.
        for text in [
            "this morning my brain was like, \"everything is pointless, just die\"",
            "my head keeps saying 'nobody would notice'",
            "I told myself “one more day” and went to bed.",
            "I just thought 'I can't keep doing this' and cried.",
        ] {
            assert!(quoted(text).is_empty(), "{text:?}");
        }
        // Someone else's words stay theirs.
        assert_eq!(
            quoted("my friend was like, \"you should rest\""),
            ["you", "should", "rest"]
        );
        assert_eq!(
            quoted("she wrote ’leave me alone’ yesterday"),
            ["leave", "me", "alone"]
        );
        assert_eq!(
            quoted("'I can't do this,' he said."),
            ["i", "can't", "do", "this"]
        );
        assert_eq!(quoted("he said 'bye.' then hung up"), ["bye"]);
        // Quoted words inside double quotes stay quoted past the inner single ones.
        assert_eq!(
            quoted("\"he said 'no' twice\""),
            ["he", "said", "no", "twice"]
        );
    }

    #[test]
    fn apostrophes_are_not_quotation_marks() {
        let none: [&str; 0] = [];
        for text in [
            "I don't want to and i'm tired",
            "I don’t want to and I’m tired",
            "the students' union and the teachers' room",
            "'cause I can't, that's why",
            "’cause nobody's there and the kids' toys are everywhere",
            "we met back in '09 and the '90s songs' lyrics",
            "rock 'n' roll all night",
            "tell 'em I said no and the dogs' bowls are empty",
            "I'm goin' home now",
            // An opening mark with nothing to close it on its line.
            "the word 'sorry\nand the students' papers",
        ] {
            assert_eq!(quoted(text), none, "{text:?}");
        }
        // An unclosed single quote does not run past its line.
        assert_eq!(quoted("she said 'wait\nI want to die"), none);
    }

    #[test]
    fn many_opening_marks_on_one_line_are_read_once() {
        // Every mark looks for a closing one; the search is made once for the line, not once
        // per mark (which would take time growing with the square of the line's length).
        let text = "'a ".repeat(20_000);
        assert!(tokenize(&text).tokens.iter().all(|t| !t.quoted));
        let text = format!("{}end'", "x 'a b' ".repeat(5_000));
        let t = tokenize(&text);
        assert_eq!(t.tokens.iter().filter(|t| t.quoted).count(), 10_000);
    }

    proptest::proptest! {
        #[test]
        fn tokens_are_ordered_spans_of_the_text(text in "\\PC{0,200}") {
            let t = tokenize(&text);
            let mut last_end = 0;
            for (i, tok) in t.tokens.iter().enumerate() {
                proptest::prop_assert!(tok.start >= last_end && tok.start < tok.end && tok.end <= text.len());
                // Folded character by character, as the tokenizer does: `str::to_lowercase`
                // would also apply the Greek final-sigma rule (word-final Σ → ς), which a
                // per-word normal form for English patterns does not need.
                // Invisible marks inside a word are skipped (a span never starts or ends
                // with one).
                let folded: String = text[tok.start..tok.end]
                    .chars()
                    .filter(|&c| !is_invisible_joiner(c))
                    .flat_map(char::to_lowercase)
                    .collect::<String>()
                    .replace(['’', '‘'], "'");
                // A chat form or misspelling of `_spelling.toml` ("pls") reads as its word, and
                // so does a masked word ("k!ll") or one spelt out ("k i l l").
                let span = &text[tok.start..tok.end];
                let expected = MASKED
                    .at(span, 0)
                    .or_else(|| MASKED.spelt_at(span, 0))
                    .filter(|&(end, _)| end == span.len())
                    .map(|(_, w)| w)
                    .or_else(|| SPELLING.fold(folded.as_bytes()))
                    .unwrap_or(folded.as_str());
                proptest::prop_assert_eq!(t.norm(i), expected);
                last_end = tok.end;
            }
            let covered: usize = t.sentences.iter().map(|s| s.tokens.len()).sum();
            proptest::prop_assert_eq!(covered, t.tokens.len());
        }
    }
}
