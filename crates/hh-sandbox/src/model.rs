//! The sandbox's state: employers with their managers, vacancies, negotiations and
//! chats; the users who sign in as those managers; and the resumes, which are hh's and
//! shared by every employer. Plain data; the rules that change it live in
//! [`crate::pipeline`] and the routes, and who may see what in [`crate::account`].

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::chat::Chat;
use crate::files::Files;
use crate::pipeline::{ApplicantState, EmployerState};

/// hh answers in Moscow time with a `+0300` offset.
pub type Time = DateTime<FixedOffset>;

pub fn moscow() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).expect("valid offset")
}

pub fn now() -> Time {
    chrono::Utc::now().with_timezone(&moscow())
}

/// hh's timestamp form: `2015-05-14T00:00:00+0300`.
pub fn hh_time(t: &Time) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

#[derive(Debug, Clone)]
pub struct Employer {
    pub id: String,
    pub name: String,
    pub addresses: Vec<Address>,
}

#[derive(Debug, Clone)]
pub struct Address {
    pub id: String,
    pub city: &'static str,
    pub street: &'static str,
    pub building: &'static str,
    pub lat: f64,
    pub lng: f64,
}

/// A manager work account: one person's place at one employer. Its id is also the
/// account id `X-Manager-Account-Id` names.
#[derive(Debug, Clone)]
pub struct Manager {
    pub id: String,
    /// Index into `World::employers`.
    pub employer: usize,
    /// The person's user id (`/me` id), distinct from the manager id as on hh; the same
    /// for every work account of one person.
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub middle_name: String,
    pub email: String,
    pub phone: String,
    pub is_main_contact: bool,
    pub admin: bool,
    /// Resumes this manager may open outside a negotiation a day, and opened today.
    pub resume_view_limit: u32,
    pub resume_views_spent: u32,
}

impl Manager {
    /// Resume views left today.
    pub fn resume_views_left(&self) -> u32 {
        self.resume_view_limit
            .saturating_sub(self.resume_views_spent)
    }
}

/// A manager's saved resume search: hh's query, and when its results were last opened
/// (what is "new" since).
#[derive(Debug, Clone)]
pub struct SavedSearch {
    pub id: String,
    /// Index into `World::managers`: whose search it is.
    pub manager: usize,
    pub name: String,
    /// The search's `GET /resumes` query.
    pub query: String,
    pub subscription: bool,
    pub created_at: Time,
    pub last_used: Time,
}

