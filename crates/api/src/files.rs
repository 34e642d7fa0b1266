//! File service: images and videos by id.

use uuid::Uuid;

/// Path of a stored file (image or video); supports `Range`, `ETag`, `If-None-Match`.
pub fn file_path(id: Uuid) -> String {
    format!("/api/v1/files/{id}")
}
