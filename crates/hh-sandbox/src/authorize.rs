//! hh.ru's authorization page (`GET /oauth/authorize`), imitated on the sandbox's host:
//! where an application sends a person to sign in and let it act for them. It checks
//! the request as hh does (`response_type=code`, the application's `client_id`, its
//! `redirect_uri` by hh's matching rules, PKCE's `code_challenge` with `S256`), then
//! shows the sandbox's users, one link each; choosing one redirects 302 to
//! `redirect_uri?code=…&state=…`, refusing redirects with `error=access_denied`.
//!
//! For tests without a browser, `login_as=<login>` on the URL approves at once, and
//! [`SignIn::auto_approve`] approves every request as one user. A request that names
//! no known application or no acceptable redirect URI is answered with an error page
//! and never redirected, as OAuth requires (RFC 6749 §4.1.2.1); so is a wrong
//! `response_type`. This is hh.ru's web site, not its API: no `HH-User-Agent` is
//! needed and nothing here is in the API's record of exchanges.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use url::Url;

use crate::http::Params;
use crate::model::World;
use crate::state::AppState;
use crate::tokens::{CodeBinding, OAuthApp};

/// The path of the page, as on hh.ru.
pub const PATH: &str = "/oauth/authorize";

/// How the sandbox signs users in for applications.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub app: OAuthApp,
    /// Approve every authorization request as this user (a login), without the page.
    pub auto_approve: Option<String>,
}

/// The page's routes, outside the API's guard rails.
pub fn app(st: AppState) -> Router {
    Router::new().route(PATH, get(authorize)).with_state(st)
}

/// What the person is asked to approve, once the request checked out.
struct Request {
    client_id: String,
    redirect_uri: Url,
    /// As the application wrote it (or as registered): `POST /token` must bring it
    /// back identical (RFC 6749 §4.1.3).
    redirect_as_given: String,
    state: Option<String>,
    code_challenge: Option<String>,
}

/// `GET /oauth/authorize`
async fn authorize(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let q = Params::query(&query);
    let request = match check(&st.sign_in.app, &q) {
        Ok(Ok(request)) => request,
        Ok(Err((request, why))) => {
            return redirect(
                &request,
                &[("error", "invalid_request"), ("error_description", why)],
            );
        }
        Err(page) => return page,
    };
    if q.get("deny").is_some() {
        tracing::info!("authorization denied on the login page");
        return redirect(&request, &[("error", "access_denied")]);
    }
    let login = q.get("login_as").or(st.sign_in.auto_approve.as_deref());
    let Some(login) = login else {
        let world = st.world();
        return page(
            StatusCode::OK,
            &choose_user(&world, &query.unwrap_or_default()),
        );
    };
    let Some(user) = st.world().user_by_login(login) else {
        let world = st.world();
        let known: Vec<&str> = world.users.iter().map(|u| u.login.as_str()).collect();
        return error_page(&format!(
            "login_as: no sandbox user signs in as `{login}`; the users are {}",
            known.join(", ")
        ));
    };
    let code = st.tokens().new_code(
        user,
        Some(CodeBinding {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_as_given.clone(),
            code_challenge: request.code_challenge.clone(),
        }),
    );
    tracing::info!(user, "authorization approved");
    redirect(&request, &[("code", &code)])
}

/// The request as hh checks it. `Err` is an error page (the client or the redirect
/// cannot be trusted); `Ok(Err)` an error to redirect with, the redirect being sound.
#[allow(clippy::result_large_err)]
fn check(app: &OAuthApp, q: &Params) -> Result<Result<Request, (Request, &'static str)>, Response> {
    let client_id = match q.get("client_id") {
        None | Some("") => return Err(error_page("client_id is missing")),
        Some(id) if id != app.client_id => {
            return Err(error_page(&format!(
                "client_id: `{id}` is no application the sandbox knows; its application is `{}`",
                app.client_id
            )));
        }
        Some(id) => id.to_string(),
    };
    let redirect_as_given = q
        .get("redirect_uri")
        .or(app.redirect_uri.as_deref())
        .unwrap_or_default()
        .to_string();
    let redirect_uri = match (q.get("redirect_uri"), &app.redirect_uri) {
        (Some(given), registered) => {
            let given = Url::parse(given)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    error_page(&format!(
                        "redirect_uri: `{given}` is not an absolute http or https URL"
                    ))
                })?;
            if let Some(registered) = registered
                && !redirect_allowed(registered, &given)
            {
                return Err(error_page(&format!(
                    "redirect_uri: `{given}` does not match the application's registered `{registered}` \
                     (a subdomain, a deeper path or more query parameters are allowed; another \
                     scheme, host, port or path is not)"
                )));
            }
            given
        }
        (None, Some(registered)) => Url::parse(registered).map_err(|_| {
            error_page(&format!(
                "redirect_uri: the application's registered `{registered}` is not a URL"
            ))
        })?,
        (None, None) => {
            return Err(error_page(
                "redirect_uri is missing, and the application has none registered",
            ));
        }
    };
    match q.get("response_type") {
        Some("code") => {}
        None => return Err(error_page("response_type is missing; hh.ru takes `code`")),
        Some(other) => {
            return Err(error_page(&format!(
                "response_type: `{other}` is not supported; hh.ru takes `code`"
            )));
        }
    }
    let mut request = Request {
        client_id,
        redirect_uri,
        redirect_as_given,
        state: q.get("state").map(str::to_string),
        code_challenge: None,
    };
    // PKCE (RFC 7636): both parameters or neither, and only S256.
    match (q.get("code_challenge"), q.get("code_challenge_method")) {
        (None, None) => {}
        (Some(challenge), Some("S256")) if !challenge.is_empty() => {
            request.code_challenge = Some(challenge.to_string());
        }
        (Some(_), Some("S256")) => return Ok(Err((request, "code_challenge is empty"))),
        (Some(_), Some(_)) => {
            return Ok(Err((
                request,
                "code_challenge_method: only S256 is supported",
            )));
        }
        (Some(_), None) => {
            return Ok(Err((
                request,
                "code_challenge without code_challenge_method",
            )));
        }
        (None, Some(_)) => {
            return Ok(Err((
                request,
                "code_challenge_method without code_challenge",
            )));
        }
    }
    Ok(Ok(request))
}

