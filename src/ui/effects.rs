//! Carries out an [`Effect`] against the service and turns the answer into a [`Msg`]. The only
//! place the UI calls the service, so the local and remote cases differ in nothing here.

use super::app::{CodingAnswer, CodingCall, Effect, Msg};
use super::screens::amendment_form::AmendmentCall;
use super::screens::users::UserRequest;
use crate::service::{LoginRequest, Records, SessionToken};

/// `FullRedraw` and `Quit` concern the terminal, not the service: they return None here.
pub fn perform(records: &dyn Records, effect: Effect) -> Option<Msg> {
    match effect {
        Effect::Login { username, password } => Some(Msg::LoggedIn(records.login(LoginRequest {
            username,
            password,
            peer: None,
        }))),
        Effect::Logout(token) => records.logout(&token).err().map(Msg::ServiceFailed),
        Effect::IdleLogoff(token) => records.idle_logoff(&token).err().map(Msg::ServiceFailed),
        Effect::KeepAlive(token) => records.keep_alive(&token).err().map(Msg::ServiceFailed),
        Effect::Reconnect(token) => Some(Msg::Reconnected(records.keep_alive(&token))),
        Effect::OpenScreen(token, screen) => Some(Msg::ScreenOpened(
            screen,
            records.open_screen(&token, screen),
        )),
        Effect::ChangePassword { token, old, new } => Some(Msg::PasswordChanged(
            records.change_password(&token, &old, &new),
        )),
        Effect::Search {
            token,
            seq,
            query,
            limit,
        } => Some(Msg::SearchDone(seq, records.search(&token, &query, limit))),
        Effect::OpenChart(token, mrn) => {
            let chart = records.open_chart(&token, &mrn);
            Some(Msg::ChartOpened(mrn, Box::new(chart)))
        }
        Effect::OpenDocument(token, mrn, id) => Some(Msg::DocumentOpened(Box::new(
            records.chart_document(&token, &mrn, &id),
        ))),
        Effect::LoadBreakGlassList(token, waiting_only) => Some(Msg::BreakGlassListLoaded(
            records.break_glass_list(&token, waiting_only),
        )),
        Effect::JudgeBreakGlass {
            token,
            id,
            version,
            verdict,
            comment,
        } => Some(Msg::BreakGlassJudged(Box::new(
            records.review_break_glass(&token, id, version, verdict, &comment),
        ))),
        Effect::LoadChartCodes(token, mrn) => Some(Msg::ChartCodesLoaded(Box::new(
            records.chart_codes(&token, &mrn),
        ))),
        Effect::LoadAccessLog(token, mrn) => {
            Some(Msg::AccessLogLoaded(records.chart_access_log(&token, &mrn)))
        }
        Effect::LoadAmendments(token, mrn) => Some(Msg::AmendmentsLoaded(Box::new(
            records.amendment_requests(&token, &mrn),
        ))),
        Effect::Amendment(token, call) => Some(Msg::AmendmentSaved(Box::new(amendment(
            records, &token, *call,
        )))),
        Effect::BreakGlass(token, r) => {
            let done = records
                .break_glass(&token, &r.mrn, r.reason, &r.note, &r.password)
                .map(|_| ());
            Some(Msg::GlassBroken(r.mrn.clone(), done))
        }
        Effect::SetFlag(token, r) => Some(set_flag(records, &token, &r)),
        Effect::LookupCodes {
            token,
            seq,
            system,
            on,
            query,
        } => Some(Msg::CodesFound(
            seq,
            records.lookup_codes(
                &token,
                system,
                on,
                &query,
                crate::ui::screens::code_lookup::LOOKUP_RESULTS,
            ),
        )),
        Effect::CodeDetails(token, system, on, code) => Some(Msg::CodeDetails(Box::new(
            records.code_details(&token, system, on, &code),
        ))),
        Effect::SetHold(token, r) => {
            let done = records
                .set_legal_hold(&token, &r.mrn, r.version, r.matter.as_deref(), &r.reason)
                .map(|p| match p.legal_hold {
                    Some(h) => format!(
                        "Chart {} is under legal hold for {}.",
                        p.mrn,
                        crate::sanitize::sanitize(&h.matter)
                    ),
                    None => format!("Chart {}: the legal hold is released.", p.mrn),
                });
            Some(Msg::FlagSet(r.mrn.clone(), done))
        }
        Effect::Register {
            token,
            patient,
            reason,
        } => {
            let result = records.register_patient(&token, (*patient).clone(), reason);
            Some(Msg::Registered(Box::new((*patient, result))))
        }
        Effect::LoadRecent(token) => Some(Msg::RecentLoaded(records.recent_patients(&token))),
        Effect::LoadUsers(token) => Some(Msg::UsersLoaded(records.list_users(&token))),
        Effect::LoadDuplicates(token, all) => {
            Some(Msg::DuplicatesLoaded(records.duplicate_cases(&token, all)))
        }
        Effect::ReviewDuplicate(token, id) => Some(Msg::DuplicateReviewed(Box::new(
            records.review_duplicate(&token, &id),
        ))),
        Effect::DecideDuplicate {
            token,
            case_id,
            version,
            decision,
            note,
        } => Some(Msg::DuplicateDecided(Box::new(
            records.decide_duplicate(&token, &case_id, version, decision, &note),
        ))),
        Effect::UpdatePatient {
            token,
            mrn,
            version,
            patient,
        } => Some(Msg::PatientUpdated(Box::new(
            records.update_patient(&token, &mrn, version, *patient),
        ))),
        Effect::LoadHistory(token, mrn) => {
            Some(Msg::HistoryLoaded(records.patient_history(&token, &mrn)))
        }
        Effect::ChangeUser(token, request) => {
            let (done, result) = match request {
                UserRequest::SetLocked { username, locked } => (
                    format!("{username} {}.", if locked { "locked" } else { "unlocked" }),
                    records.set_locked(&token, &username, locked),
                ),
                UserRequest::SetActive { username, active } => (
                    format!(
                        "{username} {}.",
                        if active { "reactivated" } else { "deactivated" }
                    ),
                    records.set_active(&token, &username, active),
                ),
                UserRequest::ResetPassword {
                    username,
                    temporary,
                } => (
                    format!(
                        "Temporary password set for {username}; they choose their own at next login."
                    ),
                    records.reset_password(&token, &username, &temporary),
                ),
            };
            Some(Msg::UserChanged(done, result))
        }
        Effect::Coding(token, call) => Some(Msg::Coding(Box::new(coding(records, &token, *call)))),
        Effect::Work(token, call) => Some(Msg::Work(work(records, &token, *call))),
        Effect::Roi(token, call) => Some(Msg::Roi(roi(records, &token, *call))),
        Effect::Disclosures(token, mrn, call) => Some(disclosures(records, &token, &mrn, *call)),
        Effect::FullRedraw | Effect::Quit => None,
    }
}

