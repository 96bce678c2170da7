//! The migrations are embedded in the binary (`sqlx::migrate!`): a new or changed migration must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
