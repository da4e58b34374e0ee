//! The chart's Disclosures tab: the accounting of disclosures (45 CFR 164.528). Each
//! disclosure with its date, recipient, what and why, newest first; a corrected one shows
//! its version and the reason, one entered in error is struck from the accounting but kept.
//! Below: what an accounting asked for today would list and cost (the first in 12 months is
//! free), and the accountings already given. `m` records a disclosure made outside
//! chartroom, `c` corrects the selected one, `A` gives the patient their accounting.

use crate::domain::roi::Disclosure;
use crate::sanitize::sanitize;
use crate::service::ChartDisclosures;
use crate::ui::doc_viewer::truncate;
use crate::ui::keymap::Action;
use crate::ui::screens::roi_forms::{FormCall, RoiForm};
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// What the tab asks the app for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisclosureCall {
    Load,
    Form(FormCall),
}

#[derive(Clone, Debug, PartialEq)]
pub struct DisclosuresTab {
    pub data: ChartDisclosures,
    pub selected: usize,
    pub form: Option<RoiForm>,
}

impl DisclosuresTab {
    pub fn new(data: ChartDisclosures) -> DisclosuresTab {
        DisclosuresTab {
            data,
            selected: 0,
            form: None,
        }
    }

    /// The list read again after a change: the selection stays where it was.
    pub fn reload(&mut self, data: ChartDisclosures) {
        self.selected = self.selected.min(data.disclosures.len().saturating_sub(1));
        self.data = data;
        self.form = None;
    }

    pub fn refused(&mut self, why: String) {
        if let Some(f) = &mut self.form {
            f.sending = false;
            f.problem = Some(why);
        }
    }

