//! Resumes: `GET /resumes/{id}`, the full resume (opened at a negotiation's resume url,
//! `?topic_id=`, the view counts for that negotiation, as hh documents); resume search;
//! a resume's negotiation history with this employer; and the managers' comments on
//! the applicant (`/applicant_comments/{owner id}`). Resumes are hh's, seen by every
//! employer; negotiations, history and comments are the account's employer's own.

use std::collections::HashSet;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::account::Account;
use crate::errors::{ApiError, ApiResult};
use crate::http::{Params, json, ok, page_of};
use crate::model::{Comment, CommentAccess, Resume, SavedSearch, World, hh_time, now};
use crate::render::Render;
use crate::state::AppState;

pub async fn get_resume(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    q.flag("with_negotiations_history")?;
    q.flag("with_job_search_status")?;
    let mut world = st.world_mut();
    if world.resume(&id).is_none() {
        return Err(ApiError::not_found());
    }
    let topic = match q.get("topic_id") {
        // The resume as seen in a negotiation that is not the employer's, or not with
        // this resume, is not available: hh's 404 (its description declares no 400).
        Some(t) => {
            account
                .negotiation(&world, t)
                .filter(|n| n.resume_id == id)
                .ok_or_else(ApiError::not_found)?;
            world.mark_negotiation_read(t, account.manager);
            Some(t.to_string())
        }
        // Outside a negotiation the view is paid for: a resume-database service, and
        // one of the manager's daily views.
        None => {
            if st.faults().no_paid_access {
                return Err(ApiError::forbidden("resumes", "no_available_service"));
            }
            let manager = &mut world.managers[account.manager];
            if manager.resume_views_left() == 0 {
                return Err(ApiError::too_many("resumes", "view_limit_exceeded"));
            }
            manager.resume_views_spent += 1;
            None
        }
    };
    let render = Render::new(&st.base_url, &world).acting_as(account);
    let resume = world.resume(&id).ok_or_else(ApiError::not_found)?;
    let topic = topic.as_deref().and_then(|t| world.negotiation(t));
    Ok(ok(&render.resume_full(resume, topic)))
}

/// hh's depth cap on resume search: no result past the 2000th.
pub const SEARCH_DEPTH: u32 = 2000;
/// hh's largest resume search page.
pub const SEARCH_MAX_PER_PAGE: u32 = 100;

/// `GET /resumes`: the seeded resumes that match, one per applicant, most recently
/// updated first, paged as hh pages (from 0, at most 100, no deeper than 2000).
pub async fn search(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    if st.faults().no_paid_access {
        return Err(ApiError::payment_required());
    }
    let q = Params::query(&query);
    let (page, per_page) = q.paging(SEARCH_MAX_PER_PAGE)?;
    if (page as u64 + 1) * per_page as u64 > SEARCH_DEPTH as u64 {
        return Err(ApiError::bad_argument("page"));
    }
    let world = st.world();
    let found = match q.get("saved_search_id") {
        // A saved search runs its own query; with `last_used_timestamp`, only what was
        // updated since.
        Some(id) => {
            let saved = world
                .saved_searches
                .iter()
                .find(|s| s.id == id && s.manager == account.manager)
                .ok_or_else(|| ApiError::bad_argument("saved_search_id"))?;
            let since = q
                .get("last_used_timestamp")
                .map(|t| {
                    chrono::DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%z")
                        .map_err(|_| ApiError::bad_argument("last_used_timestamp"))
                })
                .transpose()?;
            let filter = SearchFilter::from_query(&Params::query(&Some(saved.query.clone())))?;
            let mut found = matching(&world, &filter, None);
            if let Some(since) = since {
                found.retain(|r| r.updated_at > since);
            }
            found
        }
        None => {
            let filter = SearchFilter::from_query(&q)?;
            let profession = match q.get("vacancy_id") {
                Some(id) => Some(
                    account
                        .vacancy(&world, id)
                        .map(|v| v.profession)
                        .ok_or_else(|| ApiError::bad_argument("vacancy_id"))?,
                ),
                None => None,
            };
            matching(&world, &filter, profession)
        }
    };
    let render = Render::new(&st.base_url, &world).acting_as(account);
    let items: Vec<Value> = found.iter().map(|r| render.resume_search_item(r)).collect();
    let (items, mut meta) = page_of(&items, page, per_page);
    meta.insert("items".into(), Value::Array(items));
    Ok(ok(&meta))
}

