//! Vacancies: the employer's active list (with invite options for a resume), one
//! vacancy, and its preferred order of responses. Another employer's list and its
//! vacancies' orders are hh's 404; a vacancy itself is public, shown to anyone but
//! its employer without the employer's own fields.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::account::Account;
use crate::errors::{ApiError, ApiResult};
use crate::http::{Params, no_content, ok, page_of};
use crate::pipeline;
use crate::render::Render;
use crate::state::AppState;

/// hh's list of active vacancies goes up to 50 per page.
const MAX_PER_PAGE: u32 = 50;

/// What may go with `resume_id`: hh takes it only on its own, with paging.
const WITH_RESUME_ID: &[&str] = &["resume_id", "page", "per_page", "host", "locale"];

/// `GET /employers/{employer_id}/vacancies/active`
pub async fn active(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(employer_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let (page, per_page) = q.paging(MAX_PER_PAGE)?;
    let world = st.world();
    if employer_id != account.employer(&world).id {
        return Err(ApiError::not_found());
    }
    let resume = match q.get("resume_id") {
        Some(id) => {
            if let Some((other, _)) =
                q.0.iter()
                    .find(|(k, _)| !WITH_RESUME_ID.contains(&k.as_str()))
            {
                tracing::debug!(%other, "resume_id combined with another parameter");
                return Err(ApiError::bad_argument("resume_id"));
            }
            Some(world.resume(id).ok_or_else(ApiError::not_found)?)
        }
        None => None,
    };
    if q.get("manager_ids").is_some() && q.get("all_accessible").is_some() {
        return Err(ApiError::bad_argument("all_accessible"));
    }
    // `all_accessible` is accepted and changes nothing: every manager of an employer
    // shares its vacancies, so the default list already has them all. The deprecated
    // `manager_id` is not read.
    q.flag("all_accessible")?;
    let managers: Option<Vec<&str>> = q
        .get("manager_ids")
        .map(|ids| ids.split(',').map(str::trim).collect());
    let text = q.get("text").map(str::to_lowercase);
    let mut vacancies: Vec<_> = account
        .vacancies(&world)
        .filter(|v| {
            managers
                .as_ref()
                .is_none_or(|ids| ids.contains(&world.managers[v.manager].id.as_str()))
        })
        .filter(|v| q.get("area").is_none_or(|a| v.area.0 == a))
        .filter(|v| {
            text.as_ref()
                .is_none_or(|t| v.name.to_lowercase().contains(t.as_str()))
        })
        .collect();
    match q.get("order_by") {
        None | Some("published_at") => vacancies.sort_by_key(|v| std::cmp::Reverse(v.published_at)),
        Some("name") => vacancies.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("expire_time") => vacancies.sort_by_key(|v| v.expires_at),
        Some(_) => return Err(ApiError::bad_argument("order_by")),
    }
    let (items, meta) = page_of(&vacancies, page, per_page);
    let render = Render::new(&st.base_url, &world).acting_as(account);
    let mut body = Value::Object(meta);
    body["items"] = items
        .iter()
        .map(|v| render.active_vacancy(v, resume))
        .collect();
    Ok(ok(&body))
}

/// `GET /vacancies/{vacancy_id}`: public; its employer's managers also see its manager
/// and its negotiations' links.
pub async fn get_vacancy(
    State(st): State<AppState>,
    account: Option<Extension<Account>>,
    Path(id): Path<String>,
) -> ApiResult {
    let world = st.world();
    let v = world.vacancy(&id).ok_or_else(ApiError::not_found)?;
    let mut render = Render::new(&st.base_url, &world);
    if let Some(Extension(account)) = account {
        render = render.acting_as(account);
    }
    Ok(ok(&render.vacancy_full(v)))
}

/// `GET /vacancies/{id}/preferred_negotiations_order`
pub async fn get_preferred_order(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
) -> ApiResult {
    let world = st.world();
    let v = account
        .vacancy(&world, &id)
        .ok_or_else(ApiError::not_found)?;
    let name = pipeline::order_name(&v.preferred_order).unwrap_or("");
    Ok(ok(
        &json!({ "order_type": { "id": v.preferred_order, "name": name } }),
    ))
}

/// `PUT /vacancies/{id}/preferred_negotiations_order` with form `order`.
pub async fn set_preferred_order(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let form = Params::form_and_query(&body, &query);
    let mut world = st.world_mut();
    let v = world
        .vacancies
        .iter_mut()
        .find(|v| v.id == id && v.employer == account.employer)
        .ok_or_else(ApiError::not_found)?;
    let order = form
        .get("order")
        .filter(|o| pipeline::order_name(o).is_some())
        .ok_or_else(|| ApiError::bad_argument("order"))?;
    v.preferred_order = order.to_string();
    Ok(no_content())
}

/// hh's visitors go up to 50 per page.
const MAX_VISITORS_PER_PAGE: u32 = 50;

/// How many days `GET /vacancies/{id}/stats` covers (hh: exactly five).
const STATS_DAYS: i64 = 5;

/// `GET /vacancies/{vacancy_id}/stats`: views and responses of the last five days. The
/// responses are the negotiations the applicants started that day; views follow from
/// them and the vacancy's overall views, so the figures agree with each other.
pub async fn stats(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(vacancy_id): Path<String>,
) -> ApiResult {
    let world = st.world();
    let vacancy = account
        .vacancy(&world, &vacancy_id)
        .ok_or_else(ApiError::not_found)?;
    let today = crate::seed::anchor().date_naive();
    let items: Vec<Value> = (0..STATS_DAYS)
        .rev()
        .map(|back| {
            let day = today - chrono::Duration::days(back);
            let responses = world
                .negotiations
                .iter()
                .filter(|n| n.vacancy_id == vacancy.id)
                .filter(|n| n.initiator == crate::model::Initiator::Applicant)
                .filter(|n| n.created_at.date_naive() == day)
                .count() as u32;
            let views = vacancy.views / 30 + responses * 6 + (back as u32 * 7) % 11;
            json!({
                "date": day.format("%Y-%m-%d").to_string(),
                "views": views,
                "responses": responses,
            })
        })
        .collect();
    Ok(ok(&json!({ "items": items })))
}

/// `GET /vacancies/{vacancy_id}/visitors`: the applicants who looked at the vacancy —
/// here the owners of resumes of its profession, most recently updated first, one resume each.
pub async fn visitors(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(vacancy_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let (page, per_page) = q.paging(MAX_VISITORS_PER_PAGE)?;
    let world = st.world();
    let vacancy = account
        .vacancy(&world, &vacancy_id)
        .ok_or_else(ApiError::not_found)?;
    let mut owners = std::collections::HashSet::new();
    let mut seen: Vec<&crate::model::Resume> = world
        .resumes
        .iter()
        .filter(|r| r.profession == vacancy.profession)
        .collect();
    seen.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
    seen.retain(|r| owners.insert(r.owner_id.clone()));
    let render = Render::new(&st.base_url, &world).acting_as(account);
    let items: Vec<Value> = seen.iter().map(|r| render.resume_search_item(r)).collect();
    let (items, mut meta) = page_of(&items, page, per_page);
    meta.insert("items".into(), Value::Array(items));
    meta.insert("hidden_on_page".into(), 0.into());
    Ok(ok(&meta))
}
