//! Mosquitto 2.0's password hash, `$7$<iterations>$<base64 salt>$<base64 hash>`: PBKDF2 with
//! HMAC-SHA512 over a 12-byte salt, 101 iterations, 64 bytes out, standard base64 with padding
//! (what `mosquitto_passwd` writes; checked against its output in the tests). Computed when a
//! credential is issued, so `broker-config` can write a password file from the database, which
//! never holds a password.

use sha2::{Digest, Sha512};

use crate::broker::access::CredentialError;

/// `mosquitto_passwd`'s defaults (mosquitto 2.0 `password_mosq.c`).
const ITERATIONS: u32 = 101;
const SALT_LEN: usize = 12;
const HASH_LEN: usize = 64;
const BLOCK: usize = 128;

/// The `$7$` line part for `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, CredentialError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| CredentialError::Random(e.to_string()))?;
    Ok(hash_with(&salt, ITERATIONS, password.as_bytes()))
}

fn hash_with(salt: &[u8], iterations: u32, password: &[u8]) -> String {
    let digest = pbkdf2_sha512(password, salt, iterations);
    format!("$7${iterations}${}${}", base64(salt), base64(&digest))
}

/// Whether `password` matches a `$7$` hash (for tests and diagnostics; Mosquitto does the
/// checking in production).
pub fn verify(stored: &str, password: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(""), Some("7"), Some(iterations), Some(salt), Some(_), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Ok(iterations), Some(salt)) = (iterations.parse::<u32>(), unbase64(salt)) else {
        return false;
    };
    hash_with(&salt, iterations, password.as_bytes()) == stored
}

fn hmac_sha512(key: &[u8], message: &[u8]) -> [u8; HASH_LEN] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..HASH_LEN].copy_from_slice(&Sha512::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|k| k ^ byte);
    let inner = Sha512::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha512::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// PBKDF2 (RFC 8018) with one output block: HMAC-SHA512 gives the 64 bytes Mosquitto keeps.
fn pbkdf2_sha512(password: &[u8], salt: &[u8], iterations: u32) -> [u8; HASH_LEN] {
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac_sha512(password, &first);
    let mut out = u;
    for _ in 1..iterations {
        u = hmac_sha512(password, &u);
        out.iter_mut().zip(u.iter()).for_each(|(o, x)| *o ^= x);
    }
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in trimmed.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by `mosquitto_passwd -b -c pw alice secret` (mosquitto 2.0.11).
    const FROM_MOSQUITTO_PASSWD: &str = "$7$101$fwkDq89yswrSQW5g$KtICmpboKMp35opzznFpETtjPlA8Q2yEw/jKgkQtghniJ0a+TxVo5f6eClQU3Kb4PZVOnKt1CT5oouhpdPKJhQ==";

    #[test]
    fn a_hash_written_by_mosquitto_passwd_verifies_and_recomputes_byte_for_byte() {
        assert!(verify(FROM_MOSQUITTO_PASSWD, "secret"));
        assert!(!verify(FROM_MOSQUITTO_PASSWD, "Secret"));
        let salt = unbase64("fwkDq89yswrSQW5g").unwrap();
        assert_eq!(salt.len(), SALT_LEN);
        assert_eq!(hash_with(&salt, 101, b"secret"), FROM_MOSQUITTO_PASSWD);
    }

    #[test]
    fn a_fresh_hash_has_mosquittos_shape_and_verifies_only_its_password() {
        let stored = hash("p4ss").unwrap();
        let parts: Vec<&str> = stored.split('$').collect();
        assert_eq!(parts[..3], ["", "7", "101"]);
        assert_eq!(unbase64(parts[3]).unwrap().len(), SALT_LEN);
        assert_eq!(unbase64(parts[4]).unwrap().len(), HASH_LEN);
        assert!(verify(&stored, "p4ss") && !verify(&stored, "p4sS"));
        assert_ne!(stored, hash("p4ss").unwrap(), "salts differ");
        for bad in ["", "$6$abc$def", "$7$x$AA$AA", "$7$101$!!$AA"] {
            assert!(!verify(bad, "p4ss"), "{bad}");
        }
    }

    #[test]
    fn base64_round_trips_every_padding_length() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob"] {
            assert_eq!(unbase64(&base64(bytes)).unwrap(), bytes);
        }
        assert_eq!(base64(b"fo"), "Zm8=");
    }
}
