//! F6 at 80×24 through the app, on a real database (issue 6): the clinician's queries to
//! answer (one on a restricted chart listed by MRN only), the answer form, answering with a
//! choice, and the encounter back with its coder; the coder's sent queries; a role with no
//! list.

mod common;

use chartroom::domain::Sensitivity;
use chartroom::domain::coding::CodingStatus;
use chartroom::domain::query::{self, Indicator, QueryDraft, QueryForm, QueryKind, QueryStatus};
use chartroom::service::Records;
use chartroom::ui::app::View;
use chrono::{TimeZone, Utc};
use common::chf_patient;
use common::ui::{Ui, ctrl, key};
use crossterm::event::KeyCode;

/// Two queries from the coder to the clinician: on an ordinary chart and on a restricted
/// one. Returns the UI (nobody logged in) and the ordinary encounter's id.
fn two_queries() -> (Ui, String) {
    let ui = Ui::new(true);
    let f = &ui.f;
    let mrns = f
        .records
        .system_load_synthetic(&[
            chf_patient("Quill", None),
            chf_patient("Marsh", Some(Sensitivity::BehavioralHealth)),
        ])
        .unwrap();
    let mut first = String::new();
    // Sent five days and one day before the fixture's today (2026-11-23 09:00).
    for (mrn, sent) in mrns.iter().zip([18, 22]) {
        f.clock
            .set_wall(Utc.with_ymd_and_hms(2026, 11, sent, 9, 0, 0).unwrap());
        let coder = f.login("coder");
        if !first.is_empty() {
            // The restricted chart: the coder breaks the glass to code it.
            f.records
                .break_glass(
                    &coder,
                    mrn,
                    chartroom::domain::break_glass::BreakGlassReason::CodingOrBilling,
                    "coding the stay",
                    &common::password_of("coder").into(),
                )
                .unwrap();
        }
        let chart = f.records.open_chart(&coder, mrn).unwrap();
        let (enc, doc) = (&chart.encounters[0].id, &chart.documents[0].id);
        if first.is_empty() {
            first = enc.clone();
        }
        let claimed = f.records.claim_encounter(&coder, enc).unwrap();
        let draft = QueryDraft {
            encounter_id: enc.clone(),
            kind: QueryKind::Specificity,
            to: "clinician".into(),
            indicators: vec![Indicator {
                document_id: doc.clone(),
                quote: "Ejection fraction 30%.".into(),
            }],
            question: query::template_question(QueryKind::Specificity),
            form: QueryForm::MultipleChoice(query::template_options(QueryKind::Specificity)),
        };
        f.records
            .send_query(&coder, draft, claimed.version)
            .unwrap();
    }
    f.clock
        .set_wall(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap());
    (ui, first)
}

#[test]
fn the_clinician_answers_a_query_from_the_work_queue() {
    let (mut ui, enc) = two_queries();
    ui.log_in("clinician");
    ui.send(key(KeyCode::F(6)));
    let s = ui.screen80();
    assert!(matches!(ui.app.view, View::WorkQueue(_)), "{s}");
    assert!(s.contains("2 queries to answer"), "{s}");
    assert!(s.contains("QUILL"), "{s}");
    assert!(
        s.contains("restricted chart") && !s.contains("MARSH"),
        "the restricted patient is listed by MRN only: {s}"
    );
    insta::assert_snapshot!("work_queue_clinician", s);

    // Enter opens the answer form with the quoted indicator and the choices.
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("Answer Q-000001"), "{s}");
    assert!(s.contains("\"Ejection fraction 30%.\""), "{s}");
    assert!(s.contains("Still needed: choose one of the answers"), "{s}");
    // Ctrl+S without a choice is refused, nothing is recorded.
    ui.send(ctrl('s'));
    assert!(ui.screen80().contains("Not answered"), "{}", ui.screen80());
    // The second choice, picked with Space.
    ui.send(key(KeyCode::Down));
    ui.send(key(KeyCode::Char(' ')));
    let s = ui.screen80();
    let second = &query::template_options(QueryKind::Specificity)[1];
    assert!(s.contains(&format!("Will record: {second}")), "{s}");
    insta::assert_snapshot!("query_answer_clinician", s);
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("Q-000001 answered"), "{s}");
    assert!(s.contains("1 query to answer"), "{s}");

    // The answer is recorded and the encounter is back with its coder.
    let view =
        ui.f.records
            .coding_record(&ui.f.login("supervisor"), &enc)
            .unwrap();
    assert_eq!(view.record.status, CodingStatus::InProgress);
    assert_eq!(view.queries[0].status, QueryStatus::Answered);
    assert_eq!(
        view.queries[0].answer.as_ref().map(|a| a.text.as_str()),
        Some(second.as_str())
    );

    // Enter on the restricted one opens its chart, which asks to break the glass.
    ui.send(key(KeyCode::Enter));
    assert!(
        matches!(ui.app.view, View::BreakGlass(_)),
        "{}",
        ui.screen80()
    );
}

#[test]
fn the_coder_follows_up_sent_queries_and_other_roles_have_no_list() {
    let (mut ui, _) = two_queries();
    let clinician = ui.f.login("clinician");
    let q =
        ui.f.records
            .my_queries(&clinician)
            .unwrap()
            .to_answer
            .remove(0);
    ui.f.records
        .answer_query(
            &clinician,
            &q.query.id,
            q.query.version,
            Some(query::UNDETERMINED),
            "",
        )
        .unwrap();
    ui.log_in("coder");
    ui.send(key(KeyCode::F(6)));
    let s = ui.screen80();
    // The coder's break-the-glass on the restricted chart has lapsed: that query is listed
    // by MRN only, after the readable ones.
    assert!(
        s.contains("sent: 0 open, 1 closed (30 days), 1 on restricted charts"),
        "{s}"
    );
    assert!(s.contains("answered clinician"), "{s}");
    assert!(!s.contains("MARSH"), "{s}");
    assert!(
        s.contains(&format!(
            "Answered by clinician 2026-11-23: {}",
            query::UNDETERMINED
        )),
        "{s}"
    );
    insta::assert_snapshot!("work_queue_coder", s);
    // Enter on a sent query does not open the answer form; on the restricted one it opens
    // the chart, which asks to break the glass again.
    ui.send(key(KeyCode::Enter));
    assert!(!ui.screen80().contains("Ctrl+S answers"));
    ui.send(key(KeyCode::Down));
    ui.send(key(KeyCode::Enter));
    assert!(
        matches!(ui.app.view, View::BreakGlass(_)),
        "{}",
        ui.screen80()
    );

    let mut ui = Ui::new(true);
    ui.log_in("roi");
    ui.send(key(KeyCode::F(6)));
    let s = ui.screen80();
    assert!(
        s.contains("Nothing is assigned to your role here yet"),
        "{s}"
    );
}
