//! File service: stored images and videos by id, with `ETag`, `Cache-Control` and byte ranges.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, error_response};
use crate::extract::ApiPath;

pub fn router() -> crate::routes::Routes {
    crate::routes::Routes::new().at(customerclient_api::endpoint::GetFile, file)
}

async fn file(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let stored = state
        .store
        .file(id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AppError::NotFound("file"))?;
    let etag = format!("\"{}\"", stored.sha256);
    let etag_value = HeaderValue::from_str(&etag).map_err(anyhow::Error::from)?;
    let content_type = HeaderValue::from_str(&stored.content_type).map_err(anyhow::Error::from)?;
    let len = stored.bytes.len() as u64;

    let mut common = HeaderMap::new();
    common.insert(header::ETAG, etag_value);
    // Ids are never reused for other content, so clients may keep a file forever.
    common.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    common.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));

    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v == "*"
                || v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }

    common.insert(header::CONTENT_TYPE, content_type);
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // If-Range with a different validator means "send it all".
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v == etag);
    let Some(range) = range.filter(|_| if_range_ok) else {
        return Ok((StatusCode::OK, common, stored.bytes).into_response());
    };
    match byte_range(range, len) {
        Ranged::Part { start, end } => {
            common.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
                    .map_err(anyhow::Error::from)?,
            );
            let body = Body::from(stored.bytes[start as usize..=end as usize].to_vec());
            Ok((StatusCode::PARTIAL_CONTENT, common, body).into_response())
        }
        Ranged::Whole => Ok((StatusCode::OK, common, stored.bytes).into_response()),
        Ranged::Unsatisfiable => {
            let mut resp = error_response(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the file is {len} bytes long"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            Ok(resp)
        }
    }
}

/// What a `Range` header asks of a file `len` bytes long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranged {
    /// The whole file: a header that is not a byte range we read (RFC 9110 lets a server
    /// ignore it), or several ranges (serving all is allowed and simpler than multipart).
    Whole,
    /// Bytes `start..=end`, within the file.
    Part { start: u64, end: u64 },
    /// A well-formed range that lies outside the file: 416.
    Unsatisfiable,
}

pub fn byte_range(header: &str, len: u64) -> Ranged {
    let Ok(parsed) = http_range_header::parse_range_header(header) else {
        return Ranged::Whole;
    };
    // An empty file has no byte to give (and `0-` would read as byte 0 of nothing).
    if len == 0 {
        return Ranged::Unsatisfiable;
    }
    match parsed.validate(len) {
        Ok(ranges) if ranges.len() == 1 => Ranged::Part {
            start: *ranges[0].start(),
            end: *ranges[0].end(),
        },
        Ok(_) => Ranged::Whole,
        // "The last N bytes" of a shorter file is all of it (RFC 9110 §14.1.2).
        Err(http_range_header::RangeUnsatisfiableError::FileSuffixOutOfBounds) => Ranged::Part {
            start: 0,
            end: len - 1,
        },
        Err(_) => Ranged::Unsatisfiable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_header_gives_a_range_inside_the_file_or_none(
            header in "\\PC{0,40}",
            len in 0u64..5000,
        ) {
            if len == 0 {
                prop_assert_eq!(byte_range(&header, len), if http_range_header::parse_range_header(&header).is_ok() { Ranged::Unsatisfiable } else { Ranged::Whole });
            }
            if let Ranged::Part { start, end } = byte_range(&header, len) {
                prop_assert!(start <= end && end < len, "{header:?} of {len}: {start}-{end}");
            }
        }

        #[test]
        fn ranges_of_every_form_read_as_written(len in 1u64..1_000_000, a in any::<u64>(), b in any::<u64>()) {
            let (lo, hi) = (a.min(b) % (2 * len), a.max(b) % (2 * len));
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            // first-last
            let got = byte_range(&format!("bytes={lo}-{hi}"), len);
            if lo < len {
                prop_assert_eq!(got, Ranged::Part { start: lo, end: hi.min(len - 1) });
            } else {
                prop_assert_eq!(got, Ranged::Unsatisfiable);
            }
            // first- (to the end)
            let got = byte_range(&format!("bytes={lo}-"), len);
            if lo < len {
                prop_assert_eq!(got, Ranged::Part { start: lo, end: len - 1 });
            } else {
                prop_assert_eq!(got, Ranged::Unsatisfiable);
            }
            // -suffix (the last bytes)
            if hi > 0 {
                let got = byte_range(&format!("bytes=-{hi}"), len);
                if hi <= len {
                    prop_assert_eq!(got, Ranged::Part { start: len - hi, end: len - 1 });
                } else {
                    prop_assert_eq!(got, Ranged::Part { start: 0, end: len - 1 });
                }
            }
        }
    }
}
