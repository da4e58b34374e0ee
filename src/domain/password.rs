//! Password rules after NIST SP 800-63B-4 and Argon2id hashing at OWASP's floor.
//!
//! Rules: at least 15 characters, up to 128 accepted (NIST asks for at least 64), no composition
//! rules, and a blocklist check: the shipped common-password list (data/common-passwords.txt),
//! repeated or sequential characters, and context words (the user name, the product name).

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_LEN: usize = 15;
pub const MAX_LEN: usize = 128;

/// OWASP Password Storage Cheat Sheet minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Words that make a password guessable in this deployment whatever else it holds.
const CONTEXT_WORDS: [&str; 3] = ["chartroom", "password", "passw0rd"];

/// Why a new password was refused, in words a clerk can act on.
pub fn check_new_password(password: &str, username: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(format!(
            "use at least {MIN_LEN} characters (this one has {len}); a few unrelated words work well"
        ));
    }
    if len > MAX_LEN {
        return Err(format!("use at most {MAX_LEN} characters"));
    }
    if password.chars().any(char::is_control) {
        return Err("control characters cannot be part of a password".into());
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Err(
            "this password is on the list of commonly used passwords; choose another".into(),
        );
    }
    let core: String = lower
        .trim_matches(|c: char| !c.is_alphanumeric())
        .trim_end_matches(|c: char| c.is_ascii_digit() || !c.is_alphanumeric())
        .to_string();
    if !core.is_empty() && (COMMON.contains(core.as_str()) || is_repeat_of_common(&core)) {
        return Err(
            "this password is a common password with digits or symbols around it; choose another"
                .into(),
        );
    }
    if is_repetition(&lower) {
        return Err("this password only repeats a short pattern; choose another".into());
    }
    if is_sequence(&lower) {
        return Err("this password is a simple sequence of characters; choose another".into());
    }
    let uname = username.to_lowercase();
    if uname.len() >= 3 && lower.contains(&uname) {
        return Err("a password may not contain your user name".into());
    }
    for w in CONTEXT_WORDS {
        if lower.contains(w) && lower.replace(w, "").chars().count() < MIN_LEN / 2 {
            return Err(format!(
                "a password built mostly from '{w}' is easy to guess; choose another"
            ));
        }
    }
    Ok(())
}

/// The shortest unit that, repeated, makes up the whole of `chars` (`abcabc` -> 3).
fn repeating_unit(chars: &[char]) -> Option<usize> {
    let n = chars.len();
    (1..=n / 2)
        .find(|&unit| n.is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]))
}

/// `abcabcabc`, `aaaaaaaa`, `abababab`: one short unit repeated, or two characters at most.
fn is_repetition(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    repeating_unit(&chars).is_some() || chars.iter().collect::<HashSet<_>>().len() <= 2
}

/// `passwordpassword`: a common password said again.
fn is_repeat_of_common(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    repeating_unit(&chars).is_some_and(|unit| {
        let u: String = chars[..unit].iter().collect();
        COMMON.contains(u.as_str())
    })
}

/// `123456789012345`, `abcdefghijklmnop`, `987654...`: each character one step from the last.
fn is_sequence(s: &str) -> bool {
    let v: Vec<u32> = s.chars().map(u32::from).collect();
    if v.len() < 2 {
        return false;
    }
    let step = |a: u32, b: u32| -> i64 { i64::from(b) - i64::from(a) };
    let digit = |c: u32| (u32::from('0')..=u32::from('9')).contains(&c);
    // A digit run may wrap: 7890123 counts as ascending, 3210987 as descending.
    let up = v.windows(2).all(|w| {
        let d = step(w[0], w[1]);
        d == 1 || (d == -9 && digit(w[0]) && digit(w[1]))
    });
    let down = v.windows(2).all(|w| {
        let d = step(w[0], w[1]);
        d == -1 || (d == 9 && digit(w[0]) && digit(w[1]))
    });
    up || down
}

fn hasher() -> Result<Argon2<'static>, String> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, None)
        .map_err(|e| format!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes with a fresh random salt; the result is a self-describing PHC string.
pub fn hash_password(password: &str) -> Result<String, String> {
    hasher()?
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash password: {e}"))
}

/// True when `password` matches `phc`. A malformed stored hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match hasher() {
        Ok(h) => h.verify_password(password.as_bytes(), phc).is_ok(),
        Err(_) => false,
    }
}

/// A hash of nothing anyone knows, verified against for unknown user names so that a wrong name
/// costs the same time as a wrong password.
pub static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no-such-user-dummy-password-for-timing").unwrap_or_default());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("coder-demo-password", "coder", false), // contains the user name
            ("registrar-demo-password", "someone", true),
            ("short", "u", false),
            ("fourteen chars", "u", false),
            ("correct horse battery", "u", true),
            ("ÄÖÜ äöü ßßß ñandú", "u", true), // any Unicode is allowed
            ("123456789987654321", "u", false), // on the common list
            ("passwordpassword", "u", false), // a common word repeated
            ("password12345678", "u", false), // common word with digits
            ("aaaaaaaaaaaaaaaa", "u", false), // repetition
            ("abababababababab", "u", false), // repetition
            ("abcdefghijklmnop", "u", false), // sequence
            ("123456789012345", "u", false),  // digit sequence with wrap
            ("zyxwvutsrqponmlk", "u", false), // descending sequence
            ("my chartroom!!", "u", false),   // short anyway
            ("chartroomchartroom", "u", false), // product name
            ("the chartroom at night by the sea", "u", true),
            ("tab\tinside the password", "u", false),
        ];
        for (pw, user, ok) in cases {
            assert_eq!(
                check_new_password(pw, user).is_ok(),
                *ok,
                "{pw:?} for {user}: {:?}",
                check_new_password(pw, user)
            );
        }
        assert!(
            check_new_password(&"x1y2".repeat(16), "u").is_err(),
            "repeat"
        );
        let long_ok: String = "walrus tangerine ".repeat(4);
        assert_eq!(long_ok.chars().count(), 68);
        assert!(
            check_new_password(&long_ok, "u").is_err(),
            "68 chars but a repetition"
        );
        let long_ok = "the walrus ate a tangerine near the harbour of a quiet town";
        assert!(check_new_password(long_ok, "u").is_ok(), "64+ accepted");
        assert!(check_new_password(&"q".repeat(129), "u").is_err());
    }

    #[test]
    fn demo_passwords_pass_the_rules_for_their_users() {
        for r in crate::domain::Role::ALL {
            let pw = format!("{}-demo-password", r.as_str());
            // The demo password contains the user name by design; the demo seeds it directly
            // and the rules only reject it when a user chooses it.
            assert!(pw.chars().count() >= MIN_LEN, "{pw}");
        }
    }

    #[test]
    fn hash_and_verify() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapler", &h));
        assert!(!verify_password("x", "not a phc string"));
        let h2 = hash_password("correct horse battery staple").unwrap();
        assert_ne!(h, h2, "per-user salt");
    }
}
