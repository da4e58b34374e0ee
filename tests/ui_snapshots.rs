//! Every screen of the foundation at 80×24 on ratatui's TestBackend, as each role sees it.

mod common;

use chartroom::domain::Role;
use chartroom::service::{Records, Screen};
use chartroom::ui::app::{Msg, View};
use chartroom::ui::effects::perform;
use chartroom::ui::keymap::Keymap;
use chartroom::ui::theme::Theme;
use common::ui::{Ui, ctrl, key};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

#[test]
fn login_screen_demo() {
    let ui = Ui::new(true);
    insta::assert_snapshot!(ui.screen80());
}

#[test]
fn login_screen_plain_with_typed_name_and_masked_password() {
    let mut ui = Ui::new(false);
    ui.type_text("coder");
    ui.send(key(KeyCode::Tab));
    ui.type_text("secret");
    let s = ui.screen80();
    assert!(!s.contains("secret"), "password echoed");
    insta::assert_snapshot!(s);
}

#[test]
fn login_failure_shows_one_message_and_clears_the_password() {
    let mut ui = Ui::new(true);
    ui.type_text("coder");
    ui.send(key(KeyCode::Tab));
    ui.type_text("wrong password entirely");
    ui.send(key(KeyCode::Enter));
    assert!(ui.app.session.is_none());
    assert!(ui.app.login.password.is_empty());
    insta::assert_snapshot!(ui.screen80());
}

#[test]
fn shell_home_for_each_role() {
    for role in Role::ALL {
        let mut ui = Ui::new(true);
        ui.log_in(role.as_str());
        insta::assert_snapshot!(format!("home_{}", role.as_str()), ui.screen80());
    }
}

#[test]
fn every_function_key_for_every_role_opens_or_says_not_permitted() {
    for role in Role::ALL {
        let mut ui = Ui::new(false);
        ui.log_in(role.as_str());
        let allowed = ui.app.session.as_ref().unwrap().screens.clone();
        for (n, screen) in [
            (2, Screen::Search),
            (3, Screen::Chart),
            (4, Screen::Coding),
            (5, Screen::Roi),
            (6, Screen::WorkQueue),
            (7, Screen::Users),
        ] {
            ui.send(key(KeyCode::Esc));
            ui.send(key(KeyCode::F(n)));
            let s = ui.screen80();
            if !allowed.contains(&screen) {
                assert_eq!(ui.app.view, View::Home, "{role} F{n}");
                assert!(s.contains("not permitted"), "{role} F{n}\n{s}");
                continue;
            }
            match screen {
                Screen::Users => {
                    assert!(matches!(ui.app.view, View::Users(_)), "{role} F{n}");
                    assert!(s.contains("Users (10)"), "{role} F{n}\n{s}");
                }
                Screen::Search => {
                    assert!(matches!(ui.app.view, View::Search(_)), "{role} F{n}");
                    assert!(s.contains("Patient search"), "{role} F{n}\n{s}");
                }
                Screen::Chart => {
                    assert_eq!(ui.app.view, View::Screen(screen), "{role} F{n}");
                    assert!(s.contains("No patient in context"), "{role} F{n}\n{s}");
                }
                Screen::Coding => {
                    assert!(matches!(ui.app.view, View::CodingQueue(_)), "{role} F{n}");
                    assert!(s.contains("Coding queue"), "{role} F{n}\n{s}");
                }
                Screen::Roi => {
                    assert!(matches!(ui.app.view, View::Roi(_)), "{role} F{n}");
                    assert!(s.contains("Release of information"), "{role} F{n}\n{s}");
                }
                Screen::WorkQueue => {
                    assert!(matches!(ui.app.view, View::WorkQueue(_)), "{role} F{n}");
                    assert!(s.contains("My work queue"), "{role} F{n}\n{s}");
                }
                _ => {
                    assert_eq!(ui.app.view, View::Screen(screen), "{role} F{n}");
                    assert!(s.contains("not yet available"), "{role} F{n}\n{s}");
                }
            }
        }
    }
}

#[test]
fn coder_pressing_f5_is_told_not_permitted() {
    let mut ui = Ui::new(true);
    ui.log_in("coder");
    ui.send(key(KeyCode::F(5)));
    insta::assert_snapshot!(ui.screen80());
}

