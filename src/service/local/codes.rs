//! The shipped code sets through the service: the look-up and a code's notes. The daemon
//! holds the parsed sets once for every session (about 160 MB), so clients stay small.
//! Code sets are not patient data: nothing here is audited.

use super::{Actor, LocalRecords};
use crate::codes::icd10cm::{NodeKind, NoteKind};
use crate::codes::{CodeSets, CodeSystem, check::display, check_code};
use crate::policy::Permission;
use crate::service::{CodeDetails, CodeHit, CodeNote, ServiceError, ServiceResult, SessionToken};
use chrono::NaiveDate;

/// The longest look-up answer sent.
const MAX_HITS: usize = 200;

fn sets() -> ServiceResult<&'static CodeSets> {
    CodeSets::shared().map_err(|e| ServiceError::Unavailable(format!("the code sets: {e}")))
}

impl LocalRecords {
    fn code_reader(&self, token: &SessionToken) -> ServiceResult<()> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::ViewCodes, "code look-up")
            .map(|_| ())
    }

    pub(super) fn lookup_codes_as(
        &self,
        token: &SessionToken,
        system: CodeSystem,
        on: NaiveDate,
        query: &str,
        limit: usize,
    ) -> ServiceResult<Vec<CodeHit>> {
        self.code_reader(token)?;
        let sets = sets()?;
        Ok(sets
            .index_for(system, on)
            .search(query, limit.min(MAX_HITS))
            .into_iter()
            .map(|f| CodeHit {
                code: display(system, f.code),
                raw: f.code.to_string(),
                title: f.title.to_string(),
                billable: f.billable,
            })
            .collect())
    }

    pub(super) fn code_details_as(
        &self,
        token: &SessionToken,
        system: CodeSystem,
        on: NaiveDate,
        code: &str,
    ) -> ServiceResult<CodeDetails> {
        self.code_reader(token)?;
        let sets = sets()?;
        let r = check_code(sets, code, Some(system), on);
        let mut notes = Vec::new();
        if system == CodeSystem::Icd10Cm {
            let (set, _, _) = sets.cm_for(on);
            if let Some(i) = set.find_index(&r.code) {
                // Nearest first (the code's own notes, then its headings' up to the chapter),
                // each heading's in the order a coder reads them.
                let mut found: Vec<(usize, usize, CodeNote)> = Vec::new();
                let mut depth = 0;
                let mut last: Option<&str> = None;
                for (node, note) in set.notes_in_force(i) {
                    if last != Some(node.code.as_str()) {
                        depth += 1;
                        last = Some(&node.code);
                    }
                    let kind = NoteKind::ALL.iter().position(|k| *k == note.kind);
                    found.push((
                        depth,
                        kind.unwrap_or(usize::MAX),
                        CodeNote {
                            kind: note.kind.label().to_string(),
                            text: note.text.clone(),
                            at: match node.kind {
                                NodeKind::Code => display(system, &node.code),
                                NodeKind::Chapter | NodeKind::Block => node.code.clone(),
                            },
                        },
                    ));
                }
                found.sort_by_key(|(d, k, _)| (*d, *k));
                notes = found.into_iter().map(|(_, _, n)| n).collect();
            }
        }
        Ok(CodeDetails {
            code: r.display_code(),
            title: r.title.clone(),
            valid: r.is_valid(),
            sentence: r.sentence(),
            checked_against: r.checked_against.clone(),
            notes,
        })
    }
}
