//! Physician queries, as compliant-query practice (AHIMA/ACDIS "Guidelines for Achieving a
//! Compliant Query Practice", 2022 update) asks them to be written: the clinical indicators
//! are quoted from the encounter's own record; a multiple-choice query offers the clinically
//! reasonable options and always "other" and "clinically undetermined"; a yes/no query is kept
//! for the cases the guideline allows it; nothing mentions payment or leads to one answer.
//! The rules are plain functions; the service stores a query only when `check` finds nothing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The options every multiple-choice query ends with.
pub const OTHER: &str = "Other (please specify)";
pub const UNDETERMINED: &str = "Clinically undetermined";

/// Most indicators, options and characters a query holds: a query is a short question, not
/// a copy of the record.
pub const MAX_INDICATORS: usize = 12;
pub const MAX_OPTIONS: usize = 10;
pub const MAX_QUOTE_CHARS: usize = 600;
pub const MAX_TEXT_CHARS: usize = 2_000;

/// Words that tie a query to money or to the coder's wish, which a compliant query never uses.
const FORBIDDEN: &[&str] = &[
    "payment",
    "reimbursement",
    "reimburse",
    "drg",
    "ms-drg",
    "apr-drg",
    "revenue",
    "dollar",
    "$",
    "money",
    "financial",
    "case mix",
    "case-mix",
    "cmi",
    "severity of illness score",
    "quality score",
    "denial",
];

/// What the query asks about; it decides which forms are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// A more specific diagnosis (type and acuity of heart failure, ...).
    Specificity,
    /// Whether a documented diagnosis is supported by the clinical picture.
    ClinicalValidity,
    /// Present on admission.
    PresentOnAdmission,
    /// A cause-and-effect relationship between two documented conditions.
    CauseAndEffect,
    /// Two clinicians' notes disagree.
    ConflictingDocumentation,
    /// Clinical indicators without a documented diagnosis.
    UndocumentedDiagnosis,
}

impl QueryKind {
    pub const ALL: [QueryKind; 6] = [
        QueryKind::Specificity,
        QueryKind::ClinicalValidity,
        QueryKind::PresentOnAdmission,
        QueryKind::CauseAndEffect,
        QueryKind::ConflictingDocumentation,
        QueryKind::UndocumentedDiagnosis,
    ];

    pub fn label(self) -> &'static str {
        match self {
            QueryKind::Specificity => "specificity",
            QueryKind::ClinicalValidity => "clinical validity",
            QueryKind::PresentOnAdmission => "present on admission",
            QueryKind::CauseAndEffect => "cause and effect",
            QueryKind::ConflictingDocumentation => "conflicting documentation",
            QueryKind::UndocumentedDiagnosis => "diagnosis not documented",
        }
    }

    /// The guideline allows a yes/no query only to settle POA, a documented cause-and-effect
    /// relationship, or conflicting documentation — never to establish a new diagnosis.
    pub fn allows_yes_no(self) -> bool {
        matches!(
            self,
            QueryKind::PresentOnAdmission
                | QueryKind::CauseAndEffect
                | QueryKind::ConflictingDocumentation
        )
    }
}

/// A clinical indicator, quoted from a document of the encounter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub document_id: String,
    pub quote: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryForm {
    /// Options to choose from; `OTHER` and `UNDETERMINED` are always among them.
    MultipleChoice(Vec<String>),
    /// Yes / No (and the guideline's "other"/"undetermined" are still offered).
    YesNo,
    /// An open question.
    Open,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryStatus {
    Open,
    Answered,
    Withdrawn,
}

/// A query as composed, before it is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryDraft {
    pub encounter_id: String,
    pub kind: QueryKind,
    /// The clinician asked.
    pub to: String,
    pub indicators: Vec<Indicator>,
    pub question: String,
    pub form: QueryForm,
}

impl QueryForm {
    pub fn label(&self) -> &'static str {
        match self {
            QueryForm::MultipleChoice(_) => "multiple choice",
            QueryForm::YesNo => "yes / no",
            QueryForm::Open => "open question",
        }
    }
}

impl QueryStatus {
    pub fn label(self) -> &'static str {
        match self {
            QueryStatus::Open => "open",
            QueryStatus::Answered => "answered",
            QueryStatus::Withdrawn => "withdrawn",
        }
    }
}