/// A person who signs in to hh.ru: their login and their manager work accounts.
#[derive(Debug, Clone)]
pub struct User {
    /// What the person signs in with: their e-mail.
    pub login: String,
    pub user_id: String,
    /// Indices into `World::managers`; the first is the primary account.
    pub accounts: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Vacancy {
    pub id: String,
    /// Index into `World::employers`.
    pub employer: usize,
    pub profession: usize,
    pub name: String,
    pub area: (&'static str, &'static str),
    pub salary_from: Option<i64>,
    pub salary_to: Option<i64>,
    /// Index into `World::managers`: a manager of the vacancy's employer.
    pub manager: usize,
    pub created_at: Time,
    pub published_at: Time,
    pub expires_at: Time,
    pub address: Option<usize>,
    pub experience: (&'static str, &'static str),
    pub schedule: (&'static str, &'static str),
    pub employment: (&'static str, &'static str),
    pub views: u32,
    pub premium: bool,
    pub response_letter_required: bool,
    pub allow_messages: bool,
    /// `preferred_negotiations_order`: the default sort of this vacancy's lists.
    pub preferred_order: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub company: &'static str,
    pub industry: &'static str,
    pub position: String,
    pub area: (&'static str, &'static str),
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Education {
    pub name: &'static str,
    pub organization: &'static str,
    pub result: String,
    pub year: i32,
}

#[derive(Debug, Clone)]
pub struct Resume {
    pub id: String,
    pub owner_id: String,
    pub profession: usize,
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub middle_name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub age: u32,
    pub area: (&'static str, &'static str),
    pub salary: Option<i64>,
    pub experience: Vec<Job>,
    pub total_months: u32,
    pub skills_text: String,
    pub skill_set: Vec<String>,
    pub education_level: (&'static str, &'static str),
    pub education: Vec<Education>,
    pub english: (&'static str, &'static str),
    pub phone: String,
    pub email: String,
    pub has_photo: bool,
    pub job_search_status: (&'static str, &'static str),
    pub created_at: Time,
    pub updated_at: Time,
}

/// Who started the negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    /// A response: the applicant applied.
    Applicant,
    /// An invitation: the employer invited the resume.
    Employer,
}

#[derive(Debug, Clone)]
pub struct Negotiation {
    pub id: String,
    pub vacancy_id: String,
    pub resume_id: String,
    pub initiator: Initiator,
    pub employer_state: EmployerState,
    pub applicant_state: ApplicantState,
    /// Has there been an invitation: opens the conversation (hh's `no_invitation`).
    pub invited: bool,
    /// After a move without a message, the applicant's state changes when the
    /// employer next writes (hh's documented rule).
    pub pending_applicant_state: Option<ApplicantState>,
    pub created_at: Time,
    pub updated_at: Time,
    /// Something needs the employer's attention (new response, unread message).
    pub has_updates: bool,
    pub viewed_by_opponent: bool,
    /// A fixed per-negotiation score for `order_by=relevance`.
    pub relevance: u32,
    /// The negotiation's chat, where its messages are (see [`crate::chat`]).
    pub chat_id: u64,
}

impl Negotiation {
    pub fn messaging_open(&self) -> bool {
        self.invited || self.pending_applicant_state.is_some()
    }
}

/// Everything the sandbox knows, behind one lock.
#[derive(Debug, Clone)]
pub struct World {
    /// The default user's employer first.
    pub employers: Vec<Employer>,
    /// Every work account of every employer, the default user's first.
    pub managers: Vec<Manager>,
    /// The people who sign in, the default user first.
    pub users: Vec<User>,
    pub vacancies: Vec<Vacancy>,
    pub resumes: Vec<Resume>,
    pub negotiations: Vec<Negotiation>,
    pub resume_index: HashMap<String, usize>,
    pub negotiation_index: HashMap<String, usize>,
    pub chats: Vec<Chat>,
    pub chat_index: HashMap<u64, usize>,
    /// Files uploaded to the file host, and the links to upload them.
    pub files: Files,
    pub next_negotiation_id: u64,
    pub next_message_id: u64,
    pub next_chat_id: u64,
    /// The vacancy that holds `big_vacancy_negotiations`, if configured.
    pub big_vacancy: Option<String>,
    /// The managers' comments on applicants, oldest first.
    pub comments: Vec<Comment>,
    pub next_comment_id: u64,
    pub saved_searches: Vec<SavedSearch>,
}

/// A manager's note on an applicant (`/applicant_comments/{owner_id}`).
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: String,
    /// The applicant: a resume's `owner_id`.
    pub applicant_id: String,
    pub text: String,
    /// `coworkers` (the employer's managers see it) or `owner` (only its author).
    pub access_type: CommentAccess,
    /// Index into `World::managers`: the author's work account, and so their employer.
    pub author: usize,
    pub created_at: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAccess {
    Coworkers,
    Owner,
}

impl CommentAccess {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "coworkers" => Some(CommentAccess::Coworkers),
            "owner" => Some(CommentAccess::Owner),
            _ => None,
        }
    }
    /// hh's dictionary entry (`applicant_comment_access_type`).
    pub fn id_name(self) -> (&'static str, &'static str) {
        match self {
            CommentAccess::Coworkers => ("coworkers", "Виден мне и моим коллегам"),
            CommentAccess::Owner => ("owner", "Виден только мне"),
        }
    }
}

impl World {
    pub fn vacancy(&self, id: &str) -> Option<&Vacancy> {
        self.vacancies.iter().find(|v| v.id == id)
    }

    pub fn resume(&self, id: &str) -> Option<&Resume> {
        self.resume_index.get(id).map(|&i| &self.resumes[i])
    }

    pub fn negotiation(&self, id: &str) -> Option<&Negotiation> {
        self.negotiation_index
            .get(id)
            .map(|&i| &self.negotiations[i])
    }

    pub fn negotiation_mut(&mut self, id: &str) -> Option<&mut Negotiation> {
        match self.negotiation_index.get(id) {
            Some(&i) => Some(&mut self.negotiations[i]),
            None => None,
        }
    }

