//! The sandbox's users as tests and tools see them ([`crate::Sandbox::users`]): who
//! signs in, with which work accounts at which employers, and what they can see there.

use crate::model::World;

/// One person who signs in to the sandbox's hh.ru.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxUser {
    /// What `login_as` and the `*_of(login)` hooks take: the person's e-mail.
    pub login: String,
    /// First and last name, as the login page shows them.
    pub name: String,
    /// hh's user id: `GET /me`'s `id`.
    pub user_id: String,
    /// The primary work account's employer and manager id.
    pub employer_id: String,
    pub manager_id: String,
    /// Every work account, the primary one first.
    pub accounts: Vec<SandboxAccount>,
    /// The primary account's employer's active vacancies (every manager of an employer
    /// sees them all).
    pub vacancy_ids: Vec<String>,
}

/// A manager work account: what `GET /manager_accounts/mine` lists and
/// `X-Manager-Account-Id` chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxAccount {
    /// The account id, which is also the manager id there (as `/me` shows it).
    pub id: String,
    pub employer_id: String,
    pub employer_name: String,
    pub vacancy_ids: Vec<String>,
}

/// A login no sandbox user signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownUser {
    pub login: String,
    /// The logins there are.
    pub known: Vec<String>,
}

impl std::fmt::Display for UnknownUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no sandbox user signs in as `{}`; the users are {}",
            self.login,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownUser {}

/// The index into `World::users` of the user who signs in as `login`.
pub fn find(world: &World, login: &str) -> Result<usize, UnknownUser> {
    world.user_by_login(login).ok_or_else(|| UnknownUser {
        login: login.to_string(),
        known: world.users.iter().map(|u| u.login.clone()).collect(),
    })
}

/// Every user, the default one first.
pub fn all(world: &World) -> Vec<SandboxUser> {
    world
        .users
        .iter()
        .filter_map(|u| {
            let accounts: Vec<SandboxAccount> = u
                .accounts
                .iter()
                .map(|&m| {
                    let manager = &world.managers[m];
                    let employer = &world.employers[manager.employer];
                    SandboxAccount {
                        id: manager.id.clone(),
                        employer_id: employer.id.clone(),
                        employer_name: employer.name.clone(),
                        vacancy_ids: world
                            .vacancies
                            .iter()
                            .filter(|v| v.employer == manager.employer)
                            .map(|v| v.id.clone())
                            .collect(),
                    }
                })
                .collect();
            let primary = &world.managers[*u.accounts.first()?];
            let first = accounts.first()?;
            Some(SandboxUser {
                login: u.login.clone(),
                name: format!("{} {}", primary.first_name, primary.last_name),
                user_id: u.user_id.clone(),
                employer_id: first.employer_id.clone(),
                manager_id: first.id.clone(),
                vacancy_ids: first.vacancy_ids.clone(),
                accounts,
            })
        })
        .collect()
}
