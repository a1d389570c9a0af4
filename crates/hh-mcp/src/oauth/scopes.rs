//! The scopes our tokens carry: reading, and acting on hh.ru. A token without the acting
//! scope gets only the tools that read.

pub const READ: &str = "hh:read";
pub const ACT: &str = "hh:act";
pub const ALL: [&str; 2] = [READ, ACT];

/// A requested `scope` parameter, checked: only our scopes; none asked means both.
/// Reading is always included (no tool works without it).
pub fn parse(requested: Option<&str>) -> Result<String, String> {
    let mut act = false;
    for s in requested.unwrap_or("").split_whitespace() {
        match s {
            READ => {}
            ACT => act = true,
            other => {
                return Err(format!(
                    "unknown scope `{}`; this server grants `{READ}` and `{ACT}`",
                    other.chars().take(40).collect::<String>()
                ));
            }
        }
    }
    if requested.is_none_or(|r| r.trim().is_empty()) {
        act = true;
    }
    Ok(if act {
        format!("{READ} {ACT}")
    } else {
        READ.to_string()
    })
}

pub fn acts(scope: &str) -> bool {
    scope.split_whitespace().any(|s| s == ACT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_ours_and_reading_is_implied() {
        assert_eq!(parse(None).unwrap(), "hh:read hh:act");
        assert_eq!(parse(Some("hh:read")).unwrap(), "hh:read");
        assert_eq!(parse(Some("hh:act")).unwrap(), "hh:read hh:act");
        assert!(
            parse(Some("hh:read admin"))
                .unwrap_err()
                .contains("`admin`")
        );
    }
}
