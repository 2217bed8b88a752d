//! The broker's credentials: username -> (principal, password hash), consulted by the hooks
//! on every CONNECT and ACL check. In memory; whoever owns the durable list (the roster, robot
//! enrollment in SQLite) fills it with [`CredentialRegistry::insert_hashed`] at startup and
//! keeps it current with `insert`/`revoke`. A revoke takes effect at once: the next ACL check
//! finds no entry, and the broker kicks the connected client (see `revocations`).
//!
//! Passwords are stored as salted SHA-256 hashes and compared in constant time. A fast hash is
//! enough because every password here is generated (128 random bits), never chosen by a person.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{PoisonError, RwLock};

use sha2::{Digest, Sha256};
use thiserror::Error;
use tokio::sync::broadcast;

use super::flood::FloodGuard;
use super::policy::Principal;

/// How many revocations may wait for the broker's kicker before the oldest are lost (the ACL
/// checks refuse a revoked client anyway).
const REVOCATION_BACKLOG: usize = 1024;

#[derive(Debug, Error)]
pub enum CredentialError {
    #[error("no randomness for a password: {0}")]
    Random(String),
    #[error("not a password hash (expected sha256$<32 hex salt>$<64 hex digest>)")]
    BadHash,
}

/// A salted SHA-256 of a password, as stored: `sha256$<salt hex>$<digest hex>`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl PasswordHash {
    /// Hashes `password` with a fresh random salt.
    pub fn new(password: &str) -> Result<Self, CredentialError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| CredentialError::Random(e.to_string()))?;
        Ok(Self::with_salt(salt, password.as_bytes()))
    }

    fn with_salt(salt: [u8; 16], password: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(salt);
        hasher.update(password);
        Self {
            salt,
            digest: hasher.finalize().into(),
        }
    }

    /// Whether `password` hashes to this, comparing every byte whatever the first difference.
    pub fn matches(&self, password: &[u8]) -> bool {
        let candidate = Self::with_salt(self.salt, password);
        let diff = self
            .digest
            .iter()
            .zip(candidate.digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

impl fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256${}${}", hex(&self.salt), hex(&self.digest))
    }
}

impl fmt::Debug for PasswordHash {
    // A hash is not a secret, but it has no place in logs either.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

impl FromStr for PasswordHash {
    type Err = CredentialError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split('$');
        let (Some("sha256"), Some(salt), Some(digest), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CredentialError::BadHash);
        };
        Ok(Self {
            salt: unhex(salt).ok_or(CredentialError::BadHash)?,
            digest: unhex(digest).ok_or(CredentialError::BadHash)?,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// A fresh password: 128 random bits as 32 hex characters.
pub fn generate_password() -> Result<String, CredentialError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| CredentialError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

#[derive(Debug, Clone)]
struct Entry {
    principal: Principal,
    hash: PasswordHash,
}

/// Usernames and what each may do. Shared (`Arc`) between the broker's hooks and whoever
/// issues and revokes credentials.
#[derive(Debug)]
pub struct CredentialRegistry {
    entries: RwLock<HashMap<String, Entry>>,
    revoked: broadcast::Sender<String>,
    /// Each robot's publish rate, checked by the hooks (see [`FloodGuard`]).
    flood: FloodGuard,
}

impl Default for CredentialRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl CredentialRegistry {
    pub fn new() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            revoked: broadcast::channel(REVOCATION_BACKLOG).0,
            flood: FloodGuard::default(),
        }
    }

    /// Adds or replaces `username`'s credential (a replaced one stops working at once for new
    /// connections; a client already connected with it stays until revoked).
    pub fn insert(
        &self,
        username: &str,
        password: &str,
        principal: Principal,
    ) -> Result<(), CredentialError> {
        self.insert_hashed(username, PasswordHash::new(password)?, principal);
        Ok(())
    }

    /// As [`insert`](Self::insert), with a hash stored earlier (`PasswordHash::to_string`).
    pub fn insert_hashed(&self, username: &str, hash: PasswordHash, principal: Principal) {
        self.write()
            .insert(username.to_owned(), Entry { principal, hash });
    }

    /// Generates a password for `username`, registers it and returns it (shown once).
    pub fn issue(&self, username: &str, principal: Principal) -> Result<String, CredentialError> {
        let password = generate_password()?;
        self.insert(username, &password, principal)?;
        Ok(password)
    }

    /// Removes `username`; a client connected with it is cut off by the broker at once.
    /// Returns whether it existed.
    pub fn revoke(&self, username: &str) -> bool {
        let existed = self.write().remove(username).is_some();
        self.flood.forget(username);
        if existed {
            // No receiver (no broker running) is fine: nobody is connected then.
            let _ = self.revoked.send(username.to_owned());
        }
        existed
    }

    /// The principal of `username` if `password` is its password.
    pub fn verify(&self, username: &str, password: &[u8]) -> Option<Principal> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(username)?;
        entry
            .hash
            .matches(password)
            .then(|| entry.principal.clone())
    }

