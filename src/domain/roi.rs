//! Release of information: requests for copies of a chart, the legal clocks they run on, the
//! authorization checker (45 CFR 164.508(c), 42 CFR Part 2), what may go out (minimum
//! necessary, sensitive categories), fees, and the accounting of disclosures (164.528).
//!
//! Everything here is a plain function of values. The service checks permissions, writes the
//! packet and records the release; `version` belongs to the store.

use super::amendment::{add_days, required};
use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Right of access: act within 30 days of receipt, 164.524(b)(2)(i).
pub const ACCESS_DAYS: u32 = 30;
/// The one extension of a right-of-access request, told in writing before the 30 days run out:
/// 164.524(b)(2)(ii).
pub const ACCESS_EXTENSION_DAYS: u64 = 30;
/// The flat fee HHS allows for an electronic copy instead of calculating actual cost.
pub const FLAT_ELECTRONIC_FEE_CENTS: u32 = 650;
/// Accounting of disclosures: the years it covers, its deadline and its one extension
/// (164.528(a)(1), (c)(1)).
pub const ACCOUNTING_YEARS: u32 = 6;
pub const ACCOUNTING_DAYS: u64 = 60;
pub const ACCOUNTING_EXTENSION_DAYS: u64 = 30;
/// Longest free text on a request (contact, notes, reasons).
pub const MAX_TEXT_CHARS: usize = 2_000;

/// Who is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequesterType {
    Patient,
    PersonalRepresentative,
    Provider,
    Attorney,
    Insurer,
    CourtOrder,
    Subpoena,
    GovernmentAgency,
    Researcher,
    LawEnforcement,
}

impl RequesterType {
    pub const ALL: [RequesterType; 10] = [
        RequesterType::Patient,
        RequesterType::PersonalRepresentative,
        RequesterType::Provider,
        RequesterType::Attorney,
        RequesterType::Insurer,
        RequesterType::CourtOrder,
        RequesterType::Subpoena,
        RequesterType::GovernmentAgency,
        RequesterType::Researcher,
        RequesterType::LawEnforcement,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RequesterType::Patient => "the patient",
            RequesterType::PersonalRepresentative => "personal representative",
            RequesterType::Provider => "another provider",
            RequesterType::Attorney => "attorney",
            RequesterType::Insurer => "insurer",
            RequesterType::CourtOrder => "court order",
            RequesterType::Subpoena => "subpoena",
            RequesterType::GovernmentAgency => "government agency",
            RequesterType::Researcher => "researcher",
            RequesterType::LawEnforcement => "law enforcement",
        }
    }

    /// The patient, or someone standing in the patient's shoes (164.502(g)): the right of
    /// access and its 30-day clock apply.
    pub fn is_access(self) -> bool {
        matches!(
            self,
            RequesterType::Patient | RequesterType::PersonalRepresentative
        )
    }
}

/// What a request asks for: copies of the chart (164.524, or a disclosure to someone else), or
/// the patient's accounting of disclosures (164.528), which runs on its own 60-day clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    #[default]
    Copies,
    Accounting,
}

impl RequestKind {
    pub const ALL: [RequestKind; 2] = [RequestKind::Copies, RequestKind::Accounting];

    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Copies => "copies of records",
            RequestKind::Accounting => "an accounting of disclosures",
        }
    }

    /// The one extension a request of this kind may take, in days.
    pub fn extension_days(self) -> u64 {
        match self {
            RequestKind::Copies => ACCESS_EXTENSION_DAYS,
            RequestKind::Accounting => ACCOUNTING_EXTENSION_DAYS,
        }
    }
}

/// Why the records are wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// "At the request of the individual" (164.508(c)(1)(iv)).
    AtRequestOfIndividual,
    Treatment,
    Payment,
    HealthCareOperations,
    LegalProceeding,
    InsuranceOrBenefits,
    Research,
    PublicHealthOrOversight,
    LawEnforcement,
    Other,
}

impl Purpose {
    pub const ALL: [Purpose; 10] = [
        Purpose::AtRequestOfIndividual,
        Purpose::Treatment,
        Purpose::Payment,
        Purpose::HealthCareOperations,
        Purpose::LegalProceeding,
        Purpose::InsuranceOrBenefits,
        Purpose::Research,
        Purpose::PublicHealthOrOversight,
        Purpose::LawEnforcement,
        Purpose::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Purpose::AtRequestOfIndividual => "at the request of the individual",
            Purpose::Treatment => "treatment",
            Purpose::Payment => "payment",
            Purpose::HealthCareOperations => "health care operations",
            Purpose::LegalProceeding => "legal proceeding",
            Purpose::InsuranceOrBenefits => "insurance or benefits",
            Purpose::Research => "research",
            Purpose::PublicHealthOrOversight => "public health or oversight",
            Purpose::LawEnforcement => "law enforcement",
            Purpose::Other => "other",
        }
    }

    /// The purpose a requester type usually has, so intake starts from a sensible choice.
    pub fn usual_for(requester: RequesterType) -> Purpose {
        match requester {
            RequesterType::Patient | RequesterType::PersonalRepresentative => {
                Purpose::AtRequestOfIndividual
            }
            RequesterType::Provider => Purpose::Treatment,
            RequesterType::Insurer => Purpose::Payment,
            RequesterType::Attorney | RequesterType::CourtOrder | RequesterType::Subpoena => {
                Purpose::LegalProceeding
            }
            RequesterType::GovernmentAgency => Purpose::PublicHealthOrOversight,
            RequesterType::Researcher => Purpose::Research,
            RequesterType::LawEnforcement => Purpose::LawEnforcement,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Paper,
    Electronic,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Electronic, Format::Paper];
    pub fn label(self) -> &'static str {
        match self {
            Format::Paper => "paper",
            Format::Electronic => "electronic copy",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Mail,
    PickUp,
    SecureElectronic,
    Fax,
}

impl Delivery {
    pub const ALL: [Delivery; 4] = [
        Delivery::SecureElectronic,
        Delivery::Mail,
        Delivery::PickUp,
        Delivery::Fax,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Delivery::Mail => "mail",
            Delivery::PickUp => "pick-up",
            Delivery::SecureElectronic => "secure electronic delivery",
            Delivery::Fax => "fax",
        }
    }
}

/// What a request is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    Authorization,
    Fee,
    Clarification,
}

impl WaitReason {
    pub fn label(self) -> &'static str {
        match self {
            WaitReason::Authorization => "authorization",
            WaitReason::Fee => "fee",
            WaitReason::Clarification => "clarification",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "for")]
pub enum RequestStatus {
    Logged,
    Validating,
    Waiting(WaitReason),
    InProcessing,
    Released,
    PartlyReleased,
    Denied,
    Cancelled,
}

impl RequestStatus {
    pub fn label(self) -> String {
        match self {
            RequestStatus::Logged => "logged".into(),
            RequestStatus::Validating => "validating".into(),
            RequestStatus::Waiting(w) => format!("waiting: {}", w.label()),
            RequestStatus::InProcessing => "in processing".into(),
            RequestStatus::Released => "released".into(),
            RequestStatus::PartlyReleased => "partly released".into(),
            RequestStatus::Denied => "denied".into(),
            RequestStatus::Cancelled => "cancelled".into(),
        }
    }

    /// Released, partly released, denied or cancelled: nothing more happens and the clock stops.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            RequestStatus::Released
                | RequestStatus::PartlyReleased
                | RequestStatus::Denied
                | RequestStatus::Cancelled
        )
    }
}

/// Whether a clerk may move a request from `from` to `to` by hand. Released and partly released
/// are reached only by recording a release (a packet was written); denied only with a ground.
pub fn may_move(from: RequestStatus, to: RequestStatus) -> Result<(), String> {
    use RequestStatus::*;
    if from.is_closed() {
        return Err(format!(
            "this request is already {}; a closed request does not change",
            from.label()
        ));
    }
    if from == to {
        return Err(format!("the request is already {}", to.label()));
    }
    match to {
        Released | PartlyReleased => Err(
            "a request becomes released only by releasing it (the packet is written first)".into(),
        ),
        Denied => Err("deny a request with its ground, not as a status".into()),
        Logged => Err("a request cannot go back to logged".into()),
        Validating | Waiting(_) | Cancelled => Ok(()),
        InProcessing => Ok(()),
    }
}

/// Categories of record that go out only when the authorization names them specifically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveCategory {
    /// Substance-use-disorder treatment records (42 CFR Part 2).
    Part2,
    /// Psychotherapy notes (164.508(a)(2)): never part of the right of access.
    PsychotherapyNotes,
    Hiv,
    ReproductiveHealth,
}

impl SensitiveCategory {
    pub const ALL: [SensitiveCategory; 4] = [
        SensitiveCategory::Part2,
        SensitiveCategory::PsychotherapyNotes,
        SensitiveCategory::Hiv,
        SensitiveCategory::ReproductiveHealth,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SensitiveCategory::Part2 => "substance use disorder (42 CFR Part 2)",
            SensitiveCategory::PsychotherapyNotes => "psychotherapy notes",
            SensitiveCategory::Hiv => "HIV",
            SensitiveCategory::ReproductiveHealth => "reproductive health",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            SensitiveCategory::Part2 => "Part 2",
            SensitiveCategory::PsychotherapyNotes => "psychotherapy",
            SensitiveCategory::Hiv => "HIV",
            SensitiveCategory::ReproductiveHealth => "reproductive",
        }
    }

    /// The ROI category a chart or encounter sensitivity flag puts its records in.
    pub fn of_sensitivity(s: super::Sensitivity) -> Option<SensitiveCategory> {
        use super::Sensitivity as S;
        match s {
            S::SubstanceUseDisorder => Some(SensitiveCategory::Part2),
            S::Hiv => Some(SensitiveCategory::Hiv),
            S::ReproductiveHealth => Some(SensitiveCategory::ReproductiveHealth),
            S::Employee | S::Vip | S::BehavioralHealth => None,
        }
    }

    /// A document's own kind can make it sensitive (a psychotherapy note in any encounter).
    pub fn of_document_kind(kind: &str) -> Option<SensitiveCategory> {
        kind.to_ascii_lowercase()
            .contains("psychotherapy")
            .then_some(SensitiveCategory::PsychotherapyNotes)
    }
}

/// The categories of one document: its kind's, its encounter's flag and the chart's flag.
pub fn document_categories(
    kind: &str,
    encounter: Option<super::Sensitivity>,
    chart: Option<super::Sensitivity>,
) -> Vec<SensitiveCategory> {
    let mut out: Vec<SensitiveCategory> = [
        SensitiveCategory::of_document_kind(kind),
        encounter.and_then(SensitiveCategory::of_sensitivity),
        chart.and_then(SensitiveCategory::of_sensitivity),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.sort();
    out.dedup();
    out
}

/// The court's or requester's paper that can stand in for an authorization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalProcess {
    /// An order of a court or administrative tribunal (for law enforcement: a court-ordered
    /// warrant or a subpoena issued by a judicial officer).
    pub court_order: bool,
    /// For a subpoena: written satisfactory assurance that the patient was notified, or that a
    /// qualified protective order was sought (164.512(e)(1)(ii)(A)/(B)).
    pub satisfactory_assurance: bool,
}

