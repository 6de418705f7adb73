//! API tokens: `tc_<id>_<48 hex digits>`. The id finds the row; only an argon2id hash (with its
//! own random salt) of the random part is stored. The secret is shown once, at creation.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{hex, parse_ts, ts};
use crate::{Result, Role, StoreError, TokenInfo};

const PREFIX: &str = "tc_";
/// Random bytes in a secret (192 bits).
const SECRET_BYTES: usize = 24;
const MAX_LABEL: usize = 100;

/// A new random secret part and its argon2id hash (PHC string, salt included).
pub fn new_secret() -> Result<(String, String)> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Database(format!("no randomness for a token: {e}")))?;
    let part = hex(&bytes);
    let hash = Argon2::default()
        .hash_password(part.as_bytes())
        .map_err(|e| StoreError::Database(format!("cannot hash a token: {e}")))?
        .to_string();
    Ok((part, hash))
}

pub fn secret(id: i64, part: &str) -> String {
    format!("{PREFIX}{id}_{part}")
}

/// The id and random part of a well-formed secret.
pub fn parse(secret: &str) -> Option<(i64, &str)> {
    let rest = secret.strip_prefix(PREFIX)?;
    let (id, part) = rest.split_once('_')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if part.len() != SECRET_BYTES * 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((id.parse().ok()?, part))
}

pub fn verify(part: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(part.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub fn check_label(label: &str) -> Result<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(StoreError::Invalid(
            "a token needs a label (who holds it)".into(),
        ));
    }
    if label.chars().count() > MAX_LABEL || label.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "a token label is at most {MAX_LABEL} characters, without control characters"
        )));
    }
    Ok(label.to_string())
}

fn role_of(s: &str) -> rusqlite::Result<Role> {
    Ok(match s {
        "moderator" => Role::Moderator,
        "admin" => Role::Admin,
        "researcher" => Role::Researcher,
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown role {other:?}").into(),
            ))
        }
    })
}

fn info_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenInfo> {
    let role: String = r.get(2)?;
    let created: String = r.get(3)?;
    let revoked: Option<String> = r.get(4)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        label: r.get(1)?,
        role: role_of(&role)?,
        created_at: parse_ts(&created)?,
        revoked_at: revoked.as_deref().map(parse_ts).transpose()?,
    })
}

pub fn insert(
    tx: &Transaction<'_>,
    label: &str,
    role: Role,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<TokenInfo> {
    tx.execute(
        "INSERT INTO tokens(label, role, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![label, role.as_str(), hash, ts(now)],
    )?;
    let id = tx.last_insert_rowid();
    super::moderation::audit(
        tx,
        &crate::NewAudit {
            actor: "cli".into(),
            event: "token_create".into(),
            item_id: None,
            level: None,
            detail: Some(format!("token {id} ({}) for {label}", role.as_str())),
        },
        now,
    )?;
    Ok(TokenInfo {
        id,
        label: label.to_string(),
        role,
        created_at: parse_ts(&ts(now))?,
        revoked_at: None,
    })
}

pub fn get(c: &Connection, id: i64) -> Result<Option<(TokenInfo, String)>> {
    Ok(c.prepare_cached(
        "SELECT id, label, role, created_at, revoked_at, hash FROM tokens WHERE id = ?1",
    )?
    .query_row([id], |r| Ok((info_of(r)?, r.get(5)?)))
    .optional()?)
}

pub fn revoke(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let n = tx.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, ts(now)],
    )?;
    if n > 0 {
        super::moderation::audit(
            tx,
            &crate::NewAudit {
                actor: "cli".into(),
                event: "token_revoke".into(),
                item_id: None,
                level: None,
                detail: Some(format!("token {id}")),
            },
            now,
        )?;
    }
    Ok(n > 0)
}

pub fn list(c: &Connection) -> Result<Vec<TokenInfo>> {
    let mut stmt =
        c.prepare_cached("SELECT id, label, role, created_at, revoked_at FROM tokens ORDER BY id")?;
    let rows = stmt.query_map([], info_of)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
