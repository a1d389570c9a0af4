//! The sandbox's routes, one table for the router and for the test that holds them to
//! the operations of `spec/hh-derived.yaml` (of which the sandbox serves a part).
//!
//! Paths are written as the derived description writes them. The router renames path
//! parameters by position (`{p1}`, `{p2}`) because the router, unlike OpenAPI, needs one
//! name per position: `/negotiations/{nid}/messages` and
//! `/negotiations/{collection_name}/{nid}` share their second segment.

pub mod chats;
pub mod managers;
pub mod me;
pub mod messages;
pub mod negotiations;
pub mod reference;
pub mod resumes;
pub mod saved_searches;
pub mod token;
pub mod vacancies;
pub mod webhooks;

use std::collections::BTreeMap;

use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::errors::ApiError;
use crate::state::AppState;

/// What authorization a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A valid employer token.
    Required,
    /// Works without a token (hh's public methods); a bad token is still refused.
    Optional,
    /// The token endpoint: no bearer token at all.
    None,
}

#[derive(Debug)]
pub struct RouteSpec {
    pub method: &'static str,
    /// The path as `spec/hh-derived.yaml` writes it.
    pub path: &'static str,
    /// The derived description's operationId.
    pub operation: &'static str,
    pub auth: Auth,
    /// A state-changing action hh may protect with a captcha.
    pub captcha: bool,
    /// hh.ru retired the operation (its description says: no longer supported) but
    /// still answers it; the derived description leaves it out, hh.ru's has it.
    pub retired: bool,
}

impl RouteSpec {
    /// An operation of `spec/hh-derived.yaml`: not retired.
    pub fn in_our_spec(&self) -> bool {
        !self.retired
    }
}

const fn route(
    method: &'static str,
    path: &'static str,
    operation: &'static str,
    auth: Auth,
    captcha: bool,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        operation,
        auth,
        captcha,
        retired: false,
    }
}

/// A route hh.ru retired but still answers (see [`RouteSpec::retired`]).
const fn retired(
    method: &'static str,
    path: &'static str,
    operation: &'static str,
    captcha: bool,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        operation,
        auth: Auth::Required,
        captcha,
        retired: true,
    }
}

use Auth::{Optional, Required};

