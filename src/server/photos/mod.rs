//! Request photos: where their bytes are kept (an object store), reading them from a request form, filing
//! them with the request, and serving them only to those who may see the request.
pub mod download;
pub mod limits;
pub mod submit;
pub mod upload;

use std::path::Path as FsPath;
use std::sync::Arc;

use axum::body::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{GetResult, ObjectStore, PutPayload};
use rand::RngCore;

use crate::domain::photo::ImageKind;
use crate::server::config::{Config, ConfigError, PhotoStoreLocation};

pub use object_store::Error as StoreError;

/// The photo files, behind `object_store` so one code path serves a local directory and an S3-compatible
/// bucket. Objects are named by the server only (random hex plus the sniffed extension): nothing a visitor
/// sends ever becomes part of a path. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PhotoStore {
    inner: Arc<dyn ObjectStore>,
}

impl PhotoStore {
    /// Opens the configured store, creating the local directory when that is the one.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        match &config.photo_store {
            PhotoStoreLocation::DataDir => Self::local(&config.data_dir.join("photos")),
            PhotoStoreLocation::S3 { bucket, prefix } => {
                let s3 = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| ConfigError::new(format!("PORTAL_PHOTO_STORE: {e}")))?;
                let inner: Arc<dyn ObjectStore> =
                    if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix.as_str())) };
                Ok(Self { inner })
            }
        }
    }

    /// A store in a local directory (created if missing).
    pub fn local(dir: &FsPath) -> Result<Self, ConfigError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ConfigError::new(format!("photo directory {}: {e}", dir.display())))?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| ConfigError::new(format!("photo directory {}: {e}", dir.display())))?;
        Ok(Self { inner: Arc::new(fs) })
    }

    /// Stores `content` under a fresh server-generated name and returns that name (the object key).
    pub async fn put(&self, kind: ImageKind, content: Bytes) -> Result<String, StoreError> {
        let key = new_key(kind);
        self.inner.put(&Path::from(key.as_str()), PutPayload::from(content)).await?;
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<GetResult, StoreError> {
        self.inner.get(&Path::from(key)).await
    }

    /// Removes objects that were written for a submission that did not happen. Best effort: a failure is
    /// logged (an orphaned file is harmless, only wasted space).
    pub async fn delete_all(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.inner.delete(&Path::from(key.as_str())).await {
                tracing::warn!(key, error = %e, "could not remove an unused photo object");
            }
        }
    }
}

/// 128 random bits in hex plus the extension of the sniffed kind, e.g. `3f…a9.png`.
fn new_key(kind: ImageKind) -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.{}", kind.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_hex_with_the_kind_extension() {
        let a = new_key(ImageKind::Png);
        assert_eq!(a.len(), 32 + 4);
        assert!(a.ends_with(".png"));
        assert!(a[..32].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, new_key(ImageKind::Png));
        assert!(new_key(ImageKind::Webp).ends_with(".webp"));
    }
}
