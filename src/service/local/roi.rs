//! Release of information in the service: the desk's list, intake, the steps of a request,
//! the release (packet first, then the record), the accounting of disclosures. The rules are
//! `domain::roi`; the packet is written by `service::packet` (atomically: complete or absent).
//! Every step is one write transaction with its audit entry; the entry names the patient,
//! the request and what went where, never the records' words.

use super::grants::{content_grant, grant_for};
use super::{Actor, LocalRecords};
use crate::domain::Settings;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::patient::{Document, Encounter, Patient};
use crate::domain::roi::{
    self, AccountingGiven, AccountingRecord, Disclosure, DisclosureFields, NewRoiRequest, Release,
    ReleasedDocument, RequestKind, RequestStatus, RoiRequest, SensitiveCategory,
};
use crate::policy::{self, Grant, Permission, Resource};
use crate::service::packet::{self, Packet, PacketFile};
use crate::service::{
    AccountingPreview, ChartDisclosures, ReleaseInput, RoiCandidate, RoiDesk, RoiRow, RoiStep,
    RoiView, ServiceResult, SessionToken,
};
use crate::store::{StoreError, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};

const MANAGING: &str = "release of information";
const READING: &str = "reading release-of-information requests";
/// What a request on a chart the user may not open shows instead of the name.
pub const RESTRICTED_NAME: &str = "restricted chart";

fn rule(e: String) -> StoreError {
    StoreError::Refused(e)
}

/// A chart grant, or return the refusal from the transaction.
macro_rules! grant_or_refuse {
    ($e:expr) => {
        match $e {
            Ok(g) => g,
            Err(r) => return Ok(Err(r)),
        }
    };
}

/// The department's date for deadlines: the server's local calendar day.
pub(super) fn department_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&chrono::Local).date_naive()
}

/// The folder packets go to: the setting, or `releases` beside the database (made when
/// missing; a configured folder must exist).
fn release_dir(settings: &Settings, db: &Path) -> Result<PathBuf, StoreError> {
    if !settings.roi_output_dir.trim().is_empty() {
        return Ok(PathBuf::from(settings.roi_output_dir.trim()));
    }
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("releases");
    if !dir.exists() {
        std::fs::create_dir_all(&dir).map_err(|e| {
            rule(format!(
                "cannot make the release folder {}: {e}; set roi_output_dir to a folder you \
                 can write",
                dir.display()
            ))
        })?;
    }
    Ok(dir)
}

/// The chart's patient as the user may see them now (ViewDemographics, as sensitive as the
/// chart is), or the refusal; a chart that is not there is `NotFound`.
fn patient_for(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
    what: &'static str,
) -> Result<Result<Patient, super::grants::Refused>, StoreError> {
    let g = match grant_for(tx, who, now, mrn, Permission::ViewDemographics, what)? {
        Ok(g) => g,
        Err(r) => return Ok(Err(r)),
    };
    match tx.patient(&g, mrn)? {
        Some(p) => Ok(Ok(p)),
        None => Err(StoreError::NotFound {
            what: format!("patient {mrn}"),
        }),
    }
}

/// Who a chart is, for the desk's list: the name when the user may read the chart now, else
/// the restricted marker (the MRN is still shown).
fn name_for(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
) -> Result<String, StoreError> {
    Ok(
        match grant_for(tx, who, now, mrn, Permission::ViewDemographics, READING)? {
            Ok(g) => tx
                .patient(&g, mrn)?
                .map(|p| p.display_name())
                .unwrap_or_default(),
            Err(_) => RESTRICTED_NAME.to_string(),
        },
    )
}

fn sorted_desk(mut rows: Vec<RoiRow>, today: NaiveDate) -> Vec<RoiRow> {
    rows.sort_by_key(|r| r.request.sort_key(today));
    rows
}

/// The text of one released document as it goes in the packet.
fn record_text(d: &Document, e: Option<&Encounter>) -> String {
    let enc = e.map_or(String::new(), |e| {
        format!(
            "Encounter: {} ({}, {}{})\n",
            e.id,
            e.class.label(),
            e.admitted,
            e.discharged.map_or(String::new(), |d| format!(" to {d}"))
        )
    });
    format!(
        "{kind}\nDocument: {id}\nWritten: {written} by {author}\n{enc}\n{text}\n",
        kind = d.kind,
        id = d.id,
        written = d.written,
        author = d.author,
        text = d.text
    )
}

struct PacketParts<'a> {
    org: &'a str,
    r: &'a RoiRequest,
    patient: &'a Patient,
    release: &'a Release,
    docs: &'a [(Document, Vec<SensitiveCategory>)],
    encounters: &'a [Encounter],
    part2_notice: bool,
}