/// Every route the sandbox serves.
pub static ROUTES: &[RouteSpec] = &[
    route("GET", "/me", "get_me", Required, false),
    route(
        "GET",
        "/manager_accounts/mine",
        "get_manager_accounts",
        Required,
        false,
    ),
    route(
        "GET",
        "/employers/{employer_id}/vacancies/active",
        "list_active_vacancies",
        Required,
        false,
    ),
    route(
        "GET",
        "/vacancies/{vacancy_id}",
        "get_vacancy",
        Optional,
        false,
    ),
    route(
        "GET",
        "/vacancies/{id}/preferred_negotiations_order",
        "get_preferred_negotiations_order",
        Required,
        false,
    ),
    route(
        "PUT",
        "/vacancies/{id}/preferred_negotiations_order",
        "set_preferred_negotiations_order",
        Required,
        false,
    ),
    route(
        "GET",
        "/negotiations",
        "get_negotiation_collections",
        Required,
        false,
    ),
    // Also a collection's list when `id` is a collection id (see COLLECTION_LIST).
    route(
        "GET",
        "/negotiations/{id}",
        "get_negotiation",
        Required,
        false,
    ),
    route(
        "PUT",
        "/negotiations/{id}",
        "move_negotiations",
        Required,
        true,
    ),
    route(
        "POST",
        "/negotiations/{id}",
        "invite_applicant",
        Required,
        true,
    ),
    // The first segment is the action's id (`PUT /negotiations/interview/123`); hh.ru's
    // description names it `collection_name`.
    route(
        "PUT",
        "/negotiations/{collection_name}/{nid}",
        "perform_negotiation_action",
        Required,
        true,
    ),
    route(
        "POST",
        "/negotiations/read",
        "mark_negotiations_read",
        Required,
        false,
    ),
    // Retired by hh.ru in favour of the chats; served from the negotiation's chat.
    retired(
        "GET",
        "/negotiations/{nid}/messages",
        "list_negotiation_messages",
        false,
    ),
    retired(
        "POST",
        "/negotiations/{nid}/messages",
        "send_negotiation_message",
        true,
    ),
    route("GET", "/common/chats", "list_chats", Required, false),
    route(
        "GET",
        "/common/chats/counters/unread",
        "count_unread_chats",
        Required,
        false,
    ),
    route(
        "GET",
        "/common/chats/{chat_id}/messages",
        "list_chat_messages",
        Required,
        false,
    ),
    route(
        "POST",
        "/common/chats/{chat_id}/messages",
        "send_chat_message",
        Required,
        // Like the retired send it replaces: a message is a state change hh may guard.
        true,
    ),
    route(
        "PUT",
        "/common/chats/{chat_id}/messages/{message_id}",
        "edit_chat_message",
        Required,
        false,
    ),
    route(
        "DELETE",
        "/common/chats/{chat_id}/messages/{message_id}",
        "delete_chat_message",
        Required,
        false,
    ),
    route(
        "PUT",
        "/common/chats/{chat_id}/message/{message_id}/read",
        "mark_chat_read",
        Required,
        false,
    ),
    route(
        "PUT",
        "/common/chats/{chat_id}/write_possibility",
        "set_chat_write_possibility",
        Required,
        false,
    ),
    route(
        "GET",
        "/common/chats/{chat_id}/participants",
        "list_chat_participants",
        Required,
        false,
    ),
    route(
        "PUT",
        "/common/chats/{chat_id}/participants",
        "add_chat_participant",
        Required,
        false,
    ),
    route(
        "GET",
        "/common/chats/files/conditions",
        "get_chat_file_conditions",
        Required,
        false,
    ),
    route(
        "POST",
        "/common/chats/files/upload_links",
        "create_chat_upload_link",
        Required,
        false,
    ),
    route("GET", "/resumes/{resume_id}", "get_resume", Required, false),
    route("GET", "/resumes", "search_resumes", Required, false),
    route(
        "GET",
        "/resumes/{resume_id}/negotiations_history",
        "get_resume_negotiations_history",
        Required,
        false,
    ),
    route(
        "GET",
        "/applicant_comments/{applicant_id}",
        "list_applicant_comments",
        Required,
        false,
    ),
    route(
        "POST",
        "/applicant_comments/{applicant_id}",
        "add_applicant_comment",
        Required,
        false,
    ),
    route(
        "GET",
        "/employers/{employer_id}/mail_templates",
        "list_mail_templates",
        Required,
        false,
    ),
    route(
        "GET",
        "/message_templates/{template}",
        "get_message_template",
        Required,
        false,
    ),
    route(
        "GET",
        "/employers/{employer_id}/managers/{manager_id}/limits/resume",
        "get_manager_resume_limits",
        Required,
        false,
    ),
    route(
        "GET",
        "/employers/{employer_id}/negotiations_statistics",
        "get_employer_negotiations_statistics",
        Required,
        false,
    ),
    route(
        "GET",
        "/employers/{employer_id}/managers/{manager_id}/negotiations_statistics",
        "get_manager_negotiations_statistics",
        Required,
        false,
    ),
    route(
        "GET",
        "/vacancies/{vacancy_id}/stats",
        "get_vacancy_stats",
        Required,
        false,
    ),
    route(
        "GET",
        "/vacancies/{vacancy_id}/visitors",
        "list_vacancy_visitors",
        Required,
        false,
    ),
    route(
        "GET",
        "/saved_searches/resumes",
        "list_saved_resume_searches",
        Required,
        false,
    ),
    route(
        "GET",
        "/saved_searches/resumes/{id}",
        "get_saved_resume_search",
        Required,
        false,
    ),
    route("GET", "/dictionaries", "get_dictionaries", Optional, false),
    route("POST", "/token", "obtain_token", Auth::None, false),
    route("DELETE", "/token", "invalidate_token", Required, false),
    route(
        "GET",
        "/webhook/subscriptions",
        "get_webhook_subscriptions",
        Required,
        false,
    ),
    route(
        "POST",
        "/webhook/subscriptions",
        "post_webhook_subscription",
        Required,
        false,
    ),
    route(
        "PUT",
        "/webhook/subscriptions/{subscription_id}",
        "change_webhook_subscription",
        Required,
        false,
    ),
    route(
        "DELETE",
        "/webhook/subscriptions/{subscription_id}",
        "cancel_webhook_subscription",
        Required,
        false,
    ),
];

/// The operation name recorded for a collection's list, which shares
/// `GET /negotiations/{id}` with `get_negotiation` and which the spec describes by
/// its schema (`NegotiationsPage`) rather than as an operation.
pub const COLLECTION_LIST: &str = "get_collection_negotiations";

/// `/negotiations/{collection_name}/{nid}` → `/negotiations/{p1}/{p2}`.
pub fn router_path(spec_path: &str) -> String {
    let mut n = 0;
    spec_path
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                n += 1;
                format!("{{p{n}}}")
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn filter(method: &str) -> MethodFilter {
    match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "DELETE" => MethodFilter::DELETE,
        other => panic!("no route method {other}"),
    }
}

