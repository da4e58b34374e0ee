//! F3: the chart of the patient in context. A banner that never scrolls away, then the tabs
//! the user's roles see (the service sends the list; keys 1–7 pick one). The document tab
//! lists documents without text; Enter reads one (each read audited) in the viewer, with
//! find (`/`, `n`, `N`).

use super::chart_access_log::AccessLogTab;
use super::chart_amendments::AmendmentsTab;
use super::chart_codes::CodesTab;
use super::chart_disclosures::{DisclosureCall, DisclosuresTab};
use super::chart_summary::SummaryTab;
use super::legal_hold_form::{HoldRequest, LegalHoldForm};
use super::sensitivity_form::{FlagRequest, FlagTarget, SensitivityForm};
use crate::domain::patient::{Patient, age_on};
use crate::policy::ChartTab;
use crate::sanitize::sanitize;
use crate::service::ChartSummary;
use crate::ui::doc_viewer::DocumentViewer;
use crate::ui::input::TextInput;
use crate::ui::keymap::{Action, KeyScope};
use crate::ui::screens::amendment_form::AmendmentForm;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState, Wrap};
use unicode_width::UnicodeWidthStr;

#[derive(Clone, Debug, PartialEq)]
pub struct ChartView {
    pub chart: ChartSummary,
    pub tab: ChartTab,
    /// Selected row of the encounters and documents lists.
    pub selected: usize,
    pub doc_selected: usize,
    /// Earlier versions of the demographics, newest first, while the history shows.
    pub history: Option<Vec<Patient>>,
    pub history_scroll: usize,
    /// The document being read, over the tab area.
    pub viewer: Option<DocumentViewer>,
    /// The find prompt while the reader types a query.
    pub find: Option<TextInput>,
    pub access_log: Option<AccessLogTab>,
    pub codes: Option<CodesTab>,
    pub amendments: Option<AmendmentsTab>,
    pub disclosures: Option<DisclosuresTab>,
    /// A sentence for the status line from the last key on a tab (a step refused).
    notice: Option<String>,
    pub summary: SummaryTab,
    /// Compliance's flag form (`f`), over the tab area.
    pub flag_form: Option<SensitivityForm>,
    /// Compliance's legal-hold form (`L`), over the tab area.
    pub hold_form: Option<LegalHoldForm>,
}

/// What the chart asks the app to fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartRequest {
    Document(String),
    AccessLog,
    Codes,
    Amendments,
    Disclosures(DisclosureCall),
    SetFlag(FlagRequest),
    SetHold(HoldRequest),
}

impl ChartView {
    pub fn new(chart: ChartSummary) -> ChartView {
        // Registrars and billing see no summary: start on the first tab the role has.
        let tab = chart
            .tabs
            .iter()
            .copied()
            .find(|t| *t == ChartTab::Encounters)
            .or_else(|| chart.tabs.first().copied())
            .unwrap_or(ChartTab::Encounters);
        ChartView {
            chart,
            tab,
            selected: 0,
            doc_selected: 0,
            history: None,
            history_scroll: 0,
            viewer: None,
            find: None,
            access_log: None,
            codes: None,
            amendments: None,
            disclosures: None,
            notice: None,
            summary: SummaryTab::default(),
            flag_form: None,
            hold_form: None,
        }
    }

    /// Opens the flag form for the selected encounter on the Encounters tab, else for the
    /// chart. Err says why not (a withheld encounter cannot be flagged from here).
    pub fn open_flag_form(&mut self) -> Result<(), String> {
        let p = &self.chart.patient;
        let form = match (self.tab, self.chart.encounters.get(self.selected)) {
            (ChartTab::Encounters, Some(e)) => {
                if self.chart.withheld_encounters.contains(&e.id) {
                    return Err(
                        "This encounter is restricted for you: break the glass first.".into(),
                    );
                }
                SensitivityForm::new(
                    FlagTarget::Encounter {
                        mrn: p.mrn.clone(),
                        id: e.id.clone(),
                        version: e.version,
                        admitted: e.admitted,
                    },
                    e.sensitivity,
                )
            }
            _ => SensitivityForm::new(
                FlagTarget::Chart {
                    mrn: p.mrn.clone(),
                    version: p.version,
                },
                p.sensitivity,
            ),
        };
        self.viewer = None;
        self.history = None;
        self.find = None;
        self.flag_form = Some(form);
        Ok(())
    }

