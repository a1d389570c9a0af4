//! `GET /resumes/{id}`: the full resume. Opened at a negotiation's resume url
//! (`?topic_id=`), the view counts for that negotiation, as hh documents.

use axum::extract::{Path, RawQuery, State};

use crate::errors::{ApiError, ApiResult};
use crate::http::{Params, ok};
use crate::render::Render;
use crate::state::AppState;

pub async fn get_resume(
    State(st): State<AppState>,
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
        Some(t) => {
            world
                .negotiation(t)
                .filter(|n| n.resume_id == id)
                .ok_or_else(|| ApiError::bad_argument("topic_id"))?;
            world.mark_negotiation_read(t);
            Some(t.to_string())
        }
        None => None,
    };
    let render = Render::new(&st.base_url, &world);
    let resume = world.resume(&id).ok_or_else(ApiError::not_found)?;
    let topic = topic.as_deref().and_then(|t| world.negotiation(t));
    Ok(ok(&render.resume_full(resume, topic)))
}
