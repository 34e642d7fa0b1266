//! H.264 video in MP4 for the kiosk: [`encode`] makes the demo catalog's clips, [`decode`]
//! demuxes and decodes them to RGBA frames, and [`range`] reads a file piece by piece (over
//! HTTP range requests in the kiosk) so playback starts before the whole file has arrived.

pub mod decode;
pub mod encode;
pub mod range;

pub use decode::{Frame, VideoInfo, VideoReader};
pub use encode::encode_mp4;
pub use range::RangeReader;

/// Everything that can go wrong with a video, as a value: never a panic.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// Not an MP4 we can read, or damaged beyond reading.
    #[error("the video file is damaged or not an MP4: {0}")]
    Container(String),
    /// The file ends before the data it promises.
    #[error("the video file is incomplete")]
    Truncated,
    /// An MP4 without H.264 video (or with a codec we do not play).
    #[error("this video format is not supported: {0}")]
    Unsupported(String),
    /// The H.264 data does not decode.
    #[error("the video data is damaged: {0}")]
    Codec(String),
    #[error("cannot read the video: {0}")]
    Io(String),
}

impl From<std::io::Error> for VideoError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            VideoError::Truncated
        } else {
            VideoError::Io(e.to_string())
        }
    }
}

impl From<mp4::Error> for VideoError {
    fn from(e: mp4::Error) -> Self {
        match e {
            mp4::Error::IoError(io) => io.into(),
            other => VideoError::Container(other.to_string()),
        }
    }
}

impl From<openh264::Error> for VideoError {
    fn from(e: openh264::Error) -> Self {
        VideoError::Codec(e.to_string())
    }
}

/// Runs `f`, turning a panic inside the third-party parsers into an error value.
pub(crate) fn guarded<T>(
    what: &str,
    f: impl FnOnce() -> Result<T, VideoError>,
) -> Result<T, VideoError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(VideoError::Container(format!(
            "{what} failed on malformed data"
        )))
    })
}