/// hh's rules for a redirect URI against the registered one: the same scheme and port,
/// the same host or a subdomain of it, the same path or one below it; more query
/// parameters are allowed.
pub fn redirect_allowed(registered: &str, given: &Url) -> bool {
    let Ok(registered) = Url::parse(registered) else {
        return false;
    };
    let (Some(host), Some(want)) = (given.host_str(), registered.host_str()) else {
        return false;
    };
    let host_ok = host == want || host.ends_with(&format!(".{want}"));
    let base = registered.path().trim_end_matches('/');
    let path = given.path();
    let path_ok =
        path == registered.path() || path == base || path.starts_with(&format!("{base}/"));
    let query_ok = registered
        .query_pairs()
        .all(|pair| given.query_pairs().any(|p| p == pair));
    given.scheme() == registered.scheme()
        && given.port() == registered.port()
        && host_ok
        && path_ok
        && query_ok
}

/// 302 to the redirect URI with `pairs` and the request's `state`.
fn redirect(request: &Request, pairs: &[(&str, &str)]) -> Response {
    let mut to = request.redirect_uri.clone();
    {
        let mut query = to.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = &request.state {
            query.append_pair("state", state);
        }
    }
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(to.as_str()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn page(status: StatusCode, body: &str) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    response
}

/// A 400 page that says what is wrong; never a redirect.
fn error_page(why: &str) -> Response {
    tracing::info!(%why, "authorization request refused");
    page(
        StatusCode::BAD_REQUEST,
        &format!(
            "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
             <title>Ошибка авторизации — hh sandbox</title></head><body>\
             <h1>Ошибка авторизации</h1><p id=\"error\">{}</p></body></html>\n",
            text(why)
        ),
    )
}

/// The page that lists the users to sign in as, each a link that approves as them, and
/// a link that refuses.
fn choose_user(world: &World, query: &str) -> String {
    let link = |extra: (&str, &str)| {
        let mut params: Vec<(String, String)> = Params::parse(query.as_bytes())
            .0
            .into_iter()
            .filter(|(k, _)| k != "login_as" && k != "deny")
            .collect();
        params.push((extra.0.to_string(), extra.1.to_string()));
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        format!("{PATH}?{query}")
    };
    let mut items = String::new();
    for user in &world.users {
        let Some(&primary) = user.accounts.first() else {
            continue;
        };
        let m = &world.managers[primary];
        let employers: Vec<&str> = user
            .accounts
            .iter()
            .map(|&a| world.employers[world.managers[a].employer].name.as_str())
            .collect();
        items.push_str(&format!(
            "<li><a class=\"user\" data-login=\"{}\" href=\"{}\">{} {}</a> — {} <small>({})</small></li>\n",
            attr(&user.login),
            attr(&link(("login_as", &user.login))),
            text(&m.first_name),
            text(&m.last_name),
            text(&employers.join(", ")),
            text(&user.login),
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <title>Вход на hh.ru — hh sandbox</title></head><body>\
         <h1>Вход для работодателей</h1>\
         <p>Приложение запрашивает доступ к вашим вакансиям, откликам и перепискам. \
         Выберите, под кем войти:</p>\n<ul>\n{items}</ul>\n\
         <p><a class=\"deny\" href=\"{}\">Отказать в доступе</a></p></body></html>\n",
        attr(&link(("deny", "1")))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(given: &str) -> bool {
        redirect_allowed("http://example.com/oauth", &Url::parse(given).unwrap())
    }

    /// hh's own examples of what a registered `http://example.com/oauth` allows.
    #[test]
    fn redirects_match_as_hh_says() {
        assert!(allowed("http://example.com/oauth"));
        assert!(allowed("http://www.example.com/oauth"));
        assert!(allowed("http://www.example.com/oauth/sub/path"));
        assert!(allowed("http://example.com/oauth?lang=RU"));
        assert!(allowed("http://www.example.com/oauth/sub/path?lang=RU"));
        assert!(!allowed("https://example.com/oauth"));
        assert!(!allowed("http://wwwexample.com/oauth"));
        assert!(!allowed("http://wwwexample.com/"));
        assert!(!allowed("http://example.com/oauths"));
        assert!(!allowed("http://example.com:8080/oauth"));
        let loopback = Url::parse("http://127.0.0.1:8765/callback").unwrap();
        assert!(redirect_allowed(
            "http://127.0.0.1:8765/callback",
            &loopback
        ));
        assert!(!redirect_allowed(
            "http://127.0.0.1:8766/callback",
            &loopback
        ));
    }
}
