#!/bin/sh
# Seeds each fuzz target's corpus from our own example files (examples/ at the repository root)
# and the readers' test data, so that the fuzzer starts from valid inputs of its format and
# mutates from there. Run from anywhere; it writes fuzz/corpus/<target>/ (ignored by git).
# Never seed from ../shared: texts from real people stay out of the repository's directories.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
examples="$root/examples"
testdata="$root/crates/threadcare-ingest/tests/data"

seed() { # seed TARGET FILE...
    target=$1
    shift
    mkdir -p "$here/corpus/$target"
    for file in "$@"; do
        [ -f "$file" ] || continue
        # Name each seed by its content, as libFuzzer names its own finds.
        name=$(sha1sum "$file" | cut -c1-40)
        cp "$file" "$here/corpus/$target/$name"
    done
}

# The readers' test data, found by name wherever it lies under tests/data.
data() { # data NAME-PATTERN...
    [ -d "$testdata" ] || return 0
    for pattern in "$@"; do
        find "$testdata" -type f -name "$pattern"
    done
}

seed blog_text "$examples"/blog/*.txt $(data "*.txt")
seed wxr "$examples/wordpress-export.xml" $(data "*.wxr" "*wxr*.xml" "*wordpress*.xml")
seed rss "$examples/feed.rss" $(data "*.rss")
seed atom "$examples/comments.atom" $(data "*.atom")
seed reddit "$examples/reddit-thread.json" $(data "*reddit*.json")
seed pushshift "$examples/pushshift.ndjson" $(data "*.ndjson")
seed jsonl "$examples/threads.jsonl" $(data "*.jsonl")
seed csv "$examples/threads.csv" $(data "*.csv")
seed sniff_and_read $(find "$examples" -type f ! -name README.md) $(data "*")

for dir in "$here"/corpus/*/; do
    printf '%-16s %s seeds\n' "$(basename "$dir")" "$(ls "$dir" | wc -l)"
done
