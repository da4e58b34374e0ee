//! Under `chartroom attach`, a daemon restart loses the session but not the screen: the
//! password is asked over the screen as it was, and what was typed is still there after.

mod common;

use chartroom::domain::audit::AuditAction;
use chartroom::service::ServiceError;
use chartroom::ui::app::{Msg, Overlay, View};
use common::ui::{Ui, key};
use crossterm::event::KeyCode;

#[test]
fn after_a_server_restart_the_password_again_keeps_the_screen() {
    let mut ui = Ui::new(true);
    // The index ready first, so the screen underneath is the same every run.
    ui.f.records
        .wait_for_search_index(std::time::Duration::from_secs(60))
        .unwrap();
    ui.log_in("registrar");
    ui.send(key(KeyCode::F(2)));
    ui.type_text("quintero 1971");
    let before = ui.app.session.clone().unwrap().token;
    // What RemoteRecords reports when the restarted daemon does not know the session.
    ui.send(Msg::ServiceFailed(ServiceError::ServerRestarted));
    assert_eq!(ui.app.overlay, Some(Overlay::Reauth));
    ui.type_text("wrong-password");
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("user name or password is not right"), "{s}");
    assert_eq!(ui.app.overlay, Some(Overlay::Reauth), "asked again");
    ui.type_text("registrar-demo");
    let s = ui.screen80();
    assert!(s.contains("Password for registrar: **************"), "{s}");
    insta::assert_snapshot!("reauth_overlay", s);
    ui.type_text("-password");
    ui.send(key(KeyCode::Enter));
    assert_eq!(ui.app.overlay, None);
    let after = ui.app.session.clone().unwrap().token;
    assert_ne!(before, after, "a new session");
    let s = ui.screen80();
    assert!(s.contains("Find: quintero 1971"), "{s}");
    assert!(
        s.contains("Logged in again after the server restart"),
        "{s}"
    );
    assert!(matches!(ui.app.view, View::Search(_)));
    let logins =
        ui.f.records
            .system_audit_entries(1, 10_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.event.action == AuditAction::Login)
            .count();
    assert_eq!(logins, 2, "the second login is audited like the first");
}

#[test]
fn esc_on_the_password_logs_out() {
    let mut ui = Ui::new(true);
    ui.log_in("roi");
    ui.send(Msg::ServiceFailed(ServiceError::ServerRestarted));
    ui.send(key(KeyCode::Esc));
    assert!(ui.app.session.is_none());
    assert_eq!(ui.app.overlay, None);
    assert!(ui.screen80().contains("Sign in to chartroom"));
}

#[test]
fn an_unreachable_server_is_tried_again_on_a_growing_wait_until_it_answers() {
    use std::time::{Duration, Instant};
    let mut ui = Ui::new(true);
    ui.log_in("coder");
    let lost = || {
        Msg::ServiceFailed(ServiceError::Unavailable(
            chartroom::remote::client::RECONNECTING.into(),
        ))
    };
    ui.send(lost());
    let (_, first) = ui.app.reconnect_at.unwrap();
    ui.send(lost());
    let (at, second) = ui.app.reconnect_at.unwrap();
    assert_eq!(second, first * 2, "each failure waits longer");
    assert!(
        ui.app.next_deadline().unwrap() <= at,
        "the loop wakes for it"
    );
    assert!(ui.screen80().contains("reconnecting…"));
    // The retry is due: a probe goes out and, answered, the status says so.
    ui.app.reconnect_at = Some((Instant::now() - Duration::from_millis(1), second));
    ui.send(Msg::Tick);
    assert_eq!(ui.app.reconnect_at, None);
    assert!(
        ui.screen80()
            .contains("Connected to the chartroom server again."),
        "{}",
        ui.screen80()
    );
    assert!(ui.app.session.is_some(), "the session went on");
}