/// The resumes a filter finds, most recently updated first, one per applicant (hh
/// groups results by applicant).
fn matching<'w>(
    world: &'w World,
    filter: &SearchFilter,
    profession: Option<usize>,
) -> Vec<&'w Resume> {
    let mut owners = HashSet::new();
    let mut found: Vec<&Resume> = world
        .resumes
        .iter()
        .filter(|r| profession.is_none_or(|p| r.profession == p))
        .filter(|r| filter.matches(r))
        .collect();
    found.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
    found.retain(|r| owners.insert(r.owner_id.clone()));
    found
}

/// What a saved search finds: all of it, or only what was updated since it was last opened.
pub fn saved_search_results<'w>(
    world: &'w World,
    saved: &SavedSearch,
    only_new: bool,
) -> Vec<&'w Resume> {
    let Ok(filter) = SearchFilter::from_query(&Params::query(&Some(saved.query.clone()))) else {
        return Vec::new();
    };
    let mut found = matching(world, &filter, None);
    if only_new {
        found.retain(|r| r.updated_at > saved.last_used);
    }
    found
}

/// What `GET /resumes` filters by, read from hh's parameters.
struct SearchFilter {
    words: Vec<String>,
    logic: Logic,
    field: Field,
    area: Option<String>,
    months: Option<(u32, u32)>,
    salary: (Option<i64>, Option<i64>),
    age: (Option<u32>, Option<u32>),
    education: Option<String>,
}

#[derive(Clone, Copy)]
enum Logic {
    All,
    Any,
    Phrase,
    Except,
}

#[derive(Clone, Copy)]
enum Field {
    Everywhere,
    Title,
    Skills,
    Education,
    Experience,
}

fn number<T: std::str::FromStr>(q: &Params, name: &str) -> Result<Option<T>, ApiError> {
    q.get(name)
        .map(|v| v.parse::<T>().map_err(|_| ApiError::bad_argument(name)))
        .transpose()
}

impl SearchFilter {
    fn from_query(q: &Params) -> Result<Self, ApiError> {
        let logic = match q.get("text.logic") {
            None | Some("all") => Logic::All,
            Some("any") => Logic::Any,
            Some("phrase") => Logic::Phrase,
            Some("except") => Logic::Except,
            Some(_) => return Err(ApiError::bad_argument("text.logic")),
        };
        let field = match q.get("text.field") {
            None | Some("everywhere") => Field::Everywhere,
            Some("title") => Field::Title,
            Some("skills") => Field::Skills,
            Some("education") => Field::Education,
            Some(
                "experience"
                | "experience_company"
                | "experience_position"
                | "experience_description",
            ) => Field::Experience,
            Some(_) => return Err(ApiError::bad_argument("text.field")),
        };
        let months = match q.get("experience") {
            None => None,
            Some("noExperience") => Some((0, 11)),
            Some("between1And3") => Some((12, 35)),
            Some("between3And6") => Some((36, 71)),
            Some("moreThan6") => Some((72, u32::MAX)),
            Some(_) => return Err(ApiError::bad_argument("experience")),
        };
        Ok(SearchFilter {
            words: q
                .get("text")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_lowercase)
                .collect(),
            logic,
            field,
            area: q.get("area").map(str::to_string),
            months,
            salary: (number(q, "salary_from")?, number(q, "salary_to")?),
            age: (number(q, "age_from")?, number(q, "age_to")?),
            education: q.get("education_levels").map(str::to_string),
        })
    }

    fn haystack(&self, r: &Resume) -> String {
        let mut parts: Vec<&str> = Vec::new();
        let title = matches!(self.field, Field::Everywhere | Field::Title);
        let skills = matches!(self.field, Field::Everywhere | Field::Skills);
        let experience = matches!(self.field, Field::Everywhere | Field::Experience);
        let education = matches!(self.field, Field::Everywhere | Field::Education);
        if title {
            parts.push(&r.title);
        }
        if skills {
            parts.push(&r.skills_text);
            parts.extend(r.skill_set.iter().map(String::as_str));
        }
        if experience {
            for job in &r.experience {
                parts.extend([job.company, job.position.as_str(), job.description.as_str()]);
            }
        }
        if education {
            for e in &r.education {
                parts.extend([e.name, e.organization]);
            }
        }
        parts.join(" ").to_lowercase()
    }

    fn matches(&self, r: &Resume) -> bool {
        if !self.words.is_empty() {
            let hay = self.haystack(r);
            let has = |w: &String| hay.contains(w.as_str());
            let hit = match self.logic {
                Logic::All => self.words.iter().all(has),
                Logic::Any => self.words.iter().any(has),
                Logic::Phrase => hay.contains(&self.words.join(" ")),
                Logic::Except => !self.words.iter().any(has),
            };
            if !hit {
                return false;
            }
        }
        if self.area.as_deref().is_some_and(|a| a != r.area.0) {
            return false;
        }
        if self
            .months
            .is_some_and(|(lo, hi)| r.total_months < lo || r.total_months > hi)
        {
            return false;
        }
        // As hh: resumes without a salary stay in a salary search.
        if let Some(amount) = r.salary
            && (self.salary.0.is_some_and(|lo| amount < lo)
                || self.salary.1.is_some_and(|hi| amount > hi))
        {
            return false;
        }
        if self.age.0.is_some_and(|lo| r.age < lo) || self.age.1.is_some_and(|hi| r.age > hi) {
            return false;
        }
        self.education
            .as_deref()
            .is_none_or(|e| e == r.education_level.0)
    }
}

