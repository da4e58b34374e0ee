//! The one sanitising function for every string that came from data (DESIGN §5).
//!
//! A name, note or imported field must not be able to move the cursor, change the terminal
//! title, reorder what is shown (bidi overrides) or hide text (zero-width characters). Whole
//! escape sequences (CSI, OSC, DCS, ...) become one replacement mark, so `ESC [ 2 J` does not
//! leave `[2J` behind; lone control characters become the mark too. Tabs become a space.
//!
//! The two joiners are the exception, because real text needs them: a zero-width non-joiner
//! is part of Persian spelling and both shape Indic conjuncts, so between two non-ASCII
//! letters they stay. In an emoji sequence (👩‍⚕️) the joiner is dropped without a mark: the
//! pictures show side by side, a width every terminal agrees on, where a joined glyph is two
//! columns on some terminals and four on others and would push the columns out of line.

use std::borrow::Cow;

/// Shown where something unsafe was removed.
pub const MARK: char = '\u{FFFD}';

fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}'            // Arabic letter mark
        | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
        | '\u{2028}' | '\u{2029}' // line and paragraph separators
        | '\u{202A}'..='\u{202E}' // LRE RLE PDF LRO RLO
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // LRI RLI FSI PDI
        | '\u{180E}'              // Mongolian vowel separator
        | '\u{FEFF}'              // zero-width no-break space / BOM
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation controls
    )
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_or_invisible(c)
}

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';

/// Pictographs, dingbats, variation selector 16 and emoji tags: what a ZWJ joins in emoji.
fn is_emoji_part(c: char) -> bool {
    matches!(c,
        '\u{2300}'..='\u{23FF}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2B00}'..='\u{2BFF}'
        | '\u{FE0F}'
        | '\u{1F000}'..='\u{1FAFF}'
        | '\u{E0020}'..='\u{E007F}'
    )
}

/// A letter or combining mark of a script that uses joiners (not ASCII, not emoji).
fn joins_script(c: Option<char>) -> bool {
    c.is_some_and(|c| {
        !c.is_ascii() && !c.is_whitespace() && !is_unsafe(c) && !is_emoji_part(c) && c != MARK
    })
}

/// Returns `s` unchanged (borrowed) when it is already safe, which is the usual case.
///
/// ```
/// use chartroom::sanitize::sanitize;
/// // A name that tries to clear the screen and retitle the window shows as plain text.
/// assert_eq!(sanitize("O'Brien\u{1b}[2J\u{1b}]0;pwned\u{7}"), "O'Brien\u{FFFD}\u{FFFD}");
/// assert_eq!(sanitize("Nguyễn"), "Nguyễn");
/// ```
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\u{1b}' => {
                skip_escape_sequence(&mut chars);
                out.push(MARK);
            }
            // C1 introducers that start a string or sequence on 8-bit terminals.
            '\u{9b}' => {
                skip_csi_body(&mut chars);
                out.push(MARK);
            }
            '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => {
                skip_string_body(&mut chars);
                out.push(MARK);
            }
            ZWJ | ZWNJ
                if joins_script(out.chars().last()) && joins_script(chars.peek().copied()) =>
            {
                out.push(c)
            }
            ZWJ if out.chars().last().is_some_and(is_emoji_part)
                || chars.peek().copied().is_some_and(is_emoji_part) => {}
            c if is_unsafe(c) => out.push(MARK),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: consume the rest of the sequence, whatever kind it is.
fn skip_escape_sequence(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi_body(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string_body(chars);
        }
        // nF sequences: intermediates 0x20..0x2F then one final byte.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&c) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    break;
                }
            }
        }
        // Two-character sequences such as ESC c (reset) or ESC 7.
        Some(c) if ('\u{30}'..='\u{7e}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI parameters and intermediates, up to and including the final byte (0x40..0x7E).
fn skip_csi_body(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        if ('\u{20}'..='\u{3f}').contains(&c) {
            chars.next();
        } else {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                chars.next();
            }
            return;
        }
    }
}