fn cover_letter(p: &PacketParts) -> String {
    let r = p.r;
    let org = if p.org.trim().is_empty() {
        "Health Information Management"
    } else {
        p.org
    };
    let mut s = format!(
        "{org}\nRelease of information — cover letter\n\nDate: {on}\nTo: {name}\n{contact}\n\n\
         Re: {patient}, born {dob}, MRN {mrn}\nRequest: {id}, received {received}\n\
         Purpose: {purpose}\nBasis for release: {basis}\nDelivery: {delivery} ({format})\n\n\
         Enclosed:\n",
        on = p.release.on,
        name = r.requester_name,
        contact = r.requester_contact,
        patient = p.patient.display_name(),
        dob = p.patient.dob,
        mrn = p.patient.mrn,
        id = r.id,
        received = r.received,
        purpose = r.purpose.label(),
        basis = p.release.basis.label(),
        delivery = r.delivery.label(),
        format = r.format.label(),
    );
    for d in p.release.sent() {
        s.push_str(&format!(
            "  - {} of {} ({})\n",
            d.kind, d.written, d.document_id
        ));
    }
    let held = p.release.documents.len() - p.release.sent().count();
    if held > 0 {
        if r.requester_type.is_access() {
            s.push_str("\nNot enclosed:\n");
            for d in p.release.documents.iter().filter(|d| d.withheld.is_some()) {
                s.push_str(&format!(
                    "  - {} of {}: {}\n",
                    d.kind,
                    d.written,
                    d.withheld.as_deref().unwrap_or_default()
                ));
            }
        } else {
            // A third party is not told what kind of record was held back.
            s.push_str(&format!(
                "\n{held} document(s) within the request were not enclosed: the authorization \
                 or legal basis does not cover them.\n"
            ));
        }
    }
    if p.part2_notice {
        s.push_str(
            "\nRecords protected by 42 CFR Part 2 are enclosed; the notice prohibiting \
             re-disclosure (PART2-NOTICE.txt) accompanies them.\n",
        );
    }
    s.push_str(&format!(
        "\nFee: {} (see invoice.txt)\n\nReleased by {} on {}.\n",
        roi::format_cents(p.release.fee.total_cents),
        p.release.by,
        p.release.on
    ));
    s
}

fn invoice(p: &PacketParts) -> String {
    let mut s = format!(
        "Invoice for request {}\nBill to: {}\n{}\n\nMethod: {}\n\n",
        p.r.id, p.r.requester_name, p.r.requester_contact, p.release.fee.method
    );
    for l in &p.release.fee.lines {
        s.push_str(&format!(
            "  {:<50} {:>10}\n",
            l.what,
            roi::format_cents(l.cents)
        ));
    }
    s.push_str(&format!(
        "  {:<50} {:>10}\n",
        "Total",
        roi::format_cents(p.release.fee.total_cents)
    ));
    s
}

/// The patient's electronic copy in structured JSON (FHIR R4 comes with issue 9).
fn electronic_copy(p: &PacketParts) -> Result<Vec<u8>, StoreError> {
    let patient = p.patient;
    let value = serde_json::json!({
        "format": "chartroom-electronic-copy/1",
        "request": p.r.id,
        "released_on": p.release.on.to_string(),
        "patient": {
            "mrn": patient.mrn,
            "family_name": patient.family_name,
            "given_names": patient.given_names,
            "birth_date": patient.dob.to_string(),
            "sex": format!("{:?}", patient.sex).to_lowercase(),
            "address": patient.address.as_ref().map(|a| serde_json::json!({
                "line": a.line, "city": a.city, "state": a.state, "zip": a.zip
            })),
            "phone": patient.phone,
        },
        "encounters": p.encounters.iter().map(|e| serde_json::json!({
            "id": e.id,
            "class": e.class.label(),
            "admitted": e.admitted.to_string(),
            "discharged": e.discharged.map(|d| d.to_string()),
            "location": e.location,
            "attending": e.attending,
        })).collect::<Vec<_>>(),
        "documents": p.docs.iter()
            .filter(|(d, _)| p.release.sent().any(|s| s.document_id == d.id))
            .map(|(d, _)| serde_json::json!({
                "id": d.id,
                "encounter": d.encounter_id,
                "kind": d.kind,
                "author": d.author,
                "written": d.written.to_string(),
                "text": d.text,
            })).collect::<Vec<_>>(),
    });
    serde_json::to_vec_pretty(&value)
        .map_err(|e| StoreError::Internal(format!("electronic copy: {e}")))
}

fn packet_files(p: &PacketParts) -> Result<Vec<PacketFile>, StoreError> {
    let mut files = vec![
        PacketFile {
            name: "cover-letter.txt".into(),
            bytes: cover_letter(p).into_bytes(),
        },
        PacketFile {
            name: "invoice.txt".into(),
            bytes: invoice(p).into_bytes(),
        },
    ];
    for (n, (d, _)) in p
        .docs
        .iter()
        .filter(|(d, _)| p.release.sent().any(|s| s.document_id == d.id))
        .enumerate()
    {
        let e = p.encounters.iter().find(|e| e.id == d.encounter_id);
        files.push(PacketFile {
            name: format!(
                "{:03}-{}-{}.txt",
                n + 1,
                packet::safe_file_stem(&format!("{} {}", d.kind, d.written)),
                packet::safe_file_stem(&d.id)
            ),
            bytes: record_text(d, e).into_bytes(),
        });
    }
    if p.part2_notice {
        files.push(PacketFile {
            name: "PART2-NOTICE.txt".into(),
            bytes: format!("{}\n", roi::PART2_NOTICE).into_bytes(),
        });
    }
    if p.r.requester_type.is_access() && p.r.format == roi::Format::Electronic {
        files.push(PacketFile {
            name: "electronic-copy.json".into(),
            bytes: electronic_copy(p)?,
        });
    }
    Ok(files)
}

