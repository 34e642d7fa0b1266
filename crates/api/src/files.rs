//! File service: images and videos by id.

use crate::endpoint::Endpoint as _;
use uuid::Uuid;

/// Path of a stored file (image or video); supports `Range`, `ETag`, `If-None-Match`.
pub fn file_path(id: Uuid) -> String {
    crate::endpoint::GetFile::path(&[&id])
}