    /// The negotiation of a vacancy + resume pair; hh allows only one.
    pub fn negotiation_for(&self, vacancy_id: &str, resume_id: &str) -> Option<&Negotiation> {
        self.negotiations
            .iter()
            .find(|n| n.vacancy_id == vacancy_id && n.resume_id == resume_id)
    }

    pub fn vacancy_negotiations<'a>(
        &'a self,
        vacancy_id: &'a str,
    ) -> impl Iterator<Item = &'a Negotiation> + 'a {
        self.negotiations
            .iter()
            .filter(move |n| n.vacancy_id == vacancy_id)
    }

    pub fn add_negotiation(&mut self, n: Negotiation) {
        self.negotiation_index
            .insert(n.id.clone(), self.negotiations.len());
        self.negotiations.push(n);
    }

    pub fn new_negotiation_id(&mut self) -> String {
        self.next_negotiation_id += 1;
        self.next_negotiation_id.to_string()
    }

    pub fn new_message_id(&mut self) -> String {
        self.next_message_id += 1;
        self.next_message_id.to_string()
    }

    pub fn new_chat_id(&mut self) -> u64 {
        self.next_chat_id += 1;
        self.next_chat_id
    }

    pub fn chat(&self, id: u64) -> Option<&Chat> {
        self.chat_index.get(&id).map(|&i| &self.chats[i])
    }

    pub fn chat_mut(&mut self, id: u64) -> Option<&mut Chat> {
        match self.chat_index.get(&id) {
            Some(&i) => Some(&mut self.chats[i]),
            None => None,
        }
    }

    /// A chat by the id a path gives (a string; anything but a known number is unknown).
    pub fn chat_by_path(&self, id: &str) -> Option<&Chat> {
        id.parse().ok().and_then(|id| self.chat(id))
    }

    pub fn add_chat(&mut self, chat: Chat) {
        self.chat_index.insert(chat.id, self.chats.len());
        self.chats.push(chat);
    }

    /// The negotiation's chat; every negotiation has one.
    pub fn chat_of(&self, n: &Negotiation) -> Option<&Chat> {
        self.chat(n.chat_id)
    }

    /// The employer has looked at the negotiation: updates are seen, its chat read by
    /// `manager` (an index into `managers`).
    pub fn mark_negotiation_read(&mut self, nid: &str, manager: usize) {
        let Some(n) = self.negotiation_mut(nid) else {
            return;
        };
        n.has_updates = false;
        let chat_id = n.chat_id;
        if let Some(chat) = self.chat_mut(chat_id) {
            chat.mark_all_viewed(manager);
        }
    }

    /// The employer writes to the applicant of `nid`: a change of the applicant's state
    /// that waited for a message (hh's rule) happens now. Returns the message's kind as
    /// the retired negotiation messages endpoint names it.
    pub fn employer_writes(&mut self, nid: &str, at: Time) -> (&'static str, &'static str) {
        let Some(n) = self.negotiation_mut(nid) else {
            return ("text", "Текст");
        };
        n.updated_at = at;
        n.has_updates = false;
        n.viewed_by_opponent = false;
        match n.pending_applicant_state.take() {
            Some(s) => {
                n.applicant_state = s;
                match s {
                    ApplicantState::Invitation => ("invitation", "Приглашение"),
                    ApplicantState::Discard => ("discard", "Отказ"),
                    ApplicantState::Response => ("text", "Текст"),
                }
            }
            None => ("text", "Текст"),
        }
    }

    /// The employer a vacancy belongs to.
    pub fn employer_of(&self, v: &Vacancy) -> &Employer {
        &self.employers[v.employer]
    }

    /// The employer (index) whose vacancy the negotiation is on.
    pub fn negotiation_employer(&self, n: &Negotiation) -> Option<usize> {
        self.vacancy(&n.vacancy_id).map(|v| v.employer)
    }

    /// The employer (index) whose negotiation the chat is of.
    pub fn chat_employer(&self, chat: &Chat) -> Option<usize> {
        self.negotiation(&chat.negotiation_id)
            .and_then(|n| self.negotiation_employer(n))
    }

    /// The employer's first manager: its main contact, in every chat of the employer's
    /// seeded negotiations.
    pub fn lead_manager(&self, employer: usize) -> Option<usize> {
        self.managers.iter().position(|m| m.employer == employer)
    }

    /// A user by login.
    pub fn user_by_login(&self, login: &str) -> Option<usize> {
        self.users.iter().position(|u| u.login == login)
    }
}
