//! One file per screen: its state, its keys, its drawing.

pub mod break_glass;
pub mod chart;
pub mod duplicates;
pub mod home;
pub mod login;
pub mod password;
pub mod placeholder;
pub mod register;
pub mod search;
pub mod users;
