//! Who is asking: the user a token belongs to, the manager work account they act as
//! (the one `X-Manager-Account-Id` names, the primary one without it), and so the
//! employer whose data they see. Another employer's vacancies, negotiations and chats
//! are answered as if they did not exist: hh's 404 for an object that "does not exist
//! or is not available to the current user". Resumes are hh's, not an employer's, and
//! stay visible to all.

use crate::chat::Chat;
use crate::model::{Employer, Manager, Negotiation, User, Vacancy, World};

/// The work account a request acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    /// Index into `World::users`.
    pub user: usize,
    /// Index into `World::managers`: the work account.
    pub manager: usize,
    /// Index into `World::employers`: the account's employer.
    pub employer: usize,
}

impl Account {
    /// The user's account whose id is `requested` (an `X-Manager-Account-Id`), or their
    /// primary account without one; `None` when the id is not one of the user's.
    pub fn resolve(world: &World, user: usize, requested: Option<&str>) -> Option<Account> {
        let accounts = &world.users.get(user)?.accounts;
        let manager = match requested {
            None => *accounts.first()?,
            Some(id) => *accounts
                .iter()
                .find(|&&m| world.managers[m].id == id.trim())?,
        };
        Some(Account {
            user,
            manager,
            employer: world.managers[manager].employer,
        })
    }

    /// The user's primary account.
    pub fn primary(world: &World, user: usize) -> Option<Account> {
        Account::resolve(world, user, None)
    }

    pub fn user<'w>(&self, world: &'w World) -> &'w User {
        &world.users[self.user]
    }

    pub fn manager<'w>(&self, world: &'w World) -> &'w Manager {
        &world.managers[self.manager]
    }

    pub fn employer<'w>(&self, world: &'w World) -> &'w Employer {
        &world.employers[self.employer]
    }

    /// The employer's vacancies.
    pub fn vacancies<'w>(&self, world: &'w World) -> impl Iterator<Item = &'w Vacancy> + 'w {
        let employer = self.employer;
        world
            .vacancies
            .iter()
            .filter(move |v| v.employer == employer)
    }

    /// One of the employer's vacancies.
    pub fn vacancy<'w>(&self, world: &'w World, id: &str) -> Option<&'w Vacancy> {
        world.vacancy(id).filter(|v| v.employer == self.employer)
    }

    /// Every negotiation on the employer's vacancies.
    pub fn negotiations<'w>(&self, world: &'w World) -> impl Iterator<Item = &'w Negotiation> + 'w {
        let employer = self.employer;
        world
            .negotiations
            .iter()
            .filter(move |n| world.negotiation_employer(n) == Some(employer))
    }

    /// A negotiation on one of the employer's vacancies.
    pub fn negotiation<'w>(&self, world: &'w World, id: &str) -> Option<&'w Negotiation> {
        world
            .negotiation(id)
            .filter(|n| world.negotiation_employer(n) == Some(self.employer))
    }

    /// Whether the chat is of one of the employer's negotiations.
    pub fn sees_chat(&self, world: &World, chat: &Chat) -> bool {
        world.chat_employer(chat) == Some(self.employer)
    }

    /// The employer's chats.
    pub fn chats<'w>(&self, world: &'w World) -> impl Iterator<Item = &'w Chat> + 'w {
        let account = *self;
        world
            .chats
            .iter()
            .filter(move |c| account.sees_chat(world, c))
    }

    /// One of the employer's chats, by the id a path gives.
    pub fn chat<'w>(&self, world: &'w World, id: &str) -> Option<&'w Chat> {
        world.chat_by_path(id).filter(|c| self.sees_chat(world, c))
    }
}
