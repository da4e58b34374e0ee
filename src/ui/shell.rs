//! The frame around every screen: header, status line, footer built from the live keymap.

use super::app::{App, StatusKind, View};
use super::keymap::{Action, SCREEN_ACTIONS};
use crate::domain::role::roles_label;
use crate::policy::Permission;
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" chartroom ", t.header)];
    if app.info.demo {
        spans.push(Span::styled(" DEMO ", t.demo));
    }
    match &app.session {
        Some(s) => {
            spans.push(Span::styled(
                format!(" {} ({})", sanitize(&s.username), roles_label(&s.roles)),
                t.header,
            ));
            let patient = app
                .patient_in_context
                .as_deref()
                .map_or_else(|| "none".to_string(), |p| sanitize(p).into_owned());
            spans.push(Span::styled(format!("  Patient: {patient}"), t.header));
        }
        None => spans.push(Span::styled(" not logged in", t.header)),
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    let org = sanitize(&app.info.organisation).into_owned();
    let room = usize::from(area.width).saturating_sub(used);
    let right = if org.is_empty() || org.width() + 2 > room {
        String::new()
    } else {
        format!("{org} ")
    };
    spans.push(Span::styled(
        format!("{}{right}", " ".repeat(room.saturating_sub(right.width()))),
        t.header,
    ));
    frame.render_widget(Line::from(spans), area);
}

pub fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(status) = &app.status else {
        return;
    };
    let style = match status.kind {
        StatusKind::Info => t.status_info,
        StatusKind::Warning => t.status_warning,
        StatusKind::Error => t.status_error,
    };
    let text = format!(" {}", sanitize(&status.text));
    let pad = usize::from(area.width).saturating_sub(text.width());
    frame.render_widget(
        Paragraph::new(Line::styled(format!("{text}{}", " ".repeat(pad)), style)),
        area,
    );
}

/// Which actions the footer offers in the current state, in display order, each with a
/// priority (0 = always shown; larger numbers give way first when the line is too narrow).
pub fn footer_actions(app: &App) -> Vec<(Action, u8)> {
    let Some(session) = &app.session else {
        return vec![
            (Action::Submit, 0),
            (Action::NextField, 1),
            (Action::Help, 0),
            (Action::Quit, 0),
        ];
    };
    let mut v = vec![(Action::Help, 0)];
    // Only the screens this user may open: a key that can only say "not permitted" is noise.
    // On the home screen the screen keys are the point; inside a screen its own keys come
    // first and the other screens' keys give way (F1 lists them all).
    let screen_priority = if matches!(app.view, View::Home) { 1 } else { 3 };
    for (action, screen) in SCREEN_ACTIONS {
        if session.screens.contains(&screen) {
            v.push((action, screen_priority));
        }
    }
    match &app.view {
        View::ChangePassword(_) => v.push((Action::Submit, 0)),
        View::Search(_) => {
            v.extend([(Action::Submit, 0), (Action::RecentPatients, 1)]);
            if session.permissions.contains(&Permission::RegisterPatient) {
                v.push((Action::NewPatient, 1));
            }
        }
        View::Register(_) => v.extend([(Action::Save, 0), (Action::NextField, 1)]),
        View::CodeLookup(_) => v.push((Action::NextField, 0)),
        View::CodingQueue(q) => v.extend(q.footer_actions()),
        View::CodingWorkspace(w) => v.extend(w.0.footer_actions()),
        View::WorkQueue(w) => v.extend(w.footer_actions()),
        View::Roi(r) => v.extend(r.footer_actions()),
        View::Duplicates(d) => v.extend(d.footer_actions()),
        View::Chart(c) if c.amendment_form().is_some() || c.disclosure_form_open() => {
            v.extend([(Action::Save, 0), (Action::NextField, 1)]);
        }
        View::Chart(c) if c.typing() => v.push((Action::Submit, 0)),
        View::Chart(c) if c.flag_form.is_some() || c.hold_form.is_some() => {
            v.extend([(Action::Submit, 0), (Action::NextField, 1)]);
        }
        View::Chart(c) if c.viewer.is_some() => {
            v.extend([
                (Action::Find, 0),
                (Action::NextMatch, 1),
                (Action::PageDown, 2),
            ]);
        }
        View::Chart(c) if c.history.is_none() => {
            if session.permissions.contains(&Permission::EditDemographics)
                && c.chart.patient.merged_into.is_none()
            {
                v.push((Action::EditDemographics, 0));
            }
            v.push((Action::DemographicHistory, 1));
            if session.permissions.contains(&Permission::SetSensitivity) && c.flag_form.is_none() {
                v.push((Action::FlagSensitive, 2));
            }
            if session.permissions.contains(&Permission::ManageLegalHolds) {
                v.push((Action::LegalHold, 3));
            }
            if c.tab == crate::policy::ChartTab::Documents && !c.chart.documents.is_empty() {
                v.push((Action::Submit, 0));
            }
            if c.tab == crate::policy::ChartTab::Disclosures
                && let Some(t) = &c.disclosures
            {
                v.extend(t.footer_actions());
            }
            if c.tab == crate::policy::ChartTab::Amendments
                && session.permissions.contains(&Permission::ManageAmendments)
                && let Some(t) = &c.amendments
            {
                v.extend(t.footer_actions());
            }
        }
        View::BreakGlassReview(r) if r.typing() => v.push((Action::Submit, 0)),
        View::BreakGlassReview(_) => v.extend([
            (Action::MarkAppropriate, 0),
            (Action::MarkViolation, 0),
            (Action::ShowReviewed, 1),
        ]),
        View::BreakGlass(_) => v.extend([(Action::Submit, 0), (Action::NextField, 1)]),
        View::Users(u) if u.reset.is_some() => v.push((Action::Submit, 0)),
        View::Users(_) => {
            v.push((Action::ToggleLock, 0));
            if session.permissions.contains(&Permission::ManageUsers) {
                v.extend([(Action::ToggleActive, 1), (Action::ResetPassword, 1)]);
            }
        }
        _ => {}
    }
    if !matches!(app.view, View::Home) {
        v.push((Action::Back, 0));
    }
    v.extend([
        (Action::Quit, 0),
        (Action::Logout, 2),
        (Action::ChangePassword, 3),
    ]);
    v
}

pub fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut items: Vec<(String, &str, u8)> = footer_actions(app)
        .into_iter()
        .filter_map(|(a, prio)| {
            app.keymap
                .key_for(a)
                .map(|k| (k.label(t.ascii), a.label(), prio))
        })
        .collect();
    let width = |items: &[(String, &str, u8)]| -> usize {
        items
            .iter()
            .map(|(k, l, _)| k.width() + l.width() + 1)
            .sum::<usize>()
            + 2 * items.len().saturating_sub(1)
    };
    while width(&items) > usize::from(area.width) {
        let Some(drop) = items
            .iter()
            .enumerate()
            .max_by_key(|(i, (_, _, p))| (*p, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        items.remove(drop);
    }
    let mut spans = Vec::new();
    for (i, (key, label, _)) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, t.footer_key));
        spans.push(Span::styled(format!(" {label}"), t.footer_label));
    }
    frame.render_widget(Line::from(spans), area);
}
