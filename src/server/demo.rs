//! Demo content for a fresh machine: one account per role with a random password printed on the console.
use crate::domain::{Email, Password, Role, Roles};
use crate::server::auth::tokens::random_token;
use crate::server::db::{users, Db};
use crate::server::events::EventBus;
use crate::server::{accounts, now_ms};

/// The demo accounts and the names they are shown with.
const DEMO_ACCOUNTS: [(Role, &str, &str); 4] = [
    (Role::Customer, "customer@demo.example", "Dana Customer"),
    (Role::Staff, "staff@demo.example", "Sam Dispatcher"),
    (Role::Editor, "editor@demo.example", "Erin Editor"),
    (Role::Admin, "admin@demo.example", "Alex Admin"),
];

/// Creates the demo accounts (or gives existing ones a new password) and returns `(role, email, password)`.
pub async fn seed(db: &Db, bus: &EventBus) -> Result<Vec<(Role, String, String)>, accounts::AccountError> {
    let mut printed = Vec::new();
    for (role, email, name) in DEMO_ACCOUNTS {
        let email = Email::parse(email).expect("demo emails are valid");
        // 20 characters of a 256-bit token: random every run, never a constant in the code.
        let secret: String = random_token().chars().take(20).collect();
        let password = Password::parse(&secret).expect("20 characters satisfy the policy");
        let existing = {
            let mut conn = db.acquire().await?;
            users::find_by_email(&mut conn, email.as_str()).await?
        };
        match existing {
            Some(user) => accounts::set_password(db, user.id, password, now_ms()).await?,
            None => {
                let roles = Roles::new(vec![role]).expect("one role is a valid set");
                accounts::create(db, bus, &email, &roles, Some(name), Some(password), now_ms()).await?;
            }
        }
        printed.push((role, email.to_string(), secret));
    }
    Ok(printed)
}

pub fn print(accounts: &[(Role, String, String)], base_url: &str) {
    println!();
    println!("Demo accounts (passwords are new on every start) — sign in at {base_url}/sign-in");
    for (role, email, password) in accounts {
        println!("  {:<9} {:<24} {}", role.as_str(), email, password);
    }
    println!("Customers can also sign in with an emailed link; in demo mode the link is printed here.");
    println!();
}
