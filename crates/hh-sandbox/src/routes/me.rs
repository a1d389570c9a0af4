//! Who am I: `GET /me` and `GET /manager_accounts/mine`, for the token's user acting as
//! one of their work accounts.

use axum::Extension;
use axum::extract::State;
use serde_json::json;

use crate::account::Account;
use crate::errors::ApiResult;
use crate::http::ok;
use crate::state::AppState;

/// The manager the token belongs to, in hh's employer profile shape, with the employer
/// of the work account acted as.
pub async fn get_me(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
) -> ApiResult {
    let world = st.world();
    let me = account.manager(&world);
    let e = account.employer(&world);
    let unread = account
        .negotiations(&world)
        .filter(|n| n.has_updates)
        .count();
    Ok(ok(&json!({
        "id": me.user_id,
        "first_name": me.first_name,
        "last_name": me.last_name,
        "middle_name": me.middle_name,
        "mid_name": null,
        "email": me.email,
        "phone": me.phone,
        "is_employer": true,
        "is_applicant": false,
        "is_admin": false,
        "is_application": false,
        "is_employer_integration": false,
        "is_anonymous": false,
        "auth_type": "employer",
        "employer": {
            "id": e.id,
            "name": e.name,
            "manager_id": me.id,
        },
        "manager": {
            "id": me.id,
            "has_admin_rights": me.admin,
            "is_main_contact_person": me.is_main_contact,
            "has_multiple_manager_accounts": account.user(&world).accounts.len() > 1,
            "manager_settings_url": st.url(&format!("/employers/{}/managers/{}/settings", e.id, me.id)),
        },
        "personal_manager": {
            "id": "1234567",
            "first_name": "Николай",
            "last_name": "Смирнов",
            "email": "smirnov@example.com",
            "is_available": true,
            "photo_urls": null,
            "unavailable": null,
        },
        "counters": { "unread_negotiations": unread, "new_resume_views": 0, "resumes_count": 0 },
        "negotiations_url": null,
        "resumes_url": null,
        "is_in_search": null,
    })))
}

/// The user's work accounts, the primary one first; the current one is the one acted as.
pub async fn manager_accounts(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
) -> ApiResult {
    let world = st.world();
    let user = account.user(&world);
    let items: Vec<_> = user
        .accounts
        .iter()
        .map(|&m| {
            let manager = &world.managers[m];
            let employer = &world.employers[manager.employer];
            json!({ "id": manager.id, "employer": { "id": employer.id, "name": employer.name } })
        })
        .collect();
    let primary = user
        .accounts
        .first()
        .map(|&m| world.managers[m].id.clone())
        .unwrap_or_default();
    Ok(ok(&json!({
        "current_account_id": account.manager(&world).id,
        "primary_account_id": primary,
        "is_primary_account_blocked": false,
        "items": items,
    })))
}
