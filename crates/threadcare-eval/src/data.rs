//! Loaders for the public evaluation sets, read in place from `../shared/datasets` (never
//! copied). Each loader returns the rows it could use and, for every row it could not, a [`Skip`]
//! naming the file, the line and the reason; nothing is dropped silently. Texts are kept in
//! memory only for the run and are never printed.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::pylist;

/// The folders of the sets under the data directory.
pub const GAUR500_FILE: &str = "gaur500/500_Reddit_users_posts_labels.csv";
pub const IRF_DIR: &str = "irf";
pub const EPITOME_DIR: &str = "epitome";
pub const DIASAFETY_DIR: &str = "diasafety";
pub const DREADDIT_DIR: &str = "dreaddit";
pub const SDCNL_DIR: &str = "sdcnl";

/// Why a set could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{} not found", .0.display())]
    Missing(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
}

impl LoadError {
    pub fn is_missing(&self) -> bool {
        matches!(self, LoadError::Missing(_))
    }
}

/// A row that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The file name relative to the data directory.
    pub file: String,
    /// Line (CSV) or element index (JSON), 1-based.
    pub position: u64,
    pub reason: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} #{}: {}", self.file, self.position, self.reason)
    }
}

/// Rows of one set, with what was skipped.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub rows: Vec<T>,
    pub skipped: Vec<Skip>,
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn open(path: &Path) -> Result<File, LoadError> {
    if !path.exists() {
        return Err(LoadError::Missing(path.to_path_buf()));
    }
    File::open(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The named fields of one CSV record.
pub struct Fields<'r> {
    /// The line the record starts on (1-based; the header is line 1).
    pub line: u64,
    record: &'r csv::StringRecord,
    names: &'r [&'r str],
    columns: &'r [usize],
}

impl<'r> Fields<'r> {
    /// The value of a column named in the loader's required columns ("" if the record is short).
    pub fn get(&self, name: &str) -> &'r str {
        let i = self
            .names
            .iter()
            .position(|n| *n == name)
            .expect("column asked for is in `required`");
        self.record.get(self.columns[i]).unwrap_or("")
    }

    /// The value of column `index` of the record, whatever its name ("" if the record is short).
    pub fn at(&self, index: usize) -> &'r str {
        self.record.get(index).unwrap_or("")
    }
}

/// Reads a CSV file with a header, handing each record (as named fields) to `row`, which returns
/// the row or the reason it cannot be used. Records the parser cannot read are skipped with the
/// reason; an I/O error ends the file (everything before it is kept) and is reported as a skip.
fn read_csv<T>(
    root: &Path,
    path: &Path,
    required: &[&str],
    mut row: impl FnMut(&Fields) -> Result<T, String>,
) -> Result<Loaded<T>, LoadError> {
    let file = open(path)?;
    let name = rel(root, path);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::new(file));
    let headers = reader
        .headers()
        .map_err(|source| LoadError::Csv {
            path: path.to_path_buf(),
            source,
        })?
        .clone();
    let mut columns = Vec::with_capacity(required.len());
    for want in required {
        // The header may start with a UTF-8 byte order mark.
        match headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == *want)
        {
            Some(i) => columns.push(i),
            None => {
                return Err(LoadError::Format {
                    path: path.to_path_buf(),
                    message: format!("no column `{want}` in the header"),
                })
            }
        }
    }
    // With CRLF line ends the csv crate counts a record as starting on the `\n` that ends the
    // line before it (one line early): after a one-line header it then stands on line 1.
    let lag = u64::from(reader.position().line() < 2);
    let mut out = Loaded {
        rows: Vec::new(),
        skipped: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + lag;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line() + lag);
                if record.len() < headers.len() {
                    out.skipped.push(Skip {
                        file: name.clone(),
                        position: line,
                        reason: format!(
                            "{} fields where the header has {}",
                            record.len(),
                            headers.len()
                        ),
                    });
                    continue;
                }
                let fields = Fields {
                    line,
                    record: &record,
                    names: required,
                    columns: &columns,
                };
                match row(&fields) {
                    Ok(r) => out.rows.push(r),
                    Err(reason) => out.skipped.push(Skip {
                        file: name.clone(),
                        position: line,
                        reason,
                    }),
                }
            }
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                let position = e.position().map_or(line, |p| p.line() + lag);
                out.skipped.push(Skip {
                    file: name.clone(),
                    position,
                    reason: format!("unreadable record: {e}"),
                });
                if fatal {
                    out.skipped.push(Skip {
                        file: name.clone(),
                        position,
                        reason: "the rest of the file was not read".into(),
                    });
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// A 0/1 label as written in the sets ("1", "0", "1.0").
fn binary_label(column: &str, value: &str) -> Result<bool, String> {
    match value.trim() {
        "1" | "1.0" => Ok(true),
        "0" | "0.0" => Ok(false),
        other => Err(format!("`{column}` is {other:?}, not 0 or 1")),
    }
}

// ---------------------------------------------------------------------------------------------
// Gaur500

/// The Gaur500 labels, in ordinal order.
pub const GAUR_LABELS: [&str; 5] = ["Supportive", "Indicator", "Ideation", "Behavior", "Attempt"];

/// How a user's `Post` cell was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostsParse {
    /// A valid Python list of strings.
    Complete,
    /// The cell was cut short inside a string: the complete strings are kept, and the cut one
    /// as a last (partial) post when it has any text.
    Truncated { partial_kept: bool },
    /// Some other syntax error after some strings: those strings are kept, and the text after
    /// the error as one more post.
    Recovered,
    /// Not a list at all: the whole cell is one post.
    WholeCell,
}

