//! De-identification for researchers: pseudonymous authors, redacted names, e-mail addresses,
//! phone numbers and URLs.
