//! From a change of the sandbox's state to hh's events: who may hear of it, and the
//! payload each event type carries (hh's `WebhookPayload*` schemas).

use serde_json::{Value, json};

use super::ActionType;
use crate::chat::Author;
use crate::model::{Initiator, Time, World, hh_time};
use crate::pipeline::EmployerState;
use crate::render::BOT_PARTICIPANT_ID;

/// A change that hh tells subscribers about. Published after the change is made, with
/// the world as it is now.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// A negotiation was created: a response (the applicant's) or an invitation (the
    /// employer's), as its initiator says.
    NewNegotiation { negotiation_id: &'a str },
    /// A manager (an index into `World::managers`) moved a negotiation from `from` to
    /// the state it is in now.
    EmployerStateChanged {
        negotiation_id: &'a str,
        from: EmployerState,
        manager: usize,
        at: Time,
    },
    /// A message was added to a chat.
    ChatMessage { chat_id: u64, message_id: &'a str },
}

/// One event for one user, before it meets the user's subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Index into `World::users`.
    pub user: usize,
    pub action_type: ActionType,
    /// The change is about a vacancy whose manager is one of the user's work accounts
    /// (what `settings.vacancies_only_mine` keeps).
    pub own_vacancy: bool,
    pub payload: Value,
}

/// The events a change makes, for every user who may see it.
pub fn of(world: &World, change: Change<'_>) -> Vec<Event> {
    match change {
        Change::NewNegotiation { negotiation_id } => new_negotiation(world, negotiation_id),
        Change::EmployerStateChanged {
            negotiation_id,
            from,
            manager,
            at,
        } => state_changed(world, negotiation_id, from, manager, at),
        Change::ChatMessage {
            chat_id,
            message_id,
        } => chat_message(world, chat_id, message_id),
    }
}

/// The users with a work account at the vacancy's employer, and whether the vacancy is
/// their own.
fn audience_of_vacancy(world: &World, vacancy_id: &str) -> Vec<(usize, bool)> {
    let Some(vacancy) = world.vacancy(vacancy_id) else {
        return Vec::new();
    };
    world
        .users
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            u.accounts
                .iter()
                .any(|&m| world.managers[m].employer == vacancy.employer)
        })
        .map(|(i, u)| (i, u.accounts.contains(&vacancy.manager)))
        .collect()
}

fn new_negotiation(world: &World, nid: &str) -> Vec<Event> {
    let Some(n) = world.negotiation(nid) else {
        return Vec::new();
    };
    let Some(vacancy) = world.vacancy(&n.vacancy_id) else {
        return Vec::new();
    };
    let employer_id = &world.employers[vacancy.employer].id;
    let date = hh_time(&n.created_at);
    let common = |date_field: &str| {
        json!({
            "chat_id": n.chat_id.to_string(),
            "topic_id": n.id,
            "resume_id": n.resume_id,
            "vacancy_id": n.vacancy_id,
            "employer_id": employer_id,
            date_field: date,
        })
    };
    let mut events = Vec::new();
    for (user, own_vacancy) in audience_of_vacancy(world, &n.vacancy_id) {
        // NEW_NEGOTIATION_VACANCY is the applicant's response only.
        if n.initiator == Initiator::Applicant {
            events.push(Event {
                user,
                action_type: ActionType::NewNegotiationVacancy,
                own_vacancy,
                payload: common("negotiation_date"),
            });
        }
        events.push(Event {
            user,
            action_type: ActionType::NewResponseOrInvitationVacancy,
            own_vacancy,
            payload: common("response_date"),
        });
    }
    events
}

fn state_changed(
    world: &World,
    nid: &str,
    from: EmployerState,
    manager: usize,
    at: Time,
) -> Vec<Event> {
    let Some(n) = world.negotiation(nid) else {
        return Vec::new();
    };
    if n.employer_state == from {
        return Vec::new();
    }
    let payload = json!({
        "topic_id": n.id,
        "vacancy_id": n.vacancy_id,
        "from_state": from.id(),
        "to_state": n.employer_state.id(),
        "employer_manager_id": world.managers[manager].id,
        "resume_id": n.resume_id,
        "transferred_at": hh_time(&at),
    });
    audience_of_vacancy(world, &n.vacancy_id)
        .into_iter()
        .map(|(user, own_vacancy)| Event {
            user,
            action_type: ActionType::NegotiationEmployerStateChange,
            own_vacancy,
            payload: payload.clone(),
        })
        .collect()
}

fn chat_message(world: &World, chat_id: u64, message_id: &str) -> Vec<Event> {
    let Some(chat) = world.chat(chat_id) else {
        return Vec::new();
    };
    let Some(m) = chat.message(message_id) else {
        return Vec::new();
    };
    let (sender, role) = match m.author {
        Author::Applicant => {
            let owner = world
                .negotiation(&chat.negotiation_id)
                .and_then(|n| world.resume(&n.resume_id))
                .map(|r| r.owner_id.clone())
                .unwrap_or_default();
            (owner, "APPLICANT")
        }
        Author::Manager(manager) => (world.managers[manager].id.clone(), "EMPLOYER"),
        Author::Bot => (BOT_PARTICIPANT_ID.to_string(), "BOT"),
    };
    // hh sends it to the employer's people in the chat ("active participants").
    world
        .users
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            chat.managers
                .iter()
                .any(|m| u.accounts.contains(&m.manager))
        })
        .map(|(user, u)| Event {
            user,
            action_type: ActionType::ChatMessageCreated,
            own_vacancy: false,
            payload: json!({
                "chat_id": chat.id.to_string(),
                "message_id": m.id,
                "message_type": m.kind.id(),
                "sender_participant_id": sender,
                "is_current_participant":
                    matches!(m.author, Author::Manager(a) if u.accounts.contains(&a)),
                "creation_time": hh_time(&m.created_at),
                "role": role,
            }),
        })
        .collect()
}
