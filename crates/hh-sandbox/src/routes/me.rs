//! Who am I: `GET /me` and `GET /manager_accounts/mine`.

use axum::extract::State;
use serde_json::json;

use crate::errors::ApiResult;
use crate::http::ok;
use crate::state::AppState;

/// The employer's manager the token belongs to, in hh's employer profile shape.
pub async fn get_me(State(st): State<AppState>) -> ApiResult {
    let world = st.world();
    let me = world.me();
    let e = &world.employer;
    let unread: usize = world.negotiations.iter().filter(|n| n.has_updates).count();
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
            "has_multiple_manager_accounts": false,
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

/// The manager's work accounts: one, with this employer.
pub async fn manager_accounts(State(st): State<AppState>) -> ApiResult {
    let world = st.world();
    let me = world.me();
    Ok(ok(&json!({
        "current_account_id": me.id,
        "primary_account_id": me.id,
        "is_primary_account_blocked": false,
        "items": [{
            "id": me.id,
            "employer": { "id": world.employer.id, "name": world.employer.name },
        }],
    })))
}