/// Why a request may go out without the patient's authorization, or that it needs one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The patient's own request, or their personal representative's (164.524).
    RightOfAccess,
    Treatment,
    Payment,
    HealthCareOperations,
    /// An order of a court (164.512(e)(1)(i)).
    CourtOrder,
    /// A subpoena with satisfactory assurance (164.512(e)(1)(ii)).
    SubpoenaWithAssurance,
    /// Public health, health oversight, or another disclosure the law requires (164.512(a),
    /// (b), (d)).
    RequiredByLaw,
    /// Law enforcement under legal process (164.512(f)(1)(ii)).
    LawEnforcementProcess,
    /// The patient's valid authorization (164.508).
    Authorization,
    /// A subpoena with neither a court order nor satisfactory assurance: cannot go out on its
    /// own (it can with the patient's authorization).
    SubpoenaWithoutAssurance,
}

impl Basis {
    pub fn label(self) -> &'static str {
        match self {
            Basis::RightOfAccess => "the patient's right of access (45 CFR 164.524)",
            Basis::Treatment => "treatment (164.506)",
            Basis::Payment => "payment (164.506)",
            Basis::HealthCareOperations => "health care operations (164.506)",
            Basis::CourtOrder => "a court order (164.512(e)(1)(i))",
            Basis::SubpoenaWithAssurance => {
                "a subpoena with satisfactory assurance (164.512(e)(1)(ii))"
            }
            Basis::RequiredByLaw => "required by law, public health or oversight (164.512)",
            Basis::LawEnforcementProcess => "law enforcement under legal process (164.512(f))",
            Basis::Authorization => "the patient's authorization (164.508)",
            Basis::SubpoenaWithoutAssurance => {
                "a subpoena without a court order or satisfactory assurance"
            }
        }
    }

    /// Must this disclosure appear in the patient's accounting (164.528(a)(1))? Not treatment,
    /// payment, operations, disclosures to the patient, or those under an authorization.
    pub fn accountable(self) -> bool {
        matches!(
            self,
            Basis::CourtOrder
                | Basis::SubpoenaWithAssurance
                | Basis::RequiredByLaw
                | Basis::LawEnforcementProcess
        )
    }
}

/// The legal basis the request's requester, purpose and papers give, before any authorization
/// is looked at. `Authorization` means one is needed.
pub fn basis_without_authorization(
    requester: RequesterType,
    purpose: Purpose,
    legal: &LegalProcess,
) -> Basis {
    use RequesterType as R;
    match (requester, purpose) {
        (R::Patient, _) => Basis::RightOfAccess,
        (R::PersonalRepresentative, Purpose::AtRequestOfIndividual) => Basis::RightOfAccess,
        (R::Provider, Purpose::Treatment) => Basis::Treatment,
        (R::Provider | R::Insurer, Purpose::Payment) => Basis::Payment,
        (R::Provider | R::Insurer, Purpose::HealthCareOperations) => Basis::HealthCareOperations,
        (R::CourtOrder, _) => Basis::CourtOrder,
        (R::Subpoena, _) if legal.court_order => Basis::CourtOrder,
        (R::Subpoena, _) if legal.satisfactory_assurance => Basis::SubpoenaWithAssurance,
        (R::Subpoena, _) => Basis::SubpoenaWithoutAssurance,
        (R::GovernmentAgency, Purpose::PublicHealthOrOversight) => Basis::RequiredByLaw,
        (R::LawEnforcement, _) if legal.court_order => Basis::LawEnforcementProcess,
        _ => Basis::Authorization,
    }
}

/// A signed authorization as received, element by element (164.508(c)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Authorization {
    /// (c)(1)(i): a specific and meaningful description of the information.
    pub description: String,
    /// (c)(1)(ii): who may disclose (this provider, by name or class).
    pub who_may_disclose: String,
    /// (c)(1)(iii): who receives.
    pub recipient: String,
    /// (c)(1)(iv): the purpose; "at the request of the individual" suffices.
    pub purpose: String,
    /// (c)(1)(v): an expiration date, or an expiration event.
    pub expires_on: Option<NaiveDate>,
    pub expiry_event: String,
    /// The expiry event has happened (the clerk knows it has).
    pub expiry_event_occurred: bool,
    /// (c)(1)(vi): signature and date.
    pub signed_by: String,
    pub signed_on: Option<NaiveDate>,
    /// Signed by a personal representative: a description of their authority is required.
    pub signed_by_representative: bool,
    pub representative_authority: String,
    /// (c)(2): the required statements.
    pub statement_right_to_revoke: bool,
    pub statement_conditioning: bool,
    pub statement_redisclosure: bool,
    /// The patient revoked it in writing on this date.
    pub revoked_on: Option<NaiveDate>,
    /// Sensitive categories the authorization names specifically.
    pub covers: Vec<SensitiveCategory>,
    /// 42 CFR 2.31 consent elements, needed when `covers` has Part 2.
    pub part2_patient_name: String,
    /// How much and what kind of substance-use-disorder information, explicitly.
    pub part2_amount_and_kind: String,
    /// The Part 2 program (or general designation) permitted to disclose.
    pub part2_program: String,
}

/// One line of the checker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub element: String,
    /// None when the element is there; else what is wrong, in plain words.
    pub problem: Option<String>,
}

impl CheckItem {
    fn new(element: &str, problem: Option<String>) -> CheckItem {
        CheckItem {
            element: element.to_string(),
            problem,
        }
    }
    fn present(element: &str, text: &str, missing: &str) -> CheckItem {
        CheckItem::new(element, text.trim().is_empty().then(|| missing.to_string()))
    }
}

/// What the checker found for one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthCheck {
    pub basis: Basis,
    /// Every element looked at, in the order of the regulation; empty when nothing needs an
    /// authorization and no representative's authority is in question.
    pub items: Vec<CheckItem>,
    /// Sensitive categories that may go out on this basis.
    pub releasable: Vec<SensitiveCategory>,
    /// The 42 CFR 2.32 notice must go with the release.
    pub part2_notice: bool,
}

impl AuthCheck {
    /// What blocks the release, in plain words; empty when it may go.
    pub fn blocking(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .items
            .iter()
            .filter_map(|i| i.problem.clone())
            .collect();
        if self.basis == Basis::SubpoenaWithoutAssurance && out.is_empty() {
            out.push(SUBPOENA_PROBLEM.into());
        }
        out
    }

    pub fn may_release(&self) -> bool {
        self.blocking().is_empty()
    }

    /// Whether a document of these categories may go out under this check.
    pub fn allows(&self, categories: &[SensitiveCategory]) -> Result<(), String> {
        match categories.iter().find(|c| !self.releasable.contains(c)) {
            None => Ok(()),
            Some(SensitiveCategory::PsychotherapyNotes) if self.basis == Basis::RightOfAccess => {
                Err(
                    "psychotherapy notes are not part of the right of access (164.524(a)(1)(i))"
                        .into(),
                )
            }
            Some(c) => Err(format!(
                "{} records need an authorization that names them specifically",
                c.label()
            )),
        }
    }
}

const SUBPOENA_PROBLEM: &str = "A subpoena alone is not enough: it needs a court order, or written \
     satisfactory assurance that the patient was notified or a qualified protective order was \
     sought (164.512(e)(1)(ii)). Ask the requester for it, or for the patient's authorization.";

/// Checks a request's papers: the basis it has, and every element an authorization (or a
/// representative's authority, or a Part 2 consent) must have. `includes` are the sensitive
/// categories among the records chosen.
pub fn check_authorization(
    requester: RequesterType,
    purpose: Purpose,
    legal: &LegalProcess,
    representative_authority: &str,
    authorization: Option<&Authorization>,
    includes: &[SensitiveCategory],
    today: NaiveDate,
) -> AuthCheck {
    let mut basis = basis_without_authorization(requester, purpose, legal);
    let mut items = Vec::new();
    if requester == RequesterType::PersonalRepresentative && basis == Basis::RightOfAccess {
        items.push(CheckItem::present(
            "Representative's authority",
            representative_authority,
            "The personal representative's authority (guardianship, power of attorney, parent \
             of a minor, executor) is not documented.",
        ));
    }
    // A subpoena without assurance can still go out on the patient's authorization.
    let needs_auth = basis == Basis::Authorization
        || (basis == Basis::SubpoenaWithoutAssurance && authorization.is_some())
        || (basis != Basis::RightOfAccess
            && includes.contains(&SensitiveCategory::Part2)
            && authorization.is_some());
    let mut releasable = match basis {
        // The patient sees their own record, sensitive parts included, except psychotherapy
        // notes.
        Basis::RightOfAccess => vec![
            SensitiveCategory::Part2,
            SensitiveCategory::Hiv,
            SensitiveCategory::ReproductiveHealth,
        ],
        _ => Vec::new(),
    };
    let mut part2_notice = false;
    if needs_auth {
        if basis == Basis::SubpoenaWithoutAssurance {
            basis = Basis::Authorization;
        }
        match authorization {
            None => items.push(CheckItem::new(
                "Authorization",
                Some(
                    "No authorization is on file; this request needs the patient's signed \
                      authorization."
                        .into(),
                ),
            )),
            Some(a) => {
                items.extend(authorization_items(a, today));
                releasable.extend(a.covers.iter().copied());
                if a.covers.contains(&SensitiveCategory::Part2) {
                    items.extend(part2_items(a));
                    part2_notice = true;
                }
            }
        }
    } else if basis == Basis::RightOfAccess && includes.contains(&SensitiveCategory::Part2) {
        // Disclosure to the patient needs no consent; the notice still travels with Part 2
        // records so anyone they pass them to is told.
        part2_notice = true;
    }
    releasable.sort();
    releasable.dedup();
    AuthCheck {
        basis,
        items,
        releasable,
        part2_notice,
    }
}

