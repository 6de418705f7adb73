//! Items written as JSON Lines (as `threadcare threads --format jsonl` writes them) and as CSV
//! read back identically; and no bytes whatever make the Reddit, Pushshift, JSON Lines or CSV
//! reader panic.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use proptest::prelude::*;
use threadcare_ingest::{
    read_stream, reader_for, Collect, Format, Item, ItemKind, Position, Severity, Source,
};

/// Text of every kind: quotes, commas, line breaks (`\n`, `\r\n`, lone `\r`), control characters
/// and any unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z \",\r\n']{0,40}",
        "(\"|,|\r\n|\n|\r|\"\"|é|🙂|\u{feff}|[a-z ]){0,20}",
    ]
}

fn non_empty() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z0-9_\",\n ]{0,12}"].prop_map(|s| format!("x{s}"))
}

fn date() -> impl Strategy<Value = DateTime<FixedOffset>> {
    // Years 1 to 9999 (what RFC 3339 can write), any nanosecond, offsets in whole minutes.
    (
        -62_135_596_800i64..253_402_300_799i64,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
        -14 * 60..=14 * 60i32,
    )
        .prop_map(|(secs, nanos, minutes)| {
            let offset = FixedOffset::east_opt(minutes * 60).unwrap();
            Utc.timestamp_opt(secs, nanos)
                .unwrap()
                .with_timezone(&offset)
        })
}

fn source() -> impl Strategy<Value = Source> {
    (
        proptest::sample::select(Format::ALL.to_vec()),
        any::<String>(),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(format, file, line, record, byte)| Source {
            format,
            file,
            position: Position { line, record, byte },
        })
}

/// An item as any reader could give it. `optional` gives the optional author and title (CSV
/// cannot carry an empty one, JSON Lines can).
fn item(optional: BoxedStrategy<String>) -> impl Strategy<Value = Item> {
    (
        non_empty(),
        non_empty(),
        proptest::option::of(non_empty()),
        proptest::option::of(optional.clone()),
        proptest::option::of(date()),
        proptest::option::of(optional),
        text(),
        source(),
    )
        .prop_map(
            |(id, thread_id, parent_id, author, created_at, title, text, source)| Item {
                id,
                thread_id,
                kind: if parent_id.is_some() {
                    ItemKind::Comment
                } else {
                    ItemKind::Post
                },
                parent_id,
                author,
                created_at,
                title,
                text,
                source,
            },
        )
}

fn write_jsonl(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        serde_json::to_writer(&mut out, item).unwrap();
        out.push(b'\n');
    }
    out
}

fn write_csv(items: &[Item]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "thread_id",
        "parent_id",
        "kind",
        "author",
        "created_at",
        "title",
        "text",
    ])
    .unwrap();
    for i in items {
        let created = i
            .created_at
            .map(|d| d.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            .unwrap_or_default();
        w.write_record([
            i.id.as_str(),
            &i.thread_id,
            i.parent_id.as_deref().unwrap_or(""),
            i.kind.as_str(),
            i.author.as_deref().unwrap_or(""),
            &created,
            i.title.as_deref().unwrap_or(""),
            &i.text,
        ])
        .unwrap();
    }
    w.into_inner().unwrap()
}

/// `DateTime` equality ignores the offset; the JSON form does not.
fn as_json(item: &Item) -> serde_json::Value {
    serde_json::to_value(item).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn jsonl_reads_back_identically(
        items in proptest::collection::vec(item(any::<String>().boxed()), 0..8),
    ) {
        let bytes = write_jsonl(&items);
        let got = Collect::read(Format::Jsonl, "again.jsonl", &bytes);
        prop_assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
        prop_assert_eq!(&got.items, &items);
        let got_json: Vec<_> = got.items.iter().map(as_json).collect();
        let want_json: Vec<_> = items.iter().map(as_json).collect();
        prop_assert_eq!(got_json, want_json);
    }

    #[test]
    fn csv_reads_back_identically_but_for_the_source(
        items in proptest::collection::vec(item(non_empty().boxed()), 0..8),
    ) {
        let bytes = write_csv(&items);
        let got = Collect::read(Format::Csv, "again.csv", &bytes);
        prop_assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
        prop_assert_eq!(got.items.len(), items.len());
        for (n, (got, want)) in got.items.iter().zip(&items).enumerate() {
            let mut want = want.clone();
            want.source = got.source.clone();
            prop_assert_eq!(as_json(got), as_json(&want));
            prop_assert_eq!(got.source.format, Format::Csv);
            prop_assert_eq!(got.source.file.as_str(), "again.csv");
            prop_assert_eq!(got.source.position.record, Some(n as u64 + 1));
        }
        // Lines: each record starts on the line after the previous record's last line.
        let mut line = 2;
        for (got, want) in got.items.iter().zip(&items) {
            prop_assert_eq!(got.source.position.line, Some(line));
            let breaks = |s: &str| s.matches('\n').count() as u64;
            line += 1 + breaks(&want.id) + breaks(&want.thread_id)
                + want.parent_id.as_deref().map_or(0, breaks)
                + want.author.as_deref().map_or(0, breaks)
                + want.title.as_deref().map_or(0, breaks)
                + breaks(&want.text);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_any_reader(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for format in [Format::Reddit, Format::Pushshift, Format::Jsonl, Format::Csv] {
            let mut out = Collect::default();
            reader_for(format).read(&mut &bytes[..], "junk", &mut out);
        }
        // And through sniffing, as `--from auto` reads.
        let mut out = Collect::default();
        read_stream(std::io::BufReader::new(&bytes[..]), "junk", None, &mut out);
    }

    #[test]
    fn damaged_output_never_panics_and_is_reported(
        items in proptest::collection::vec(item(non_empty().boxed()), 1..5),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        for (format, mut bytes) in [
            (Format::Jsonl, write_jsonl(&items)),
            (Format::Csv, write_csv(&items)),
        ] {
            for (at, byte) in &edits {
                let i = at.index(bytes.len());
                bytes[i] = *byte;
            }
            for reader in [Format::Reddit, Format::Pushshift, Format::Jsonl, Format::Csv] {
                let got = Collect::read(reader, "damaged", &bytes);
                // In JSON Lines a record lost is a record reported. (Not so in CSV: a damaged
                // quote or line break can merge a record into its neighbour, or the header,
                // with the right number of fields; no reader can tell.)
                if reader == format && format == Format::Jsonl && got.items.len() < items.len() {
                    prop_assert!(
                        got.diagnostics.iter().any(|d| d.severity != Severity::Degraded),
                        "{:?} lost records silently: {:?}",
                        format,
                        got.diagnostics
                    );
                }
            }
        }
    }
}

#[test]
fn the_threads_command_jsonl_shape_reads_back() {
    // The exact line `threadcare threads --format jsonl` writes for a post read from a blog page.
    let line = r#"{"id":"a1","thread_id":"a1","parent_id":null,"kind":"post","author":null,"created_at":"2026-11-20T21:00:00Z","title":"Small wins","text":"Made tea.\n\nCalled my mum.","source":{"format":"blog-text","file":"seeds/001.txt","position":{"line":1}}}"#;
    let got = Collect::read(Format::Jsonl, "out.jsonl", line.as_bytes());
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    let written = serde_json::to_string(&got.items[0]).unwrap();
    assert_eq!(written, line);
}