/// OSC/DCS/SOS/PM/APC bodies run to BEL, ST (ESC \) or the C1 ST; printable text inside them
/// (a window title, say) must not leak out as if it were data.
fn skip_string_body(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let m = MARK;
        let cases: Vec<(&str, String)> = vec![
            ("Nguyễn Alemán O'Brien", "Nguyễn Alemán O'Brien".into()),
            ("\u{1b}[2Jclear", format!("{m}clear")),
            ("a\u{1b}[31;1mred\u{1b}[0m", format!("a{m}red{m}")),
            ("\u{1b}]0;pwned title\u{7}name", format!("{m}name")),
            ("\u{1b}]2;t\u{1b}\\name", format!("{m}name")),
            ("\u{1b}Pdcs stuff\u{1b}\\x", format!("{m}x")),
            ("\u{9b}31mX", format!("{m}X")),
            ("\u{9d}0;title\u{9c}Y", format!("{m}Y")),
            ("\u{1b}cReset", format!("{m}Reset")),
            ("\u{1b}(0lqk", format!("{m}lqk")),
            ("bell\u{7}", format!("bell{m}")),
            ("line\nbreak\r", format!("line{m}break{m}")),
            ("tab\there", "tab here".into()),
            ("evil\u{202E}txt.exe", format!("evil{m}txt.exe")),
            ("zero\u{200B}width\u{FEFF}", format!("zero{m}width{m}")),
            ("isolate\u{2066}x\u{2069}", format!("isolate{m}x{m}")),
            ("del\u{7f}", format!("del{m}")),
            ("trailing esc\u{1b}", format!("trailing esc{m}")),
            ("\u{1b}[", m.to_string()),
            // Persian spelling keeps its non-joiner; a Devanagari conjunct keeps its joiner.
            (
                "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
                "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}".into(),
            ),
            (
                "\u{915}\u{94D}\u{200D}\u{937}",
                "\u{915}\u{94D}\u{200D}\u{937}".into(),
            ),
            // Emoji sequences lose the joiner, not the pictures.
            (
                "nurse \u{1F469}\u{200D}\u{2695}\u{FE0F}!",
                "nurse \u{1F469}\u{2695}\u{FE0F}!".into(),
            ),
            (
                "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
                "\u{1F468}\u{1F469}\u{1F467}".into(),
            ),
            // Joiners hidden inside ASCII (a look-alike name) or at an edge stay marked.
            ("SMI\u{200D}TH", format!("SMI{m}TH")),
            ("a\u{200C}b", format!("a{m}b")),
            ("\u{645}\u{200C}", format!("\u{645}{m}")),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want, "{input:?}");
        }
    }

    #[test]
    fn safe_strings_are_borrowed() {
        assert!(matches!(sanitize("SMITH, John"), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn output_never_holds_a_control_or_bidi_character(s in any::<String>()) {
            let out = sanitize(&s);
            let chars: Vec<char> = out.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                let joiner_in_a_word = matches!(c, ZWJ | ZWNJ)
                    && i > 0
                    && joins_script(Some(chars[i - 1]))
                    && joins_script(chars.get(i + 1).copied());
                prop_assert!(!is_unsafe(c) || joiner_in_a_word, "{:?} -> {:?}", s, out);
            }
        }

        #[test]
        fn joiners_are_kept_only_between_script_letters(
            a in "[\\p{Arabic}\\p{Devanagari}a-z]{1,3}",
            b in "[\\p{Arabic}\\p{Devanagari}a-z]{1,3}",
        ) {
            for j in [ZWJ, ZWNJ] {
                let s = format!("{a}{j}{b}");
                let out = sanitize(&s);
                let kept = out.contains(j);
                let between_letters = joins_script(a.chars().last()) && joins_script(b.chars().next());
                prop_assert_eq!(kept, between_letters, "{:?} -> {:?}", s, out);
            }
        }

        #[test]
        fn safe_text_is_untouched(s in "[\\p{L}\\p{N} ,.'-]{0,40}") {
            prop_assert_eq!(sanitize(&s), s.clone());
        }

        #[test]
        fn escape_payloads_never_survive(payload in "[ -~]{0,20}") {
            let s = format!("A\u{1b}]0;{payload}\u{7}B");
            let out = sanitize(&s);
            prop_assert_eq!(out.as_ref(), format!("A{MARK}B"));
        }
    }
}