/// One route's handler, with its guard (authorization, captcha, operation name).
fn handler_for(spec: &'static RouteSpec, st: &AppState) -> MethodRouter<AppState> {
    fn wrap<H, T>(spec: &'static RouteSpec, st: &AppState, h: H) -> MethodRouter<AppState>
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        on(filter(spec.method), h).route_layer(axum::middleware::from_fn_with_state(
            (st.clone(), spec),
            crate::http::guard,
        ))
    }
    match spec.operation {
        "get_me" => wrap(spec, st, me::get_me),
        "get_manager_accounts" => wrap(spec, st, me::manager_accounts),
        "list_active_vacancies" => wrap(spec, st, vacancies::active),
        "get_vacancy" => wrap(spec, st, vacancies::get_vacancy),
        "get_preferred_negotiations_order" => wrap(spec, st, vacancies::get_preferred_order),
        "set_preferred_negotiations_order" => wrap(spec, st, vacancies::set_preferred_order),
        "get_negotiation_collections" => wrap(spec, st, negotiations::collections),
        "get_negotiation" => wrap(spec, st, negotiations::get_one_or_list),
        "move_negotiations" => wrap(spec, st, negotiations::move_to_collection),
        "invite_applicant" => wrap(spec, st, negotiations::invite),
        "perform_negotiation_action" => wrap(spec, st, negotiations::perform_action),
        "mark_negotiations_read" => wrap(spec, st, negotiations::mark_read),
        "list_negotiation_messages" => wrap(spec, st, messages::list),
        "send_negotiation_message" => wrap(spec, st, messages::send),
        "list_chats" => wrap(spec, st, chats::list),
        "count_unread_chats" => wrap(spec, st, chats::count_unread),
        "list_chat_messages" => wrap(spec, st, chats::messages),
        "send_chat_message" => wrap(spec, st, chats::send),
        "edit_chat_message" => wrap(spec, st, chats::edit),
        "delete_chat_message" => wrap(spec, st, chats::delete),
        "mark_chat_read" => wrap(spec, st, chats::mark_read),
        "set_chat_write_possibility" => wrap(spec, st, chats::write_possibility),
        "list_chat_participants" => wrap(spec, st, chats::participants),
        "add_chat_participant" => wrap(spec, st, chats::add_participant),
        "get_chat_file_conditions" => wrap(spec, st, chats::file_conditions),
        "create_chat_upload_link" => wrap(spec, st, chats::upload_link),
        "get_resume" => wrap(spec, st, resumes::get_resume),
        "search_resumes" => wrap(spec, st, resumes::search),
        "get_resume_negotiations_history" => wrap(spec, st, resumes::negotiations_history),
        "list_applicant_comments" => wrap(spec, st, resumes::list_comments),
        "add_applicant_comment" => wrap(spec, st, resumes::add_comment),
        "list_mail_templates" => wrap(spec, st, reference::mail_templates),
        "get_message_template" => wrap(spec, st, reference::message_template),
        "get_dictionaries" => wrap(spec, st, reference::dictionaries),
        "get_manager_resume_limits" => wrap(spec, st, managers::resume_limits),
        "get_employer_negotiations_statistics" => wrap(spec, st, managers::employer_statistics),
        "get_manager_negotiations_statistics" => wrap(spec, st, managers::manager_statistics),
        "get_vacancy_stats" => wrap(spec, st, vacancies::stats),
        "list_vacancy_visitors" => wrap(spec, st, vacancies::visitors),
        "list_saved_resume_searches" => wrap(spec, st, saved_searches::list),
        "get_saved_resume_search" => wrap(spec, st, saved_searches::get_one),
        "obtain_token" => wrap(spec, st, token::obtain),
        "invalidate_token" => wrap(spec, st, token::invalidate),
        "get_webhook_subscriptions" => wrap(spec, st, webhooks::list),
        "post_webhook_subscription" => wrap(spec, st, webhooks::create),
        "change_webhook_subscription" => wrap(spec, st, webhooks::update),
        "cancel_webhook_subscription" => wrap(spec, st, webhooks::delete),
        other => panic!("route table names an operation without a handler: {other}"),
    }
}

/// The whole application: every route of [`ROUTES`], hh's 404 and 405, and the
/// guard rails around them all; and, outside them, hh.ru's authorization page
/// ([`crate::authorize`]), which is its web site's, not the API's.
pub fn app(st: AppState) -> Router {
    let mut by_path: BTreeMap<String, MethodRouter<AppState>> = BTreeMap::new();
    for spec in ROUTES {
        let path = router_path(spec.path);
        let h = handler_for(spec, &st);
        let merged = match by_path.remove(&path) {
            Some(existing) => existing.merge(h),
            None => h,
        };
        by_path.insert(path, merged);
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(&path, mr.fallback(method_not_allowed));
    }
    router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            crate::http::frontline,
        ))
        .with_state(st.clone())
        .merge(crate::authorize::app(st))
}

async fn not_found(_uri: Uri) -> Response {
    ApiError::not_found().into_response()
}

async fn method_not_allowed(_method: Method) -> Response {
    ApiError::method_not_allowed().into_response()
}
