//! ICD-10-CM: the FY2026 Tabular List XML (codes, hierarchy, instructional notes, 7th
//! characters) and the FY2025 order file (codes and titles only).
//!
//! The Tabular List does not list 7-character codes. A code takes its 7th character from the
//! nearest `sevenChrDef` of its own entry or an ancestor's, padded to six characters with the
//! placeholder `X` (`T78.07` → `T7807XA`). The leaf it grew from becomes a header.

use super::CodeSetError;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::BufRead;

/// The kinds of instructional note the Tabular List carries, in the order a coder reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoteKind {
    Notes,
    Includes,
    InclusionTerm,
    Excludes1,
    Excludes2,
    CodeFirst,
    UseAdditionalCode,
    CodeAlso,
}

impl NoteKind {
    pub const ALL: [NoteKind; 8] = [
        NoteKind::Notes,
        NoteKind::Includes,
        NoteKind::InclusionTerm,
        NoteKind::Excludes1,
        NoteKind::Excludes2,
        NoteKind::CodeFirst,
        NoteKind::UseAdditionalCode,
        NoteKind::CodeAlso,
    ];

    fn from_tag(tag: &[u8]) -> Option<NoteKind> {
        Some(match tag {
            b"notes" => NoteKind::Notes,
            b"includes" => NoteKind::Includes,
            b"inclusionTerm" => NoteKind::InclusionTerm,
            b"excludes1" => NoteKind::Excludes1,
            b"excludes2" => NoteKind::Excludes2,
            b"codeFirst" => NoteKind::CodeFirst,
            b"useAdditionalCode" => NoteKind::UseAdditionalCode,
            b"codeAlso" => NoteKind::CodeAlso,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Notes => "Note",
            NoteKind::Includes => "Includes",
            NoteKind::InclusionTerm => "Inclusion term",
            NoteKind::Excludes1 => "Excludes1",
            NoteKind::Excludes2 => "Excludes2",
            NoteKind::CodeFirst => "Code first",
            NoteKind::UseAdditionalCode => "Use additional code",
            NoteKind::CodeAlso => "Code also",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub text: String,
}

/// A chapter, a block (section) or a code, as the tree of the Tabular List.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Code without the dot (`S72001A`); for a chapter or block, its range (`A00-B99`).
    pub code: String,
    pub title: String,
    pub kind: NodeKind,
    /// Billable (valid for claims): a leaf code.
    pub billable: bool,
    pub parent: Option<u32>,
    /// Notes written at this node; the notes of its ancestors apply too (`notes_in_force`).
    pub notes: Vec<Note>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Chapter,
    Block,
    Code,
}

/// One fiscal year's ICD-10-CM.
#[derive(Clone, Debug, Default)]
pub struct CmCodeSet {
    pub nodes: Vec<Node>,
    /// Indices of code nodes, sorted by code, for look-up by binary search.
    by_code: Vec<u32>,
    /// Each code node's children (code nodes only), for "list its billable children".
    children: Vec<Vec<u32>>,
}

impl CmCodeSet {
    fn index(mut nodes: Vec<Node>) -> CmCodeSet {
        let mut by_code: Vec<u32> = (0..nodes.len() as u32)
            .filter(|&i| nodes[i as usize].kind == NodeKind::Code)
            .collect();
        by_code.sort_by(|&a, &b| nodes[a as usize].code.cmp(&nodes[b as usize].code));
        by_code.dedup_by(|a, b| nodes[*a as usize].code == nodes[*b as usize].code);
        let mut children = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if let (NodeKind::Code, Some(p)) = (n.kind, n.parent) {
                children[p as usize].push(i as u32);
            }
        }
        nodes.shrink_to_fit();
        CmCodeSet {
            nodes,
            by_code,
            children,
        }
    }

    pub fn find(&self, code: &str) -> Option<&Node> {
        self.find_index(code).map(|i| &self.nodes[i])
    }

    pub fn find_index(&self, code: &str) -> Option<usize> {
        self.by_code
            .binary_search_by(|&i| self.nodes[i as usize].code.as_str().cmp(code))
            .ok()
            .map(|k| self.by_code[k] as usize)
    }

    /// All codes, sorted.
    pub fn codes(&self) -> impl Iterator<Item = &Node> {
        self.by_code.iter().map(|&i| &self.nodes[i as usize])
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    pub fn billable_count(&self) -> usize {
        self.codes().filter(|n| n.billable).count()
    }

    /// Billable codes under a header, in order.
    pub fn billable_descendants(&self, index: usize) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack = vec![index as u32];
        while let Some(i) = stack.pop() {
            let n = &self.nodes[i as usize];
            if n.billable {
                out.push(n);
            }
            stack.extend(self.children[i as usize].iter().rev());
        }
        out
    }

    /// The notes that apply to a code: its own and those of every ancestor up to its chapter,
    /// nearest first.
    pub fn notes_in_force(&self, index: usize) -> Vec<(&Node, &Note)> {
        let mut out = Vec::new();
        let mut at = Some(index as u32);
        while let Some(i) = at {
            let n = &self.nodes[i as usize];
            out.extend(n.notes.iter().map(|note| (n, note)));
            at = n.parent;
        }
        out
    }
}

/// What the parser is inside of.
struct Open {
    node: u32,
    kind: NodeKind,
    has_child_code: bool,
    /// 7th characters defined here: (character, meaning).
    seventh: Vec<(char, String)>,
}

/// Reads the Tabular List XML.
pub fn parse_tabular(input: impl BufRead) -> Result<CmCodeSet, CodeSetError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    // Element names from the innermost open node down, to know what text belongs to.
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut text = String::new();
    let mut note_kind: Option<NoteKind> = None;
    let mut seventh_char: Option<char> = None;
    let mut in_seven_def = false;
    let bad = |reader: &Reader<_>, what: String| CodeSetError::Malformed {
        file: "ICD-10-CM tabular XML".into(),
        at: reader_position(reader),
        what,
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| bad(&reader, e.to_string()))?;
        match event {
            Event::Start(e) => {
                let tag = e.name().as_ref().to_vec();
                match tag.as_slice() {
                    b"chapter" | b"section" | b"diag" => {
                        let kind = match tag.as_slice() {
                            b"chapter" => NodeKind::Chapter,
                            b"section" => NodeKind::Block,
                            _ => NodeKind::Code,
                        };
                        let parent = open.last().map(|o| o.node);
                        if kind == NodeKind::Code
                            && let Some(o) = open.last_mut()
                        {
                            o.has_child_code = true;
                        }
                        let mut code = String::new();
                        if kind == NodeKind::Block {
                            for a in e.attributes().flatten() {
                                if a.key.as_ref() == b"id" {
                                    code = String::from_utf8_lossy(&a.value).into_owned();
                                }
                            }
                        }
                        nodes.push(Node {
                            code,
                            title: String::new(),
                            kind,
                            billable: false,
                            parent,
                            notes: Vec::new(),
                        });
                        open.push(Open {
                            node: (nodes.len() - 1) as u32,
                            kind,
                            has_child_code: false,
                            seventh: Vec::new(),
                        });
                    }
                    b"sevenChrDef" => in_seven_def = true,
                    b"extension" if in_seven_def => {
                        seventh_char = e.attributes().flatten().find_map(|a| {
                            (a.key.as_ref() == b"char")
                                .then(|| a.value.first().map(|&b| b as char))
                                .flatten()
                        });
                    }
                    t => {
                        if let Some(k) = NoteKind::from_tag(t) {
                            note_kind = Some(k);
                        }
                    }
                }
                path.push(tag);
                text.clear();
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| bad(&reader, e.to_string()))?;
                text.push_str(&s);
            }
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = r.decode().map_err(|e| bad(&reader, e.to_string()))?;
                    if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                        text.push_str(s);
                    }
                }
            }
            Event::End(e) => {
                let tag = e.name().as_ref().to_vec();
                path.pop();
                let parent_tag = path.last().map(Vec::as_slice);
                let value = collapse(&text);
                match tag.as_slice() {
                    b"name" if parent_tag == Some(b"diag") || parent_tag == Some(b"chapter") => {
                        if let Some(o) = open.last()
                            && o.kind == NodeKind::Code
                        {
                            nodes[o.node as usize].code = value.replace('.', "");
                        }
                    }
                    b"desc" => {
                        if let Some(o) = open.last() {
                            let n = &mut nodes[o.node as usize];
                            n.title = value;
                            if n.kind == NodeKind::Chapter && n.code.is_empty() {
                                n.code = chapter_range(&n.title);
                            }
                        }
                    }
                    b"note" => {
                        if let (Some(kind), Some(o)) = (note_kind, open.last())
                            && !value.is_empty()
                        {
                            nodes[o.node as usize]
                                .notes
                                .push(Note { kind, text: value });
                        }
                    }
                    b"extension" if in_seven_def => {
                        if let (Some(c), Some(o)) = (seventh_char.take(), open.last_mut()) {
                            o.seventh.push((c, value));
                        }
                    }
                    b"sevenChrDef" => in_seven_def = false,
                    b"chapter" | b"section" | b"diag" => {
                        let Some(o) = open.pop() else {
                            return Err(bad(&reader, format!("unbalanced </{}>", show(&tag))));
                        };
                        if o.kind == NodeKind::Code && !o.has_child_code {
                            // The nearest 7th-character definition: this entry's or an
                            // ancestor's.
                            let seventh = if o.seventh.is_empty() {
                                open.iter()
                                    .rev()
                                    .find(|a| !a.seventh.is_empty())
                                    .map(|a| &a.seventh)
                            } else {
                                Some(&o.seventh)
                            };
                            match seventh {
                                Some(defs) => {
                                    let base = nodes[o.node as usize].code.clone();
                                    let title = nodes[o.node as usize].title.clone();
                                    let stem = format!("{base:X<6}");
                                    for (c, meaning) in defs.clone() {
                                        if !seventh_applies(&stem, c) {
                                            continue;
                                        }
                                        nodes.push(Node {
                                            code: format!("{stem}{c}"),
                                            title: format!("{title}, {meaning}"),
                                            kind: NodeKind::Code,
                                            billable: true,
                                            parent: Some(o.node),
                                            notes: Vec::new(),
                                        });
                                    }
                                }
                                None => nodes[o.node as usize].billable = true,
                            }
                        }
                    }
                    t => {
                        if NoteKind::from_tag(t).is_some() {
                            note_kind = None;
                        }
                    }
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !open.is_empty() {
        return Err(bad(&reader, "the file ends inside an entry".into()));
    }
    Ok(CmCodeSet::index(nodes))
}

/// The one 7th-character exception the Tabular List states only in prose (a note at S06):
/// "7th characters D and S do not apply to codes in category S06 with 6th character 7 ... or
/// 8". With it the expansion gives CDC's published counts.
fn seventh_applies(stem: &str, c: char) -> bool {
    let death_before_consciousness =
        stem.starts_with("S06") && matches!(stem.as_bytes().get(5), Some(b'7' | b'8'));
    !(death_before_consciousness && matches!(c, 'D' | 'S'))
}

fn reader_position<R>(reader: &Reader<R>) -> String {
    format!("byte {}", reader.buffer_position())
}

fn show(tag: &[u8]) -> String {
    String::from_utf8_lossy(tag).into_owned()
}

/// Whitespace runs (the file has tabs and line breaks inside text) become one space.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Certain infectious and parasitic diseases (A00-B99)" → "A00-B99".
fn chapter_range(title: &str) -> String {
    title
        .rsplit_once('(')
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap_or(title)
        .to_string()
}

/// Reads the FY2025 order file (`code`, `billable`, short and long titles, tab-separated).
/// It has no notes and no tree: a code's parent is its longest listed prefix.
pub fn parse_order_tsv(input: impl BufRead) -> Result<CmCodeSet, CodeSetError> {
    let mut rows: Vec<(String, bool, String)> = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|e| CodeSetError::Malformed {
            file: "ICD-10-CM order file".into(),
            at: format!("line {}", n + 1),
            what: e.to_string(),
        })?;
        if n == 0 {
            continue;
        }
        let mut f = line.split('\t');
        let (Some(code), Some(billable), Some(_short), Some(long)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            return Err(CodeSetError::Malformed {
                file: "ICD-10-CM order file".into(),
                at: format!("line {}", n + 1),
                what: "expected 4 tab-separated fields".into(),
            });
        };
        rows.push((code.to_string(), billable == "1", long.to_string()));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut nodes: Vec<Node> = Vec::with_capacity(rows.len());
    // Walking in code order, the open prefixes form a stack.
    let mut stack: Vec<u32> = Vec::new();
    for (code, billable, title) in rows {
        while let Some(&top) = stack.last() {
            if code.starts_with(nodes[top as usize].code.as_str()) {
                break;
            }
            stack.pop();
        }
        nodes.push(Node {
            code,
            title,
            kind: NodeKind::Code,
            billable,
            parent: stack.last().copied(),
            notes: Vec::new(),
        });
        stack.push((nodes.len() - 1) as u32);
    }
    Ok(CmCodeSet::index(nodes))
}
