//! Configuration from environment variables (and an optional `.env`), documented in the README.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite:…` or `postgres:…`; the backend is chosen from it.
    pub database_url: String,
    /// The public URL: used in links and as the only Origin allowed to mutate.
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub site_addr: SocketAddr,
    /// Demo mode prints magic links to the console as well as mailing them.
    pub demo: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Attempts allowed per client IP address in one rate-limit window (sign-in, sign-in links).
    pub rate_limit_per_ip: u32,
    /// Attempts allowed per email address in one rate-limit window.
    pub rate_limit_per_email: u32,
    pub rate_limit_window: Duration,
    /// Where photo files are kept (`PORTAL_PHOTO_STORE`).
    pub photo_store: PhotoStoreLocation,
    /// How mail leaves the outbox: SMTP, or the development mailbox.
    pub mail: super::mail::MailConfig,
}

/// Where photo files are kept. Several instances must share one store, which a local directory only allows
/// when it is on a shared disk: an S3-compatible bucket is the way for that.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PhotoStoreLocation {
    /// `<data_dir>/photos` (the default).
    #[default]
    DataDir,
    /// `s3://bucket[/prefix]`; the endpoint, region and credentials come from the `AWS_*` variables.
    S3 { bucket: String, prefix: String },
}

impl PhotoStoreLocation {
    /// Parses `PORTAL_PHOTO_STORE`: empty for the data directory, or `s3://bucket[/prefix]`.
    pub fn parse(raw: Option<&str>) -> Result<Self, ConfigError> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(Self::DataDir);
        };
        let invalid = || ConfigError(format!("PORTAL_PHOTO_STORE={raw:?}: expected s3://bucket[/prefix]"));
        let url = Url::parse(raw).map_err(|_| invalid())?;
        match (url.scheme(), url.host_str()) {
            ("s3", Some(bucket)) if !bucket.is_empty() => {
                Ok(Self::S3 { bucket: bucket.to_owned(), prefix: url.path().trim_matches('/').to_owned() })
            }
            _ => Err(invalid()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl ConfigError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|_| ConfigError(format!("{name}={raw:?} is not valid"))),
    }
}

impl Config {
    /// Reads the environment. `LEPTOS_SITE_ADDR` comes from cargo-leptos conventions; the rest is ours.
    pub fn from_env() -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(var("PORTAL_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("portal.db").display()));
        let site_addr: SocketAddr = parse_var("LEPTOS_SITE_ADDR", SocketAddr::from(([127, 0, 0, 1], 3000)))?;
        let base_url = match var("PORTAL_BASE_URL") {
            Some(raw) => Url::parse(raw.trim()).map_err(|e| ConfigError(format!("PORTAL_BASE_URL: {e}")))?,
            // Listening on every interface: the browser cannot use 0.0.0.0, so links and the Origin check
            // use the loopback address (set PORTAL_BASE_URL for anything reachable from elsewhere).
            None if site_addr.ip().is_unspecified() => {
                Url::parse(&format!("http://127.0.0.1:{}", site_addr.port())).expect("a loopback URL")
            }
            None => Url::parse(&format!("http://{site_addr}")).expect("a socket address forms a URL"),
        };
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(ConfigError("PORTAL_BASE_URL must be http or https".into()));
        }
        let demo = matches!(var("PORTAL_DEMO").as_deref(), Some("1" | "true" | "yes"));
        Ok(Self {
            database_url,
            data_dir,
            site_addr,
            demo,
            session_idle: Duration::from_secs(60 * parse_var("PORTAL_SESSION_IDLE_MINUTES", 24 * 60u64)?),
            session_absolute: Duration::from_secs(3600 * parse_var("PORTAL_SESSION_MAX_HOURS", 14 * 24u64)?),
            rate_limit_per_ip: parse_var("PORTAL_RATE_LIMIT_PER_IP", 60)?,
            rate_limit_per_email: parse_var("PORTAL_RATE_LIMIT_PER_EMAIL", 5)?,
            rate_limit_window: Duration::from_secs(60 * parse_var("PORTAL_RATE_LIMIT_WINDOW_MINUTES", 15u64)?),
            photo_store: PhotoStoreLocation::parse(var("PORTAL_PHOTO_STORE").as_deref())?,
            mail: super::mail::MailConfig::parse(var("PORTAL_SMTP_URL"), var("PORTAL_MAIL_FROM"), &base_url)?,
            base_url,
        })
    }

    /// The origin (`scheme://host[:port]`) every mutating request must come from.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// An absolute link into the portal, e.g. `link("/auth/magic?token=…")`.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path_and_query)
    }
}

#[cfg(test)]
mod tests {
    use super::PhotoStoreLocation;

    #[test]
    fn photo_store_locations() {
        assert_eq!(PhotoStoreLocation::parse(None).unwrap(), PhotoStoreLocation::DataDir);
        assert_eq!(PhotoStoreLocation::parse(Some(" ")).unwrap(), PhotoStoreLocation::DataDir);
        assert_eq!(
            PhotoStoreLocation::parse(Some("s3://portal-photos")).unwrap(),
            PhotoStoreLocation::S3 { bucket: "portal-photos".into(), prefix: "".into() }
        );
        assert_eq!(
            PhotoStoreLocation::parse(Some("s3://portal/prod/photos/")).unwrap(),
            PhotoStoreLocation::S3 { bucket: "portal".into(), prefix: "prod/photos".into() }
        );
        for bad in ["/var/photos", "s3://", "gs://bucket", "not a url"] {
            assert!(PhotoStoreLocation::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