fn authorization_items(a: &Authorization, today: NaiveDate) -> Vec<CheckItem> {
    let mut items = vec![
        CheckItem::present(
            "Description of the information",
            &a.description,
            "It does not describe the information to be disclosed.",
        ),
        CheckItem::present(
            "Who may disclose",
            &a.who_may_disclose,
            "It does not name who may disclose the information.",
        ),
        CheckItem::present(
            "Who receives",
            &a.recipient,
            "It does not name who is to receive the information.",
        ),
        CheckItem::present(
            "Purpose",
            &a.purpose,
            "It does not state the purpose (\"at the request of the individual\" is enough).",
        ),
        CheckItem::new(
            "Expiration date or event",
            (a.expires_on.is_none() && a.expiry_event.trim().is_empty())
                .then(|| "It has no expiration date or expiration event.".to_string()),
        ),
        CheckItem::present("Signature", &a.signed_by, "It is not signed."),
        CheckItem::new(
            "Date signed",
            match a.signed_on {
                None => Some("The date of signature is missing.".into()),
                Some(s) if s > today => Some(format!(
                    "It is dated {s}, which is in the future (today is {today})."
                )),
                Some(_) => None,
            },
        ),
    ];
    if a.signed_by_representative {
        items.push(CheckItem::present(
            "Representative's authority",
            &a.representative_authority,
            "It was signed by a representative, but no description of their authority to act \
             for the patient is given.",
        ));
    }
    items.push(CheckItem::new(
        "Statement: right to revoke",
        (!a.statement_right_to_revoke).then(|| {
            "It does not tell the patient they may revoke it in writing, and how.".to_string()
        }),
    ));
    items.push(CheckItem::new(
        "Statement: treatment not conditioned",
        (!a.statement_conditioning).then(|| {
            "It does not say whether treatment, payment or eligibility depends on signing."
                .to_string()
        }),
    ));
    items.push(CheckItem::new(
        "Statement: re-disclosure",
        (!a.statement_redisclosure).then(|| {
            "It does not warn that the recipient may re-disclose the information.".to_string()
        }),
    ));
    let expiry = match (a.expires_on, a.signed_on) {
        (Some(e), Some(s)) if s > e => Some(format!(
            "It was signed on {s}, after its own expiration date ({e}); it was never valid."
        )),
        (Some(e), _) if e < today => Some(format!("It expired on {e}.")),
        _ if a.expiry_event_occurred => Some(format!(
            "Its expiration event has happened ({}).",
            a.expiry_event.trim()
        )),
        _ => None,
    };
    items.push(CheckItem::new("Not expired", expiry));
    items.push(CheckItem::new(
        "Not revoked",
        a.revoked_on
            .filter(|r| *r <= today)
            .map(|r| format!("The patient revoked it on {r}.")),
    ));
    items
}

fn part2_items(a: &Authorization) -> Vec<CheckItem> {
    vec![
        CheckItem::present(
            "Part 2: patient's name",
            &a.part2_patient_name,
            "The Part 2 consent does not give the patient's name (42 CFR 2.31(a)(1)).",
        ),
        CheckItem::present(
            "Part 2: amount and kind of SUD information",
            &a.part2_amount_and_kind,
            "The Part 2 consent does not say explicitly how much and what kind of \
             substance-use-disorder information may be disclosed (42 CFR 2.31(a)(3)).",
        ),
        CheckItem::present(
            "Part 2: program permitted to disclose",
            &a.part2_program,
            "The Part 2 consent does not name the program permitted to disclose (42 CFR \
             2.31(a)(2)).",
        ),
    ]
}

/// The notice 42 CFR 2.32 requires with every disclosure of Part 2 records.
pub const PART2_NOTICE: &str = "This record which has been disclosed to you is protected by federal \
confidentiality rules (42 CFR part 2). These rules prohibit you from using or disclosing this \
record, or testimony that describes the information contained in this record, in any civil, \
criminal, administrative, or legislative proceedings by any Federal, State, or local authority, \
against the patient, unless authorized by the consent of the patient, except as provided at 42 \
CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, \
the Federal rules prohibit you from making any other use or disclosure of this record unless at \
least one of the following applies: (A) Further use or disclosure is expressly permitted by the \
written consent of the individual whose information is being disclosed in this record or as \
otherwise permitted by 42 CFR part 2. (B) You are a covered entity or business associate and \
have received the record for treatment, payment, or health care operations, or (C) You have \
received the record from a covered entity or business associate as permitted by 45 CFR part \
164, subparts A and E. A general authorization for the release of medical or other information \
is NOT sufficient to meet the required elements of written consent to further use or redisclose \
the record (see 42 CFR 2.31).";

/// The records asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordsWanted {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Document kinds ("Discharge summary"); empty = all.
    pub kinds: Vec<String>,
    /// Encounter ids; empty = all in the date range.
    pub encounters: Vec<String>,
}

impl RecordsWanted {
    pub fn describe(&self) -> String {
        let range = match (self.from, self.to) {
            (None, None) => "all dates".to_string(),
            (Some(f), None) => format!("from {f}"),
            (None, Some(t)) => format!("up to {t}"),
            (Some(f), Some(t)) => format!("{f} to {t}"),
        };
        let kinds = if self.kinds.is_empty() {
            "all documents".to_string()
        } else {
            self.kinds.join(", ")
        };
        let enc = if self.encounters.is_empty() {
            String::new()
        } else {
            format!("; encounters {}", self.encounters.join(", "))
        };
        format!("{kinds}, {range}{enc}")
    }

    /// Does a document of this kind, date and encounter fall inside what was asked for?
    pub fn wants(&self, kind: &str, written: NaiveDate, encounter: &str) -> bool {
        self.from.is_none_or(|f| written >= f)
            && self.to.is_none_or(|t| written <= t)
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k.eq_ignore_ascii_case(kind)))
            && (self.encounters.is_empty() || self.encounters.iter().any(|e| e == encounter))
    }
}

/// Days to answer a request of a type other than the patient's own, from the settings table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDays {
    pub requester: RequesterType,
    pub days: u32,
}

/// The department's defaults; a right-of-access request is always 30 days whatever the table.
pub fn default_due_days() -> Vec<DueDays> {
    use RequesterType as R;
    [
        (R::Provider, 7),
        (R::Attorney, 30),
        (R::Insurer, 30),
        (R::CourtOrder, 14),
        (R::Subpoena, 14),
        (R::GovernmentAgency, 30),
        (R::Researcher, 30),
        (R::LawEnforcement, 14),
    ]
    .into_iter()
    .map(|(requester, days)| DueDays { requester, days })
    .collect()
}

/// Days a request of this type has. A type missing from the table gets 30.
pub fn due_days(requester: RequesterType, table: &[DueDays]) -> u32 {
    if requester.is_access() {
        return ACCESS_DAYS;
    }
    table
        .iter()
        .find(|d| d.requester == requester)
        .map(|d| d.days.clamp(1, 365))
        .unwrap_or(ACCESS_DAYS)
}

/// The calendar date of an instant in the department's time zone: a fax that arrived at
/// 23:30 in Chicago was received that day, not the next one in UTC.
pub fn local_date(at: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    at.with_timezone(&offset).date_naive()
}

/// A fee line on the invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    pub what: String,
    pub cents: u32,
}

/// What the requester will be charged, and how it was worked out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeQuote {
    pub method: String,
    pub lines: Vec<FeeLine>,
    pub total_cents: u32,
}

/// How a right-of-access copy is charged (HHS guidance on 164.524(c)(4)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessFee {
    /// $6.50 for an electronic copy, instead of working out the cost.
    FlatElectronic,
    /// Actual cost: the labour of copying, supplies, postage. No search or retrieval fee.
    ActualCost {
        labor_minutes: u32,
        supplies_cents: u32,
        postage_cents: u32,
    },
    NoCharge,
}

/// Fees for one requester type other than the patient (state law sets most of these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSchedule {
    pub requester: RequesterType,
    /// Search and retrieval, once per request.
    pub base_cents: u32,
    pub per_page_cents: u32,
    /// 0 = no cap.
    pub max_cents: u32,
}

pub fn default_fee_schedules() -> Vec<FeeSchedule> {
    use RequesterType as R;
    [
        (R::Provider, 0, 0, 0),
        (R::Attorney, 2_500, 100, 0),
        (R::Insurer, 1_500, 50, 0),
        (R::CourtOrder, 2_000, 50, 0),
        (R::Subpoena, 2_000, 50, 0),
        (R::GovernmentAgency, 0, 0, 0),
        (R::Researcher, 2_500, 25, 0),
        (R::LawEnforcement, 0, 0, 0),
    ]
    .into_iter()
    .map(
        |(requester, base_cents, per_page_cents, max_cents)| FeeSchedule {
            requester,
            base_cents,
            per_page_cents,
            max_cents,
        },
    )
    .collect()
}

/// Hourly rate for the labour of copying, from the settings.
pub const DEFAULT_LABOR_CENTS_PER_HOUR: u32 = 2_400;

/// Dollars and cents, for the invoice and the screens.
pub fn format_cents(cents: u32) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// "12.50" as cents.
pub fn parse_dollars(what: &str, typed: &str) -> Result<u32, String> {
    let t = typed.trim().trim_start_matches('$');
    let bad = || format!("{what}: \"{typed}\" is not an amount; write it as 12.50");
    let (whole, cents) = match t.split_once('.') {
        Some((w, c)) if c.len() <= 2 => (w, format!("{c:0<2}")),
        Some(_) => return Err(bad()),
        None => (t, "00".to_string()),
    };
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let cents: u32 = cents.parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)
}

/// The fee for a request of `pages` pages.
pub fn fee_quote(
    requester: RequesterType,
    format: Format,
    access_fee: &AccessFee,
    schedules: &[FeeSchedule],
    labor_cents_per_hour: u32,
    pages: u32,
) -> Result<FeeQuote, String> {
    let line = |what: String, cents: u32| FeeLine { what, cents };
    let (method, lines) = if requester.is_access() {
        match access_fee {
            AccessFee::FlatElectronic if format != Format::Electronic => {
                return Err(
                    "the $6.50 flat fee is for electronic copies only; choose actual \
                            cost or no charge for paper"
                        .into(),
                );
            }
            AccessFee::FlatElectronic => (
                "flat fee for an electronic copy".to_string(),
                vec![line(
                    "electronic copy (flat fee)".into(),
                    FLAT_ELECTRONIC_FEE_CENTS,
                )],
            ),
            AccessFee::ActualCost {
                labor_minutes,
                supplies_cents,
                postage_cents,
            } => {
                let labor = (u64::from(*labor_minutes) * u64::from(labor_cents_per_hour) / 60)
                    .min(u64::from(u32::MAX)) as u32;
                let mut lines = vec![line(
                    format!(
                        "labour of copying, {labor_minutes} min at {}/hour",
                        format_cents(labor_cents_per_hour)
                    ),
                    labor,
                )];
                if *supplies_cents > 0 {
                    lines.push(line("supplies".into(), *supplies_cents));
                }
                if *postage_cents > 0 {
                    lines.push(line("postage".into(), *postage_cents));
                }
                (
                    "actual cost (no search or retrieval fee)".to_string(),
                    lines,
                )
            }
            AccessFee::NoCharge => ("no charge".to_string(), vec![line("no charge".into(), 0)]),
        }
    } else {
        let s = schedules
            .iter()
            .find(|s| s.requester == requester)
            .ok_or_else(|| {
                format!(
                    "no fee is set for requests from {}; an administrator adds it in the \
                     settings",
                    requester.label()
                )
            })?;
        let mut lines = Vec::new();
        if s.base_cents > 0 {
            lines.push(line("search and retrieval".into(), s.base_cents));
        }
        let per_page = s.per_page_cents.saturating_mul(pages);
        if per_page > 0 {
            lines.push(line(
                format!("{pages} pages at {}", format_cents(s.per_page_cents)),
                per_page,
            ));
        }
        let sum = lines.iter().fold(0u32, |a, l| a.saturating_add(l.cents));
        if s.max_cents > 0 && sum > s.max_cents {
            lines.push(line(format!("capped at {}", format_cents(s.max_cents)), 0));
        }
        if lines.is_empty() {
            lines.push(line("no charge".into(), 0));
        }
        (format!("fee schedule for {}", requester.label()), lines)
    };
    let mut total = lines.iter().fold(0u32, |a, l| a.saturating_add(l.cents));
    if !requester.is_access()
        && let Some(s) = schedules.iter().find(|s| s.requester == requester)
        && s.max_cents > 0
    {
        total = total.min(s.max_cents);
    }
    Ok(FeeQuote {
        method,
        lines,
        total_cents: total,
    })
}