/// The accounting of disclosures as the patient receives it.
fn accounting_text(
    org: &str,
    patient: &Patient,
    requested_on: NaiveDate,
    listed: &[&Disclosure],
    fee_cents: u32,
) -> String {
    let mut s = format!(
        "{org}\nAccounting of disclosures (45 CFR 164.528)\n\nPatient: {}, born {}, MRN {}\n\
         Requested: {requested_on}\nPeriod: {} to {requested_on}\n\n",
        patient.display_name(),
        patient.dob,
        patient.mrn,
        roi::accounting_start(requested_on),
    );
    if listed.is_empty() {
        s.push_str("No disclosures that must be accounted for were made in this period.\n");
    }
    for d in listed {
        s.push_str(&format!(
            "{}  To: {}, {}\n            What: {}\n            Purpose: {}\n\n",
            d.disclosed_on, d.recipient, d.recipient_address, d.description, d.purpose
        ));
    }
    s.push_str(&format!(
        "\nFee: {}{}\n",
        roi::format_cents(fee_cents),
        if fee_cents == 0 {
            " (the first accounting in any 12 months is free)"
        } else {
            ""
        }
    ));
    s
}

/// What an accounting asked for on `requested_on` lists (the current version of each
/// accountable disclosure of the six years before) and what it costs.
fn accounting_preview(
    tx: &mut WriteTx,
    grant: &Grant,
    mrn: &str,
    requested_on: NaiveDate,
    fee_cents: u32,
) -> Result<AccountingPreview, StoreError> {
    let current: Vec<Disclosure> = tx
        .disclosures_of(grant, mrn)?
        .into_iter()
        .filter_map(|mut v| v.pop())
        .collect();
    let listed = roi::accounting(&current, requested_on)
        .into_iter()
        .cloned()
        .collect();
    let earlier: Vec<NaiveDate> = tx
        .accountings_of(grant, mrn)?
        .iter()
        .map(|a| a.requested_on)
        .collect();
    Ok(AccountingPreview {
        since: roi::accounting_start(requested_on),
        listed,
        fee_cents: roi::accounting_fee(&earlier, requested_on, fee_cents),
    })
}

impl LocalRecords {
    /// The session's actor if the role holds one of `any_of`; the refusal is audited.
    fn roi_actor(
        &self,
        token: &SessionToken,
        any_of: &[Permission],
        what: &str,
    ) -> ServiceResult<Actor> {
        let who = Actor::from(&self.ready_session(token)?);
        let mut last = None;
        for p in any_of {
            match policy::authorize(&who.subject, *p, Resource::Ordinary) {
                Ok(_) => return Ok(who),
                Err(r) => last = Some(r),
            }
        }
        let r = last.unwrap_or(policy::Refusal::Denied);
        Err(self.refuse(
            &who,
            AuditAction::OperationDenied,
            None,
            what,
            Self::refusal_error(r, what),
        ))
    }

    pub(super) fn roi_desk_as(&self, token: &SessionToken) -> ServiceResult<RoiDesk> {
        let who = self.roi_actor(
            token,
            &[Permission::ManageDisclosures, Permission::ViewAuditTrail],
            READING,
        )?;
        let grant = self.roi_list_grant(&who)?;
        let now = self.now();
        let today = department_date(now);
        let rows = self.store.write(|tx| {
            let requests = tx.roi_requests(&grant)?;
            let mut rows = Vec::with_capacity(requests.len());
            for request in requests {
                let patient_name = name_for(tx, &who, now, &request.mrn)?;
                rows.push(RoiRow {
                    request,
                    patient_name,
                });
            }
            let open = rows
                .iter()
                .filter(|r| !r.request.status.is_closed())
                .count();
            let overdue = rows.iter().filter(|r| r.request.is_overdue(today)).count();
            tx.append_audit(self.event(
                &who,
                AuditAction::RoiViewed,
                Outcome::Success,
                format!(
                    "desk: {} request(s), {open} open, {overdue} overdue",
                    rows.len()
                ),
            ))?;
            Ok(rows)
        })?;
        Ok(RoiDesk {
            rows: sorted_desk(rows, today),
            today,
        })
    }

    /// The grant the lists are read with (ManageDisclosures, else ViewAuditTrail).
    fn roi_list_grant(&self, who: &Actor) -> ServiceResult<Grant> {
        policy::authorize(
            &who.subject,
            Permission::ManageDisclosures,
            Resource::Ordinary,
        )
        .or_else(|_| {
            policy::authorize(&who.subject, Permission::ViewAuditTrail, Resource::Ordinary)
        })
        .map_err(|r| Self::refusal_error(r, READING))
    }

    pub(super) fn log_roi_request_as(
        &self,
        token: &SessionToken,
        new: NewRoiRequest,
    ) -> ServiceResult<RoiRequest> {
        let who = self.roi_actor(token, &[Permission::ManageDisclosures], MANAGING)?;
        self.log_roi_request_by(&who, new)
    }

