//! Account management used by the CLI, the demo seeder and the admin pages. Every change is one transaction
//! with the event that announces it to the team.
use serde::Serialize;

use crate::domain::{Email, Password, Role, Roles, UserId};
use crate::server::auth::password;
use crate::server::db::{self, sessions, users, users::UserRow, Db, Lock};
use crate::server::events::EventBus;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("no such user")]
    NotFound,
    /// Removing the admin role from, or disabling, the last active admin would lock everyone out.
    #[error("the last active admin cannot lose the admin role or be disabled")]
    LastAdmin,
    /// Team members sign in with a password only, so an account without one cannot join the team.
    #[error("the account has no password")]
    NoPassword,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What the team's activity feed shows about an account change.
#[derive(Debug, Serialize)]
pub struct AccountEvent<'a> {
    pub email: &'a str,
    pub roles: &'a str,
    pub by: Option<&'a str>,
}

pub async fn create(
    db: &Db,
    bus: &EventBus,
    email: &Email,
    roles: &Roles,
    display_name: Option<&str>,
    password: Option<Password>,
    now: i64,
) -> Result<UserRow, AccountError> {
    let hash = match password {
        Some(p) => Some(password::hash_async(p).await),
        None => None,
    };
    let storage = roles.to_storage();
    let new = users::NewUser { email: email.as_str(), display_name, roles: &storage, password_hash: hash.as_deref() };
    let mut tx = db.begin().await?;
    let user = users::insert(&mut tx, &new, now).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            AccountError::EmailTaken
        } else {
            AccountError::Db(e)
        }
    })?;
    let event = AccountEvent { email: &user.email, roles: &user.roles, by: None };
    let pending = bus.append(&mut tx, "staff", "user.created", &event, now).await?;
    tx.commit().await?;
    bus.announce(pending);
    Ok(user)
}

/// Sets a new password (hashed off the async runtime) and ends every session of the account: whoever knew
/// the old password is signed out everywhere. The caller starts a fresh session for the person at hand.
pub async fn set_password(db: &Db, user_id: UserId, password: Password, now: i64) -> Result<(), AccountError> {
    let hash = password::hash_async(password).await;
    let mut tx = db.begin().await?;
    users::set_password_hash(&mut tx, user_id, &hash, now).await?;
    sessions::delete_for_user(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_roles(
    db: &Db,
    bus: &EventBus,
    actor: &str,
    user_id: UserId,
    roles: &Roles,
    now: i64,
) -> Result<UserRow, AccountError> {
    let mut tx = db.begin().await?;
    db::lock(&mut tx, db.backend(), Lock::Accounts).await?;
    let user = users::find_by_id(&mut tx, user_id).await?.ok_or(AccountError::NotFound)?;
    if roles.is_team() && user.password_hash.is_none() {
        return Err(AccountError::NoPassword);
    }
    let was_admin = Roles::parse(&user.roles).is_ok_and(|r| r.has(Role::Admin));
    if was_admin && !roles.has(Role::Admin) && user.disabled_at.is_none() {
        ensure_another_admin(&mut tx).await?;
    }
    let storage = roles.to_storage();
    users::set_roles(&mut tx, user_id, &storage, now).await?;
    let event = AccountEvent { email: &user.email, roles: &storage, by: Some(actor) };
    let pending = bus.append(&mut tx, "staff", "user.roles_changed", &event, now).await?;
    tx.commit().await?;
    bus.announce(pending);
    Ok(UserRow { roles: storage, updated_at: now, ..user })
}

/// Disables (ending every session at once) or re-enables an account.
pub async fn set_disabled(
    db: &Db,
    bus: &EventBus,
    actor: &str,
    user_id: UserId,
    disabled: bool,
    now: i64,
) -> Result<UserRow, AccountError> {
    let mut tx = db.begin().await?;
    db::lock(&mut tx, db.backend(), Lock::Accounts).await?;
    let user = users::find_by_id(&mut tx, user_id).await?.ok_or(AccountError::NotFound)?;
    let is_admin = Roles::parse(&user.roles).is_ok_and(|r| r.has(Role::Admin));
    if disabled && is_admin && user.disabled_at.is_none() {
        ensure_another_admin(&mut tx).await?;
    }
    let disabled_at = disabled.then_some(now);
    users::set_disabled(&mut tx, user_id, disabled_at, now).await?;
    if disabled {
        sessions::delete_for_user(&mut tx, user_id).await?;
    }
    let kind = if disabled { "user.disabled" } else { "user.enabled" };
    let event = AccountEvent { email: &user.email, roles: &user.roles, by: Some(actor) };
    let pending = bus.append(&mut tx, "staff", kind, &event, now).await?;
    tx.commit().await?;
    bus.announce(pending);
    Ok(UserRow { disabled_at, updated_at: now, ..user })
}

async fn ensure_another_admin(conn: &mut db::Conn) -> Result<(), AccountError> {
    if users::count_active_with_role(conn, Role::Admin.as_str()).await? <= 1 {
        return Err(AccountError::LastAdmin);
    }
    Ok(())
}
