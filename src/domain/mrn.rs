//! Medical record numbers: a 7-digit sequence plus a Luhn check digit, so a mistyped digit or a
//! swapped pair is caught before it reaches the wrong chart.

/// Luhn check digit for a string of ASCII digits.
pub fn luhn_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in digits.chars().rev().enumerate() {
        let mut d = c.to_digit(10)?;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// The MRN for the n-th patient registered here: `0000042` + check digit.
pub fn mrn_for_sequence(n: u64) -> String {
    let body = format!("{:07}", n % 10_000_000);
    let check = luhn_digit(&body).unwrap_or(0);
    format!("{body}{check}")
}

/// True when `mrn` is 8 digits whose last is the Luhn digit of the first seven.
pub fn is_valid_mrn(mrn: &str) -> bool {
    mrn.len() == 8
        && mrn.bytes().all(|b| b.is_ascii_digit())
        && luhn_digit(&mrn[..7]).map(|d| char::from(b'0' + d)) == mrn.chars().nth(7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(luhn_digit("7992739871"), Some(3)); // the textbook example
        assert_eq!(mrn_for_sequence(1), "00000018");
        assert!(is_valid_mrn("00000018"));
        assert!(!is_valid_mrn("00000017"));
        assert!(!is_valid_mrn("0000001"));
        assert!(!is_valid_mrn("0000001x"));
    }

    proptest! {
        #[test]
        fn every_generated_mrn_validates_and_single_digit_errors_are_caught(n in 0u64..10_000_000, pos in 0usize..8, delta in 1u8..10) {
            let mrn = mrn_for_sequence(n);
            prop_assert!(is_valid_mrn(&mrn));
            let mut bytes = mrn.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(!is_valid_mrn(&typo));
        }
    }
}