/// `GET /resumes/{id}/negotiations_history`: per vacancy of this employer, the
/// negotiation with the resume and its current state.
pub async fn negotiations_history(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
) -> ApiResult {
    if st.faults().no_paid_access {
        return Err(ApiError::payment_required());
    }
    let world = st.world();
    if world.resume(&id).is_none() {
        return Err(ApiError::not_found());
    }
    let vacancies: Vec<Value> = account
        .negotiations(&world)
        .filter(|n| n.resume_id == id)
        .filter_map(|n| world.vacancy(&n.vacancy_id).map(|v| (n, v)))
        .map(|(n, v)| {
            let state = json!({ "id": n.employer_state.id(), "name": n.employer_state.name() });
            json!({
                "id": v.id,
                "name": v.name,
                "url": format!("{}/vacancies/{}", st.base_url, v.id),
                "archived": false,
                "can_edit": true,
                "negotiations_url": format!("{}/negotiations/{}", st.base_url, n.id),
                "messages_url": format!("{}/negotiations/{}/messages", st.base_url, n.id),
                "items": [{
                    "created_at": hh_time(&n.updated_at),
                    "employer_state": state,
                    "with_message": n.invited,
                }],
            })
        })
        .collect();
    Ok(ok(&json!({ "vacancies": vacancies })))
}

/// The applicant's comments this account may see: its employer's colleagues' shared
/// ones and its own.
fn visible<'a>(
    world: &'a World,
    account: Account,
    applicant_id: &'a str,
) -> impl Iterator<Item = &'a Comment> {
    world.comments.iter().filter(move |c| {
        c.applicant_id == applicant_id
            && world.managers[c.author].employer == account.employer
            && (c.access_type == CommentAccess::Coworkers || c.author == account.manager)
    })
}

fn known_applicant(world: &World, applicant_id: &str) -> bool {
    world.resumes.iter().any(|r| r.owner_id == applicant_id)
}

fn render_comment(world: &World, account: Account, c: &Comment) -> Value {
    let author = &world.managers[c.author];
    let (access_id, access_name) = c.access_type.id_name();
    json!({
        "id": c.id,
        "text": c.text,
        "created_at": hh_time(&c.created_at),
        "author": { "full_name": format!("{} {}", author.last_name, author.first_name) },
        "is_mine": c.author == account.manager,
        "access_type": { "id": access_id, "name": access_name },
    })
}

/// `GET /applicant_comments/{applicant_id}`: newest first (hh's default order).
pub async fn list_comments(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(applicant_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    if st.faults().no_paid_access {
        return Err(ApiError::payment_required());
    }
    let (page, per_page) = Params::query(&query).paging(SEARCH_MAX_PER_PAGE)?;
    let world = st.world();
    if !known_applicant(&world, &applicant_id) {
        return Err(ApiError::not_found());
    }
    let items: Vec<Value> = visible(&world, account, &applicant_id)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|c| render_comment(&world, account, c))
        .collect();
    let (items, mut meta) = page_of(&items, page, per_page);
    meta.insert("items".into(), Value::Array(items));
    Ok(ok(&meta))
}

/// `POST /applicant_comments/{applicant_id}`: form `text` and `access_type`, both required.
pub async fn add_comment(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(applicant_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    if st.faults().no_paid_access {
        return Err(ApiError::payment_required());
    }
    let form = Params::parse(&body);
    let text = form
        .get("text")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_argument("text"))?
        .to_string();
    let access_type = form
        .get("access_type")
        .and_then(CommentAccess::parse)
        .ok_or_else(|| ApiError::bad_argument("access_type"))?;
    let mut world = st.world_mut();
    if !known_applicant(&world, &applicant_id) {
        return Err(ApiError::not_found());
    }
    world.next_comment_id += 1;
    let comment = Comment {
        id: world.next_comment_id.to_string(),
        applicant_id,
        text,
        access_type,
        author: account.manager,
        created_at: now(),
    };
    let rendered = render_comment(&world, account, &comment);
    world.comments.push(comment);
    Ok(json(StatusCode::CREATED, &rendered))
}