/// Pages of a text record as printed: 50 lines a page, at least one.
pub fn pages_of(lines: usize) -> u32 {
    (lines.div_ceil(50).max(1)).min(u32::MAX as usize) as u32
}

/// The one extension of a right-of-access request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiExtension {
    pub reason: String,
    pub patient_told: NaiveDate,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The ground of a denial, and whether the patient may have it reviewed (164.524(a)(2)-(3)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenialGround {
    // Unreviewable, 164.524(a)(2)
    PsychotherapyNotesOnly,
    PreparedForLitigation,
    CorrectionalInstitution,
    ResearchInProgress,
    ObtainedUnderPromiseOfConfidentiality,
    // Reviewable, 164.524(a)(3)
    EndangersLifeOrSafety,
    HarmToPersonReferenced,
    HarmViaRepresentative,
    // Not a right-of-access request
    DefectiveAuthorization,
    NoAuthority,
    NoRecordsHeld,
}

impl DenialGround {
    pub const ALL: [DenialGround; 11] = [
        DenialGround::DefectiveAuthorization,
        DenialGround::NoAuthority,
        DenialGround::NoRecordsHeld,
        DenialGround::PsychotherapyNotesOnly,
        DenialGround::PreparedForLitigation,
        DenialGround::CorrectionalInstitution,
        DenialGround::ResearchInProgress,
        DenialGround::ObtainedUnderPromiseOfConfidentiality,
        DenialGround::EndangersLifeOrSafety,
        DenialGround::HarmToPersonReferenced,
        DenialGround::HarmViaRepresentative,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DenialGround::PsychotherapyNotesOnly => "psychotherapy notes (164.524(a)(1)(i))",
            DenialGround::PreparedForLitigation => "compiled for a legal proceeding",
            DenialGround::CorrectionalInstitution => "inmate; copy would endanger safety",
            DenialGround::ResearchInProgress => "research in progress (patient agreed)",
            DenialGround::ObtainedUnderPromiseOfConfidentiality => {
                "obtained from another under a promise of confidentiality"
            }
            DenialGround::EndangersLifeOrSafety => "would endanger life or physical safety",
            DenialGround::HarmToPersonReferenced => "substantial harm to another person named",
            DenialGround::HarmViaRepresentative => "substantial harm via the representative",
            DenialGround::DefectiveAuthorization => "authorization missing or defective",
            DenialGround::NoAuthority => "requester has no authority to receive the records",
            DenialGround::NoRecordsHeld => "no records held for the request",
        }
    }

    /// A licensed professional who took no part in the denial reviews it on request
    /// (164.524(a)(4)); the other grounds are final.
    pub fn reviewable(self) -> bool {
        matches!(
            self,
            DenialGround::EndangersLifeOrSafety
                | DenialGround::HarmToPersonReferenced
                | DenialGround::HarmViaRepresentative
        )
    }

    /// Only the grounds of 164.524 may deny a patient's own access.
    pub fn fits(self, requester: RequesterType) -> Result<(), String> {
        let access_ground = !matches!(
            self,
            DenialGround::DefectiveAuthorization
                | DenialGround::NoAuthority
                | DenialGround::NoRecordsHeld
        );
        match (requester.is_access(), access_ground) {
            (true, true) | (false, false) => Ok(()),
            (_, _) if self == DenialGround::NoRecordsHeld => Ok(()),
            (_, _)
                if self == DenialGround::NoAuthority
                    && requester == RequesterType::PersonalRepresentative =>
            {
                Ok(())
            }
            (true, false) => Err(format!(
                "\"{}\" is not a ground for denying a patient access to their own record; \
                 choose one of the grounds of 164.524(a)",
                self.label()
            )),
            (false, true) => Err(format!(
                "\"{}\" is a ground for denying the patient's own access; for {} choose \
                 defective authorization, no authority or no records held",
                self.label(),
                requester.label()
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiDenial {
    pub ground: DenialGround,
    pub explanation: String,
    pub reviewable: bool,
    pub on: NaiveDate,
    pub by: String,
}

/// One document in a release, with why it went or stayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasedDocument {
    pub document_id: String,
    pub encounter_id: String,
    pub kind: String,
    pub written: NaiveDate,
    pub categories: Vec<SensitiveCategory>,
    /// None = sent; else why it was held back.
    pub withheld: Option<String>,
}

/// What went out, to whom, when, and where the packet is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub at: DateTime<Utc>,
    pub on: NaiveDate,
    pub by: String,
    pub recipient: String,
    pub recipient_address: String,
    pub delivery: Delivery,
    pub documents: Vec<ReleasedDocument>,
    pub packet_dir: String,
    /// (file name, SHA-256) of every file in the packet.
    pub files: Vec<(String, String)>,
    pub fee: FeeQuote,
    pub basis: Basis,
    /// The disclosure recorded in the accounting, when this release must be accounted for.
    pub disclosure_id: Option<String>,
}

impl Release {
    pub fn sent(&self) -> impl Iterator<Item = &ReleasedDocument> {
        self.documents.iter().filter(|d| d.withheld.is_none())
    }
    pub fn partial(&self) -> bool {
        self.documents.iter().any(|d| d.withheld.is_some())
    }
    /// In one line, for the screen and the trail.
    pub fn summary(&self) -> String {
        let sent = self.sent().count();
        let held = self.documents.len() - sent;
        let held = if held > 0 {
            format!(" ({held} held back)")
        } else {
            String::new()
        };
        let noun = if sent == 1 { "document" } else { "documents" };
        format!(
            "{sent} {noun}{held} to {} by {} on {}",
            self.recipient,
            self.delivery.label(),
            self.on
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiEvent {
    pub at: DateTime<Utc>,
    pub by: String,
    pub from: Option<RequestStatus>,
    pub to: RequestStatus,
    pub note: String,
}

/// What intake collects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRoiRequest {
    pub mrn: String,
    #[serde(default)]
    pub kind: RequestKind,
    pub requester_type: RequesterType,
    pub requester_name: String,
    pub requester_contact: String,
    pub records: RecordsWanted,
    pub purpose: Purpose,
    pub format: Format,
    pub delivery: Delivery,
    pub received: NaiveDate,
    #[serde(default)]
    pub representative_authority: String,
    #[serde(default)]
    pub legal: LegalProcess,
    #[serde(default)]
    pub note: String,
}

/// A request for copies of a chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiRequest {
    pub id: String,
    pub mrn: String,
    #[serde(default)]
    pub kind: RequestKind,
    pub requester_type: RequesterType,
    pub requester_name: String,
    pub requester_contact: String,
    pub records: RecordsWanted,
    pub purpose: Purpose,
    pub format: Format,
    pub delivery: Delivery,
    pub received: NaiveDate,
    /// The days this request had when it was logged (a later change of the settings table
    /// does not move an existing deadline).
    pub due_days: u32,
    #[serde(default)]
    pub extension: Option<RoiExtension>,
    pub status: RequestStatus,
    #[serde(default)]
    pub representative_authority: String,
    #[serde(default)]
    pub legal: LegalProcess,
    #[serde(default)]
    pub authorization: Option<Authorization>,
    #[serde(default)]
    pub denial: Option<RoiDenial>,
    #[serde(default)]
    pub release: Option<Release>,
    /// An accounting request's answer, once given.
    #[serde(default)]
    pub accounting_given: Option<AccountingGiven>,
    pub history: Vec<RoiEvent>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(default)]
    pub moved_from: Option<String>,
}

impl RoiRequest {
    /// A new logged request. `today` is the department's date; `id` comes from the service.
    pub fn new(
        id: &str,
        new: NewRoiRequest,
        due_table: &[DueDays],
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<RoiRequest, String> {
        let requester_name = required("the requester's name", &new.requester_name, 200)?;
        let requester_contact = required(
            "the requester's address or contact",
            &new.requester_contact,
            MAX_TEXT_CHARS,
        )?;
        if new.received > today {
            return Err(format!(
                "the date received ({}) cannot be in the future (today is {today})",
                new.received
            ));
        }
        if let (Some(f), Some(t)) = (new.records.from, new.records.to)
            && f > t
        {
            return Err(format!(
                "the records' date range runs backwards ({f} to {t}); swap the dates"
            ));
        }
        let (purpose, days) = match new.kind {
            RequestKind::Accounting if !new.requester_type.is_access() => {
                return Err(format!(
                    "an accounting of disclosures is the patient's own right (164.528): log it \
                     for the patient or a personal representative, not {}",
                    new.requester_type.label()
                ));
            }
            // 164.528(c)(1): 60 days from receipt, whatever the settings table says.
            RequestKind::Accounting => (Purpose::AtRequestOfIndividual, ACCOUNTING_DAYS as u32),
            RequestKind::Copies => {
                if new.requester_type == RequesterType::Patient
                    && new.purpose != Purpose::AtRequestOfIndividual
                {
                    return Err(
                        "a patient's own request is \"at the request of the individual\"".into(),
                    );
                }
                (new.purpose, due_days(new.requester_type, due_table))
            }
        };
        let note = new.note.trim().to_string();
        let mut r = RoiRequest {
            id: id.to_string(),
            mrn: new.mrn,
            kind: new.kind,
            requester_type: new.requester_type,
            requester_name,
            requester_contact,
            records: new.records,
            purpose,
            format: new.format,
            delivery: new.delivery,
            received: new.received,
            due_days: days,
            extension: None,
            status: RequestStatus::Logged,
            representative_authority: new.representative_authority.trim().to_string(),
            legal: new.legal,
            authorization: None,
            denial: None,
            release: None,
            accounting_given: None,
            history: Vec::new(),
            version: 0,
            created_at: at,
            created_by: by.to_string(),
            moved_from: None,
        };
        let due = r.due_date();
        r.history.push(RoiEvent {
            at,
            by: by.to_string(),
            from: None,
            to: RequestStatus::Logged,
            note: if note.is_empty() {
                format!("received {}, due {due}", r.received)
            } else {
                format!("received {}, due {due}: {note}", r.received)
            },
        });
        Ok(r)
    }

    pub fn original_due_date(&self) -> NaiveDate {
        add_days(self.received, u64::from(self.due_days))
    }

    pub fn due_date(&self) -> NaiveDate {
        match self.extension {
            Some(_) => add_days(self.original_due_date(), self.kind.extension_days()),
            None => self.original_due_date(),
        }
    }

    /// Days until due: 0 on the day, negative once passed.
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        self.due_date().signed_duration_since(today).num_days()
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_closed() && today > self.due_date()
    }

    /// Order of the work list: open requests by days left (overdue first, most overdue
    /// first), then closed ones newest first.
    pub fn sort_key(&self, today: NaiveDate) -> (bool, i64, String) {
        if self.status.is_closed() {
            (
                true,
                -self.received.num_days_from_ce() as i64,
                self.id.clone(),
            )
        } else {
            (false, self.days_left(today), self.id.clone())
        }
    }

    pub fn basis(&self) -> Basis {
        basis_without_authorization(self.requester_type, self.purpose, &self.legal)
    }

    pub fn check(&self, includes: &[SensitiveCategory], today: NaiveDate) -> AuthCheck {
        check_authorization(
            self.requester_type,
            self.purpose,
            &self.legal,
            &self.representative_authority,
            self.authorization.as_ref(),
            includes,
            today,
        )
    }

    fn record(&mut self, by: &str, at: DateTime<Utc>, to: RequestStatus, note: String) {
        let from = self.status;
        self.status = to;
        self.history.push(RoiEvent {
            at,
            by: by.to_string(),
            from: Some(from),
            to,
            note,
        });
    }

    fn open(&self, action: &str) -> Result<(), String> {
        if self.status.is_closed() {
            return Err(format!(
                "this request is already {}; {action} only while it is open",
                self.status.label()
            ));
        }
        Ok(())
    }

    /// Moves the request by hand; waiting for clarification and cancelling need a note.
    pub fn move_to(
        &mut self,
        to: RequestStatus,
        note: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        may_move(self.status, to)?;
        let note = note.trim();
        if note.chars().count() > MAX_TEXT_CHARS {
            return Err(format!(
                "the note is too long (at most {MAX_TEXT_CHARS} characters)"
            ));
        }
        if note.is_empty()
            && matches!(
                to,
                RequestStatus::Waiting(WaitReason::Clarification) | RequestStatus::Cancelled
            )
        {
            return Err(format!(
                "say why in a note: it is what the requester will be told ({})",
                to.label()
            ));
        }
        self.record(by, at, to, note.to_string());
        Ok(())
    }

    /// Records the authorization as received (replacing an earlier one: the history keeps that
    /// it changed).
    pub fn set_authorization(
        &mut self,
        auth: Authorization,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        self.open("an authorization can be recorded")?;
        let had = self.authorization.is_some();
        self.authorization = Some(auth);
        let status = self.status;
        self.record(
            by,
            at,
            status,
            if had {
                "authorization replaced".into()
            } else {
                "authorization recorded".into()
            },
        );
        Ok(())
    }

    /// Updates the legal papers and the representative's authority.
    pub fn set_papers(
        &mut self,
        legal: LegalProcess,
        representative_authority: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        self.open("its papers can be recorded")?;
        self.legal = legal;
        self.representative_authority = representative_authority.trim().to_string();
        let status = self.status;
        self.record(by, at, status, "legal papers and authority recorded".into());
        Ok(())
    }

    /// The one 30-day extension of a right-of-access request (164.524(b)(2)) or an accounting
    /// request (164.528(c)(1)(ii)), with the written reason and the date the patient was told
    /// (before the first 30, or 60, days ran out).
    pub fn extend(
        &mut self,
        reason: &str,
        patient_told: NaiveDate,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        self.open("it can be extended")?;
        if !self.requester_type.is_access() {
            return Err(format!(
                "only a patient's own request (right of access) has the 30-day extension; \
                 a request from {} follows its own deadline",
                self.requester_type.label()
            ));
        }
        if let Some(e) = &self.extension {
            return Err(format!(
                "an extension was already taken (patient told {}); only one 30-day extension is \
                 allowed",
                e.patient_told
            ));
        }
        let reason = required("a written reason for the extension", reason, MAX_TEXT_CHARS)?;
        let original = self.original_due_date();
        if patient_told < self.received {
            return Err(format!(
                "the patient cannot have been told ({patient_told}) before the request arrived \
                 ({})",
                self.received
            ));
        }
        if patient_told > today {
            return Err(format!(
                "the date the patient was told ({patient_told}) cannot be in the future"
            ));
        }
        if patient_told > original {
            return Err(format!(
                "the patient must be told before the first {} days run out ({original}); told \
                 on {patient_told} is too late to extend",
                self.due_days
            ));
        }
        self.extension = Some(RoiExtension {
            reason: reason.clone(),
            patient_told,
            by: by.to_string(),
            at,
        });
        let status = self.status;
        let due = self.due_date();
        self.record(
            by,
            at,
            status,
            format!("extended to {due}; patient told {patient_told}: {reason}"),
        );
        Ok(())
    }

    pub fn deny(
        &mut self,
        ground: DenialGround,
        explanation: &str,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        self.open("it can be denied")?;
        if self.kind == RequestKind::Accounting {
            return Err(
                "an accounting of disclosures is not denied: give it, leaving out only a \
                 disclosure a health oversight agency or law enforcement has asked in writing \
                 to suspend (164.528(a)(2)); cancel it if the patient withdraws"
                    .into(),
            );
        }
        ground.fits(self.requester_type)?;
        let explanation = required(
            "an explanation for the requester",
            explanation,
            MAX_TEXT_CHARS,
        )?;
        let reviewable = ground.reviewable();
        self.denial = Some(RoiDenial {
            ground,
            explanation: explanation.clone(),
            reviewable,
            on: today,
            by: by.to_string(),
        });
        self.record(
            by,
            at,
            RequestStatus::Denied,
            format!(
                "denied: {}{}: {explanation}",
                ground.label(),
                if reviewable {
                    " (reviewable)"
                } else {
                    " (not reviewable)"
                }
            ),
        );
        Ok(())
    }

    /// Records a release whose packet was written completely. Only from in processing.
    pub fn record_release(&mut self, release: Release, by: &str) -> Result<(), String> {
        if self.kind == RequestKind::Accounting {
            return Err(
                "an accounting request is answered with the accounting, not a packet of \
                        records"
                    .into(),
            );
        }
        if self.status != RequestStatus::InProcessing {
            return Err(format!(
                "a request is released from \"in processing\"; this one is {}",
                self.status.label()
            ));
        }
        if release.sent().next().is_none() {
            return Err("nothing is left to send: every document chosen is held back".into());
        }
        let to = if release.partial() {
            RequestStatus::PartlyReleased
        } else {
            RequestStatus::Released
        };
        let note = format!("released {}", release.summary());
        let at = release.at;
        self.release = Some(release);
        self.record(by, at, to, note);
        Ok(())
    }

    /// Closes an accounting request with the accounting given.
    pub fn record_accounting(&mut self, given: AccountingGiven, by: &str) -> Result<(), String> {
        if self.kind != RequestKind::Accounting {
            return Err(format!(
                "{} asks for copies of records; release it with its documents",
                self.id
            ));
        }
        self.open("the accounting can be given")?;
        let note = format!("accounting given: {}", given.summary());
        let at = given.at;
        self.accounting_given = Some(given);
        self.record(by, at, RequestStatus::Released, note);
        Ok(())
    }
}

/// What answered an accounting request: the accounting record, what it listed and where the
/// patient's copy was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountingGiven {
    pub accounting_id: String,
    pub on: NaiveDate,
    pub at: DateTime<Utc>,
    pub listed: usize,
    pub fee_cents: u32,
    pub dir: String,
}

impl AccountingGiven {
    pub fn summary(&self) -> String {
        format!(
            "{} listing {} disclosure(s) on {}, fee {}",
            self.accounting_id,
            self.listed,
            self.on,
            format_cents(self.fee_cents)
        )
    }
}

/// One disclosure in the accounting (164.528(b)(2)): date, recipient and address, what, why.
/// Never deleted: a correction is a new version with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    pub id: String,
    pub mrn: String,
    pub disclosed_on: NaiveDate,
    pub recipient: String,
    pub recipient_address: String,
    pub description: String,
    pub purpose: String,
    /// The request it came from; None for a manual entry (a disclosure made outside chartroom).
    pub request_id: Option<String>,
    pub manual: bool,
    /// A correction said this one should not have been recorded: it stays in the history and
    /// leaves the accounting.
    #[serde(default)]
    pub entered_in_error: bool,
    pub version: u64,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// Why this version replaced the one before; None on the first.
    #[serde(default)]
    pub correction_reason: Option<String>,
    #[serde(default)]
    pub moved_from: Option<String>,
}

/// What a clerk types for a manual entry or a correction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosureFields {
    pub disclosed_on: Option<NaiveDate>,
    pub recipient: String,
    pub recipient_address: String,
    pub description: String,
    pub purpose: String,
}