/// One call of the chart's Disclosures tab.
fn disclosures(
    records: &dyn Records,
    token: &SessionToken,
    mrn: &str,
    call: crate::ui::screens::chart_disclosures::DisclosureCall,
) -> Msg {
    use crate::ui::screens::chart_disclosures::DisclosureCall;
    use crate::ui::screens::roi_forms::FormCall;
    let done = match call {
        DisclosureCall::Load => {
            return Msg::DisclosuresLoaded(Box::new(records.chart_disclosures(token, mrn)));
        }
        DisclosureCall::Form(FormCall::Disclosure(fields)) => records
            .record_disclosure(token, mrn, fields)
            .map(|d| format!("{} recorded in the accounting.", d.id)),
        DisclosureCall::Form(FormCall::Correct {
            id,
            version,
            fields,
            entered_in_error,
            reason,
        }) => records
            .correct_disclosure(token, &id, version, fields, entered_in_error, &reason)
            .map(|d| {
                format!(
                    "{} corrected: version {}{}.",
                    d.id,
                    d.version,
                    if d.entered_in_error {
                        ", entered in error"
                    } else {
                        ""
                    }
                )
            }),
        DisclosureCall::Form(FormCall::Accounting(on)) => {
            records.provide_accounting(token, mrn, on).map(|a| {
                format!(
                    "{}: {} disclosure(s), fee {}, written to {}.",
                    a.id,
                    a.listed.len(),
                    crate::domain::roi::format_cents(a.fee_cents),
                    a.file
                )
            })
        }
        DisclosureCall::Form(_) => Err(crate::service::ServiceError::Invalid(
            "that form does not belong to the Disclosures tab".into(),
        )),
    };
    Msg::DisclosureDone(Box::new(done))
}

