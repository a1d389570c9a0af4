//! The few HTML pages a recruiter sees while signing in: the consent page, the choice of a
//! work account, and errors that must not be redirected. Plain forms, no scripts; no page
//! may be framed (clickjacking a consent).

use axum::response::{Html, IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// Text made safe to put into HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title>\
         <style>body{{font:16px system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em}}\
         button{{font:inherit;padding:.4em 1.2em;margin:.3em .6em .3em 0}}</style></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    let mut r = (status, Html(html)).into_response();
    let h = r.headers_mut();
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// An error shown to the person, not sent to a redirect URI we cannot trust.
pub fn error(status: StatusCode, text: &str) -> Response {
    page(
        status,
        "Sign-in stopped",
        &format!(
            "<p>{}</p><p>Nothing was granted. Close this page and try again from your assistant.</p>",
            escape(text)
        ),
    )
}

/// What the client asks, for the consent page.
pub struct ConsentView<'a> {
    pub request: &'a str,
    pub client_name: &'a str,
    pub redirect_host: &'a str,
    pub acting: bool,
}

pub fn consent(v: &ConsentView) -> Response {
    let can = if v.acting {
        "<p>It will be able to <b>read</b> your vacancies, responses, resumes and chats, and to \
         <b>act</b>: change a response's state, invite applicants and send messages in your name. \
         Each action that reaches a person is shown to you to confirm first.</p>\
         <p><label><input type=\"checkbox\" name=\"read_only\" value=\"1\"> Read only: let it \
         read, never act</label></p>"
    } else {
        "<p>It will be able to <b>read</b> your vacancies, responses, resumes and chats. It asked \
         for read-only access: it cannot change anything on hh.ru.</p>"
    };
    page(
        StatusCode::OK,
        "Connect to hh.ru",
        &format!(
            "<form method=\"post\" action=\"/authorize/decision\">\
             <p><b>{name}</b> (returning to <code>{host}</code>) asks to work with your hh.ru \
             employer account.</p>{can}\
             <p>Next, hh.ru asks you to sign in there.</p>\
             <input type=\"hidden\" name=\"request\" value=\"{req}\">\
             <button name=\"decision\" value=\"allow\">Allow</button>\
             <button name=\"decision\" value=\"deny\">Deny</button></form>",
            name = escape(v.client_name),
            host = escape(v.redirect_host),
            req = escape(v.request),
        ),
    )
}

/// One of the recruiter's work accounts, to pick from.
pub struct WorkAccount {
    pub id: String,
    pub employer: String,
    pub current: bool,
}

pub fn pick_account(request: &str, accounts: &[WorkAccount]) -> Response {
    let mut options = String::new();
    for a in accounts {
        options.push_str(&format!(
            "<p><label><input type=\"radio\" name=\"manager_account_id\" value=\"{id}\"{checked}> \
             {employer}</label></p>",
            id = escape(&a.id),
            checked = if a.current { " checked" } else { "" },
            employer = escape(&a.employer),
        ));
    }
    page(
        StatusCode::OK,
        "Which work account?",
        &format!(
            "<form method=\"post\" action=\"/authorize/account\">\
             <p>Your hh.ru login has several work accounts. The assistant acts as the one you \
             pick:</p>{options}\
             <input type=\"hidden\" name=\"request\" value=\"{req}\">\
             <button>Continue</button></form>",
            req = escape(request),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<script>\"a\"&'b'</script>"),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;"
        );
    }
}
