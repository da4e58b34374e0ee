//! The release-of-information forms: intake, the authorization (element by element), the
//! legal papers, and the one-step forms (waiting, cancel, extension, denial, release). Each is
//! a list of one-line fields; what was typed becomes the service's call only through the
//! domain's own types, and the service checks again.

use crate::domain::roi::{
    AccessFee, Authorization, Delivery, DenialGround, Disclosure, DisclosureFields, Format,
    LegalProcess, NewRoiRequest, Purpose, RecordsWanted, RequestKind, RequestStatus, RequesterType,
    SensitiveCategory, WaitReason, parse_dollars,
};
use crate::sanitize::sanitize;
use crate::service::{ReleaseInput, RoiStep};
use crate::ui::doc_viewer::truncate;
use crate::ui::input::TextInput;
use crate::ui::screens::amendment_form::parse_date;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Width of the labels, so the values line up.
const LABEL: usize = 26;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormField {
    Text {
        label: &'static str,
        input: TextInput,
    },
    /// One of `options`; Space or ←/→ moves through them.
    Choice {
        label: &'static str,
        options: Vec<String>,
        selected: usize,
    },
    /// Yes or no; Space turns it.
    Toggle { label: &'static str, on: bool },
}

fn text(label: &'static str, max: usize, value: &str) -> FormField {
    let mut input = TextInput::new(max);
    input.set(value);
    FormField::Text { label, input }
}

fn choice(label: &'static str, options: Vec<String>, selected: usize) -> FormField {
    FormField::Choice {
        label,
        options,
        selected,
    }
}

fn toggle(label: &'static str, on: bool) -> FormField {
    FormField::Toggle { label, on }
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// What the form is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormKind {
    Intake,
    Authorization,
    Papers,
    Wait,
    Cancel,
    Extend,
    Deny {
        access: bool,
    },
    Release {
        access: bool,
        electronic: bool,
        picked: usize,
    },
    /// A disclosure made outside chartroom.
    Disclosure,
    /// A correction of disclosure `id` at `version`.
    Correction {
        id: String,
        version: u64,
    },
    /// The accounting given to the patient.
    Accounting,
    /// An accounting request answered: what it will list.
    GiveAccounting {
        listed: usize,
        since: NaiveDate,
        fee_cents: u32,
    },
}

/// What a completed form asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormCall {
    Log(Box<NewRoiRequest>),
    Step(Box<RoiStep>),
    Release(ReleaseInput),
    Disclosure(DisclosureFields),
    Correct {
        id: String,
        version: u64,
        fields: DisclosureFields,
        entered_in_error: bool,
        reason: String,
    },
    Accounting(NaiveDate),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoiForm {
    pub kind: FormKind,
    pub fields: Vec<FormField>,
    pub focus: usize,
    pub problem: Option<String>,
    /// Sent, waiting for the service.
    pub sending: bool,
}

const ACCESS_FEES: [&str; 3] = [
    "flat fee $6.50 (electronic copy)",
    "actual cost (labour, supplies, postage)",
    "no charge",
];

impl RoiForm {
    fn new(kind: FormKind, fields: Vec<FormField>) -> RoiForm {
        RoiForm {
            kind,
            fields,
            focus: 0,
            problem: None,
            sending: false,
        }
    }

    /// Intake, starting from the chart in context.
    pub fn intake(mrn: Option<&str>, today: NaiveDate) -> RoiForm {
        RoiForm::new(
            FormKind::Intake,
            vec![
                text("Patient MRN", 12, mrn.unwrap_or_default()),
                choice(
                    "Requester",
                    RequesterType::ALL
                        .iter()
                        .map(|r| r.label().to_string())
                        .collect(),
                    0,
                ),
                text("Requester's name", 200, ""),
                text("Address or contact", 300, ""),
                choice(
                    "Request for",
                    RequestKind::ALL
                        .iter()
                        .map(|k| k.label().to_string())
                        .collect(),
                    0,
                ),
                choice(
                    "Purpose",
                    Purpose::ALL.iter().map(|p| p.label().to_string()).collect(),
                    0,
                ),
                choice(
                    "Format",
                    Format::ALL.iter().map(|f| f.label().to_string()).collect(),
                    0,
                ),
                choice(
                    "Delivery",
                    Delivery::ALL
                        .iter()
                        .map(|d| d.label().to_string())
                        .collect(),
                    0,
                ),
                text("Date received", 10, &date_text(Some(today))),
                text("Records from (optional)", 10, ""),
                text("Records to (optional)", 10, ""),
                text("Document kinds (, )", 200, ""),
                text("Encounters (, )", 200, ""),
                text("Representative authority", 300, ""),
                toggle("Court order attached", false),
                toggle("Satisfactory assurance", false),
                text("Note", 300, ""),
            ],
        )
    }

    pub fn authorization(a: Option<&Authorization>) -> RoiForm {
        let d = Authorization::default();
        let a = a.unwrap_or(&d);
        let covers = |c| a.covers.contains(&c);
        RoiForm::new(
            FormKind::Authorization,
            vec![
                text("Description of records", 300, &a.description),
                text("Who may disclose", 200, &a.who_may_disclose),
                text("Who receives", 200, &a.recipient),
                text("Purpose", 200, &a.purpose),
                text("Expires on (date)", 10, &date_text(a.expires_on)),
                text("... or expiry event", 200, &a.expiry_event),
                toggle("Expiry event has happened", a.expiry_event_occurred),
                text("Signed by", 200, &a.signed_by),
                text("Signed on", 10, &date_text(a.signed_on)),
                toggle("Signed by representative", a.signed_by_representative),
                text("Representative authority", 300, &a.representative_authority),
                toggle("Says: right to revoke", a.statement_right_to_revoke),
                toggle("Says: treatment not cond.", a.statement_conditioning),
                toggle("Says: re-disclosure risk", a.statement_redisclosure),
                text("Revoked on (date)", 10, &date_text(a.revoked_on)),
                toggle("Names Part 2 (SUD)", covers(SensitiveCategory::Part2)),
                toggle(
                    "Names psychotherapy notes",
                    covers(SensitiveCategory::PsychotherapyNotes),
                ),
                toggle("Names HIV", covers(SensitiveCategory::Hiv)),
                toggle(
                    "Names reproductive health",
                    covers(SensitiveCategory::ReproductiveHealth),
                ),
                text("Part 2: patient's name", 200, &a.part2_patient_name),
                text("Part 2: amount and kind", 300, &a.part2_amount_and_kind),
                text("Part 2: program", 200, &a.part2_program),
            ],
        )
    }

    pub fn papers(legal: &LegalProcess, representative_authority: &str) -> RoiForm {
        RoiForm::new(
            FormKind::Papers,
            vec![
                toggle("Court order attached", legal.court_order),
                toggle("Satisfactory assurance", legal.satisfactory_assurance),
                text("Representative authority", 300, representative_authority),
            ],
        )
    }

    pub fn wait() -> RoiForm {
        RoiForm::new(
            FormKind::Wait,
            vec![
                choice(
                    "Waiting for",
                    [
                        WaitReason::Authorization,
                        WaitReason::Fee,
                        WaitReason::Clarification,
                    ]
                    .iter()
                    .map(|w| w.label().to_string())
                    .collect(),
                    0,
                ),
                text("Note", 300, ""),
            ],
        )
    }

    pub fn cancel() -> RoiForm {
        RoiForm::new(FormKind::Cancel, vec![text("Why", 300, "")])
    }

    pub fn extend(today: NaiveDate) -> RoiForm {
        RoiForm::new(
            FormKind::Extend,
            vec![
                text("Written reason", 300, ""),
                text("Patient told on", 10, &date_text(Some(today))),
            ],
        )
    }

    pub fn deny(access: bool) -> RoiForm {
        let grounds: Vec<String> = deny_grounds(access)
            .iter()
            .map(|g| g.label().to_string())
            .collect();
        RoiForm::new(
            FormKind::Deny { access },
            vec![choice("Ground", grounds, 0), text("Explanation", 300, "")],
        )
    }

    pub fn release(access: bool, electronic: bool, picked: usize) -> RoiForm {
        let mut fields = Vec::new();
        if access {
            let options: Vec<String> = ACCESS_FEES.iter().map(|s| s.to_string()).collect();
            fields.push(choice("Fee", options, if electronic { 0 } else { 1 }));
            fields.push(text("Labour of copying (min)", 4, "0"));
            fields.push(text("Supplies ($)", 8, "0.00"));
            fields.push(text("Postage ($)", 8, "0.00"));
        }
        RoiForm::new(
            FormKind::Release {
                access,
                electronic,
                picked,
            },
            fields,
        )
    }

    /// Confirms giving an accounting request's accounting; nothing to fill in.
    pub fn give_accounting(listed: usize, since: NaiveDate, fee_cents: u32) -> RoiForm {
        RoiForm::new(
            FormKind::GiveAccounting {
                listed,
                since,
                fee_cents,
            },
            Vec::new(),
        )
    }

    pub fn disclosure(today: NaiveDate) -> RoiForm {
        RoiForm::new(
            FormKind::Disclosure,
            vec![
                text("Disclosed on", 10, &date_text(Some(today))),
                text("Recipient", 200, ""),
                text("Recipient's address", 300, ""),
                text("What was disclosed", 300, ""),
                text("Purpose", 300, ""),
            ],
        )
    }

    pub fn correction(d: &Disclosure) -> RoiForm {
        RoiForm::new(
            FormKind::Correction {
                id: d.id.clone(),
                version: d.version,
            },
            vec![
                text("Disclosed on", 10, &date_text(Some(d.disclosed_on))),
                text("Recipient", 200, &d.recipient),
                text("Recipient's address", 300, &d.recipient_address),
                text("What was disclosed", 300, &d.description),
                text("Purpose", 300, &d.purpose),
                toggle("Entered in error", false),
                text("Reason for correction", 300, ""),
            ],
        )
    }

    pub fn accounting(today: NaiveDate) -> RoiForm {
        RoiForm::new(
            FormKind::Accounting,
            vec![text("Patient asked on", 10, &date_text(Some(today)))],
        )
    }

    fn disclosure_fields(&self) -> Result<DisclosureFields, String> {
        Ok(DisclosureFields {
            disclosed_on: Some(parse_date("the date of the disclosure", self.text_of(0))?),
            recipient: self.text_of(1).to_string(),
            recipient_address: self.text_of(2).to_string(),
            description: self.text_of(3).to_string(),
            purpose: self.text_of(4).to_string(),
        })
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            FormKind::Intake => "New release-of-information request",
            FormKind::Authorization => "Authorization (45 CFR 164.508(c); 42 CFR 2.31)",
            FormKind::Papers => "Legal papers and authority",
            FormKind::Wait => "Waiting",
            FormKind::Cancel => "Cancel the request",
            FormKind::Extend => "The one 30-day extension (164.524(b)(2))",
            FormKind::Deny { .. } => "Deny the request",
            FormKind::Release { .. } => "Release",
            FormKind::Disclosure => "Record a disclosure made outside chartroom",
            FormKind::Correction { .. } => {
                "Correct a disclosure (a new version; the old one stays)"
            }
            FormKind::Accounting | FormKind::GiveAccounting { .. } => {
                "Accounting of disclosures (45 CFR 164.528)"
            }
        }
    }

    fn text_of(&self, i: usize) -> &str {
        match self.fields.get(i) {
            Some(FormField::Text { input, .. }) => input.value(),
            _ => "",
        }
    }

    fn choice_of(&self, i: usize) -> usize {
        match self.fields.get(i) {
            Some(FormField::Choice { selected, .. }) => *selected,
            _ => 0,
        }
    }

    fn on(&self, i: usize) -> bool {
        matches!(self.fields.get(i), Some(FormField::Toggle { on: true, .. }))
    }

    fn optional_date(&self, i: usize, what: &str) -> Result<Option<NaiveDate>, String> {
        let t = self.text_of(i).trim();
        if t.is_empty() {
            Ok(None)
        } else {
            parse_date(what, t).map(Some)
        }
    }

    pub fn typing(&self) -> bool {
        !self.sending
    }

    pub fn has_input(&self) -> bool {
        self.fields.iter().any(|f| match f {
            FormField::Text { input, .. } => !input.is_empty(),
            FormField::Toggle { on, .. } => *on,
            FormField::Choice { .. } => false,
        })
    }

    /// A key on the focused field; true when it used it.
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        if self.sending {
            return false;
        }
        let requester_changed = self.kind == FormKind::Intake && self.focus == 1;
        let used = match self.fields.get_mut(self.focus) {
            Some(FormField::Text { input, .. }) => input.handle_key(key),
            Some(FormField::Choice {
                options, selected, ..
            }) => match key.code {
                KeyCode::Char(' ') | KeyCode::Right => {
                    *selected = (*selected + 1) % options.len().max(1);
                    true
                }
                KeyCode::Left => {
                    *selected = (*selected + options.len().max(1) - 1) % options.len().max(1);
                    true
                }
                _ => false,
            },
            Some(FormField::Toggle { on, .. }) => match key.code {
                KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right => {
                    *on = !*on;
                    true
                }
                _ => false,
            },
            None => false,
        };
        // The purpose follows the requester until the clerk changes it.
        if used && requester_changed {
            let r = RequesterType::ALL[self.choice_of(1) % RequesterType::ALL.len()];
            let p = Purpose::ALL
                .iter()
                .position(|p| *p == Purpose::usual_for(r))
                .unwrap_or(0);
            if let Some(FormField::Choice { selected, .. }) = self.fields.get_mut(5) {
                *selected = p;
            }
        }
        used
    }

    pub fn paste(&mut self, s: &str) {
        if let Some(FormField::Text { input, .. }) = self.fields.get_mut(self.focus) {
            input.insert_str(&s.replace(['\n', '\r'], " "));
        }
    }

    pub fn next(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    pub fn on_last(&self) -> bool {
        self.fields.is_empty() || self.focus + 1 == self.fields.len()
    }

    /// The call this form makes, or what is wrong with it.
    pub fn call(&self, picked: &[String]) -> Result<FormCall, String> {
        match &self.kind {
            FormKind::Intake => {
                let mrn = self.text_of(0).trim().to_string();
                if mrn.is_empty() {
                    return Err(
                        "say whose records: the patient's MRN (open the chart first to fill it in)"
                            .into(),
                    );
                }
                let received = parse_date("the date received", self.text_of(8))?;
                let list = |i: usize| -> Vec<String> {
                    self.text_of(i)
                        .split(',')
                        .map(|k| k.trim().to_string())
                        .filter(|k| !k.is_empty())
                        .collect()
                };
                Ok(FormCall::Log(Box::new(NewRoiRequest {
                    mrn,
                    kind: RequestKind::ALL[self.choice_of(4) % RequestKind::ALL.len()],
                    requester_type: RequesterType::ALL[self.choice_of(1) % 10],
                    requester_name: self.text_of(2).to_string(),
                    requester_contact: self.text_of(3).to_string(),
                    records: RecordsWanted {
                        from: self.optional_date(9, "records from")?,
                        to: self.optional_date(10, "records to")?,
                        kinds: list(11),
                        encounters: list(12),
                    },
                    purpose: Purpose::ALL[self.choice_of(5) % Purpose::ALL.len()],
                    format: Format::ALL[self.choice_of(6) % Format::ALL.len()],
                    delivery: Delivery::ALL[self.choice_of(7) % Delivery::ALL.len()],
                    received,
                    representative_authority: self.text_of(13).to_string(),
                    legal: LegalProcess {
                        court_order: self.on(14),
                        satisfactory_assurance: self.on(15),
                    },
                    note: self.text_of(16).to_string(),
                })))
            }
            FormKind::Authorization => {
                let covers: Vec<SensitiveCategory> = SensitiveCategory::ALL
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| self.on(15 + i))
                    .map(|(_, c)| *c)
                    .collect();
                let a = Authorization {
                    description: self.text_of(0).trim().to_string(),
                    who_may_disclose: self.text_of(1).trim().to_string(),
                    recipient: self.text_of(2).trim().to_string(),
                    purpose: self.text_of(3).trim().to_string(),
                    expires_on: self.optional_date(4, "the expiration date")?,
                    expiry_event: self.text_of(5).trim().to_string(),
                    expiry_event_occurred: self.on(6),
                    signed_by: self.text_of(7).trim().to_string(),
                    signed_on: self.optional_date(8, "the date signed")?,
                    signed_by_representative: self.on(9),
                    representative_authority: self.text_of(10).trim().to_string(),
                    statement_right_to_revoke: self.on(11),
                    statement_conditioning: self.on(12),
                    statement_redisclosure: self.on(13),
                    revoked_on: self.optional_date(14, "the date revoked")?,
                    covers,
                    part2_patient_name: self.text_of(19).trim().to_string(),
                    part2_amount_and_kind: self.text_of(20).trim().to_string(),
                    part2_program: self.text_of(21).trim().to_string(),
                };
                Ok(FormCall::Step(Box::new(RoiStep::Authorization(Box::new(
                    a,
                )))))
            }
            FormKind::Papers => Ok(FormCall::Step(Box::new(RoiStep::Papers {
                legal: LegalProcess {
                    court_order: self.on(0),
                    satisfactory_assurance: self.on(1),
                },
                representative_authority: self.text_of(2).to_string(),
            }))),
            FormKind::Wait => {
                let reason = [
                    WaitReason::Authorization,
                    WaitReason::Fee,
                    WaitReason::Clarification,
                ][self.choice_of(0) % 3];
                Ok(FormCall::Step(Box::new(RoiStep::Move {
                    to: RequestStatus::Waiting(reason),
                    note: self.text_of(1).to_string(),
                })))
            }
            FormKind::Cancel => Ok(FormCall::Step(Box::new(RoiStep::Move {
                to: RequestStatus::Cancelled,
                note: self.text_of(0).to_string(),
            }))),
            FormKind::Extend => Ok(FormCall::Step(Box::new(RoiStep::Extend {
                reason: self.text_of(0).to_string(),
                patient_told: parse_date("the date the patient was told", self.text_of(1))?,
            }))),
            FormKind::Deny { access } => {
                let grounds = deny_grounds(*access);
                Ok(FormCall::Step(Box::new(RoiStep::Deny {
                    ground: grounds[self.choice_of(0) % grounds.len()],
                    explanation: self.text_of(1).to_string(),
                })))
            }
            FormKind::Disclosure => Ok(FormCall::Disclosure(self.disclosure_fields()?)),
            FormKind::Correction { id, version } => Ok(FormCall::Correct {
                id: id.clone(),
                version: *version,
                fields: self.disclosure_fields()?,
                entered_in_error: self.on(5),
                reason: self.text_of(6).to_string(),
            }),
            FormKind::Accounting => Ok(FormCall::Accounting(parse_date(
                "the date the patient asked",
                self.text_of(0),
            )?)),
            FormKind::GiveAccounting { .. } => Ok(FormCall::Release(ReleaseInput {
                documents: Vec::new(),
                access_fee: AccessFee::NoCharge,
            })),
            FormKind::Release { access, .. } => {
                if picked.is_empty() {
                    return Err("pick at least one document (Space on the Documents pane)".into());
                }
                let access_fee = if *access {
                    match self.choice_of(0) {
                        0 => AccessFee::FlatElectronic,
                        1 => AccessFee::ActualCost {
                            labor_minutes: self.text_of(1).trim().parse().map_err(|_| {
                                "the labour of copying is whole minutes".to_string()
                            })?,
                            supplies_cents: parse_dollars("supplies", self.text_of(2))?,
                            postage_cents: parse_dollars("postage", self.text_of(3))?,
                        },
                        _ => AccessFee::NoCharge,
                    }
                } else {
                    AccessFee::NoCharge
                };
                Ok(FormCall::Release(ReleaseInput {
                    documents: picked.to_vec(),
                    access_fee,
                }))
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let block = theme.panel(self.title().to_string());
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = usize::from(inner.width);
        let mut intro: Vec<Line> = Vec::new();
        if let FormKind::Release { access, picked, .. } = &self.kind {
            intro.push(Line::styled(
                format!(
                    "  {picked} document(s) picked. The packet is written in full to the \
                     release folder before anything is recorded."
                ),
                theme.text,
            ));
            if !access {
                intro.push(Line::styled(
                    "  The fee comes from the department's schedule for this requester type.",
                    theme.muted,
                ));
            }
        }
        if let FormKind::GiveAccounting {
            listed,
            since,
            fee_cents,
        } = &self.kind
        {
            intro.push(Line::styled(
                format!("  It lists {listed} disclosure(s) made since {since}."),
                theme.text,
            ));
            intro.push(Line::styled(
                format!(
                    "  Fee: {}{}",
                    crate::domain::roi::format_cents(*fee_cents),
                    if *fee_cents == 0 {
                        " (the first accounting in 12 months is free)"
                    } else {
                        ""
                    }
                ),
                theme.text,
            ));
            intro.push(Line::styled(
                "  It is written to the release folder in full, then recorded; Ctrl+S gives it.",
                theme.muted,
            ));
        }
        // Rows for the fields: what is left after the intro, the problem and the help.
        let room = usize::from(inner.height).saturating_sub(intro.len() + 2);
        let top = self.focus.saturating_sub(room.saturating_sub(1));
        let mut lines = intro;
        let mut cursor = None;
        for (i, f) in self.fields.iter().enumerate().skip(top).take(room) {
            let focused = i == self.focus;
            let label_style = if focused { theme.focus } else { theme.text };
            let (label, value) = match f {
                FormField::Text { label, input } => (*label, sanitize(input.value()).into_owned()),
                FormField::Choice {
                    label,
                    options,
                    selected,
                } => {
                    let o = options.get(*selected).map(String::as_str).unwrap_or("");
                    let (l, r) = if theme.ascii {
                        ("<", ">")
                    } else {
                        ("‹", "›")
                    };
                    (*label, format!("{l} {o} {r}"))
                }
                FormField::Toggle { label, on } => (
                    *label,
                    match (on, theme.ascii) {
                        (true, false) => "[✓] yes".to_string(),
                        (true, true) => "[x] yes".to_string(),
                        (false, _) => "[ ] no".to_string(),
                    },
                ),
            };
            let head = format!("{label:>LABEL$}: ");
            let room = width.saturating_sub(head.chars().count() + 1);
            let shown = truncate(&value, room, theme.ascii);
            let value_style = if focused { theme.focus } else { theme.selected };
            if focused && let FormField::Text { input, .. } = f {
                let before = input.value().chars().take(input.cursor()).count().min(room);
                let y = inner.y + u16::try_from(lines.len()).unwrap_or(0);
                let x = inner.x + u16::try_from(head.chars().count() + before).unwrap_or(0);
                cursor = Some((x, y));
            }
            let pad = room.saturating_sub(shown.chars().count());
            lines.push(Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(format!("{shown}{}", " ".repeat(pad.min(40))), value_style),
            ]));
        }
        while lines.len() < usize::from(inner.height).saturating_sub(2) {
            lines.push(Line::raw(""));
        }
        lines.push(match &self.problem {
            Some(p) => Line::styled(
                truncate(&sanitize(p), width, theme.ascii),
                theme.status_error,
            ),
            None => Line::raw(""),
        });
        let help = if self.sending {
            "Sending…"
        } else if theme.ascii {
            "Tab/Enter next field, Space or Left/Right change a choice, Ctrl+S sends, Esc cancels."
        } else {
            "Tab/Enter next field, Space or ←/→ change a choice, Ctrl+S sends, Esc cancels."
        };
        lines.push(Line::styled(
            truncate(help, width, theme.ascii),
            theme.muted,
        ));
        frame.render_widget(Paragraph::new(lines), inner);
        if let Some((x, y)) = cursor
            && x < inner.right()
        {
            frame.set_cursor_position((x, y));
        }
    }
}

