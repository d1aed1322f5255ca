//! Login challenges: issued once, taken once.
//!
//! A challenge is 32 random bytes under a random id, with an expiry. Taking it for a
//! login removes it whatever the login's outcome, so a challenge is never verified
//! twice: a second use is `challenge-used` (a tombstone is kept until the expiry), an
//! id this store never issued (another instance's, a made-up one) `challenge-unknown`,
//! a late one `challenge-expired`. [`ChallengeStore`] is the seam for a shared store
//! (several instances behind a load balancer, [`crate::redis::RedisChallenges`]);
//! [`MemoryChallenges`] is the embedded one.

use std::collections::HashMap;
use std::sync::Mutex;

/// Length of a challenge, bytes.
pub const CHALLENGE_LEN: usize = 32;

/// At most this many challenges (outstanding and tombstones) are held; beyond it,
/// issuing fails with [`StoreError::Full`] until some expire.
pub const MAX_CHALLENGES: usize = 1_000_000;

/// An issued challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// Its id: 32 lowercase hex digits (16 random bytes).
    pub id: String,
    /// The bytes to sign.
    pub challenge: [u8; CHALLENGE_LEN],
    /// Expiry, seconds since the Unix epoch.
    pub expires_at: u64,
}

impl Issued {
    /// A new challenge valid for `ttl` seconds from `now`: 16 random bytes of id, 32 of
    /// challenge, from the system's generator.
    pub fn fresh(now: u64, ttl: u64) -> Result<Self, StoreError> {
        Ok(Self {
            id: hex::encode(random::<16>()?),
            challenge: random::<CHALLENGE_LEN>()?,
            expires_at: now.saturating_add(ttl),
        })
    }
}

/// Why a challenge cannot be taken (the API's codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakeError {
    /// Never issued here.
    Unknown,
    /// Past its expiry.
    Expired,
    /// Already taken.
    Used,
    /// The store cannot be reached (a shared store).
    Unavailable,
}

impl TakeError {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Unknown => "challenge-unknown",
            Self::Expired => "challenge-expired",
            Self::Used => "challenge-used",
            Self::Unavailable => "challenge-store-unavailable",
        }
    }

    /// The message.
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "this service issued no such challenge",
            Self::Used => "the challenge was already used",
            Self::Expired => "the challenge expired",
            Self::Unavailable => "the shared challenge store does not answer",
        }
    }
}

/// Why a challenge cannot be issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The store holds [`MAX_CHALLENGES`].
    Full,
    /// No random bytes from the system.
    Random,
    /// The store cannot be reached (a shared store).
    Unavailable,
}

/// Where challenges live.
pub trait ChallengeStore: Send + Sync {
    /// Issues a challenge valid for `ttl` seconds from `now`.
    fn issue(&self, now: u64, ttl: u64) -> Result<Issued, StoreError>;
    /// Takes the challenge `id` at `now`: its bytes, once.
    fn take(&self, id: &str, now: u64) -> Result<[u8; CHALLENGE_LEN], TakeError>;
    /// How many challenges are outstanding (issued, not taken, not expired), where the
    /// store can say cheaply.
    fn outstanding(&self, now: u64) -> Option<usize>;
    /// Whether calls go over the network (and so run off the I/O threads).
    fn is_remote(&self) -> bool {
        false
    }
}

#[derive(Clone, Copy)]
struct Entry {
    challenge: [u8; CHALLENGE_LEN],
    expires_at: u64,
    used: bool,
}

/// Challenges in this process's memory.
#[derive(Default)]
pub struct MemoryChallenges {
    entries: Mutex<HashMap<String, Entry>>,
}

impl MemoryChallenges {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| StoreError::Random)?;
    Ok(b)
}

impl ChallengeStore for MemoryChallenges {
    fn issue(&self, now: u64, ttl: u64) -> Result<Issued, StoreError> {
        let issued = Issued::fresh(now, ttl)?;
        let mut m = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= MAX_CHALLENGES {
            m.retain(|_, e| e.expires_at >= now);
            if m.len() >= MAX_CHALLENGES {
                return Err(StoreError::Full);
            }
        }
        m.insert(
            issued.id.clone(),
            Entry {
                challenge: issued.challenge,
                expires_at: issued.expires_at,
                used: false,
            },
        );
        Ok(issued)
    }

    fn take(&self, id: &str, now: u64) -> Result<[u8; CHALLENGE_LEN], TakeError> {
        let mut m = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = m.get_mut(id).ok_or(TakeError::Unknown)?;
        if e.used {
            return Err(TakeError::Used);
        }
        e.used = true;
        if now > e.expires_at {
            return Err(TakeError::Expired);
        }
        Ok(e.challenge)
    }

    fn outstanding(&self, now: u64) -> Option<usize> {
        let mut m = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // Tombstones and expired challenges go once their expiry has passed.
        m.retain(|_, e| e.expires_at >= now);
        Some(m.values().filter(|e| !e.used).count())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn taken_once_then_used_and_unknown_and_expired() {
        let s = MemoryChallenges::new();
        let a = s.issue(1000, 120).unwrap();
        let b = s.issue(1000, 120).unwrap();
        assert_ne!(a.id, b.id);
        assert_ne!(a.challenge, b.challenge);
        assert_eq!(a.expires_at, 1120);
        assert_eq!(s.outstanding(1000), Some(2));
        assert_eq!(s.take(&a.id, 1010), Ok(a.challenge));
        assert_eq!(s.take(&a.id, 1011), Err(TakeError::Used));
        assert_eq!(s.take("00", 1011), Err(TakeError::Unknown));
        assert_eq!(s.take(&b.id, 1121), Err(TakeError::Expired));
        // An expired challenge taken once is used up too.
        assert_eq!(s.take(&b.id, 1122), Err(TakeError::Used));
        assert_eq!(s.outstanding(1200), Some(0));
        assert_eq!(s.take(&a.id, 1200), Err(TakeError::Unknown));
    }
}
