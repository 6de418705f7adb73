use sha2::{Digest, Sha256};

/// A stable id for an item whose source gives none: the first 16 hex digits of the SHA-256 of
/// the parts, each length-prefixed so that `("ab","c")` and `("a","bc")` differ.
///
/// Callers pass what identifies the item in its thread (thread id, parent id, author, text), so
/// that re-reading the same file gives the same ids and an edited text gets a new one.
pub fn content_id(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(16);
    for byte in &digest[..8] {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_delimited() {
        assert_ne!(content_id(&["ab", "c"]), content_id(&["a", "bc"]));
        assert_eq!(content_id(&["x"]), content_id(&["x"]));
        assert_eq!(content_id(&["x"]).len(), 16);
    }
}
