//! Turning names as written into the forms search compares: accents folded both ways
//! (`Alemán` and `aleman` meet at `aleman`), case and punctuation dropped, and the usual
//! English given-name variants grouped (Jon, John, Jonathan).

use deunicode::deunicode;

/// `Nguyễn` -> `nguyen`, `O'Brien` -> `obrien`, `Müller` -> `muller`. Letters and digits only.
pub fn fold(s: &str) -> String {
    deunicode(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Name parts of a written name: split on spaces and hyphens, each folded, empties dropped.
/// `Van der Berg` -> [van, der, berg]; `Smith-Jones` -> [smith, jones].
pub fn name_tokens(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == '-' || c == ',')
        .map(fold)
        .filter(|t| !t.is_empty())
        .collect()
}

/// Groups of given names clerks treat as the same person's name. Every name in a group finds
/// the others. Kept small and common on purpose: a long list makes every search noisy.
const NAME_GROUPS: &[&[&str]] = &[
    &["john", "jon", "jonathan", "johnny", "jack", "jonny"],
    &["robert", "rob", "bob", "bobby", "robbie", "bert"],
    &["william", "will", "bill", "billy", "willy", "liam"],
    &["richard", "rick", "dick", "rich", "ricky"],
    &["james", "jim", "jimmy", "jamie"],
    &["michael", "mike", "mikey", "mick"],
    &["thomas", "tom", "tommy"],
    &["joseph", "joe", "joey", "jose"],
    &["charles", "charlie", "chuck"],
    &["edward", "ed", "eddie", "ted", "ned"],
    &["anthony", "tony"],
    &["daniel", "dan", "danny"],
    &["david", "dave", "davey"],
    &["christopher", "chris", "kit"],
    &["matthew", "matt"],
    &["andrew", "andy", "drew"],
    &["steven", "stephen", "steve"],
    &["benjamin", "ben", "benny"],
    &["samuel", "sam", "sammy"],
    &["alexander", "alex", "xander", "sasha"],
    &["nicholas", "nick", "nicky"],
    &["patrick", "pat", "paddy"],
    &["peter", "pete"],
    &["timothy", "tim", "timmy"],
    &["gregory", "greg"],
    &["kenneth", "ken", "kenny"],
    &["ronald", "ron", "ronnie"],
    &["donald", "don", "donnie"],
    &["lawrence", "larry"],
    &["gerald", "jerry"],
    &[
        "elizabeth",
        "liz",
        "beth",
        "betty",
        "eliza",
        "lizzie",
        "betsy",
        "libby",
    ],
    &["margaret", "maggie", "meg", "peggy", "marge", "greta"],
    &[
        "katherine",
        "catherine",
        "kathryn",
        "kate",
        "katie",
        "kathy",
        "cathy",
        "kat",
    ],
    &["jennifer", "jen", "jenny"],
    &["patricia", "pat", "patty", "trish", "tricia"],
    &["susan", "sue", "susie"],
    &["deborah", "debra", "deb", "debbie"],
    &["rebecca", "becky", "becca"],
    &["victoria", "vicky", "tori"],
    &["christine", "christina", "chris", "tina"],
    &["jessica", "jess", "jessie"],
    &["alexandra", "alex", "sandra", "sandy", "sasha"],
    &["dorothy", "dot", "dottie"],
    &["barbara", "barb", "barbie"],
    &["abigail", "abby", "gail"],
    &["samantha", "sam", "sammy"],
    &["maria", "mary", "marie", "molly", "mae"],
    &["ann", "anne", "anna", "annie", "hannah"],
];

/// Other spellings of a given name, not including the name itself.
pub fn name_variants(token: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for group in NAME_GROUPS {
        if group.contains(&token) {
            out.extend(group.iter().copied().filter(|n| *n != token));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Damerau-Levenshtein distance (adjacent transpositions count as one edit), giving up early
/// once it exceeds `max`: the typo tolerance of the search.
pub fn edit_distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<u8> = a.bytes().collect();
    let b: Vec<u8> = b.bytes().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m];
    (d <= max).then_some(d)
}

/// How many typos a name part of this length may carry and still match.
pub fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_table() {
        for (input, want) in [
            ("Alemán", "aleman"),
            ("Nguyễn", "nguyen"),
            ("O'Brien", "obrien"),
            ("Müller", "muller"),
            ("Søren", "soren"),
            ("Włodarczyk", "wlodarczyk"),
            ("ZOË", "zoe"),
            ("Ó Súilleabháin", "osuilleabhain"),
        ] {
            assert_eq!(fold(input), want, "{input}");
        }
        assert_eq!(name_tokens("Van der Berg"), ["van", "der", "berg"]);
        assert_eq!(name_tokens("Smith-Jones, Ana"), ["smith", "jones", "ana"]);
    }

    #[test]
    fn variants() {
        assert!(name_variants("jon").contains(&"john"));
        assert!(name_variants("john").contains(&"jonathan"));
        assert!(name_variants("bob").contains(&"robert"));
        assert!(name_variants("liz").contains(&"elizabeth"));
        assert!(name_variants("zebediah").is_empty());
        assert!(!name_variants("john").contains(&"john"));
    }

    #[test]
    fn edit_distances() {
        for (a, b, max, want) in [
            ("smith", "smith", 1, Some(0)),
            ("smith", "smyth", 1, Some(1)),
            ("smith", "simth", 1, Some(1)), // transposition
            ("smith", "smit", 1, Some(1)),
            ("smith", "jones", 2, None),
            ("johnson", "jonson", 1, Some(1)),
            ("a", "abcd", 2, None),
        ] {
            assert_eq!(edit_distance_within(a, b, max), want, "{a} {b}");
        }
    }
}
