//! The one draw function: a pure function of the app state.

use super::app::{App, Overlay, View};
use super::screens::{home, placeholder};
use super::{help, shell};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small (needs {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}); enlarge the window — nothing typed is lost",
            area.width, area.height
        );
        let msg = if app.theme.ascii {
            msg.replace('×', "x").replace('—', "-")
        } else {
            msg
        };
        let y = area.height / 2;
        let row = Rect {
            y,
            height: area.height - y,
            ..area
        };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, app.theme.status_warning)).wrap(Wrap { trim: true }),
            row,
        );
        return;
    }
    let [header, main, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    shell::draw_header(frame, header, app);
    match &app.session {
        None => app.login.draw(
            frame,
            main,
            &app.theme,
            app.info.demo,
            &app.info.organisation,
        ),
        Some(s) => match &app.view {
            View::Home => home::draw(frame, main, &app.theme, &app.keymap, s, &app.info),
            View::Screen(screen) => placeholder::draw(frame, main, &app.theme, *screen),
            View::ChangePassword(f) => f.draw(frame, main, &app.theme),
            View::Users(u) => u.draw(frame, main, &app.theme),
            View::Search(v) => v.draw(frame, main, &app.theme, app.today),
            View::CodeLookup(v) => v.draw(frame, main, &app.theme),
            View::CodingQueue(q) => q.draw(frame, main, &app.theme),
            View::CodingWorkspace(w) => w.0.draw(frame, main, &app.theme),
            View::WorkQueue(w) => w.draw(frame, main, &app.theme),
            View::Roi(r) => r.draw(frame, main, &app.theme),
            View::Chart(c) => c.draw(frame, main, &app.theme, app.today),
            View::Register(f) => f.draw(frame, main, &app.theme, app.today),
            View::Duplicates(d) => d.draw(frame, main, &app.theme),
            View::BreakGlassReview(r) => r.draw(
                frame,
                main,
                &app.theme,
                app.today
                    .and_hms_opt(12, 0, 0)
                    .map_or_else(chrono::Utc::now, |t| t.and_utc()),
            ),
            View::BreakGlass(f) => f.draw(frame, main, &app.theme, app.info.break_glass_minutes),
        },
    }
    shell::draw_status(frame, status, app);
    shell::draw_footer(frame, footer, app);
    match app.overlay {
        Some(Overlay::Help { scroll }) => help::draw(frame, main, app, scroll),
        Some(Overlay::ConfirmQuit) => help::draw_confirm_quit(frame, main, app),
        Some(Overlay::Reauth) => help::draw_reauth(frame, main, app),
        None => {}
    }
}
