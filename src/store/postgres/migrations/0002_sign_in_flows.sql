-- Single sign-on: a sign-in started on one instance may come back to another behind the load balancer, so the
-- flow's state (PKCE verifier, state, nonce, return path) is kept here rather than in one process's memory.
CREATE TABLE sign_in_flows (
  key_hash text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  body jsonb NOT NULL
);
CREATE INDEX sign_in_flows_by_expiry ON sign_in_flows (expires_at);
