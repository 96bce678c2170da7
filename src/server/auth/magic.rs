//! Magic sign-in links for customers: single use, 15 minutes, stored hashed, mailed through the outbox.
use crate::domain::{Email, Roles};
use crate::i18n::Locale;
use crate::server::config::Config;
use crate::server::db::{magic_links, users, Db, DbResult};
use crate::server::mail::templates::{render, Template};

use super::tokens::{hash_token, random_token};

pub const MAGIC_LINK_TTL_MS: i64 = 15 * 60 * 1000;

/// What [`issue`] did; the caller answers the same either way so nobody can probe which emails exist.
#[derive(Debug, PartialEq, Eq)]
pub enum Issued {
    /// A link was created and queued in the outbox.
    Sent { link: String },
    /// Team accounts sign in with a password and disabled accounts not at all: no link.
    Refused,
}

/// Creates a link for `email` and writes the mail (in `locale`) to the outbox in the same transaction.
pub async fn issue(db: &Db, config: &Config, email: &Email, locale: Locale, now: i64) -> DbResult<Issued> {
    let mut tx = db.begin().await?;
    if let Some(user) = users::find_by_email(&mut tx, email.as_str()).await? {
        let team = Roles::parse(&user.roles).map(|r| r.is_team()).unwrap_or(true);
        if team || user.disabled_at.is_some() {
            return Ok(Issued::Refused);
        }
    }
    let token = random_token();
    magic_links::insert(&mut tx, &hash_token(&token), email.as_str(), now, now + MAGIC_LINK_TTL_MS).await?;
    let link = config.link(&format!("/auth/magic?token={token}"));
    let mail = render(locale, &Template::SignInLink { link: &link });
    crate::server::mail::queue(&mut tx, "magic_link", email.as_str(), &mail, now).await?;
    tx.commit().await?;
    Ok(Issued::Sent { link })
}

/// Whether a token could still be redeemed (the landing page; consumes nothing, so mail scanners are harmless).
pub async fn is_usable(db: &Db, token: &str, now: i64) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    magic_links::is_usable(&mut conn, &hash_token(token), now).await
}

/// Consumes the link and returns the customer it signs in, creating the account on first use and attaching
/// the requests filed under that address without an account.
/// `None` for an unknown, used or expired link, or an account that may not sign in this way.
pub async fn redeem(db: &Db, token: &str, now: i64) -> DbResult<Option<users::UserRow>> {
    let mut tx = db.begin().await?;
    let Some(email) = magic_links::consume(&mut tx, &hash_token(token), now).await? else {
        return Ok(None);
    };
    let user = users::ensure_customer(&mut tx, &email, now).await?;
    let team = Roles::parse(&user.roles).map(|r| r.is_team()).unwrap_or(true);
    if team || user.disabled_at.is_some() {
        return Ok(None);
    }
    // The link proved the address: requests filed under it without an account are theirs now.
    let attached = crate::server::db::requests::attach_to_customer(&mut tx, &email, user.id).await?;
    tx.commit().await?;
    if attached > 0 {
        tracing::info!(user_id = user.id, attached, "requests attached to the account");
    }
    Ok(Some(user))
}
