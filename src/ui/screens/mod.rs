//! One file per screen: its state, its keys, its drawing.

pub mod amendment_form;
pub mod break_glass;
pub mod break_glass_review;
pub mod chart;
pub mod chart_access_log;
pub mod chart_amendments;
pub mod chart_codes;
pub mod chart_summary;
pub mod code_lookup;
pub mod coding_queue;
pub mod coding_report;
pub mod coding_workspace;
pub mod duplicates;
pub mod home;
pub mod legal_hold_form;
pub mod login;
pub mod password;
pub mod placeholder;
pub mod query_composer;
pub mod register;
pub mod search;
pub mod sensitivity_form;
pub mod users;
pub mod work_queue;
