//! Server-side sessions: a random id in an HttpOnly cookie, its hash in the database, idle and absolute expiry.
use std::time::Duration;

use crate::domain::{CurrentUser, Roles};
use crate::server::db::{self, sessions, users::UserRow, Db, DbResult};

use super::tokens::{hash_token, random_token};

pub const SESSION_COOKIE: &str = "portal_session";
/// Over https the cookie carries the `__Host-` prefix: the browser then only accepts it from this exact host,
/// Secure and for path `/`, so a sibling subdomain or plain-http page cannot plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-portal_session";

/// `last_seen_at` is written at most this often, so browsing does not turn every page view into a write.
const TOUCH_EVERY_MS: i64 = 60_000;

#[derive(Clone, Debug)]
pub struct Sessions {
    db: Db,
    idle_ms: i64,
    absolute_ms: i64,
    secure: bool,
}

/// A session just started: the raw id goes into the cookie and nowhere else.
pub struct Started {
    pub raw_id: String,
    pub cookie: String,
}

impl Sessions {
    pub fn new(db: Db, idle: Duration, absolute: Duration, secure: bool) -> Self {
        Self { db, idle_ms: idle.as_millis() as i64, absolute_ms: absolute.as_millis() as i64, secure }
    }

    /// Starts a session with a fresh id. The session the browser had before (if any) is deleted, so an id
    /// planted before sign-in (session fixation) is worthless afterwards.
    pub async fn start(&self, user_id: i64, previous_raw: Option<&str>, now: i64) -> DbResult<Started> {
        let raw_id = random_token();
        let mut tx = self.db.begin().await?;
        if let Some(previous) = previous_raw {
            sessions::delete(&mut tx, &hash_token(previous)).await?;
        }
        sessions::insert(&mut tx, &hash_token(&raw_id), user_id, now, now + self.absolute_ms).await?;
        tx.commit().await?;
        let cookie = self.cookie(&raw_id);
        Ok(Started { raw_id, cookie })
    }

    /// The signed-in user of a live session; `None` for an unknown, expired or idle session or a disabled user.
    pub async fn resolve(&self, raw_id: &str, now: i64) -> DbResult<Option<CurrentUser>> {
        let id_hash = hash_token(raw_id);
        let mut conn = self.db.acquire().await?;
        let Some((user_id, last_seen)) = sessions::find_live(&mut conn, &id_hash, now, self.idle_ms).await? else {
            return Ok(None);
        };
        let Some(user) = db::users::find_by_id(&mut conn, user_id).await? else {
            return Ok(None);
        };
        if user.disabled_at.is_some() {
            return Ok(None);
        }
        if now - last_seen > TOUCH_EVERY_MS {
            sessions::touch(&mut conn, &id_hash, now).await?;
        }
        Ok(current_user(&user))
    }

    pub async fn end(&self, raw_id: &str) -> DbResult<()> {
        let mut conn = self.db.acquire().await?;
        sessions::delete(&mut conn, &hash_token(raw_id)).await
    }

    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    fn cookie(&self, raw_id: &str) -> String {
        format!(
            "{}={raw_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            self.cookie_name(),
            self.absolute_ms / 1000,
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// A Set-Cookie value that removes the session cookie.
    pub fn clear_cookie(&self) -> String {
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            self.cookie_name(),
            if self.secure { "; Secure" } else { "" }
        )
    }
}

/// Every value a `Cookie` header carries for `name` (a planted duplicate must not hide the real one).
pub fn cookie_values<'a>(header: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(move |(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// The first value of one cookie.
pub fn cookie_value<'a>(header: &'a str, name: &'a str) -> Option<&'a str> {
    cookie_values(header, name).next()
}

/// The UI's view of a stored user; a row with unreadable roles is treated as no user (and logged).
pub fn current_user(row: &UserRow) -> Option<CurrentUser> {
    match Roles::parse(&row.roles) {
        Ok(roles) => Some(CurrentUser {
            id: row.id,
            email: row.email.clone(),
            display_name: row.display_name.clone(),
            roles,
            has_password: row.password_hash.is_some(),
        }),
        Err(e) => {
            tracing::error!(user_id = row.id, roles = %row.roles, ?e, "stored roles are invalid");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_session_cookie_among_others() {
        let values = |h| cookie_values(h, SESSION_COOKIE).collect::<Vec<_>>();
        assert_eq!(values("a=1; portal_session=xyz; b=2"), ["xyz"]);
        assert_eq!(values("portal_session=planted; portal_session=real"), ["planted", "real"]);
        assert!(values("portal_session_other=1").is_empty());
        assert!(values("portal_session=").is_empty());
        assert_eq!(cookie_value("i18n_pref_locale=pl", "i18n_pref_locale"), Some("pl"));
    }
}