#[derive(Debug, Clone)]
pub struct GaurUser {
    pub user: String,
    /// Index into [`GAUR_LABELS`].
    pub label: usize,
    pub posts: Vec<String>,
    pub parse: PostsParse,
    /// Why the cell did not parse, when it did not (position and reason, no text).
    pub parse_error: Option<String>,
}

/// Splits a `Post` cell into posts (see [`PostsParse`]).
pub fn gaur_posts(cell: &str) -> (Vec<String>, PostsParse, Option<String>) {
    let parsed = pylist::parse(cell);
    let Some(error) = parsed.error else {
        return (parsed.items, PostsParse::Complete, None);
    };
    let message = Some(error.to_string());
    let mut posts = parsed.items;
    match error.reason {
        pylist::Reason::NotAList => (
            vec![cell.trim().to_string()],
            PostsParse::WholeCell,
            message,
        ),
        pylist::Reason::UnterminatedString | pylist::Reason::UnclosedList => {
            let partial = parsed.unterminated.filter(|t| !t.trim().is_empty());
            let partial_kept = partial.is_some();
            posts.extend(partial);
            (posts, PostsParse::Truncated { partial_kept }, message)
        }
        _ => {
            let rest = cell[error.offset..].trim().trim_end_matches(']').trim();
            if !rest.is_empty() {
                posts.push(rest.to_string());
            }
            if posts.is_empty() {
                (
                    vec![cell.trim().to_string()],
                    PostsParse::WholeCell,
                    message,
                )
            } else {
                (posts, PostsParse::Recovered, message)
            }
        }
    }
}

