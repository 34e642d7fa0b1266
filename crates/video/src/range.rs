//! A `Read + Seek` over a file that is fetched piece by piece on demand (HTTP range requests
//! in the kiosk), caching the blocks it has read. The MP4 reader only touches the header
//! boxes first, so the first frame needs only a fraction of the file.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};

/// Fetches `len` bytes at `offset`; may return fewer only at the end of the file.
pub type Fetch = Box<dyn FnMut(u64, usize) -> io::Result<Vec<u8>> + Send>;

pub struct RangeReader {
    size: u64,
    pos: u64,
    block: usize,
    cache: HashMap<u64, Vec<u8>>,
    /// Blocks kept at most; the oldest is dropped first.
    max_blocks: usize,
    order: Vec<u64>,
    fetch: Fetch,
    fetched: u64,
}

impl RangeReader {
    pub fn new(size: u64, block: usize, fetch: Fetch) -> Self {
        Self {
            size,
            pos: 0,
            block: block.max(1024),
            cache: HashMap::new(),
            max_blocks: 64,
            order: Vec::new(),
            fetch,
            fetched: 0,
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes fetched so far (blocks fetched again after eviction count again).
    pub fn bytes_fetched(&self) -> u64 {
        self.fetched
    }

    fn load(&mut self, index: u64) -> io::Result<&Vec<u8>> {
        if !self.cache.contains_key(&index) {
            let start = index * self.block as u64;
            let len = (self.size - start).min(self.block as u64) as usize;
            let bytes = (self.fetch)(start, len)?;
            if bytes.len() != len {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("asked for {len} bytes at {start}, got {}", bytes.len()),
                ));
            }
            self.fetched += bytes.len() as u64;
            if self.order.len() >= self.max_blocks {
                let old = self.order.remove(0);
                self.cache.remove(&old);
            }
            self.order.push(index);
            self.cache.insert(index, bytes);
        }
        Ok(&self.cache[&index])
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let block = self.block as u64;
        let index = self.pos / block;
        let offset = (self.pos % block) as usize;
        let data = self.load(index)?;
        let n = (data.len() - offset).min(buf.len());
        buf[..n].copy_from_slice(&data[offset..offset + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.size as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if pos < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start",
            ));
        }
        self.pos = pos as u64;
        Ok(self.pos)
    }
}
