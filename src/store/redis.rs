//! The optional Redis connection (DESIGN.md "Optional Redis").

use std::time::Duration;

use redis::aio::ConnectionManager;

/// Redis could not be reached or answered with an error.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis: no answer within {0:?}")]
    Timeout(Duration),
}

/// A shared, reconnecting Redis connection with the deployment's key prefix.
#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Redis {
    /// Connects, giving up after `timeout` (the connection manager would otherwise retry for long).
    pub async fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<Self, RedisError> {
        let client = redis::Client::open(url)?;
        let conn = tokio::time::timeout(timeout, ConnectionManager::new(client))
            .await
            .map_err(|_| RedisError::Timeout(timeout))??;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    /// `PING`, bounded by `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), RedisError> {
        let mut conn = self.conn.clone();
        let reply =
            tokio::time::timeout(timeout, redis::cmd("PING").query_async::<String>(&mut conn))
                .await
                .map_err(|_| RedisError::Timeout(timeout))??;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(RedisError::Redis(redis::RedisError::from((
                redis::ErrorKind::Parse,
                "unexpected PING reply",
            ))))
        }
    }

    /// A key under this deployment's prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }
}