    fn log_roi_request_by(&self, who: &Actor, new: NewRoiRequest) -> ServiceResult<RoiRequest> {
        let now = self.now();
        let today = department_date(now);
        let settings = self.settings()?;
        let by = who.subject.username.clone();
        let mrn = new.mrn.trim().to_string();
        let outcome = self.store.write(|tx| {
            let patient = grant_or_refuse!(patient_for(tx, who, now, &mrn, MANAGING)?);
            if let Some(into) = &patient.merged_into {
                return Err(rule(format!(
                    "chart {mrn} was merged into {into}; log the request on {into}, where the \
                     records now are"
                )));
            }
            if !new.records.encounters.is_empty() {
                let list = grant_or_refuse!(grant_for(
                    tx,
                    who,
                    now,
                    &mrn,
                    Permission::ViewEncounters,
                    MANAGING
                )?);
                let known: Vec<String> = tx
                    .encounters_for(&list, &mrn)?
                    .into_iter()
                    .map(|e| e.id)
                    .collect();
                if let Some(e) = new.records.encounters.iter().find(|e| !known.contains(e)) {
                    return Err(rule(format!(
                        "encounter {e} is not in chart {mrn}; the chart's encounters are on F3"
                    )));
                }
            }
            let mut r = RoiRequest::new(
                "",
                NewRoiRequest {
                    mrn: mrn.clone(),
                    ..new
                },
                &settings.roi_due_days,
                today,
                &by,
                now,
            )
            .map_err(rule)?;
            let id = tx.add_roi_request(&mut r)?;
            let mut ev = self.event(
                who,
                AuditAction::RoiLogged,
                Outcome::Success,
                format!(
                    "{id}: {} ({}), received {}, due {}",
                    r.requester_type.label(),
                    r.purpose.label(),
                    r.received,
                    r.due_date()
                ),
            );
            ev.patient = Some(mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(r))
        })?;
        outcome.map_err(|r| self.refused(who, r))
    }

