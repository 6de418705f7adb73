//! The server's settings: body limits, the alert webhook and crisis resources per locale, read
//! from a TOML file (`threadcare serve --config threadcare.toml`). Unknown keys are errors, so a
//! typo in a config does not silently switch something off.
//!
//! ```toml
//! default_locale = "en-GB"
//!
//! [limits]
//! max_batch_bytes = 8388608     # POST /api/v1/items
//! max_analyze_bytes = 65536     # POST /api/v1/analyze and other JSON bodies
//!
//! [alerts]
//! webhook_url = "http://127.0.0.1:9000/threadcare"
//! max_attempts = 6
//!
//! [[crisis_resources]]
//! locale = "en-GB"
//! name = "Our community's on-call moderator"
//! contact = "+44 …"
//! note = "Evenings and weekends"
//! ```

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One crisis line or service shown beside imminent items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisResource {
    /// A BCP 47 tag (`en-US`), or `any` for what applies everywhere.
    pub locale: String,
    pub name: String,
    pub contact: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Well-known national lines, used for every locale the config file does not name.
pub fn default_crisis_resources() -> Vec<CrisisResource> {
    let r = |locale: &str, name: &str, contact: &str, note: &str| CrisisResource {
        locale: locale.into(),
        name: name.into(),
        contact: contact.into(),
        note: Some(note.into()),
    };
    vec![
        r(
            "en-US",
            "988 Suicide & Crisis Lifeline",
            "Call or text 988",
            "Free, confidential, 24/7; chat at 988lifeline.org",
        ),
        r(
            "en-GB",
            "Samaritans",
            "Call 116 123",
            "Free, 24/7; email jo@samaritans.org",
        ),
        r(
            "en-IE",
            "Samaritans Ireland",
            "Call 116 123",
            "Free, 24/7; email jo@samaritans.ie",
        ),
        r(
            "en-CA",
            "9-8-8 Suicide Crisis Helpline",
            "Call or text 9-8-8",
            "Free, 24/7, in English and French",
        ),
        r(
            "en-AU",
            "Lifeline Australia",
            "Call 13 11 14",
            "24/7; text 0477 13 11 14",
        ),
        r(
            "any",
            "Your local emergency number",
            "112 in the EU, 911 in North America, 999 in the UK, 000 in Australia",
            "If a life is in danger right now, call emergency services",
        ),
    ]
}

/// Body size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// `POST /api/v1/items` (batches).
    pub max_batch_bytes: usize,
    /// `POST /api/v1/analyze` and the other JSON bodies.
    pub max_analyze_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch_bytes: 8 * 1024 * 1024,
            max_analyze_bytes: 64 * 1024,
        }
    }
}

/// The optional webhook for imminent items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Alerts {
    /// `http://host:port/path`. Only plain HTTP: point it at a relay on this machine or the
    /// local network (threadcare itself never talks to the internet).
    pub webhook_url: Option<String>,
    /// Attempts per notice, the first included.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub backoff_initial_ms: u64,
    /// The longest wait between attempts.
    pub backoff_max_ms: u64,
    /// Per-attempt timeout.
    pub timeout_ms: u64,
    /// Notices waiting to be sent; when full, new ones are dropped with a warning in the log
    /// (ingest never waits for the webhook).
    pub queue: usize,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            webhook_url: None,
            max_attempts: 6,
            backoff_initial_ms: 500,
            backoff_max_ms: 30_000,
            timeout_ms: 5_000,
            queue: 256,
        }
    }
}

impl Alerts {
    pub fn backoff(&self, attempt: u32) -> Duration {
        // attempt 1 failed -> wait initial; 2 -> 2x; ...
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(
            self.backoff_initial_ms
                .saturating_mul(factor)
                .min(self.backoff_max_ms),
        )
    }
}

