//! Demo content for a fresh machine: one account per role with a random password printed on the console, and a
//! few service requests (filed once; later runs leave them as they are).
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

/// The demo requests: (idempotency key, category id, name, email, address, summary, description).
const DEMO_REQUESTS: [(&str, &str, &str, &str, &str, &str, &str); 3] = [
    (
        "demo-request-0001",
        "1",
        "Dana Customer",
        "customer@demo.example",
        "4 Elm Street, Springfield",
        "Kitchen sink drains slowly",
        "The kitchen sink takes minutes to drain since last week. We tried a plunger without luck.",
    ),
    (
        "demo-request-0002",
        "2",
        "Omar Haddad",
        "omar@demo.example",
        "17 Lake Road, Springfield",
        "Boiler shows error E119",
        "The boiler stopped heating this morning and shows E119. Pressure gauge reads 0.5 bar.",
    ),
    (
        "demo-request-0003",
        "4",
        "Mia Kowalski",
        "mia@demo.example",
        "88 Hill Avenue, Springfield",
        "Washing machine does not spin",
        "The washing machine fills and washes but stops before the spin cycle; the drum is full of water.",
    ),
];

/// Files the demo requests that do not exist yet and schedules the first one (as the demo staff member).
/// Returns `(reference, tracking link)` of the requests filed by this run.
pub async fn seed_requests(
    db: &Db,
    bus: &EventBus,
    config: &crate::server::config::Config,
) -> Result<Vec<(String, String)>, crate::server::requests::JobError> {
    use crate::domain::request::RequestInput;
    use crate::domain::schedule::{PartOfDay, WindowInput};
    use crate::domain::time::{day_of, format_day};
    use crate::server::db::requests;
    use crate::server::jobs::{schedule, WindowChoice};
    use crate::server::requests::{submit, JobError, SubmitError};

    let mut filed = Vec::new();
    for (n, (key, category, name, email, address, summary, description)) in DEMO_REQUESTS.into_iter().enumerate() {
        let exists = {
            let mut conn = db.acquire().await?;
            requests::by_idempotency_key(&mut conn, key).await?.is_some()
        };
        if exists {
            continue;
        }
        let input = RequestInput {
            name: name.into(),
            email: email.into(),
            phone: String::new(),
            address: address.into(),
            category: category.into(),
            summary: summary.into(),
            description: description.into(),
            // Two preferred windows, tomorrow afternoon and the morning after.
            windows: [(1, PartOfDay::Afternoon), (2, PartOfDay::Morning)]
                .into_iter()
                .map(|(days, part)| WindowInput {
                    day: format_day(day_of(now_ms()) + days),
                    part: part.as_str().into(),
                })
                .collect(),
        };
        let submitted = submit(db, bus, config, &input, key, None, crate::i18n::Locale::en, now_ms()).await.map_err(
            |e| match e {
                SubmitError::Db(e) => JobError::Db(e),
                SubmitError::Invalid(errors) => panic!("demo request {key} is invalid: {errors:?}"),
            },
        )?;
        if n == 0 {
            let (staff, id) = {
                let mut conn = db.acquire().await?;
                let staff = users::find_by_email(&mut conn, "staff@demo.example").await?;
                let id = requests::by_idempotency_key(&mut conn, key).await?.map(|r| (r.id, r.version));
                (staff, id)
            };
            if let (Some(staff), Some((id, version))) = (staff, id) {
                if let Some(actor) = crate::server::auth::session::current_user(&staff) {
                    schedule(db, bus, config, &actor, id, version, WindowChoice::Preferred(1), now_ms()).await?;
                }
            }
        }
        filed.push((submitted.reference, config.link(&format!("/track/{}", submitted.token))));
    }
    Ok(filed)
}