    /// Opens the legal-hold form: place one, or release the one in force.
    pub fn open_hold_form(&mut self) {
        self.viewer = None;
        self.history = None;
        self.find = None;
        self.flag_form = None;
        self.hold_form = Some(LegalHoldForm::new(&self.chart.patient));
    }

    /// A problem the flag or hold form found with what was typed, for the status line.
    pub fn form_problem(&mut self) -> Option<String> {
        if let Some(n) = self.notice.take() {
            return Some(n);
        }
        self.flag_form
            .as_mut()
            .and_then(SensitivityForm::problem)
            .or_else(|| self.hold_form.as_mut().and_then(LegalHoldForm::problem))
    }

    pub fn show_history(&mut self, versions: Vec<Patient>) {
        self.history = Some(versions);
        self.history_scroll = 0;
    }

    /// Typing into the find prompt or a field of an amendment form.
    pub fn typing(&self) -> bool {
        self.find.is_some()
            || self.amendment_form().is_some_and(|f| f.typing())
            || self.flag_form.as_ref().is_some_and(SensitivityForm::typing)
            || self.hold_form.is_some()
            || self.disclosure_form_open()
    }

    /// A form of the Disclosures tab is open.
    pub fn disclosure_form_open(&self) -> bool {
        self.disclosures.as_ref().is_some_and(|t| t.form.is_some())
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        if let Some(f) = &mut self.flag_form {
            return f.handle_key(key);
        }
        if let Some(f) = &mut self.hold_form {
            return f.handle_key(key);
        }
        if let Some(f) = &mut self.find {
            return f.handle_key(key);
        }
        if let Some(t) = &mut self.disclosures
            && t.form.is_some()
        {
            return t.handle_key(key);
        }
        self.amendment_form_mut().is_some_and(|f| f.handle_key(key))
    }

    /// The amendment step being filled in on the Amendments tab.
    pub fn amendment_form(&self) -> Option<&AmendmentForm> {
        self.amendments.as_ref().and_then(|t| t.form.as_ref())
    }

    pub fn amendment_form_mut(&mut self) -> Option<&mut AmendmentForm> {
        self.amendments.as_mut().and_then(|t| t.form.as_mut())
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = &mut self.flag_form {
            f.paste(text);
        } else if let Some(f) = &mut self.hold_form {
            f.paste(text);
        } else if let Some(f) = self.amendment_form_mut() {
            f.paste(text);
        } else if let Some(t) = &mut self.disclosures {
            t.paste(text);
        }
    }

    /// Documents the chart learned of after it opened (an accepted amendment appends one):
    /// added to the document list, newest first, without the text.
    pub fn add_documents(&mut self, docs: &[crate::domain::Document]) {
        for d in docs {
            if d.mrn != self.chart.patient.mrn || self.chart.documents.iter().any(|k| k.id == d.id)
            {
                continue;
            }
            let at = self
                .chart
                .documents
                .iter()
                .position(|k| k.written <= d.written)
                .unwrap_or(self.chart.documents.len());
            self.chart.documents.insert(
                at,
                crate::domain::patient::DocumentInfo {
                    id: d.id.clone(),
                    encounter_id: d.encounter_id.clone(),
                    kind: d.kind.clone(),
                    author: d.author.clone(),
                    written: d.written,
                    lines: d.text.lines().count(),
                    restricted: false,
                    amended_by: None,
                },
            );
        }
    }

    /// Marks the documents accepted requests amended (after the Amendments tab is read, so an
    /// acceptance made here shows in the document list at once).
    pub fn mark_amended(&mut self, requests: &[crate::domain::amendment::AmendmentRequest]) {
        use crate::domain::amendment::{AmendmentStatus, AmendmentTarget};
        for r in requests {
            if let (AmendmentStatus::Accepted, AmendmentTarget::Document { id, .. }) =
                (r.status, &r.target)
                && let Some(d) = self.chart.documents.iter_mut().find(|d| &d.id == id)
            {
                d.amended_by = Some(r.id.clone());
            }
        }
    }