#[test]
fn empty_roi_desk() {
    let mut ui = Ui::new(true);
    ui.log_in("roi");
    ui.send(key(KeyCode::F(5)));
    let s = ui.screen80();
    assert!(
        s.contains("0 open, 0 overdue") && s.contains("n logs one"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn empty_work_queue_for_coder() {
    let mut ui = Ui::new(true);
    ui.log_in("coder");
    ui.send(key(KeyCode::F(6)));
    let s = ui.screen80();
    assert!(
        s.contains("You have sent no queries in the last 30 days"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn help_lists_every_binding_from_the_keymap() {
    let mut ui = Ui::new(true);
    ui.log_in("roi");
    ui.send(key(KeyCode::F(1)));
    let s = ui.screen80();
    for d in ["Show this help", "Release of information", "Quit chartroom"] {
        assert!(s.contains(d), "{d}");
    }
    insta::assert_snapshot!(s);
    ui.send(key(KeyCode::Esc));
    assert!(ui.app.overlay.is_none());
}

#[test]
fn a_user_keymap_changes_the_footer_and_help() {
    let mut ui = Ui::new(false);
    ui.app.keymap = Keymap::from_toml(
        std::path::Path::new("k.toml"),
        "[bindings]\nquit = \"Ctrl+X\"\n",
    )
    .unwrap();
    ui.log_in("coder");
    let s = ui.screen80();
    assert!(s.contains("Ctrl+X Quit"), "{s}");
    assert!(!s.contains("Ctrl+Q"), "{s}");
}

#[test]
fn change_password_form() {
    let mut ui = Ui::new(true);
    ui.log_in("analyst");
    ui.send(ctrl('p'));
    ui.type_text("abc");
    insta::assert_snapshot!(ui.screen80());
}

#[test]
fn terminal_too_small_keeps_the_form() {
    let mut ui = Ui::new(false);
    ui.type_text("regis");
    let small = ui.screen(60, 20);
    assert!(small.contains("terminal too small (needs 80×24"), "{small}");
    ui.send(Msg::Resize);
    ui.type_text("trar");
    assert_eq!(ui.app.login.username.value(), "registrar");
    insta::assert_snapshot!(small);
}

#[test]
fn ascii_mode_draws_no_line_characters() {
    let mut ui = Ui::new(true);
    ui.app.theme = Theme::load("default", true, true).unwrap();
    ui.log_in("coder");
    let s = ui.screen80();
    assert!(
        !s.chars()
            .any(|c| matches!(c, '─' | '│' | '┌' | '┐' | '└' | '┘' | '•' | '↑' | '↓')),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn idle_warning_then_logoff_then_back_where_the_user_was() {
    let mut ui = Ui::new(true);
    ui.log_in("coder");
    // A fixed day keeps the snapshot stable.
    ui.app.today = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    ui.send(key(KeyCode::F(4)));
    assert!(
        matches!(ui.app.view, View::CodingQueue(_)),
        "{:?}",
        ui.app.view
    );
    let t0 = ui.app.idle_since;
    // Nothing happens before the deadline.
    assert!(
        ui.app
            .update(Msg::Tick, t0 + Duration::from_secs(13 * 60))
            .is_empty()
    );
    assert!(ui.app.status.is_none());
    // Warning at 14 minutes.
    let deadline = ui.app.next_deadline().unwrap();
    assert_eq!(deadline, t0 + Duration::from_secs(14 * 60));
    ui.app.update(Msg::Tick, deadline);
    insta::assert_snapshot!("idle_warning", ui.screen80());
    // Logged off at 15.
    let effects = ui.app.update(Msg::Tick, t0 + Duration::from_secs(15 * 60));
    assert_eq!(effects.len(), 1);
    for e in effects {
        perform(&ui.f.records, e);
    }
    assert!(ui.app.session.is_none());
    insta::assert_snapshot!("idle_logged_off", ui.screen80());
    // The same user logs back in: the coding queue again.
    assert_eq!(ui.app.login.username.value(), "coder");
    ui.type_text(&common::password_of("coder"));
    ui.send(key(KeyCode::Enter));
    assert!(
        matches!(ui.app.view, View::CodingQueue(_)),
        "{:?}",
        ui.app.view
    );
}

#[test]
fn quit_asks_only_when_something_is_typed() {
    let mut ui = Ui::new(false);
    ui.type_text("half");
    ui.send(ctrl('q'));
    assert!(!ui.app.quit);
    insta::assert_snapshot!(ui.screen80());
    ui.send(key(KeyCode::Char('n')));
    assert!(!ui.app.quit && ui.app.overlay.is_none());
    ui.send(ctrl('q'));
    ui.send(key(KeyCode::Char('y')));
    assert!(ui.app.quit);

    let mut ui = Ui::new(false);
    ui.log_in("billing");
    ui.send(ctrl('q'));
    assert!(ui.app.quit, "nothing unsaved on the home screen");
}

#[test]
fn hostile_data_is_sanitised_on_screen() {
    let mut ui = Ui::new(false);
    ui.f.records
        .update_settings("test", |s| {
            s.organisation = "Evil\u{1b}]0;pwned\u{7}\u{202E}Clinic".into()
        })
        .unwrap();
    ui.app.info = ui.f.records.server_info().unwrap();
    ui.log_in("coder");
    let s = ui.screen80();
    assert!(
        !s.contains('\u{1b}') && !s.contains("pwned") && !s.contains('\u{202E}'),
        "{s}"
    );
    assert!(s.contains("Evil\u{FFFD}\u{FFFD}Clinic"), "{s}");
}

#[test]
fn users_screen_as_supervisor_offers_unlock_only() {
    let mut ui = Ui::new(true);
    ui.f.records.system_set_locked("coder", true).unwrap();
    ui.log_in("supervisor");
    ui.send(key(KeyCode::F(7)));
    let s = ui.screen80();
    assert!(
        s.contains("LOCKED") && s.contains("l Lock/unlock") && !s.contains("Reset password"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // Move to coder (admin, analyst, auditor, billing, clinician, coder) and unlock.
    for _ in 0..5 {
        ui.send(key(KeyCode::Down));
    }
    ui.send(key(KeyCode::Char('l')));
    assert_eq!(ui.app.status.as_ref().unwrap().text, "coder unlocked.");
    assert!(!ui.screen80().contains("LOCKED"));
    // Deactivating is not a supervisor's to do: the service refuses and says so.
    ui.send(key(KeyCode::Char('d')));
    assert!(
        ui.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("not permitted")
    );
}

#[test]
fn users_screen_as_admin_resets_a_password() {
    let mut ui = Ui::new(true);
    ui.log_in("admin");
    ui.send(key(KeyCode::F(7)));
    for _ in 0..3 {
        ui.send(key(KeyCode::Down));
    }
    ui.send(key(KeyCode::Char('r')));
    ui.type_text("a temporary passphrase for the desk");
    ui.send(key(KeyCode::Tab));
    ui.type_text("a temporary passphrase for the desk");
    let s = ui.screen80();
    assert!(!s.contains("temporary passphrase"), "masked");
    insta::assert_snapshot!(s);
    ui.send(key(KeyCode::Enter));
    assert!(
        ui.app
            .status
            .as_ref()
            .unwrap()
            .text
            .starts_with("Temporary password set for billing"),
        "{:?}",
        ui.app.status
    );
    let ok = ui.f.records.login(chartroom::service::LoginRequest {
        username: "billing".into(),
        password: "a temporary passphrase for the desk".into(),
        peer: None,
    });
    assert!(ok.unwrap().must_change_password);
}

#[test]
fn a_key_during_the_idle_warning_keeps_the_session_on_both_sides() {
    use chrono::Duration as ChronoDuration;
    let mut ui = Ui::new(false);
    ui.log_in("coder");
    let t0 = ui.app.idle_since;
    let run = |ui: &mut Ui, msg: Msg, at: Instant| {
        let mut queue: std::collections::VecDeque<_> = ui.app.update(msg, at).into();
        while let Some(e) = queue.pop_front() {
            if let Some(reply) = perform(&ui.f.records, e) {
                queue.extend(ui.app.update(reply, at));
            }
        }
    };
    // A key 19 s in: too soon for a keep-alive, so the idle clock still starts at t0.
    ui.f.clock.advance(ChronoDuration::seconds(19));
    run(&mut ui, key(KeyCode::Down), t0 + Duration::from_secs(19));
    // The warning comes at 14 minutes after what the service last heard.
    ui.f.clock.advance(ChronoDuration::seconds(14 * 60 - 19));
    run(&mut ui, Msg::Tick, t0 + Duration::from_secs(14 * 60));
    assert!(ui.app.warned);
    // A key late in the warning minute: the service still accepts the keep-alive.
    ui.f.clock.advance(ChronoDuration::seconds(55));
    run(
        &mut ui,
        key(KeyCode::Down),
        t0 + Duration::from_secs(14 * 60 + 55),
    );
    assert!(ui.app.session.is_some(), "{:?}", ui.app.status);
    assert!(!ui.app.warned);
    assert_eq!(
        ui.app.next_deadline(),
        Some(t0 + Duration::from_secs(28 * 60 + 55))
    );
    assert!(
        ui.f.records
            .keep_alive(&ui.app.session.as_ref().unwrap().token)
            .is_ok()
    );
}

#[test]
fn home_and_end_edit_text_in_a_form() {
    let mut ui = Ui::new(false);
    ui.type_text("oder");
    ui.send(key(KeyCode::Home));
    ui.type_text("c");
    ui.send(key(KeyCode::End));
    ui.type_text("!");
    assert_eq!(ui.app.login.username.value(), "coder!");
}

#[test]
fn leaving_a_half_filled_form_by_function_key_is_refused() {
    let mut ui = Ui::new(false);
    ui.log_in("coder");
    ui.send(ctrl('p'));
    ui.type_text("abc");
    ui.send(key(KeyCode::F(4)));
    assert!(matches!(ui.app.view, View::ChangePassword(_)));
    assert!(
        ui.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("Finish the form first")
    );
    ui.send(key(KeyCode::Esc));
    ui.send(key(KeyCode::F(4)));
    assert!(
        matches!(ui.app.view, View::CodingQueue(_)),
        "{:?}",
        ui.app.view
    );
}

fn register(ui: &Ui, family: &str, given: &str, dob: (i32, u32, u32)) -> String {
    use chartroom::domain::patient::{NewPatient, Sex};
    ui.f.records
        .system_register_patient(NewPatient {
            family_name: family.into(),
            given_names: given.split(' ').map(str::to_string).collect(),
            dob: chrono::NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).unwrap(),
            sex: Sex::Female,
            address: None,
            phone: None,
            ssn: None,
            details: Default::default(),
        })
        .unwrap()
        .mrn
}

fn search_ui() -> (Ui, Vec<String>) {
    let mut ui = Ui::new(true);
    let mrns = vec![
        register(&ui, "Smith", "Ana María", (1980, 3, 4)),
        register(&ui, "Smyth", "John", (1975, 6, 1)),
        register(&ui, "Alemán", "José", (1962, 7, 8)),
        register(&ui, "Nguyễn", "Thị Mai", (2001, 2, 3)),
        register(&ui, "O'Brien", "Siobhán", (1990, 11, 30)),
    ];
    ui.f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    ui.app.today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    ui.log_in("registrar");
    ui.app.today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    (ui, mrns)
}

#[test]
fn search_screen_as_registrar() {
    let (mut ui, _) = search_ui();
    ui.send(key(KeyCode::F(2)));
    ui.type_text("smith");
    let s = ui.screen80();
    assert!(s.contains("2 matches"), "{s}");
    insta::assert_snapshot!(s);
    ui.send(ctrl('u'));
    ui.type_text("aleman");
    assert!(ui.screen80().contains("ALEMÁN, José"));
    ui.send(ctrl('u'));
    ui.type_text("31/02/1990");
    assert!(ui.screen80().contains("31/02/1990 is not a real date"));
}

#[test]
fn enter_puts_the_patient_in_context_and_f2_comes_back_to_the_results() {
    let (mut ui, mrns) = search_ui();
    ui.send(key(KeyCode::F(2)));
    ui.type_text("nguyen");
    ui.send(key(KeyCode::Enter));
    assert_eq!(ui.app.context_mrn.as_deref(), Some(mrns[3].as_str()));
    assert!(matches!(ui.app.view, View::Chart(_)));
    let s = ui.screen80();
    assert!(
        s.lines()
            .next()
            .unwrap()
            .contains(&format!("Patient: {} NGUYỄN, Thị Mai", mrns[3])),
        "{s}"
    );
    ui.send(key(KeyCode::F(2)));
    let s = ui.screen80();
    assert!(s.contains("Find: nguyen") && s.contains("1 match"), "{s}");
}

#[test]
fn an_older_search_answer_never_replaces_a_newer_one() {
    use chartroom::ui::screens::search::SearchView;
    let (ui, _) = search_ui();
    let token = ui.app.session.as_ref().unwrap().token.clone();
    let mut v = SearchView::default();
    for c in "smith".chars() {
        v.handle_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    assert_eq!(v.sent, 5);
    let newest = ui.f.records.search(&token, "smith", 10);
    let older = ui.f.records.search(&token, "s", 10);
    assert!(v.on_results(5, newest).is_none());
    assert_eq!(v.hits.len(), 2);
    v.on_results(1, older);
    assert_eq!(
        v.hits.len(),
        2,
        "the answer to 's' arrived late and was dropped"
    );
}

#[test]
fn an_empty_box_shows_my_recent_patients() {
    let (mut ui, mrns) = search_ui();
    ui.send(key(KeyCode::F(2)));
    assert!(
        !ui.screen80().contains("recent patients"),
        "nothing opened yet"
    );
    for q in ["aleman", "obrien"] {
        ui.send(ctrl('u'));
        ui.type_text(q);
        ui.send(key(KeyCode::Enter));
        ui.send(key(KeyCode::F(2)));
    }
    ui.send(ctrl('r'));
    let s = ui.screen80();
    assert!(s.contains("your recent patients"), "{s}");
    let obrien = s.find(&mrns[4]).unwrap();
    let aleman = s.find(&mrns[2]).unwrap();
    assert!(obrien < aleman, "newest first\n{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn chart_banner_and_encounters_for_the_patient_in_context() {
    let mut ui = Ui::new(true);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let batch: Vec<_> = chartroom::synth::generate(&chartroom::synth::SynthConfig {
        seed: 3,
        patients: 4,
        today,
    })
    .collect();
    let mrns = ui.f.records.system_load_synthetic(&batch).unwrap();
    ui.f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    ui.log_in("coder");
    ui.app.today = today;
    ui.send(key(KeyCode::F(2)));
    ui.type_text(&mrns[0]);
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains(&format!("MRN {}", mrns[0])), "{s}");
    insta::assert_snapshot!(s);
    // The open was audited against the patient.
    let last =
        ui.f.records
            .system_audit_entries(1, 100_000)
            .unwrap()
            .pop()
            .unwrap();
    assert_eq!(
        last.event.action,
        chartroom::domain::audit::AuditAction::ChartOpened
    );
    assert_eq!(last.event.patient.as_deref(), Some(mrns[0].as_str()));
}

fn fill(ui: &mut Ui, values: &[&str]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            ui.send(key(KeyCode::Tab));
        }
        ui.type_text(v);
    }
}

#[test]
fn registration_shows_problems_next_to_their_fields() {
    let (mut ui, _) = search_ui();
    ui.send(key(KeyCode::F(2)));
    ui.send(ctrl('n'));
    assert!(matches!(ui.app.view, View::Register(_)));
    fill(&mut ui, &["Okafor", "Chidi", "", "31/02/1990", "x"]);
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(
        s.contains("31/02/1990 is not a real date") && s.contains("F, M or U"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // Esc once arms, twice discards and returns to search.
    ui.send(key(KeyCode::Esc));
    assert!(matches!(ui.app.view, View::Register(_)));
    ui.send(key(KeyCode::Esc));
    assert!(matches!(ui.app.view, View::Search(_)));
}

#[test]
fn registration_over_a_likely_match_asks_same_or_new_with_a_reason() {
    let (mut ui, mrns) = search_ui();
    ui.send(key(KeyCode::F(2)));
    ui.send(ctrl('n'));
    fill(&mut ui, &["Smyth", "Ana", "", "3/4/1980", "F"]);
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(
        s.contains("Is this patient already registered?") && s.contains(&mrns[0]),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // New patient, with a reason.
    ui.send(key(KeyCode::Char('n')));
    ui.type_text("different mother, checked ID");
    ui.send(key(KeyCode::Enter));
    let status = ui.app.status.as_ref().unwrap().text.clone();
    assert!(status.starts_with("Registered: MRN "), "{status}");
    assert!(matches!(ui.app.view, View::Chart(_)));
    let mrn = ui.app.context_mrn.clone().unwrap();
    assert!(!mrns.contains(&mrn));
    let audit = ui.f.records.system_audit_entries(1, 100_000).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.event.reason.contains("different mother, checked ID"))
    );

    // Same patient: nothing registered, the existing chart opens.
    ui.send(key(KeyCode::F(2)));
    ui.send(ctrl('n'));
    fill(&mut ui, &["Alemán", "José", "", "1962-07-08", "F"]);
    ui.send(ctrl('s'));
    ui.send(key(KeyCode::Enter));
    assert_eq!(ui.app.context_mrn.as_deref(), Some(mrns[2].as_str()));
    assert!(matches!(ui.app.view, View::Chart(_)));
}

#[test]
fn keys_typed_ahead_with_enter_open_the_patient_of_the_newest_results() {
    let (mut ui, mrns) = search_ui();
    ui.send(key(KeyCode::F(2)));
    // Everything arrives in one burst over a slow link: "obrien" and Enter.
    let mut burst: Vec<Msg> = "obrien".chars().map(|c| key(KeyCode::Char(c))).collect();
    burst.push(key(KeyCode::Enter));
    chartroom::ui::term::apply_batch(&mut ui.app, &ui.f.records, burst);
    assert_eq!(ui.app.context_mrn.as_deref(), Some(mrns[4].as_str()));
}

#[test]
fn typing_goes_on_while_searches_are_out_and_enter_waits_for_the_newest() {
    use chartroom::ui::app::{Effect, View};
    use chartroom::ui::effects::perform;
    use chartroom::ui::runtime::Dispatcher;
    let (mut ui, mrns) = search_ui();
    ui.send(key(KeyCode::F(2)));
    let mut d = Dispatcher::default();
    for c in "obrien".chars() {
        d.input(&mut ui.app, key(KeyCode::Char(c)));
    }
    // No answer has come back, yet every key was taken.
    let View::Search(v) = &ui.app.view else {
        panic!("not on search")
    };
    assert_eq!(v.input.value(), "obrien");
    let searches = d.take_effects();
    assert!(searches.len() >= 2, "{}", searches.len());
    assert!(searches.iter().all(|e| matches!(e, Effect::Search { .. })));
    assert!(d.awaiting_search());

    // Enter acts on results, so it waits; so does what comes after it.
    d.input(&mut ui.app, key(KeyCode::Enter));
    d.input(&mut ui.app, key(KeyCode::Char('x')));
    assert!(d.take_effects().is_empty());
    assert_eq!(ui.app.context_mrn, None);

    // An older answer (for "obri…") arrives first: dropped, and Enter still waits.
    let mut searches = searches.into_iter();
    let newest = searches.next_back().unwrap();
    let older = perform(&ui.f.records, searches.next().unwrap());
    d.answer(&mut ui.app, older);
    assert!(d.awaiting_search() && d.take_effects().is_empty());
    assert_eq!(ui.app.context_mrn, None);

    // The newest answer: Enter opens the patient it lists; `x` waits for the chart.
    let answer = perform(&ui.f.records, newest);
    d.answer(&mut ui.app, answer);
    assert!(!d.awaiting_search());
    let mut opened = d.take_effects();
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert!(
        matches!(&opened[0], Effect::OpenChart(_, m) if *m == mrns[4]),
        "{opened:?}"
    );
    let View::Search(v) = &ui.app.view else {
        panic!("not on search")
    };
    assert_eq!(
        v.input.value(),
        "obrien",
        "x went to the chart, not the search box"
    );
    let chart = perform(&ui.f.records, opened.remove(0));
    d.answer(&mut ui.app, chart);
    assert!(matches!(ui.app.view, View::Chart(_)));
    assert_eq!(ui.app.context_mrn.as_deref(), Some(mrns[4].as_str()));
}

#[test]
fn the_ssn_on_the_form_shows_only_its_last_four() {
    let (mut ui, _) = search_ui();
    ui.send(key(KeyCode::F(2)));
    ui.send(ctrl('n'));
    for _ in 0..chartroom::domain::registration::SSN {
        ui.send(key(KeyCode::Tab));
    }
    ui.type_text("123-45-6789");
    let s = ui.screen80();
    assert!(s.contains("•••••••6789") && !s.contains("123-45"), "{s}");
}
