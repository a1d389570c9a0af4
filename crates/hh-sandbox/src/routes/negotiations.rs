//! Negotiations: a vacancy's collections, a collection's list, one negotiation, and
//! everything that changes them (actions, bulk moves, invitations, mark-read). Only the
//! account's employer's: another employer's vacancy or negotiation is answered as an
//! unknown one.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::account::Account;
use crate::chat::{Author, Chat, Message, WriteBlock};
use crate::errors::{ApiError, ApiResult};
use crate::http::{Operation, Params, no_content, ok, page_of};
use crate::model::{Employer, Initiator, Negotiation, Time, World, now};
use crate::pipeline::{self, Action, ApplicantState, EmployerState};
use crate::render::Render;
use crate::routes::COLLECTION_LIST;
use crate::state::AppState;
use crate::webhooks::Hub;
use crate::webhooks::events::Change;

/// hh's largest page of negotiations.
pub const MAX_PER_PAGE: u32 = 50;
/// hh moves or marks at most this many negotiations in one request.
pub const MAX_TOPICS: usize = 50;
/// Longer messages are refused with `too_long_message`.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// `GET /negotiations?vacancy_id=`: collections (with urls and counters) and the
/// vacancy's employer states.
pub async fn collections(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let vacancy_id = q
        .get("vacancy_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_argument("vacancy_id"))?;
    q.flag("with_generated_collections")?;
    let world = st.world();
    let vacancy = account
        .vacancy(&world, vacancy_id)
        .ok_or_else(ApiError::not_found)?;
    let render = Render::new(&st.base_url, &world).acting_as(account);
    let collections: Vec<Value> = pipeline::COLLECTIONS
        .iter()
        .map(|c| render.collection(c, &vacancy.id))
        .collect();
    let states: Vec<Value> = EmployerState::ALL
        .iter()
        .map(|s| json!({ "id": s.id(), "name": s.name() }))
        .collect();
    Ok(ok(&json!({
        "collections": collections,
        "employer_states": states,
        "generated_collections": [],
    })))
}

/// `GET /negotiations/{x}`: a collection's list when `x` is a collection id (with
/// `vacancy_id`), otherwise one negotiation.
pub async fn get_one_or_list(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    if let Some(collection) = pipeline::collection(&id) {
        // Its errors are the list's too (hh's `GET /negotiations/response` declares 400 for
        // a bad page or a missing vacancy_id; one negotiation has no such answer).
        let mut response = list(&st, account, collection, &Params::query(&query))
            .unwrap_or_else(|e| e.into_response());
        response.extensions_mut().insert(Operation(COLLECTION_LIST));
        return Ok(response);
    }
    let world = st.world();
    let n = account
        .negotiation(&world, &id)
        .ok_or_else(ApiError::not_found)?;
    let render = Render::new(&st.base_url, &world).acting_as(account);
    Ok(ok(&render.negotiation(n, true)))
}

fn list(
    st: &AppState,
    account: Account,
    collection: &pipeline::Collection,
    q: &Params,
) -> ApiResult {
    let vacancy_id = q
        .get("vacancy_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_argument("vacancy_id"))?;
    let (page, per_page) = q.paging(MAX_PER_PAGE)?;
    // hh filters «Все неразобранные» (`response`) by `show_only_new_responses` and every
    // other collection by `show_only_new`; the other one is ignored, as hh ignores any
    // parameter it does not know.
    let only_new = q.flag(only_new_parameter(collection.id))?;
    let world = st.world();
    let vacancy = account
        .vacancy(&world, vacancy_id)
        .ok_or_else(ApiError::not_found)?;
    let order = q.get("order_by").unwrap_or(&vacancy.preferred_order);
    let order_name =
        pipeline::order_name(order).ok_or_else(|| ApiError::bad_argument("order_by"))?;
    let mut items: Vec<&Negotiation> = world
        .vacancy_negotiations(vacancy_id)
        .filter(|n| collection.states.contains(&n.employer_state))
        .filter(|n| !only_new || n.has_updates)
        .collect();
    sort(&mut items, order);
    let (page_items, meta) = page_of(&items, page, per_page);
    let render = Render::new(&st.base_url, &world).acting_as(account);
    let items: Vec<Arc<RawValue>> = page_items
        .iter()
        .map(|n| st.listed(account.manager, &n.id, || render.negotiation(n, false)))
        .collect();
    let body = ListPage {
        meta,
        items: items.iter().map(|i| &**i).collect(),
        hidden_count: 0,
        ordered_by: json!({ "id": order, "name": order_name }),
    };
    Ok(ok(&body))
}

/// The parameter that keeps only negotiations with news, in this collection.
fn only_new_parameter(collection: &str) -> &'static str {
    if collection == "response" {
        "show_only_new_responses"
    } else {
        "show_only_new"
    }
}

/// A collection's page: hh's counts, then the negotiations as already rendered.
#[derive(Serialize)]
struct ListPage<'a> {
    #[serde(flatten)]
    meta: serde_json::Map<String, Value>,
    items: Vec<&'a RawValue>,
    hidden_count: u32,
    ordered_by: Value,
}