/// A query sent to a clinician and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhysicianQuery {
    pub id: String,
    pub mrn: String,
    pub draft: QueryDraft,
    pub status: QueryStatus,
    pub sent_by: String,
    pub sent_at: DateTime<Utc>,
    #[serde(default)]
    pub answer: Option<QueryAnswer>,
    /// Why the coder (or a supervisor) withdrew it, by whom, when.
    #[serde(default)]
    pub withdrawn: Option<QueryAnswer>,
    pub version: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryAnswer {
    /// The option chosen, or the clinician's words (for "other" and open queries).
    pub text: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl PhysicianQuery {
    /// Days the query has been waiting (its age in the coder's and the clinician's lists).
    pub fn age_days(&self, today: NaiveDate) -> i64 {
        (today - self.sent_at.date_naive()).num_days().max(0)
    }
}

/// The choices a clinician answers from: the options of a multiple-choice query, yes/no
/// with the two fixed options, nothing for an open question (they write the answer).
pub fn choices(form: &QueryForm) -> Vec<String> {
    match form {
        QueryForm::MultipleChoice(options) => options.clone(),
        QueryForm::YesNo => ["Yes", "No", OTHER, UNDETERMINED]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        QueryForm::Open => Vec::new(),
    }
}

/// The answer as recorded: the choice (one of [`choices`]), with the clinician's words —
/// required for "other" and for an open question, kept as a comment otherwise.
pub fn answer_text(form: &QueryForm, choice: Option<&str>, words: &str) -> Result<String, String> {
    let words = words.trim();
    if words.chars().count() > MAX_TEXT_CHARS {
        return Err(format!(
            "the answer is longer than {MAX_TEXT_CHARS} characters"
        ));
    }
    let options = choices(form);
    match (options.is_empty(), choice.map(str::trim)) {
        (true, _) if words.is_empty() => Err("write the answer to the question".into()),
        (true, _) => Ok(words.to_string()),
        (false, None) => Err("choose one of the answers".into()),
        (false, Some(c)) => {
            let Some(chosen) = options.iter().find(|o| o.eq_ignore_ascii_case(c)) else {
                return Err(format!("\"{c}\" is not one of this query's answers"));
            };
            if chosen == OTHER && words.is_empty() {
                return Err("say what the other answer is".into());
            }
            if chosen == OTHER {
                return Ok(format!("Other: {words}"));
            }
            if words.is_empty() {
                Ok(chosen.clone())
            } else {
                Ok(format!("{chosen} — {words}"))
            }
        }
    }
}

/// Where an indicator's quote must come from: the encounter's documents, by id.
pub trait RecordText {
    fn document_text(&self, document_id: &str) -> Option<&str>;
}

impl RecordText for Vec<(String, String)> {
    fn document_text(&self, document_id: &str) -> Option<&str> {
        self.iter()
            .find(|(id, _)| id == document_id)
            .map(|(_, t)| t.as_str())
    }
}

/// Whitespace runs as one space, so a quote taken across a line break still matches.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn mentions_money(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    FORBIDDEN.iter().copied().find(|w| {
        if w.chars().all(|c| c.is_ascii_alphabetic()) {
            lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| word == *w)
        } else {
            lower.contains(w)
        }
    })
}

