//! Colours and line style. Themes are TOML files in `themes/` (built in as well, so the binary
//! works from any folder); `NO_COLOR` strips every colour and keeps bold/reverse; ASCII mode
//! draws borders with `+-|` for terminals without line-drawing characters.

use super::keymap::located;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::text::Span;
use ratatui::widgets::Block;
use serde::Deserialize;
use std::path::Path;
use std::str::FromStr;

pub const BUILTIN: [(&str, &str); 3] = [
    ("default", include_str!("../../themes/default.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<toml::Spanned<String>>,
    bg: Option<toml::Spanned<String>>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    dim: bool,
}

/// Every style may be left out (it is then plain text), so a small theme file is enough.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct ThemeFile {
    name: String,
    header: StyleSpec,
    demo: StyleSpec,
    title: StyleSpec,
    text: StyleSpec,
    muted: StyleSpec,
    border: StyleSpec,
    focus: StyleSpec,
    selected: StyleSpec,
    status_info: StyleSpec,
    status_warning: StyleSpec,
    status_error: StyleSpec,
    footer_key: StyleSpec,
    footer_label: StyleSpec,
    footer_disabled: StyleSpec,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub header: Style,
    pub demo: Style,
    pub title: Style,
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub focus: Style,
    pub selected: Style,
    pub status_info: Style,
    pub status_warning: Style,
    pub status_error: Style,
    pub footer_key: Style,
    pub footer_label: Style,
    pub footer_disabled: Style,
    /// Borders without line-drawing characters.
    pub ascii: bool,
}

/// Plain ASCII borders for terminals that cannot draw lines.
pub const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }

    /// A bordered panel with a title, in this theme's line style.
    pub fn panel(&self, title: impl std::fmt::Display) -> Block<'static> {
        Block::bordered()
            .border_set(self.border_set())
            .border_style(self.border)
            .title(Span::styled(format!(" {title} "), self.title))
    }

    /// A panel that asks for attention (confirmations, forms over a list).
    pub fn alert_panel(&self, title: impl std::fmt::Display) -> Block<'static> {
        self.panel(title).border_style(self.status_warning)
    }

    /// Mask character for passwords.
    pub fn mask(&self) -> char {
        if self.ascii { '*' } else { '•' }
    }

    /// Loads a built-in theme by name or a TOML file by path.
    pub fn load(name_or_path: &str, no_color: bool, ascii: bool) -> Result<Theme, String> {
        let (path, text) = match BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            Some((n, t)) => (format!("themes/{n}.toml"), (*t).to_string()),
            None => {
                let text = std::fs::read_to_string(name_or_path).map_err(|e| {
                    let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                    format!(
                        "{name_or_path}: cannot read theme file: {e} (built-in themes: {})",
                        names.join(", ")
                    )
                })?;
                (name_or_path.to_string(), text)
            }
        };
        Self::from_toml(Path::new(&path), &text, no_color, ascii)
    }

    pub fn from_toml(
        path: &Path,
        text: &str,
        no_color: bool,
        ascii: bool,
    ) -> Result<Theme, String> {
        let f: ThemeFile =
            toml::from_str(text).map_err(|e| located(path, text, e.span(), e.message()))?;
        let st = |s: &StyleSpec| -> Result<Style, String> {
            let mut style = Style::default();
            if !no_color {
                for (spec, is_fg) in [(&s.fg, true), (&s.bg, false)] {
                    if let Some(c) = spec {
                        let color = Color::from_str(c.get_ref()).map_err(|_| {
                            located(path, text, Some(c.span()), &format!(
                                "'{}' is not a colour (use a name such as blue, an index 0-255, or #rrggbb)",
                                c.get_ref()
                            ))
                        })?;
                        style = if is_fg {
                            style.fg(color)
                        } else {
                            style.bg(color)
                        };
                    }
                }
            }
            for (on, m) in [
                (s.bold, Modifier::BOLD),
                (s.reversed, Modifier::REVERSED),
                (s.underlined, Modifier::UNDERLINED),
                (s.dim, Modifier::DIM),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            Ok(style)
        };
        Ok(Theme {
            name: f.name.clone(),
            header: st(&f.header)?,
            demo: st(&f.demo)?,
            title: st(&f.title)?,
            text: st(&f.text)?,
            muted: st(&f.muted)?,
            border: st(&f.border)?,
            focus: st(&f.focus)?,
            selected: st(&f.selected)?,
            status_info: st(&f.status_info)?,
            status_warning: st(&f.status_warning)?,
            status_error: st(&f.status_error)?,
            footer_key: st(&f.footer_key)?,
            footer_label: st(&f.footer_label)?,
            footer_disabled: st(&f.footer_disabled)?,
            ascii,
        })
    }
}

impl Default for Theme {
    fn default() -> Self {
        match Theme::from_toml(
            Path::new("themes/monochrome.toml"),
            BUILTIN[2].1,
            true,
            false,
        ) {
            Ok(t) => t,
            // The built-in file is checked by a test; this only guards against a bad edit.
            Err(_) => Theme {
                name: "fallback".into(),
                header: Style::default().add_modifier(Modifier::REVERSED),
                demo: Style::default().add_modifier(Modifier::BOLD),
                title: Style::default().add_modifier(Modifier::BOLD),
                text: Style::default(),
                muted: Style::default(),
                border: Style::default(),
                focus: Style::default().add_modifier(Modifier::REVERSED),
                selected: Style::default().add_modifier(Modifier::REVERSED),
                status_info: Style::default(),
                status_warning: Style::default().add_modifier(Modifier::BOLD),
                status_error: Style::default().add_modifier(Modifier::BOLD),
                footer_key: Style::default().add_modifier(Modifier::REVERSED),
                footer_label: Style::default(),
                footer_disabled: Style::default(),
                ascii: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_load_with_and_without_colour() {
        for (name, _) in BUILTIN {
            let t = Theme::load(name, false, false).unwrap();
            assert_eq!(t.name, name);
            let plain = Theme::load(name, true, false).unwrap();
            for s in [
                plain.header,
                plain.status_error,
                plain.footer_key,
                plain.demo,
            ] {
                assert_eq!(
                    (s.fg, s.bg),
                    (None, None),
                    "NO_COLOR strips colours in {name}"
                );
            }
        }
        let mono = Theme::load("monochrome", false, false).unwrap();
        assert_eq!((mono.header.fg, mono.header.bg), (None, None));
    }

    #[test]
    fn bad_theme_files_name_line_and_problem() {
        let good = BUILTIN[0].1;
        let p = Path::new("mine.toml");
        let bad_colour = good.replacen("fg = \"white\"", "fg = \"chartreuse-ish\"", 1);
        let line = bad_colour
            .lines()
            .position(|l| l.contains("chartreuse"))
            .unwrap()
            + 1;
        let err = Theme::from_toml(p, &bad_colour, false, false).unwrap_err();
        assert!(
            err.starts_with(&format!("mine.toml: line {line},")) && err.contains("not a colour"),
            "{err}"
        );
        let err = Theme::from_toml(p, "name = \"x\"\n[header]\nfg = \n", false, false).unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        let err = Theme::from_toml(p, &format!("{good}\n[extra]\nfg = \"red\"\n"), false, false)
            .unwrap_err();
        assert!(err.contains("extra"), "{err}");
        assert!(
            Theme::load("/no/such/theme.toml", false, false)
                .unwrap_err()
                .contains("built-in themes")
        );
    }
}