impl DisclosureFields {
    /// The fields, checked; `today` bounds the date.
    pub fn check(&self, today: NaiveDate) -> Result<(NaiveDate, [String; 4]), String> {
        let on = self
            .disclosed_on
            .ok_or_else(|| "the date of the disclosure is required".to_string())?;
        if on > today {
            return Err(format!(
                "the date of the disclosure ({on}) cannot be in the future"
            ));
        }
        Ok((
            on,
            [
                required("the recipient", &self.recipient, 200)?,
                required(
                    "the recipient's address",
                    &self.recipient_address,
                    MAX_TEXT_CHARS,
                )?,
                required(
                    "a description of what was disclosed",
                    &self.description,
                    MAX_TEXT_CHARS,
                )?,
                required("the purpose", &self.purpose, MAX_TEXT_CHARS)?,
            ],
        ))
    }
}

impl Disclosure {
    /// The next version of `self` with corrected fields, or marked entered in error.
    pub fn corrected(
        &self,
        fields: &DisclosureFields,
        entered_in_error: bool,
        reason: &str,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Disclosure, String> {
        let reason = required("the reason for the correction", reason, MAX_TEXT_CHARS)?;
        if self.entered_in_error {
            return Err("this disclosure was already marked entered in error".into());
        }
        let mut next = self.clone();
        if !entered_in_error {
            let (on, [recipient, address, description, purpose]) = fields.check(today)?;
            if on == self.disclosed_on
                && recipient == self.recipient
                && address == self.recipient_address
                && description == self.description
                && purpose == self.purpose
            {
                return Err("nothing was changed; a correction must change something".into());
            }
            next.disclosed_on = on;
            next.recipient = recipient;
            next.recipient_address = address;
            next.description = description;
            next.purpose = purpose;
        }
        next.entered_in_error = entered_in_error;
        next.correction_reason = Some(reason);
        next.recorded_by = by.to_string();
        next.recorded_at = at;
        Ok(next)
    }
}

/// The first day an accounting requested on `requested_on` must cover: six years back.
pub fn accounting_start(requested_on: NaiveDate) -> NaiveDate {
    requested_on
        .checked_sub_months(Months::new(12 * ACCOUNTING_YEARS))
        .unwrap_or(NaiveDate::MIN)
}

/// The disclosures an accounting requested on `requested_on` lists, oldest first: the current
/// versions, not entered in error, within the six years.
pub fn accounting(disclosures: &[Disclosure], requested_on: NaiveDate) -> Vec<&Disclosure> {
    let start = accounting_start(requested_on);
    let mut out: Vec<&Disclosure> = disclosures
        .iter()
        .filter(|d| {
            !d.entered_in_error && d.disclosed_on >= start && d.disclosed_on <= requested_on
        })
        .collect();
    out.sort_by(|a, b| (a.disclosed_on, &a.id).cmp(&(b.disclosed_on, &b.id)));
    out
}

/// When an accounting must be provided: 60 days, 90 with the one extension (164.528(c)(1)).
pub fn accounting_due(requested_on: NaiveDate, extended: bool) -> NaiveDate {
    let due = add_days(requested_on, ACCOUNTING_DAYS);
    if extended {
        add_days(due, ACCOUNTING_EXTENSION_DAYS)
    } else {
        due
    }
}

/// The fee for an accounting: the first in any 12 months is free (164.528(c)(2)); later ones
/// may be charged the department's reasonable cost-based fee.
pub fn accounting_fee(earlier: &[NaiveDate], requested_on: NaiveDate, fee_cents: u32) -> u32 {
    let year_ago = requested_on
        .checked_sub_months(Months::new(12))
        .unwrap_or(NaiveDate::MIN);
    if earlier.iter().any(|d| *d > year_ago && *d <= requested_on) {
        fee_cents
    } else {
        0
    }
}

/// An accounting of disclosures given to a patient: when asked, when provided, what it listed
/// and what it cost. Kept so the next one knows whether it is the first in 12 months.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountingRecord {
    pub id: String,
    pub mrn: String,
    pub requested_on: NaiveDate,
    pub provided_on: NaiveDate,
    /// The disclosures listed (id and version), oldest first.
    pub listed: Vec<(String, u64)>,
    pub fee_cents: u32,
    pub file: String,
    pub by: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub moved_from: Option<String>,
    /// The accounting request it answered; None when given at the counter from the chart.
    #[serde(default)]
    pub request_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T15:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn new_request(requester: RequesterType, received: &str) -> NewRoiRequest {
        NewRoiRequest {
            mrn: "100004".into(),
            kind: RequestKind::Copies,
            requester_type: requester,
            requester_name: "Ada Requester".into(),
            requester_contact: "1 Main St, Springfield".into(),
            records: RecordsWanted::default(),
            purpose: Purpose::usual_for(requester),
            format: Format::Electronic,
            delivery: Delivery::SecureElectronic,
            received: d(received),
            representative_authority: String::new(),
            legal: LegalProcess::default(),
            note: String::new(),
        }
    }

