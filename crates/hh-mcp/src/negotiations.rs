//! A vacancy's negotiations over hh's model: collections by their `url`, actions from
//! the negotiation's own `actions[]`.

use hh_api::{CollectionQuery, Paged, Pairs, types};

use crate::args::{
    ChangeNegotiationState, GetResume, ListNegotiations, MarkRead, NegotiationRef, ResumeWay,
    VacancyRef,
};
use crate::failure::ToolFailure;
use crate::plan::{self, Plan};
use crate::session::Session;
use crate::view;

pub async fn list_collections(
    s: &Session,
    a: VacancyRef,
) -> Result<view::Collections, ToolFailure> {
    let c = s.hh.collections(a.vacancy_id.as_str()).await?;
    s.remember_collections(a.vacancy_id.as_str(), &c);
    Ok(view::Collections {
        vacancy_id: a.vacancy_id.0,
        collections: c.collections.iter().map(view::Collection::from).collect(),
        employer_states: c.employer_states.iter().map(view::IdName::from).collect(),
    })
}

pub async fn list_negotiations(
    s: &Session,
    a: ListNegotiations,
) -> Result<view::NegotiationList, ToolFailure> {
    let url = match s.collection_url(a.vacancy_id.as_str(), a.collection.as_str()) {
        Some(url) => url,
        None => {
            let collections = s.hh.collections(a.vacancy_id.as_str()).await?;
            s.remember_collections(a.vacancy_id.as_str(), &collections);
            collection_url(&collections, a.collection.as_str())?
        }
    };
    let mut filters: Vec<(String, String)> = a.filters.into_iter().collect();
    if let Some(new) = a.show_only_new {
        let name = hh_api::only_new_parameter(a.collection.as_str());
        filters.push((name.into(), new.to_string()));
    }
    if let Some(order) = a.order_by {
        filters.push(("order_by".into(), order.0));
    }
    let query = CollectionQuery {
        page: a.page.map_or(0, |p| p.0),
        per_page: a.per_page.map(|n| n.0),
        filters,
    };
    let (found, page, pages, items) = if a.all_pages {
        let all =
            s.hh.collection_all(&url, &query, s.page_concurrency)
                .await?;
        (all.found, all.pages, all.pages, all.items)
    } else {
        let p = s.hh.collection_page(&url, &query).await?;
        (p.found(), p.page(), p.pages(), p.into_items())
    };
    for n in &items {
        s.remember_chat(&n.id, n.chat_id, Some(a.vacancy_id.as_str()));
    }
    Ok(view::NegotiationList {
        vacancy_id: a.vacancy_id.0,
        collection: a.collection.0,
        found,
        page,
        pages,
        items: items.iter().map(view::NegotiationSummary::from).collect(),
    })
}

/// The url hh gave for a collection (or a sub-collection) of the vacancy.
fn collection_url(c: &types::Collections, id: &str) -> Result<String, ToolFailure> {
    let all = c.collections.iter().chain(c.generated_collections.iter());
    for collection in all {
        if collection.id == id {
            return Ok(collection.url.clone());
        }
        if let Some(sub) = collection.sub_collections.iter().find(|s| s.id == id) {
            return Ok(sub.url.clone());
        }
    }
    let known: Vec<&str> = c.collections.iter().map(|c| c.id.as_str()).collect();
    Err(ToolFailure(format!(
        "this vacancy has no collection `{id}`; its collections are: {}",
        known.join(", ")
    )))
}

pub async fn get_negotiation(
    s: &Session,
    a: NegotiationRef,
) -> Result<view::Negotiation, ToolFailure> {
    let n = s.hh.negotiation(a.negotiation_id.as_str()).await?;
    s.remember_chat(&n.id, n.chat_id, n.vacancy.as_ref().map(|v| v.id.as_str()));
    let mut view = view::Negotiation::from(&n);
    if let Some(chat_id) = &view.chat_id {
        // The chat's state is a second request; the negotiation is still worth showing
        // when it fails, so the failure only leaves the state out.
        match crate::chats::chat_state(s, chat_id).await {
            Ok(state) => view.chat = Some(state),
            Err(e) => tracing::warn!(chat_id, error = %e, "could not read the chat's state"),
        }
    }
    Ok(view)
}

/// A resume through its negotiation (the view counts for the negotiation, and costs no
/// daily view), or by id outside any ([`crate::resumes::open_resume`]).
pub async fn get_resume(s: &Session, a: GetResume) -> Result<view::Resume, ToolFailure> {
    match a.way()? {
        ResumeWay::Negotiation(id) => {
            let n = s.hh.negotiation(id.as_str()).await?;
            let resume = s.hh.negotiation_resume(&n).await?;
            Ok(view::Resume::from(&resume))
        }
        ResumeWay::Resume(id) => crate::resumes::open_resume(s, &id).await,
    }
}

