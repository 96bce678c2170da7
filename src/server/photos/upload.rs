//! Reading the request form as a browser posts it with files (`multipart/form-data`). Every read is
//! capped: a text field at [`TEXT_MAX_BYTES`], a file at one byte over [`MAX_PHOTO_BYTES`] (enough to know it
//! is too large), the number of parts at [`MAX_PARTS`]; the rest of an oversized part is skipped unread
//! into memory. Files are judged by content only; their names are not kept at all.
use axum::body::Bytes;

use crate::domain::photo::{self, ImageKind, FIELD as PHOTOS_FIELD, MAX_PHOTOS, MAX_PHOTO_BYTES};
use crate::domain::request::RequestInput;
use crate::domain::{FieldError, FieldErrors};

/// Longer than any text field may be (4000 characters of up to 4 bytes): the parse reports such a value as
/// too long, and nothing larger is read into memory.
const TEXT_MAX_BYTES: usize = 16 * 1024 + 4;
/// Parts beyond this many are not read (the form has a dozen).
const MAX_PARTS: usize = 64;

/// Where each posted text field goes: one line per field of [`RequestInput`]. Unknown names are ignored.
fn text_field<'a>(input: &'a mut RequestInput, name: &str) -> Option<&'a mut String> {
    Some(match name {
        "name" => &mut input.name,
        "email" => &mut input.email,
        "phone" => &mut input.phone,
        "address" => &mut input.address,
        "category" => &mut input.category,
        "summary" => &mut input.summary,
        "description" => &mut input.description,
        other => return window_field(input, other),
    })
}

/// `window<n>_day` / `window<n>_part` (n = 1..=3): the preferred time windows.
fn window_field<'a>(input: &'a mut RequestInput, name: &str) -> Option<&'a mut String> {
    let rest = name.strip_prefix("window")?;
    let (n, field) = rest.split_once('_')?;
    let n: usize = n.parse().ok().filter(|n| (1..=crate::domain::schedule::MAX_WINDOWS).contains(n))?;
    if input.windows.len() < n {
        input.windows.resize_with(n, Default::default);
    }
    let window = &mut input.windows[n - 1];
    match field {
        "day" => Some(&mut window.day),
        "part" => Some(&mut window.part),
        _ => None,
    }
}

/// A file that passed the content check.
#[derive(Debug, Clone)]
pub struct CheckedPhoto {
    pub kind: ImageKind,
    pub content: Bytes,
}

/// A form as read: the text fields, the files that are images, and what was wrong with the upload (the
/// photos field's errors; the typed text values are kept in it for re-rendering the form).
#[derive(Debug, Default)]
pub struct Uploaded<T> {
    pub input: T,
    pub idempotency_key: String,
    pub photos: Vec<CheckedPhoto>,
    pub errors: FieldErrors,
}

/// The request form as read.
pub type UploadedForm = Uploaded<RequestInput>;

/// Reads the request form (see [`read_form`]).
pub async fn read_request_form(multipart: multer::Multipart<'static>) -> Result<UploadedForm, multer::Error> {
    read_form(multipart, text_field).await
}

/// A customer's message on their job, with photos: which job (`token` or `id`) and the text.
#[derive(Debug, Default)]
pub struct ReplyInput {
    pub token: String,
    pub id: String,
    pub body: String,
}

fn reply_field<'a>(input: &'a mut ReplyInput, name: &str) -> Option<&'a mut String> {
    Some(match name {
        "token" => &mut input.token,
        "id" => &mut input.id,
        "body" => &mut input.body,
        _ => return None,
    })
}

/// Reads the customer's reply form (see [`read_form`]).
pub async fn read_reply_form(multipart: multer::Multipart<'static>) -> Result<Uploaded<ReplyInput>, multer::Error> {
    read_form(multipart, reply_field).await
}

/// Reads a whole form: text fields go where `slot` says (unknown names are ignored), files posted as
/// `photos` are read capped and checked. `Err` only when the body itself cannot be read (cut off, malformed,
/// over the size limit of the route); problems with the files are field errors in the result.
pub async fn read_form<T: Default>(
    mut multipart: multer::Multipart<'static>,
    slot: impl for<'a> Fn(&'a mut T, &str) -> Option<&'a mut String>,
) -> Result<Uploaded<T>, multer::Error> {
    let mut form = Uploaded::<T>::default();
    let mut files = 0;
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await? {
        parts += 1;
        if parts > MAX_PARTS {
            break;
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == PHOTOS_FIELD {
            // A file input with nothing chosen still posts an empty part without a file name.
            let content = read_capped(&mut field, MAX_PHOTO_BYTES + 1).await?;
            if content.is_empty() && field.file_name().unwrap_or_default().is_empty() {
                continue;
            }
            files += 1;
            if files > MAX_PHOTOS {
                add_once(&mut form.errors, FieldError::TooManyPhotos { max: MAX_PHOTOS });
                continue;
            }
            match photo::check(&content) {
                Ok(kind) => form.photos.push(CheckedPhoto { kind, content }),
                Err(error) => add_once(&mut form.errors, error),
            }
        } else if name == "idempotency_key" {
            form.idempotency_key = read_text(&mut field).await?;
        } else if let Some(value) = slot(&mut form.input, &name) {
            *value = read_text(&mut field).await?;
            form.errors.keep(&name, value);
        }
    }
    Ok(form)
}

/// Records a photos error once (several bad files of one kind make one message).
fn add_once(errors: &mut FieldErrors, error: FieldError) {
    if !errors.0.iter().any(|(f, e)| f == PHOTOS_FIELD && *e == error) {
        errors.add(PHOTOS_FIELD, error);
    }
}

async fn read_text(field: &mut multer::Field<'static>) -> Result<String, multer::Error> {
    let bytes = read_capped(field, TEXT_MAX_BYTES).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads a part up to `cap` bytes; whatever follows is left for multer to skip.
async fn read_capped(field: &mut multer::Field<'static>, cap: usize) -> Result<Bytes, multer::Error> {
    let mut content = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        let room = cap - content.len();
        content.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if content.len() >= cap {
            break;
        }
    }
    Ok(Bytes::from(content))
}