fn sort(items: &mut [&Negotiation], order: &str) {
    match order {
        "created_at" => items.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id))),
        "relevance" => items.sort_by(|a, b| b.relevance.cmp(&a.relevance).then(b.id.cmp(&a.id))),
        _ => items.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id))),
    }
}

/// Checks an action's arguments the way hh does: a missing required one is a 400
/// `bad_argument` naming it, as is one sent without the one it needs; a blank or
/// overlong message and an unknown address are hh's 403s. Returns the message, if any.
fn check_arguments(
    employer: &Employer,
    action: &Action,
    form: &Params,
) -> Result<Option<String>, ApiError> {
    let given = |id: &str| form.get(id).is_some_and(|v| !v.trim().is_empty());
    for a in action.arguments {
        if a.required && !form.has(a.id) {
            return Err(ApiError::bad_argument(a.id));
        }
    }
    let message = form.get("message");
    if let Some(m) = message {
        if m.trim().is_empty() {
            return Err(ApiError::negotiations(
                StatusCode::FORBIDDEN,
                "empty_message",
            ));
        }
        if m.chars().count() > MAX_MESSAGE_CHARS {
            return Err(ApiError::negotiations(
                StatusCode::FORBIDDEN,
                "too_long_message",
            ));
        }
    }
    for a in action.arguments {
        if given(a.id) {
            for needed in a.needs {
                if !given(needed) {
                    return Err(ApiError::bad_argument(needed));
                }
            }
        }
    }
    form.flag("send_sms")?;
    if let Some(address) = form.get("address_id").filter(|a| !a.is_empty())
        && !employer.addresses.iter().any(|a| a.id == address)
    {
        return Err(ApiError::negotiations(
            StatusCode::FORBIDDEN,
            "address_not_found",
        ));
    }
    Ok(message.map(str::to_string))
}

/// Moves a negotiation to `to`, with the message of the manager acting (an index into
/// `World::managers`) if one was sent. A message changes the applicant's state
/// (invitation or discard) now; without one, the change waits for the employer's next
/// message, as hh documents. Subscribers hear of the move and of the message.
fn transition(
    hub: &Hub,
    world: &mut World,
    manager: usize,
    nid: &str,
    to: EmployerState,
    message: Option<String>,
    at: Time,
) {
    let message_id = message.as_ref().map(|_| world.new_message_id());
    let Some(n) = world.negotiation_mut(nid) else {
        return;
    };
    let was = n.employer_state;
    n.employer_state = to;
    n.invited |= to.invites();
    n.updated_at = at;
    let chat_id = n.chat_id;
    let applicant_state = ApplicantState::after_message_in(to);
    let written_id = message_id.clone();
    let written = match (message, message_id) {
        (Some(text), Some(id)) => {
            let state = match applicant_state {
                Some(ApplicantState::Invitation) => ("invitation", "Приглашение"),
                Some(ApplicantState::Discard) => ("discard", "Отказ"),
                _ => ("text", "Текст"),
            };
            if let Some(s) = applicant_state {
                n.applicant_state = s;
            }
            n.pending_applicant_state = None;
            n.viewed_by_opponent = false;
            Some(Message::text(id, Author::Manager(manager), at, text, state))
        }
        _ => {
            n.pending_applicant_state = applicant_state;
            None
        }
    };
    // Acting on a negotiation means the employer has seen it.
    world.mark_negotiation_read(nid, manager);
    if let Some(chat) = world.chat_mut(chat_id) {
        if let Some(m) = written {
            chat.push(m);
        }
        // Discarding archives the chat; reconsidering opens it again.
        if to == EmployerState::DiscardByEmployer {
            chat.write_block = Some(WriteBlock::ArchivedByEmployer);
        } else if was == EmployerState::DiscardByEmployer
            && chat.write_block == Some(WriteBlock::ArchivedByEmployer)
        {
            chat.write_block = None;
        }
    }
    hub.publish(
        world,
        Change::EmployerStateChanged {
            negotiation_id: nid,
            from: was,
            manager,
            at,
        },
    );
    if let Some(message_id) = &written_id {
        hub.publish(
            world,
            Change::ChatMessage {
                chat_id,
                message_id,
            },
        );
    }
}

/// `PUT /negotiations/{action}/{nid}`
pub async fn perform_action(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path((action_id, nid)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let form = Params::form_and_query(&body, &query);
    let mut world = st.world_mut();
    let n = account
        .negotiation(&world, &nid)
        .ok_or_else(ApiError::not_found)?;
    let action = pipeline::action(&action_id).ok_or_else(ApiError::not_found)?;
    if !n.employer_state.actions().contains(&action.id) {
        return Err(ApiError::negotiations(StatusCode::FORBIDDEN, "wrong_state"));
    }
    let message = check_arguments(account.employer(&world), action, &form)?;
    transition(
        &st.webhooks,
        &mut world,
        account.manager,
        &nid,
        action.result,
        message,
        now(),
    );
    tracing::info!(negotiation = %nid, action = %action.id, "action performed");
    Ok(no_content())
}

fn topic_ids(form: &Params) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = form
        .all("topic_id")
        .into_iter()
        .map(str::to_string)
        .collect();
    if ids.is_empty() || ids.len() > MAX_TOPICS {
        return Err(ApiError::bad_argument("topic_id"));
    }
    Ok(ids)
}

