//! Stored values: one format byte, then MessagePack with field names (rmp-serde `to_vec_named`),
//! so fields can be added without a migration. Never bincode: its positional layout breaks on
//! any change.

use super::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The first byte of every stored value.
pub const FORMAT_V1: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![FORMAT_V1];
    rmp_serde::encode::write_named(&mut out, value)
        .map_err(|e| StoreError::Internal(format!("cannot encode value: {e}")))?;
    Ok(out)
}

/// Decodes a stored value; any failure names the table and key, never panics.
pub fn decode<T: DeserializeOwned>(table: &str, key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        table: table.to_string(),
        key: key.to_string(),
        detail,
    };
    match bytes.split_first() {
        Some((&FORMAT_V1, body)) => {
            rmp_serde::from_slice(body).map_err(|e| corrupt(format!("undecodable value: {e}")))
        }
        Some((v, _)) => Err(corrupt(format!("unknown value format {v}"))),
        None => Err(corrupt("empty value".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct V1 {
        name: String,
        n: u64,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct V2 {
        name: String,
        n: u64,
        #[serde(default)]
        added: Option<String>,
    }

    #[test]
    fn records_tolerate_added_and_removed_fields() {
        let old = encode(&V1 {
            name: "a".into(),
            n: 7,
        })
        .unwrap();
        let new: V2 = decode("t", "k", &old).unwrap();
        assert_eq!(
            new,
            V2 {
                name: "a".into(),
                n: 7,
                added: None
            }
        );
        let newer = encode(&V2 {
            name: "b".into(),
            n: 8,
            added: Some("x".into()),
        })
        .unwrap();
        let back: V1 = decode("t", "k", &newer).unwrap();
        assert_eq!(
            back,
            V1 {
                name: "b".into(),
                n: 8
            }
        );
    }

    #[test]
    fn bad_bytes_name_table_and_key() {
        for bytes in [&b""[..], &[9u8, 1, 2][..], &[FORMAT_V1, 0xc1][..]] {
            match decode::<V1>("patients", "00000018", bytes) {
                Err(StoreError::Corrupt { table, key, .. }) => {
                    assert_eq!((table.as_str(), key.as_str()), ("patients", "00000018"));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn round_trip(name in any::<String>(), n in any::<u64>()) {
            let v = V1 { name, n };
            let bytes = encode(&v).unwrap();
            prop_assert_eq!(decode::<V1>("t", "k", &bytes).unwrap(), v);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode::<V2>("t", "k", &bytes);
        }
    }
}