/// One call of the release-of-information desk (F5).
fn roi(
    records: &dyn Records,
    token: &SessionToken,
    call: crate::ui::screens::roi::RoiCall,
) -> crate::ui::screens::roi::RoiAnswer {
    use crate::ui::screens::roi::{RoiAnswer, RoiCall};
    match call {
        RoiCall::Desk => RoiAnswer::Desk(Box::new(records.roi_desk(token))),
        RoiCall::Open(id) => RoiAnswer::Opened(Box::new(records.roi_request(token, &id))),
        RoiCall::Log(n) => RoiAnswer::Changed(Box::new(records.log_roi_request(token, *n))),
        RoiCall::Step { id, version, step } => {
            RoiAnswer::Changed(Box::new(records.roi_step(token, &id, version, *step)))
        }
        RoiCall::Release { id, version, input } => {
            RoiAnswer::Changed(Box::new(records.release_roi(token, &id, version, input)))
        }
    }
}

/// One call of the work queue (F6).
fn work(
    records: &dyn Records,
    token: &SessionToken,
    call: crate::ui::screens::work_queue::WorkCall,
) -> crate::ui::screens::work_queue::WorkAnswer {
    use crate::ui::screens::work_queue::{WorkAnswer, WorkCall};
    match call {
        WorkCall::Load => WorkAnswer::Loaded(Box::new(records.my_queries(token))),
        WorkCall::Answer {
            id,
            version,
            choice,
            words,
        } => WorkAnswer::Answered(Box::new(records.answer_query(
            token,
            &id,
            version,
            choice.as_deref(),
            &words,
        ))),
    }
}

/// One amendment step, as the form completed it.
fn amendment(
    records: &dyn Records,
    token: &crate::service::SessionToken,
    call: AmendmentCall,
) -> crate::service::ServiceResult<crate::domain::amendment::AmendmentRequest> {
    match call {
        AmendmentCall::Log {
            mrn,
            target,
            requested_change,
            received,
        } => records.log_amendment_request(token, &mrn, target, &requested_change, received),
        AmendmentCall::Extend {
            id,
            version,
            reason,
            patient_told,
        } => records.extend_amendment(token, &id, version, &reason, patient_told),
        AmendmentCall::Decide {
            id,
            version,
            decision,
            decided_on,
        } => records.decide_amendment(token, &id, version, decision, decided_on),
        AmendmentCall::Statement {
            id,
            version,
            kind,
            text,
            dated,
        } => records.add_amendment_statement(token, &id, version, kind, &text, dated),
    }
}

/// Compliance's flag change, answered in words for the status line.
fn set_flag(
    records: &dyn Records,
    token: &SessionToken,
    r: &crate::ui::screens::sensitivity_form::FlagRequest,
) -> Msg {
    use crate::ui::screens::sensitivity_form::FlagTarget;
    let label = r
        .sensitivity
        .map_or("not restricted", crate::domain::Sensitivity::label);
    let done = match &r.target {
        FlagTarget::Chart { mrn, version } => records
            .set_sensitivity(token, mrn, *version, r.sensitivity, &r.reason)
            .map(|_| format!("Chart {mrn} is now {label}.")),
        FlagTarget::Encounter {
            mrn, id, version, ..
        } => records
            .set_encounter_sensitivity(token, mrn, id, *version, r.sensitivity, &r.reason)
            .map(|_| format!("Encounter {id} is now {label}.")),
    };
    Msg::FlagSet(r.target.mrn().to_string(), done)
}