    pub fn typing(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.typing())
    }

    pub fn has_input(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.has_input())
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        self.form.as_mut().is_some_and(|f| f.handle_key(key))
    }

    pub fn paste(&mut self, s: &str) {
        if let Some(f) = &mut self.form {
            f.paste(s);
        }
    }

    pub fn close(&mut self) -> bool {
        self.form.take().is_some()
    }

    fn current(&self) -> Option<&Disclosure> {
        self.data
            .disclosures
            .get(self.selected)
            .and_then(|v| v.last())
    }

    /// A key on the tab; Err is a sentence for the status line.
    pub fn on_action(
        &mut self,
        action: Action,
        page: usize,
    ) -> Result<Option<DisclosureCall>, String> {
        if let Some(f) = &mut self.form {
            if f.sending {
                return Ok(None);
            }
            match action {
                Action::NextField | Action::Down => f.next(),
                Action::PrevField | Action::Up => f.prev(),
                Action::Submit if !f.on_last() => f.next(),
                Action::Submit | Action::Save => match f.call(&[]) {
                    Err(why) => f.problem = Some(why),
                    Ok(call) => {
                        f.sending = true;
                        f.problem = None;
                        return Ok(Some(DisclosureCall::Form(call)));
                    }
                },
                _ => {}
            }
            return Ok(None);
        }
        let n = self.data.disclosures.len();
        if crate::ui::list::move_selection(&mut self.selected, n, action, page) {
            return Ok(None);
        }
        let today = self.data.today;
        let manage = |what: &str| {
            format!(
                "{what} is for the release-of-information desk; your role reads the accounting only."
            )
        };
        match action {
            Action::RecordDisclosure if !self.data.can_manage => {
                Err(manage("Recording a disclosure"))
            }
            Action::CorrectDisclosure if !self.data.can_manage => {
                Err(manage("Correcting a disclosure"))
            }
            Action::ProvideAccounting if !self.data.can_manage => {
                Err(manage("Giving an accounting"))
            }
            Action::RecordDisclosure => {
                self.form = Some(RoiForm::disclosure(today));
                Ok(None)
            }
            Action::CorrectDisclosure => match self.current() {
                None => Err("No disclosure is selected.".into()),
                Some(d) if d.entered_in_error => Err(format!(
                    "{} was marked entered in error; it stays in the history and is not corrected again.",
                    d.id
                )),
                Some(d) => {
                    self.form = Some(RoiForm::correction(d));
                    Ok(None)
                }
            },
            Action::ProvideAccounting => {
                self.form = Some(RoiForm::accounting(today));
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        if self.form.is_some() {
            return vec![(Action::Save, 0), (Action::NextField, 1)];
        }
        if !self.data.can_manage {
            return Vec::new();
        }
        let mut v = vec![
            (Action::RecordDisclosure, 0),
            (Action::ProvideAccounting, 0),
        ];
        if self.current().is_some() {
            v.push((Action::CorrectDisclosure, 0));
        }
        v
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let ascii = theme.ascii;
        let w = usize::from(area.width);
        let d = &self.data;
        let summary = vec![
            Line::styled(
                truncate(
                    &format!(
                        "Accounting today: {} listed since {}, fee {}{}",
                        d.accounting_today.len(),
                        crate::domain::roi::accounting_start(d.today),
                        crate::domain::roi::format_cents(d.next_accounting_fee_cents),
                        if d.next_accounting_fee_cents == 0 {
                            " (first in 12 months)"
                        } else {
                            ""
                        }
                    ),
                    w,
                    ascii,
                ),
                theme.text,
            ),
            Line::styled(
                truncate(
                    &match d.accountings.last() {
                        None => {
                            "None given yet; TPO, patient and authorized releases are not listed."
                                .to_string()
                        }
                        Some(a) => format!(
                            "{} accounting(s) given; last {} ({}), {} listed, fee {}",
                            d.accountings.len(),
                            a.provided_on,
                            a.id,
                            a.listed.len(),
                            crate::domain::roi::format_cents(a.fee_cents)
                        ),
                    },
                    w,
                    ascii,
                ),
                theme.muted,
            ),
        ];
        let [head, table_area, detail] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(0),
            Constraint::Length(3),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(summary), head);
        if d.disclosures.is_empty() {
            frame.render_widget(
                Line::styled("  No disclosures recorded for this patient.", theme.muted),
                table_area,
            );
        } else {
            let cut = |s: &str, n: usize| truncate(&sanitize(s), n, ascii);
            let widths = [10u16, 10, 22, 28, 4];
            let rows: Vec<Row> = d
                .disclosures
                .iter()
                .filter_map(|v| v.last().map(|cur| (cur, v.len())))
                .map(|(cur, versions)| {
                    let style = if cur.entered_in_error {
                        theme.muted
                    } else {
                        theme.text
                    };
                    let what = if cur.entered_in_error {
                        format!("(entered in error) {}", cur.description)
                    } else {
                        cur.description.clone()
                    };
                    Row::new(vec![
                        Cell::from(cur.disclosed_on.to_string()),
                        Cell::from(cur.id.clone()),
                        Cell::from(cut(&cur.recipient, 22)),
                        Cell::from(cut(&what, 28)),
                        Cell::from(format!("v{versions}")),
                    ])
                    .style(style)
                })
                .collect();
            let table = Table::new(rows, widths.map(Constraint::Length))
                .header(Row::new(["Date", "Id", "Recipient", "What", "Ver"]).style(theme.title));
            let table = crate::ui::list::with_selection(table, theme);
            let mut state = TableState::default().with_selected(Some(self.selected));
            frame.render_stateful_widget(table, table_area, &mut state);
        }
        if let Some(cur) = self.current() {
            let text_area =
                crate::ui::list::details_rule(frame, detail, theme, format!(" {} ", cur.id));
            let tw = usize::from(text_area.width);
            let lines = vec![
                Line::styled(
                    truncate(
                        &sanitize(&format!(
                            "To {}, {} · purpose: {}",
                            cur.recipient, cur.recipient_address, cur.purpose
                        )),
                        tw,
                        ascii,
                    ),
                    theme.text,
                ),
                Line::styled(
                    truncate(
                        &sanitize(&match (&cur.correction_reason, &cur.request_id) {
                            (Some(why), _) => format!(
                                "Version {} by {} on {}: {why}",
                                cur.version,
                                cur.recorded_by,
                                cur.recorded_at.format("%Y-%m-%d")
                            ),
                            (None, Some(req)) => {
                                format!("Recorded at release of {req} by {}", cur.recorded_by)
                            }
                            (None, None) => format!("Entered by hand by {}", cur.recorded_by),
                        }),
                        tw,
                        ascii,
                    ),
                    theme.muted,
                ),
            ];
            frame.render_widget(Paragraph::new(lines), text_area);
        }
        if let Some(f) = &self.form {
            f.draw(frame, area, theme);
        }
    }
}
