//! [`Name`]: text that many values share, such as the rule that found a signal or a cue's
//! category, cloned without copying it.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string that many values share: a static one, or one counted by reference. Cloning it
/// copies no text, and it reads, compares, prints and serialises as the plain string it holds
/// (the JSON of a field of this type is a JSON string).
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Name {
    /// A name of static text (no allocation).
    pub const fn from_static(text: &'static str) -> Name {
        Name(Repr::Static(text))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

impl Default for Name {
    fn default() -> Name {
        Name::from_static("")
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name(Repr::Shared(Arc::from(text)))
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name(Repr::Shared(Arc::from(text)))
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.as_str().to_string()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// Comparisons with plain strings, both ways round.
macro_rules! eq_with {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Name {
            fn eq(&self, other: &$t) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<Name> for $t {
            fn eq(&self, other: &Name) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}

eq_with!(str, &str, String);

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        String::deserialize(deserializer).map(Name::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_its_string() {
        let shared = Name::from("model:irf_burden".to_string());
        let fixed = Name::from_static("model:irf_burden");
        assert_eq!(shared, fixed);
        assert!(shared == "model:irf_burden" && "model:irf_burden" == fixed);
        let owned = String::from("model:irf_burden");
        assert!(fixed == *"model:irf_burden");
        assert_eq!(fixed, owned);
        assert_eq!(owned, fixed);
        assert!(fixed.starts_with("model:"));
        assert_eq!(fixed.as_str(), "model:irf_burden");
        assert_eq!(
            format!("{fixed} {fixed:?}"),
            "model:irf_burden \"model:irf_burden\""
        );
        let (a, b) = (Name::from("a"), Name::from_static("b"));
        assert!(a < b);
        assert_eq!(Name::default(), "");
        assert_eq!(String::from(fixed.clone()), "model:irf_burden");
    }

    #[test]
    fn a_name_serialises_as_a_plain_string() {
        let name = Name::from_static("negation \"no\"\n");
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, serde_json::to_string("negation \"no\"\n").unwrap());
        let back: Name = serde_json::from_str(&json).unwrap();
        assert_eq!(back, name);
        assert!(serde_json::from_str::<Name>("3").is_err());
    }
}