/// One coding call from the queue or the workspace.
fn coding(records: &dyn Records, token: &SessionToken, call: CodingCall) -> CodingAnswer {
    use crate::ui::screens::coding_workspace::WorkStep;
    match call {
        CodingCall::Queue(filter, sort) => CodingAnswer::Queue(records.coding_queue(
            token,
            &filter,
            sort,
            crate::ui::screens::coding_queue::QUEUE_ROWS,
        )),
        CodingCall::Backlog => CodingAnswer::Backlog(records.coding_backlog(token)),
        CodingCall::Productivity => {
            let to = chrono::Utc::now();
            let from =
                to - chrono::Duration::days(crate::ui::screens::coding_report::PRODUCTIVITY_DAYS);
            CodingAnswer::Productivity(records.coder_productivity(token, from, to))
        }
        CodingCall::Dnfb => CodingAnswer::Dnfb(Box::new(
            records.dnfb_list(token, crate::ui::screens::coding_report::DNFB_ROWS),
        )),
        CodingCall::Documents(mrn, encounter) => {
            CodingAnswer::Documents(records.open_chart(token, &mrn).map(|c| {
                c.documents
                    .into_iter()
                    .filter(|d| d.encounter_id == encounter)
                    .collect()
            }))
        }
        CodingCall::Recipients => CodingAnswer::Recipients(records.query_recipients(token)),
        CodingCall::Document(mrn, id) => {
            CodingAnswer::Document(Box::new(records.chart_document(token, &mrn, &id)))
        }
        CodingCall::Claim { encounter, open } => CodingAnswer::Claimed(
            encounter.clone(),
            open,
            records.claim_encounter(token, &encounter).map(|_| ()),
        ),
        CodingCall::Open(encounter) => {
            CodingAnswer::Record(false, Box::new(records.coding_record(token, &encounter)))
        }
        CodingCall::Assign {
            encounter,
            version,
            coder,
        } => CodingAnswer::Assigned(
            format!("{encounter} assigned to {coder}."),
            records
                .assign_encounter(token, &encounter, version, &coder)
                .map(|_| ()),
        ),
        CodingCall::Step(encounter, version, step) => {
            let saved = matches!(step, WorkStep::Save(_));
            let result = match step {
                WorkStep::Save(codes) => {
                    records
                        .save_codes(token, &encounter, version, codes)
                        .map(|s| {
                            let errors = s
                                .findings
                                .iter()
                                .filter(|f| f.severity == crate::codes::validate::Severity::Error)
                                .count();
                            format!(
                                "Saved list v{} ({} findings, {errors} errors).",
                                s.record.code_version,
                                s.findings.len()
                            )
                        })
                }
                WorkStep::MarkCoded => records
                    .mark_coded(token, &encounter, version)
                    .map(|_| format!("{encounter} marked coded.")),
                WorkStep::Release => records
                    .release_encounter(token, &encounter, version)
                    .map(|_| format!("{encounter} released to the queue.")),
                WorkStep::Hold(reason, note) => records
                    .hold_encounter(token, &encounter, version, reason, &note)
                    .map(|_| format!("{encounter} on hold: {}.", reason.label())),
                WorkStep::Resume => records
                    .resume_encounter(token, &encounter, version)
                    .map(|_| format!("{encounter} resumed.")),
                WorkStep::Validate => records
                    .validate_coding(token, &encounter, version)
                    .map(|_| format!("{encounter} validated.")),
                WorkStep::Return(note) => records
                    .return_to_coder(token, &encounter, version, &note)
                    .map(|_| format!("{encounter} returned to the coder.")),
                WorkStep::SendQuery(draft) => records.send_query(token, draft, version).map(|q| {
                    format!(
                        "{} sent to {}; {encounter} on hold until it is answered.",
                        q.id, q.draft.to
                    )
                }),
                WorkStep::WithdrawQuery(id, query_version, reason) => records
                    .withdraw_query(token, &id, query_version, &reason)
                    .map(|_| format!("{id} withdrawn.")),
            };
            match result {
                Ok(done) => CodingAnswer::Stepped(
                    done,
                    saved,
                    Box::new(records.coding_record(token, &encounter)),
                ),
                Err(e) => CodingAnswer::StepFailed(e),
            }
        }
    }
}
