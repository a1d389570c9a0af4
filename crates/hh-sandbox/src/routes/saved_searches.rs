//! The manager's saved resume searches (`/saved_searches/resumes`): each with how many
//! resumes it finds and how many are new since it was last opened, and the `url`s that
//! run it (`GET /resumes?saved_search_id=…`, with `last_used_timestamp` for the new ones).

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::account::Account;
use crate::errors::{ApiError, ApiResult};
use crate::http::{Params, ok, page_of};
use crate::model::{SavedSearch, hh_time};
use crate::state::AppState;

/// hh documents no bound; this one keeps a page a page.
const MAX_PER_PAGE: u32 = 100;

/// `GET /saved_searches/resumes`
pub async fn list(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let (page, per_page) = q.paging(MAX_PER_PAGE)?;
    let world = st.world();
    let items: Vec<Value> = world
        .saved_searches
        .iter()
        .filter(|s| s.manager == account.manager)
        .map(|s| item(&st, &world, s))
        .collect();
    let (items, mut meta) = page_of(&items, page, per_page);
    meta.insert("items".into(), Value::Array(items));
    Ok(ok(&meta))
}

/// `GET /saved_searches/resumes/{id}`
pub async fn get_one(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
) -> ApiResult {
    let world = st.world();
    let search = world
        .saved_searches
        .iter()
        .find(|s| s.id == id && s.manager == account.manager)
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(&item(&st, &world, search)))
}

fn item(st: &AppState, world: &crate::model::World, s: &SavedSearch) -> Value {
    let all = super::resumes::saved_search_results(world, s, false).len();
    let new = super::resumes::saved_search_results(world, s, true).len();
    let run = format!("{}/resumes?saved_search_id={}", st.base_url, s.id);
    let since: String =
        url::form_urlencoded::byte_serialize(hh_time(&s.last_used).as_bytes()).collect();
    json!({
        "id": s.id,
        "name": s.name,
        "created_at": hh_time(&s.created_at),
        "subscription": s.subscription,
        "items": { "count": all, "url": run },
        "new_items": { "count": new, "url": format!("{run}&last_used_timestamp={since}") },
    })
}