/// Works out a state change: the action from the negotiation's own list, its arguments checked.
pub async fn plan_state_change(
    s: &Session,
    a: ChangeNegotiationState,
) -> Result<Plan, ToolFailure> {
    let n = s.hh.negotiation(a.negotiation_id.as_str()).await?;
    let Some(action) = n.actions.iter().find(|x| x.id == a.action.as_str()) else {
        let available: Vec<&str> = n
            .actions
            .iter()
            .filter(|x| x.enabled)
            .map(|x| x.id.as_str())
            .collect();
        return Err(ToolFailure(format!(
            "negotiation {} has no action `{}` now; available: {}",
            n.id,
            a.action,
            if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            }
        )));
    };
    let mut arguments: Pairs = Vec::new();
    if let Some(m) = a.message {
        arguments.push(("message".into(), m.0));
    }
    if let Some(sms) = a.send_sms {
        arguments.push(("send_sms".into(), sms.to_string()));
    }
    if let Some(addr) = a.address_id {
        arguments.push(("address_id".into(), addr.0));
    }
    for (k, v) in a.arguments {
        if arguments.iter().any(|(name, _)| *name == k) {
            return Err(ToolFailure(format!(
                "change_negotiation_state: `{k}` is given twice (as its own argument and in `arguments`)"
            )));
        }
        arguments.push((k, v));
    }
    let (action, sub_action) = match &a.sub_action {
        None => (action.clone(), None),
        Some(id) => {
            let Some(sub) = action.sub_actions.iter().find(|s| s.id == id.as_str()) else {
                let offered: Vec<&str> = action.sub_actions.iter().map(|s| s.id.as_str()).collect();
                return Err(ToolFailure(format!(
                    "change_negotiation_state: action `{}` of negotiation {} has no sub_action `{id}`; \
                     it offers: {}",
                    action.id,
                    n.id,
                    if offered.is_empty() {
                        "none".to_string()
                    } else {
                        offered.join(", ")
                    }
                )));
            };
            // The sub-state is reached at its own url, with the action's arguments.
            let mut target = action.clone();
            target.url = sub.url.clone();
            target.method = sub.method.clone();
            (
                target,
                Some(view::IdName {
                    id: sub.id.clone(),
                    name: sub.name.clone(),
                }),
            )
        }
    };
    let mut outcome = plan::outcome(&action.id);
    outcome.sub_action = sub_action;
    outcome.negotiation_id = Some(n.id.clone());
    outcome.vacancy_id = n.vacancy.as_ref().map(|v| v.id.clone());
    outcome.resume_id = n.resume.as_ref().map(|r| r.id.clone());
    outcome.recipient = n.resume.as_ref().map(recipient);
    Plan::action(action, arguments, outcome)
}

/// How a preview names the person an action reaches.
pub fn recipient(r: &types::NegotiationResume) -> String {
    let name: Vec<&str> = [&r.first_name, &r.last_name]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    let who = if name.is_empty() {
        "the applicant".to_string()
    } else {
        name.join(" ")
    };
    match &r.title {
        Some(t) => format!("{who} (resume {}, «{t}»)", r.id),
        None => format!("{who} (resume {})", r.id),
    }
}

pub async fn mark_read(s: &Session, a: MarkRead) -> Result<view::ActionOutcome, ToolFailure> {
    let ids: Vec<String> = a.negotiation_ids.into_iter().map(|i| i.0).collect();
    if ids.is_empty() || ids.len() > hh_api::MAX_TOPICS {
        return Err(ToolFailure(format!(
            "mark_read: give between 1 and {} negotiation ids (got {})",
            hh_api::MAX_TOPICS,
            ids.len()
        )));
    }
    one_vacancy(s, &ids).await?;
    s.hh.mark_read(&ids)
        .await
        .map_err(crate::failure::write_failure)?;
    let mut outcome = plan::outcome("mark_read");
    outcome.status = view::OutcomeStatus::Done;
    outcome.arguments = plan::to_map(
        &ids.iter()
            .map(|i| ("topic_id".to_string(), i.clone()))
            .collect(),
    );
    outcome.note = format!("Done: {} negotiation(s) marked as read.", ids.len());
    Ok(outcome)
}

/// hh marks negotiations read only in groups of one vacancy: looks each one up first and
/// refuses a mix, naming which negotiation belongs where, before anything is sent.
async fn one_vacancy(s: &Session, ids: &[String]) -> Result<(), ToolFailure> {
    use futures::{StreamExt, TryStreamExt};
    if ids.len() < 2 {
        return Ok(());
    }
    let found: Vec<(String, Option<String>)> = futures::stream::iter(ids.iter().cloned())
        .map(|id| async move {
            let n = s.hh.negotiation(&id).await?;
            Ok::<_, hh_api::Error>((id, n.vacancy.map(|v| v.id)))
        })
        .buffered(s.page_concurrency.max(1))
        .try_collect()
        .await?;
    let mut by_vacancy: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (id, vacancy) in found {
        let vacancy = vacancy.unwrap_or_else(|| "unknown".to_string());
        by_vacancy.entry(vacancy).or_default().push(id);
    }
    if by_vacancy.len() <= 1 {
        return Ok(());
    }
    let groups: Vec<String> = by_vacancy
        .iter()
        .map(|(v, ids)| format!("vacancy {v}: {}", ids.join(", ")))
        .collect();
    Err(ToolFailure(format!(
        "mark_read: hh.ru marks negotiations of one vacancy per call, and these belong to \
         {} vacancies ({}). Nothing was sent; call mark_read once per vacancy.",
        by_vacancy.len(),
        groups.join("; ")
    )))
}
