//! The rotation schedule as a pure function: given the ring and the time, what must change.
//!
//! DESIGN.md "Keys": a successor is published `prepublish` before it signs; a retired key stays
//! published for `retention`; one active key per configured algorithm.

use chrono::{DateTime, Duration, Utc};

use super::{KeyState, SigningAlg};
use crate::config::KeySettings;

/// What the schedule needs to know of a stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: SigningAlg,
    pub state: KeyState,
    pub activates_at: DateTime<Utc>,
    pub removes_at: Option<DateTime<Utc>>,
}

/// One change to the ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Generate a key in `state` that signs from `activates_at`.
    Create {
        alg: SigningAlg,
        state: KeyState,
        activates_at: DateTime<Utc>,
    },
    /// The next key starts signing; the active one (if any) retires.
    Promote {
        alg: SigningAlg,
        next: String,
        active: Option<String>,
    },
    /// A retired key whose tokens have all expired leaves the JWKS.
    Remove { kid: String },
}

/// `t + d`, saturating at the end of time instead of overflowing.
pub(super) fn after(t: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t - d`, saturating at the start of time.
fn before(t: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The actions that bring the ring up to date at `now`.
pub fn plan(keys: &[KeyInfo], settings: &KeySettings, now: DateTime<Utc>) -> Vec<Action> {
    let mut actions = Vec::new();
    for &alg in &settings.algorithms {
        let find = |state| keys.iter().find(|k| k.alg == alg && k.state == state);
        match (find(KeyState::Active), find(KeyState::Next)) {
            (None, Some(next)) => actions.push(Action::Promote {
                alg,
                next: next.kid.clone(),
                active: None,
            }),
            (None, None) => actions.push(Action::Create {
                alg,
                state: KeyState::Active,
                activates_at: now,
            }),
            (Some(active), Some(next)) if next.activates_at <= now => {
                actions.push(Action::Promote {
                    alg,
                    next: next.kid.clone(),
                    active: Some(active.kid.clone()),
                })
            }
            (Some(active), None) => {
                let due = after(active.activates_at, settings.rotation_interval);
                if now >= before(due, settings.prepublish) {
                    actions.push(Action::Create {
                        alg,
                        state: KeyState::Next,
                        activates_at: due.max(after(now, settings.prepublish)),
                    });
                }
            }
            (Some(_), Some(_)) => {}
        }
    }
    // Keys of an algorithm missing from this instance's settings are left alone: instances
    // with different settings (a rolling deploy) must not undo each other's keys. Dropping an
    // algorithm is explicit: `tessera keys retire`.
    for key in keys {
        if key.state == KeyState::Retired && key.removes_at.is_some_and(|t| t <= now) {
            actions.push(Action::Remove {
                kid: key.kid.clone(),
            });
        }
    }
    actions
}

#[cfg(test)]
mod tests;
