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
    let ranges = http_range_header::parse_range_header(range).and_then(|r| r.validate(len));
    match ranges {
        // Several ranges at once: serving the whole file is allowed and simpler than multipart.
        Ok(ranges) if ranges.len() == 1 => {
            let (start, end) = (*ranges[0].start(), *ranges[0].end());
            common.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
                    .map_err(anyhow::Error::from)?,
            );
            let body = Body::from(stored.bytes[start as usize..=end as usize].to_vec());
            Ok((StatusCode::PARTIAL_CONTENT, common, body).into_response())
        }
        Ok(_) => Ok((StatusCode::OK, common, stored.bytes).into_response()),
        Err(_) => {
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