/// The grounds offered: a patient's own request may be denied only on 164.524's.
fn deny_grounds(access: bool) -> Vec<DenialGround> {
    DenialGround::ALL
        .into_iter()
        .filter(|g| {
            let requester = if access {
                RequesterType::Patient
            } else {
                RequesterType::Attorney
            };
            g.fits(requester).is_ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn amounts() {
        for (typed, want) in [
            ("0", Some(0)),
            ("12.5", Some(1250)),
            ("$3.07", Some(307)),
            (".99", Some(99)),
            ("1.234", None),
            ("abc", None),
        ] {
            assert_eq!(parse_dollars("x", typed).ok(), want, "{typed}");
        }
    }

    #[test]
    fn intake_makes_a_request_and_the_purpose_follows_the_requester() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut f = RoiForm::intake(Some("10000004"), today);
        f.focus = 1;
        // patient -> personal representative -> another provider
        f.handle_key(&key(KeyCode::Char(' ')));
        f.handle_key(&key(KeyCode::Char(' ')));
        f.focus = 2;
        f.paste("Dr. Lee, Coast Clinic");
        f.focus = 3;
        f.paste("fax 503-555-0100");
        let FormCall::Log(n) = f.call(&[]).unwrap() else {
            panic!("not a log call");
        };
        assert_eq!(n.requester_type, RequesterType::Provider);
        assert_eq!(n.purpose, Purpose::Treatment);
        assert_eq!(n.received, today);
        assert_eq!(n.mrn, "10000004");
        assert_eq!(n.kind, RequestKind::Copies);
        f.focus = 4;
        f.handle_key(&key(KeyCode::Char(' ')));
        let FormCall::Log(n) = f.call(&[]).unwrap() else {
            panic!("not a log call");
        };
        assert_eq!(n.kind, RequestKind::Accounting);
        f.focus = 12;
        f.paste("E1, E2,");
        let FormCall::Log(n) = f.call(&[]).unwrap() else {
            panic!("not a log call");
        };
        assert_eq!(n.records.encounters, ["E1", "E2"]);
        f.focus = 9;
        f.paste("2026-02-30");
        assert!(f.call(&[]).unwrap_err().contains("not a date"));
    }

    #[test]
    fn a_release_needs_documents_and_a_fee_for_paper_copies_is_not_flat() {
        let f = RoiForm::release(true, false, 0);
        assert!(f.call(&[]).is_err());
        let FormCall::Release(r) = f.call(&["D1".into()]).unwrap() else {
            panic!()
        };
        assert!(
            matches!(r.access_fee, AccessFee::ActualCost { .. }),
            "paper starts at actual cost"
        );
    }
}
