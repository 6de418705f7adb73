"""Times construct-tracker's lexicon extraction (Suicide Risk Lexicon) on a JSON list of texts.

Run by crates/threadcare-engine/benches/engine.rs inside the virtualenv that scripts/bench.sh
makes. Prints 'MB/s <figure>' on its last line.
"""
import json
import sys
import time

from construct_tracker import lexicon

texts = json.load(open(sys.argv[1], encoding="utf-8"))
size = sum(len(t.encode("utf-8")) for t in texts)
srl = lexicon.load_lexicon(name="srl_v1-0")
start = time.perf_counter()
srl.extract(texts, normalize=False, return_matches=True, add_lemmatized_lexicon=False, lemmatize_docs=False)
secs = time.perf_counter() - start
print(f"construct-tracker: {len(texts)} texts, {size / 1e6:.3f} MB in {secs:.2f} s")
print(f"MB/s {size / 1e6 / secs:.6f}")