/// Everything wrong with a draft, each a sentence the coder can act on; empty means it may
/// be sent.
pub fn check(draft: &QueryDraft, record: &dyn RecordText) -> Vec<String> {
    let mut problems = Vec::new();
    if draft.to.trim().is_empty() {
        problems.push("Say which clinician the query is for.".to_string());
    }
    if draft.question.trim().is_empty() {
        problems.push("Write the question.".to_string());
    }
    if draft.question.chars().count() > MAX_TEXT_CHARS {
        problems.push(format!(
            "Shorten the question to {MAX_TEXT_CHARS} characters or fewer."
        ));
    }
    if draft.indicators.len() > MAX_INDICATORS {
        problems.push(format!(
            "Quote at most {MAX_INDICATORS} indicators: the ones that matter to the question."
        ));
    }
    if let QueryForm::MultipleChoice(o) = &draft.form
        && (o.len() > MAX_OPTIONS || o.iter().any(|x| x.chars().count() > MAX_QUOTE_CHARS))
    {
        problems.push(format!(
            "Offer at most {MAX_OPTIONS} options of at most {MAX_QUOTE_CHARS} characters each."
        ));
    }
    if draft.indicators.is_empty() {
        problems.push(
            "Quote at least one clinical indicator from the record: a query rests on the documentation."
                .to_string(),
        );
    }
    for (n, i) in draft.indicators.iter().enumerate() {
        match record.document_text(&i.document_id) {
            None => problems.push(format!(
                "Indicator {}: document {} is not in this encounter's record.",
                n + 1,
                i.document_id
            )),
            Some(_) if i.quote.trim().is_empty() => {
                problems.push(format!("Indicator {}: the quote is empty.", n + 1));
            }
            Some(_) if i.quote.chars().count() > MAX_QUOTE_CHARS => problems.push(format!(
                "Indicator {}: quote at most {MAX_QUOTE_CHARS} characters.",
                n + 1
            )),
            Some(text) if !squeeze(text).contains(&squeeze(&i.quote)) => problems.push(format!(
                "Indicator {}: \"{}\" is not in document {} as written; quote the record exactly.",
                n + 1,
                i.quote.trim(),
                i.document_id
            )),
            Some(_) => {}
        }
    }
    let mut texts: Vec<&str> = vec![&draft.question];
    match &draft.form {
        QueryForm::MultipleChoice(options) => {
            texts.extend(options.iter().map(String::as_str));
            let has = |o: &str| options.iter().any(|x| x.trim().eq_ignore_ascii_case(o));
            let clinical = options
                .iter()
                .filter(|o| !has_word(o, OTHER) && !has_word(o, UNDETERMINED))
                .count();
            if clinical < 2 {
                problems.push(
                    "Offer at least two clinically reasonable options: one option leads the answer."
                        .to_string(),
                );
            }
            if !has(OTHER) {
                problems.push(format!("Add the option \"{OTHER}\"."));
            }
            if !has(UNDETERMINED) {
                problems.push(format!("Add the option \"{UNDETERMINED}\"."));
            }
        }
        QueryForm::YesNo if !draft.kind.allows_yes_no() => problems.push(format!(
            "A yes/no query may not be used for {}: ask it as multiple choice or open.",
            draft.kind.label()
        )),
        QueryForm::YesNo | QueryForm::Open => {}
    }
    for t in texts {
        if let Some(w) = mentions_money(t) {
            problems.push(format!(
                "Leave out \"{w}\": a query never mentions payment or its effect on it."
            ));
            break;
        }
    }
    problems
}

fn has_word(option: &str, fixed: &str) -> bool {
    option.trim().eq_ignore_ascii_case(fixed)
}

/// The question a template starts with; the coder edits it. Each is open-ended and names
/// no diagnosis the coder wants.
pub fn template_question(kind: QueryKind) -> String {
    match kind {
        QueryKind::Specificity => {
            "Based on the clinical indicators above, can the diagnosis be further specified?"
        }
        QueryKind::ClinicalValidity => {
            "Based on the clinical indicators above, please clarify whether the documented diagnosis is supported."
        }
        QueryKind::PresentOnAdmission => {
            "Based on the clinical indicators above, was this condition present at the time of admission?"
        }
        QueryKind::CauseAndEffect => {
            "Based on the clinical indicators above, please clarify the relationship, if any, between the documented conditions."
        }
        QueryKind::ConflictingDocumentation => {
            "The record documents this condition differently in the notes quoted above. Please clarify."
        }
        QueryKind::UndocumentedDiagnosis => {
            "Based on the clinical indicators above, please document the condition being evaluated, monitored or treated, if any."
        }
    }
    .to_string()
}