    /// Something typed in an amendment or flag form would be lost.
    pub fn has_unsaved(&self) -> bool {
        self.amendment_form().is_some_and(|f| f.has_input())
            || self.flag_form.as_ref().is_some_and(|f| f.has_input())
            || self.hold_form.as_ref().is_some_and(|f| f.has_input())
            || self.disclosures.as_ref().is_some_and(|t| t.has_input())
    }

    /// Which keys mean something now: none of the chart's letters while a form is open,
    /// find in the reader, the amendment steps on their tab.
    pub fn key_scope(&self) -> KeyScope {
        if self.amendment_form().is_some()
            || self.flag_form.is_some()
            || self.hold_form.is_some()
            || self.disclosure_form_open()
        {
            KeyScope::Any
        } else if self.viewer.is_some() {
            KeyScope::Reader
        } else if self.tab == ChartTab::Amendments && self.history.is_none() {
            KeyScope::Amendments
        } else if self.tab == ChartTab::Disclosures && self.history.is_none() {
            KeyScope::Disclosures
        } else {
            KeyScope::Chart
        }
    }

    pub fn show_document(&mut self, title: &str, text: &str) {
        self.viewer = Some(DocumentViewer::new(title, text));
        self.find = None;
    }

    /// Esc: closes the innermost thing open; false when nothing was (the app goes back).
    pub fn close(&mut self) -> bool {
        if self.flag_form.take().is_some()
            || self.hold_form.take().is_some()
            || self.find.take().is_some()
        {
            return true;
        }
        if let Some(t) = &mut self.amendments
            && t.form.take().is_some()
        {
            return true;
        }
        if let Some(t) = &mut self.disclosures
            && t.close()
        {
            return true;
        }
        if let Some(v) = &mut self.viewer {
            if v.find_query().is_some() {
                v.clear_find();
            } else {
                self.viewer = None;
            }
            return true;
        }
        self.history.take().is_some()
    }

