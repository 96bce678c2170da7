//! Mail preferences: read where a mail is written (so a change is honoured by the very next mail), changed
//! through the private link that non-essential mail carries.
use crate::domain::preferences::{MailPreferences, Updates};
use crate::server::auth::tokens::{hash_token, plausible, random_token};
use crate::server::config::Config;
use crate::server::db::{preferences as db, Conn, Db, DbResult};

pub async fn of(conn: &mut Conn, email: &str) -> DbResult<MailPreferences> {
    Ok(match db::get(conn, email).await? {
        Some((updates, surveys)) => {
            MailPreferences { updates: Updates::parse(&updates).unwrap_or(Updates::All), surveys: surveys != 0 }
        }
        None => MailPreferences::default(),
    })
}

/// A new private link to `email`'s preferences, for a mail written in the caller's transaction.
pub async fn link(conn: &mut Conn, config: &Config, email: &str, now: i64) -> DbResult<String> {
    let token = random_token();
    db::add_token(conn, &hash_token(&token), email, now).await?;
    Ok(config.link(&format!("/preferences/{token}")))
}

/// The address a preferences link is for, if any.
async fn email_for(conn: &mut Conn, token: &str) -> DbResult<Option<String>> {
    if !plausible(token) {
        return Ok(None);
    }
    db::email_for(conn, &hash_token(token)).await
}

/// The address and its preferences behind a link; `None` for an unknown link. Reading changes nothing.
pub async fn by_token(db: &Db, token: &str) -> DbResult<Option<(String, MailPreferences)>> {
    let mut conn = db.acquire().await?;
    let Some(email) = email_for(&mut conn, token).await? else { return Ok(None) };
    let prefs = of(&mut conn, &email).await?;
    Ok(Some((email, prefs)))
}

/// Saves the preferences behind a link; false for an unknown link.
pub async fn save(db: &Db, token: &str, prefs: MailPreferences, now: i64) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    let Some(email) = email_for(&mut conn, token).await? else { return Ok(false) };
    db::set(&mut conn, &email, prefs.updates.as_str(), prefs.surveys, now).await?;
    Ok(true)
}