/// The options a multiple-choice query starts with for common templates; the coder edits
/// them. Each list ends with the two fixed options.
pub fn template_options(kind: QueryKind) -> Vec<String> {
    let clinical: &[&str] = match kind {
        QueryKind::Specificity => &[
            "Acute systolic (congestive) heart failure",
            "Acute diastolic (congestive) heart failure",
            "Acute on chronic systolic heart failure",
            "Acute on chronic diastolic heart failure",
        ],
        QueryKind::ClinicalValidity => {
            &["The diagnosis is confirmed", "The diagnosis is ruled out"]
        }
        QueryKind::UndocumentedDiagnosis => &[
            "Sepsis",
            "Bacteremia without sepsis",
            "Localized infection only",
        ],
        QueryKind::PresentOnAdmission => &["Present on admission", "Not present on admission"],
        QueryKind::CauseAndEffect => &[
            "The conditions are related",
            "The conditions are not related",
        ],
        QueryKind::ConflictingDocumentation => &[
            "The attending physician's documentation is correct",
            "The consultant's documentation is correct",
        ],
    };
    clinical
        .iter()
        .map(|s| s.to_string())
        .chain([OTHER.to_string(), UNDETERMINED.to_string()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Vec<(String, String)> {
        vec![(
            "D1".to_string(),
            "BNP 1,250 pg/mL.\nEjection fraction 30%.\nIV furosemide started;\n bilateral crackles."
                .to_string(),
        )]
    }

    fn draft(kind: QueryKind, form: QueryForm) -> QueryDraft {
        QueryDraft {
            encounter_id: "E1".into(),
            kind,
            to: "Dr. Osei".into(),
            indicators: vec![Indicator {
                document_id: "D1".into(),
                quote: "Ejection fraction 30%. IV furosemide started;".into(),
            }],
            question: "Based on the indicators, can the type and acuity of the heart failure be further specified?".into(),
            form,
        }
    }

    #[test]
    fn compliant_query_rules() {
        let mc =
            |opts: &[&str]| QueryForm::MultipleChoice(opts.iter().map(|s| s.to_string()).collect());
        let full = QueryForm::MultipleChoice(template_options(QueryKind::Specificity));
        type Edit = fn(&mut QueryDraft);
        let cases: Vec<(&str, QueryKind, QueryForm, Edit, Vec<&str>)> = vec![
            (
                "the template as it is",
                QueryKind::Specificity,
                full.clone(),
                |_| {},
                vec![],
            ),
            (
                "no other",
                QueryKind::Specificity,
                mc(&["Acute systolic", "Acute diastolic", UNDETERMINED]),
                |_| {},
                vec!["Add the option \"Other (please specify)\"."],
            ),
            (
                "no undetermined",
                QueryKind::Specificity,
                mc(&["Acute systolic", "Acute diastolic", OTHER]),
                |_| {},
                vec!["Add the option \"Clinically undetermined\"."],
            ),
            (
                "one clinical option leads",
                QueryKind::Specificity,
                mc(&["Acute systolic", OTHER, UNDETERMINED]),
                |_| {},
                vec!["Offer at least two clinically reasonable options"],
            ),
            (
                "yes/no for a new diagnosis",
                QueryKind::UndocumentedDiagnosis,
                QueryForm::YesNo,
                |_| {},
                vec!["A yes/no query may not be used for diagnosis not documented"],
            ),
            (
                "yes/no for POA is allowed",
                QueryKind::PresentOnAdmission,
                QueryForm::YesNo,
                |_| {},
                vec![],
            ),
            (
                "payment mentioned",
                QueryKind::Specificity,
                full.clone(),
                |d| d.question.push_str(" This affects the DRG."),
                vec!["Leave out \"drg\""],
            ),
            (
                "money sign",
                QueryKind::Specificity,
                full.clone(),
                |d| d.question.push_str(" ($4,000)"),
                vec!["Leave out \"$\""],
            ),
            (
                "quote not in the record",
                QueryKind::Specificity,
                full.clone(),
                |d| d.indicators[0].quote = "EF 15%".into(),
                vec!["Indicator 1: \"EF 15%\" is not in document D1 as written"],
            ),
            (
                "quote across a line break matches",
                QueryKind::Specificity,
                full.clone(),
                |d| d.indicators[0].quote = "started; bilateral crackles".into(),
                vec![],
            ),
            (
                "document of another encounter",
                QueryKind::Specificity,
                full.clone(),
                |d| d.indicators[0].document_id = "D9".into(),
                vec!["document D9 is not in this encounter's record"],
            ),
            (
                "no indicators",
                QueryKind::Specificity,
                full.clone(),
                |d| d.indicators.clear(),
                vec!["Quote at least one clinical indicator"],
            ),
            (
                "no clinician, no question",
                QueryKind::Specificity,
                full.clone(),
                |d| {
                    d.to = " ".into();
                    d.question.clear();
                },
                vec!["Say which clinician", "Write the question."],
            ),
            (
                "'denial' as a word only",
                QueryKind::Specificity,
                full,
                |d| d.question.push_str(" Patient in denial of symptoms."),
                vec!["Leave out \"denial\""],
            ),
        ];
        for (name, kind, form, edit, want) in cases {
            let mut d = draft(kind, form);
            edit(&mut d);
            let got = check(&d, &record());
            assert_eq!(got.len(), want.len(), "{name}: {got:?}");
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    g.starts_with(w) || g.contains(w),
                    "{name}: {g:?} should say {w:?}"
                );
            }
        }
    }

    #[test]
    fn every_template_ends_with_the_fixed_options_and_passes() {
        for kind in QueryKind::ALL {
            let opts = template_options(kind);
            assert_eq!(
                &opts[opts.len() - 2..],
                &[OTHER.to_string(), UNDETERMINED.to_string()]
            );
            let d = draft(kind, QueryForm::MultipleChoice(opts));
            assert_eq!(check(&d, &record()), Vec::<String>::new(), "{kind:?}");
        }
    }

    #[test]
    fn answers_as_recorded() {
        let mc = QueryForm::MultipleChoice(template_options(QueryKind::ClinicalValidity));
        type Case<'a> = (
            &'a QueryForm,
            Option<&'a str>,
            &'a str,
            Result<&'a str, &'a str>,
        );
        let cases: Vec<Case> = vec![
            (
                &mc,
                Some("The diagnosis is confirmed"),
                "",
                Ok("The diagnosis is confirmed"),
            ),
            (
                &mc,
                Some("the diagnosis is ruled out"),
                "cultures negative",
                Ok("The diagnosis is ruled out — cultures negative"),
            ),
            (
                &mc,
                Some(OTHER),
                "viral syndrome",
                Ok("Other: viral syndrome"),
            ),
            (&mc, Some(OTHER), "  ", Err("say what the other answer is")),
            (&mc, Some(UNDETERMINED), "", Ok(UNDETERMINED)),
            (&mc, None, "confirmed", Err("choose one of the answers")),
            (
                &mc,
                Some("Sepsis"),
                "",
                Err("is not one of this query's answers"),
            ),
            (&QueryForm::YesNo, Some("yes"), "", Ok("Yes")),
            (&QueryForm::YesNo, Some("Maybe"), "", Err("is not one of")),
            (
                &QueryForm::Open,
                None,
                "Acute on chronic systolic",
                Ok("Acute on chronic systolic"),
            ),
            (&QueryForm::Open, None, "", Err("write the answer")),
        ];
        for (form, choice, words, want) in cases {
            let got = answer_text(form, choice, words);
            match (&got, want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{choice:?} {words:?}"),
                (Err(g), Err(w)) => assert!(g.contains(w), "{g:?} should say {w:?}"),
                _ => panic!("{choice:?} {words:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn templates_never_mention_payment_or_lead() {
        for kind in QueryKind::ALL {
            let q = template_question(kind);
            assert_eq!(mentions_money(&q), None, "{kind:?}");
            assert!(
                q.contains("clinical indicators") || q.contains("notes quoted"),
                "{kind:?}"
            );
        }
        let mut d = draft(
            QueryKind::Specificity,
            QueryForm::MultipleChoice(template_options(QueryKind::Specificity)),
        );
        d.indicators = vec![d.indicators[0].clone(); MAX_INDICATORS + 1];
        let got = check(&d, &record());
        assert!(
            got.iter().any(|p| p.contains("at most 12 indicators")),
            "{got:?}"
        );
    }

    #[test]
    fn age_in_days() {
        let q = PhysicianQuery {
            id: "Q1".into(),
            mrn: "1".into(),
            draft: draft(QueryKind::PresentOnAdmission, QueryForm::YesNo),
            status: QueryStatus::Open,
            sent_by: "coder".into(),
            sent_at: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 2, 27, 23, 0, 0).unwrap(),
            answer: None,
            withdrawn: None,
            version: 1,
        };
        for (today, want) in [((2026, 2, 27), 0), ((2026, 3, 1), 2), ((2026, 2, 1), 0)] {
            let t = NaiveDate::from_ymd_opt(today.0, today.1, today.2).unwrap();
            assert_eq!(q.age_days(t), want, "{today:?}");
        }
    }
}
