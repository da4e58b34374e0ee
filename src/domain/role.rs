//! The roles of an HIM department (DESIGN §1). A user may hold several.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Registrar,
    Coder,
    Roi,
    Analyst,
    Supervisor,
    Billing,
    Clinician,
    Compliance,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Registrar,
        Role::Coder,
        Role::Roi,
        Role::Analyst,
        Role::Supervisor,
        Role::Billing,
        Role::Clinician,
        Role::Compliance,
        Role::Auditor,
        Role::Admin,
    ];

    /// The login-style name, also the demo user name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Registrar => "registrar",
            Role::Coder => "coder",
            Role::Roi => "roi",
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Billing => "billing",
            Role::Clinician => "clinician",
            Role::Compliance => "compliance",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// What the role does, as shown in user lists and the home screen.
    pub fn title(self) -> &'static str {
        match self {
            Role::Registrar => "Registrar",
            Role::Coder => "Coder",
            Role::Roi => "Release of information",
            Role::Analyst => "HIM analyst",
            Role::Supervisor => "HIM supervisor",
            Role::Billing => "Billing analyst",
            Role::Clinician => "Clinician",
            Role::Compliance => "Privacy/compliance officer",
            Role::Auditor => "Auditor (read-only)",
            Role::Admin => "Administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Parses a comma-separated role list such as `coder,analyst`.
    pub fn parse_list(s: &str) -> Result<Vec<Role>, String> {
        let mut roles = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match Role::parse(part) {
                Some(r) if !roles.contains(&r) => roles.push(r),
                Some(_) => {}
                None => {
                    let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                    return Err(format!(
                        "unknown role '{part}'; known roles: {}",
                        known.join(", ")
                    ));
                }
            }
        }
        if roles.is_empty() {
            return Err("at least one role is needed".into());
        }
        roles.sort();
        Ok(roles)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `coder+analyst` style label used in headers and audit entries.
pub fn roles_label(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(Role::parse(&r.as_str().to_uppercase()), Some(r));
        }
        assert_eq!(Role::parse("janitor"), None);
    }

    #[test]
    fn role_lists_parse_dedupe_and_reject_unknowns() {
        assert_eq!(
            Role::parse_list("coder, analyst,coder").unwrap(),
            vec![Role::Coder, Role::Analyst]
        );
        assert!(
            Role::parse_list("coder,nurse")
                .unwrap_err()
                .contains("nurse")
        );
        assert!(Role::parse_list(" , ").is_err());
    }
}
