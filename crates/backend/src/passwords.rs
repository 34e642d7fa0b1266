//! Password hashing with argon2id on a fixed set of worker threads, one per core, each with
//! its own memory block reused for every hash. However many sign-ups arrive at once, at most
//! one argon2 memory (~19 MiB) per core is ever in use, and it is never given back to the
//! allocator only to be asked for again; requests beyond that wait their turn in a queue.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, PasswordVerifier, Version};
use tokio::sync::oneshot;

enum Job {
    Hash(String, oneshot::Sender<Result<String, String>>),
    Verify(String, String, oneshot::Sender<bool>),
}

#[derive(Clone)]
pub struct Passwords {
    jobs: crossbeam_channel::Sender<Job>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passwords")
    }
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Hashes `password` with a fresh salt into a PHC string, using `blocks` as argon2's memory.
fn hash_with(password: &str, blocks: &mut [Block]) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let mut raw = [0u8; 16];
    let n = salt.decode_b64(&mut raw).map_err(|e| e.to_string())?.len();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2()
        .hash_password_into_with_memory(password.as_bytes(), &raw[..n], &mut out, blocks)
        .map_err(|e| e.to_string())?;
    let output = Output::new(&out).map_err(|e| e.to_string())?;
    let p = Params::default();
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        p.m_cost(),
        p.t_cost(),
        p.p_cost(),
        salt.as_str(),
        output
    ))
}

/// Checks `password` against a PHC string; hashes with other parameters than ours (none are
/// written today) are checked the ordinary way.
fn verify_with(password: &str, hash: &str, blocks: &mut [Block]) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let ours = Params::try_from(&parsed).is_ok_and(|p| {
        let d = Params::default();
        p.m_cost() == d.m_cost() && p.t_cost() == d.t_cost() && p.p_cost() == d.p_cost()
    }) && parsed.algorithm.as_str() == "argon2id";
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    if !ours || expected.len() != Params::DEFAULT_OUTPUT_LEN {
        return argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
    }
    let mut raw = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut raw) else {
        return false;
    };
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    if argon2()
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
        .is_err()
    {
        return false;
    }
    // Output's comparison is constant-time.
    Output::new(&out).is_ok_and(|o| o == expected)
}

impl Passwords {
    /// Starts one worker per core (at most `max_workers`).
    pub fn start(max_workers: usize) -> Self {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, max_workers.max(1));
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut blocks = vec![Block::default(); Params::default().block_count()];
                    // Ends when every sender is gone (the backend stopped).
                    for job in rx.iter() {
                        match job {
                            Job::Hash(password, reply) => {
                                let _ = reply.send(hash_with(&password, &mut blocks));
                            }
                            Job::Verify(password, hash, reply) => {
                                let _ = reply.send(verify_with(&password, &hash, &mut blocks));
                            }
                        }
                    }
                })
                .expect("starting an argon2 worker");
        }
        Self { jobs: tx }
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Hash(password, tx))
            .map_err(|_| anyhow::anyhow!("password workers stopped"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("password worker died"))?
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    }

    pub async fn verify(&self, password: String, hash: String) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Job::Verify(password, hash, tx)).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }
}

/// One hash on the calling thread (seeding, tests).
pub fn hash_now(password: &str) -> anyhow::Result<String> {
    let mut blocks = vec![Block::default(); Params::default().block_count()];
    hash_with(password, &mut blocks).map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_password_they_were_made_from() {
        let mut blocks = vec![Block::default(); Params::default().block_count()];
        let hash = hash_with("correct horse", &mut blocks).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_with("correct horse", &hash, &mut blocks));
        assert!(!verify_with("correct horsE", &hash, &mut blocks));
        assert!(!verify_with("correct horse", "not a hash", &mut blocks));
        // A hash made by the argon2 crate's own API verifies too.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = argon2()
            .hash_password(b"pw123456", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with("pw123456", &theirs, &mut blocks));
        assert!(!verify_with("pw1234567", &theirs, &mut blocks));
    }
}
