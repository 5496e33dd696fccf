//! When each secret key was last used, recorded off the hot path: the token endpoint notes the
//! use in memory and the background task writes the batch (DESIGN.md "Tokens": the token
//! endpoint is the hot path, it never waits for a write it does not need).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::store::apps;
use crate::store::{Db, StoreError};

/// Uses not yet written, by secret id (the latest use wins).
#[derive(Debug, Default)]
pub struct KeyUsage {
    pending: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl KeyUsage {
    /// Notes a use; never blocks on the database.
    pub fn record(&self, secret_id: &str, at: DateTime<Utc>) {
        if let Ok(mut pending) = self.pending.lock() {
            let last = pending.entry(secret_id.to_owned()).or_insert(at);
            if at > *last {
                *last = at;
            }
        }
    }

    /// Writes the noted uses; on failure they are kept for the next attempt. Returns how many
    /// keys were written.
    pub async fn flush(&self, db: &Db) -> Result<usize, StoreError> {
        let batch: Vec<(String, DateTime<Utc>)> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().collect(),
            Err(_) => return Ok(0),
        };
        if batch.is_empty() {
            return Ok(0);
        }
        if let Err(err) = apps::update_last_used(db, &batch).await {
            for (id, at) in batch {
                self.record(&id, at);
            }
            return Err(err);
        }
        Ok(batch.len())
    }
}