    /// The principal `username` is registered for (an ACL check of a connected client).
    pub fn principal(&self, username: &str) -> Option<Principal> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.get(username).map(|e| e.principal.clone())
    }

    /// `check` applied to `username`'s principal, under the read lock and without a copy (the
    /// ACL hooks run this for every publish of every robot); false for an unknown username.
    pub fn allows(&self, username: &str, check: impl FnOnce(&Principal) -> bool) -> bool {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.get(username).is_some_and(|e| check(&e.principal))
    }

    /// The robots' flood control.
    pub fn flood(&self) -> &FloodGuard {
        &self.flood
    }

    /// Usernames revoked from now on, for the broker to kick.
    pub fn revocations(&self) -> broadcast::Receiver<String> {
        self.revoked.subscribe()
    }

    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Entry>> {
        self.entries.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use fleet_protocol::RobotId;

    use super::*;

    fn robot(id: &str) -> Principal {
        Principal::Robot(RobotId::parse(id).unwrap())
    }

    #[test]
    fn only_the_right_password_verifies_and_a_revoked_user_is_gone() {
        let registry = CredentialRegistry::new();
        let password = registry.issue("r1", robot("r1")).unwrap();
        assert_eq!(password.len(), 32);
        assert_eq!(
            registry.verify("r1", password.as_bytes()),
            Some(robot("r1"))
        );
        assert_eq!(registry.verify("r1", b"wrong"), None);
        assert_eq!(registry.verify("r1", b""), None);
        assert_eq!(registry.verify("r2", password.as_bytes()), None);
        assert!(registry.allows("r1", |p| p.may_publish("robots/r1/telemetry")));
        assert!(!registry.allows("r1", |p| p.may_publish("fleet/cmd")));
        assert!(
            !registry.allows("r2", |_| true),
            "an unknown user is allowed nothing"
        );
        let mut revoked = registry.revocations();
        assert!(registry.revoke("r1"));
        assert!(!registry.revoke("r1"), "revoking twice is a no-op");
        assert_eq!(registry.verify("r1", password.as_bytes()), None);
        assert_eq!(registry.principal("r1"), None);
        assert!(!registry.allows("r1", |_| true));
        assert_eq!(revoked.try_recv().unwrap(), "r1");
        assert!(revoked.try_recv().is_err());
    }

    #[test]
    fn a_stored_hash_round_trips_and_still_verifies() {
        let hash = PasswordHash::new("secret").unwrap();
        let stored = hash.to_string();
        assert!(stored.starts_with("sha256$") && !stored.contains("secret"));
        let back: PasswordHash = stored.parse().unwrap();
        assert_eq!(back, hash);
        let registry = CredentialRegistry::new();
        registry.insert_hashed("r1", back, robot("r1"));
        assert!(registry.verify("r1", b"secret").is_some());
        for bad in ["", "md5$00$00", "sha256$zz$00", &stored[..stored.len() - 1]] {
            assert!(bad.parse::<PasswordHash>().is_err(), "{bad}");
        }
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        let (a, b) = (
            PasswordHash::new("p").unwrap(),
            PasswordHash::new("p").unwrap(),
        );
        assert_ne!(a.to_string(), b.to_string());
        assert!(a.matches(b"p") && b.matches(b"p"));
    }
}
