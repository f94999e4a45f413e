//! Password policy (OWASP ASVS 5.0 §6.2): a minimum length, no composition rules, no
//! truncation, and rejection of passwords found in a shipped list of common and breached ones.

/// Minimum length in characters. Passphrases are encouraged; 12 with a required second factor
/// for every role that sees victims' identities.
pub const MIN_LENGTH: usize = 12;
/// Long enough for any passphrase, short enough that hashing cannot be used to tie up the server.
pub const MAX_LENGTH: usize = 256;

static COMMON: &str = include_str!("../../data/common-passwords.txt");

/// Why [`check`] refused a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejected {
    /// Fewer than [`MIN_LENGTH`] characters.
    #[error("the password must have at least {MIN_LENGTH} characters")]
    TooShort,
    /// More than [`MAX_LENGTH`] characters.
    #[error("the password must have at most {MAX_LENGTH} characters")]
    TooLong,
    /// Found in the shipped list of common and breached passwords (case-insensitive).
    #[error("this password is in a list of common or breached passwords")]
    Common,
    /// Contains the local part of the user's e-mail address (if it has four characters or more).
    #[error("the password must not contain your e-mail name")]
    ContainsEmail,
}

impl PasswordRejected {
    /// Stable code, used as the translation key suffix.
    pub fn code(self) -> &'static str {
        match self {
            PasswordRejected::TooShort => "too_short",
            PasswordRejected::TooLong => "too_long",
            PasswordRejected::Common => "common",
            PasswordRejected::ContainsEmail => "contains_email",
        }
    }
}

fn is_common(candidate: &str) -> bool {
    let lower = candidate.to_lowercase();
    COMMON.lines().any(|l| l.eq_ignore_ascii_case(&lower))
}

/// Checks a new password for the user with e-mail `email`.
pub fn check(candidate: &str, email: &str) -> Result<(), PasswordRejected> {
    let n = candidate.chars().count();
    if n < MIN_LENGTH {
        return Err(PasswordRejected::TooShort);
    }
    if n > MAX_LENGTH {
        return Err(PasswordRejected::TooLong);
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.chars().count() >= 4 && candidate.to_lowercase().contains(&local) {
        return Err(PasswordRejected::ContainsEmail);
    }
    if is_common(candidate) {
        return Err(PasswordRejected::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert_eq!(
            check("short pass", "a@b.org"),
            Err(PasswordRejected::TooShort)
        );
        assert_eq!(
            check(&"x".repeat(257), "a@b.org"),
            Err(PasswordRejected::TooLong)
        );
        assert_eq!(check("correct horse battery", "a@b.org"), Ok(()));
        // Length counts characters, not bytes: 12 Arabic letters are enough.
        assert_eq!(check("كلمةسرطويلةجد", "a@b.org"), Ok(()));
    }

    #[test]
    fn common_passwords_are_rejected_whatever_their_case() {
        let sample = COMMON.lines().next().expect("list is not empty");
        assert_eq!(check(sample, "a@b.org"), Err(PasswordRejected::Common));
        assert_eq!(
            check(&sample.to_uppercase(), "a@b.org"),
            Err(PasswordRejected::Common)
        );
        assert!(COMMON.lines().count() > 40_000);
    }

    #[test]
    fn email_name_inside_password_is_rejected() {
        assert_eq!(
            check("my-name-is-amelie-2026", "amelie@ngo.example"),
            Err(PasswordRejected::ContainsEmail)
        );
    }
}
