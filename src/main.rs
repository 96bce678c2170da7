//! The `portal` binary: see `portal --help`.
#[tokio::main]
async fn main() {
    if let Err(e) = portal::server::cli::run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
