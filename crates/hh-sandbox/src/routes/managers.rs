//! A manager's own figures: the daily resume views left (`…/limits/resume`, which hh
//! shows a manager only for themselves), and how the employer, or one of its managers,
//! answers responses (`…/negotiations_statistics`), computed from the negotiations held.

use axum::Extension;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::account::Account;
use crate::errors::{ApiError, ApiResult};
use crate::http::ok;
use crate::model::{Initiator, World};
use crate::pipeline::EmployerState;
use crate::state::AppState;

/// `GET /employers/{employer_id}/managers/{manager_id}/limits/resume`
pub async fn resume_limits(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path((employer_id, manager_id)): Path<(String, String)>,
) -> ApiResult {
    let world = st.world();
    let manager = account.manager(&world);
    // Only the manager's own limit, at their own employer.
    if employer_id != account.employer(&world).id || manager_id != manager.id {
        return Err(ApiError::not_found());
    }
    let views = |n: u32| json!({ "resume_view": n, "resume_view_from_api": n });
    Ok(ok(&json!({
        "limits": views(manager.resume_view_limit),
        "spend": views(manager.resume_views_spent),
        "left": views(manager.resume_views_left()),
    })))
}

/// `GET /employers/{employer_id}/negotiations_statistics`
pub async fn employer_statistics(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(employer_id): Path<String>,
) -> ApiResult {
    let world = st.world();
    if employer_id != account.employer(&world).id {
        return Err(ApiError::not_found());
    }
    let stats = statistics(&world, account, None);
    Ok(ok(&json!({ "employer_statistics": stats })))
}

/// `GET /employers/{employer_id}/managers/{manager_id}/negotiations_statistics`
pub async fn manager_statistics(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path((employer_id, manager_id)): Path<(String, String)>,
) -> ApiResult {
    let world = st.world();
    if employer_id != account.employer(&world).id {
        return Err(ApiError::not_found());
    }
    let manager = world
        .managers
        .iter()
        .position(|m| m.id == manager_id && m.employer == account.employer)
        .ok_or_else(ApiError::not_found)?;
    let stats = statistics(&world, account, Some(manager));
    Ok(ok(&json!({ "manager_statistics": stats })))
}

/// The responses to the employer's vacancies (or one manager's): how many came, which
/// share was looked at and answered, and the average hours to an answer.
fn statistics(world: &World, account: Account, manager: Option<usize>) -> Value {
    let responses: Vec<_> = account
        .negotiations(world)
        .filter(|n| n.initiator == Initiator::Applicant)
        .filter(|n| {
            manager.is_none_or(|m| world.vacancy(&n.vacancy_id).is_some_and(|v| v.manager == m))
        })
        .collect();
    let received = responses.len();
    let replied: Vec<_> = responses
        .iter()
        .filter(|n| n.employer_state != EmployerState::Response)
        .collect();
    let viewed = responses
        .iter()
        .filter(|n| !n.has_updates || n.employer_state != EmployerState::Response)
        .count();
    let percent = |part: usize| (received > 0).then(|| (part * 100 / received) as f64);
    let reply_hours = (!replied.is_empty()).then(|| {
        let total: i64 = replied
            .iter()
            .map(|n| (n.updated_at - n.created_at).num_hours().max(0))
            .sum();
        total as f64 / replied.len() as f64
    });
    json!({
        "received": received,
        "viewed_percent": percent(viewed),
        "replied_percent": percent(replied.len()),
        "average_reply_time": reply_hours.map(|h| h.round()),
        "politeness": null,
    })
}
