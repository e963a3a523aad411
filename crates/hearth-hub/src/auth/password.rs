//! Passwords as argon2id PHC strings (the crate's defaults: 19 MiB, two
//! passes), with salts from the operating system's random source.

use std::sync::OnceLock;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use rand::TryRngCore;
use rand::rngs::OsRng;

use super::AccountError;

/// The shortest password accepted.
pub(crate) const MIN_LENGTH: usize = 8;

/// The PHC string to store for `password`.
pub(crate) fn hash(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|error| AccountError::Hash(error.to_string()))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|error| AccountError::Hash(error.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AccountError::Hash(error.to_string()))
}

/// Whether `password` is the one `phc` was made from. Without a stored hash
/// (an unknown user, or one without a password) a dummy is checked instead,
/// so that the answer takes as long either way and does not tell which.
pub(crate) fn verify(password: &str, phc: Option<&str>) -> bool {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not anybody's password").ok());
    let (phc, real) = match phc {
        Some(phc) => (Some(phc), true),
        None => (dummy.as_deref(), false),
    };
    let matches = phc
        .and_then(|phc| PasswordHash::new(phc).ok())
        .is_some_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        });
    real && matches
}

/// A password for the first admin: 20 characters from an alphabet without
/// look-alikes, about 110 bits.
pub(crate) fn generate() -> Result<String, AccountError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| AccountError::Hash(error.to_string()))?;
    Ok(bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_stored_as_argon2id_and_only_it_verifies() {
        let phc = hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify("correct horse", Some(&phc)));
        assert!(!verify("correct hors", Some(&phc)));
        assert!(!verify("correct horse", None));
        assert!(!verify("correct horse", Some("not a phc string")));
        assert_ne!(hash("correct horse").unwrap(), phc, "salted");
    }
}
