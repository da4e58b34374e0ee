//! The workstation on ratatui's TestBackend: keys in, 80×24 screens out.

use chartroom::service::Records;
use chartroom::ui::app::{App, Msg};
use chartroom::ui::keymap::Keymap;
use chartroom::ui::term::apply;
use chartroom::ui::theme::Theme;
use chartroom::ui::view;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Instant;

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub struct Ui {
    pub f: super::Fixture,
    pub app: App,
}

impl Ui {
    pub fn new(demo: bool) -> Ui {
        let f = super::fixture();
        if demo {
            f.records
                .update_settings("test", |s| {
                    s.demo = true;
                    s.organisation = "Demo Community Hospital".into();
                })
                .unwrap();
        }
        let info = f.records.server_info().unwrap();
        let theme = Theme::load("default", false, false).unwrap();
        let app = App::new(info, Keymap::default(), theme, Instant::now());
        Ui { f, app }
    }

    pub fn send(&mut self, msg: Msg) {
        apply(&mut self.app, &self.f.records, msg);
    }

    pub fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.send(key(KeyCode::Char(c)));
        }
    }

    pub fn log_in(&mut self, user: &str) {
        self.type_text(user);
        self.send(key(KeyCode::Tab));
        self.type_text(&super::password_of(user));
        self.send(key(KeyCode::Enter));
        assert!(
            self.app.session.is_some(),
            "{user} logged in: {:?}",
            self.app.status
        );
    }

    pub fn screen(&self, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view::draw(f, &self.app)).unwrap();
        format!("{}", t.backend())
    }

    pub fn screen80(&self) -> String {
        self.screen(80, 24)
    }
}
