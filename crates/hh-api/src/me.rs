//! `GET /me` has one shape per `auth_type`: a manager (`employer`), an employer integration
//! token (no person behind it: no id, no names), an application, an applicant. These
//! accessors answer the questions callers ask of any of them.

use crate::types::{self, Me};

/// An employer as `/me` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeEmployer {
    pub id: String,
    pub name: String,
}

impl Me {
    /// hh's `auth_type`: `employer`, `employer_integration`, `application` or `applicant`.
    pub fn auth_type(&self) -> &'static str {
        match self {
            Me::Employer(_) => "employer",
            Me::EmployerIntegration(_) => "employer_integration",
            Me::Application(_) => "application",
            Me::Applicant(_) => "applicant",
        }
    }

    /// The person's hh id; an integration or application token has none.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Me::Employer(m) => Some(&m.id),
            Me::Applicant(a) => Some(&a.id),
            Me::EmployerIntegration(_) | Me::Application(_) => None,
        }
    }

    /// First and last name, when a person is behind the token.
    pub fn first_and_last_name(&self) -> Option<(&str, &str)> {
        match self {
            Me::Employer(m) => Some((&m.first_name, &m.last_name)),
            Me::Applicant(a) => Some((&a.first_name, &a.last_name)),
            Me::EmployerIntegration(_) | Me::Application(_) => None,
        }
    }

    /// "First Last", when a person is behind the token.
    pub fn full_name(&self) -> Option<String> {
        self.first_and_last_name()
            .map(|(first, last)| format!("{first} {last}").trim().to_string())
    }

    pub fn email(&self) -> Option<&str> {
        match self {
            Me::Employer(m) => m.email.as_deref(),
            Me::Applicant(a) => a.email.as_deref(),
            Me::EmployerIntegration(_) | Me::Application(_) => None,
        }
    }

    /// Whether the token acts for an employer (a manager or an employer integration).
    pub fn is_employer(&self) -> bool {
        match self {
            Me::Employer(m) => m.is_employer,
            Me::EmployerIntegration(i) => i.is_employer || i.is_employer_integration,
            Me::Application(_) | Me::Applicant(_) => false,
        }
    }

    /// The employer the token acts for.
    pub fn employer(&self) -> Option<MeEmployer> {
        match self {
            Me::Employer(types::MeEmployer {
                employer: Some(e), ..
            }) => Some(MeEmployer {
                id: e.id.clone(),
                name: e.name.clone(),
            }),
            Me::EmployerIntegration(types::MeEmployerIntegration {
                employer: Some(e), ..
            }) => Some(MeEmployer {
                id: e.id.clone(),
                name: e.name.clone(),
            }),
            _ => None,
        }
    }

    /// The manager's id (`X-Manager-Account-Id` and the manager routes need it).
    pub fn manager_id(&self) -> Option<&str> {
        match self {
            Me::Employer(m) => m
                .manager
                .as_ref()
                .map(|manager| manager.id.as_str())
                .or(m.employer.as_ref().map(|e| e.manager_id.as_str())),
            _ => None,
        }
    }
}