/// The config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The locale whose crisis resources the dashboard shows first.
    pub default_locale: String,
    pub limits: Limits,
    pub alerts: Alerts,
    /// Replace the built-in resources of the locales they name; others keep the built-ins.
    pub crisis_resources: Vec<CrisisResource>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_locale: "en-US".into(),
            limits: Limits::default(),
            alerts: Alerts::default(),
            crisis_resources: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl Settings {
    /// Reads a config file.
    pub fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: name.clone(),
            source,
        })?;
        Settings::from_toml(&text, &name)
    }

    /// Parses a config (`name` names it in errors).
    pub fn from_toml(text: &str, name: &str) -> Result<Settings, ConfigError> {
        let settings: Settings = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: name.into(),
            reason: e.to_string().trim_end().to_string(),
        })?;
        settings.validate().map_err(|reason| ConfigError::Invalid {
            path: name.into(),
            reason,
        })?;
        Ok(settings)
    }

    /// Checks what the types cannot.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.alerts.webhook_url {
            crate::alerts::WebhookUrl::parse(url)
                .map_err(|e| format!("[alerts] webhook_url: {e}"))?;
        }
        if self.alerts.max_attempts == 0 {
            return Err("[alerts] max_attempts must be at least 1".into());
        }
        if self.alerts.queue == 0 {
            return Err("[alerts] queue must be at least 1".into());
        }
        if self.limits.max_batch_bytes < 1024 || self.limits.max_analyze_bytes < 1024 {
            return Err("[limits] must allow at least 1024 bytes".into());
        }
        for (i, r) in self.crisis_resources.iter().enumerate() {
            if r.locale.trim().is_empty() || r.name.trim().is_empty() || r.contact.trim().is_empty()
            {
                return Err(format!(
                    "[[crisis_resources]] entry {}: locale, name and contact must not be empty",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    /// The built-in resources, with those of every locale the config names replaced by the
    /// config's entries (in the config's order, before the built-ins).
    pub fn crisis_resources(&self) -> Vec<CrisisResource> {
        let configured: std::collections::HashSet<&str> = self
            .crisis_resources
            .iter()
            .map(|r| r.locale.as_str())
            .collect();
        let mut out = self.crisis_resources.clone();
        out.extend(
            default_crisis_resources()
                .into_iter()
                .filter(|r| !configured.contains(r.locale.as_str())),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_defaults() {
        let s = Settings::from_toml("", "t.toml").unwrap();
        assert_eq!(s, Settings::default());
        let locales: Vec<String> = s.crisis_resources().into_iter().map(|r| r.locale).collect();
        for l in ["en-US", "en-GB", "en-IE", "en-CA", "en-AU", "any"] {
            assert!(locales.contains(&l.to_string()), "{l} missing");
        }
    }

    #[test]
    fn configured_locales_replace_the_built_ins_of_that_locale_only() {
        let s = Settings::from_toml(
            r#"
default_locale = "en-GB"
[[crisis_resources]]
locale = "en-GB"
name = "Community on-call"
contact = "ask in #support"
"#,
            "t.toml",
        )
        .unwrap();
        let all = s.crisis_resources();
        let gb: Vec<&CrisisResource> = all.iter().filter(|r| r.locale == "en-GB").collect();
        assert_eq!(gb.len(), 1);
        assert_eq!(gb[0].name, "Community on-call");
        assert!(all.iter().any(|r| r.locale == "en-US"));
        assert_eq!(all[0].name, "Community on-call");
    }

    #[test]
    fn typos_and_bad_urls_are_errors_that_name_the_file() {
        let e = Settings::from_toml("[alerts]\nwebhook = \"x\"\n", "site.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("site.toml:"), "{msg}");
        assert!(msg.contains("webhook"), "{msg}");

        let e = Settings::from_toml(
            "[alerts]\nwebhook_url = \"https://example.org/hook\"\n",
            "site.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("http://"), "{e}");

        let e = Settings::from_toml(
            "[[crisis_resources]]\nlocale = \"\"\nname = \"x\"\ncontact = \"y\"\n",
            "site.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("entry 1"), "{e}");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let a = Alerts {
            backoff_initial_ms: 100,
            backoff_max_ms: 350,
            ..Alerts::default()
        };
        assert_eq!(a.backoff(1), Duration::from_millis(100));
        assert_eq!(a.backoff(2), Duration::from_millis(200));
        assert_eq!(a.backoff(3), Duration::from_millis(350));
        assert_eq!(a.backoff(40), Duration::from_millis(350));
    }
}
