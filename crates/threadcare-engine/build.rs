//! Embeds every construct file (`constructs/*.toml`) and context rule file (`context/*.toml`)
//! in the binary, so the engine works from the binary alone.

use std::{env, fs, path::Path};

fn embed(dir: &Path, out_name: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "toml")
            && !p.file_name().unwrap().to_string_lossy().starts_with('_')
    });
    files.sort();
    let mut code = String::from("&[\n");
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.canonicalize().unwrap().display().to_string()
        ));
    }
    code.push(']');
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join(out_name),
        code,
    )
    .unwrap();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    embed(&root.join("constructs"), "constructs.rs");
    embed(&root.join("context"), "context.rs");
    for file in ["constructs/_lexicon.toml", "constructs/_idioms.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
}