    fn request(requester: RequesterType, received: &str) -> RoiRequest {
        RoiRequest::new(
            "ROI-000001",
            new_request(requester, received),
            &default_due_days(),
            d("2030-01-01"),
            "roi",
            at(),
        )
        .unwrap()
    }

    fn good_auth() -> Authorization {
        Authorization {
            description: "discharge summaries 2025".into(),
            who_may_disclose: "County Hospital HIM".into(),
            recipient: "Smith & Lee LLP".into(),
            purpose: "at the request of the individual".into(),
            expires_on: Some(d("2027-01-01")),
            signed_by: "Pat Example".into(),
            signed_on: Some(d("2026-02-01")),
            statement_right_to_revoke: true,
            statement_conditioning: true,
            statement_redisclosure: true,
            ..Authorization::default()
        }
    }

    #[test]
    fn due_dates_by_type_across_month_ends_and_leap_days() {
        use RequesterType as R;
        for (who, received, due) in [
            (R::Patient, "2026-01-31", "2026-03-02"), // 30 days over a short February
            (R::Patient, "2028-01-31", "2028-03-01"), // ... and a leap February
            (R::Patient, "2028-02-29", "2028-03-30"), // received on a leap day
            (R::Patient, "2026-12-15", "2027-01-14"), // across the year end
            (R::PersonalRepresentative, "2026-03-01", "2026-03-31"),
            (R::Provider, "2026-02-25", "2026-03-04"), // 7 days from the table
            (R::Subpoena, "2028-02-20", "2028-03-05"), // 14 days across a leap day
            (R::Attorney, "2026-01-31", "2026-03-02"),
        ] {
            let r = request(who, received);
            assert_eq!(r.due_date(), d(due), "{who:?} received {received}");
        }
    }

    #[test]
    fn an_accounting_request_has_60_days_one_30_day_extension_and_no_denial() {
        let today = d("2026-12-01");
        let mut n = new_request(RequesterType::Patient, "2026-11-20");
        n.kind = RequestKind::Accounting;
        let mut r = RoiRequest::new("ROI-000009", n.clone(), &[], today, "roi", at()).unwrap();
        assert_eq!(r.due_date(), d("2027-01-19"), "60 days across the year end");
        assert_eq!(r.due_date(), accounting_due(r.received, false));
        // The representative may ask too, and the purpose is always the individual's.
        let mut rep = n.clone();
        rep.requester_type = RequesterType::PersonalRepresentative;
        rep.purpose = Purpose::Other;
        let rep = RoiRequest::new("ROI-000010", rep, &[], today, "roi", at()).unwrap();
        assert_eq!(rep.purpose, Purpose::AtRequestOfIndividual);
        // Nobody else: an accounting is the patient's right.
        for who in [RequesterType::Attorney, RequesterType::Provider] {
            let mut other = n.clone();
            other.requester_type = who;
            other.purpose = Purpose::usual_for(who);
            let e = RoiRequest::new("ROI-000011", other, &[], today, "roi", at()).unwrap_err();
            assert!(e.contains("164.528"), "{who:?}: {e}");
        }
        // The table never shortens it.
        let table = vec![DueDays {
            requester: RequesterType::Patient,
            days: 5,
        }];
        let tabled = RoiRequest::new("ROI-000012", n, &table, today, "roi", at()).unwrap();
        assert_eq!(tabled.due_days, 60);
        // Not denied; answered with the accounting, not with a packet.
        let e = r
            .deny(
                DenialGround::PsychotherapyNotesOnly,
                "x",
                today,
                "roi",
                at(),
            )
            .unwrap_err();
        assert!(e.contains("not denied"), "{e}");
        r.extend("records off site", d("2026-11-30"), today, "roi", at())
            .unwrap();
        assert_eq!(r.due_date(), d("2027-02-18"));
        assert_eq!(r.due_date(), accounting_due(r.received, true));
        let given = AccountingGiven {
            accounting_id: "ACC-000001".into(),
            on: today,
            at: at(),
            listed: 2,
            fee_cents: 0,
            dir: "/tmp/x".into(),
        };
        let mut copies = request(RequesterType::Patient, "2026-11-20");
        assert!(copies.record_accounting(given.clone(), "roi").is_err());
        r.record_accounting(given.clone(), "roi").unwrap();
        assert_eq!(r.status, RequestStatus::Released);
        assert!(!r.is_overdue(d("2027-06-01")));
        let again = r.record_accounting(given, "roi").unwrap_err();
        assert!(again.contains("already released"), "{again}");
    }

    #[test]
    fn days_left_and_overdue() {
        let r = request(RequesterType::Patient, "2026-03-01"); // due 2026-03-31
        for (today, left, overdue) in [
            ("2026-03-01", 30, false),
            ("2026-03-31", 0, false),
            ("2026-04-01", -1, true),
            ("2026-05-01", -31, true),
        ] {
            assert_eq!(r.days_left(d(today)), left, "{today}");
            assert_eq!(r.is_overdue(d(today)), overdue, "{today}");
        }
        let mut closed = r.clone();
        closed.status = RequestStatus::Cancelled;
        assert!(
            !closed.is_overdue(d("2026-05-01")),
            "a closed request is never overdue"
        );
    }

    #[test]
    fn a_settings_table_sets_other_deadlines_but_never_the_patients() {
        let table = vec![
            DueDays {
                requester: RequesterType::Patient,
                days: 90,
            },
            DueDays {
                requester: RequesterType::Insurer,
                days: 10,
            },
        ];
        assert_eq!(due_days(RequesterType::Patient, &table), 30);
        assert_eq!(due_days(RequesterType::Insurer, &table), 10);
        assert_eq!(
            due_days(RequesterType::Attorney, &table),
            30,
            "missing -> 30"
        );
    }