    pub(super) fn roi_request_as(&self, token: &SessionToken, id: &str) -> ServiceResult<RoiView> {
        let who = self.roi_actor(
            token,
            &[Permission::ManageDisclosures, Permission::ViewAuditTrail],
            READING,
        )?;
        let grant = self.roi_list_grant(&who)?;
        let settings = self.settings()?;
        let now = self.now();
        let today = department_date(now);
        let outcome = self.store.write(|tx| {
            let Some(request) = tx.roi_request(id)? else {
                return Err(StoreError::NotFound {
                    what: format!("release-of-information request {id}"),
                });
            };
            // Reading the request itself needs the list grant; its chart decides the rest.
            let _ = tx.roi_requests_of(&grant, &request.mrn)?;
            let mrn = request.mrn.clone();
            let list = grant_or_refuse!(grant_for(
                tx,
                &who,
                now,
                &mrn,
                Permission::ViewEncounters,
                READING
            )?);
            let patient = grant_or_refuse!(patient_for(tx, &who, now, &mrn, READING)?);
            let mut documents = Vec::new();
            let mut accounting = None;
            if request.kind == RequestKind::Accounting {
                accounting = Some(accounting_preview(
                    tx,
                    &grant,
                    &mrn,
                    request.received,
                    settings.accounting_fee_cents,
                )?);
            }
            // An accounting request sends no records: its page lists the disclosures instead.
            let chart_documents = if accounting.is_some() {
                Vec::new()
            } else {
                tx.document_list(&list, &mrn)?
            };
            for info in chart_documents {
                let categories = if info.restricted {
                    Vec::new()
                } else {
                    let flag = tx.document_place(&info.id)?.and_then(|(_, _, f)| f);
                    roi::document_categories(&info.kind, flag, patient.sensitivity)
                };
                let wanted = !info.restricted
                    && request
                        .records
                        .wants(&info.kind, info.written, &info.encounter_id);
                documents.push(RoiCandidate {
                    pages: roi::pages_of(info.lines),
                    info,
                    categories,
                    wanted,
                });
            }
            documents
                .sort_by(|a, b| (b.info.written, &b.info.id).cmp(&(a.info.written, &a.info.id)));
            let mut includes: Vec<SensitiveCategory> = documents
                .iter()
                .filter(|d| d.wanted)
                .flat_map(|d| d.categories.iter().copied())
                .collect();
            includes.sort();
            includes.dedup();
            let check = request.check(&includes, today);
            let mut ev = self.event(
                &who,
                AuditAction::RoiViewed,
                Outcome::Success,
                format!("{id}: {} document(s) listed", documents.len()),
            );
            ev.patient = Some(mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(RoiView {
                patient_name: patient.display_name(),
                birth_date: patient.dob,
                legal_hold: patient.legal_hold.as_ref().map(|h| h.matter.clone()),
                request,
                check,
                documents,
                today,
                accounting,
            }))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn roi_step_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        step: RoiStep,
    ) -> ServiceResult<RoiRequest> {
        let who = self.roi_actor(token, &[Permission::ManageDisclosures], MANAGING)?;
        self.roi_step_by(&who, id, expected_version, step)
    }

    fn roi_step_by(
        &self,
        who: &Actor,
        id: &str,
        expected_version: u64,
        step: RoiStep,
    ) -> ServiceResult<RoiRequest> {
        let now = self.now();
        let today = department_date(now);
        let by = who.subject.username.clone();
        let outcome = self.store.write(|tx| {
            let mut r = tx.roi_request_for_update(id, expected_version)?;
            let _ = grant_or_refuse!(grant_for(
                tx,
                who,
                now,
                &r.mrn,
                Permission::ViewDemographics,
                MANAGING
            )?);
            let what = match step {
                RoiStep::Move { to, note } => {
                    r.move_to(to, &note, &by, now).map_err(rule)?;
                    format!("{id}: now {}", to.label())
                }
                RoiStep::Extend {
                    reason,
                    patient_told,
                } => {
                    r.extend(&reason, patient_told, today, &by, now)
                        .map_err(rule)?;
                    format!(
                        "{id}: extended to {}, patient told {patient_told}",
                        r.due_date()
                    )
                }
                RoiStep::Deny {
                    ground,
                    explanation,
                } => {
                    r.deny(ground, &explanation, today, &by, now)
                        .map_err(rule)?;
                    format!(
                        "{id}: denied ({}{})",
                        ground.label(),
                        if ground.reviewable() {
                            ", reviewable"
                        } else {
                            ""
                        }
                    )
                }
                RoiStep::Authorization(a) => {
                    r.set_authorization(*a, &by, now).map_err(rule)?;
                    format!("{id}: authorization recorded")
                }
                RoiStep::Papers {
                    legal,
                    representative_authority,
                } => {
                    r.set_papers(legal, &representative_authority, &by, now)
                        .map_err(rule)?;
                    format!("{id}: legal papers recorded")
                }
            };
            tx.put_roi_request(&mut r, expected_version)?;
            let mut ev = self.event(who, AuditAction::RoiChanged, Outcome::Success, what);
            ev.patient = Some(r.mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(r))
        })?;
        outcome.map_err(|r| self.refused(who, r))
    }

    pub(super) fn release_roi_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        input: ReleaseInput,
    ) -> ServiceResult<RoiRequest> {
        let who = self.roi_actor(token, &[Permission::ManageDisclosures], MANAGING)?;
        let now = self.now();
        let today = department_date(now);
        let settings = self.settings()?;
        let out_dir = release_dir(&settings, self.store.path())?;
        let by = who.subject.username.clone();
        let grant = self.roi_list_grant(&who)?;
        let mut written: Option<PathBuf> = None;
        let result = self.store.write(|tx| {
            let mut r = tx.roi_request_for_update(id, expected_version)?;
            if r.kind == RequestKind::Accounting {
                // Answered with the accounting itself; it needs no papers, so it may go from
                // any open status.
                if r.status.is_closed() {
                    return Err(rule(format!("{id} is already {}", r.status.label())));
                }
                let patient = grant_or_refuse!(patient_for(tx, &who, now, &r.mrn, MANAGING)?);
                let asked = AccountingAsked {
                    who: &who,
                    settings: &settings,
                    out_dir: &out_dir,
                    grant: &grant,
                    patient: &patient,
                    requested_on: r.received,
                    request_id: Some(id),
                    now,
                };
                let a = self.give_accounting(tx, &asked, &mut written)?;
                let given = AccountingGiven {
                    accounting_id: a.id.clone(),
                    on: a.provided_on,
                    at: now,
                    listed: a.listed.len(),
                    fee_cents: a.fee_cents,
                    dir: a.file.clone(),
                };
                let what = format!("{id}: accounting given, {}", given.summary());
                r.record_accounting(given, &by).map_err(rule)?;
                tx.put_roi_request(&mut r, expected_version)?;
                let mut ev = self.event(&who, AuditAction::RoiReleased, Outcome::Success, what);
                ev.patient = Some(r.mrn.clone());
                tx.append_audit(ev)?;
                return Ok(Ok(r));
            }
            if r.status != RequestStatus::InProcessing {
                return Err(rule(format!(
                    "{id} is {}; move it to \"in processing\" once its papers are complete, \
                     then release",
                    r.status.label()
                )));
            }
            let mrn = r.mrn.clone();
            let list = grant_or_refuse!(grant_for(
                tx,
                &who,
                now,
                &mrn,
                Permission::ViewEncounters,
                MANAGING
            )?);
            let patient = grant_or_refuse!(patient_for(tx, &who, now, &mrn, MANAGING)?);
            let mut ids = input.documents.clone();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err(rule("pick at least one document to release".into()));
            }
            let mut docs: Vec<(Document, Vec<SensitiveCategory>)> = Vec::new();
            for doc_id in &ids {
                let Some((m, encounter, flag)) = tx.document_place(doc_id)? else {
                    return Err(StoreError::NotFound {
                        what: format!("document {doc_id}"),
                    });
                };
                if m != mrn {
                    return Err(rule(format!(
                        "document {doc_id} is not in chart {mrn}; only the chart's own records \
                         can be released on this request"
                    )));
                }
                let g = grant_or_refuse!(content_grant(
                    tx,
                    &who,
                    now,
                    &mrn,
                    (&encounter, flag),
                    Permission::ViewClinicalText,
                    MANAGING
                )?);
                let Some(d) = tx.document(&g.grant, doc_id)? else {
                    return Err(StoreError::NotFound {
                        what: format!("document {doc_id}"),
                    });
                };
                let cats = roi::document_categories(&d.kind, flag, patient.sensitivity);
                docs.push((d, cats));
            }
            docs.sort_by(|a, b| (a.0.written, &a.0.id).cmp(&(b.0.written, &b.0.id)));
            let mut includes: Vec<SensitiveCategory> =
                docs.iter().flat_map(|(_, c)| c.iter().copied()).collect();
            includes.sort();
            includes.dedup();
            let check = r.check(&includes, today);
            let blocking = check.blocking();
            if !blocking.is_empty() {
                return Err(rule(format!(
                    "cannot release {id} yet: {}",
                    blocking.join(" ")
                )));
            }
            let documents: Vec<ReleasedDocument> = docs
                .iter()
                .map(|(d, cats)| ReleasedDocument {
                    document_id: d.id.clone(),
                    encounter_id: d.encounter_id.clone(),
                    kind: d.kind.clone(),
                    written: d.written,
                    categories: cats.clone(),
                    withheld: check.allows(cats).err(),
                })
                .collect();
            let pages: u32 = docs
                .iter()
                .zip(&documents)
                .filter(|(_, rd)| rd.withheld.is_none())
                .map(|((d, _), _)| roi::pages_of(d.text.lines().count()))
                .sum();
            let fee = roi::fee_quote(
                r.requester_type,
                r.format,
                &input.access_fee,
                &settings.roi_fees,
                settings.roi_labor_cents_per_hour,
                pages,
            )
            .map_err(rule)?;
            let part2_sent = documents
                .iter()
                .any(|d| d.withheld.is_none() && d.categories.contains(&SensitiveCategory::Part2));
            let mut release = Release {
                at: now,
                on: today,
                by: by.clone(),
                recipient: r.requester_name.clone(),
                recipient_address: r.requester_contact.clone(),
                delivery: r.delivery,
                documents,
                packet_dir: String::new(),
                files: Vec::new(),
                fee,
                basis: check.basis,
                disclosure_id: None,
            };
            if release.sent().next().is_none() {
                return Err(rule(
                    "none of the documents picked may go out on this request's papers; pick \
                     others or record an authorization that covers them"
                        .into(),
                ));
            }
            let encounters = tx.encounters_for(&list, &mrn)?;
            let parts = PacketParts {
                org: &settings.organisation,
                r: &r,
                patient: &patient,
                release: &release,
                docs: &docs,
                encounters: &encounters,
                part2_notice: check.part2_notice && part2_sent,
            };
            let packet = Packet {
                request_id: r.id.clone(),
                files: packet_files(&parts)?,
            };
            // The packet is written completely (or not at all) before anything is recorded.
            let done = packet::write_packet(&out_dir, &packet).map_err(|e| rule(e.to_string()))?;
            written = Some(done.dir.clone());
            release.packet_dir = done.dir.display().to_string();
            release.files = done
                .manifest
                .iter()
                .map(|m| (m.name.clone(), m.sha256.clone()))
                .collect();
            if release.basis.accountable() {
                let mut d = Disclosure {
                    id: String::new(),
                    mrn: mrn.clone(),
                    disclosed_on: today,
                    recipient: r.requester_name.clone(),
                    recipient_address: r.requester_contact.clone(),
                    description: release
                        .sent()
                        .map(|d| format!("{} of {}", d.kind, d.written))
                        .collect::<Vec<_>>()
                        .join("; "),
                    purpose: format!("{} ({})", r.purpose.label(), release.basis.label()),
                    request_id: Some(r.id.clone()),
                    manual: false,
                    entered_in_error: false,
                    version: 0,
                    recorded_by: by.clone(),
                    recorded_at: now,
                    correction_reason: None,
                    moved_from: None,
                };
                release.disclosure_id = Some(tx.add_disclosure(&mut d)?);
            }
            let summary = release.summary();
            let disclosure = release.disclosure_id.clone();
            let dir = release.packet_dir.clone();
            r.record_release(release, &by).map_err(rule)?;
            tx.put_roi_request(&mut r, expected_version)?;
            let mut ev = self.event(
                &who,
                AuditAction::RoiReleased,
                Outcome::Success,
                format!(
                    "{id}: {summary}; packet {dir}{}",
                    disclosure.map_or(String::new(), |d| format!("; accounted as {d}"))
                ),
            );
            ev.patient = Some(mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(r))
        });
        // A packet whose release did not commit was never released: it goes again.
        if !matches!(result, Ok(Ok(_)))
            && let Some(dir) = &written
        {
            let _ = std::fs::remove_dir_all(dir);
        }
        result?.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn chart_disclosures_as(
        &self,
        token: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<ChartDisclosures> {
        let who = self.roi_actor(
            token,
            &[Permission::ManageDisclosures, Permission::ViewAuditTrail],
            READING,
        )?;
        let grant = self.roi_list_grant(&who)?;
        let can_manage = policy::authorize(
            &who.subject,
            Permission::ManageDisclosures,
            Resource::Ordinary,
        )
        .is_ok();
        let settings = self.settings()?;
        let now = self.now();
        let today = department_date(now);
        let outcome = self.store.write(|tx| {
            let _ = grant_or_refuse!(grant_for(
                tx,
                &who,
                now,
                mrn,
                Permission::ViewEncounters,
                READING
            )?);
            let mut disclosures = tx.disclosures_of(&grant, mrn)?;
            disclosures.sort_by(|a, b| {
                let key = |v: &Vec<Disclosure>| v.last().map(|d| (d.disclosed_on, d.id.clone()));
                key(b).cmp(&key(a))
            });
            let current: Vec<Disclosure> = disclosures
                .iter()
                .filter_map(|v| v.last().cloned())
                .collect();
            let accounting_today = roi::accounting(&current, today)
                .into_iter()
                .map(|d| d.id.clone())
                .collect();
            let accountings = tx.accountings_of(&grant, mrn)?;
            let earlier: Vec<NaiveDate> = accountings.iter().map(|a| a.requested_on).collect();
            let next_accounting_fee_cents =
                roi::accounting_fee(&earlier, today, settings.accounting_fee_cents);
            let mut ev = self.event(
                &who,
                AuditAction::DisclosuresViewed,
                Outcome::Success,
                format!("{} disclosure(s)", disclosures.len()),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok(ChartDisclosures {
                disclosures,
                accountings,
                accounting_today,
                next_accounting_fee_cents,
                today,
                can_manage,
            }))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn record_disclosure_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        fields: DisclosureFields,
    ) -> ServiceResult<Disclosure> {
        let who = self.roi_actor(token, &[Permission::ManageDisclosures], MANAGING)?;
        self.record_disclosure_by(&who, mrn, fields)
    }

    fn record_disclosure_by(
        &self,
        who: &Actor,
        mrn: &str,
        fields: DisclosureFields,
    ) -> ServiceResult<Disclosure> {
        let now = self.now();
        let today = department_date(now);
        let by = who.subject.username.clone();
        let outcome = self.store.write(|tx| {
            let _ = grant_or_refuse!(patient_for(tx, who, now, mrn, MANAGING)?);
            let (on, [recipient, recipient_address, description, purpose]) =
                fields.check(today).map_err(rule)?;
            let mut d = Disclosure {
                id: String::new(),
                mrn: mrn.to_string(),
                disclosed_on: on,
                recipient,
                recipient_address,
                description,
                purpose,
                request_id: None,
                manual: true,
                entered_in_error: false,
                version: 0,
                recorded_by: by.clone(),
                recorded_at: now,
                correction_reason: None,
                moved_from: None,
            };
            let id = tx.add_disclosure(&mut d)?;
            let mut ev = self.event(
                who,
                AuditAction::DisclosureRecorded,
                Outcome::Success,
                format!("{id}: disclosed {on} (entered by hand)"),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok(d))
        })?;
        outcome.map_err(|r| self.refused(who, r))
    }

    pub(super) fn correct_disclosure_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        fields: DisclosureFields,
        entered_in_error: bool,
        reason: &str,
    ) -> ServiceResult<Disclosure> {
        let who = self.roi_actor(token, &[Permission::ManageDisclosures], MANAGING)?;
        let now = self.now();
        let today = department_date(now);
        let by = who.subject.username.clone();
        let outcome = self.store.write(|tx| {
            let Some(current) = tx.disclosure(id)? else {
                return Err(StoreError::NotFound {
                    what: format!("disclosure {id}"),
                });
            };
            let _ = grant_or_refuse!(grant_for(
                tx,
                &who,
                now,
                &current.mrn,
                Permission::ViewDemographics,
                MANAGING
            )?);
            let mut next = current
                .corrected(&fields, entered_in_error, reason, today, &by, now)
                .map_err(rule)?;
            tx.correct_disclosure(&mut next, expected_version)?;
            let mut ev = self.event(
                &who,
                AuditAction::DisclosureCorrected,
                Outcome::Success,
                format!(
                    "{id}: version {}{}",
                    next.version,
                    if entered_in_error {
                        ", entered in error"
                    } else {
                        ""
                    }
                ),
            );
            ev.patient = Some(current.mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(next))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn provide_accounting_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        requested_on: NaiveDate,
    ) -> ServiceResult<AccountingRecord> {
        let who = self.roi_actor(token, &[Permission::ManageDisclosures], MANAGING)?;
        let now = self.now();
        let settings = self.settings()?;
        let out_dir = release_dir(&settings, self.store.path())?;
        let grant = self.roi_list_grant(&who)?;
        let mut written: Option<PathBuf> = None;
        let result = self.store.write(|tx| {
            let patient = grant_or_refuse!(patient_for(tx, &who, now, mrn, MANAGING)?);
            let given = AccountingAsked {
                who: &who,
                settings: &settings,
                out_dir: &out_dir,
                grant: &grant,
                patient: &patient,
                requested_on,
                request_id: None,
                now,
            };
            Ok(Ok(self.give_accounting(tx, &given, &mut written)?))
        });
        if !matches!(result, Ok(Ok(_)))
            && let Some(dir) = &written
        {
            let _ = std::fs::remove_dir_all(dir);
        }
        result?.map_err(|r| self.refused(&who, r))
    }

    /// Lists the accountable disclosures of the 6 years before `requested_on`, writes the
    /// patient's copy (complete or not at all) and records it with its audit entry, in the
    /// caller's transaction. `written` names the folder so the caller can remove it if the
    /// transaction does not commit.
    fn give_accounting(
        &self,
        tx: &mut WriteTx,
        asked: &AccountingAsked,
        written: &mut Option<PathBuf>,
    ) -> Result<AccountingRecord, StoreError> {
        let today = department_date(asked.now);
        let requested_on = asked.requested_on;
        if requested_on > today {
            return Err(rule(format!(
                "the date the accounting was asked for ({requested_on}) cannot be in the future"
            )));
        }
        let mrn = asked.patient.mrn.clone();
        let AccountingPreview {
            listed, fee_cents, ..
        } = accounting_preview(
            tx,
            asked.grant,
            &mrn,
            requested_on,
            asked.settings.accounting_fee_cents,
        )?;
        let listed: Vec<&Disclosure> = listed.iter().collect();
        let mut a = AccountingRecord {
            id: String::new(),
            mrn: mrn.clone(),
            requested_on,
            provided_on: today,
            listed: listed.iter().map(|d| (d.id.clone(), d.version)).collect(),
            fee_cents,
            file: String::new(),
            by: asked.who.subject.username.clone(),
            at: asked.now,
            moved_from: None,
            request_id: asked.request_id.map(str::to_string),
        };
        let id = tx.add_accounting(&mut a)?;
        let text = accounting_text(
            &asked.settings.organisation,
            asked.patient,
            requested_on,
            &listed,
            fee_cents,
        );
        let done = packet::write_packet(
            asked.out_dir,
            &Packet {
                request_id: id.clone(),
                files: vec![PacketFile {
                    name: "accounting-of-disclosures.txt".into(),
                    bytes: text.into_bytes(),
                }],
            },
        )
        .map_err(|e| rule(e.to_string()))?;
        *written = Some(done.dir.clone());
        a.file = done.dir.display().to_string();
        // The record was added before its folder existed; write it again with the folder.
        tx.put_accounting(&a)?;
        let mut ev = self.event(
            asked.who,
            AuditAction::AccountingProvided,
            Outcome::Success,
            format!(
                "{id}: {} disclosure(s) since {}, fee {}{}",
                a.listed.len(),
                roi::accounting_start(requested_on),
                roi::format_cents(fee_cents),
                asked
                    .request_id
                    .map_or(String::new(), |r| format!(", answering {r}"))
            ),
        );
        ev.patient = Some(mrn);
        tx.append_audit(ev)?;
        Ok(a)
    }
}

/// What an accounting is given from: who, the department's settings, and for whom.
struct AccountingAsked<'a> {
    who: &'a Actor,
    settings: &'a Settings,
    out_dir: &'a Path,
    grant: &'a Grant,
    patient: &'a Patient,
    requested_on: NaiveDate,
    request_id: Option<&'a str>,
    now: DateTime<Utc>,
}

impl LocalRecords {
    /// The demo desk (F5): a few requests as if logged over the last weeks —
    /// one overdue, one waiting for an authorization, a provider's due soon, a court order
    /// and an accounting request — so the desk shows its clocks. Does nothing without the
    /// demo `roi` user or when requests exist.
    pub fn system_seed_roi(&self) -> ServiceResult<usize> {
        // The system sets the desk up, in the ROI clerk's role; the trail says so.
        let mut clerk = Self::system();
        clerk.subject.roles = vec![crate::domain::Role::Roi];
        let ready = self
            .store
            .write(|tx| Ok(tx.user("roi")?.is_some() && tx.roi_request_count()? == 0))?;
        if !ready {
            return Ok(0);
        }
        let today = department_date(self.now());
        let charts = self.store.read(|r| r.patient_mrns())?;
        let mut logged = 0;
        // Charts a clerk may open without breaking the glass, in MRN order.
        let mut open = charts.into_iter().filter_map(|mrn| {
            let p = self
                .store
                .write(|tx| Ok(patient_for(tx, &clerk, self.now(), &mrn, MANAGING)?.ok()))
                .ok()
                .flatten()?;
            (p.merged_into.is_none() && p.legal_hold.is_none()).then_some(p)
        });
        use roi::{RequestKind as K, RequesterType as R};
        let plan = [
            (R::Patient, K::Copies, 35, "asks for the whole chart"),
            (R::Attorney, K::Copies, 10, "personal injury claim"),
            (R::Provider, K::Copies, 3, "continuing care at Coast Clinic"),
            (
                R::CourtOrder,
                K::Copies,
                4,
                "Clatsop County Circuit Court case 26-CV-0117",
            ),
            (
                R::Patient,
                K::Accounting,
                20,
                "wants to know who has seen the record",
            ),
        ];
        for (who, kind, days_ago, note) in plan {
            let Some(p) = open.next() else { break };
            let received = today - chrono::Days::new(days_ago);
            let name = match who {
                R::Patient => format!("{} {}", p.given_names.join(" "), p.family_name),
                R::Attorney => "Smith & Lee LLP".into(),
                R::Provider => "Coast Clinic, Dr. Amara Osei".into(),
                _ => "Clatsop County Circuit Court".into(),
            };
            let new = NewRoiRequest {
                mrn: p.mrn.clone(),
                kind,
                requester_type: who,
                requester_name: name,
                requester_contact: "749 Commercial St, Astoria OR 97103".into(),
                records: roi::RecordsWanted::default(),
                purpose: roi::Purpose::usual_for(who),
                format: roi::Format::Electronic,
                delivery: roi::Delivery::SecureElectronic,
                received,
                representative_authority: String::new(),
                legal: roi::LegalProcess {
                    court_order: who == R::CourtOrder,
                    satisfactory_assurance: false,
                },
                note: note.into(),
            };
            if kind == K::Accounting {
                // Something for the accounting to list: a report made outside chartroom.
                self.record_disclosure_by(
                    &clerk,
                    &p.mrn,
                    DisclosureFields {
                        disclosed_on: Some(received - chrono::Days::new(150)),
                        recipient: "State Cancer Registry".into(),
                        recipient_address: "800 NE Oregon St, Portland OR 97232".into(),
                        description: "pathology report and treatment summary".into(),
                        purpose: "public health reporting required by state law".into(),
                    },
                )?;
            }
            let r = self.log_roi_request_by(&clerk, new)?;
            logged += 1;
            if who == R::Attorney {
                let r = self.roi_step_by(
                    &clerk,
                    &r.id,
                    r.version,
                    RoiStep::Move {
                        to: RequestStatus::Validating,
                        note: String::new(),
                    },
                )?;
                self.roi_step_by(
                    &clerk,
                    &r.id,
                    r.version,
                    RoiStep::Move {
                        to: RequestStatus::Waiting(roi::WaitReason::Authorization),
                        note: "asked the firm for the client's signed authorization".into(),
                    },
                )?;
            }
        }
        Ok(logged)
    }
}