/// `PUT /negotiations/{collection}`: moves up to 50 negotiations at once; all or none.
pub async fn move_to_collection(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(target): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let form = Params::form_and_query(&body, &query);
    let to = pipeline::move_target(&target).ok_or_else(ApiError::not_found)?;
    let ids = topic_ids(&form)?;
    let mut world = st.world_mut();
    // Moving is an action: the same arguments as the action that leads there.
    let action = pipeline::ACTIONS
        .iter()
        .find(|a| a.result == to)
        .ok_or_else(ApiError::not_found)?;
    for id in &ids {
        let n = account
            .negotiation(&world, id)
            .ok_or_else(|| ApiError::bad_argument("topic_id"))?;
        if !n.employer_state.actions().contains(&action.id) {
            return Err(ApiError::negotiations(StatusCode::FORBIDDEN, "wrong_state"));
        }
    }
    let message = check_arguments(account.employer(&world), action, &form)?;
    let at = now();
    for id in &ids {
        transition(
            &st.webhooks,
            &mut world,
            account.manager,
            id,
            to,
            message.clone(),
            at,
        );
    }
    tracing::info!(count = ids.len(), to = to.id(), "negotiations moved");
    Ok(no_content())
}

/// `POST /negotiations/read`
pub async fn mark_read(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let form = Params::form_and_query(&body, &query);
    let ids = topic_ids(&form)?;
    let mut world = st.world_mut();
    if ids
        .iter()
        .any(|id| account.negotiation(&world, id).is_none())
    {
        return Err(ApiError::bad_argument("topic_id"));
    }
    // hh: the negotiations marked in one call must belong to one vacancy.
    let mut vacancies = ids
        .iter()
        .filter_map(|id| world.negotiation(id))
        .map(|n| &n.vacancy_id);
    if let Some(first) = vacancies.next()
        && vacancies.any(|v| v != first)
    {
        return Err(ApiError::bad_argument("topic_id"));
    }
    for id in &ids {
        world.mark_negotiation_read(id, account.manager);
    }
    Ok(no_content())
}

/// `POST /negotiations/{action}`: invites a resume to a vacancy; hh allows one
/// negotiation per vacancy + resume pair.
pub async fn invite(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let form = Params::form_and_query(&body, &query);
    let action = pipeline::invite_action_at(&segment).ok_or_else(ApiError::not_found)?;
    let mut world = st.world_mut();
    let message = check_arguments(account.employer(&world), action, &form)?.unwrap_or_default();
    let vacancy_id = form.get("vacancy_id").unwrap_or_default().to_string();
    let resume_id = form.get("resume_id").unwrap_or_default().to_string();
    // An unknown vacancy or one of another employer, and an unknown resume, are hh's
    // 400 `bad_argument` naming the argument.
    if account.vacancy(&world, &vacancy_id).is_none() {
        return Err(ApiError::bad_argument("vacancy_id"));
    }
    if world.resume(&resume_id).is_none() {
        return Err(ApiError::bad_argument("resume_id"));
    }
    if world.negotiation_for(&vacancy_id, &resume_id).is_some() {
        return Err(ApiError::negotiations(
            StatusCode::FORBIDDEN,
            "already_applied",
        ));
    }
    let at = now();
    let id = world.new_negotiation_id();
    let message_id = world.new_message_id();
    let chat_id = world.new_chat_id();
    world.add_negotiation(Negotiation {
        id: id.clone(),
        vacancy_id,
        resume_id,
        initiator: Initiator::Employer,
        employer_state: action.result,
        applicant_state: ApplicantState::Invitation,
        invited: true,
        pending_applicant_state: None,
        created_at: at,
        updated_at: at,
        has_updates: false,
        viewed_by_opponent: false,
        relevance: 500,
        chat_id,
    });
    let mut chat = Chat::new(chat_id, id.clone(), at, &[account.manager]);
    let invitation = ("invitation", "Приглашение");
    chat.push(Message::text(
        message_id.clone(),
        Author::Manager(account.manager),
        at,
        message,
        invitation,
    ));
    world.add_chat(chat);
    st.webhooks.publish(
        &world,
        Change::NewNegotiation {
            negotiation_id: &id,
        },
    );
    st.webhooks.publish(
        &world,
        Change::ChatMessage {
            chat_id,
            message_id: &message_id,
        },
    );
    tracing::info!(negotiation = %id, action = %action.id, "invitation created");
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(location) = HeaderValue::from_str(&st.url(&format!("/negotiations/{id}"))) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
