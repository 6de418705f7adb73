//! Embeds the dashboard (`assets/`) and the demo data (the repository's `examples/`) into the
//! binary, so that `threadcare serve` works offline and from any directory. Whatever files exist
//! at build time are embedded; cargo rebuilds when either directory changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let assets = manifest.join("assets");
    let examples = manifest.join("../../examples");
    println!("cargo:rerun-if-changed={}", assets.display());
    println!("cargo:rerun-if-changed={}", examples.display());

    let mut code = String::new();
    write_list(&mut code, "ASSETS", &assets, &|_| true);
    // The demo reads every example file except the README that describes them.
    write_list(&mut code, "EXAMPLES", &examples, &|rel| {
        !rel.to_ascii_uppercase().starts_with("README")
    });
    std::fs::write(out.join("embedded.rs"), code).unwrap();
}

fn write_list(code: &mut String, name: &str, root: &Path, keep: &dyn Fn(&str) -> bool) {
    let mut files = Vec::new();
    if root.is_dir() {
        collect(root, root, &mut files);
    }
    files.sort();
    files.retain(|(rel, _)| keep(rel));
    writeln!(code, "pub static {name}: &[(&str, &[u8])] = &[").unwrap();
    for (rel, path) in files {
        writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    writeln!(code, "];").unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.is_file() {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join("/");
            let abs = std::fs::canonicalize(&path).unwrap_or(path);
            files.push((rel, abs));
        }
    }
}