    #[test]
    fn the_received_date_is_the_departments_date() {
        let chicago = FixedOffset::west_opt(6 * 3600).unwrap();
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        let late = DateTime::parse_from_rfc3339("2026-04-01T04:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_date(late, chicago), d("2026-03-31"));
        assert_eq!(local_date(late, tokyo), d("2026-04-01"));
        assert_eq!(
            local_date(late, FixedOffset::east_opt(0).unwrap()),
            d("2026-04-01")
        );
    }

    #[test]
    fn the_one_extension_of_a_patients_request() {
        let today = d("2026-03-20");
        // (requester, told, already extended, expect error containing)
        for (who, told, twice, want) in [
            (RequesterType::Patient, "2026-03-10", false, None),
            (RequesterType::Patient, "2026-03-31", false, None), // the last day counts
            (
                RequesterType::Patient,
                "2026-02-27",
                false,
                Some("before the request arrived"),
            ),
            (RequesterType::Patient, "2026-03-21", false, Some("future")),
            (RequesterType::Patient, "2026-03-10", true, Some("only one")),
            (
                RequesterType::Attorney,
                "2026-03-10",
                false,
                Some("only a patient's own"),
            ),
        ] {
            let mut r = request(who, "2026-03-01");
            let today = if told == "2026-03-31" {
                d("2026-04-02")
            } else {
                today
            };
            if twice {
                r.extend("backlog", d("2026-03-05"), today, "roi", at())
                    .unwrap();
            }
            let got = r.extend("records off site", d(told), today, "roi", at());
            match want {
                None => {
                    got.unwrap();
                    assert_eq!(r.due_date(), d("2026-04-30"));
                }
                Some(w) => assert!(got.unwrap_err().contains(w), "{who:?} {told}"),
            }
        }
        let mut late = request(RequesterType::Patient, "2026-03-01");
        let e = late
            .extend("x", d("2026-04-01"), d("2026-04-02"), "roi", at())
            .unwrap_err();
        assert!(e.contains("too late"), "{e}");
        let mut no_reason = request(RequesterType::Patient, "2026-03-01");
        assert!(
            no_reason
                .extend("  ", d("2026-03-02"), today, "roi", at())
                .is_err()
        );
    }

    #[test]
    fn intake_refuses_what_cannot_be_true() {
        let mut n = new_request(RequesterType::Patient, "2026-03-05");
        let today = d("2026-03-04");
        let e = RoiRequest::new("R", n.clone(), &[], today, "roi", at()).unwrap_err();
        assert!(e.contains("future"), "{e}");
        n.received = d("2026-03-01");
        n.records.from = Some(d("2026-02-01"));
        n.records.to = Some(d("2026-01-01"));
        let e = RoiRequest::new("R", n.clone(), &[], today, "roi", at()).unwrap_err();
        assert!(e.contains("backwards"), "{e}");
        n.records = RecordsWanted::default();
        n.requester_contact = " ".into();
        assert!(RoiRequest::new("R", n, &[], today, "roi", at()).is_err());
    }

    #[test]
    fn status_moves() {
        use RequestStatus::*;
        use WaitReason::*;
        for (from, to, ok) in [
            (Logged, Validating, true),
            (Logged, Waiting(Authorization), true),
            (Validating, InProcessing, true),
            (Waiting(Fee), Waiting(Clarification), true),
            (Waiting(Fee), Waiting(Fee), false),
            (InProcessing, Waiting(Fee), true),
            (InProcessing, Released, false),
            (InProcessing, PartlyReleased, false),
            (Logged, Denied, false),
            (Validating, Logged, false),
            (Released, Cancelled, false),
            (Denied, Validating, false),
            (Cancelled, InProcessing, false),
            (Logged, Cancelled, true),
        ] {
            assert_eq!(may_move(from, to).is_ok(), ok, "{from:?} -> {to:?}");
        }
        let mut r = request(RequesterType::Patient, "2026-03-01");
        assert!(
            r.move_to(Cancelled, "", "roi", at()).is_err(),
            "cancel needs a note"
        );
        assert!(r.move_to(Waiting(Clarification), " ", "roi", at()).is_err());
        r.move_to(Validating, "", "roi", at()).unwrap();
        r.move_to(Waiting(Fee), "", "roi", at()).unwrap();
        assert_eq!(r.history.len(), 3);
        assert_eq!(r.history[2].from, Some(Validating));
        assert_eq!(r.history[2].to, Waiting(Fee));
    }

    #[test]
    fn what_needs_an_authorization() {
        use Purpose as P;
        use RequesterType as R;
        let none = LegalProcess::default();
        let order = LegalProcess {
            court_order: true,
            satisfactory_assurance: false,
        };
        let assurance = LegalProcess {
            court_order: false,
            satisfactory_assurance: true,
        };
        for (who, why, legal, want) in [
            (
                R::Patient,
                P::AtRequestOfIndividual,
                &none,
                Basis::RightOfAccess,
            ),
            (
                R::PersonalRepresentative,
                P::AtRequestOfIndividual,
                &none,
                Basis::RightOfAccess,
            ),
            (
                R::PersonalRepresentative,
                P::LegalProceeding,
                &none,
                Basis::Authorization,
            ),
            (R::Provider, P::Treatment, &none, Basis::Treatment),
            (R::Insurer, P::Payment, &none, Basis::Payment),
            (
                R::Insurer,
                P::InsuranceOrBenefits,
                &none,
                Basis::Authorization,
            ),
            (
                R::Provider,
                P::HealthCareOperations,
                &none,
                Basis::HealthCareOperations,
            ),
            (R::Attorney, P::LegalProceeding, &none, Basis::Authorization),
            (R::CourtOrder, P::LegalProceeding, &none, Basis::CourtOrder),
            (
                R::Subpoena,
                P::LegalProceeding,
                &none,
                Basis::SubpoenaWithoutAssurance,
            ),
            (
                R::Subpoena,
                P::LegalProceeding,
                &assurance,
                Basis::SubpoenaWithAssurance,
            ),
            (R::Subpoena, P::LegalProceeding, &order, Basis::CourtOrder),
            (
                R::GovernmentAgency,
                P::PublicHealthOrOversight,
                &none,
                Basis::RequiredByLaw,
            ),
            (R::GovernmentAgency, P::Other, &none, Basis::Authorization),
            (R::Researcher, P::Research, &none, Basis::Authorization),
            (
                R::LawEnforcement,
                P::LawEnforcement,
                &none,
                Basis::Authorization,
            ),
            (
                R::LawEnforcement,
                P::LawEnforcement,
                &order,
                Basis::LawEnforcementProcess,
            ),
        ] {
            assert_eq!(
                basis_without_authorization(who, why, legal),
                want,
                "{who:?} {why:?} {legal:?}"
            );
        }
    }

    #[test]
    fn a_complete_authorization_passes_and_each_missing_element_blocks() {
        let today = d("2026-03-02");
        let check = |a: &Authorization| {
            check_authorization(
                RequesterType::Attorney,
                Purpose::LegalProceeding,
                &LegalProcess::default(),
                "",
                Some(a),
                &[],
                today,
            )
        };
        let ok = check(&good_auth());
        assert!(ok.may_release(), "{:?}", ok.blocking());
        assert_eq!(ok.basis, Basis::Authorization);
        type Breaker = fn(&mut Authorization);
        let cases: [(Breaker, &str); 14] = [
            (|a| a.description.clear(), "describe the information"),
            (|a| a.who_may_disclose = " ".into(), "who may disclose"),
            (|a| a.recipient.clear(), "who is to receive"),
            (|a| a.purpose.clear(), "purpose"),
            (|a| a.expires_on = None, "no expiration date"),
            (|a| a.signed_by.clear(), "not signed"),
            (|a| a.signed_on = None, "date of signature"),
            (|a| a.signed_on = Some(d("2026-03-03")), "in the future"),
            (|a| a.signed_by_representative = true, "authority"),
            (|a| a.statement_right_to_revoke = false, "revoke"),
            (|a| a.statement_conditioning = false, "depends on signing"),
            (|a| a.statement_redisclosure = false, "re-disclose"),
            (
                |a| a.expires_on = Some(d("2026-03-01")),
                "expired on 2026-03-01",
            ),
            (
                |a| a.revoked_on = Some(d("2026-03-02")),
                "revoked it on 2026-03-02",
            ),
        ];
        for (breaks, says) in cases {
            let mut a = good_auth();
            breaks(&mut a);
            let c = check(&a);
            let blocking = c.blocking();
            assert_eq!(blocking.len(), 1, "{says}: {blocking:?}");
            assert!(blocking[0].contains(says), "{says}: {blocking:?}");
        }
        // An expiry event instead of a date is fine until it happens.
        let mut a = good_auth();
        a.expires_on = None;
        a.expiry_event = "end of the lawsuit".into();
        assert!(check(&a).may_release());
        a.expiry_event_occurred = true;
        assert!(check(&a).blocking()[0].contains("end of the lawsuit"));
        // A revocation dated tomorrow has not happened yet.
        let mut a = good_auth();
        a.revoked_on = Some(d("2026-03-03"));
        assert!(check(&a).may_release());
    }

    #[test]
    fn an_authorization_signed_after_it_expired_was_never_valid() {
        let mut a = good_auth();
        a.expires_on = Some(d("2026-01-01"));
        a.signed_on = Some(d("2026-02-01"));
        let c = check_authorization(
            RequesterType::Attorney,
            Purpose::LegalProceeding,
            &LegalProcess::default(),
            "",
            Some(&a),
            &[],
            d("2025-12-01"),
        );
        let b = c.blocking();
        assert!(b.iter().any(|p| p.contains("never valid")), "{b:?}");
    }

    #[test]
    fn requests_that_need_no_authorization_and_the_ones_flagged() {
        let today = d("2026-03-02");
        let no_papers = LegalProcess::default();
        // The patient: nothing to check, Part 2 included, psychotherapy notes not.
        let c = check_authorization(
            RequesterType::Patient,
            Purpose::AtRequestOfIndividual,
            &no_papers,
            "",
            None,
            &[SensitiveCategory::Part2],
            today,
        );
        assert!(c.may_release() && c.items.is_empty());
        assert!(c.part2_notice);
        assert!(
            c.allows(&[SensitiveCategory::Part2, SensitiveCategory::Hiv])
                .is_ok()
        );
        assert!(
            c.allows(&[SensitiveCategory::PsychotherapyNotes])
                .unwrap_err()
                .contains("right of access")
        );
        // A representative must have their authority documented.
        let c = check_authorization(
            RequesterType::PersonalRepresentative,
            Purpose::AtRequestOfIndividual,
            &no_papers,
            "",
            None,
            &[],
            today,
        );
        assert!(c.blocking()[0].contains("authority"));
        // Treatment: no authorization, nothing sensitive goes.
        let c = check_authorization(
            RequesterType::Provider,
            Purpose::Treatment,
            &no_papers,
            "",
            None,
            &[],
            today,
        );
        assert!(c.may_release());
        assert!(c.allows(&[SensitiveCategory::Hiv]).is_err());
        // A court order: no authorization.
        let c = check_authorization(
            RequesterType::CourtOrder,
            Purpose::LegalProceeding,
            &no_papers,
            "",
            None,
            &[],
            today,
        );
        assert!(c.may_release());
        // A bare subpoena is flagged; with the patient's authorization it may go.
        let c = check_authorization(
            RequesterType::Subpoena,
            Purpose::LegalProceeding,
            &no_papers,
            "",
            None,
            &[],
            today,
        );
        assert!(
            c.blocking()[0].contains("subpoena alone"),
            "{:?}",
            c.blocking()
        );
        let c = check_authorization(
            RequesterType::Subpoena,
            Purpose::LegalProceeding,
            &no_papers,
            "",
            Some(&good_auth()),
            &[],
            today,
        );
        assert!(c.may_release(), "{:?}", c.blocking());
        // An attorney without any authorization on file.
        let c = check_authorization(
            RequesterType::Attorney,
            Purpose::LegalProceeding,
            &no_papers,
            "",
            None,
            &[],
            today,
        );
        assert!(c.blocking()[0].contains("No authorization"));
    }

    #[test]
    fn sensitive_records_need_an_authorization_that_names_them() {
        let today = d("2026-03-02");
        let check = |a: &Authorization, includes: &[SensitiveCategory]| {
            check_authorization(
                RequesterType::Attorney,
                Purpose::LegalProceeding,
                &LegalProcess::default(),
                "",
                Some(a),
                includes,
                today,
            )
        };
        let plain = check(&good_auth(), &[SensitiveCategory::Hiv]);
        assert!(plain.may_release());
        assert!(plain.allows(&[]).is_ok());
        assert!(
            plain
                .allows(&[SensitiveCategory::Hiv])
                .unwrap_err()
                .contains("specifically")
        );
        let mut hiv = good_auth();
        hiv.covers = vec![SensitiveCategory::Hiv];
        assert!(
            check(&hiv, &[SensitiveCategory::Hiv])
                .allows(&[SensitiveCategory::Hiv])
                .is_ok()
        );
        // Part 2 named: the consent's own elements are checked and the notice goes with it.
        let mut p2 = good_auth();
        p2.covers = vec![SensitiveCategory::Part2];
        let c = check(&p2, &[SensitiveCategory::Part2]);
        assert_eq!(c.blocking().len(), 3, "{:?}", c.blocking());
        assert!(c.blocking().iter().all(|b| b.contains("42 CFR 2.31")));
        p2.part2_patient_name = "Pat Example".into();
        p2.part2_amount_and_kind = "all SUD treatment notes 2025".into();
        p2.part2_program = "County Recovery Program".into();
        let c = check(&p2, &[SensitiveCategory::Part2]);
        assert!(c.may_release(), "{:?}", c.blocking());
        assert!(c.part2_notice);
        assert!(c.allows(&[SensitiveCategory::Part2]).is_ok());
    }

    #[test]
    fn document_categories_come_from_kind_encounter_and_chart() {
        use super::super::Sensitivity as S;
        use SensitiveCategory as C;
        for (kind, enc, chart, want) in [
            ("Progress note", None, None, vec![]),
            (
                "Psychotherapy note",
                None,
                None,
                vec![C::PsychotherapyNotes],
            ),
            (
                "Progress note",
                Some(S::SubstanceUseDisorder),
                None,
                vec![C::Part2],
            ),
            ("Progress note", None, Some(S::Hiv), vec![C::Hiv]),
            (
                "Progress note",
                Some(S::Vip),
                Some(S::BehavioralHealth),
                vec![],
            ),
            ("Progress note", Some(S::Hiv), Some(S::Hiv), vec![C::Hiv]),
            (
                "Psychotherapy note",
                Some(S::ReproductiveHealth),
                None,
                vec![C::PsychotherapyNotes, C::ReproductiveHealth],
            ),
        ] {
            assert_eq!(
                document_categories(kind, enc, chart),
                want,
                "{kind} {enc:?} {chart:?}"
            );
        }
    }

    #[test]
    fn fees() {
        let s = default_fee_schedules();
        let q = |who, format, fee: AccessFee, pages| {
            fee_quote(who, format, &fee, &s, DEFAULT_LABOR_CENTS_PER_HOUR, pages)
        };
        use RequesterType as R;
        assert_eq!(
            q(
                R::Patient,
                Format::Electronic,
                AccessFee::FlatElectronic,
                400
            )
            .unwrap()
            .total_cents,
            650
        );
        assert!(
            q(R::Patient, Format::Paper, AccessFee::FlatElectronic, 4)
                .unwrap_err()
                .contains("electronic copies only")
        );
        let actual = q(
            R::PersonalRepresentative,
            Format::Paper,
            AccessFee::ActualCost {
                labor_minutes: 15,
                supplies_cents: 120,
                postage_cents: 73,
            },
            12,
        )
        .unwrap();
        assert_eq!(actual.total_cents, 600 + 120 + 73);
        assert!(!actual.lines.iter().any(|l| l.what.contains("retrieval")));
        assert_eq!(
            q(R::Patient, Format::Paper, AccessFee::NoCharge, 12)
                .unwrap()
                .total_cents,
            0
        );
        // Others from the schedule: base + pages.
        assert_eq!(
            q(R::Attorney, Format::Paper, AccessFee::NoCharge, 12)
                .unwrap()
                .total_cents,
            2_500 + 1_200
        );
        assert_eq!(
            q(R::Provider, Format::Paper, AccessFee::NoCharge, 99)
                .unwrap()
                .total_cents,
            0
        );
        let capped = vec![FeeSchedule {
            requester: R::Insurer,
            base_cents: 1_000,
            per_page_cents: 100,
            max_cents: 5_000,
        }];
        let c = fee_quote(
            R::Insurer,
            Format::Paper,
            &AccessFee::NoCharge,
            &capped,
            0,
            200,
        )
        .unwrap();
        assert_eq!(c.total_cents, 5_000);
        assert!(
            fee_quote(
                R::Attorney,
                Format::Paper,
                &AccessFee::NoCharge,
                &capped,
                0,
                1
            )
            .unwrap_err()
            .contains("settings")
        );
        assert_eq!(format_cents(650), "$6.50");
        assert_eq!(pages_of(0), 1);
        assert_eq!(pages_of(50), 1);
        assert_eq!(pages_of(51), 2);
    }

    #[test]
    fn denial_grounds_and_review() {
        use DenialGround as G;
        use RequesterType as R;
        for (g, reviewable) in [
            (G::EndangersLifeOrSafety, true),
            (G::HarmToPersonReferenced, true),
            (G::HarmViaRepresentative, true),
            (G::PsychotherapyNotesOnly, false),
            (G::PreparedForLitigation, false),
            (G::DefectiveAuthorization, false),
        ] {
            assert_eq!(g.reviewable(), reviewable, "{g:?}");
        }
        for (g, who, ok) in [
            (G::EndangersLifeOrSafety, R::Patient, true),
            (G::DefectiveAuthorization, R::Patient, false),
            (G::DefectiveAuthorization, R::Attorney, true),
            (G::EndangersLifeOrSafety, R::Attorney, false),
            (G::NoRecordsHeld, R::Patient, true),
            (G::NoAuthority, R::PersonalRepresentative, true),
        ] {
            assert_eq!(g.fits(who).is_ok(), ok, "{g:?} {who:?}");
        }
        let mut r = request(R::Patient, "2026-03-01");
        r.deny(
            G::EndangersLifeOrSafety,
            "per Dr. Example",
            d("2026-03-05"),
            "roi",
            at(),
        )
        .unwrap();
        assert_eq!(r.status, RequestStatus::Denied);
        assert!(r.denial.as_ref().unwrap().reviewable);
        assert!(
            r.deny(G::NoRecordsHeld, "x", d("2026-03-05"), "roi", at())
                .is_err()
        );
    }

    fn disclosure(id: &str, on: &str) -> Disclosure {
        Disclosure {
            id: id.into(),
            mrn: "100004".into(),
            disclosed_on: d(on),
            recipient: "County Health Department".into(),
            recipient_address: "2 Court St".into(),
            description: "immunization record".into(),
            purpose: "public health reporting".into(),
            request_id: None,
            manual: true,
            entered_in_error: false,
            version: 1,
            recorded_by: "roi".into(),
            recorded_at: at(),
            correction_reason: None,
            moved_from: None,
        }
    }

    #[test]
    fn accounting_inclusion() {
        for (basis, listed) in [
            (Basis::RightOfAccess, false),
            (Basis::Treatment, false),
            (Basis::Payment, false),
            (Basis::HealthCareOperations, false),
            (Basis::Authorization, false),
            (Basis::CourtOrder, true),
            (Basis::SubpoenaWithAssurance, true),
            (Basis::RequiredByLaw, true),
            (Basis::LawEnforcementProcess, true),
        ] {
            assert_eq!(basis.accountable(), listed, "{basis:?}");
        }
        let all = vec![
            disclosure("D3", "2026-03-01"),
            disclosure("D1", "2020-03-02"), // exactly six years back: in
            disclosure("D0", "2020-03-01"), // a day older: out
            {
                let mut e = disclosure("D2", "2024-01-01");
                e.entered_in_error = true;
                e
            },
            disclosure("D4", "2026-03-03"), // after the request
        ];
        let ids: Vec<&str> = accounting(&all, d("2026-03-02"))
            .iter()
            .map(|x| x.id.as_str())
            .collect();
        assert_eq!(ids, ["D1", "D3"]);
        assert_eq!(accounting_start(d("2030-02-28")), d("2024-02-28"));
        assert_eq!(accounting_start(d("2028-02-29")), d("2022-02-28"));
        assert_eq!(accounting_due(d("2026-01-01"), false), d("2026-03-02"));
        assert_eq!(accounting_due(d("2026-01-01"), true), d("2026-04-01"));
        let first = accounting_fee(&[], d("2026-03-02"), 1_500);
        let again = accounting_fee(&[d("2025-06-01")], d("2026-03-02"), 1_500);
        let year_on = accounting_fee(&[d("2025-03-02")], d("2026-03-02"), 1_500);
        assert_eq!((first, again, year_on), (0, 1_500, 0));
    }

    #[test]
    fn a_disclosure_is_corrected_by_a_new_version() {
        let today = d("2026-03-05");
        let old = disclosure("D1", "2026-03-01");
        let mut fields = DisclosureFields {
            disclosed_on: Some(d("2026-03-02")),
            recipient: old.recipient.clone(),
            recipient_address: old.recipient_address.clone(),
            description: old.description.clone(),
            purpose: old.purpose.clone(),
        };
        assert!(
            old.corrected(&fields, false, "", today, "roi", at())
                .is_err(),
            "reason"
        );
        let new = old
            .corrected(&fields, false, "wrong date", today, "roi", at())
            .unwrap();
        assert_eq!(new.disclosed_on, d("2026-03-02"));
        assert_eq!(new.correction_reason.as_deref(), Some("wrong date"));
        assert!(
            new.corrected(&fields, false, "again", today, "roi", at())
                .unwrap_err()
                .contains("nothing was changed")
        );
        fields.disclosed_on = Some(d("2026-03-06"));
        assert!(
            old.corrected(&fields, false, "x", today, "roi", at())
                .is_err(),
            "future"
        );
        let gone = new
            .corrected(&fields, true, "wrong patient", today, "roi", at())
            .unwrap();
        assert!(gone.entered_in_error);
        assert_eq!(
            gone.disclosed_on,
            d("2026-03-02"),
            "an error marking keeps the fields"
        );
        assert!(
            gone.corrected(&fields, true, "x", today, "roi", at())
                .is_err()
        );
    }
}