/// Loads `gaur500/500_Reddit_users_posts_labels.csv` (columns `User`, `Post`, `Label`).
pub fn load_gaur500(root: &Path) -> Result<Loaded<GaurUser>, LoadError> {
    let path = root.join(GAUR500_FILE);
    read_csv(root, &path, &["User", "Post", "Label"], |f| {
        let label_text = f.get("Label").trim();
        let label = GAUR_LABELS
            .iter()
            .position(|l| l.eq_ignore_ascii_case(label_text))
            .ok_or_else(|| format!("unknown label {label_text:?}"))?;
        let user = f.get("User").trim().to_string();
        if user.is_empty() {
            return Err("no user id".into());
        }
        let (posts, parse, parse_error) = gaur_posts(f.get("Post"));
        Ok(GaurUser {
            user,
            label,
            posts,
            parse,
            parse_error,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// IRF

#[derive(Debug, Clone)]
pub struct IrfPost {
    /// The row id (the unnamed first column), or `line-N` when it has none.
    pub id: String,
    pub text: String,
    /// Thwarted belongingness.
    pub belong: bool,
    /// Perceived burdensomeness.
    pub burden: bool,
    /// The annotators' quoted words that show each factor (`belong_exp`, `burden_exp`; empty
    /// without the factor).
    pub belong_exp: String,
    pub burden_exp: String,
}

/// Loads `irf/{split}_data.csv` (`split` is `train`, `val` or `test`).
pub fn load_irf(root: &Path, split: &str) -> Result<Loaded<IrfPost>, LoadError> {
    let path = root.join(IRF_DIR).join(format!("{split}_data.csv"));
    read_csv(
        root,
        &path,
        &[
            "Unnamed: 0",
            "text",
            "belong",
            "belong_exp",
            "burden",
            "burden_exp",
        ],
        |f| {
            let id = match f.get("Unnamed: 0").trim() {
                "" => format!("line-{}", f.line),
                id => id.to_string(),
            };
            Ok(IrfPost {
                id,
                text: f.get("text").to_string(),
                belong: binary_label("belong", f.get("belong"))?,
                burden: binary_label("burden", f.get("burden"))?,
                belong_exp: f.get("belong_exp").to_string(),
                burden_exp: f.get("burden_exp").to_string(),
            })
        },
    )
}

// ---------------------------------------------------------------------------------------------
// EPITOME

/// The three EPITOME mechanisms: (key, file stem).
pub const EPITOME_MECHANISMS: [(&str, &str); 3] = [
    ("emotional_reaction", "emotional-reactions"),
    ("interpretation", "interpretations"),
    ("exploration", "explorations"),
];

#[derive(Debug, Clone)]
pub struct EpitomePair {
    pub sp_id: String,
    pub rp_id: String,
    pub seeker_post: String,
    pub response_post: String,
    /// 0 none, 1 weak, 2 strong.
    pub level: usize,
    /// The annotators' rationales: stretches of the response that justify a weak or strong
    /// grade (the `rationales` column, `|`-separated; empty for most grade-0 rows, or when the
    /// file has no such column).
    pub rationales: Vec<String>,
}

/// Loads `epitome/{stem}-reddit.csv` for one mechanism's file stem.
pub fn load_epitome(root: &Path, stem: &str) -> Result<Loaded<EpitomePair>, LoadError> {
    let path = root.join(EPITOME_DIR).join(format!("{stem}-reddit.csv"));
    // `rationales` is optional: where the header has it, its column.
    let rationales_at = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .ok()
        .and_then(|mut r| r.headers().ok().cloned())
        .and_then(|h| {
            h.iter()
                .position(|c| c.trim_start_matches('\u{feff}') == "rationales")
        });
    read_csv(
        root,
        &path,
        &["sp_id", "rp_id", "seeker_post", "response_post", "level"],
        |f| {
            let level = match f.get("level").trim() {
                "0" => 0,
                "1" => 1,
                "2" => 2,
                other => return Err(format!("`level` is {other:?}, not 0, 1 or 2")),
            };
            let sp_id = f.get("sp_id").trim().to_string();
            if sp_id.is_empty() {
                return Err("no `sp_id`".into());
            }
            Ok(EpitomePair {
                sp_id,
                rp_id: f.get("rp_id").trim().to_string(),
                seeker_post: f.get("seeker_post").to_string(),
                response_post: f.get("response_post").to_string(),
                level,
                rationales: rationales_at
                    .map(|i| f.at(i))
                    .unwrap_or("")
                    .split('|')
                    .filter(|p| !p.trim().is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        },
    )
}

/// The fixed EPITOME split: the distinct `sp_id`s in sorted order, every fifth (index 0, 5,
/// 10, …) is test. Returns the test ids.
pub fn epitome_test_ids(rows: &[EpitomePair]) -> BTreeSet<String> {
    let ids: BTreeSet<&str> = rows.iter().map(|r| r.sp_id.as_str()).collect();
    ids.into_iter()
        .enumerate()
        .filter(|(i, _)| i % 5 == 0)
        .map(|(_, id)| id.to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// DiaSafety

#[derive(Debug, Clone)]
pub struct DiaSafetyPair {
    /// 1-based position in the file's array.
    pub index: u64,
    pub context: String,
    pub response: String,
    pub category: String,
    /// `label` is "Unsafe".
    pub unsafe_: bool,
}

/// Loads `diasafety/{split}.json` (a JSON array of `{context, response, category, label}`).
pub fn load_diasafety(root: &Path, split: &str) -> Result<Loaded<DiaSafetyPair>, LoadError> {
    let path = root.join(DIASAFETY_DIR).join(format!("{split}.json"));
    let file = open(&path)?;
    let values: Vec<serde_json::Value> =
        serde_json::from_reader(BufReader::new(file)).map_err(|source| LoadError::Json {
            path: path.clone(),
            source,
        })?;
    let name = rel(root, &path);
    let mut out = Loaded {
        rows: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, v) in values.iter().enumerate() {
        let index = i as u64 + 1;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str());
        let row = (|| {
            let context = field("context").ok_or("no string `context`")?;
            let response = field("response").ok_or("no string `response`")?;
            let category = field("category").ok_or("no string `category`")?;
            let unsafe_ = match field("label").ok_or("no string `label`")? {
                "Unsafe" => true,
                "Safe" => false,
                _ => return Err("`label` is neither Safe nor Unsafe"),
            };
            Ok(DiaSafetyPair {
                index,
                context: context.to_string(),
                response: response.to_string(),
                category: category.to_string(),
                unsafe_,
            })
        })();
        match row {
            Ok(r) => out.rows.push(r),
            Err(reason) => out.skipped.push(Skip {
                file: name.clone(),
                position: index,
                reason: reason.into(),
            }),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Dreaddit

#[derive(Debug, Clone)]
pub struct DreadditPost {
    pub id: String,
    pub text: String,
    /// Label 1: the annotators judged the writer stressed.
    pub stress: bool,
}

/// Loads `dreaddit/dreaddit-{split}.csv` (`split` is `train` or `test`).
pub fn load_dreaddit(root: &Path, split: &str) -> Result<Loaded<DreadditPost>, LoadError> {
    let path = root
        .join(DREADDIT_DIR)
        .join(format!("dreaddit-{split}.csv"));
    read_csv(root, &path, &["id", "text", "label"], |f| {
        Ok(DreadditPost {
            id: f.get("id").trim().to_string(),
            text: f.get("text").to_string(),
            stress: binary_label("label", f.get("label"))?,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// SDCNL

#[derive(Debug, Clone)]
pub struct SdcnlPost {
    pub id: String,
    /// The title and the body, on two lines.
    pub text: String,
    /// Posted in r/SuicideWatch (1) rather than r/depression (0): a label by subreddit, noisy.
    pub suicide: bool,
}

/// Loads `sdcnl/{split}-set.csv` (`split` is `training` or `testing`).
pub fn load_sdcnl(root: &Path, split: &str) -> Result<Loaded<SdcnlPost>, LoadError> {
    let path = root.join(SDCNL_DIR).join(format!("{split}-set.csv"));
    read_csv(root, &path, &["", "title", "selftext", "is_suicide"], |f| {
        Ok(SdcnlPost {
            id: f.get("").trim().to_string(),
            text: format!("{}\n{}", f.get("title").trim(), f.get("selftext")),
            suicide: binary_label("is_suicide", f.get("is_suicide"))?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaur_cells_are_recovered_not_dropped() {
        let (p, how, err) = gaur_posts("['one', 'two']");
        assert_eq!((p.len(), how, err), (2, PostsParse::Complete, None));

        let (p, how, err) = gaur_posts("['one', 'two', 'thr");
        assert_eq!(p, ["one", "two", "thr"]);
        assert_eq!(how, PostsParse::Truncated { partial_kept: true });
        assert!(err.unwrap().contains("truncated"));

        let (p, how, _) = gaur_posts("['one', '  ");
        assert_eq!(p, ["one"]);
        assert_eq!(
            how,
            PostsParse::Truncated {
                partial_kept: false
            }
        );

        let (p, how, _) = gaur_posts("['one', 2, 'x']");
        assert_eq!(p, ["one", "2, 'x'"]);
        assert_eq!(how, PostsParse::Recovered);

        let (p, how, _) = gaur_posts("plain words");
        assert_eq!(p, ["plain words"]);
        assert_eq!(how, PostsParse::WholeCell);
    }

    #[test]
    fn binary_labels() {
        assert_eq!(binary_label("x", " 1 "), Ok(true));
        assert_eq!(binary_label("x", "0.0"), Ok(false));
        assert!(binary_label("x", "yes").is_err());
    }

    #[test]
    fn epitome_split_takes_every_fifth_sorted_id() {
        let pair = |id: &str| EpitomePair {
            sp_id: id.into(),
            rp_id: String::new(),
            seeker_post: String::new(),
            response_post: String::new(),
            level: 0,
            rationales: Vec::new(),
        };
        // Eleven distinct ids given out of order, one repeated: sorted a..k, test = a, f, k.
        let rows: Vec<_> = ["k", "b", "a", "c", "d", "e", "f", "g", "h", "i", "j", "a"]
            .iter()
            .map(|i| pair(i))
            .collect();
        let test: Vec<_> = epitome_test_ids(&rows).into_iter().collect();
        assert_eq!(test, ["a", "f", "k"]);
    }
}