    /// Switches tab when the role sees it; Err says why not.
    pub fn select_tab(&mut self, tab: ChartTab) -> Result<Option<ChartRequest>, String> {
        if !self.chart.tabs.contains(&tab) {
            return Err(format!("{}: not shown for your role.", tab.label()));
        }
        self.tab = tab;
        self.viewer = None;
        self.flag_form = None;
        self.hold_form = None;
        self.find = None;
        self.history = None;
        Ok(match tab {
            ChartTab::AccessLog if self.access_log.is_none() => Some(ChartRequest::AccessLog),
            ChartTab::Codes if self.codes.is_none() => Some(ChartRequest::Codes),
            ChartTab::Amendments if self.amendments.is_none() => Some(ChartRequest::Amendments),
            ChartTab::Disclosures if self.disclosures.is_none() => {
                Some(ChartRequest::Disclosures(DisclosureCall::Load))
            }
            _ => None,
        })
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<ChartRequest> {
        if let Some(f) = &mut self.flag_form {
            return f.on_action(action).map(ChartRequest::SetFlag);
        }
        if let Some(f) = &mut self.hold_form {
            return f.on_action(action).map(ChartRequest::SetHold);
        }
        if let Some(f) = &self.find {
            if action == Action::Submit {
                let q = f.value().to_string();
                self.find = None;
                if let Some(v) = &mut self.viewer {
                    v.find(&q);
                }
            }
            return None;
        }
        if let Some(v) = &mut self.viewer {
            match action {
                Action::Up => v.scroll(-1),
                Action::Down => v.scroll(1),
                Action::PageUp => v.page_up(),
                Action::PageDown => v.page_down(),
                Action::Home => v.home(),
                Action::End => v.end(),
                Action::Find => self.find = Some(TextInput::new(100)),
                Action::NextMatch => v.next_match(),
                Action::PrevMatch => v.prev_match(),
                _ => {}
            }
            return None;
        }
        if let Some(h) = &self.history {
            crate::ui::list::move_selection(&mut self.history_scroll, h.len(), action, page);
            return None;
        }
        match self.tab {
            ChartTab::Documents => {
                if action == Action::Submit {
                    return self
                        .chart
                        .documents
                        .get(self.doc_selected)
                        .map(|d| ChartRequest::Document(d.id.clone()));
                }
                crate::ui::list::move_selection(
                    &mut self.doc_selected,
                    self.chart.documents.len(),
                    action,
                    page,
                );
            }
            ChartTab::Codes => {
                if let Some(t) = &mut self.codes {
                    t.on_action(action, page);
                }
            }
            ChartTab::AccessLog => {
                if let Some(t) = &mut self.access_log {
                    t.on_action(action, page);
                }
            }
            ChartTab::Amendments => {
                if let Some(t) = &mut self.amendments {
                    t.on_action(action, page);
                }
            }
            ChartTab::Disclosures => {
                if let Some(t) = &mut self.disclosures {
                    match t.on_action(action, page) {
                        Ok(call) => return call.map(ChartRequest::Disclosures),
                        Err(why) => self.notice = Some(why),
                    }
                }
            }
            ChartTab::Summary => self.summary.on_action(action, page),
            ChartTab::Encounters => {
                crate::ui::list::move_selection(
                    &mut self.selected,
                    self.chart.encounters.len(),
                    action,
                    page,
                );
            }
        }
        None
    }

    fn draw_banner(
        &self,
        frame: &mut Frame,
        banner: Rect,
        flags: Rect,
        theme: &Theme,
        today: NaiveDate,
    ) {
        let p = &self.chart.patient;
        let name = format!(
            "{}, {}",
            p.family_name.to_uppercase(),
            p.given_names.join(" ")
        );
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(sanitize(&name).into_owned(), theme.title),
                Span::styled(
                    format!(
                        "   MRN {}   DOB {} ({})   {}",
                        sanitize(&p.mrn),
                        p.dob.format("%Y-%m-%d"),
                        age_on(p.dob, today),
                        p.sex.letter()
                    ),
                    theme.text,
                ),
            ])),
            banner,
        );
        let mut marks = Vec::new();
        if let Some(d) = p.deceased {
            marks.push(format!("DECEASED {}", d.format("%Y-%m-%d")));
        }
        if p.sensitivity.is_some() {
            marks.push("RESTRICTED".to_string());
        }
        if p.legal_hold.is_some() {
            marks.push("LEGAL HOLD".to_string());
        }
        if let Some(m) = &p.merged_into {
            marks.push(format!("MERGED into {}", sanitize(m)));
        }
        if let Some(g) = &self.chart.break_glass {
            marks.push(format!(
                "BREAK-THE-GLASS until {}",
                g.expires.format("%H:%M UTC")
            ));
        }
        let marks = marks.join("  ");
        let mut line = Vec::new();
        if let Some(s) = &self.chart.summary {
            let room = usize::from(flags.width)
                .saturating_sub(marks.width() + if marks.is_empty() { 0 } else { 2 });
            line.push(allergy_banner(s, room, theme));
            if !marks.is_empty() {
                line.push(Span::raw("  "));
            }
        }
        line.push(Span::styled(marks, theme.status_warning));
        frame.render_widget(Paragraph::new(Line::from(line)), flags);
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, today: NaiveDate) {
        let n = self.chart.encounters.len();
        let block = theme.panel(format!(
            "Chart — {n} encounter{}, {} document{}",
            if n == 1 { "" } else { "s" },
            self.chart.documents.len(),
            if self.chart.documents.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [banner, flags, tabs, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        self.draw_banner(frame, banner, flags, theme, today);
        self.draw_tabs(frame, tabs, theme);
        match self.tab {
            ChartTab::Encounters => self.draw_encounters(frame, body, theme),
            ChartTab::Documents => self.draw_documents(frame, body, theme),
            ChartTab::AccessLog => match &self.access_log {
                Some(t) => t.draw(frame, body, theme),
                None => placeholder(frame, body, theme, "Loading the access log…"),
            },
            ChartTab::Amendments => match &self.amendments {
                Some(t) => t.draw(frame, body, theme, today),
                None => placeholder(frame, body, theme, "Loading amendment requests…"),
            },
            ChartTab::Summary => self
                .summary
                .draw(frame, body, theme, self.chart.summary.as_ref()),
            ChartTab::Codes => match &self.codes {
                Some(t) => t.draw(frame, body, theme),
                None => placeholder(frame, body, theme, "Loading the codes…"),
            },
            ChartTab::Disclosures => match &self.disclosures {
                Some(t) => t.draw(frame, body, theme),
                None => placeholder(frame, body, theme, "Loading the accounting of disclosures…"),
            },
        }
        if let Some(v) = &self.viewer {
            frame.render_widget(Clear, body);
            let [text, prompt] = Layout::vertical([
                Constraint::Min(0),
                Constraint::Length(u16::from(self.find.is_some())),
            ])
            .areas(body);
            v.draw(frame, text, theme);
            if let Some(f) = &self.find {
                frame.render_widget(
                    Paragraph::new(Line::from(vec![
                        Span::styled("Find: ", theme.title),
                        Span::styled(sanitize(f.value()).into_owned(), theme.focus),
                    ])),
                    prompt,
                );
            }
        }
        if let Some(h) = &self.history {
            draw_history(frame, body, theme, h, self.history_scroll);
        }
        if let Some(f) = &self.flag_form {
            f.draw(frame, body, theme);
        }
        if let Some(f) = &self.hold_form {
            f.draw(frame, body, theme);
        }
    }

    fn draw_tabs(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let mut spans = Vec::new();
        for (i, tab) in ChartTab::ALL.iter().enumerate() {
            if !self.chart.tabs.contains(tab) {
                continue;
            }
            let style = if *tab == self.tab {
                theme.selected
            } else {
                theme.muted
            };
            // All seven fit 78 columns with "Access" for the access log.
            let label = match tab {
                ChartTab::AccessLog => "Access",
                other => other.label(),
            };
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(format!("{} {label}", i + 1), style));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_encounters(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.chart.encounters.is_empty() {
            return placeholder(frame, area, theme, "No encounters recorded.");
        }
        let [table_area, details] =
            crate::ui::list::table_and_details(area, self.chart.encounters.len(), 3);
        // `R` marks a restricted encounter: withheld (where and by whom left out) for a
        // user without the grant, or flagged and readable for one with it.
        let rows = self.chart.encounters.iter().map(|e| {
            let withheld = self.chart.withheld_encounters.contains(&e.id);
            let row = Row::new(vec![
                Cell::from(if withheld || e.sensitivity.is_some() {
                    "R"
                } else {
                    " "
                }),
                Cell::from(e.admitted.format("%Y-%m-%d").to_string()),
                Cell::from(e.discharged.map_or_else(
                    || "in house".to_string(),
                    |d| d.format("%Y-%m-%d").to_string(),
                )),
                Cell::from(e.class.label()),
                Cell::from(sanitize(&e.location).into_owned()),
                Cell::from(sanitize(&e.attending).into_owned()),
                Cell::from(
                    self.chart
                        .coding
                        .iter()
                        .find(|(id, _)| id == &e.id)
                        .map_or("", |(_, s)| s.label()),
                ),
            ]);
            if withheld {
                row.style(theme.status_warning)
            } else {
                row
            }
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(11),
                Constraint::Length(14),
                Constraint::Min(10),
                Constraint::Length(11),
            ],
        )
        .header(
            Row::new([
                "R",
                "Admitted",
                "Discharged",
                "Type",
                "Location",
                "Attending",
                "Coding",
            ])
            .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default()
            .with_selected((!self.chart.encounters.is_empty()).then_some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        if let Some(e) = self.chart.encounters.get(self.selected) {
            self.draw_encounter_details(frame, details, theme, e);
        }
    }

    /// The selected encounter in words: where, by whom, how it ended, its coding.
    fn draw_encounter_details(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        e: &crate::domain::Encounter,
    ) {
        let text_area = crate::ui::list::details_rule(
            frame,
            area,
            theme,
            format!(" Encounter {} ", sanitize(&e.id)),
        );
        let dot = if theme.ascii { " - " } else { " · " };
        let line = if self.chart.withheld_encounters.contains(&e.id) {
            Line::styled(
                "Restricted encounter: where, by whom and how it ended need break-the-glass.",
                theme.status_warning,
            )
        } else {
            let coding = self
                .chart
                .coding
                .iter()
                .find(|(id, _)| id == &e.id)
                .map_or(String::new(), |(_, s)| format!("{dot}coding {}", s.label()));
            Line::styled(
                format!(
                    "{} at {}, {}{dot}discharge status: {}{coding}",
                    e.class.label(),
                    sanitize(&e.location),
                    sanitize(&e.attending),
                    e.discharge_status
                        .as_deref()
                        .map_or("not recorded".into(), sanitize),
                ),
                theme.text,
            )
        };
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), text_area);
    }

    fn draw_documents(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.chart.documents.is_empty() {
            return placeholder(frame, area, theme, "No documents recorded.");
        }
        let rows = self.chart.documents.iter().map(|d| {
            if d.restricted {
                return Row::new(vec![
                    Cell::from(d.written.format("%Y-%m-%d").to_string()),
                    Cell::from("restricted encounter"),
                    Cell::from("(break the glass to read)"),
                    Cell::from("    -"),
                ])
                .style(theme.status_warning);
            }
            // An amended document stays as written; the list says it was amended.
            let kind = match &d.amended_by {
                Some(_) => Line::from(vec![
                    Span::raw(sanitize(&d.kind).into_owned()),
                    Span::styled(" (amended)", theme.status_warning),
                ]),
                None => Line::raw(sanitize(&d.kind).into_owned()),
            };
            Row::new(vec![
                Cell::from(d.written.format("%Y-%m-%d").to_string()),
                Cell::from(kind),
                Cell::from(sanitize(&d.author).into_owned()),
                Cell::from(format!("{:>5}", d.lines)),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Length(28),
                Constraint::Min(16),
                Constraint::Length(5),
            ],
        )
        .header(Row::new(["Written", "Document", "Author", "Lines"]).style(theme.title));
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.doc_selected));
        frame.render_stateful_widget(table, area, &mut state);
    }
}

/// The banner's allergies in `width` columns: the error style when one is severe or of high
/// criticality, a warning when allergies are listed or nobody recorded them.
fn allergy_banner(
    s: &crate::domain::clinical::ClinicalSummary,
    width: usize,
    theme: &Theme,
) -> Span<'static> {
    use crate::domain::clinical::AllergyListStatus;
    const LABEL: &str = "Allergies: ";
    let (text, style) = match s.allergy_status {
        AllergyListStatus::Allergies if width > LABEL.len() + 3 => (
            format!("{LABEL}{}", s.banner_allergies(width - LABEL.len())),
            if s.has_dangerous_allergy() {
                theme.status_error
            } else {
                theme.status_warning
            },
        ),
        AllergyListStatus::Allergies => (s.banner_allergies(width), theme.status_error),
        AllergyListStatus::NotRecorded => (s.banner_allergies(width), theme.status_warning),
        AllergyListStatus::NoKnownAllergies | AllergyListStatus::NoActiveAllergies => {
            (s.banner_allergies(width), theme.text)
        }
    };
    Span::styled(sanitize(&text).into_owned(), style)
}

fn placeholder(frame: &mut Frame, area: Rect, theme: &Theme, text: &str) {
    frame.render_widget(
        Paragraph::new(Line::styled(text.to_string(), theme.muted))
            .wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

/// One line per version: when, who, and what that version changed.
pub fn history_lines(versions: &[Patient]) -> Vec<String> {
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let what = match versions.get(i + 1) {
                Some(older) => {
                    let changed = older.changed_fields(v);
                    if changed.is_empty() {
                        "no demographic change".to_string()
                    } else {
                        changed.join(", ")
                    }
                }
                None => "registered".to_string(),
            };
            format!(
                "v{:<3} {} {:<12} {}",
                v.version,
                v.updated_at.format("%Y-%m-%d %H:%M"),
                v.updated_by,
                what
            )
        })
        .collect()
}

fn draw_history(frame: &mut Frame, area: Rect, theme: &Theme, versions: &[Patient], top: usize) {
    frame.render_widget(Clear, area);
    let block = theme.panel(format!(
        "Demographic history — {} version{} (Esc closes)",
        versions.len(),
        if versions.len() == 1 { "" } else { "s" }
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines: Vec<Line> = history_lines(versions)
        .into_iter()
        .skip(top)
        .map(|l| Line::styled(sanitize(&l).into_owned(), theme.text))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
