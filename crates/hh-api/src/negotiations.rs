//! The employer's negotiation workflow over hh's model: collections are followed by
//! their `url`, actions are performed at their `url` with their `method`, after their
//! arguments are checked. Nothing here knows a collection or action id by heart.

use crate::action::check_arguments;
use crate::client::Client;
use crate::error::Error;
use crate::follow::{Accepted, Pairs};
use crate::paging::{AllPages, fetch_all_pages};
use crate::types;

/// hh's largest page for negotiation lists.
pub const MAX_PER_PAGE: u32 = 50;
/// hh takes at most this many negotiations in one bulk move or mark-read.
pub const MAX_TOPICS: usize = 50;

/// Which page of a collection, and hh's filters (`order_by`, `show_only_new`, …)
/// passed through as they are.
#[derive(Debug, Clone, Default)]
pub struct CollectionQuery {
    pub page: u32,
    /// `None` leaves hh's default (20).
    pub per_page: Option<u32>,
    pub filters: Vec<(String, String)>,
}

/// The filter that keeps only negotiations with news, by collection: hh reads
/// `show_only_new_responses` on «Все неразобранные» (`response`) and `show_only_new` on
/// every other collection, and silently ignores the other one.
pub fn only_new_parameter(collection: &str) -> &'static str {
    if collection == "response" {
        "show_only_new_responses"
    } else {
        "show_only_new"
    }
}

impl CollectionQuery {
    pub(crate) fn pairs(&self, page: u32) -> Vec<(&str, String)> {
        let mut q: Vec<(&str, String)> = self
            .filters
            .iter()
            // Paging is this query's own job; a filter must not smuggle in a second value.
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        q.push(("page", page.to_string()));
        if let Some(n) = self.per_page {
            q.push(("per_page", n.min(MAX_PER_PAGE).to_string()));
        }
        q
    }
}

impl Client {
    /// Who the token belongs to.
    pub async fn me(&self) -> Result<types::Me, Error> {
        self.read(self.api().get_me().send()).await
    }

    /// The collections and employer states of a vacancy's negotiations.
    pub async fn collections(&self, vacancy_id: &str) -> Result<types::Collections, Error> {
        self.read(
            self.api()
                .get_negotiation_collections()
                .vacancy_id(vacancy_id)
                .send(),
        )
        .await
    }

    /// One page of a collection, requested at the collection's `url`.
    pub async fn collection_page(
        &self,
        collection_url: &str,
        query: &CollectionQuery,
    ) -> Result<types::NegotiationsPage, Error> {
        self.get_url(collection_url, &query.pairs(query.page)).await
    }

    /// Every negotiation of a collection: page 0 first, then the rest with at most
    /// `concurrency` requests at once. `query.page` is ignored.
    pub async fn collection_all(
        &self,
        collection_url: &str,
        query: &CollectionQuery,
        concurrency: usize,
    ) -> Result<AllPages<types::NegotiationListItem>, Error> {
        let mut query = query.clone();
        query.per_page = Some(query.per_page.unwrap_or(MAX_PER_PAGE));
        let query = &query;
        fetch_all_pages(
            |page| async move {
                self.get_url::<types::NegotiationsPage>(collection_url, &query.pairs(page))
                    .await
            },
            concurrency,
        )
        .await
    }

    /// One negotiation with the actions available on it now.
    pub async fn negotiation(&self, id: &str) -> Result<types::Negotiation, Error> {
        self.read(self.api().get_negotiation().id(id).send()).await
    }

    /// The resume of a negotiation, requested at the negotiation's resume `url` so that
    /// hh counts the view in the negotiation's context.
    pub async fn negotiation_resume(
        &self,
        negotiation: &types::Negotiation,
    ) -> Result<types::Resume, Error> {
        let resume = negotiation.resume.as_ref().ok_or_else(|| {
            Error::Invalid(format!(
                "negotiation {} has no resume (hidden or deleted)",
                negotiation.id
            ))
        })?;
        // The resume's `url` carries the negotiation's `topic_id`: hh counts the view in the
        // negotiation (and marks it seen) only then.
        self.get_url(&resume.url, &[]).await
    }

    /// Performs an action hh offered (on a negotiation, or an invite action on a vacancy),
    /// after checking `arguments` against the action's own list. An invitation's answer
    /// names the new negotiation ([`Accepted::negotiation_id`]).
    pub async fn perform_action(
        &self,
        action: &types::Action,
        arguments: &Pairs,
    ) -> Result<Accepted, Error> {
        check_arguments(action, arguments)?;
        self.send_form(&action.method, &action.url, arguments).await
    }

    /// Moves up to 50 negotiations to a collection (employer state) in one request.
    pub async fn move_negotiations(
        &self,
        collection: &str,
        ids: &[String],
        extra: &Pairs,
    ) -> Result<(), Error> {
        let mut form = topic_ids(ids)?;
        form.extend(extra.iter().cloned());
        let path = format!("/negotiations/{}", path_segment(collection, "collection")?);
        self.send_form("PUT", &path, &form).await.map(drop)
    }

    /// Marks up to 50 negotiations, all of one vacancy (hh's rule), as read.
    pub async fn mark_read(&self, ids: &[String]) -> Result<(), Error> {
        let form = topic_ids(ids)?;
        self.send_form("POST", "/negotiations/read", &form)
            .await
            .map(drop)
    }
}

fn topic_ids(ids: &[String]) -> Result<Pairs, Error> {
    if ids.is_empty() || ids.len() > MAX_TOPICS {
        return Err(Error::Invalid(format!(
            "give between 1 and {MAX_TOPICS} negotiation ids (got {})",
            ids.len()
        )));
    }
    ids.iter()
        .map(|id| {
            Ok((
                "topic_id".to_string(),
                path_segment(id, "negotiation id")?.to_string(),
            ))
        })
        .collect()
}

/// An id that goes into a path must be one plain segment.
fn path_segment<'a>(id: &'a str, what: &str) -> Result<&'a str, Error> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && id != "."
        && id != "..";
    if ok {
        Ok(id)
    } else {
        Err(Error::Invalid(format!(
            "{what} `{}` is not a plain id (letters, digits, `_`, `-`)",
            id.chars().take(64).collect::<String>()
        )))
    }
}
