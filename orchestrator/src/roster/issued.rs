//! A freshly issued secret with the two hashes stored for it: the embedded broker's
//! ([`PasswordHash`]) and Mosquitto's (`$7$`). The secret itself is shown once and never
//! stored; it is 128 random bits, so it cannot be derived from an id or another token.

use crate::broker::access::{CredentialError, PasswordHash, generate_password};
use crate::broker::mosquitto_hash;

pub struct IssuedCredential {
    pub secret: String,
    pub hash: PasswordHash,
    pub mosquitto_hash: String,
}

impl IssuedCredential {
    pub fn generate() -> Result<Self, CredentialError> {
        let secret = generate_password()?;
        Ok(Self {
            hash: PasswordHash::new(&secret)?,
            mosquitto_hash: mosquitto_hash::hash(&secret)?,
            secret,
        })
    }
}

impl std::fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuedCredential(..)")
    }
}
